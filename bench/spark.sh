#!/bin/bash
# Benchmark: 10,000 pods listed by "platform-tui spark pods -A -o json" and
# by "kubectl get pods -A -o json", and an informer holding a watch on them.
#
# usage: bench/spark.sh [PLATFORM-TUI]
#	(the binary: the argument, else $PT, else ./platform-tui)
#	PODS=10000 RUNS=3 WATCH=5s change the shape.
#
# Starts a private lab/sim/kube instance (the lab's certificates and token,
# PLATFORM_LAB_DIR, default /tmp/platform-lab) on a free port of 127.0.1.2,
# so the shared lab keeps its pod count, seeds PODS pods, and prints for
# each client the best wall time and peak RSS of RUNS runs (/usr/bin/time),
# the ratios kubectl/ours, and the peak RSS of "spark watch pods -A --quiet"
# (a hidden driver: list, sync, then watch for WATCH) against an idle run of
# the program. The simulator stops on exit.
set -u

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
. "$src/lab/lib/kubesim.sh"
PT=${1:-${PT:-./platform-tui}}
PODS=${PODS:-10000}
RUNS=${RUNS:-3}
WATCH=${WATCH:-5s}
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
HOST=127.0.1.2

case "$PT" in
*/*) ;;
*) PT=./$PT ;;
esac
[ -x "$PT" ] || { echo "bench/spark.sh: no program at $PT" >&2; exit 2; }
[ -f "$LAB/kube/server.crt" ] || { echo "bench/spark.sh: no lab at $LAB" >&2; exit 2; }
command -v kubectl >/dev/null || { echo "bench/spark.sh: kubectl not found" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/spark.sh: /usr/bin/time not found" >&2; exit 2; }

T=$(mktemp -d /tmp/pt-bench-spark.XXXXXX)
SIMPID=
trap '[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null; rm -rf "$T"' EXIT
kubesim_start "$HOST" "$LAB/kube/ca.crt" "$T/sim.out" 300 --dir "$LAB/kube" \
    --token-file "$LAB/secrets/kube-token" --seed-pods "$PODS"
[ -n "$SIMPID" ] || { echo "bench/spark.sh: the simulator did not start" >&2; exit 1; }
sed "s|https://[0-9.]*:[0-9]*|https://$HOST:$PORT|" "$LAB/kube/kubeconfig.yaml" >"$T/kubeconfig"
cat >"$T/inv.conf" <<CONF
[node compute]
address = $HOST

[service kube]
kind = kube
node = compute
endpoint = https://$HOST:$PORT
kubeconfig = $T/kubeconfig
CONF
export XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state"

best() {	# best NAME CMD...: the best wall time and peak RSS of RUNS runs
	local name=$1 i w m bw= bm=
	shift
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f '%e %M' -o "$T/time" "$@" >"$T/$name.out" 2>/dev/null ||
			{ echo "bench/spark.sh: $* failed" >&2; exit 1; }
		read -r w m <"$T/time"
		if [ -z "$bw" ] || awk "BEGIN { exit !($w < $bw) }"; then bw=$w; fi
		if [ -z "$bm" ] || [ "$m" -lt "$bm" ]; then bm=$m; fi
	done
	echo "$bw $bm"
}

n=$(kubectl --kubeconfig "$T/kubeconfig" get pods -A -o name | wc -l)
read -r pw pm < <(best ours "$PT" -i "$T/inv.conf" spark pods -A -o json)
read -r kw km < <(best theirs kubectl --kubeconfig "$T/kubeconfig" get pods -A -o json)
ours_n=$(/usr/bin/python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$T/ours.out")
printf 'pods: %d (kubectl), %d (platform-tui)\n' "$n" "$ours_n"
printf '%-44s %8s s %9s KiB\n' "platform-tui spark pods -A -o json" "$pw" "$pm"
printf '%-44s %8s s %9s KiB\n' "kubectl get pods -A -o json" "$kw" "$km"
awk -v pw="$pw" -v kw="$kw" -v pm="$pm" -v km="$km" 'BEGIN {
	printf "ratio kubectl/platform-tui: wall %.2fx, peak RSS %.2fx\n", kw / pw, km / pm }'

read -r iw im < <(RUNS=1 best idle "$PT" -i "$T/inv.conf" version)
/usr/bin/time -f '%e %M' -o "$T/time" "$PT" -i "$T/inv.conf" spark watch pods -A --quiet \
    --for "$WATCH" >"$T/watch.out" 2>&1
read -r ww wm <"$T/time"
printf 'informer holding a watch on %s pods for %s: peak RSS %d KiB (idle program %d KiB; %.1f KiB per pod)\n' \
    "$(awk '/^SYNCED/ {print $2; exit}' "$T/watch.out")" "$WATCH" "$wm" "$im" \
    "$(awk -v a="$wm" -v b="$im" -v n="$n" 'BEGIN { print (a - b) / n }')"
tail -1 "$T/watch.out"

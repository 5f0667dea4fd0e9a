#!/bin/bash
# Benchmark: "status" of 50 HTTP services that each answer after 200 ms.
#
# usage: bench/status.sh [PLATFORM-TUI]
#	(the binary: the argument, else $PT, else ./platform-tui)
#	N=50 DELAY_MS=200 RUNS=5 TIMEOUT=5s change the shape.
#
# Starts tests/integration/slowhttp.py on N ports of 127.0.0.1, writes an
# inventory of N services of kind http, runs "platform-tui -i INV status
# --timeout 5s" RUNS times and prints each wall time, the serial sum
# (N x DELAY_MS: what one probe after the other would take) and the ratio
# serial/ours.  With curl installed, also the time of N sequential "curl -s"
# requests, the loop an operator would script today, as a second ratio.
# Everything stays on 127.0.0.1; the servers stop on exit.
set -u

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
PT=${1:-${PT:-./platform-tui}}
N=${N:-50}
DELAY_MS=${DELAY_MS:-200}
RUNS=${RUNS:-5}
TIMEOUT=${TIMEOUT:-5s}
PYTHON=${PT_PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

case "$PT" in
*/*) ;;
*) PT=./$PT ;;
esac
if [ ! -x "$PT" ]; then
	echo "bench/status.sh: no program at $PT (build it, or give its path)" >&2
	exit 2
fi
PT=$(cd "$(dirname "$PT")" && pwd)/$(basename "$PT")
if [ -z "$PYTHON" ]; then
	echo "bench/status.sh: python3 is needed for the slow HTTP server" >&2
	exit 2
fi

# Private settings and state: the user's own config must not change the run.
D=$(mktemp -d "${TMPDIR:-/tmp}/pt-bench.XXXXXX") || exit 1
export XDG_CONFIG_HOME=$D/config XDG_STATE_HOME=$D/state HOME=$D/home
export PLATFORM_TUI_NO_SYSTEM_PLUGINS=1 NO_COLOR=1
unset PLATFORM_TUI_INVENTORY
# Local servers only: no proxy from the environment.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'
mkdir -p "$HOME"

srv=
cleanup() {
	if [ -n "$srv" ] && kill -0 "$srv" 2>/dev/null; then
		kill -TERM "$srv" 2>/dev/null
		wait "$srv" 2>/dev/null
	fi
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ns() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

"$PYTHON" "$src/tests/integration/slowhttp.py" --count "$N" \
    --delay "$DELAY_MS" --ports-file "$D/ports" </dev/null >"$D/slowhttp.log" 2>&1 &
srv=$!
for _ in $(seq 200); do
	[ -s "$D/ports" ] && break
	kill -0 "$srv" 2>/dev/null || break
	sleep 0.05
done
if [ ! -s "$D/ports" ]; then
	echo "bench/status.sh: slowhttp.py did not start:" >&2
	cat "$D/slowhttp.log" >&2
	exit 1
fi
mapfile -t ports <"$D/ports"

INV=$D/inventory
{
	printf '[platform]\nname = bench\ntimeout = %s\n\n' "$TIMEOUT"
	printf '[node lab]\naddress = 127.0.0.1\n'
	i=0
	for p in "${ports[@]}"; do
		i=$((i + 1))
		printf '\n[service web%02d]\nkind = http\nnode = lab\nendpoint = http://127.0.0.1:%s/\n' "$i" "$p"
	done
} >"$INV"
chmod 644 "$INV"

# One run to check that all are up (and to warm the page cache).
"$PT" -i "$INV" status --timeout "$TIMEOUT" -o tsv >"$D/check" 2>"$D/check.err"
rc=$?
up=$(awk -F'\t' 'NR > 1 && $5 == "up"' "$D/check" | wc -l)
if [ "$rc" -ne 0 ] || [ "$up" -ne "$N" ]; then
	echo "bench/status.sh: the check run is not all up (exit $rc, $up of $N up):" >&2
	head -5 "$D/check" "$D/check.err" >&2
	exit 1
fi

serial_ns=$((N * DELAY_MS * 1000000))
echo "status of $N http services answering after $DELAY_MS ms each"
echo "command: $PT -i INVENTORY status --timeout $TIMEOUT"
times=()
for r in $(seq "$RUNS"); do
	t0=$(now_ns)
	"$PT" -i "$INV" status --timeout "$TIMEOUT" >"$D/out" 2>"$D/err"
	rc=$?
	t=$(( $(now_ns) - t0 ))
	times+=("$t")
	note=
	[ "$rc" -eq 0 ] || note="  (exit $rc: $(head -1 "$D/err"))"
	printf 'run %d: %s s%s\n' "$r" "$(secs "$t")" "$note"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
best=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
echo "median $(secs "$median") s, best $(secs "$best") s"
echo "serial sum $N x $DELAY_MS ms = $(secs "$serial_ns") s"
echo "ratio $(ratio "$serial_ns" "$median")x (serial sum / our median)"

if command -v curl >/dev/null; then
	t0=$(now_ns)
	fails=0
	for p in "${ports[@]}"; do
		curl -s --noproxy '*' -o /dev/null --max-time 5 "http://127.0.0.1:$p/" ||
			fails=$((fails + 1))
	done
	t=$(( $(now_ns) - t0 ))
	note=
	[ "$fails" -eq 0 ] || note=" ($fails failed)"
	echo "baseline: $N sequential 'curl -s' requests: $(secs "$t") s$note"
	echo "ratio $(ratio "$t" "$median")x (curl loop / our median)"
fi

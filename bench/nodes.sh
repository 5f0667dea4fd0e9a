#!/bin/bash
# Benchmark: the status of the lab's three nodes refreshed every second for
# SECONDS (default 60), two ways, one after the other:
#   ours  platform-tui node watch: one persistent SSH session per node, a
#         sampler reading /proc and statvfs over SFTP (no process on the node)
#   ssh   per refresh and node: ssh -p 2222 NODE 'cat /proc/loadavg
#         /proc/meminfo /proc/stat /proc/net/dev /proc/uptime; df -P'
# Reports CPU time on our side and on sshd's side (ours: our three session
# processes, read before they end; ssh: the lab's sshd listeners reap their
# session processes, so their cutime+cstime grow by what the sessions used,
# and other users of the lab's sshd add a little noise), wall time per
# refresh, and bytes on the wire (our session counters; ssh -v's
# "Transferred" lines), as ratios from one run.
#   lab/lab up && bench/nodes.sh [SECONDS]
set -u
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
SECS=${1:-60}
top_builddir=${top_builddir:-$(pwd)}
PT=${PT:-$top_builddir/platform-tui}
[ -f "$LAB/lab.conf" ] || { echo "no lab at $LAB (lab/lab up)"; exit 1; }
[ -x "$PT" ] || { echo "no $PT (build first, or set PT)"; exit 1; }
T=$(mktemp -d /tmp/bench-nodes.XXXXXX)
trap 'rm -rf "$T"' EXIT
export HOME="$T/home" XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state"
mkdir -p "$HOME/.ssh"
cp "$LAB/ssh/known_hosts" "$HOME/.ssh/known_hosts"
NODES="gateway:127.0.1.1 compute:127.0.1.2 analytics:127.0.1.3"
HZ=$(getconf CLK_TCK)

# CPU seconds the lab's sshd listeners have reaped from their sessions.
sshd_cpu() {
	local n total=0 pid
	for n in $NODES; do
		pid=$(cat "$LAB/run/sshd-${n%%:*}.sshd-pid" 2>/dev/null) || continue
		# fields 16 and 17 of /proc/PID/stat: cutime and cstime (after the comm).
		total=$(( total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $14 + $15 }') ))
	done
	echo "$total"
}

# CPU seconds of the session processes (monitor and its child) that are
# alive now under the lab's sshd listeners and were not there before.
sessions_cpu() {
	local n pid c k total=0
	for n in $NODES; do
		pid=$(cat "$LAB/run/sshd-${n%%:*}.sshd-pid" 2>/dev/null) || continue
		for c in $(pgrep -P "$pid"); do
			grep -qx "$c" "$T/before" && continue
			for k in $c $(pgrep -P "$c"); do
				total=$(( total + $(sed 's/.*) //' "/proc/$k/stat" 2>/dev/null |
				    awk '{ print $12 + $13 }') + 0 ))
			done
		done
	done
	echo "$total"
}

# ---------------------------------------------------------------- ours
for n in $NODES; do
	pgrep -P "$(cat "$LAB/run/sshd-${n%%:*}.sshd-pid")"
done >"$T/before"
TIMEFORMAT='%U %S %R'
{ time "$PT" -i "$LAB/lab.conf" -o tsv node watch --seconds "$SECS" >"$T/ours.tsv"; } 2>"$T/ours.time" &
sleep $((SECS - 1))
ours_sshd=$(echo "$(sessions_cpu) / $HZ" | bc -l)
wait
read -r ou os ow <"$T/ours.time"
ours_cpu=$(echo "$ou + $os" | bc -l)
ours_samples=$(awk -F'\t' 'NR > 1 { s += $2 } END { print s }' "$T/ours.tsv")
ours_bytes=$(awk -F'\t' 'NR > 1 { s += $3 + $4 } END { print s }' "$T/ours.tsv")
ours_ms=$(awk -F'\t' 'NR > 1 { if ($6 > m) m = $6 } END { print m }' "$T/ours.tsv")

# ---------------------------------------------------------------- ssh per refresh
CMD='cat /proc/loadavg /proc/meminfo /proc/stat /proc/net/dev /proc/uptime; df -P'
s0=$(sshd_cpu)
refresh() {
	local n i=$1
	for n in $NODES; do
		ssh -p 2222 -i "$LAB/ssh/operator_ed25519" -o BatchMode=yes \
		    -o UserKnownHostsFile="$HOME/.ssh/known_hosts" -E "$T/ssh-$i-${n%%:*}.log" -v \
		    "root@${n#*:}" "$CMD" >/dev/null &
	done
	wait
}
ssh_loop() {
	local i t0 t1 left
	for ((i = 0; i < SECS; i++)); do
		t0=$(date +%s%N)
		refresh "$i"
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000000 )) >>"$T/ssh.walls"
		left=$(( 1000 - (t1 - t0) / 1000000 ))
		[ "$left" -gt 0 ] && sleep "$(echo "$left / 1000" | bc -l)"
	done
}
{ time ssh_loop 2>/dev/null; } 2>"$T/ssh.time"
sleep 1
s1=$(sshd_cpu)
read -r su ss sw <"$T/ssh.time"
ssh_cpu=$(echo "$su + $ss" | bc -l)
ssh_sshd=$(echo "($s1 - $s0) / $HZ" | bc -l)
ssh_bytes=$(cat "$T"/ssh-*.log | awk '/Transferred: sent/ { gsub(",", ""); s += $3 + $5 } END { print s + 0 }')
ssh_ms=$(sort -n "$T/ssh.walls" | awk '{ a[NR] = $1 } END { print a[int(NR / 2) + 1] }')

printf '%-28s %14s %14s %8s\n' "3 nodes, 1/s, ${SECS}s" "ours" "ssh" "ratio"
printf '%-28s %14.2f %14.2f %8.1f\n' "client CPU s" "$ours_cpu" "$ssh_cpu" \
	"$(echo "$ssh_cpu / ($ours_cpu + 0.001)" | bc -l)"
printf '%-28s %14.2f %14.2f %8.1f\n' "sshd CPU s" "$ours_sshd" "$ssh_sshd" \
	"$(echo "$ssh_sshd / ($ours_sshd + 0.001)" | bc -l)"
printf '%-28s %14s %14s %8.1f\n' "ms per refresh (3 nodes)" "$ours_ms" "$ssh_ms" \
	"$(echo "$ssh_ms / ($ours_ms + 0.001)" | bc -l)"
printf '%-28s %14s %14s %8.1f\n' "bytes on the wire" "$ours_bytes" "$ssh_bytes" \
	"$(echo "$ssh_bytes / ($ours_bytes + 1)" | bc -l)"
echo "ours: $ours_samples samples in ${ow}s wall; ssh: $((SECS * 3)) connections in ${sw}s wall"

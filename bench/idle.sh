#!/bin/bash
# Benchmark: what the console costs while nobody touches it, next to htop.
#
# usage: bench/idle.sh [INVENTORY [SECONDS]]
#	INVENTORY: default (or "") $PLATFORM_LAB_DIR/lab.conf (/tmp/platform-lab/lab.conf);
#	    when that does not exist, an inventory of closed ports on 127.0.0.x.
#	SECONDS: how long to idle, default 60 (a few for a quick run).
#	The binary: $PT, else ./platform-tui.  SETTLE=3 seconds of start-up are
#	left out of the idle window.
#
# Starts platform-tui on the inventory and htop side by side, each in its own
# 80x24 window of a private tmux server, lets both settle, then reads the CPU
# time each uses (utime+stime from /proc/PID/stat, and the scheduler's
# nanoseconds from /proc/PID/schedstat when the kernel has them) over the
# idle window, their voluntary context switches (how often they woke up),
# the resident size after start-up (VmRSS) and at the end the peak (VmHWM).
# Prints both and the ratio console/htop.  htop is installed with apt-get
# when missing.
set -u

here=$(cd "$(dirname "$0")" && pwd)
PT=${PT:-./platform-tui}
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
INV=${1:-$LAB/lab.conf}
SECONDS_IDLE=${2:-60}
SETTLE=${SETTLE:-3}
COLS=80 ROWS=24

case "$SECONDS_IDLE" in
''|*[!0-9]*|0) echo "bench/idle.sh: SECONDS must be a positive whole number" >&2; exit 2 ;;
esac
case "$PT" in
*/*) ;;
*) PT=./$PT ;;
esac
if [ ! -x "$PT" ]; then
	echo "bench/idle.sh: no program at $PT (build it, or set PT)" >&2
	exit 2
fi
PT=$(cd "$(dirname "$PT")" && pwd)/$(basename "$PT")
command -v tmux >/dev/null || { echo "bench/idle.sh: tmux is needed" >&2; exit 2; }
if ! command -v htop >/dev/null; then
	echo "bench/idle.sh: installing htop to compare with" >&2
	if [ "$(id -u)" -eq 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		    htop >/dev/null
	else
		sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-install-recommends htop >/dev/null
	fi
	command -v htop >/dev/null || { echo "bench/idle.sh: no htop" >&2; exit 2; }
fi

# Private settings and state: the user's own config must not change the run.
D=$(mktemp -d "${TMPDIR:-/tmp}/pt-idle.XXXXXX") || exit 1
export XDG_CONFIG_HOME=$D/config XDG_STATE_HOME=$D/state HOME=$D/home
export PLATFORM_TUI_NO_SYSTEM_PLUGINS=1 TERM=xterm-256color
export PLATFORM_TUI_THEME_DIR=$here/../themes
unset NO_COLOR PLATFORM_TUI_INVENTORY http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
mkdir -p "$HOME"
sock="pt-idle-$$"
tm() { tmux -L "$sock" "$@"; }
cleanup() {
	tm kill-server 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

what="inventory $INV"
if [ ! -f "$INV" ]; then
	if [ -n "${1:-}" ]; then
		echo "bench/idle.sh: no inventory $INV" >&2
		exit 2
	fi
	# No lab: services on loopback ports that refuse, so every probe ends at once.
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	INV=$D/closed.conf
	{
		printf '[platform]\nname = idle\ntimeout = 2s\n[node a]\naddress = 127.0.0.2\n'
		for i in 2 3 4 5; do
			printf '[service s%d]\nkind = redis\nnode = a\nendpoint = tcp://127.0.0.%d:%s\n' \
			    "$i" "$i" "$port"
		done
	} >"$INV"
	chmod 644 "$INV"
	what="no lab at $LAB: 4 services on closed ports of 127.0.0.2-5"
fi

tm -f /dev/null new-session -d -s pt -x "$COLS" -y "$ROWS" "exec $PT -i '$INV'"
tm set-option -g remain-on-exit on >/dev/null
tm new-session -d -s htop -x "$COLS" -y "$ROWS" "exec htop"
pid_pt=$(tm display-message -p -t pt '#{pane_pid}')
pid_htop=$(tm display-message -p -t htop '#{pane_pid}')
for _ in $(seq 50); do
	tm capture-pane -p -t pt | grep -q 'platform-tui' && break
	sleep 0.1
done
if ! tm capture-pane -p -t pt | grep -q 'platform-tui'; then
	echo "bench/idle.sh: the console did not start:" >&2
	tm capture-pane -p -t pt >&2
	exit 1
fi
sleep "$SETTLE"

hz=$(getconf CLK_TCK)
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
sched() { [ -r "/proc/$1/schedstat" ] && awk '{ print $1 }' "/proc/$1/schedstat" || echo -1; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
alive() { kill -0 "$1" 2>/dev/null; }

declare -A t0 s0 w0 rss0
for p in pt htop; do
	eval "pid=\$pid_$p"
	t0[$p]=$(ticks "$pid")
	s0[$p]=$(sched "$pid")
	w0[$p]=$(status_kb "$pid" voluntary_ctxt_switches)
	rss0[$p]=$(status_kb "$pid" VmRSS)
done
sleep "$SECONDS_IDLE"
for p in pt htop; do
	eval "pid=\$pid_$p"
	alive "$pid" || { echo "bench/idle.sh: $p exited during the run" >&2; exit 1; }
done

echo "idle for $SECONDS_IDLE s at ${COLS}x$ROWS, TERM=$TERM, after $SETTLE s of start-up; $what"
printf '%-14s %12s %14s %9s %12s %10s\n' "" "cpu (ticks)" "cpu (sched)" "wakeups" "rss start" "peak rss"
declare -A cpu
for p in pt htop; do
	eval "pid=\$pid_$p"
	t=$(( $(ticks "$pid") - ${t0[$p]} ))
	s=$(sched "$pid")
	if [ "$s" -ge 0 ] && [ "${s0[$p]}" -ge 0 ]; then
		s=$(( s - ${s0[$p]} ))
		cpu[$p]=$s
		sched_txt=$(awk -v n="$s" 'BEGIN { printf "%.4f s", n / 1e9 }')
	else
		cpu[$p]=$(( t * 1000000000 / hz ))
		sched_txt="-"
	fi
	w=$(( $(status_kb "$pid" voluntary_ctxt_switches) - ${w0[$p]} ))
	hwm=$(status_kb "$pid" VmHWM)
	name=$([ "$p" = pt ] && echo platform-tui || echo htop)
	printf '%-14s %12s %14s %9s %12s %10s\n' "$name" \
	    "$(awk -v t="$t" -v hz="$hz" 'BEGIN { printf "%.2f s", t / hz }')" \
	    "$sched_txt" "$w" "$(awk -v k="${rss0[$p]}" 'BEGIN { printf "%.1f MB", k / 1024 }')" \
	    "$(awk -v k="$hwm" 'BEGIN { printf "%.1f MB", k / 1024 }')"
done
awk -v a="${cpu[pt]}" -v b="${cpu[htop]}" 'BEGIN {
	if (b <= 0)
		print "ratio platform-tui/htop: htop used no measurable CPU"
	else
		printf "ratio platform-tui/htop: %.3f (%s)\n", a / b,
		    a < b ? "below htop" : "NOT below htop"
}'

# Shared helpers of lab/lab: processes, waiting, secrets.  Sourced, never run.
#
# Every process the lab starts is recorded in $LAB/run/NAME.pid and logs to
# $LAB/logs/NAME.log.  Processes started with lab_spawn lead a session of
# their own, so stopping one stops its children too.

LAB_PY=${LAB_PY:-/usr/bin/python3}

lab_say() { printf 'lab: %s\n' "$*"; }
lab_err() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { lab_err "$*"; exit 1; }

lab_now() { date +%s.%N; }
lab_since() { awk -v a="$1" -v b="$(lab_now)" 'BEGIN { printf "%.1f", b - a }'; }

lab_is_root() { [ "$(id -u)" -eq 0 ]; }

# lab_alive PID: the process runs and is not a zombie.
lab_alive() {
	local stat
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# lab_pid NAME: the recorded pid of a lab process, when it runs.
lab_pid() {
	local pid
	pid=$(cat "$LAB/run/$1.pid" 2>/dev/null) || return 1
	lab_alive "$pid" || return 1
	printf '%s\n' "$pid"
}

# lab_spawn NAME CMD...: start CMD in the background in a session of its own,
# its output to the log; does nothing when NAME already runs.
lab_spawn() {
	local name=$1
	shift
	lab_pid "$name" >/dev/null && return 0
	mkdir -p "$LAB/run" "$LAB/logs"
	setsid "$@" </dev/null >>"$LAB/logs/$name.log" 2>&1 &
	printf '%s\n' "$!" >"$LAB/run/$name.pid"
	disown "$!" 2>/dev/null || true
}

# lab_tree PID: the process and all its descendants.
lab_tree() {
	local p
	printf '%s\n' "$1"
	for p in $(pgrep -P "$1" 2>/dev/null); do
		lab_tree "$p"
	done
}

# lab_kill_pids PID...: TERM (and CONT, in case a fault stopped them), then
# KILL what is left after about two seconds.
lab_kill_pids() {
	local pid i
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null || true
	kill -CONT "$@" 2>/dev/null || true
	for i in $(seq 40); do
		for pid in "$@"; do
			lab_alive "$pid" && break
			pid=""
		done
		[ -z "$pid" ] && return 0
		sleep 0.05
	done
	kill -KILL "$@" 2>/dev/null || true
	sleep 0.1
}

# lab_stop NAME: stop a process started by lab_spawn, with its children.
lab_stop() {
	local pid
	pid=$(cat "$LAB/run/$1.pid" 2>/dev/null) || return 0
	rm -f "$LAB/run/$1.pid"
	lab_alive "$pid" || return 0
	# shellcheck disable=SC2046
	lab_kill_pids $(lab_tree "$pid")
}

# lab_tcp_open ADDR PORT: something accepts TCP connections there (1 s).
lab_tcp_open() {
	timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# lab_http_ok URL [CURL-ARGS...]: an HTTP answer below 500 within 2 s.
lab_http_ok() {
	local url=$1 code
	shift
	code=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --max-time 2 \
	    "$@" "$url" 2>/dev/null) || return 1
	[ "$code" -ge 200 ] && [ "$code" -lt 500 ]
}

# lab_wait SECONDS WHAT CMD...: poll CMD until it succeeds.
lab_wait() {
	local limit=$1 what=$2 start
	shift 2
	start=$(lab_now)
	until "$@"; do
		if ! awk -v a="$start" -v b="$(lab_now)" -v s="$limit" \
		    'BEGIN { exit !(b - a < s) }'; then
			lab_err "$what did not come up within $limit s"
			return 1
		fi
		sleep 0.1
	done
}

# lab_secret NAME: the secret's file, made (random, mode 600) on first use.
lab_secret() {
	local f=$LAB/secrets/$1
	if [ ! -s "$f" ]; then
		mkdir -p "$LAB/secrets"
		chmod 700 "$LAB/secrets"
		(umask 077; od -An -N18 -tx1 /dev/urandom | tr -d ' \n' >"$f")
	fi
	printf '%s\n' "$f"
}

# lab_secret_value NAME: the secret itself (for configs the lab writes).
lab_secret_value() { cat "$(lab_secret "$1")"; }

# lab_pkill_lab PATTERN: kill processes whose command line holds $LAB and
# PATTERN (what a crashed lab left without pid files).
lab_pkill_lab() {
	local pids
	pids=$(pgrep -f -- "$LAB.*$1|$1.*$LAB" 2>/dev/null | grep -vx "$$" || true)
	# shellcheck disable=SC2086
	[ -z "$pids" ] || lab_kill_pids $pids
}

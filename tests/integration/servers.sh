# Private servers for the integration tests: source this file, then
#
#	trap 'pt_servers_cleanup' EXIT
#	trap 'exit 130' INT; trap 'exit 143' TERM
#	pt_pg_start pg 127.0.2.1 "$(pt_free_port 127.0.2.1)"
#	pt_ch_start ch1 127.0.2.2 "$(pt_free_port 127.0.2.2)" "$(pt_free_port 127.0.2.2)"
#	pt_blackhole_start hole 127.0.2.4 "$(pt_free_port 127.0.2.4)"
#
# Every server lives in its own directory under one private temp dir
# (pt_servers_dir), on an address of its own on loopback, so tests never
# clash with real services on the machine or with each other.  The state of
# each server (kind, pid, address, ports, log) is kept in files there, not in
# shell variables, so the functions work from $(...) subshells too.
#
# Each start is idempotent (the same NAME already running is fine) and fails
# loudly: non-zero status and the tail of the server's log on stderr when the
# server is not up within PT_SERVERS_WAIT seconds (20).  A start that cannot
# work on this machine at all (no binaries, root without a postgres account)
# returns 2 with a message; the caller may skip then.
#
# Also: pt_servers_dir, pt_free_port [ADDR], pt_pg_stop, pt_ch_stop,
# pt_blackhole_stop NAME, pt_server_info NAME addr|port|tcp_port|pid|
# start-seconds.  PostgreSQL runs as the postgres account when we are root
# (it refuses root), as ourselves otherwise; ClickHouse and the blackhole as
# ourselves.  PT_KEEP_SERVERS=1 keeps the temp dir and its logs.
#
# Everything here is bash; only 127.0.0.0/8 is ever contacted.

PT_PGBIN=${PT_PGBIN:-/usr/lib/postgresql/15/bin}
PT_SERVERS_WAIT=${PT_SERVERS_WAIT:-20}
# The system's Python: a version manager's shim costs 0.2 s a call.
PT_PYTHON=${PT_PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
_pt_servers_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

_pt_err() { printf '%s\n' "$*" >&2; }

# Seconds since the epoch with a fraction, for the wait loops.
_pt_now() { date +%s.%N; }
_pt_elapsed() { awk -v a="$1" -v b="$(_pt_now)" 'BEGIN { printf "%.2f", b - a }'; }
_pt_before() {	# _pt_before START SECONDS: still within the limit?
	awk -v a="$1" -v b="$(_pt_now)" -v s="$2" 'BEGIN { exit !(b - a < s) }'
}

# The private temp dir of this test: one per top-level shell ($$ is the same
# in subshells), created on first use with mode 711 so the postgres account
# can reach its own directory inside but cannot list the others.  Prints it.
# Set PT_SERVERS_DIR beforehand to choose it.
pt_servers_dir() {
	local d=${PT_SERVERS_DIR:-${TMPDIR:-/tmp}/pt-servers.$$}
	if [ ! -e "$d" ] && ! mkdir -m 711 "$d" 2>/dev/null && [ ! -e "$d" ]; then
		_pt_err "pt_servers_dir: cannot create $d"
		return 1
	fi
	if [ -L "$d" ] || [ ! -d "$d" ] || [ ! -O "$d" ]; then
		_pt_err "pt_servers_dir: $d exists and is not a directory of ours"
		return 1
	fi
	chmod 711 "$d" || return 1
	PT_SERVERS_DIR=$d
	export PT_SERVERS_DIR
	printf '%s\n' "$d"
}

# _pt_server_dir NAME: the directory of one server (created), in $_pt_d.
_pt_server_dir() {
	local top
	case "$1" in
	'' | *[!A-Za-z0-9_-]*)
		_pt_err "servers.sh: bad server name '$1' (letters, digits, - and _)"
		return 1 ;;
	esac
	top=$(pt_servers_dir) || return 1
	PT_SERVERS_DIR=$top
	export PT_SERVERS_DIR
	_pt_d=$top/$1
	mkdir -p "$_pt_d"
}

# _pt_check_args FUNCTION COUNT ARGS...: the right number of non-empty args.
_pt_check_args() {
	local fn=$1 want=$2 a
	shift 2
	if [ $# -ne "$want" ]; then
		_pt_err "$fn: want $want arguments, got $#"
		return 1
	fi
	for a in "$@"; do
		[ -n "$a" ] || { _pt_err "$fn: an empty argument"; return 1; }
	done
}

# _pt_same NAME KIND ARGS: a server of that name already runs with the same
# kind and arguments (0), or none runs (1); another one is an error (2).
_pt_same() {
	local d=$PT_SERVERS_DIR/$1
	[ -f "$d/kind" ] || return 1
	_pt_running "$1" || return 1
	if [ "$(cat "$d/kind")" != "$2" ] || [ "$(cat "$d/args")" != "$3" ]; then
		_pt_err "servers.sh: '$1' already runs as $(cat "$d/kind") $(cat "$d/args")"
		return 2
	fi
	return 0
}

# _pt_running NAME: its recorded process is alive.
_pt_running() {
	local d=$PT_SERVERS_DIR/$1 pid
	[ -f "$d/pid" ] || return 1
	pid=$(cat "$d/pid")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# _pt_fail NAME WHAT LOG: the loud failure, with the tail of the log.
_pt_fail() {
	_pt_err "servers.sh: $2"
	if [ -s "$3" ]; then
		_pt_err "--- last lines of $3:"
		tail -n 20 "$3" | sed 's/^/    /' >&2
	fi
	return 1
}

# _pt_tcp_open ADDR PORT: something accepts connections there.
_pt_tcp_open() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# pt_free_port [ADDR]: a TCP port nobody listens on at ADDR (127.0.0.1),
# outside the kernel's range of ephemeral ports, and not handed out before
# by this test (remembered in the servers dir).
pt_free_port() {
	local addr=${1:-127.0.0.1} top
	top=$(pt_servers_dir) || return 1
	"$PT_PYTHON" - "$addr" "$top/ports-used" <<'EOF'
import os, random, socket, sys
addr, used_file = sys.argv[1], sys.argv[2]
lo, hi = 32768, 60999
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        lo, hi = map(int, f.read().split())
except (OSError, ValueError):
    pass
ranges = [(p, q) for p, q in ((10000, lo - 1), (hi + 1, 65535)) if q - p > 100]
if not ranges:
    ranges = [(10000, 65535)]
used = set()
try:
    with open(used_file) as f:
        used = {int(x) for x in f.read().split()}
except (OSError, ValueError):
    pass
for _ in range(500):
    p, q = random.choice(ranges)
    port = random.randint(p, q)
    if port in used:
        continue
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((addr, port))
    except OSError:
        continue
    finally:
        s.close()
    # Something on the wildcard address would take the connections too.
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.settimeout(0.2)
    try:
        if c.connect_ex((addr, port)) == 0:
            continue
    finally:
        c.close()
    with open(used_file, "a") as f:
        f.write("%d\n" % port)
    print(port)
    sys.exit(0)
sys.stderr.write("pt_free_port: no free port on %s\n" % addr)
sys.exit(1)
EOF
}

# _pt_alive PID: the process runs (a zombie, killed but not yet reaped by
# its parent, does not count).
_pt_alive() {
	local stat
	kill -0 "$1" 2>/dev/null || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# _pt_wait_pid_gone PID SECONDS: wait for a process to end.
_pt_wait_pid_gone() {
	local start
	start=$(_pt_now)
	while _pt_alive "$1"; do
		_pt_before "$start" "$2" || return 1
		sleep 0.05
	done
}

# _pt_kill NAME...: TERM to all, then KILL to those still there after about
# a second; reaps them when they are our children.
_pt_kill() {
	local name pid pids=() start
	for name in "$@"; do
		pid=$(cat "$PT_SERVERS_DIR/$name/pid" 2>/dev/null)
		rm -f "$PT_SERVERS_DIR/$name/pid"
		[ -n "$pid" ] || continue
		pids+=("$pid")
		kill -TERM "$pid" 2>/dev/null
	done
	[ ${#pids[@]} -gt 0 ] || return 0
	start=$(_pt_now)
	for pid in "${pids[@]}"; do
		_pt_wait_pid_gone "$pid" "$(awk -v a="$start" -v b="$(_pt_now)" \
		    'BEGIN { r = 1 - (b - a); printf "%.2f", (r > 0 ? r : 0) }')"
	done
	for pid in "${pids[@]}"; do
		if _pt_alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null
			_pt_wait_pid_gone "$pid" 5
		fi
		wait "$pid" 2>/dev/null || true
	done
	return 0
}

# ---------------------------------------------------------------- PostgreSQL

# _pt_as_pg CMD...: run as the postgres account when we are root.
_pt_as_pg() {
	# From /: the postgres account may not enter the caller's directory.
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# pt_pg_start NAME ADDR PORT: a PostgreSQL 15 on ADDR:PORT, password (scram)
# authentication everywhere, a role pt with password pt-secret owning a
# database pt.  The unix socket is in the server's directory ($dir/NAME/sock).
pt_pg_start() {
	_pt_check_args pt_pg_start 3 "$@" || return 1
	local name=$1 addr=$2 port=$3 d start rc su_pw
	_pt_server_dir "$name" || return 1
	d=$_pt_d
	_pt_same "$name" postgres "$addr $port"
	rc=$?
	[ $rc -eq 0 ] && return 0
	[ $rc -eq 2 ] && return 1

	if [ ! -x "$PT_PGBIN/initdb" ] || [ ! -x "$PT_PGBIN/pg_ctl" ]; then
		_pt_err "pt_pg_start: no PostgreSQL server in $PT_PGBIN (set PT_PGBIN)"
		return 2
	fi
	if [ "$(id -u)" -eq 0 ]; then
		if ! id postgres >/dev/null 2>&1 ||
		    ! runuser -u postgres -- true 2>/dev/null; then
			_pt_err "pt_pg_start: PostgreSQL refuses to run as root and" \
			    "'runuser -u postgres' is not possible here"
			return 2
		fi
		chown postgres "$d"
		if ! runuser -u postgres -- test -w "$d"; then
			_pt_err "pt_pg_start: the postgres account cannot reach $d;" \
			    "its parents must be traversable (try TMPDIR=/tmp)"
			return 2
		fi
	fi
	chmod 700 "$d"

	start=$(_pt_now)
	if [ ! -f "$d/data/PG_VERSION" ]; then
		rm -rf "$d/data"
		# The superuser's password is random and only used here, over the
		# socket, to create the role and the database of the tests.
		su_pw=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
		(umask 077; printf '%s\n' "$su_pw" >"$d/su-password")
		[ "$(id -u)" -eq 0 ] && chown postgres "$d/su-password"
		if ! _pt_as_pg "$PT_PGBIN/initdb" -D "$d/data" -U postgres \
		    -A scram-sha-256 --pwfile="$d/su-password" -E UTF8 \
		    --no-locale --no-sync >"$d/initdb.log" 2>&1; then
			_pt_fail "$name" "pt_pg_start $name: initdb failed" \
			    "$d/initdb.log"
			return 1
		fi
		# Clients come from any address of the loopback net.
		printf '%s\n' \
		    'host all all 127.0.0.0/8 scram-sha-256' >>"$d/data/pg_hba.conf"
		rm -f "$d/log"
	fi
	mkdir -p "$d/sock"
	[ "$(id -u)" -eq 0 ] && chown postgres "$d/sock"
	printf '%s\n' postgres >"$d/kind"
	printf '%s\n' "$addr $port" >"$d/args"
	printf '%s\n' "$addr" >"$d/addr"
	printf '%s\n' "$port" >"$d/port"

	if ! _pt_as_pg "$PT_PGBIN/pg_ctl" -D "$d/data" -l "$d/log" -w \
	    -t "$PT_SERVERS_WAIT" -o "-c listen_addresses=$addr -p $port \
	    -k '$d/sock' -c fsync=off -c synchronous_commit=off \
	    -c full_page_writes=off -c shared_buffers=16MB \
	    -c max_connections=40 -c logging_collector=off" \
	    start </dev/null >"$d/pg_ctl.log" 2>&1; then
		cat "$d/pg_ctl.log" >>"$d/log" 2>/dev/null
		_pt_as_pg "$PT_PGBIN/pg_ctl" -D "$d/data" -m immediate stop \
		    >/dev/null 2>&1
		_pt_fail "$name" "pt_pg_start $name: PostgreSQL did not come up on $addr:$port (waited at most ${PT_SERVERS_WAIT} s)" \
		    "$d/log"
		return 1
	fi
	head -1 "$d/data/postmaster.pid" >"$d/pid"

	# The role and database of the tests, once.
	if [ ! -f "$d/provisioned" ]; then
		if ! PGPASSWORD=$(cat "$d/su-password") _pt_as_pg \
		    "$PT_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$d/sock" \
		    -p "$port" -U postgres -d postgres >"$d/provision.log" 2>&1 <<'EOF'
SET password_encryption = 'scram-sha-256';
CREATE ROLE pt LOGIN PASSWORD 'pt-secret';
CREATE DATABASE pt OWNER pt;
EOF
		then
			_pt_fail "$name" "pt_pg_start $name: creating role and database pt failed" \
			    "$d/provision.log"
			return 1
		fi
		: >"$d/provisioned"
	fi

	# Up means: accepts TCP connections on its address.
	if ! "$PT_PGBIN/pg_isready" -q -h "$addr" -p "$port" -t 5; then
		_pt_fail "$name" "pt_pg_start $name: not accepting on $addr:$port" \
		    "$d/log"
		return 1
	fi
	printf '%s\n' "$(_pt_elapsed "$start")" >"$d/start-seconds"
	return 0
}

# pt_pg_stop NAME: stop it now (immediate mode: the tests keep no data).
pt_pg_stop() {
	_pt_check_args pt_pg_stop 1 "$@" || return 1
	local d pid
	_pt_server_dir "$1" || return 1
	d=$_pt_d
	[ -f "$d/data/PG_VERSION" ] || return 0
	if [ -f "$d/data/postmaster.pid" ]; then
		_pt_as_pg "$PT_PGBIN/pg_ctl" -D "$d/data" -m immediate -w -t 10 \
		    stop >/dev/null 2>&1
	fi
	# Whatever pg_ctl could not stop.
	if [ -f "$d/pid" ]; then
		pid=$(cat "$d/pid")
		if _pt_alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null
			_pt_wait_pid_gone "$pid" 5
		fi
		rm -f "$d/pid"
	fi
	return 0
}

# ---------------------------------------------------------------- ClickHouse

# pt_ch_start NAME ADDR HTTP_PORT TCP_PORT: a ClickHouse server (18.16 on
# Debian 12) with its own config.xml and users.xml: listens on ADDR only,
# keeps data, temp files, user files, format schemas and logs in its
# directory; user "default" without password, from 127.0.0.0/8 only.
pt_ch_start() {
	_pt_check_args pt_ch_start 4 "$@" || return 1
	local name=$1 addr=$2 http=$3 tcp=$4 d rc start out bin
	_pt_server_dir "$name" || return 1
	d=$_pt_d
	_pt_same "$name" clickhouse "$addr $http $tcp"
	rc=$?
	[ $rc -eq 0 ] && return 0
	[ $rc -eq 2 ] && return 1
	bin=$(command -v clickhouse-server) || {
		_pt_err "pt_ch_start: no clickhouse-server installed"
		return 2
	}
	if [ "$http" = "$tcp" ]; then
		_pt_err "pt_ch_start $name: HTTP and TCP ports must differ"
		return 1
	fi
	mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/format_schemas" \
	    "$d/log"
	cat >"$d/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>$d/log/clickhouse-server.log</log>
        <errorlog>$d/log/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>1</count>
    </logger>
    <listen_host>$addr</listen_host>
    <http_port>$http</http_port>
    <tcp_port>$tcp</tcp_port>
    <max_connections>256</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>50</max_concurrent_queries>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
    <mark_cache_size>67108864</mark_cache_size>
    <path>$d/data/</path>
    <tmp_path>$d/tmp/</tmp_path>
    <user_files_path>$d/user_files/</user_files_path>
    <format_schema_path>$d/format_schemas/</format_schema_path>
    <users_config>$d/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
    <query_log>
        <database>system</database>
        <table>query_log</table>
        <partition_by>toYYYYMM(event_date)</partition_by>
        <flush_interval_milliseconds>1000</flush_interval_milliseconds>
    </query_log>
</yandex>
EOF
	cat >"$d/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>1000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
        <readonly>
            <readonly>1</readonly>
        </readonly>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.0/8</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
	printf '%s\n' clickhouse >"$d/kind"
	printf '%s\n' "$addr $http $tcp" >"$d/args"
	printf '%s\n' "$addr" >"$d/addr"
	printf '%s\n' "$http" >"$d/port"
	printf '%s\n' "$tcp" >"$d/tcp_port"

	start=$(_pt_now)
	# No --daemon: --pid-file works only with it, so $! is the pid.  Its
	# own stdout and stderr go to a file, never to the test's TAP stream.
	(cd "$d" && exec "$bin" --config-file="$d/config.xml" \
	    </dev/null >"$d/log/stdout.log" 2>&1) &
	printf '%s\n' "$!" >"$d/pid"
	# Out of the job table: no "Killed" notice from bash when it is stopped.
	disown "$!" 2>/dev/null
	while :; do
		out=$(curl -s --noproxy '*' --max-time 1 \
		    "http://$addr:$http/ping" 2>/dev/null)
		[ "$out" = "Ok." ] && break
		if ! _pt_running "$name"; then
			cat "$d/log/stdout.log" >>"$d/log/clickhouse-server.err.log" 2>/dev/null
			_pt_fail "$name" "pt_ch_start $name: clickhouse-server exited before it was up on $addr:$http" \
			    "$d/log/clickhouse-server.err.log"
			rm -f "$d/pid"
			return 1
		fi
		if ! _pt_before "$start" "$PT_SERVERS_WAIT"; then
			_pt_kill "$name"
			_pt_fail "$name" "pt_ch_start $name: ClickHouse did not come up on $addr:$http within ${PT_SERVERS_WAIT} s" \
			    "$d/log/clickhouse-server.log"
			return 1
		fi
		sleep 0.05
	done
	printf '%s\n' "$(_pt_elapsed "$start")" >"$d/start-seconds"
	return 0
}

# pt_ch_stop NAME: stopping cleanly takes seconds; the tests keep no data,
# so it is SIGKILLed after about one.
pt_ch_stop() {
	_pt_check_args pt_ch_stop 1 "$@" || return 1
	_pt_server_dir "$1" || return 1
	_pt_kill "$1"
}

# ---------------------------------------------------------------- blackhole

# pt_blackhole_start NAME ADDR PORT: accepts every connection, never answers.
pt_blackhole_start() {
	_pt_check_args pt_blackhole_start 3 "$@" || return 1
	local name=$1 addr=$2 port=$3 d rc start
	_pt_server_dir "$name" || return 1
	d=$_pt_d
	_pt_same "$name" blackhole "$addr $port"
	rc=$?
	[ $rc -eq 0 ] && return 0
	[ $rc -eq 2 ] && return 1
	printf '%s\n' blackhole >"$d/kind"
	printf '%s\n' "$addr $port" >"$d/args"
	printf '%s\n' "$addr" >"$d/addr"
	printf '%s\n' "$port" >"$d/port"
	start=$(_pt_now)
	"$PT_PYTHON" "$_pt_servers_lib/blackhole.py" "$addr" "$port" \
	    </dev/null >"$d/log" 2>&1 &
	printf '%s\n' "$!" >"$d/pid"
	disown "$!" 2>/dev/null
	until _pt_tcp_open "$addr" "$port"; do
		if ! _pt_running "$name"; then
			_pt_fail "$name" "pt_blackhole_start $name: blackhole.py exited" "$d/log"
			rm -f "$d/pid"
			return 1
		fi
		if ! _pt_before "$start" "$PT_SERVERS_WAIT"; then
			_pt_kill "$name"
			_pt_fail "$name" "pt_blackhole_start $name: not listening on $addr:$port within ${PT_SERVERS_WAIT} s" "$d/log"
			return 1
		fi
		sleep 0.05
	done
	printf '%s\n' "$(_pt_elapsed "$start")" >"$d/start-seconds"
	return 0
}

pt_blackhole_stop() {
	_pt_check_args pt_blackhole_stop 1 "$@" || return 1
	_pt_server_dir "$1" || return 1
	_pt_kill "$1"
}

# ---------------------------------------------------------------- all

# pt_server_info NAME FIELD: addr, port, tcp_port, pid, kind, start-seconds.
pt_server_info() {
	[ -n "${PT_SERVERS_DIR:-}" ] || pt_servers_dir >/dev/null || return 1
	cat "$PT_SERVERS_DIR/$1/$2" 2>/dev/null
}

# pt_servers_cleanup: stop every server started here, remove the temp dir
# (kept when PT_KEEP_SERVERS is set, for a look at the logs).  Safe to call
# twice; meant for "trap pt_servers_cleanup EXIT" in the calling test.
pt_servers_cleanup() {
	local top=${PT_SERVERS_DIR:-${TMPDIR:-/tmp}/pt-servers.$$} d name others
	[ -d "$top" ] && [ -O "$top" ] && [ ! -L "$top" ] || return 0
	PT_SERVERS_DIR=$top
	others=()
	for d in "$top"/*/; do
		[ -f "$d/kind" ] || continue
		name=$(basename "$d")
		case "$(cat "$d/kind")" in
		postgres) pt_pg_stop "$name" ;;
		*) others+=("$name") ;;
		esac
	done
	# All at once: ClickHouse takes seconds to stop, KILLed after one.
	[ ${#others[@]} -eq 0 ] || _pt_kill "${others[@]}"
	if [ -n "${PT_KEEP_SERVERS:-}" ]; then
		_pt_err "servers.sh: kept $top"
	else
		rm -rf "$top"
	fi
	return 0
}

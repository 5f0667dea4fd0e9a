# shellcheck shell=bash
# lab/lib/swift.sh: OpenStack Swift with its S3 API (s3api + tempauth) for
# the platform lab. Sourced by lab/lab (which runs with `set -eu`).
#
# Caller sets: LAB (state dir), SWIFT_ADDR (127.0.1.1), SWIFT_PORT (8081).
# Functions: swift_setup, swift_start, swift_stop, swift_seed, swift_status,
# swift_pids. Everything lives under $LAB: configs and rings in
# $LAB/swift/etc, the device tree in $LAB/swift/srv, logs in
# $LAB/logs/swift-*.log, pids in $LAB/run/*.pid.
#
# Swift reads /etc/swift/swift.conf by a hard-coded path (SWIFT_CONF_FILE in
# swift.common.utils; no environment variable). So the servers run through a
# small launcher, $LAB/swift/bin/labswift.py, that points SWIFT_CONF_FILE at
# our swift.conf before any module reads it, sends the log to stderr (our log
# file) instead of syslog, and then calls Swift's own run_wsgi. Each server
# runs as one process (workers = 0). As root they run as user `swift`.

SWIFT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SWIFT_LABS3="$SWIFT_LIB_DIR/../sim/labs3.py"
SWIFT_PY=/usr/bin/python3
# name:port of the storage servers (ring order matters only for us)
SWIFT_STORAGE="account:6212 container:6211 object:6210"
SWIFT_MEMCACHED_PORT=11211

# Paths derived from $LAB (call after LAB is set).
_swift_paths() {
    : "${SWIFT_ADDR:=127.0.1.1}" "${SWIFT_PORT:=8081}"
    SWIFT_ETC="$LAB/swift/etc"
    SWIFT_SRV="$LAB/swift/srv"
    SWIFT_BIN="$LAB/swift/bin"
}

# The user the servers run as: swift when we are root, else ourselves.
_swift_user() {
    if [ "$(id -u)" = 0 ]; then echo swift; else id -un; fi
}

# The S3 secret key (generated once, mode 600, no trailing newline).
_swift_secret() {
    local f="$LAB/secrets/s3"
    if [ ! -s "$f" ]; then
        mkdir -p "$LAB/secrets"
        (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$f")
    fi
    tr -d '\r\n' <"$f"
}

# The launcher: our swift.conf, log to stderr, then Swift's run_wsgi.
_swift_write_launcher() {
    mkdir -p "$SWIFT_BIN"
    cat >"$SWIFT_BIN/labswift.py" <<'EOF'
"""Run one Swift WSGI server with a private swift.conf (platform lab).

usage: labswift.py SWIFT_DIR CONF_FILE APP_SECTION
"""
import logging
import os
import sys

import swift.common.utils as utils

# Modules that read swift.conf at import time must not be loaded yet.
for mod in ("swift.common.constraints", "swift.common.storage_policy"):
    if mod in sys.modules:
        sys.exit("labswift: %s imported before SWIFT_CONF_FILE was set" % mod)
utils.SWIFT_CONF_FILE = os.path.join(sys.argv[1], "swift.conf")
# No syslog: the console handler (stderr = our log file) is enough.
utils.ThreadSafeSysLogHandler = lambda *a, **k: logging.NullHandler()

from swift.common.wsgi import run_wsgi  # noqa: E402  (after the patch)

sys.exit(run_wsgi(sys.argv[2], sys.argv[3], verbose=True))
EOF
}

# swift.conf: written once (a new hash prefix would orphan stored objects).
_swift_write_swift_conf() {
    [ -s "$SWIFT_ETC/swift.conf" ] && return 0
    local pre suf
    pre=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    suf=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    cat >"$SWIFT_ETC/swift.conf" <<EOF
# Platform lab: private swift.conf (read through labswift.py).
[swift-hash]
swift_hash_path_prefix = $pre
swift_hash_path_suffix = $suf

[storage-policy:0]
name = Policy-0
default = yes
EOF
}

# Settings shared by all four servers.
_swift_defaults() {  # $1 port  $2 log name
    cat <<EOF
[DEFAULT]
bind_ip = $SWIFT_ADDR
bind_port = $1
workers = 0
user = $(_swift_user)
swift_dir = $SWIFT_ETC
devices = $SWIFT_SRV
mount_check = false
log_name = $2
recon_cache_path = $LAB/swift/cache
eventlet_debug = false
EOF
}

_swift_write_proxy_conf() {
    local secret
    secret=$(_swift_secret)
    { _swift_defaults "$SWIFT_PORT" proxy-server
      cat <<EOF

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
reseller_prefix = AUTH
user_lab_operator = $secret .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = $SWIFT_ADDR:$SWIFT_MEMCACHED_PORT

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
EOF
    } >"$SWIFT_ETC/proxy-server.conf.new"
    chmod 600 "$SWIFT_ETC/proxy-server.conf.new"  # holds the secret
    mv -f "$SWIFT_ETC/proxy-server.conf.new" "$SWIFT_ETC/proxy-server.conf"
}

_swift_write_storage_conf() {  # $1 name  $2 port
    { _swift_defaults "$2" "$1-server"
      cat <<EOF

[pipeline:main]
pipeline = $1-server

[app:$1-server]
use = egg:swift#$1
log_requests = false

[$1-replicator]
[$1-auditor]
EOF
      [ "$1" = account ] || printf '[%s-updater]\n' "$1"
    } >"$SWIFT_ETC/$1-server.conf"
}

# Rings: part power 8, one replica, one device d1 per server, built in one
# Python process (what `swift-ring-builder X.builder create 8 1 1; add
# r1z1-ADDR:PORT/d1 100; rebalance` does, in 0.3 s instead of 3 s).
# Rebuilt only when absent or when the storage address changed.
_swift_build_rings() {
    local stamp="$SWIFT_ADDR ${SWIFT_STORAGE}"
    if [ -s "$SWIFT_ETC/rings.stamp" ] &&
       [ "$(cat "$SWIFT_ETC/rings.stamp")" = "$stamp" ] &&
       [ -s "$SWIFT_ETC/object.ring.gz" ]; then
        return 0
    fi
    # shellcheck disable=SC2086  # SWIFT_STORAGE is a list of name:port
    if ! "$SWIFT_PY" - "$SWIFT_ETC" "$SWIFT_ADDR" $SWIFT_STORAGE \
            >>"$LAB/logs/swift-setup.log" 2>&1 <<'EOF'
"""Build one-device rings: SWIFT_DIR ADDR NAME:PORT..."""
import os
import sys

import swift.common.utils as utils
utils.SWIFT_CONF_FILE = os.path.join(sys.argv[1], "swift.conf")
from swift.common.ring import RingBuilder  # noqa: E402

etc, addr = sys.argv[1], sys.argv[2]
for entry in sys.argv[3:]:
    name, port = entry.split(":")
    b = RingBuilder(8, 1, 1)
    b.add_dev({"region": 1, "zone": 1, "ip": addr, "port": int(port),
               "replication_ip": addr, "replication_port": int(port),
               "device": "d1", "weight": 100, "meta": ""})
    b.rebalance()
    b.save(os.path.join(etc, name + ".builder"))
    b.get_ring().save(os.path.join(etc, name + ".ring.gz"))
    print("ring %s: %s:%s/d1, %d partitions" % (name, addr, port, b.parts))
EOF
    then
        echo "swift: building the rings failed," \
             "see $LAB/logs/swift-setup.log" >&2
        return 1
    fi
    echo "$stamp" >"$SWIFT_ETC/rings.stamp"
}

# Idempotent: configs, rings, device tree, launcher.
swift_setup() {
    _swift_paths
    mkdir -p "$SWIFT_ETC" "$SWIFT_SRV/d1" "$LAB/swift/cache" "$LAB/logs" \
             "$LAB/run"
    _swift_write_launcher
    _swift_write_swift_conf
    _swift_write_proxy_conf
    local entry
    for entry in $SWIFT_STORAGE; do
        _swift_write_storage_conf "${entry%%:*}" "${entry#*:}"
    done
    _swift_build_rings
    if [ "$(id -u)" = 0 ]; then
        chown -R swift: "$SWIFT_SRV" "$LAB/swift/cache"
        chown swift: "$SWIFT_ETC/proxy-server.conf"
    fi
}

# Is any of these pids a running process? A zombie is not: once we exit,
# our children are reaped by pid 1, which some containers do slowly.
_swift_running() {
    local p st
    for p in "$@"; do
        st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
        [ "${st%% *}" = Z ] || return 0
    done
    return 1
}

# pid from $LAB/run/$1.pid if that process is alive and is ours (its
# command line mentions $2); empty otherwise.
_swift_live_pid() {
    local f="$LAB/run/$1.pid" pid
    [ -s "$f" ] || return 0
    pid=$(cat "$f")
    case $pid in ''|*[!0-9]*) return 0 ;; esac
    _swift_running "$pid" || return 0
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2" && echo "$pid"
    return 0
}

# Does something answer TCP on $1:$2?
_swift_port_open() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

_swift_start_memcached() {
    local pidf="$LAB/run/memcached.pid"
    [ -n "$(_swift_live_pid memcached "$pidf")" ] && return 0
    # memcached writes -P's file after dropping to -u's user (and only with
    # -d, which would hide its pid): we record $! ourselves, and -P's path in
    # its command line lets swift_stop find it after a crash.
    : >"$pidf"
    [ "$(id -u)" != 0 ] || chown swift: "$pidf"
    memcached -P "$pidf" -u "$(_swift_user)" -l "$SWIFT_ADDR" \
        -p "$SWIFT_MEMCACHED_PORT" -U 0 -m 32 -c 512 -t 1 \
        </dev/null >>"$LAB/logs/memcached.log" 2>&1 &
    echo $! >"$pidf"
}

_swift_start_server() {  # $1 name (proxy|account|container|object)
    local conf="$SWIFT_ETC/$1-server.conf" pidf="$LAB/run/swift-$1.pid"
    [ -n "$(_swift_live_pid "swift-$1" "$conf")" ] && return 0
    # With workers = 0 Swift never drops privileges itself: as root, setpriv
    # switches to swift and then execs (so $! is the server's pid).
    local asuser=""
    [ "$(id -u)" != 0 ] ||
        asuser="setpriv --reuid=swift --regid=swift --init-groups --"
    $asuser "$SWIFT_PY" "$SWIFT_BIN/labswift.py" "$SWIFT_ETC" "$conf" \
        "$1-server" </dev/null >>"$LAB/logs/swift-$1.log" 2>&1 &
    echo $! >"$pidf"
}

# Start memcached, the three storage servers and the proxy; wait until all
# listen and the proxy's /healthcheck answers. Idempotent.
swift_start() {
    _swift_paths
    [ -s "$SWIFT_ETC/proxy-server.conf" ] || swift_setup
    mkdir -p "$LAB/run" "$LAB/logs"
    local name i t0
    t0=$(date +%s%N)
    _swift_check_ports || return 1
    _swift_start_memcached
    for name in account container object proxy; do
        _swift_start_server "$name"
    done
    for i in $(seq 1 200); do  # up to 10 s
        if _swift_all_up; then
            # milliseconds, for lab/lab's report
            # shellcheck disable=SC2034  # read by the caller
            SWIFT_START_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
            return 0
        fi
        for name in account container object proxy; do
            if [ -z "$(_swift_live_pid "swift-$name" "$SWIFT_ETC/$name-server.conf")" ]; then
                echo "swift: $name-server died; tail of $LAB/logs/swift-$name.log:" >&2
                tail -n 15 "$LAB/logs/swift-$name.log" >&2 || true
                return 1
            fi
        done
        sleep 0.05
    done
    echo "swift: not up after 10 s (see $LAB/logs/swift-*.log)" >&2
    return 1
}

# Swift listens with SO_REUSEPORT: a second instance on the same address
# would silently share the port with the first. Refuse when a port we are
# about to use is already taken by a process that is not ours.
_swift_check_ports() {
    local entry name port pidf match
    for entry in "proxy:$SWIFT_PORT" $SWIFT_STORAGE \
                 "memcached:$SWIFT_MEMCACHED_PORT"; do
        name=${entry%%:*} port=${entry#*:}
        if [ "$name" = memcached ]; then
            pidf=memcached match="$LAB/run/memcached.pid"
        else
            pidf="swift-$name" match="$SWIFT_ETC/$name-server.conf"
        fi
        [ -z "$(_swift_live_pid "$pidf" "$match")" ] || continue
        if _swift_port_open "$SWIFT_ADDR" "$port"; then
            echo "swift: $SWIFT_ADDR:$port is already in use by another" \
                 "process (another lab?); not starting $name" >&2
            return 1
        fi
    done
}

_swift_all_up() {
    local entry
    _swift_port_open "$SWIFT_ADDR" "$SWIFT_MEMCACHED_PORT" || return 1
    for entry in $SWIFT_STORAGE; do
        _swift_port_open "$SWIFT_ADDR" "${entry#*:}" || return 1
    done
    curl -fsS -m 1 -o /dev/null "http://$SWIFT_ADDR:$SWIFT_PORT/healthcheck" \
        2>/dev/null
}

# Pids of our processes whose command line contains $1 (after a crash the
# pid files may be stale or gone).
_swift_pids_matching() {
    local p
    for p in /proc/[0-9]*; do
        [ -r "$p/cmdline" ] || continue
        if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$1" &&
           _swift_running "${p#/proc/}"; then
            echo "${p#/proc/}"
        fi
    done
}

# Stop everything: pid files first, then anything still running with our
# conf dir or memcached pid file in its command line.
swift_stop() {
    _swift_paths
    local name pid i
    local -a pids=()
    for name in proxy account container object; do
        pid=$(_swift_live_pid "swift-$name" "$SWIFT_ETC/$name-server.conf")
        [ -z "$pid" ] || pids+=("$pid")
    done
    pid=$(_swift_live_pid memcached "$LAB/run/memcached.pid")
    [ -z "$pid" ] || pids+=("$pid")
    mapfile -t -O "${#pids[@]}" pids < <(
        _swift_pids_matching "$SWIFT_ETC/"
        _swift_pids_matching "-P $LAB/run/memcached.pid ")
    if [ "${#pids[@]}" -gt 0 ]; then
        mapfile -t pids < <(printf '%s\n' "${pids[@]}" | grep -vx "$$" |
                            sort -u)
    fi
    if [ "${#pids[@]}" -gt 0 ]; then
        kill -TERM "${pids[@]}" 2>/dev/null || true
        for i in $(seq 1 100); do  # up to 5 s, then KILL
            _swift_running "${pids[@]}" || break
            sleep 0.05
        done
        [ "$i" -lt 100 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
    fi
    rm -f "$LAB/run/swift-proxy.pid" "$LAB/run/swift-account.pid" \
          "$LAB/run/swift-container.pid" "$LAB/run/swift-object.pid" \
          "$LAB/run/memcached.pid"
}

# One line per server: name, address:port, pid (or -), up/down.
swift_status() {
    _swift_paths
    local name port pid state pidf match
    for entry in "proxy:$SWIFT_PORT" $SWIFT_STORAGE "memcached:$SWIFT_MEMCACHED_PORT"; do
        name=${entry%%:*} port=${entry#*:}
        if [ "$name" = memcached ]; then
            pidf=memcached match="$LAB/run/memcached.pid"
        else
            pidf="swift-$name" match="$SWIFT_ETC/$name-server.conf"
            name="swift-$name"
        fi
        pid=$(_swift_live_pid "$pidf" "$match")
        state=down
        if [ "$name" = swift-proxy ]; then
            curl -fsS -m 1 -o /dev/null \
                "http://$SWIFT_ADDR:$port/healthcheck" 2>/dev/null && state=up
        else
            _swift_port_open "$SWIFT_ADDR" "$port" && state=up
        fi
        printf '%-16s %-20s %-8s %s\n' "$name" "$SWIFT_ADDR:$port" \
            "${pid:--}" "$state"
    done
}

# Just the pids, one "name pid" line per running server.
swift_pids() {
    _swift_paths
    local name pid
    for name in proxy account container object; do
        pid=$(_swift_live_pid "swift-$name" "$SWIFT_ETC/$name-server.conf")
        [ -z "$pid" ] || echo "swift-$name $pid"
    done
    pid=$(_swift_live_pid memcached "$LAB/run/memcached.pid")
    [ -z "$pid" ] || echo "memcached $pid"
}

# Buckets lakehouse and airflow-logs with a small sample layout. Idempotent:
# only keys that are missing (or differ in size) are written.
swift_seed() {
    _swift_paths
    "$SWIFT_PY" "$SWIFT_LABS3" --endpoint "http://$SWIFT_ADDR:$SWIFT_PORT" \
        --secret-file "$LAB/secrets/s3" seed-lab
}

#!/bin/bash
# The PostgreSQL backend against a real server: starts a private PostgreSQL
# on 127.0.0.1 (scram passwords), runs tests/unit/test-pg with it, stops it.
# Skipped when no PostgreSQL server binaries are installed.
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"

TEST_PG="$top_builddir/tests/unit/test-pg"
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
	echo "1..0 # SKIP no PostgreSQL server binaries (set PGBIN)"
	exit 0
fi
if [ ! -x "$TEST_PG" ]; then
	echo "1..0 # SKIP $TEST_PG not built"
	exit 0
fi

# The server refuses to run as root: use the postgres account then.
if [ "$(id -u)" -eq 0 ]; then
	if ! id postgres >/dev/null 2>&1; then
		echo "1..0 # SKIP running as root without a postgres account"
		exit 0
	fi
	as_pg() { runuser -u postgres -- "$@"; }
else
	as_pg() { "$@"; }
fi

D=$(mktemp -d "${TMPDIR:-/tmp}/pt-pg.XXXXXX")
chmod 755 "$D"
[ "$(id -u)" -eq 0 ] && chown postgres "$D"
stop() {
	as_pg "$PGBIN/pg_ctl" -D "$D/data" -m immediate stop >/dev/null 2>&1
	rm -rf "$D"
}
trap stop EXIT

# A port nobody listens on, near the default but out of its way.
port=$((56000 + $$ % 2000))
while (: </dev/tcp/127.0.0.1/$port) 2>/dev/null; do
	port=$((port + 1))
done

pw='pw:with spaces'
printf '%s\n' "$pw" >"$D/pwfile"
[ "$(id -u)" -eq 0 ] && chown postgres "$D/pwfile"
if ! as_pg "$PGBIN/initdb" -D "$D/data" -U postgres -A scram-sha-256 \
    --auth-local=trust --pwfile="$D/pwfile" -E UTF8 --no-locale \
    >"$D/initdb.log" 2>&1; then
	echo "1..0 # SKIP initdb failed: $(tail -1 "$D/initdb.log")"
	exit 0
fi
if ! as_pg "$PGBIN/pg_ctl" -D "$D/data" -l "$D/log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $D -c fsync=off" \
    start >/dev/null 2>&1; then
	echo "1..0 # SKIP the server did not start: $(tail -1 "$D/log")"
	exit 0
fi

PT_PG_HOST=127.0.0.1 PT_PG_PORT=$port PT_PG_USER=postgres \
PT_PG_PASSWORD="$pw" PT_PG_DB=postgres "$TEST_PG"

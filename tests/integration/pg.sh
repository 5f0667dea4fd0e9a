#!/bin/bash
# The PostgreSQL backend against a real PostgreSQL 15: starts one with
# servers.sh (scram passwords, role pt, database pt) and runs
# tests/unit/test-pg with it, passing its TAP output through.
# On 127.0.0.1 (a free port) so that test-pg's "by name" check (localhost)
# runs too.
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$(dirname "$0")/servers.sh"

TEST_PG=$top_builddir/tests/unit/test-pg
if [ ! -x "$TEST_PG" ]; then
	echo "1..0 # SKIP test-pg not built"
	exit 0
fi
if [ ! -x "$PT_PGBIN/initdb" ]; then
	echo "1..0 # SKIP no PostgreSQL server in $PT_PGBIN"
	exit 0
fi

trap pt_servers_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

addr=127.0.0.1
port=$(pt_free_port $addr) || { echo "Bail out! no free port"; exit 1; }
pt_pg_start pg $addr "$port"
rc=$?
if [ $rc -eq 2 ]; then
	echo "1..0 # SKIP PostgreSQL cannot run here (see above)"
	exit 0
fi
[ $rc -eq 0 ] || { echo "Bail out! PostgreSQL did not start on $addr:$port"; exit 1; }
echo "# PostgreSQL on $addr:$port, up in $(pt_server_info pg start-seconds) s"

# Not exec: the trap must still stop the server afterwards.
PT_PG_HOST=$addr PT_PG_PORT=$port PT_PG_USER=pt PT_PG_PASSWORD=pt-secret \
PT_PG_DB=pt "$TEST_PG"

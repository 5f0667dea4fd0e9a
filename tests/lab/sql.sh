#!/bin/bash
# TAP: "platform-tui sql" against the lab's two ClickHouse shards:
#   lab/lab up && PLATFORM_LAB_DIR=/tmp/platform-lab tests/lab/sql.sh
# Types, tsv byte-identical to clickhouse-client, --shard, --param, errors
# and exit codes, Ctrl-C killing a distributed query on both shards, "sql
# kill", and a private ClickHouse (servers.sh) killed -9 mid-result.
set -u
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/servers.sh"
trap 'pt_servers_cleanup; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
if ! command -v clickhouse-client >/dev/null; then
	echo "1..0 # SKIP no clickhouse-client (lab/install-deps)"
	exit 0
fi
INV=(-i "$LAB/lab.conf")
CH1=(clickhouse-client --host 127.0.1.3 --port 9000)
CH2=(clickhouse-client --host 127.0.1.3 --port 9001)

# same_tsv NAME QUERY: our tsv and clickhouse-client's are the same bytes.
same_tsv() {
	"$PT" "${INV[@]}" sql -o tsv "$2" >"$T/ours" 2>"$T/err"
	local rc=$?
	"${CH1[@]}" --format TabSeparated -q "$2" >"$T/theirs" 2>&1
	if [ $rc -eq 0 ] && cmp -s "$T/ours" "$T/theirs"; then
		ok 0 "tsv is byte-identical to clickhouse-client: $1"
	else
		ok 1 "tsv is byte-identical to clickhouse-client: $1"
		cmp "$T/ours" "$T/theirs" | sed 's/^/#   /'
		head -c 300 "$T/err" | sed 's/^/#   /'
	fi
}

# Everything awkward: escapes, NULLs, nested types, floats, decimals, dates.
TYPES="SELECT 'a\\\\b\\nc\\0\\b\\f\\r\\'\\t\"' AS s, toFixedString('ab', 3) AS fs,
  CAST(NULL AS Nullable(String)) AS ns, toNullable('x') AS nx, [1, 2] AS a,
  ['a\\tb', 'q\\'\\\\', ''] AS as, [NULL, 1] AS an, ('x\\ny', NULL, 1.5) AS t,
  [[1], []] AS aa, nan AS fnan, inf AS finf, -inf AS fninf, 1e300 AS big,
  0.1 + 0.2 AS fl, toFloat32(1.1) AS f32, toDecimal32(-1.5, 3) AS d32,
  toDecimal64(12345.6789, 4) AS d64, toDate('2026-11-01') AS d,
  toDateTime('2026-11-01 12:34:56') AS dt, 'é€😀' AS utf, unhex('FF00C3') AS bin,
  -128 AS i8, 18446744073709551615 AS u64, toUUID('61f0c404-5cb3-11e7-907b-a6006ad3dba0') AS u"
same_tsv "every type" "$TYPES"
same_tsv "a Distributed table" "SELECT * FROM lakehouse.events ORDER BY event_time, user_id, event_type, country, amount LIMIT 2000"
same_tsv "an aggregate over both shards" "SELECT country, count(), round(sum(amount), 2) FROM lakehouse.events GROUP BY country ORDER BY country"
same_tsv "100000 rows" "SELECT number, toString(number), number * 1.5, number % 7 = 0 ? NULL : number FROM numbers(100000)"
same_tsv "no rows" "SELECT 1 WHERE 0"
same_tsv "strings of every byte" "SELECT arrayStringConcat(arrayMap(x -> reinterpretAsString(toUInt8(x)), range(256))) AS all"

run "${INV[@]}" sql -o json "SELECT 1 AS n, 'x\"y' AS s, NULL AS z, nan AS f, [1] AS a"
is "$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')" \
    '[{"a": "[1]", "f": "nan", "n": 1, "s": "x\"y", "z": null}]' "-o json is valid JSON"
run "${INV[@]}" sql -o csv "SELECT 'a,b' AS x, 'q\"' AS y, NULL AS z"
is "$out" $'x,y,z\n"a,b","q""",' "-o csv quotes and leaves NULL empty"
run "${INV[@]}" sql -o table "SELECT 1 AS n, 'x' AS s"
is "$out" $'n  s\n1  x' "-o table aligns"

echo "SELECT count() FROM lakehouse.events" >"$T/q.sql"
out=$("$PT" "${INV[@]}" sql <"$T/q.sql") && rc=0 || rc=$?
is "$rc:$out" "0:$("${CH1[@]}" -q 'SELECT count() FROM lakehouse.events')" \
    "the query from stdin, through the Distributed table"
run "${INV[@]}" sql --shard shard2 "SELECT count() FROM lakehouse.events_local"
is "$rc:$out" "0:$("${CH2[@]}" -q 'SELECT count() FROM lakehouse.events_local')" "--shard shard2"
run "${INV[@]}" sql --shard shard9 "SELECT 1"
is "$rc" 2 "an unknown shard is a usage error"
like "$err" "no shard named 'shard9' \(shard1, shard2\)" "... naming the shards there are"
run "${INV[@]}" sql --param n=3 --param s="it's" "SELECT {n:UInt8} + 1, {s:String}, '{n:UInt8}'"
is "$rc:$out" "0:4	it\\'s	{n:UInt8}" "--param, repeated, not inside strings"
run "${INV[@]}" sql --param m=1 "SELECT {n:UInt8}"
is "$rc" 2 "a parameter without a value is a usage error"
like "$err" "no value for the parameter \\{n:" "... naming it"

run "${INV[@]}" sql "SELEC 1"
is "$rc" 1 "a syntax error exits 1"
like "$err" "^platform-tui: shard1: Code: 62.*Syntax error" "... with the server's code and message"
run "${INV[@]}" sql "SELECT number, throwIf(number = 3000000) FROM numbers(4000000)"
is "$rc" 1 "an exception after the first rows of a 200 is an error"
like "$err" "Code: 395" "... with its message"

cat >"$T/auth.conf" <<EOF
[service clickhouse]
kind = clickhouse
node = n
endpoint = http://127.0.1.3:8123
user = nosuchuser
[node n]
address = 127.0.1.3
EOF
run -i "$T/auth.conf" sql "SELECT 1"
is "$rc" 4 "an unknown user exits 4"
port=$(pt_free_port 127.0.2.40)
sed "s|http://127.0.1.3:8123|http://127.0.2.40:$port|; s/nosuchuser/default/" "$T/auth.conf" >"$T/down.conf"
run -i "$T/down.conf" sql "SELECT 1"
is "$rc" 3 "a server that does not answer exits 3"

run "${INV[@]}" sql shards -o tsv
like "$out" $'shard1\thttp://127.0.1.3:8123\tup\t18\\.16' "sql shards: shard1 up with its version"
like "$out" $'shard2\thttp://127.0.1.3:8124\tup' "sql shards: shard2 up"

# processes PORT: the test's slow queries still running on one shard.
processes() {
	curl -sS "http://127.0.1.3:$1/" --data-binary \
	    "SELECT count() FROM system.processes WHERE query LIKE '%sleepEachRow(0.0003)%' AND query NOT LIKE '%system.processes%'"
}
# wait_running: until the slow query runs on both shards (5 s at most).
wait_running() {
	local i
	for i in $(seq 50); do
		[ "$(processes 8123)" != 0 ] && [ "$(processes 8124)" != 0 ] && return 0
		sleep 0.1
	done
	return 1
}
SLOW="SELECT event_type, sleepEachRow(0.0003) FROM lakehouse.events SETTINGS max_block_size = 8192"

"$PT" "${INV[@]}" sql "$SLOW" >"$T/slow.out" 2>"$T/slow.err" &
pid=$!
wait_running
ok $? "a slow distributed query runs on both shards"
sleep 0.5
kill -INT $pid
wait $pid && rc=0 || rc=$?
is "$rc" 130 "Ctrl-C ends it with 130"
like "$(cat "$T/slow.err")" "cancelled; it stopped on every shard" "... after KILL QUERY was confirmed on both shards"
is "$(processes 8123):$(processes 8124)" "0:0" "system.processes on both shards has no trace of it"

"$PT" "${INV[@]}" sql "$SLOW" -o tsv >"$T/killed.out" 2>"$T/slow.err" &
pid=$!
wait_running
id=$(curl -sS "http://127.0.1.3:8123/" --data-binary \
    "SELECT query_id FROM system.processes WHERE query LIKE '%sleepEachRow(0.0003)%' AND query NOT LIKE '%system.processes%' LIMIT 1")
run "${INV[@]}" sql kill "$id"
is "$rc" 5 "sql kill without --yes is refused"
run "${INV[@]}" sql kill --yes -o tsv "$id"
is "$rc" 0 "sql kill --yes stops it"
like "$out" $'shard1\t[12]\tstopped' "... on shard1, where it was sent"
like "$out" $'shard2\t[01]\t(stopped|not running)' "... and on shard2, where its sub-query ran"
wait $pid && rc=0 || rc=$?
# ClickHouse 18.16 usually ends a killed query's HTTP stream with its
# exception (exit 1), but sometimes just ends it, as if done: then the rows
# must fall short of the whole result.
all=$("$PT" "${INV[@]}" sql "SELECT count() FROM lakehouse.events" -o tsv)
got=$(wc -l <"$T/killed.out")
ok "$([ "$rc" = 1 ] || { [ "$rc" = 0 ] && [ "$got" -lt "$all" ]; }; echo $?)" \
    "the killed query's own run fails, or ends short ($rc, $got of $all rows)"
is "$(processes 8123):$(processes 8124)" "0:0" "nothing is left in system.processes"
run "${INV[@]}" sql kill --yes "$id"
is "$rc" 1 "killing a query that does not run says so"

# A private server killed -9 in the middle of a result.
addr=127.0.2.41
if pt_ch_start chdie $addr "$(pt_free_port $addr)" "$(pt_free_port $addr)"; then
	cat >"$T/die.conf" <<EOF
[service clickhouse]
kind = clickhouse
node = n
endpoint = http://$addr:$(pt_server_info chdie port)
[node n]
address = $addr
EOF
	"$PT" -i "$T/die.conf" sql "SELECT number, toString(number) FROM system.numbers" \
	    >/dev/null 2>"$T/die.err" &
	pid=$!
	sleep 1
	kill -9 "$(pt_server_info chdie pid)"
	wait $pid && rc=0 || rc=$?
	is "$rc" 1 "a server killed mid-result: exit 1"
	like "$(cat "$T/die.err")" "connection dropped after [0-9]+ rows \(the server may have died\)" \
	    "... saying the connection dropped and after how many rows"
else
	ok 1 "a private ClickHouse starts"
fi

done_testing

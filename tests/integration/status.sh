#!/bin/bash
# "status" against real servers: a private PostgreSQL 15, two ClickHouse
# shards, a blackhole that accepts and never answers, and a port with nothing
# behind it.  Checks the state of each, the exit status, that the probes ran
# concurrently, JSON output, a wrong password, and all-up exit 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"

# libcurl would follow a proxy from the environment; these are all local.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'

if ! command -v clickhouse-server >/dev/null; then
	echo "1..0 # SKIP no clickhouse-server installed"
	exit 0
fi
if [ ! -x "${PT_PGBIN:-/usr/lib/postgresql/15/bin}/initdb" ]; then
	echo "1..0 # SKIP no PostgreSQL 15 server installed"
	exit 0
fi
if [ -z "$PT_PYTHON" ]; then
	echo "1..0 # SKIP no python3"
	exit 0
fi

trap 'pt_servers_cleanup; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Addresses of their own on loopback; ports nobody uses there.
pg_addr=127.0.2.1 ch1_addr=127.0.2.2 ch2_addr=127.0.2.3
hole_addr=127.0.2.4 dead_addr=127.0.2.5
pt_servers_dir >/dev/null || { echo "Bail out! no temp dir for the servers"; exit 1; }
if ! { pg_port=$(pt_free_port $pg_addr) &&
    ch1_http=$(pt_free_port $ch1_addr) && ch1_tcp=$(pt_free_port $ch1_addr) &&
    ch2_http=$(pt_free_port $ch2_addr) && ch2_tcp=$(pt_free_port $ch2_addr) &&
    hole_port=$(pt_free_port $hole_addr) &&
    dead_port=$(pt_free_port $dead_addr); }; then
	echo "Bail out! no free ports"
	exit 1
fi

t0=$(date +%s%N)
pt_pg_start pg $pg_addr "$pg_port"
rc=$?
if [ $rc -eq 2 ]; then
	echo "1..0 # SKIP PostgreSQL cannot run here (see above)"
	exit 0
fi
[ $rc -eq 0 ] || { echo "Bail out! PostgreSQL did not start"; exit 1; }
pt_ch_start ch1 $ch1_addr "$ch1_http" "$ch1_tcp" ||
	{ echo "Bail out! ClickHouse ch1 did not start"; exit 1; }
pt_ch_start ch2 $ch2_addr "$ch2_http" "$ch2_tcp" ||
	{ echo "Bail out! ClickHouse ch2 did not start"; exit 1; }
pt_blackhole_start hole $hole_addr "$hole_port" ||
	{ echo "Bail out! the blackhole did not start"; exit 1; }
t1=$(date +%s%N)
echo "# servers up in $(( (t1 - t0) / 1000000 )) ms" \
    "(pg $(pt_server_info pg start-seconds) s," \
    "ch1 $(pt_server_info ch1 start-seconds) s," \
    "ch2 $(pt_server_info ch2 start-seconds) s," \
    "hole $(pt_server_info hole start-seconds) s)"

INV=$T/inventory
(umask 022; cat >"$INV") <<EOF
[platform]
name = test
timeout = 2s

[node db]
address = $pg_addr

[service pg]
kind = postgres
node = db
endpoint = postgresql://$pg_addr:$pg_port/pt
user = pt
secret = env:PT_PG_PASSWORD

[service ch1]
kind = clickhouse
node = db
endpoint = http://$ch1_addr:$ch1_http

[service ch2]
kind = clickhouse
node = db
endpoint = http://$ch2_addr:$ch2_http

[service dead]
kind = http
node = db
endpoint = tcp://$dead_addr:$dead_port

[service hole]
kind = http
node = db
endpoint = http://$hole_addr:$hole_port

[service badpg]
kind = postgres
node = db
endpoint = postgresql://$pg_addr:$pg_port/pt
user = pt
secret = env:PT_BAD_PW
EOF
chmod 644 "$INV"
export PT_PG_PASSWORD=pt-secret
export PT_BAD_PW='wrong-pw-4711'

# field OUTPUT SERVICE COLUMN: one cell of tsv output, by column name.
field() {
	printf '%s\n' "$1" | awk -F'\t' -v s="$2" -v c="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == s && (c in col) { print $col[c]; exit }'
}

# --- every service, tsv
start=$(date +%s%N)
run -i "$INV" status -o tsv --timeout 2s
took=$(( ($(date +%s%N) - start) / 1000000 ))
echo "# status of 6 services took $took ms (exit $rc)"
printf '%s\n' "$out" | sed 's/^/#   /'
[ -n "$err" ] && printf '%s\n' "$err" | sed 's/^/#   stderr: /'

is "$(printf '%s\n' "$out" | head -1)" \
    $'service\tendpoint\tnode\tkind\tstate\tlatency\tdetail\tchecked' \
    "status -o tsv: a header of column names"
is "$rc" 3 "status: exit 3 when a service is down or times out"
ok $(( took < 5000 ? 0 : 1 )) \
    "status: probes run concurrently (${took} ms < timeout 2 s + 3 s)"

# A -t on the command line beats the inventory's "timeout = 2s".
all=$out
run -i "$INV" -t 1s -o tsv status hole
like "$out" 'hole.*timeout.*no answer within 1000ms' "global -t overrides the inventory's timeout"
run -i "$INV" -o tsv status hole
like "$out" 'no answer within 2000ms' "without -t the inventory's timeout applies"
out=$all

is "$(field "$out" pg state)" up "status: PostgreSQL is up"
like "$(field "$out" pg latency)" '^[0-9]+$' "status: PostgreSQL latency in ms, an integer"
like "$(field "$out" pg detail)" '^PostgreSQL 15' "status: PostgreSQL detail names the version"
for ch in ch1 ch2; do
	is "$(field "$out" $ch state)" up "status: ClickHouse shard $ch is up"
	like "$(field "$out" $ch latency)" '^[0-9]+$' "status: $ch latency in ms, an integer"
	like "$(field "$out" $ch detail)" '^ClickHouse 18\.16' "status: $ch detail names the version"
done
is "$(field "$out" dead state)" down "status: nothing listening is down"
like "$(field "$out" dead latency)" '^[0-9]+$' "status: down still has an integer latency"
is "$(field "$out" hole state)" timeout "status: a server that never answers is timeout"
hole_ms=$(field "$out" hole latency)
ok $(( ${hole_ms:-0} >= 1500 && ${hole_ms:-0} < 4000 ? 0 : 1 )) \
    "status: timeout after about --timeout 2s (${hole_ms} ms)"
is "$(field "$out" badpg state)" auth-failed "status: a wrong password is auth-failed"
like "$(field "$out" pg checked)" '^[0-9]+$' "status: checked is a number in tsv"
is "$(printf '%s\n' "$out" | awk -F'\t' 'NR > 1 && NF != 8' | wc -l)" 0 \
    "status -o tsv: every row has 8 fields"
tsv_states=$(printf '%s\n' "$out" | awk -F'\t' 'NR > 1 { print $1, $5 }' | sort)
case "$out$err" in
*pt-secret* | *wrong-pw-4711*) ok 1 "status: no password on stdout or stderr" ;;
*) ok 0 "status: no password on stdout or stderr" ;;
esac

# --- the same as JSON
run -i "$INV" status -o json --timeout 2s
is "$rc" 3 "status -o json: exit 3 too"
printf '%s' "$out" | "$PT_PYTHON" -c 'import json,sys; json.load(sys.stdin)'
ok $? "status -o json parses"
json_states=$(printf '%s' "$out" | "$PT_PYTHON" -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["service"], r["state"])' 2>&1 | sort)
is "$json_states" "$tsv_states" "status -o json: the same states as tsv"
printf '%s' "$out" | "$PT_PYTHON" -c '
import json, sys
rows = json.load(sys.stdin)
assert rows and all(isinstance(r["latency"], int) for r in rows)' 2>/dev/null
ok $? "status -o json: latency is an integer"

# --- a wrong password alone: exit 4
run -i "$INV" status badpg -o tsv --timeout 2s
is "$rc" 4 "status SERVICE: only a wrong password exits 4"
is "$(field "$out" badpg state)" auth-failed "status SERVICE: auth-failed"
is "$(printf '%s\n' "$out" | awk 'NR > 1' | wc -l)" 1 "status SERVICE: only that service"
case "$out$err" in
*wrong-pw-4711*) ok 1 "status SERVICE: the wrong password is not shown" ;;
*) ok 0 "status SERVICE: the wrong password is not shown" ;;
esac

# --- every probed service up: exit 0
start=$(date +%s%N)
run -i "$INV" status pg ch1 ch2 -o tsv --timeout 2s
took=$(( ($(date +%s%N) - start) / 1000000 ))
is "$rc" 0 "status pg ch1 ch2: exit 0 when all are up"
is "$(printf '%s\n' "$out" | awk -F'\t' 'NR > 1 { print $1, $5 }' | sort | tr '\n' ' ')" \
    "ch1 up ch2 up pg up " "status pg ch1 ch2: just those three, up"
ok $(( took < 2000 ? 0 : 1 )) "status pg ch1 ch2: no waiting for a timeout (${took} ms)"

# --- the default table for a person
t2=$(date +%s%N)
run -i "$INV" status --timeout 2s
is "$rc" 3 "status (table): exit 3 as well"
like "$out" 'hole +[^ ]+ +db +http +timeout' "status (table): a row per service with its state"

# --- a stopped server goes down
pt_ch_stop ch2
run -i "$INV" status ch1 ch2 -o tsv --timeout 2s
is "$(field "$out" ch2 state)" down "status: a ClickHouse stopped meanwhile is down"
is "$rc" 3 "status: and exit 3"

# --- usage errors print no rows
run -i "$INV" status ch1 nosuch -o tsv
is "$rc" 2 "status: an unknown name beside a known one is a usage error"
is "$out" "" "status: and prints nothing on stdout"
run -i "$INV" status -t 0
is "$rc" 2 "status: a zero timeout is a usage error"

t3=$(date +%s%N)
pt_servers_cleanup
echo "# probes $(( (t2 - t1) / 1000000 )) ms, the rest $(( (t3 - t2) / 1000000 )) ms," \
    "cleanup $(( ($(date +%s%N) - t3) / 1000000 )) ms"
done_testing

#!/bin/bash
# The lab is what it claims: every service answers, the console sees them all
# up, real clients (ssh, psql, clickhouse-client, curl) confirm each server,
# and faults break exactly one service the way they say.  Runs against the
# lab that lab/lab up started ($PLATFORM_LAB_DIR).
# shellcheck source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
LABCMD=$top_srcdir/lab/lab
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP the lab is not up (lab/lab up)"
	exit 0
fi
INV=$LAB/lab.conf

# lab/lab status: every service up, with a pid.
st=$("$LABCMD" status 2>&1) && rc=0 || rc=$?
is "$rc" 0 "lab/lab status: every service answers"
[ "$rc" -eq 0 ] || printf '# %s\n' "$st"
like "$st" 'clickhouse-2 +analytics +127\.0\.1\.3:8124 +[0-9]+ +up' "status shows address, port and pid"

# The console sees every service of the inventory up.
run -i "$INV" -o tsv status
is "$rc" 0 "platform-tui status exits 0 on the lab"
like "$out" 'clickhouse' "status lists ClickHouse"
ndown=$(printf '%s\n' "$out" | awk -F'\t' 'NR > 1 && $0 !~ /\tup\t/' | wc -l)
is "$ndown" 0 "platform-tui status: no service of the lab is other than up"
[ "$ndown" -eq 0 ] || printf '# %s\n' "$out" | head -30

# Each node's sshd: its own host key, checked strictly against known_hosts.
for n in gateway:127.0.1.1 compute:127.0.1.2 analytics:127.0.1.3; do
	o=$(ssh -i "$LAB/ssh/operator_ed25519" -o BatchMode=yes \
	    -o UserKnownHostsFile="$LAB/ssh/known_hosts" -o StrictHostKeyChecking=yes \
	    -o ConnectTimeout=5 -p 2222 "$(id -un)@${n#*:}" 'echo ok' 2>&1)
	is "$o" ok "ssh to ${n%%:*} with a verified host key"
done
# A wrong host key is refused: the compute node's key presented as the gateway's.
kh=$T/known_hosts
sed "s/^\[127\.0\.1\.1\]:2222 .*/[127.0.1.1]:2222 $(cut -d' ' -f1,2 "$LAB/ssh/compute/ssh_host_ed25519_key.pub")/" \
    "$LAB/ssh/known_hosts" >"$kh"
ssh -i "$LAB/ssh/operator_ed25519" -o BatchMode=yes -o UserKnownHostsFile="$kh" \
    -o StrictHostKeyChecking=yes -p 2222 "$(id -un)@127.0.1.1" true >/dev/null 2>&1
isnt_zero=$?
ok $((isnt_zero == 0)) "ssh refuses a host key that does not match"

# PostgreSQL: two clusters, passwords from the lab's secret files.
o=$(PGPASSWORD=$(cat "$LAB/secrets/pg-oltp") psql -X -h 127.0.1.1 -p 5433 -U app \
    -d shop -Atc 'SELECT count(*) > 0 FROM orders' 2>&1)
is "$o" t "psql: the OLTP database has its sample orders"
o=$(PGPASSWORD=wrong psql -X -h 127.0.1.1 -p 5432 -U airflow -d airflow -Atc 'SELECT 1' 2>&1)
like "$o" 'password authentication failed' "psql: a wrong password is refused"

# ClickHouse: a Distributed table over two shards; query_log on.
o=$(clickhouse-client --host 127.0.1.3 --port 9000 -q \
    'SELECT count() FROM lakehouse.events' 2>&1)
o2=$(clickhouse-client --host 127.0.1.3 --port 9000 -q \
    'SELECT count() FROM lakehouse.events_local' 2>&1)
o3=$(clickhouse-client --host 127.0.1.3 --port 9001 -q \
    'SELECT count() FROM lakehouse.events_local' 2>&1)
is "$o" "$((o2 + o3))" "clickhouse-client: the Distributed table is the sum of both shards"
ok $((o2 == 0 || o3 == 0)) "both shards hold events"
o=$(clickhouse-client --host 127.0.1.3 --port 9000 -q \
    "SELECT count() FROM system.clusters WHERE cluster = 'lab'" 2>&1)
is "$o" 2 "the cluster 'lab' has two shards"
clickhouse-client --host 127.0.1.3 --port 9001 --log_queries=1 -q 'SELECT 42' >/dev/null 2>&1
clickhouse-client --host 127.0.1.3 --port 9001 -q 'SYSTEM FLUSH LOGS' >/dev/null 2>&1
o=$(clickhouse-client --host 127.0.1.3 --port 9001 -q \
    "SELECT count() > 0 FROM system.query_log WHERE query = 'SELECT 42'" 2>&1)
is "$o" 1 "query_log records queries"

# Prometheus scrapes the three node-exporters.
o=$(curl -s --noproxy '*' --max-time 5 'http://127.0.1.1:9090/api/v1/targets?state=active' |
    /usr/bin/python3 -c 'import json,sys; print(sum(1 for t in json.load(sys.stdin)["data"]["activeTargets"] if t["labels"].get("job") == "node"))')
is "$o" 3 "Prometheus has the three node-exporters as targets"

# Faults: each breaks one service the way it says, clear restores it.
"$LABCMD" fault clickhouse-2 down >/dev/null
run -i "$INV" -o tsv -t 2s status clickhouse
like "$out" 'shard2.*down' "fault down: status shows the shard down"
is "$rc" 3 "fault down: status exits 3"
"$LABCMD" fault clickhouse-2 clear >/dev/null
run -i "$INV" -o tsv status clickhouse
is "$rc" 0 "fault clear: the shard is back"

"$LABCMD" fault pg-oltp blackhole >/dev/null
run -i "$INV" -o tsv -t 1s status oltp-db
like "$out" 'timeout' "fault blackhole: the connection is accepted, nothing answers"
"$LABCMD" fault pg-oltp clear >/dev/null
run -i "$INV" -o tsv status oltp-db
is "$rc" 0 "after blackhole and clear PostgreSQL answers again"

"$LABCMD" fault clickhouse-1 slow 1500 >/dev/null
run -i "$INV" -o tsv -t 1s status clickhouse
like "$out" 'shard1.*timeout' "fault slow 1500: a 1 s probe times out"
run -i "$INV" -o tsv -t 4s status clickhouse
is "$rc" 0 "fault slow 1500: a 4 s probe still gets an answer"
"$LABCMD" fault clickhouse-1 flaky 100 >/dev/null
code=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' 'http://127.0.1.3:8123/ping')
is "$code" 503 "fault flaky 100: every request fails with 503"
"$LABCMD" fault clickhouse-1 clear >/dev/null
code=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' 'http://127.0.1.3:8123/ping')
is "$code" 200 "fault clear after flaky: the shard answers"

o=$("$LABCMD" fault nosuch down 2>&1) && rc=0 || rc=$?
like "$o" "unknown service 'nosuch'" "fault: an unknown service is named"

# up twice is fine: nothing restarts.
before=$("$LABCMD" status | awk 'NR > 1 { print $1, $4 }')
"$LABCMD" up >/dev/null 2>&1 && rc=0 || rc=$?
is "$rc" 0 "lab/lab up on a running lab succeeds"
after=$("$LABCMD" status | awk 'NR > 1 { print $1, $4 }')
is "$after" "$before" "lab/lab up on a running lab keeps every process"

done_testing

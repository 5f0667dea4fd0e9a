#!/bin/bash
# Benchmark: the Airflow grid of a DAG with 1000 runs and 45 tasks, and the
# DAG list of 1000 DAGs, against curl fetching the same data.
#
# usage: bench/airflow.sh [PLATFORM-TUI]
#	(the binary: the argument, else $PT, else ./platform-tui)
#	RUNS=1000 DAGS=1000 REPEAT=3 change the shape; needs the lab (lab/lab up).
#
# Starts a private simulator (own schema in the lab's metadata PostgreSQL,
# own address 127.0.0.9x), seeds RUNS finished runs of reindex_catalog
# (45 tasks) with airflowsim.py seed-runs and DAGS-8 extra paused DAGs with
# SQL, then times (wall seconds, peak RSS in KiB, /usr/bin/time):
#   ours: platform-tui dag grid --runs RUNS reindex_catalog -o tsv
#   curl: the same requests (tasks, the run pages, one task-instance list per
#         run) in ONE curl process with --parallel-max 8, like ours
# and the same for dag list (pages of 100 DAGs plus each DAG's last 5 runs).
# It prints each figure and the ratio ours/curl. The simulator stops and
# its schema is dropped on exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
PT=${1:-${PT:-./platform-tui}}
RUNS=${RUNS:-1000}
DAGS=${DAGS:-1000}
REPEAT=${REPEAT:-3}
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
PY=/usr/bin/python3
case "$PT" in */*) ;; *) PT=./$PT ;; esac
[ -x "$PT" ] || { echo "bench/airflow.sh: no program at $PT" >&2; exit 2; }
[ -f "$LAB/lab.conf" ] || { echo "bench/airflow.sh: no lab at $LAB" >&2; exit 2; }
PT=$(cd "$(dirname "$PT")" && pwd)/$(basename "$PT")

T=$(mktemp -d /tmp/pt-bench-airflow.XXXXXX)
schema=pt_bench_$$
pgpass=$(cat "$LAB/secrets/pg-airflow")
psql_() { PGPASSWORD=$pgpass psql -h 127.0.1.1 -U airflow -d airflow -qAt "$@"; }
simpid=
cleanup() {
	[ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
	psql_ -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

host=
for last in $(seq 90 99); do
	a=127.0.0.$last
	(exec 3<>"/dev/tcp/$a/8080") 2>/dev/null && continue
	(exec 3<>"/dev/tcp/$a/8082") 2>/dev/null && continue
	host=$a
	break
done
$PY - "$LAB/airflow/sim.json" "$T/sim.json" "$host" "$schema" "$T" <<'EOF'
import json, sys
src, dst, host, schema, tmp = sys.argv[1:]
cfg = json.load(open(src))
cfg["db"]["schema"] = schema
cfg.update({"listen_v1": host + ":8080", "listen_v2": host + ":8082",
            "jwt_secret_file": tmp + "/jwt.key", "fault_file": tmp + "/fault",
            "log_dir": tmp + "/logs", "pace": 1.0})
json.dump(cfg, open(dst, "w"))
EOF
sed -e "s|http://127.0.1.1:8082|http://$host:8082|" -e "s|http://127.0.1.1:8080|http://$host:8080|" \
    "$LAB/lab.conf" >"$T/inv.conf"
export PLATFORM_TUI_INVENTORY=$T/inv.conf

$PY "$src/lab/sim/airflow/airflowsim.py" seed-runs --config "$T/sim.json" \
    --dag reindex_catalog --runs "$RUNS" >/dev/null || exit 1
# Extra DAGs, paused and without tasks: the list is what is measured.
psql_ -c "SET search_path = $schema; INSERT INTO dag (dag_id, is_paused, owners, fileloc,
    timetable_description) SELECT 'bench_dag_' || lpad(i::text, 4, '0'), true, 'bench',
    '/opt/airflow/dags/bench.py', 'Never' FROM generate_series(1, $DAGS - 8) i
    ON CONFLICT DO NOTHING" >/dev/null
$PY "$src/lab/sim/airflow/airflowsim.py" serve --config "$T/sim.json" >"$T/sim.log" 2>&1 &
simpid=$!
for _ in $(seq 1 300); do
	(exec 3<>"/dev/tcp/$host/8082") 2>/dev/null && break
	sleep 0.1
done
# Pause everything so the grid does not change while it is measured.
psql_ -c "SET search_path = $schema; UPDATE dag SET is_paused = true" >/dev/null

base=http://$host:8082
tok=$(curl -s -X POST -H 'Content-Type: application/json' \
    -d "{\"username\": \"admin\", \"password\": \"$(cat "$LAB/secrets/airflow")\"}" \
    "$base/auth/token" | $PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
ntotal=$(curl -s -H "Authorization: Bearer $tok" "$base/api/v2/dags/reindex_catalog/dagRuns?limit=1" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["total_entries"])')
ndags=$(curl -s -H "Authorization: Bearer $tok" "$base/api/v2/dags?limit=1" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["total_entries"])')
echo "reindex_catalog has $ntotal runs; the simulator lists $ndags DAGs"

# curl's share: the same requests, discovered as ours does (runs pages first).
curl_grid() {
	{
		echo "url = \"$base/api/v2/dags/reindex_catalog/tasks\""
		echo "output = /dev/null"
		for off in $(seq 0 100 $((RUNS - 1))); do
			echo "url = \"$base/api/v2/dags/reindex_catalog/dagRuns?limit=100&offset=$off&order_by=-run_after\""
			echo "output = \"$T/runs.$off\""
		done
	} >"$T/grid1.cfg"
	curl -s -H "Authorization: Bearer $tok" --parallel --parallel-max 8 -K "$T/grid1.cfg"
	cat "$T"/runs.* | $PY -c '
import json, sys, urllib.parse
dec = json.JSONDecoder(); s = sys.stdin.read(); i = 0
while i < len(s):
    o, i = dec.raw_decode(s, i)
    while i < len(s) and s[i].isspace(): i += 1
    for r in o["dag_runs"]:
        print("url = \"%s/api/v2/dags/reindex_catalog/dagRuns/%s/taskInstances?limit=100\"\noutput = /dev/null"
              % (sys.argv[1], urllib.parse.quote(r["dag_run_id"], safe="")))' "$base" >"$T/grid2.cfg"
	curl -s -H "Authorization: Bearer $tok" --parallel --parallel-max 8 -K "$T/grid2.cfg"
}
curl_list() {
	{
		for off in $(seq 0 100 $((ndags - 1))); do
			echo "url = \"$base/api/v2/dags?limit=100&offset=$off&order_by=dag_id\""
			echo "output = \"$T/dags.$off\""
		done
	} >"$T/list1.cfg"
	curl -s -H "Authorization: Bearer $tok" -K "$T/list1.cfg"
	cat "$T"/dags.* | $PY -c '
import json, sys, urllib.parse
dec = json.JSONDecoder(); s = sys.stdin.read(); i = 0
while i < len(s):
    o, i = dec.raw_decode(s, i)
    while i < len(s) and s[i].isspace(): i += 1
    for d in o["dags"]:
        print("url = \"%s/api/v2/dags/%s/dagRuns?limit=5&order_by=-id\"\noutput = /dev/null"
              % (sys.argv[1], urllib.parse.quote(d["dag_id"], safe="")))' "$base" >"$T/list2.cfg"
	curl -s -H "Authorization: Bearer $tok" --parallel --parallel-max 8 -K "$T/list2.cfg"
}
export -f curl_grid curl_list
export base tok RUNS T PY ndags

measure() {	# measure NAME COMMAND...: best wall time and its peak RSS of REPEAT runs
	local best= rss= i w m
	for i in $(seq 1 "$REPEAT"); do
		/usr/bin/time -f "%e %M" -o "$T/time" "$@" >"$T/out" 2>"$T/err" || {
			echo "$1 failed: $(head -3 "$T/err")" >&2
		}
		read -r w m <"$T/time"
		if [ -z "$best" ] || awk "BEGIN { exit !($w < $best) }"; then best=$w; rss=$m; fi
	done
	echo "$best $rss"
}

read -r gw gm < <(measure "$PT" dag grid --runs "$RUNS" reindex_catalog -o tsv)
rows=$("$PT" dag grid --runs "$RUNS" reindex_catalog -o tsv | wc -l)
cols=$("$PT" dag grid --runs "$RUNS" reindex_catalog -o tsv | head -1 | awk -F'\t' '{ print NF - 1 }')
read -r cw cm < <(measure bash -c curl_grid)
read -r lw lm < <(measure "$PT" dag list -o tsv)
lrows=$(("$("$PT" dag list -o tsv | wc -l)" - 1))
read -r kw km < <(measure bash -c curl_list)

printf 'dag grid (%s tasks x %s runs):\n' "$((rows - 1))" "$cols"
printf '  platform-tui  %6.2f s  %7d KiB\n' "$gw" "$gm"
printf '  curl          %6.2f s  %7d KiB (the curl process of the TI fetches)\n' "$cw" "$cm"
printf '  ratio ours/curl: time %.2f, peak RSS %.2f\n' \
    "$(awk "BEGIN { print $gw / $cw }")" "$(awk "BEGIN { print $gm / $cm }")"
printf 'dag list (%s DAGs, each with its last 5 runs):\n' "$lrows"
printf '  platform-tui  %6.2f s  %7d KiB\n' "$lw" "$lm"
printf '  curl          %6.2f s  %7d KiB\n' "$kw" "$km"
printf '  ratio ours/curl: time %.2f, peak RSS %.2f\n' \
    "$(awk "BEGIN { print $lw / $kw }")" "$(awk "BEGIN { print $lm / $km }")"

#!/bin/bash
# Trigger the platform's DAGs and watch every part of the lab change: the
# ingestion writes real objects to Swift, the medallion DAG's Spark tasks
# appear as SparkApplications and pods in Kubernetes, the load DAG inserts
# rows into ClickHouse; and lab/lab seed grows each store on demand.
# shellcheck source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP the lab is not up (lab/lab up)"
	exit 0
fi
AF=http://127.0.1.1:8080/api/v1
AFAUTH="admin:$(cat "$LAB/secrets/airflow")"
KUBE=https://127.0.1.2:6443
KTOKEN=$(cat "$LAB/secrets/kube-token")
py=/usr/bin/python3

af() { curl -s --noproxy '*' --max-time 10 -u "$AFAUTH" -H 'Content-Type: application/json' "$@"; }
kube() { curl -s --noproxy '*' --max-time 10 --cacert "$LAB/kube/ca.crt" \
    -H "Authorization: Bearer $KTOKEN" "$KUBE$1"; }
ch() { curl -s --noproxy '*' --max-time 10 'http://127.0.1.3:8123/' --data-binary "$1"; }
s3ls() { "$py" "$top_srcdir/lab/sim/labs3.py" --endpoint http://127.0.1.1:8081 \
    --access-key lab:operator --secret-file "$LAB/secrets/s3" ls "$@"; }
json() { "$py" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# trigger DAG: a run with a conf of our own; prints its run id.
trigger() {
	af -X POST "$AF/dags/$1/dagRuns" \
	    -d "{\"conf\": {\"from\": \"tests/lab/pipeline.sh\"}}" | json 'd["dag_run_id"]'
}
# wait_run DAG RUN SECONDS: until the run is success or failed; prints the state.
wait_run() {
	local st i
	for i in $(seq "$3"); do
		st=$(af "$AF/dags/$1/dagRuns/$2" | json 'd["state"]' 2>/dev/null)
		case $st in success | failed) break ;; esac
		sleep 1
	done
	printf '%s\n' "$st"
}

gold_before=$(ch 'SELECT count() FROM lakehouse.gold_daily')
apps_before=$(kube '/apis/sparkoperator.k8s.io/v1beta2/namespaces/spark-jobs/sparkapplications?labelSelector=platform-tui%2Fdag-id%3Dprocess_medallion' |
    json 'len(d["items"])')

ingest=$(trigger ingest_events)
like "$ingest" '.' "triggering ingest_events returns a run id"
medallion=$(trigger process_medallion)
like "$medallion" '.' "triggering process_medallion returns a run id"

st=$(af "$AF/dags/ingest_events/dagRuns/$ingest" | json 'd["conf"]["from"]')
is "$st" "tests/lab/pipeline.sh" "the run's conf is stored and shown"
o=$(PGPASSWORD=$(cat "$LAB/secrets/pg-airflow") psql -X -h 127.0.1.1 -p 5432 -U airflow \
    -d airflow -Atc "SELECT conf::text LIKE '%pipeline.sh%' FROM dag_run WHERE run_id = '$ingest'")
is "$o" t "the same conf is in the dag_run table of the metadata database"

is "$(wait_run ingest_events "$ingest" 150)" success "ingest_events succeeds"
o=$(s3ls lakehouse bronze/events/ 2>&1)
like "$o" "${ingest//[:+]/.}" "the ingestion wrote its bronze object to Swift with SigV4"

# The Spark tasks: a SparkApplication per step, labelled with the DAG run.
apps=$apps_before
for _ in $(seq 60); do
	apps=$(kube '/apis/sparkoperator.k8s.io/v1beta2/namespaces/spark-jobs/sparkapplications?labelSelector=platform-tui%2Fdag-id%3Dprocess_medallion' |
	    json 'len(d["items"])')
	[ "$apps" -gt "$apps_before" ] && break
	sleep 1
done
ok $((apps <= apps_before)) "process_medallion creates a SparkApplication labelled with its DAG"
pods=$(kube '/api/v1/namespaces/spark-jobs/pods?labelSelector=platform-tui%2Fdag-id%3Dprocess_medallion,spark-role%3Ddriver' |
    json 'len(d["items"])')
ok $((pods == 0)) "its driver pod carries the DAG's labels"
is "$(wait_run process_medallion "$medallion" 240)" success "process_medallion succeeds"
o=$(s3ls lakehouse gold/ 2>&1)
like "$o" 'gold/' "the medallion run wrote gold objects"

load=$(trigger load_clickhouse)
is "$(wait_run load_clickhouse "$load" 150)" success "load_clickhouse succeeds"
gold_after=$(ch 'SELECT count() FROM lakehouse.gold_daily')
ok $((gold_after <= gold_before)) "load_clickhouse inserted rows into lakehouse.gold_daily ($gold_before -> $gold_after)"

# lab/lab seed grows each store.
objs_before=$(s3ls lakehouse bench/ 2>/dev/null | wc -l)
"$top_srcdir/lab/lab" seed --objects 50 --rows 10000 --pods 200 --runs 20 >"$T/seed.log" 2>&1
is "$?" 0 "lab/lab seed --objects --rows --pods --runs succeeds"
objs_after=$(s3ls lakehouse bench/ 2>/dev/null | wc -l)
# The seeded keys are the same on every run: count them, not the growth.
ok $((objs_after < 50)) "seed --objects 50 put 50 objects under bench/ ($objs_before before)"
rows=$(ch 'SELECT count() >= 10000 FROM lakehouse.bench')
is "$rows" 1 "seed --rows 10000 filled lakehouse.bench on both shards"
bench=$(kube '/api/v1/namespaces/bench/pods?limit=1' | json 'd["metadata"].get("remainingItemCount", 0) + len(d["items"])')
ok $((bench < 200)) "seed --pods 200 added pods to the bench namespace"
o=$("$top_srcdir/lab/lab" seed --rows many 2>&1) && rc=0 || rc=$?
like "$o" "not a number: many" "seed refuses a count that is not a number"

done_testing

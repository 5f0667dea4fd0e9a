#!/bin/bash
# TAP: the Airflow commands against the lab's simulator, in both versions
# (--service airflow = 3.x, airflow2 = 2.x): list, trigger with conf (checked
# in dag_run.conf with psql), a duplicate run id, an invalid conf, pause and
# unpause, clear with its dry run, logs with continuation tokens, --wait exit
# codes. Then a private simulator (own schema, JWTs living 1 s) for token
# renewal and for the API going down (metadata database, read-only) and back.
#   lab/lab up && PLATFORM_LAB_DIR=/tmp/platform-lab tests/lab/airflow.sh
set -u
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
for p in psql /usr/bin/python3; do
	command -v "$p" >/dev/null 2>&1 && continue
	echo "1..0 # SKIP $p is missing"
	exit 0
done
# shellcheck source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
export PLATFORM_TUI_INVENTORY=$LAB/lab.conf
tag=t$$

sql() {	# sql QUERY: one value from the lab's metadata database
	PGPASSWORD=$(cat "$LAB/secrets/pg-airflow") PGCONNECT_TIMEOUT=5 \
	    psql -h 127.0.1.1 -U airflow -d airflow -Atc "$1"
}

for svc in airflow airflow2; do
	run dag list --service "$svc" -o tsv
	is "$rc" 0 "$svc: dag list exits 0"
	like "$out" $'^reindex_catalog\t' "$svc: dag list has reindex_catalog"
	like "$out" $'^backfill_legacy_orders\tyes' "$svc: a paused DAG shows paused"
	run dag list --service "$svc" --limit 2 -o tsv
	is "$(printf '%s\n' "$out" | wc -l)" 3 "$svc: --limit 2 gives a page of two"

	rid=conf-$tag-$svc
	run dag trigger --service "$svc" --run-id "$rid" --conf '{"date": "2024-02-03", "n": 7}' \
	    adhoc_export -o tsv
	is "$rc" 0 "$svc: dag trigger with conf exits 0"
	like "$out" "$rid" "$svc: the triggered run is shown"
	is "$(sql "SELECT conf->>'date' || ',' || (conf->>'n') FROM dag_run WHERE
	    dag_id = 'adhoc_export' AND run_id = '$rid'")" "2024-02-03,7" \
	    "$svc: dag_run.conf holds the conf sent"
	run dag trigger --service "$svc" --run-id "$rid" adhoc_export
	is "$rc" 1 "$svc: a duplicate run id exits 1"
	like "$err" "already exists" "$svc: the 409 says the run exists"

	before=$(sql "SELECT count(*) FROM dag_run WHERE dag_id = 'adhoc_export'")
	run dag trigger --service "$svc" --conf '[1, 2]' adhoc_export
	is "$rc" 2 "$svc: a conf that is not an object exits 2"
	like "$err" "must be a JSON object" "$svc: and says why"
	run dag trigger --service "$svc" --conf '{"a": ' adhoc_export
	like "$err" "not valid JSON" "$svc: invalid JSON is refused"
	echo '{"from": "file"}' >"$T/conf.json"
	run dag trigger --service "$svc" --run-id "file-$tag-$svc" --conf "@$T/conf.json" adhoc_export
	is "$rc" 0 "$svc: --conf @file works"
	is "$(sql "SELECT count(*) FROM dag_run WHERE dag_id = 'adhoc_export'")" \
	    "$((before + 1))" "$svc: the refused confs sent nothing"

	run dag pause --service "$svc" adhoc_export
	is "$out" "adhoc_export: paused" "$svc: dag pause"
	is "$(sql "SELECT is_paused FROM dag WHERE dag_id = 'adhoc_export'")" t \
	    "$svc: the database says paused"
	run dag unpause --service "$svc" adhoc_export
	is "$out" "adhoc_export: unpaused" "$svc: dag unpause"
	run --read-only dag pause --service "$svc" adhoc_export
	is "$rc" 5 "$svc: pause is refused with --read-only"

	# --wait on a run that succeeds, with logs followed while it runs.
	rid=wait-$tag-$svc
	"$PT" dag trigger --service "$svc" --run-id "$rid" --wait adhoc_export \
	    >"$T/wait.out" 2>"$T/wait.err" &
	wpid=$!
	sleep 1
	run task log --service "$svc" --follow adhoc_export "$rid" run_query
	is "$rc" 0 "$svc: task log --follow ends when the task does"
	follow=$out
	wait "$wpid"
	is "$?" 0 "$svc: --wait exits 0 for a run that succeeds"
	like "$(cat "$T/wait.err")" "$rid: (running|success)" "$svc: --wait prints state changes"
	run task log --service "$svc" adhoc_export "$rid" run_query
	is "$follow" "$out" "$svc: the followed log (continuation tokens) is the whole log"
	like "$out" "Task exited|Marking task as SUCCESS|SUCCESS" "$svc: the log is the task's"
	is "$(printf '%s\n' "$follow" | sort | uniq -d | grep -cv '^$')" 0 \
	    "$svc: no line came twice"

	# --wait on a run that fails: marked failed while --wait follows it.
	rid=fail-$tag-$svc
	"$PT" dag trigger --service "$svc" --run-id "$rid" --wait adhoc_export \
	    >/dev/null 2>"$T/fail.err" &
	wpid=$!
	sleep 1
	run run mark --service "$svc" adhoc_export "$rid" failed
	is "$rc" 5 "$svc: run mark without --yes is refused"
	run run mark --service "$svc" --yes adhoc_export "$rid" failed
	is "$rc" 0 "$svc: run mark --yes"
	wait "$wpid"
	is "$?" 1 "$svc: --wait exits 1 for a run that fails"
	like "$(cat "$T/fail.err")" "ended failed" "$svc: and says it failed"

	# Clear: the dry run lists, --yes clears.
	run task clear --service "$svc" adhoc_export "wait-$tag-$svc" upload_result
	is "$rc" 5 "$svc: task clear without --yes is refused"
	like "$out" "upload_result" "$svc: but lists what it would clear"
	is "$(sql "SELECT state FROM task_instance WHERE dag_id = 'adhoc_export' AND
	    run_id = 'wait-$tag-$svc' AND task_id = 'upload_result'")" success \
	    "$svc: the dry run changed nothing"
	run task clear --service "$svc" --yes adhoc_export "wait-$tag-$svc" upload_result
	is "$rc" 0 "$svc: task clear --yes"
	like "$out" "cleared 1 task instance" "$svc: says what it cleared"
	like "$(sql "SELECT coalesce(state, 'none') FROM task_instance WHERE
	    dag_id = 'adhoc_export' AND run_id = 'wait-$tag-$svc' AND
	    task_id = 'upload_result'")" "none|scheduled|queued|running|success" \
	    "$svc: the task instance was reset"

	run dag grid --service "$svc" --runs 3 reindex_catalog -o tsv
	is "$rc" 0 "$svc: dag grid"
	is "$(printf '%s\n' "$out" | wc -l)" 46 "$svc: the grid has 45 task rows"
done

# A private simulator: its own schema and addresses, JWTs of 1 s.
host=
for last in $(seq 90 99); do
	a=127.0.0.$last
	(exec 3<>"/dev/tcp/$a/8080") 2>/dev/null && continue
	(exec 3<>"/dev/tcp/$a/8082") 2>/dev/null && continue
	host=$a
	break
done
schema=pt_airflow_$$
/usr/bin/python3 - "$LAB/airflow/sim.json" "$T/sim.json" "$host" "$schema" "$T" <<'EOF'
import json, sys
src, dst, host, schema, tmp = sys.argv[1:]
cfg = json.load(open(src))
cfg["db"]["schema"] = schema
cfg.update({"listen_v1": host + ":8080", "listen_v2": host + ":8082", "jwt_ttl": 1,
            "jwt_secret_file": tmp + "/jwt.key", "fault_file": tmp + "/fault",
            "log_dir": tmp + "/logs", "pace": 0.5})
json.dump(cfg, open(dst, "w"))
EOF
sed -e "s|http://127.0.1.1:8082|http://$host:8082|" -e "s|http://127.0.1.1:8080|http://$host:8080|" \
    "$LAB/lab.conf" >"$T/private.conf"
sim() {
	/usr/bin/python3 "$(dirname "$0")/../../lab/sim/airflow/airflowsim.py" serve --config "$T/sim.json" \
	    >>"$T/sim.log" 2>&1 &
	simpid=$!
	for _ in $(seq 1 300); do
		(exec 3<>"/dev/tcp/$host/8082") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
stop_sim() {
	[ -n "${simpid:-}" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
	simpid=
}
cleanup() {
	stop_sim
	PGPASSWORD=$(cat "$LAB/secrets/pg-airflow") psql -h 127.0.1.1 -U airflow -d airflow \
	    -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
export PLATFORM_TUI_INVENTORY=$T/private.conf
sim
ok $? "a private simulator on $host"

run dag trigger --service airflow --run-id "ttl-$tag" --wait adhoc_export
is "$rc" 0 "3.x: --wait across several 1 s tokens renews them and exits 0"
run dag runs --service airflow --limit 5 -o tsv adhoc_export
like "$out" "ttl-$tag" "3.x: the run is listed"

stop_sim
for svc in airflow airflow2; do
	run dag list --service "$svc" -o tsv
	is "$rc" 0 "$svc: API down: dag list still answers"
	like "$err" "metadata database \\(read-only\\)" "$svc: and says it is read-only"
	like "$out" $'^adhoc_export\t' "$svc: from the dag table"
	run dag runs --service "$svc" --limit 3 -o json adhoc_export
	is "$rc" 0 "$svc: API down: dag runs from dag_run"
	run dag grid --service "$svc" --runs 2 -o tsv reindex_catalog
	is "$rc" 0 "$svc: API down: dag grid from task_instance"
	run dag trigger --service "$svc" adhoc_export
	is "$rc" 5 "$svc: API down: dag trigger is refused (read-only)"
	like "$err" "read-only|refused" "$svc: and says why"
done
sim
run dag list --service airflow -o tsv
is "$rc" 0 "API back: dag list"
is "$err" "" "API back: no read-only note"

done_testing

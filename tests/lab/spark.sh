#!/bin/bash
# TAP: the spark commands and the Kubernetes informer against a private
# instance of the lab's Kubernetes simulator (lab/sim/kube), so that creating,
# deleting and seeding never touch the shared one:
#   lab/lab up && PLATFORM_LAB_DIR=/tmp/platform-lab tests/lab/spark.sh
# An application SUBMITTED -> RUNNING -> COMPLETED with its pods, a FAILED
# one with its message, logs --follow, the Spark UI, watch restarts, a 410
# relist, delete and restart (refused read-only, confirmed, audited), and
# spark pods -o json against kubectl get pods -o json.
set -u
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../../lab/lib/kubesim.sh"
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ] || [ ! -f "$LAB/kube/server.crt" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
HOST=127.0.1.2
TOKEN_FILE=$LAB/secrets/kube-token
CA=$LAB/kube/ca.crt
SIMPID=
cleanup() {
	[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# A private simulator: the lab's certificates and token, short history and
# rare bookmarks (so a watch resumed after a burst of writes gets 410).
kubesim_start "$HOST" "$CA" "$T/sim.out" 50 --dir "$LAB/kube" \
    --token-file "$TOKEN_FILE" --history 300 --bookmark-seconds 30 --log "$T/sim.log"
if [ -z "$SIMPID" ]; then
	echo "1..0 # SKIP cannot start a private Kubernetes simulator"
	exit 0
fi
sed "s|https://[0-9.]*:[0-9]*|https://$HOST:$PORT|" "$LAB/kube/kubeconfig.yaml" >"$T/kubeconfig"
cat >"$T/inv.conf" <<CONF
[platform]
name = spark-test

[node compute]
address = $HOST

[service spark]
kind = spark
node = compute
endpoint = https://$HOST:$PORT/apis/sparkoperator.k8s.io/v1beta2/namespaces/spark-jobs/sparkapplications
ca-file = $CA
kubeconfig = $T/kubeconfig

[service kube]
kind = kube
node = compute
endpoint = https://$HOST:$PORT
ca-file = $CA
secret = file:$TOKEN_FILE
CONF
INV=$T/inv.conf
K() { kubectl --kubeconfig "$T/kubeconfig" "$@"; }
seed() {	# seed N NAMESPACE: pods through the simulator's admin endpoint
	curl -sf --cacert "$CA" -H "Authorization: Bearer $(cat "$TOKEN_FILE")" \
	    -H 'Content-Type: application/json' -d "{\"pods\":$1,\"namespace\":\"$2\"}" \
	    "https://$HOST:$PORT/lab/v1/seed" >/dev/null
}
app() {	# app NAME SECONDS FAIL: a SparkApplication manifest with the pipeline labels
	cat <<JSON
{"apiVersion":"sparkoperator.k8s.io/v1beta2","kind":"SparkApplication",
 "metadata":{"name":"$1","labels":{"platform-tui/dag-id":"kt_dag",
   "platform-tui/run-id":"manual__2026-11-25T10_00_00_00_00","platform-tui/task-id":"$1"},
   "annotations":{"lab.platform-tui/duration-seconds":"$2","lab.platform-tui/fail":"$3"}},
 "spec":{"type":"Scala","mode":"cluster","image":"apache/spark:3.5.3",
   "mainClass":"org.apache.spark.examples.SparkPi",
   "mainApplicationFile":"local:///opt/spark/examples/jars/spark-examples.jar",
   "sparkVersion":"3.5.3","restartPolicy":{"type":"Never"},
   "driver":{"cores":1,"memory":"512m","serviceAccount":"spark"},
   "executor":{"cores":1,"instances":2,"memory":"512m"}}}
JSON
}
wait_line() {	# wait_line FILE PATTERN SECONDS
	for i in $(seq $(($3 * 10))); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Credentials both ways: the kubeconfig's client certificate, and a token.
run -i "$INV" spark apps
is "$rc" 0 "spark apps through the kubeconfig (client certificate blobs)"
like "$out" "gold-daily-aggregate-1124 +spark-jobs +COMPLETED" "the seeded applications are listed"
run -i "$INV" spark apps --service kube -n spark-jobs -o json
is "$rc" 0 "spark apps with endpoint, CA file and bearer token"
like "$out" '"state": "FAILED"' "the JSON view has the states"
like "$out" '"error": "driver container failed' "and the error message of the failed one"

# An application from creation to COMPLETED, seen by two informers whose
# watches the server closes every 2-3 s (restarts), with its pods.
"$PT" -i "$INV" spark watch apps pt-ok --until COMPLETED --for 60s --timeout 2 \
    >"$T/apps.out" 2>"$T/apps.err" &
wa=$!
"$PT" -i "$INV" spark watch pods --selector sparkoperator.k8s.io/app-name=pt-ok \
    --for 25s --timeout 3 >"$T/pods.out" 2>&1 &
wp=$!
wait_line "$T/apps.out" '^SYNCED' 10 && wait_line "$T/pods.out" '^SYNCED' 10
ok $? "both informers list and sync"
app pt-ok 8 false >"$T/pt-ok.json"
K -n spark-jobs create -f "$T/pt-ok.json" >/dev/null 2>&1
ok $? "kubectl creates pt-ok"
wait_line "$T/apps.out" 'pt-ok RUNNING' 15
ok $? "pt-ok reaches RUNNING"
run -i "$INV" spark ui pt-ok jobs
like "$out" "reduce at SparkPi" "spark ui shows the running driver's jobs through the service proxy"
run -i "$INV" spark ui pt-ok executors
like "$out" "driver +true" "and its executors"
run -i "$INV" spark logs pt-ok --follow
is "$rc" 0 "spark logs --follow ends when the driver stops"
like "$out" "Shutdown hook called" "and has the driver's last line"
like "$out" "SparkContext" "and lines written while it ran"
wait $wa
apps=$(cat "$T/apps.out")
is "$(printf '%s\n' "$apps" | awk '$1 != "SYNCED" && $1 != "END" {print $3}' | uniq | tr '\n' ' ')" \
    "NEW SUBMITTED RUNNING SUCCEEDING COMPLETED " "the application goes NEW, SUBMITTED, RUNNING, SUCCEEDING, COMPLETED"
like "$(tail -1 "$T/apps.out")" "^END restarts=[1-9]" "closed watches were reopened (restarts counted)"
ok "$(grep -c 'relists=0' "$T/apps.out" | awk '{print ($1 >= 1) ? 0 : 1}')" "without relisting"
wait $wp
pods=$(cat "$T/pods.out")
like "$pods" "ADDED spark-jobs/pt-ok-driver Pending" "the driver pod appears Pending"
like "$pods" "MODIFIED spark-jobs/pt-ok-driver Running" "then runs"
like "$pods" "MODIFIED spark-jobs/pt-ok-driver Succeeded" "then succeeds"
like "$pods" "ADDED spark-jobs/pt-ok-[0-9a-f]+-exec-1 Pending" "executor pods appear"
like "$pods" "DELETED spark-jobs/pt-ok-[0-9a-f]+-exec-2" "and are removed when the driver ends"

# The task that launched it finds it by labels.
run -i "$INV" spark app-for kt_dag "manual__2026-11-25T10:00:00+00:00" pt-ok
like "$out" "pt-ok +spark-jobs +COMPLETED" "spark app-for finds the application by DAG, run and task labels"
run -i "$INV" spark apps --dag kt_dag --task nothing
is "$(printf '%s\n' "$out" | wc -l)" 1 "an unmatched task gives no rows"
run -i "$INV" spark pods pt-ok
like "$out" "pt-ok-driver +spark-jobs +Succeeded +0/1 .*Completed +driver +pt-ok" \
    "spark pods APP shows the driver: phase, ready, reason, role"

# A failing application: FAILED with the operator's message.
app pt-fail 3 true >"$T/pt-fail.json"
"$PT" -i "$INV" spark watch apps pt-fail --until FAILED --for 40s >"$T/fail.out" 2>&1 &
wf=$!
wait_line "$T/fail.out" '^SYNCED' 10
K -n spark-jobs create -f "$T/pt-fail.json" >/dev/null 2>&1
wait $wf
like "$(cat "$T/fail.out")" "pt-fail FAILED error=driver container failed with ExitCode: 1" \
    "a failing application ends FAILED with its error message"
run -i "$INV" spark apps
like "$out" "pt-fail +spark-jobs +FAILED .*driver container failed" "spark apps shows the error"
run -i "$INV" spark events pt-fail
like "$out" "SparkApplicationFailed" "spark events shows the application's events"
like "$out" "Pod/pt-fail-driver" "and its pods'"
run -i "$INV" spark logs pt-fail --tail 2
is "$(printf '%s\n' "$out" | wc -l)" 2 "spark logs --tail 2 gives two lines"
run -i "$INV" spark logs pt-fail --previous
is "$rc" 1 "spark logs --previous without a previous container fails"
like "$err" "previous terminated container" "with the API server's message"
run -i "$INV" spark logs nope
is "$rc" 1 "logs of an unknown pod fail with exit 1"
like "$err" 'pods "nope" not found' "and the Status message"

# describe: YAML that reads back, and JSON.
run -i "$INV" spark describe pt-fail
is "$rc" 0 "spark describe writes YAML"
is "$(printf '%s\n' "$out" | /usr/bin/python3 -c 'import sys, yaml; d = yaml.safe_load(sys.stdin); print(d["metadata"]["name"], d["status"]["applicationState"]["state"], d["spec"]["sparkVersion"])')" \
    "pt-fail FAILED 3.5.3" "the YAML reads back with its types (sparkVersion stays a string)"
run -i "$INV" spark describe pt-fail -o json
is "$(printf '%s\n' "$out" | /usr/bin/python3 -c 'import sys, json; print(json.load(sys.stdin)["kind"])')" \
    "SparkApplication" "spark describe -o json"

# 410: a watch whose version fell out of the server's history lists again.
"$PT" -i "$INV" spark watch apps --selector nothing=here --for 8s --timeout 2 >"$T/410.out" 2>&1 &
w4=$!
wait_line "$T/410.out" '^SYNCED' 10
seed 1500 pt-seed
wait $w4
like "$(cat "$T/410.out")" "SYNCED 0 relists=1" "after 410 Expired the informer lists again"
like "$(tail -1 "$T/410.out")" "^END restarts=[0-9]+ relists=[1-9]" "and counts the relist"

# spark pods -o json against kubectl get pods -o json: same names and phases.
run -i "$INV" spark pods -A -o json
printf '%s' "$out" | /usr/bin/python3 -c 'import sys, json
for p in json.load(sys.stdin): print(p["namespace"], p["name"], p["phase"])' | sort >"$T/ours"
K get pods -A -o json | /usr/bin/python3 -c 'import sys, json
for p in json.load(sys.stdin)["items"]:
    md = p["metadata"]
    print(md["namespace"], md["name"], "Terminating" if md.get("deletionTimestamp") else p["status"]["phase"])' \
    | sort >"$T/theirs"
is "$(wc -l <"$T/ours")" "$(wc -l <"$T/theirs")" "spark pods -A lists as many pods as kubectl ($(wc -l <"$T/theirs"))"
diff "$T/ours" "$T/theirs" >"$T/diff" 2>&1
ok $? "with the same names and phases (paged by 500)"
[ -s "$T/diff" ] && sed 's/^/# /' "$T/diff" | head -5

# delete and restart: read-only refuses, scripts need --yes, both are audited.
run -i "$INV" --read-only spark delete pt-ok --yes
is "$rc" 5 "spark delete is refused read-only"
run -i "$INV" spark delete pt-ok
is "$rc" 5 "spark delete without --yes is refused"
K -n spark-jobs get sparkapplication pt-ok >/dev/null 2>&1
ok $? "and pt-ok is still there"
"$PT" -i "$INV" spark watch pods pt-fail-driver --until DELETED --for 20s >"$T/del.out" 2>&1 &
wd=$!
wait_line "$T/del.out" '^SYNCED' 10
run -i "$INV" spark restart pt-fail --yes
is "$rc" 0 "spark restart --yes"
like "$out" "restarted sparkapplication spark-jobs/pt-fail" "says so"
wait $wd
like "$(cat "$T/del.out")" "DELETED spark-jobs/pt-fail-driver" "the old driver pod goes"
K -n spark-jobs get sparkapplication pt-fail -o json >"$T/re.json" 2>/dev/null
is "$(/usr/bin/python3 -c 'import sys, json; d = json.load(open(sys.argv[1])); print(d["metadata"]["labels"]["platform-tui/task-id"], d["metadata"]["resourceVersion"] != "")' "$T/re.json")" \
    "pt-fail True" "the application is there again with its labels"
run -i "$INV" spark delete pt-ok --yes
is "$rc" 0 "spark delete --yes"
like "$out" "deleted sparkapplication spark-jobs/pt-ok" "says so"
K -n spark-jobs get sparkapplication pt-ok >/dev/null 2>&1
ok $((! $?)) "pt-ok is gone"
run -i "$INV" spark delete pt-ok --yes
is "$rc" 1 "deleting it again fails with exit 1"
like "$err" "not found" "as not found"
audit=$(cat "$XDG_STATE_HOME/platform-tui/audit.log" 2>/dev/null)
like "$audit" "spark delete pt-ok" "the delete is in the audit log"
like "$audit" "spark restart pt-fail" "and the restart"

# Errors: a wrong token is exit 4, an unreachable server exit 3.
echo wrong >"$T/badtoken"; chmod 600 "$T/badtoken"
sed "s|secret = file:.*|secret = file:$T/badtoken|" "$INV" >"$T/bad.conf"
run -i "$T/bad.conf" spark pods --service kube
is "$rc" 4 "a wrong token is exit 4"
like "$err" "Unauthorized" "with the Status message"
sed "s|:$PORT|:1|g" "$INV" >"$T/down.conf"
run -i "$T/down.conf" spark pods --service kube
is "$rc" 3 "an unreachable API server is exit 3"

# From a DAG task to its application in the shared lab, read-only: a run of
# the lab's Spark DAG (if one ran) and its bronze_to_silver task, with the
# run id as Airflow writes it (':' and '+' are made label-safe).
run -i "$LAB/lab.conf" dag runs process_medallion -o json
lrun=$(printf '%s' "$out" | /usr/bin/python3 -c 'import sys, json
runs = [r for r in json.load(sys.stdin) if r["state"] == "success"]
print(runs[0]["run_id"] if runs else "")' 2>/dev/null)
if [ -n "$lrun" ]; then
	run -i "$LAB/lab.conf" spark app-for process_medallion "$lrun" bronze_to_silver -o json
	like "$out" '"name": "bronze-to-silver-' "spark app-for finds the application Airflow's task launched ($lrun)"
	app1=$(printf '%s' "$out" | /usr/bin/python3 -c 'import sys, json; print(json.load(sys.stdin)[0]["name"])')
	run -i "$LAB/lab.conf" spark pods "$app1" -o json
	like "$out" '"role": "driver"' "and its driver pod"
else
	ok 0 "# SKIP the lab's process_medallion DAG has no successful run"
fi

done_testing

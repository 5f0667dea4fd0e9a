#!/bin/bash
# TAP: the console's Spark pane against the lab's Kubernetes simulator,
# driven through a private tmux server: the applications listed and kept
# current by the watch; the medallion DAG triggered and its application
# appearing and finishing; its pods and the driver's log; describe; the way
# from the Airflow grid's task to its application and back; and 10,000 pods
# in a private simulator (never the shared one) with the pane still answering.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/tmux.sh"

LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
py=/usr/bin/python3
KTOKEN=$(cat "$LAB/secrets/kube-token")
kube() { curl -s --noproxy '*' --max-time 10 --cacert "$LAB/kube/ca.crt" \
    -H "Authorization: Bearer $KTOKEN" "$@"; }
kube https://127.0.1.2:6443/readyz >/dev/null || { echo "1..0 # SKIP the lab's Kubernetes is down"; exit 0; }
AF=http://127.0.1.1:8080/api/v1
AFAUTH="admin:$(cat "$LAB/secrets/airflow")"

export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes"
sock="pt-sparkpane-$$"
T=$(mktemp -d)
tm() { tmux -L "$sock" "$@"; }
simpid=
cleanup() {
	tm kill-server 2>/dev/null
	[ -z "$simpid" ] || kill "$simpid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

keys() { tm send-keys "$@"; }
type() { tm send-keys -l -- "$1"; }
prompt() { keys :; type "$1"; keys Enter; }
filter() { keys /; type "$1"; keys Enter; }

tm -f /dev/null new-session -d -x 200 -y 40 "$PT -i $LAB/lab.conf; echo exit=\$?; sleep 60"
wait_for 'platform-tui +lab' 10
ok $? "the console opens on the lab"

keys 4
wait_for 'sparkapplications +[0-9]+ applications? +watching' 15
ok $? "the Spark pane lists and watches the spark service's applications"
filter events-bronze-to-silver-112
wait_for 'events-bronze-to-silver-1124 +spark-jobs +COMPLETED' 5
ok $? "the lab's seeded applications with their state"
like "$(screen)" 'events-bronze-to-silver-1123 +spark-jobs +FAILED .*driver container failed' \
    "a failed one with its error message"

# The medallion DAG: its Spark task's application appears and finishes.
run=$(curl -s --noproxy '*' --max-time 10 -u "$AFAUTH" -H 'Content-Type: application/json' \
    -X POST "$AF/dags/process_medallion/dagRuns" -d '{"conf": {"from": "tests/lab/sparkpane.sh"}}' |
    $py -c 'import json,sys; print(json.load(sys.stdin)["dag_run_id"])')
like "$run" '.' "process_medallion triggered: $run"
runre=$(printf '%s' "$run" | sed 's/[.+]/\\&/g')
app=
for i in $(seq 90); do
	app=$(kube "https://127.0.1.2:6443/apis/sparkoperator.k8s.io/v1beta2/namespaces/spark-jobs/sparkapplications?labelSelector=platform-tui%2Ftask-id%3Dbronze_to_silver" |
	    $py -c 'import json,sys,re
run = re.sub(r"[^A-Za-z0-9._-]", "_", sys.argv[1])[:63].strip("._-")
for a in json.load(sys.stdin)["items"]:
    if a["metadata"]["labels"].get("platform-tui/run-id") == run:
        print(a["metadata"]["name"])' "$run")
	[ -n "$app" ] && break
	sleep 1
done
like "$app" 'bronze-to-silver' "the run submitted its SparkApplication: $app"
# The shared lab has many applications by now: show only ours.
filter "$app"
wait_for "$app +spark-jobs +(NEW|SUBMITTED|RUNNING|SUCCEEDING|COMPLETED|FAILED)" 10
ok $? "it appears in the pane without a refresh"
wait_for "$app +spark-jobs +(COMPLETED|FAILED)" 120
ok $? "and goes to its final state on the screen"
if screen | grep -qE "$app +spark-jobs +FAILED"; then
	like "$(screen | grep -E "^$app ")" 'driver container failed' "FAILED (5% of runs): with its error"
else
	like "$(screen | grep -E "^$app ")" 'COMPLETED' "COMPLETED"
fi

# Enter: its pods; Enter on the driver: its log.
keys Enter
wait_for "spark-jobs/$app +(COMPLETED|FAILED) +driver $app-driver" 5
ok $? "Enter opens the application: its state and driver"
wait_for "$app-driver +spark-jobs +driver +(Succeeded|Failed)" 10
ok $? "its driver pod with its phase"
filter "$app-driver"
keys Enter
wait_for "spark-jobs/$app-driver +log" 5
ok $? "Enter on the driver opens its log"
wait_for 'INFO SparkContext' 10
ok $? "the log's lines"
wait_for '[0-9]+/[1-9][0-9]* lines' 5
ok $? "and the line count"
keys / ; type "SparkContext"; keys Enter
wait_for 'search: SparkContext' 3
ok $? "/ searches the log"
keys F
wait_for 'follow off|paused|end of log' 3
ok $? "F pauses following"
keys Escape Escape y
wait_for "pod spark-jobs/$app-driver" 5 && wait_for '^kind: Pod' 5
ok $? "y describes the pod as YAML"
keys Escape Y
wait_for '"kind": "Pod"' 5
ok $? "Y as JSON"
keys Escape Escape
wait_for "sparkapplications +[0-9]+ applications" 5
ok $? "Esc goes back to the applications"
keys l
wait_for "spark-jobs/$app-driver +log" 5
ok $? "l on an application opens its driver's log"
keys Escape Escape

# From the Airflow grid: K on the task opens its application; Esc comes back.
keys 3
wait_for 'DAG_ID' 15
filter process_medallion
keys Enter
wait_for "process_medallion › runs" 5
wait_for "$runre" 15
filter "$run"
keys Enter
wait_for "process_medallion › grid" 5
ok $? "the grid of the run"
filter bronze_to_silver
wait_for "^bronze_to_silver " 15
keys K
wait_for "spark-jobs/$app +(COMPLETED|FAILED)" 10
ok $? "K on the Spark task opens the SparkApplication it launched"
keys Escape
wait_for "process_medallion › grid" 5
ok $? "Esc goes back to the grid"
filter wait_for_bronze
wait_for "^wait_for_bronze " 15
keys K
wait_for "no SparkApplication is labelled" 10
ok $? "a task that launched none: a clear message"

keys q q q q q q q q
sleep 1
like "$(screen)" 'exit=0' "q goes back, and quits at the top"
tm kill-server

# 10,000 pods in a private simulator on another port, with the lab's CA and token.
port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.1.2",0)); print(s.getsockname()[1])')
$py "$top_srcdir/lab/sim/kube/kubesim.py" --listen "127.0.1.2:$port" --dir "$LAB/kube" \
    --token-file "$LAB/secrets/kube-token" --seed-pods 10000 --log "$T/kubesim.log" \
    >"$T/kubesim.out" 2>&1 &
simpid=$!
for i in $(seq 100); do
	kube "https://127.0.1.2:$port/readyz" >/dev/null 2>&1 && break
	sleep 0.1
done
cat >"$T/inv.conf" <<EOF
[node compute]
address = 127.0.1.2

[service spark]
kind = spark
node = compute
endpoint = https://127.0.1.2:$port/apis/sparkoperator.k8s.io/v1beta2/namespaces/spark-jobs/sparkapplications
ca-file = $LAB/kube/ca.crt
secret = file:$LAB/secrets/kube-token
EOF
tm -f /dev/null new-session -d -x 200 -y 40 "$PT -i $T/inv.conf; echo exit=\$?; sleep 60"
wait_for 'platform-tui' 10
keys 4
wait_for 'watching' 15
prompt "spark-pane pods bench --selector app=bench"
wait_for '10000 pods +watching' 60
ok $? "10,000 pods listed and watched"
keys G
wait_for 'bench-009999' 10
ok $? "G goes to the last pod"
filter bench-00420
wait_for 'filter: bench-00420' 10
ok $? "the filter answers"
for n in 004201 004202; do
	kube -o /dev/null -X DELETE "https://127.0.1.2:$port/api/v1/namespaces/bench/pods/bench-$n"
done
wait_for 'bench-004201 +bench +Terminating' 10
ok $? "a deleted pod turns Terminating in place"
wait_for '9998 pods +watching' 20
ok $? "and goes: 9998 pods"
keys Escape g
wait_for 'bench-000000' 10
ok $? "keys still answer: g goes to the first pod"
keys Escape

# Restart, the Spark UI, follow and delete on the private simulator's applications.
wait_for 'gold-daily-aggregate-1124 +spark-jobs +COMPLETED' 10
ok $? "the private simulator's applications"
filter gold-daily-aggregate-1124
keys R
wait_for "Run 'spark restart --service spark --namespace spark-jobs gold-daily-aggregate-1124'\\? \\[y/N\\]" 5
ok $? "R asks, naming the spark restart command"
keys y
wait_for 'restarted sparkapplication spark-jobs/gold-daily-aggregate-1124' 10
ok $? "y restarts it"
wait_for 'gold-daily-aggregate-1124 +spark-jobs +RUNNING' 30
ok $? "the watch shows it running again"
keys u
wait_for 'job +0 +RUNNING' 10
ok $? "u shows the Spark UI's jobs through the service proxy"
like "$(screen)" 'stage +0 +ACTIVE' "and its stages"
keys Escape l
wait_for 'lines +following' 10
ok $? "l follows the running driver's log"
keys F
wait_for 'paused \(F follows\)' 5
ok $? "F pauses it"
keys Escape
wait_for 'sparkapplications +[0-9]+ applications' 5
filter events-bronze-to-silver-1123
keys d
wait_for "Run 'spark delete --service spark --namespace spark-jobs events-bronze-to-silver-1123'\\? \\[y/N\\]" 5
ok $? "d asks, naming the spark delete command"
keys n
wait_for 'not confirmed' 5
ok $? "n keeps it"
keys d
wait_for '\[y/N\]' 5
keys y
wait_for '2 applications' 15
ok $? "d and y delete it: the row goes"
keys q q q q q q
sleep 1
like "$(screen)" 'exit=0' "quits cleanly holding the watches"

echo "1..$_n"

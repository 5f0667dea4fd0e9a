#!/bin/bash
# TAP: Debian's kubectl against the Kubernetes API simulator.
# Uses the lab's simulator ($PLATFORM_LAB_DIR/kube/kubeconfig.yaml) when it
# answers, else starts a private one on a free 127.0.0.x port.  Runs get pods
# -A, a watch on driver pods while an app is created, logs (--tail,
# --previous), get sparkapplications, -o json, and auth failures.
#	bash tests/lab/kubectl.sh
set -eu

cd "$(dirname "$0")/../.."
src=$(pwd)
if ! command -v kubectl >/dev/null 2>&1; then
	echo "1..0 # SKIP kubectl is not installed"
	exit 0
fi
PY=/usr/bin/python3
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
tmp=$(mktemp -d /tmp/kubectl-test.XXXXXX)
pid=
cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
	rm -rf "$tmp"
}
trap cleanup EXIT

n=0 failed=0
ok() {	# ok NAME COMMAND...: one TAP line from the command's status
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		failed=$((failed + 1))
	fi
}
has() { grep -qE -- "$2" "$1" || { echo "# no /$2/ in $1:"; sed 's/^/#   /' "$1" | head -20; false; }; }
lacks() { ! grep -qE -- "$2" "$1" || { echo "# unexpected /$2/ in $1"; false; }; }

# answers KUBECONFIG: true when the API server behind it answers /version.
answers() { kubectl --kubeconfig "$1" --cache-dir "$tmp/cache" --request-timeout=3s version >/dev/null 2>&1; }

kc=$LAB/kube/kubeconfig.yaml
if [ -f "$kc" ] && answers "$kc"; then
	echo "# against the lab's simulator ($kc)"
	kct=$LAB/kube/kubeconfig-token.yaml
else
	addr=$($PY -c 'import socket
for i in range(20, 250):
    s = socket.socket()
    try:
        s.bind(("127.0.0.%d" % i, 0)); print("127.0.0.%d %d" % (i, s.getsockname()[1])); break
    except OSError: pass
    finally: s.close()')
	host=${addr% *} port=${addr#* }
	bash lab/sim/kube/setup.sh "$tmp/kube" "$host" "$port" "$tmp/token"
	$PY lab/sim/kube/kubesim.py --listen "$host:$port" --dir "$tmp/kube" --token-file "$tmp/token" \
		--fault-file "$tmp/fault" --log "$tmp/kubesim.log" &
	pid=$!
	kc=$tmp/kube/kubeconfig.yaml kct=$tmp/kube/kubeconfig-token.yaml
	for _ in $(seq 50); do answers "$kc" && break; sleep 0.1; done
	echo "# against a private simulator on $host:$port"
fi
export HOME=$tmp
K() { kubectl --kubeconfig "$kc" --cache-dir "$tmp/cache" "$@"; }
app=kubectl-test-$$

# get pods -A: the table kubectl prints from the server's Table.
# The crash-looping pod runs for 4 s of every 64 s: list again past that window.
for _ in 1 2 3; do
	K get pods -A >"$tmp/pods" 2>&1 || true
	grep -q ' CrashLoopBackOff ' "$tmp/pods" && break
	sleep 2.5
done
ok "get pods -A prints the pod table" has "$tmp/pods" '^NAMESPACE +NAME +READY +STATUS +RESTARTS +AGE$'
ok "get pods -A shows coredns Running in kube-system" has "$tmp/pods" '^kube-system +coredns-[a-z0-9]+-[a-z0-9]+ +1/1 +Running '
ok "get pods -A shows a CrashLoopBackOff pod with restarts" has "$tmp/pods" ' CrashLoopBackOff +[1-9][0-9]* \('
K get pods -A -o wide >"$tmp/wide" 2>&1 || true
ok "get pods -o wide adds IP and NODE (compute, 10.42.x.x)" has "$tmp/wide" ' 10\.42\.[0-9]+\.[0-9]+ +compute '
K get pods -A -o json >"$tmp/json" 2>&1 || true
rows=$(grep -vc '^NAMESPACE' "$tmp/pods" || true)
items=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["items"]) if d["kind"]=="List" else -1)' "$tmp/json" 2>/dev/null || echo -2)
ok "get pods -A -o json holds as many pods ($items) as the table rows ($rows)" [ "$items" = "$rows" ]
K get nodes >"$tmp/nodes" 2>&1 || true
ok "get nodes shows compute Ready" has "$tmp/nodes" '^compute +Ready +control-plane,master '
K get ns >"$tmp/ns" 2>&1 || true
ok "get ns lists spark-jobs and jupyter Active" eval 'has "$tmp/ns" "^spark-jobs +Active" && has "$tmp/ns" "^jupyter +Active"'

# A watch on driver pods while a SparkApplication is created.
cat >"$tmp/app.yaml" <<EOF
apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata:
  name: $app
  namespace: spark-jobs
  labels: {platform-tui/dag-id: kubectl-test}
  annotations: {lab.platform-tui/duration-seconds: "6"}
spec:
  type: Scala
  mode: cluster
  image: apache/spark:3.5.3
  mainClass: org.apache.spark.examples.SparkPi
  mainApplicationFile: local:///opt/spark/examples/jars/spark-examples.jar
  sparkVersion: 3.5.3
  driver: {cores: 1, memory: 512m}
  executor: {cores: 1, instances: 2, memory: 512m}
EOF
timeout 16 kubectl --kubeconfig "$kc" --cache-dir "$tmp/cache" get pods -n spark-jobs \
	-l spark-role=driver -w >"$tmp/watch" 2>&1 &
wpid=$!
sleep 1.5
# kubectl before 1.25 validates on the client with the protobuf OpenAPI v2
# document, which the simulator does not serve (it validates on the server).
validate=""
minor=$(kubectl version --client -o json 2>/dev/null |
    /usr/bin/python3 -c 'import json,sys; print(int(json.load(sys.stdin)["clientVersion"]["minor"].rstrip("+")))' 2>/dev/null) || minor=99
[ "${minor:-99}" -ge 25 ] || validate=--validate=false
K create $validate -f "$tmp/app.yaml" >"$tmp/create" 2>&1 || true
ok "create -f a SparkApplication" has "$tmp/create" "sparkapplication.sparkoperator.k8s.io/$app created"
for _ in $(seq 40); do
	K get pods -n spark-jobs "$app-driver" --no-headers 2>/dev/null | grep -q ' Running ' && break
	sleep 0.25
done
sleep 1
K logs -n spark-jobs "$app-driver" >"$tmp/log" 2>&1 || true
ok "logs of the running driver show Spark starting" has "$tmp/log" 'INFO SparkContext: Running Spark version 3\.5\.3'
K logs -n spark-jobs "$app-driver" --tail 2 >"$tmp/tail" 2>&1 || true
K logs -n spark-jobs "$app-driver" >"$tmp/log" 2>&1 || true
ok "logs --tail 2 prints two lines" [ "$(wc -l <"$tmp/tail")" = 2 ]
timeout 20 kubectl --kubeconfig "$kc" --cache-dir "$tmp/cache" logs -f -n spark-jobs "$app-driver" >"$tmp/follow" 2>&1 || true
ok "logs -f follows the driver to its end" has "$tmp/follow" 'Successfully stopped SparkContext'
wait "$wpid" || true
ok "get pods -l spark-role=driver -w saw the driver appear" has "$tmp/watch" "^$app-driver +0/1 +(Pending|ContainerCreating) "
ok "... and run" has "$tmp/watch" "^$app-driver +1/1 +Running "
ok "... and complete" has "$tmp/watch" "^$app-driver +0/1 +Completed "
ok "... and no executor (selector respected)" lacks "$tmp/watch" '-exec-'
for _ in $(seq 20); do
	K get sparkapplications -n spark-jobs "$app" 2>/dev/null | grep -q COMPLETED && break
	sleep 0.25
done
K get sparkapplications -A >"$tmp/apps" 2>&1 || true
ok "get sparkapplications -A prints the CRD columns" has "$tmp/apps" '^NAMESPACE +NAME +SUSPEND +STATUS +ATTEMPTS +START +FINISH +AGE$'
ok "get sparkapplications -A shows the app COMPLETED" has "$tmp/apps" "^spark-jobs +$app +COMPLETED +1 "
ok "get sparkapplications -A shows a historic FAILED app" has "$tmp/apps" ' FAILED +1 '
K get sparkapp -n spark-jobs "$app" -o jsonpath='{.status.driverInfo.webUIServiceName}' >"$tmp/svc" 2>&1 || true
ok "short name sparkapp and -o jsonpath: driverInfo.webUIServiceName" has "$tmp/svc" "^$app-ui-svc\$"
K get events -n spark-jobs --field-selector involvedObject.name="$app" >"$tmp/events" 2>&1 || true
ok "get events --field-selector involvedObject.name shows SparkApplicationCompleted" has "$tmp/events" 'SparkApplicationCompleted'
crash=$(awk '/CrashLoopBackOff|spark-history-server/ {print $1 " " $2; exit}' "$tmp/pods")
K logs -n ${crash% *} ${crash#* } --previous >"$tmp/prev" 2>&1 || true
ok "logs --previous of the crash-looping pod shows its exception" has "$tmp/prev" 'Exception in thread "main"'
K delete sparkapplication -n spark-jobs "$app" >"$tmp/delete" 2>&1 || true
ok "delete sparkapplication" has "$tmp/delete" "sparkapplication.sparkoperator.k8s.io \"$app\" deleted"
# The pods go through a short terminating phase first.
for _ in $(seq 50); do
	K get pods -n spark-jobs -l "sparkoperator.k8s.io/app-name=$app" >"$tmp/gone" 2>&1 || true
	grep -q 'No resources found' "$tmp/gone" && break
	sleep 0.2
done
ok "its pods are gone" has "$tmp/gone" 'No resources found'

# Auth: the token kubeconfig works, a wrong token does not.
kubectl --kubeconfig "$kct" --cache-dir "$tmp/cache" get ns default >"$tmp/tok" 2>&1 || true
ok "the bearer-token kubeconfig works" has "$tmp/tok" '^default +Active'
sed 's/token: .*/token: wrong/' "$kct" >"$tmp/bad.yaml"
kubectl --kubeconfig "$tmp/bad.yaml" --cache-dir "$tmp/cache2" get pods >"$tmp/bad" 2>&1 || true
ok "a wrong token: kubectl must log in (401)" has "$tmp/bad" 'You must be logged in to the server'

echo "1..$n"
[ "$failed" -eq 0 ]

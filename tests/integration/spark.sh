#!/bin/bash
# The spark commands without a cluster: usage, inventory and kubeconfig errors,
# read-only refusal and confirmation, an unreachable API server (exit 3).
. "$(dirname "$0")/lib.sh"

cat >"$T/kubeconfig" <<'YAML'
apiVersion: v1
clusters:
- cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
  name: c
contexts:
- {name: a, context: {cluster: c, user: u, namespace: etl}}
current-context: a
users:
- {name: u, user: {token: t}}
YAML
printf 'a: [1, 2\n' >"$T/broken.yaml"
cat >"$T/inv.conf" <<CONF
[node n]
address = 127.0.0.1

[service spark]
kind = spark
node = n
endpoint = https://127.0.0.1:1/apis/sparkoperator.k8s.io/v1beta2/namespaces/spark-jobs/sparkapplications
kubeconfig = $T/kubeconfig

[service broken]
kind = kube
node = n
endpoint = https://127.0.0.1:1
kubeconfig = $T/broken.yaml

[service nocontext]
kind = kube
node = n
endpoint = https://127.0.0.1:1
kubeconfig = $T/kubeconfig
context = prod
CONF
cat >"$T/none.conf" <<CONF
[node n]
address = 127.0.0.1
[service db]
kind = postgres
node = n
endpoint = postgresql://127.0.0.1:1/x
CONF

run help
like "$out" "spark apps" "help lists spark apps"
like "$out" "spark restart" "and spark restart"
ok "$(printf '%s' "$out" | grep -q 'spark watch'; echo $((! $?)))" "but not the hidden spark watch"

run -i "$T/none.conf" spark apps
is "$rc" 2 "no spark or kube service is a usage error"
like "$err" "no service of kind spark, kube or k3s" "and says so"
run -i "$T/inv.conf" spark apps --service broken
is "$rc" 2 "a broken kubeconfig is a usage error"
like "$err" "broken.yaml: kubeconfig line 2" "naming the file and line"
run -i "$T/inv.conf" spark pods --service nocontext
is "$rc" 2 "an unknown context is a usage error"
like "$err" "no context named 'prod'" "naming it"
run -i "$T/inv.conf" spark apps
is "$rc" 3 "an API server that does not answer is exit 3"
run -i "$T/inv.conf" spark logs x --tail many
is "$rc" 2 "--tail wants a number"
run -i "$T/inv.conf" spark ui x nothing
is "$rc" 2 "spark ui knows jobs, stages and executors"

run -i "$T/inv.conf" --read-only spark delete etl --yes
is "$rc" 5 "spark delete is refused read-only"
run -i "$T/inv.conf" spark restart etl
is "$rc" 5 "spark restart needs --yes in scripts"
like "$err" "add --yes" "and says so"
run -i "$T/inv.conf" spark delete etl --yes
is "$rc" 3 "confirmed, it goes to the server (unreachable here)"
like "$(cat "$XDG_STATE_HOME/platform-tui/audit.log")" "spark delete etl" "and is audited"

run -i "$T/inv.conf" status nocontext
like "$out" "nocontext .*unknown .*no context named 'prod'" "status says when a service's kubeconfig cannot be used"

done_testing

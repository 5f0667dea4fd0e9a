#!/bin/bash
# TAP: deploy against the lab's three nodes over SSH, with every remote
# path under a temporary root: plan shows the changes, apply makes them and its health
# checks pass against the lab's real ClickHouse, PostgreSQL, Airflow and
# Prometheus, a second apply is empty, and no secret of the lab shows up
# in plans, output, the audit log or on the hosts' stand-in log. apt-get,
# dpkg-query, docker, systemctl, sysctl and nft are recording stand-ins
# under the root; wg, promtool, pg_isready and curl are real.
. "$(dirname "$0")/../integration/lib.sh"

LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
# Each node gets a root of its own: on the lab they are one machine.
sed 's|^\[node \(.*\)\]$|&\ndeploy-root = '"$T"'/\1|' "$LAB/lab.conf" > "$T/lab.conf"
# A lab made before SSH support lacks known-hosts: the lab's own file.
grep -q '^known-hosts' "$T/lab.conf" ||
    sed -i 's|^\[platform\]$|&\nknown-hosts = '"$LAB"'/ssh/known_hosts|' "$T/lab.conf"
R=$T/stand-ins
mkdir -p "$R/usr/local/sbin"
mkdir -p "$T/tmpl"
cp -r "$top_srcdir/plugins/." "$T/tmpl/"
export PLATFORM_TUI_TEMPLATES=$T/tmpl
cat > "$R/usr/local/sbin/docker" <<'SH'
#!/bin/sh
echo "docker $*" >> "$ROOT/standin.log"
case "$*" in *"config -q"*) [ ! -e "$ROOT/fail-docker" ] || { echo "compose: broken" >&2; exit 1; };; esac
# clickhouse-client in a shard: the DDL makes the tables, the test counts them.
case "$*" in
*"--multiquery"*) cat > "$ROOT/ch-ddl.sql";;
*system.tables*) [ ! -s "$ROOT/ch-ddl.sql" ] || grep -c '^CREATE TABLE' "$ROOT/ch-ddl.sql";;
esac
SH
for c in sysctl nft; do
	printf '#!/bin/sh\necho "%s $*" >> "$ROOT/standin.log"\n' "$c" > "$R/usr/local/sbin/$c"
done
cat > "$R/usr/local/sbin/systemctl" <<'SH'
#!/bin/sh
echo "systemctl $*" >> "$ROOT/standin.log"
[ "$1" != is-active ] || echo active
SH
cat > "$R/usr/local/sbin/apt-get" <<'SH'
#!/bin/sh
echo "apt-get $*" >> "$ROOT/standin.log"
mkdir -p "$ROOT/var/lib/standin"
for p; do case $p in -*|install|update) ;; *) : > "$ROOT/var/lib/standin/$p";; esac; done
SH
cat > "$R/usr/local/sbin/dpkg-query" <<'SH'
#!/bin/sh
for p; do :; done
if [ -e "$ROOT/var/lib/standin/$p" ]; then echo "install ok installed"; else /usr/bin/dpkg-query "$@"; fi
SH
# Docker's apt key: the lab has no internet; the stand-in records the fetch.
# The k3s installer: the stand-in installs a recording k3s under the root.
cat > "$R/usr/local/sbin/curl" <<'SH'
#!/bin/sh
case "$*" in *download.docker.com*|*get.k3s.io*)
	echo "curl $*" >> "$ROOT/standin.log"
	while [ $# -gt 0 ]; do [ "$1" = -o ] && o=$2; shift; done
	cat > "$o" <<'INSTALL'
echo "k3s-install $*" >> "$ROOT/standin.log"
mkdir -p "$ROOT/usr/local/bin"
cp "$ROOT/../stand-ins/k3s" "$ROOT/usr/local/bin/k3s"
chmod +x "$ROOT/usr/local/bin/k3s"
INSTALL
	exit 0;;
esac
exec /usr/bin/curl "$@"
SH
# The k3s the installer stand-in puts in place: records, and asks the lab's
# Kubernetes API (the node's API server here) for /readyz as kubectl would.
(umask 077; printf 'Authorization: Bearer %s\n' "$(cat "$LAB/secrets/kube-token")" > "$T/kube-auth")
cat > "$R/k3s" <<SH
#!/bin/sh
echo "k3s \$*" >> "\$ROOT/standin.log"
case "\$*" in *--raw=/readyz*)
	# By the time it is ready, k3s has written its admin kubeconfig.
	[ -s "\$ROOT/etc/rancher/k3s/k3s.yaml" ] || (umask 077; sed 's|server: https://.*|server: https://127.0.0.1:6443|' \
	    "$LAB/kube/kubeconfig.yaml" > "\$ROOT/etc/rancher/k3s/k3s.yaml")
	exec /usr/bin/curl -s --max-time 5 --cacert "$LAB/kube/ca.crt" \\
	    -H @"$T/kube-auth" https://127.0.1.2:6443/readyz;;
esac
cat >/dev/null
SH
chmod +x "$R/usr/local/sbin/"* "$R/k3s"
for n in gateway compute analytics; do
	mkdir -p "$T/$n/usr/local"
	cp -r "$R/usr/local/sbin" "$T/$n/usr/local/"
done

pt() { "$PT" -i "$T/lab.conf" "$@"; }

out=$(pt deploy plan 2>&1); rc=$?
ok $rc "plan of the three nodes"
like "$out" "node gateway" "plan names the gateway"
like "$out" "will change +postgres/stack@oltp-db: 3 of 3 files" "one PostgreSQL stack per service"
like "$out" "will change +clickhouse/config" "ClickHouse on the analytics node"
like "$out" "will change +spark/operator" "the Spark Operator on the compute node"
like "$out" "creates /etc/platform/airflow/sql_alchemy_conn \(secret" "secret files are not shown"
id=$(printf '%s\n' "$out" | sed -n 's/^plan \([^:]*\):.*/\1/p')

out=$(pt deploy apply --yes "$id" 2>&1); rc=$?
ok $rc "apply of the plan"
[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /' | tail -15
for h in restart-postgres@airflow-db restart-postgres@oltp-db restart-airflow \
    reload-prometheus restart-clickhouse restart-docker restart-k3s; do
	like "$out" "$h: healthy" "$h passed its health check"
done
is "$(cat "$T"/*/var/lib/platform-tui/pending/* 2>/dev/null | wc -l)" 0 "no restart left pending"
kc=$XDG_CONFIG_HOME/platform-tui/kubeconfig-lab-compute.yaml
like "$out" "restart-k3s: /etc/rancher/k3s/k3s.yaml saved to $kc \\(mode 0600\\)" "the kubeconfig is fetched once k3s is ready"
is "$(stat -c %a "$kc" 2>&1) $(grep -c 'server: https://127.0.1.2:6443$' "$kc" 2>&1)" "600 1" \
    "kept 0600 with its server at the compute node's private address"
cat > "$T/kc.conf" <<KC
[platform]
name = kc
[node compute]
address = 127.0.1.2
[service spark]
kind = spark
node = compute
endpoint = https://127.0.1.2:6443/apis/sparkoperator.k8s.io/v1beta2/namespaces/spark-jobs/sparkapplications
kubeconfig = $kc
KC
"$PT" -i "$T/kc.conf" spark apps >/dev/null 2>&1
ok $? "spark apps through the fetched kubeconfig"
out=$(pt deploy apply --yes 2>&1)
like "$out" "nothing to change" "second apply changes nothing"
promtool check config "$T/gateway/etc/prometheus/prometheus.yml" >/dev/null 2>&1
ok $? "promtool accepts the generated Prometheus config"
is "$(sed -n 's/^PublicKey = //p' "$T/compute/etc/wireguard/wg0.conf")" \
    "$(wg pubkey < "$T/gateway/etc/wireguard/private.key")" \
    "over SSH, the first apply made every key and compute's wg0.conf names the gateway's"

A=$T/analytics
echo "# a test change" >> "$T/tmpl/platform/deploy/sysctl.conf.tmpl"
out=$(pt deploy plan analytics 2>&1)
diff=$(printf '%s\n' "$out" | sed -n '/^    --- /,/^  [a-z]/p' | grep -v '^  [a-z]')
is "$diff" "    --- a/etc/sysctl.d/60-platform-tui.conf
    +++ b/etc/sysctl.d/60-platform-tui.conf
    @@ -2,3 +2,4 @@
     # The gateway routes between the VPN, WireGuard and the private network.
     net.ipv4.ip_forward = 1
     net.ipv6.conf.all.forwarding = 1
    +# a test change" "over SSH, a changed template shows exactly that diff"
id=$(printf '%s\n' "$out" | sed -n 's/^plan \([^:]*\):.*/\1/p')
echo "# edited by hand" >> "$A/etc/sysctl.d/60-platform-tui.conf"
out=$(pt deploy apply --yes "$id" 2>&1)
like "$out" "plan $id is stale: the facts of analytics changed" "a stale plan is refused"

mkdir "$T/gateway/var/lib/platform-tui/deploy.lock"
printf 'id=20260101T000000-abcdef\nuser=other\n' > "$T/gateway/var/lib/platform-tui/deploy.lock/info"
start=$(date +%s%N)
out=$(pt deploy apply --yes --lock-wait 2s analytics 2>&1); rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
ok $([ $rc -eq 1 ] && [ "$ms" -ge 2000 ]; echo $?) "a held lock on the gateway blocks apply until the wait times out ($ms ms)"
pt deploy unlock --yes 20260101T000000-abcdef >/dev/null 2>&1
ok $([ ! -e "$T/gateway/var/lib/platform-tui/deploy.lock" ]; echo $?) "unlock releases it"

sed -i 's/<count>3</<count>4</' "$T/tmpl/clickhouse/deploy/config.xml.tmpl"
: > "$A/fail-docker"
out=$(pt deploy apply --yes analytics 2>&1); rc=$?
ok $([ $rc -eq 1 ] && [ -e "$A/var/lib/platform-tui/pending/restart-clickhouse" ]; echo $?) \
    "a failure mid-apply leaves the restart pending on the host"
rm -f "$A/fail-docker"
out=$(pt deploy apply --yes analytics 2>&1)
ok $([ ! -e "$A/var/lib/platform-tui/pending/restart-clickhouse" ]; echo $?) "the next apply runs it"
like "$out" "restart-clickhouse: healthy" "and its health check passes"
pt deploy rollback --yes clickhouse >/dev/null 2>&1
ok $(grep -q '<count>3<' "$A/etc/clickhouse/shard1/config.xml"; echo $?) "rollback restores the previous file"

/usr/bin/python3 -c 'import sys, yaml; c = yaml.safe_load(open(sys.argv[1])); assert c["node-ip"] == "127.0.1.2" and c["disable"] == ["traefik"], c' \
    "$T/compute/etc/rancher/k3s/config.yaml"
ok $? "k3s config.yaml names the compute node's address and turns traefik off"
is "$(stat -c %a "$T/compute/etc/rancher/k3s/config.yaml")" 600 "k3s config is 0600"

n=0
for f in "$LAB"/secrets/*; do
	s=$(head -n1 "$f")
	[ ${#s} -ge 6 ] || continue
	grep -rqF -- "$s" "$T/state" "$T"/*/standin.log 2>/dev/null && n=$((n + 1))
	printf '%s\n' "$out" | grep -qF -- "$s" && n=$((n + 1))
done
is "$n" 0 "no lab secret in plans, output, the audit log or the remote log"
done_testing

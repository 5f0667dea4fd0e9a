#!/bin/bash
# Every config the recipes generate, checked by the real tool: two real
# clickhouse-server shards started from the generated shard configs answer
# a Distributed query over both (with the generated password), and the
# compose file passes docker-compose config -q when it is installed. The
# gateway's files too: every compose file through docker-compose, the
# Prometheus config through promtool, a real PostgreSQL started with the
# generated settings, and the Airflow keys made on the host in their format.
. "$(dirname "$0")/lib.sh"

R=$T/root
ADDR=127.0.5.1
SECRET='Ch-valid8-secret'
mkdir -p "$R/usr/local/sbin"
for c in apt-get sysctl nft docker systemctl curl; do
	printf '#!/bin/sh\necho "%s $*" >> "$ROOT/standin.log"\n' "$c" > "$R/usr/local/sbin/$c"
done
printf '#!/bin/sh\nexit 0\n' > "$R/usr/local/sbin/dpkg-query"
printf '#!/bin/sh\necho "curl $*" >> "$ROOT/standin.log"; echo 2\n' > "$R/usr/local/sbin/curl"
chmod +x "$R/usr/local/sbin/"*
printf '%s\n' "$SECRET" > "$T/ch-secret"
chmod 600 "$T/ch-secret"
# docker compose up starts two real clickhouse-server shards from the
# generated configs (paths as the compose file's volumes map them into the
# containers); exec in a shard runs the real clickhouse-client with the
# generated client.xml. Without ClickHouse here, exec emulates the tables.
cat > "$R/usr/local/sbin/docker" <<'SH'
#!/bin/bash
echo "docker $*" >> "$ROOT/standin.log"
case "$*" in
*" up -d"*)
	command -v clickhouse-server >/dev/null && [ -f "$ROOT/etc/clickhouse/shard1/config.xml" ] || exit 0
	for n in 1 2; do
		[ "$(curl -s --max-time 1 "http://$CH_ADDR:$((18122 + n))/ping")" != Ok. ] || continue
		d=$CH_DIR/ch$n
		mkdir -p "$d/data" "$d/log"
		sed -e "s|/var/lib/clickhouse/|$d/data/|g" \
		    -e "s|/etc/clickhouse-server/users.xml|$ROOT/etc/clickhouse/users.xml|" \
		    -e "s|/var/log/clickhouse-server/|$d/log/|g" \
		    "$ROOT/etc/clickhouse/shard$n/config.xml" > "$d/config.xml"
		(cd "$d" && exec setsid clickhouse-server --config-file="$d/config.xml" \
		    </dev/null >"$d/log/stdout.log" 2>&1) &
		echo $! >> "$CH_DIR/ch-pids"
	done;;
*"exec -T shard"*)
	shift 7
	if command -v clickhouse-client >/dev/null; then
		exec clickhouse-client --config-file "$ROOT/etc/clickhouse/client.xml" "$@"
	fi
	case "$*" in
	*--multiquery*) cat > "$ROOT/ch-ddl.sql";;
	*system.tables*) [ ! -s "$ROOT/ch-ddl.sql" ] || grep -c '^CREATE TABLE' "$ROOT/ch-ddl.sql";;
	esac;;
esac
exit 0
SH
chmod +x "$R/usr/local/sbin/docker"
export CH_ADDR=$ADDR CH_DIR=$T
trap 'kill -9 $(cat "$T/ch-pids" 2>/dev/null) 2>/dev/null; rm -rf "$T"' EXIT
cat > "$T/inv.conf" <<EOF
[platform]
name = v
deploy-root = $R
[node analytics]
address = $ADDR
roles = clickhouse
[service clickhouse]
kind = clickhouse
node = analytics
endpoint shard1 = http://$ADDR:18123
endpoint shard2 = http://$ADDR:18124
user = default
secret = file:$T/ch-secret
database = lakehouse
cluster = lab
EOF
export PLATFORM_TUI_TEMPLATES=$top_srcdir/plugins
"$PT" -i "$T/inv.conf" deploy apply --local --yes clickhouse >"$T/apply.out" 2>&1
ok $? "apply writes the ClickHouse files and creates the tables"
out=$("$PT" -i "$T/inv.conf" deploy apply --local --yes clickhouse 2>&1)
ok $(printf '%s\n' "$out" | grep -q "clickhouse/tables"; [ $? -eq 1 ]; echo $?) \
    "a second apply finds the tables there (its test asks both real shards)"
like "$(cat "$R/etc/clickhouse/lakehouse.sql")" "Distributed\(lab, lakehouse, orders_daily_local" \
    "the Distributed tables read cluster lab"
ok $(! grep -q zookeeper "$R/etc/clickhouse/shard1/config.xml" && [ ! -e "$R/etc/clickhouse/keeper.xml" ]; echo $?) \
    "no Keeper without keeper = yes"

# keeper = yes: Keeper's config and the shards' <zookeeper> section, checked
# as XML only: this ClickHouse (18.16) has no Keeper to run them with.
K=$T/kroot
mkdir -p "$K/usr/local/sbin"
cp "$R/usr/local/sbin/"* "$K/usr/local/sbin/"
sed -e "s|^deploy-root = .*|deploy-root = $K|" -e 's/^cluster = lab$/cluster = lab\nkeeper = yes/' \
    "$T/inv.conf" > "$T/k.conf"
"$PT" -i "$T/k.conf" deploy apply --local --yes clickhouse >"$T/k.out" 2>&1
ok $? "apply with keeper = yes"
like "$(cat "$T/k.out")" "clickhouse/keeper: 1 of 1 file" "keeper = yes adds the Keeper step"
/usr/bin/python3 - "$K" <<'PY'
import sys, xml.etree.ElementTree as ET
k = sys.argv[1]
keeper = ET.parse(f"{k}/etc/clickhouse/keeper.xml").getroot().find("keeper_server")
assert keeper.find("tcp_port").text == "9181", keeper
assert keeper.find("raft_configuration/server/hostname").text == "127.0.5.1"
for n in (1, 2):
    zk = ET.parse(f"{k}/etc/clickhouse/shard{n}/config.xml").getroot().find("zookeeper/node")
    assert zk.find("host").text == "127.0.5.1" and zk.find("port").text == "9181"
PY
ok $? "keeper.xml and the shards' <zookeeper> sections parse as XML and agree"
if command -v docker-compose >/dev/null; then
	docker-compose -f "$K/opt/platform/clickhouse/compose.yml" config -q 2>"$T/dc.err"
	ok $? "docker-compose config -q accepts the compose file with Keeper"
fi

if command -v docker-compose >/dev/null; then
	docker-compose -f "$R/opt/platform/clickhouse/compose.yml" config -q 2>"$T/dc.err"
	ok $? "docker-compose config -q accepts the compose file"
else
	ok 0 "# SKIP docker-compose not installed"
fi

# The gateway: two PostgreSQL services, Airflow, Prometheus, Docker.
G=$T/groot
mkdir -p "$G/usr/local"
cp -r "$R/usr/local/sbin" "$G/usr/local/"
printf '#!/bin/sh\necho "systemctl $*" >> "$ROOT/standin.log"; [ "$1" != is-active ] || echo active\n' \
    > "$G/usr/local/sbin/systemctl"
printf '#!/bin/sh\necho "pg_isready $*" >> "$ROOT/standin.log"; echo "$2:$4 - accepting connections"\n' \
    > "$G/usr/local/sbin/pg_isready"
printf '#!/bin/sh\necho "curl $*" >> "$ROOT/standin.log"; for a; do :; done; case $a in *download*) ;; *) printf 200;; esac\n' \
    > "$G/usr/local/sbin/curl"
# docker: records, and says each stack's database container runs.
printf '#!/bin/sh\necho "docker $*" >> "$ROOT/standin.log"; case "$*" in *"ps -q"*) echo 4f1c2a;; esac\n' \
    > "$G/usr/local/sbin/docker"
chmod +x "$G/usr/local/sbin/"*
printf 'Pg-airflow-9z\n' > "$T/pg-airflow"; printf 'Pg-oltp-4q\n' > "$T/pg-oltp"
chmod 600 "$T/pg-airflow" "$T/pg-oltp"
cat > "$T/gw.conf" <<EOF
[platform]
name = v
deploy-root = $G
[node gateway]
address = 127.0.5.2
roles = gateway, postgres, airflow, prometheus
[service airflow]
kind = airflow
node = gateway
endpoint = http://127.0.5.2:8080
health = /api/v2/monitor/health
[service airflow-db]
kind = postgres
node = gateway
endpoint = postgresql://127.0.5.2:5432/airflow
user = airflow
database = airflow
secret = file:$T/pg-airflow
[service oltp-db]
kind = postgres
node = gateway
endpoint = postgresql://127.0.5.2:5433/shop
user = app
database = shop
secret = file:$T/pg-oltp
[service prometheus]
kind = prometheus
node = gateway
endpoint = http://127.0.5.2:9090
[service node-exporter]
kind = node-exporter
node = gateway
endpoint gateway = http://127.0.5.2:9100
EOF
"$PT" -i "$T/gw.conf" deploy apply --local --yes >"$T/gw.out" 2>&1
ok $? "apply writes the gateway's files"
if command -v docker-compose >/dev/null; then
	for f in postgres/airflow-db postgres/oltp-db airflow; do
		docker-compose -f "$G/opt/platform/$f/compose.yml" config -q 2>"$T/dc.err"
		ok $? "docker-compose config -q accepts $f/compose.yml"
	done
else
	ok 0 "# SKIP docker-compose not installed"
fi
if command -v promtool >/dev/null; then
	promtool check config "$G/etc/prometheus/prometheus.yml" >/dev/null 2>&1
	ok $? "promtool check config accepts prometheus.yml"
fi
dump=$(grep -n 'exec -T db pg_dump -U airflow -Fc airflow' "$G/standin.log" | head -1 | cut -d: -f1)
up=$(grep -n 'airflow/compose.yml up -d' "$G/standin.log" | head -1 | cut -d: -f1)
ok $([ -n "$dump" ] && [ -n "$up" ] && [ "$dump" -lt "$up" ] && ls "$G"/var/backups/platform/airflow-*.dump >/dev/null 2>&1; echo $?) \
    "the Airflow metadata database is dumped before the stack that migrates it"
/usr/bin/python3 -c 'import base64, sys; k = open(sys.argv[1]).read().strip(); assert len(base64.urlsafe_b64decode(k)) == 32' \
    "$G/etc/platform/airflow/fernet_key"
ok $? "the Fernet key made on the host is 32 url-safe base64 bytes"
is "$(stat -c %a "$G/etc/platform/airflow/fernet_key") $(stat -c %a "$G/etc/platform/postgres/oltp-db/password")" \
    "600 600" "keys and passwords are 0600"
is "$(cat "$G/etc/platform/postgres/oltp-db/password")" "Pg-oltp-4q" "the password file holds the secret"
n=$(grep -rlF -e Pg-oltp-4q -e Pg-airflow-9z "$T/gw.out" "$G/standin.log" "$T/state" 2>/dev/null | wc -l)
is "$n" 0 "no password in the output, the plans or the remote log"

# MinIO: the image by digest (a made-up but well-formed one, in this test
# inventory only); a tag is refused before anything is written.
M=$T/mroot
mkdir -p "$M/usr/local"
cp -r "$G/usr/local/sbin" "$M/usr/local/"
printf 'Minio-r00t-5k\n' > "$T/minio"
chmod 600 "$T/minio"
digest=$(printf 'platform-tui test digest' | sha256sum | cut -d' ' -f1)
cat > "$T/m.conf" <<EOF
[platform]
name = v
deploy-root = $M
[node gateway]
address = 127.0.5.2
roles = minio
[service minio]
kind = minio
node = gateway
endpoint = http://127.0.5.2:9000
endpoint console = http://127.0.5.2:9001
user = platform
secret = file:$T/minio
image = quay.io/minio/minio@sha256:$digest
bucket = lakehouse
EOF
"$PT" -i "$T/m.conf" deploy apply --local --yes minio >"$T/m.out" 2>&1
ok $? "apply writes MinIO's files"
like "$(cat "$M/opt/platform/minio/minio/compose.yml")" "image: quay.io/minio/minio@sha256:$digest" \
    "the compose file takes the image from the inventory"
if command -v docker-compose >/dev/null; then
	docker-compose -f "$M/opt/platform/minio/minio/compose.yml" config -q 2>"$T/dc.err"
	ok $? "docker-compose config -q accepts minio/compose.yml"
fi
is "$(stat -c %a "$M/etc/platform/minio/minio/root_password") $(cat "$M/etc/platform/minio/minio/root_password")" \
    "600 Minio-r00t-5k" "the root password reaches the host as a 0600 file"
n=$(grep -rlF Minio-r00t-5k "$T/m.out" "$M/standin.log" "$M/opt" "$T/state" 2>/dev/null | wc -l)
is "$n" 0 "and nowhere else"
sed -e "s|^image = .*|image = quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z|" \
    -e "s|^deploy-root = .*|deploy-root = $T/m2|" "$T/m.conf" > "$T/m2.conf"
mkdir -p "$T/m2/usr/local"
cp -r "$G/usr/local/sbin" "$T/m2/usr/local/"
out=$("$PT" -i "$T/m2.conf" deploy plan --local minio 2>&1); rc=$?
ok $([ $rc -ne 0 ]; echo $?) "a MinIO image given by tag is refused (exit $rc)"
like "$out" "image 'quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z' is not pinned by digest; give image = quay.io/minio/minio@sha256:" \
    "with a message that says what to write"
ok $([ ! -e "$T/m2/opt" ]; echo $?) "before anything is written"

# The medallion DAGs: rendered with the inventory's S3 endpoint and bucket,
# Spark namespace and ClickHouse, compiled by the real Python, imported with
# a stub airflow package (Airflow is not installed here) that records the
# DAGs and their tasks, and a Spark task's manifest parsed as YAML.
A=$T/aroot
mkdir -p "$A/usr/local"
cp -r "$G/usr/local/sbin" "$A/usr/local/"
sed -e "s|^deploy-root = .*|deploy-root = $A|" "$T/gw.conf" > "$T/a.conf"
cat >> "$T/a.conf" <<EOF
[service s3]
kind = minio
node = gateway
endpoint = http://127.0.5.2:9000
user = platform
secret = file:$T/minio
image = quay.io/minio/minio@sha256:$digest
bucket = lake
[node analytics]
address = 127.0.5.1
roles = clickhouse
[service clickhouse]
kind = clickhouse
node = analytics
endpoint shard1 = http://127.0.5.1:18123
endpoint shard2 = http://127.0.5.1:18124
database = lakehouse
[service spark]
kind = spark
node = gateway
endpoint = https://127.0.5.2:6443
namespace = spark-etl
EOF
"$PT" -i "$T/a.conf" deploy apply --local --yes airflow >"$T/a.out" 2>&1
ok $? "apply writes the medallion DAGs"
D=$A/opt/platform/airflow/dags
for f in platform_medallion medallion_ingest medallion_transform medallion_publish; do
	/usr/bin/python3 -m py_compile "$D/$f.py" 2>>"$T/pyc.err"
	ok $? "py_compile accepts $f.py"
done
S=$T/stub
mkdir -p "$S/airflow/providers/standard/operators" "$S/airflow/operators" "$S/airflow/hooks"
cat > "$S/airflow/__init__.py" <<'PY'
"""A stub of Airflow that records DAGs, tasks and their dependencies."""
DAGS = []
_current = []


class Asset:
    def __init__(self, uri):
        self.uri = uri

    def __eq__(self, other):
        return isinstance(other, Asset) and other.uri == self.uri

    def __hash__(self):
        return hash(self.uri)


class DAG:
    def __init__(self, dag_id, schedule=None, **kw):
        self.dag_id, self.schedule, self.kw, self.tasks = dag_id, schedule, kw, {}
        DAGS.append(self)

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *a):
        _current.pop()


class BaseOperator:
    def __init__(self, task_id, outlets=(), **kw):
        self.task_id, self.outlets, self.kw = task_id, list(outlets), kw
        self.upstream, self.dag = set(), _current[-1]
        self.dag.tasks[task_id] = self

    def __rshift__(self, other):
        other.upstream.add(self.task_id)
        return other


class PythonOperator(BaseOperator):
    def __init__(self, task_id, python_callable, op_kwargs=None, **kw):
        super().__init__(task_id, **kw)
        self.python_callable, self.op_kwargs = python_callable, op_kwargs or {}
PY
printf 'from airflow import DAG, Asset\n' > "$S/airflow/sdk.py"
printf 'from airflow import Asset as Dataset\n' > "$S/airflow/datasets.py"
: > "$S/airflow/providers/__init__.py"; : > "$S/airflow/providers/standard/__init__.py"
: > "$S/airflow/providers/standard/operators/__init__.py"
printf 'from airflow import PythonOperator\n' > "$S/airflow/providers/standard/operators/python.py"
/usr/bin/python3 - "$S" "$D" > "$T/dags.out" 2>&1 <<'PY'
import importlib, sys, yaml
sys.path[:0] = sys.argv[1:3]
import airflow
for m in ("medallion_ingest", "medallion_transform", "medallion_publish"):
    importlib.import_module(m)
dags = {d.dag_id: d for d in airflow.DAGS}
assert sorted(dags) == ["medallion_ingest", "medallion_publish", "medallion_transform"], dags
ing, tr, pub = dags["medallion_ingest"], dags["medallion_transform"], dags["medallion_publish"]
assert sorted(ing.tasks) == ["ingest_events", "ingest_orders"]
assert sorted(tr.tasks) == ["bronze_to_silver", "silver_to_gold"]
assert tr.tasks["silver_to_gold"].upstream == {"bronze_to_silver"}
assert sorted(pub.tasks) == ["load_events_hourly", "load_orders_daily"]
# The chain: ingest's outlets schedule transform, its gold outlets schedule publish.
assert set(tr.schedule) == {a for t in ing.tasks.values() for a in t.outlets}
assert set(pub.schedule) <= {a for t in tr.tasks.values() for a in t.outlets}
assert all(a.uri.startswith("s3a://lake/") for a in tr.schedule), tr.schedule
# A Spark task's manifest, as it would submit it, through YAML.
import platform_medallion as pm
sent = []
pm.submit_and_wait = lambda m: sent.append(yaml.safe_dump(m)) or m["metadata"]["name"]
task = tr.tasks["bronze_to_silver"]
ctx = {"dag": tr, "run_id": "manual__2026-11-25T10:00:00+00:00", "task": task,
       "ds": "2026-11-25"}
task.python_callable(**ctx)
app = yaml.safe_load(sent[0])
labels = app["metadata"]["labels"]
assert labels == {"platform-tui/dag-id": "medallion_transform",
                  "platform-tui/run-id": "manual__2026-11-25T10_00_00_00_00",
                  "platform-tui/task-id": "bronze_to_silver"}, labels
assert app["spec"]["driver"]["labels"] == labels == app["spec"]["executor"]["labels"]
assert app["kind"] == "SparkApplication" and app["metadata"]["namespace"] == "spark-etl"
assert app["spec"]["sparkConf"]["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.5.2:9000"
assert app["spec"]["arguments"] == ["s3a://lake/bronze", "s3a://lake/silver", "2026-11-25"]
assert pm.CLICKHOUSE_URL == "http://127.0.5.1:18123/" and pm.CLICKHOUSE_DATABASE == "lakehouse"
assert pm.label_safe("-" + "x" * 70) == "x" * 62
print("ok")
PY
ok $? "the stub sees ingest -> transform (bronze_to_silver >> silver_to_gold) -> publish, and the manifest's labels are label-safe"
n=$(grep -rlF -e Minio-r00t-5k -e Pg-airflow-9z "$D" 2>/dev/null | wc -l)
is "$n" 0 "no secret in the DAG files"

# The compute node's manifests: every document is YAML with a kind, the
# HelmChart's values name the job namespace.
C=$T/croot
mkdir -p "$C/usr/local"
cp -r "$R/usr/local/sbin" "$C/usr/local/"
printf '#!/bin/sh\necho "k3s $*" >> "$ROOT/standin.log"; cat >/dev/null\n' > "$C/usr/local/sbin/k3s"
chmod +x "$C/usr/local/sbin/k3s"
cat > "$T/c.conf" <<EOF
[platform]
name = v
deploy-root = $C
[node compute]
address = 127.0.5.3
roles = k3s, spark, jupyter
[service s3]
kind = s3
node = compute
endpoint = http://127.0.5.1:8081
EOF
"$PT" -i "$T/c.conf" deploy apply --local --yes spark jupyter >"$T/c.out" 2>&1
ok $? "apply writes the Spark Operator and Jupyter manifests"
/usr/bin/python3 - "$C/var/lib/rancher/k3s/server/manifests" <<'PY'
import sys, yaml
d = sys.argv[1]
docs = [x for f in ("spark-operator.yaml", "jupyter.yaml")
        for x in yaml.safe_load_all(open(f"{d}/{f}")) if x]
assert all("apiVersion" in x and "kind" in x for x in docs), docs
chart = [x for x in docs if x["kind"] == "HelmChart"][0]
values = yaml.safe_load(chart["spec"]["valuesContent"])
assert values["spark"]["jobNamespaces"] == ["spark-jobs"], values
dep = [x for x in docs if x["kind"] == "Deployment"][0]
args = dep["spec"]["template"]["spec"]["containers"][0]["env"][2]["value"]
assert "fs.s3a.endpoint=http://127.0.5.1:8081" in args and "path.style.access=true" in args, args
PY
ok $? "the manifests parse, the HelmChart watches spark-jobs, Jupyter's Spark reads S3 path-style"
like "$(cat "$C/standin.log")" "create secret generic jupyter-token --from-file=token=" \
    "Jupyter's token goes into the cluster from a file made on the host"

# The VPN: a PKI made on the host with the real easy-rsa, the server config
# checked by openvpn, a client profile from vpn client add; as root, a real
# server from the generated config and a client from the profile, each in a
# network namespace of its own, and an HTTP answer through the tunnel.
N=$T/vroot
mkdir -p "$N/usr/local"
cp -r "$G/usr/local/sbin" "$N/usr/local/"
cat > "$T/v.conf" <<EOF
[platform]
name = v
deploy-root = $N
[node gateway]
address = 10.10.0.1
public-address = 10.201.$(( $$ % 200 )).1
roles = vpn
EOF
"$PT" -i "$T/v.conf" deploy apply --local --yes openvpn >"$T/v.out" 2>&1
ok $? "apply makes the PKI and the OpenVPN server config"
like "$(cat "$N/etc/openvpn/server/platform.conf")" 'push "route 10.10.0.0 255.255.255.0"' \
    "the private network is pushed to clients"
"$PT" -i "$T/v.conf" vpn client add alice --local --out "$T/alice.ovpn" >"$T/va.out" 2>&1
ok $? "vpn client add writes a profile"
is "$(stat -c %a "$T/alice.ovpn")" 600 "the profile is 0600"
is "$(grep -c -e '^<ca>' -e '^<cert>' -e '^<key>' -e '^<tls-crypt>' "$T/alice.ovpn")" 4 \
    "CA, certificate, key and tls-crypt key inline"
openvpn --config "$T/alice.ovpn" --verb 1 --show-ciphers >/dev/null 2>&1
ok $? "openvpn parses the profile"
ok $(grep -rqF -- "$(sed -n '/BEGIN PRIVATE KEY/,+1p' "$T/alice.ovpn" | tail -1)" "$T/va.out" "$T/state" "$N/standin.log" 2>/dev/null; [ $? -ne 0 ]; echo $?) \
    "the client key is in the profile only"
if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip >/dev/null; then
	S=ptvs$$ C=ptvc$$ net=10.201.$(( $$ % 200 ))
	ip netns add $S && ip netns add $C &&
	ip link add vs$$ netns $S type veth peer name vc$$ netns $C &&
	ip -n $S addr add $net.1/24 dev vs$$ && ip -n $S link set vs$$ up &&
	ip -n $C addr add $net.2/24 dev vc$$ && ip -n $C link set vc$$ up &&
	ip -n $S link set lo up && ip -n $C link set lo up
	ok $? "two namespaces joined by a veth pair"
	(cd "$N/etc/openvpn/server" && exec ip netns exec $S openvpn --config platform.conf \
	    --status "$T/vstatus" --management "$T/vmgmt.sock" unix --log "$T/vserver.log" \
	    </dev/null >/dev/null 2>&1) &
	sp=$!
	disown $sp 2>/dev/null
	(exec ip netns exec $C openvpn --config "$T/alice.ovpn" --log "$T/vclient.log" \
	    </dev/null >/dev/null 2>&1) &
	cp=$!
	disown $cp 2>/dev/null
	for i in $(seq 100); do
		grep -q "Initialization Sequence Completed" "$T/vclient.log" 2>/dev/null && break
		sleep 0.1
	done
	# No ping here: an HTTP server on the server's tunnel address answers instead.
	mkdir -p "$T/www" && echo pong > "$T/www/index.html"
	(exec ip netns exec $S /usr/bin/python3 -m http.server 18080 --bind 10.8.0.1 \
	    --directory "$T/www" </dev/null >/dev/null 2>&1) &
	hp=$!
	disown $hp 2>/dev/null
	got=
	for i in $(seq 30); do
		got=$(ip netns exec $C curl -s --max-time 1 http://10.8.0.1:18080/ 2>/dev/null) &&
		    [ "$got" = pong ] && break
		sleep 0.1
	done
	is "$got" pong "a real server from the generated config and a client from the profile talk through the tunnel"
	kill $sp $cp $hp 2>/dev/null
	sleep 0.2
	ip netns del $S; ip netns del $C
else
	ok 0 "# SKIP not root: no OpenVPN server in a namespace"
fi

# nginx: the generated configuration passes nginx -t (the recipe's own
# check), and a real nginx started from it (by the systemctl stand-in, as
# systemd would) answers the recipe's health check over TLS.
W=$T/wroot
mkdir -p "$W/usr/local"
cp -r "$R/usr/local/sbin" "$W/usr/local/"
rm -f "$W/usr/local/sbin/curl"
cat > "$W/usr/local/sbin/systemctl" <<'SH'
#!/bin/sh
echo "systemctl $*" >> "$ROOT/standin.log"
case "$*" in *nginx*) exec nginx -p "$ROOT/etc/nginx/" -c "$ROOT/etc/nginx/nginx.conf";; esac
SH
chmod +x "$W/usr/local/sbin/systemctl"
cat > "$T/w.conf" <<EOF
[platform]
name = v
deploy-root = $W
[node web]
address = 127.0.5.4
roles = nginx
[service grafana]
kind = grafana
node = web
endpoint = http://127.0.5.4:3000
EOF
if command -v nginx >/dev/null && [ "$(id -u)" = 0 ]; then
	"$PT" -i "$T/w.conf" deploy apply --local --yes nginx >"$T/w.out" 2>&1
	ok $? "apply writes nginx's config, nginx -t passes, and the real nginx answers its health check"
	like "$(cat "$T/w.out")" "reload-nginx: healthy" "the health check is nginx's own answer over TLS"
	like "$(cat "$W/etc/nginx/conf.d/platform.conf")" "proxy_pass http://127.0.5.4:3000;" \
	    "a virtual host per web service of the node"
	[ -s "$W/run/nginx.pid" ] && kill "$(cat "$W/run/nginx.pid")"
else
	ok 0 "# SKIP nginx not installed or not root"
fi

PGBIN=/usr/lib/postgresql/15/bin
if [ -x "$PGBIN/initdb" ]; then
	P=$(mktemp -d /tmp/pt-pg.XXXXXX)
	chmod 755 "$P"
	cp "$G/etc/platform/postgres/oltp-db/postgresql.conf" "$P/generated.conf"
	as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
	[ "$(id -u)" != 0 ] || chown -R postgres "$P"
	as_pg "$PGBIN/initdb" -A trust -D "$P/data" >/dev/null 2>&1
	echo "include '$P/generated.conf'" | as_pg tee -a "$P/data/postgresql.conf" >/dev/null
	as_pg "$PGBIN/pg_ctl" -D "$P/data" -l "$P/log" -w -o "-p 15433 -k $P -c listen_addresses=''" start >/dev/null 2>&1
	ok $? "PostgreSQL starts with the generated settings"
	is "$(as_pg psql -h "$P" -p 15433 -d postgres -Atc 'SHOW max_connections' -c 'SHOW password_encryption' -c 'SHOW shared_buffers' | tr '\n' ' ')" \
	    "200 scram-sha-256 256MB " "and runs with them"
	as_pg "$PGBIN/pg_ctl" -D "$P/data" -m immediate stop >/dev/null 2>&1
	rm -rf "$P"
fi

if ! command -v clickhouse-server >/dev/null; then
	ok 0 "# SKIP clickhouse-server not installed"
	done_testing
	exit
fi
ch() {	# ch PORT QUERY: as the generated user and password
	curl -sS --max-time 5 -u "default:$SECRET" "http://$ADDR:$1/" --data-binary "$2"
}
for i in $(seq 100); do
	[ "$(curl -s --max-time 1 "http://$ADDR:18124/ping")" = "Ok." ] &&
	    [ "$(curl -s --max-time 1 "http://$ADDR:18123/ping")" = "Ok." ] && break
	sleep 0.1
done
like "$(curl -s "http://$ADDR:18123/?query=SELECT%201")" "^Code: 194" "without the password the user is refused"
for p in 18123 18124; do
	ch $p "CREATE TABLE t (x UInt32) ENGINE = MergeTree ORDER BY x"
	ch $p "CREATE TABLE d AS t ENGINE = Distributed(lab, default, t)"
done
ch 18123 "INSERT INTO t VALUES (1), (2)"
ch 18124 "INSERT INTO t VALUES (3)"
is "$(ch 18123 'SELECT count(), sum(x) FROM d')" "3	6" "a Distributed query over both generated shards"
ch 18123 "INSERT INTO lakehouse.orders_daily_local VALUES ('2026-11-01', 'eu', 5, 50.5)"
ch 18124 "INSERT INTO lakehouse.orders_daily_local VALUES ('2026-11-01', 'us', 7, 70), ('2026-11-02', 'us', 1, 1)"
is "$(ch 18124 'SELECT count(), sum(orders) FROM lakehouse.orders_daily')" "3	13" \
    "the deployed Distributed table over cluster lab sees the rows of both shards"
is "$(ch 18124 "SELECT substitution FROM system.macros WHERE macro = 'shard'")" "2" \
    "shard macros from the generated config"
like "$(stat -c %a "$R/etc/clickhouse/users.xml") $(stat -c %a "$R/etc/clickhouse/shard1/config.xml")" \
    "^600 600$" "files holding the password are 0600"
done_testing

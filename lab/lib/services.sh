# The lab's real servers: PostgreSQL, ClickHouse, sshd, node-exporter,
# Prometheus, and the two simulators.  Sourced by lab/lab, never run.
#
# PostgreSQL and ClickHouse come from the test fixtures in
# tests/integration/servers.sh (one directory per server under $LAB).

GW=127.0.1.1
COMPUTE=127.0.1.2
ANALYTICS=127.0.1.3
SSH_PORT=2222
NODES="gateway:$GW compute:$COMPUTE analytics:$ANALYTICS"

# ---------------------------------------------------------------- PostgreSQL

# lab_psql NAME DB: psql as the superuser over the server's own socket.
lab_psql() {
	local d=$LAB/$1
	PGPASSWORD=$(cat "$d/su-password") _pt_as_pg "$PT_PGBIN/psql" -X -q \
	    -v ON_ERROR_STOP=1 -h "$d/sock" -p "$(cat "$d/port")" -U postgres -d "$2"
}

# pg_up NAME PORT ROLE DB SECRET: a cluster with one role owning one database.
pg_up() {
	local name=$1 port=$2 role=$3 db=$4 pw
	pt_pg_start "$name" "$GW" "$port" >/dev/null || return 1
	[ -f "$LAB/$name/lab-provisioned" ] && return 0
	pw=$(lab_secret_value "$5")
	lab_psql "$name" postgres <<EOF || return 1
SET password_encryption = 'scram-sha-256';
CREATE ROLE $role LOGIN PASSWORD '$pw';
CREATE DATABASE $db OWNER $role;
EOF
	: >"$LAB/$name/lab-provisioned"
}

# The OLTP sample: a small shop, owned by the application role.
pg_oltp_seed() {
	[ -f "$LAB/pg-oltp/lab-seeded" ] && return 0
	lab_psql pg-oltp shop <<'EOF' || return 1
SET ROLE app;
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL,
    email text UNIQUE NOT NULL, country char(2) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE products (id serial PRIMARY KEY, sku text UNIQUE NOT NULL,
    name text NOT NULL, price numeric(10,2) NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY,
    customer_id int NOT NULL REFERENCES customers,
    status text NOT NULL CHECK (status IN ('new','paid','shipped','cancelled')),
    created_at timestamptz NOT NULL);
CREATE TABLE order_items (order_id int NOT NULL REFERENCES orders,
    product_id int NOT NULL REFERENCES products, qty int NOT NULL,
    PRIMARY KEY (order_id, product_id));
INSERT INTO customers (name, email, country)
    SELECT 'Customer ' || i, 'c' || i || '@example.com',
        (ARRAY['DE','FR','US','BR','IN','JP'])[1 + i % 6]
    FROM generate_series(1, 1000) i;
INSERT INTO products (sku, name, price)
    SELECT 'SKU-' || lpad(i::text, 4, '0'), 'Product ' || i, (i % 97) + 0.99
    FROM generate_series(1, 200) i;
INSERT INTO orders (customer_id, status, created_at)
    SELECT 1 + i % 1000, (ARRAY['new','paid','shipped','cancelled'])[1 + i % 4],
        timestamptz '2026-11-01' + i * interval '7 minutes'
    FROM generate_series(1, 5000) i;
INSERT INTO order_items
    SELECT o, 1 + (o * 7 + k) % 200, 1 + k FROM generate_series(1, 5000) o,
        generate_series(0, 2) k;
ANALYZE;
EOF
	: >"$LAB/pg-oltp/lab-seeded"
}

# ---------------------------------------------------------------- ClickHouse

CH1_HTTP=8123 CH1_TCP=9000 CH2_HTTP=8124 CH2_TCP=9001

# ch_query PORT SQL: one statement over HTTP; the body is printed.
ch_query() {
	curl -sS --noproxy '*' --fail-with-body --max-time 60 \
	    "http://$ANALYTICS:$1/?insert_distributed_sync=1" --data-binary "$2"
}

# The cluster "lab": two shards, one replica each, on the analytics node.
ch_cluster_config() {
	mkdir -p "$LAB/$1/config.d"
	cat >"$LAB/$1/config.d/lab-cluster.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <remote_servers>
        <lab>
            <shard><replica><host>$ANALYTICS</host><port>$CH1_TCP</port></replica></shard>
            <shard><replica><host>$ANALYTICS</host><port>$CH2_TCP</port></replica></shard>
        </lab>
    </remote_servers>
</yandex>
EOF
}

ch_up() {
	ch_cluster_config clickhouse-1
	ch_cluster_config clickhouse-2
	pt_ch_start clickhouse-1 "$ANALYTICS" "$CH1_HTTP" "$CH1_TCP" >/dev/null || return 1
	pt_ch_start clickhouse-2 "$ANALYTICS" "$CH2_HTTP" "$CH2_TCP" >/dev/null || return 1
}

# Local MergeTree tables on each shard, Distributed tables over them, and
# sample events (half on each shard) with their daily gold aggregates.
ch_seed() {
	local port shard
	[ -f "$LAB/clickhouse-1/lab-seeded" ] && return 0
	for port in $CH1_HTTP $CH2_HTTP; do
		ch_query "$port" "CREATE DATABASE IF NOT EXISTS lakehouse" &&
		ch_query "$port" "CREATE TABLE IF NOT EXISTS lakehouse.events_local (
		    event_date Date, event_time DateTime, user_id UInt64,
		    event_type String, country String, amount Float64)
		    ENGINE = MergeTree() PARTITION BY toYYYYMM(event_date)
		    ORDER BY (event_type, event_date, user_id)" &&
		ch_query "$port" "CREATE TABLE IF NOT EXISTS lakehouse.events
		    AS lakehouse.events_local
		    ENGINE = Distributed(lab, lakehouse, events_local, rand())" &&
		ch_query "$port" "CREATE TABLE IF NOT EXISTS lakehouse.gold_daily_local (
		    day Date, event_type String, country String, events UInt64,
		    amount Float64)
		    ENGINE = MergeTree() PARTITION BY toYYYYMM(day)
		    ORDER BY (day, event_type, country)" &&
		ch_query "$port" "CREATE TABLE IF NOT EXISTS lakehouse.gold_daily
		    AS lakehouse.gold_daily_local
		    ENGINE = Distributed(lab, lakehouse, gold_daily_local, rand())" ||
		    return 1
	done
	shard=0
	for port in $CH1_HTTP $CH2_HTTP; do
		ch_query "$port" "INSERT INTO lakehouse.events_local
		    SELECT toDate('2026-11-01') + intDiv(number, 4000) AS d,
		        toDateTime(d) + (number * 13) % 86400,
		        intHash32(number) % 5000,
		        ['view','click','cart','purchase'][number % 4 + 1],
		        ['DE','FR','US','BR','IN','JP'][intHash32(number + 7) % 6 + 1],
		        (intHash32(number) % 10000) / 100
		    FROM numbers(100000) WHERE number % 2 = $shard" &&
		ch_query "$port" "INSERT INTO lakehouse.gold_daily_local
		    SELECT event_date, event_type, country, count(), sum(amount)
		    FROM lakehouse.events_local
		    GROUP BY event_date, event_type, country" || return 1
		shard=1
	done
	: >"$LAB/clickhouse-1/lab-seeded"
}

# ---------------------------------------------------------------- sshd

# Host keys per node, the operator's key, authorized_keys and known_hosts.
ssh_setup() {
	local n node addr
	mkdir -p "$LAB/ssh"
	chmod 700 "$LAB/ssh"
	[ -f "$LAB/ssh/operator_ed25519" ] ||
	    ssh-keygen -q -t ed25519 -N '' -C "platform-lab operator" \
	        -f "$LAB/ssh/operator_ed25519"
	cp "$LAB/ssh/operator_ed25519.pub" "$LAB/ssh/authorized_keys"
	: >"$LAB/ssh/known_hosts.new"
	for n in $NODES; do
		node=${n%%:*} addr=${n#*:}
		mkdir -p "$LAB/ssh/$node"
		[ -f "$LAB/ssh/$node/ssh_host_ed25519_key" ] ||
		    ssh-keygen -q -t ed25519 -N '' -C "$node" \
		        -f "$LAB/ssh/$node/ssh_host_ed25519_key"
		printf '[%s]:%s %s\n' "$addr" "$SSH_PORT" \
		    "$(cut -d' ' -f1,2 "$LAB/ssh/$node/ssh_host_ed25519_key.pub")" \
		    >>"$LAB/ssh/known_hosts.new"
		cat >"$LAB/ssh/$node/sshd_config" <<EOF
# sshd of the lab node $node: its own address, host key and pid file.
Port $SSH_PORT
ListenAddress $addr
HostKey $LAB/ssh/$node/ssh_host_ed25519_key
PidFile $LAB/run/sshd-$node.sshd-pid
AuthorizedKeysFile $LAB/ssh/authorized_keys
# The lab's files live under /tmp, which StrictModes would refuse.
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
Subsystem sftp internal-sftp
EOF
	done
	# Keep the lines the VPN part added for its own addresses.
	grep -v "^\[127\.0\.1\." "$LAB/ssh/known_hosts" 2>/dev/null \
	    >>"$LAB/ssh/known_hosts.new" || true
	mv "$LAB/ssh/known_hosts.new" "$LAB/ssh/known_hosts"
	if lab_is_root && [ ! -d /run/sshd ]; then
		# sshd's privilege separation directory, normally made by systemd.
		mkdir -p /run/sshd && chmod 755 /run/sshd && : >"$LAB/run/made-run-sshd"
	fi
}

sshd_up() {
	local n node
	ssh_setup
	for n in $NODES; do
		node=${n%%:*}
		/usr/sbin/sshd -t -f "$LAB/ssh/$node/sshd_config" ||
		    lab_die "sshd config of $node is invalid"
		lab_spawn "sshd-$node" /usr/sbin/sshd -D -e -f "$LAB/ssh/$node/sshd_config"
	done
}

# ---------------------------------------------------------------- monitoring

node_exporter_up() {
	local n node addr
	for n in $NODES; do
		node=${n%%:*} addr=${n#*:}
		lab_spawn "node-exporter-$node" /usr/bin/prometheus-node-exporter \
		    --web.listen-address="$addr:9100" --no-collector.systemd \
		    --collector.textfile.directory="$LAB/node-exporter"
	done
}

prometheus_up() {
	mkdir -p "$LAB/prometheus/data"
	cat >"$LAB/prometheus/prometheus.yml" <<EOF
# Prometheus of the lab: scrapes the node-exporter of every node.
global:
  scrape_interval: 15s
  evaluation_interval: 15s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['$GW:9090']
  - job_name: node
    static_configs:
      - targets: ['$GW:9100']
        labels: {node: gateway}
      - targets: ['$COMPUTE:9100']
        labels: {node: compute}
      - targets: ['$ANALYTICS:9100']
        labels: {node: analytics}
EOF
	promtool check config "$LAB/prometheus/prometheus.yml" >/dev/null ||
	    lab_die "the Prometheus config is invalid"
	lab_spawn prometheus /usr/bin/prometheus \
	    --config.file="$LAB/prometheus/prometheus.yml" \
	    --storage.tsdb.path="$LAB/prometheus/data" \
	    --storage.tsdb.retention.time=1d \
	    --web.listen-address="$GW:9090"
}

# ---------------------------------------------------------------- simulators

kube_up() {
	mkdir -p "$LAB/kube"
	"$SRC/lab/sim/kube/setup.sh" "$LAB/kube" "$COMPUTE" 6443 \
	    "$(lab_secret kube-token)" >/dev/null || return 1
	lab_spawn kube "$LAB_PY" "$SRC/lab/sim/kube/kubesim.py" \
	    --listen "$COMPUTE:6443" --dir "$LAB/kube" \
	    --token-file "$LAB/secrets/kube-token" --fault-file "$LAB/faults/kube"
}

airflow_up() {
	mkdir -p "$LAB/airflow/logs"
	cat >"$LAB/airflow/sim.json" <<EOF
{
  "listen_v1": "$GW:8080",
  "listen_v2": "$GW:8082",
  "db": {"host": "$GW", "port": 5432, "dbname": "airflow", "user": "airflow",
         "password_file": "$(lab_secret pg-airflow)"},
  "users": {"admin": "$(lab_secret airflow)"},
  "jwt_secret_file": "$LAB/airflow/jwt.key",
  "jwt_ttl": 3600,
  "s3": {"endpoint": "http://$GW:8081", "access_key": "lab:operator",
         "secret_file": "$(lab_secret s3)", "region": "us-east-1"},
  "kube": {"url": "https://$COMPUTE:6443", "ca_file": "$LAB/kube/ca.crt",
           "token_file": "$(lab_secret kube-token)", "namespace": "spark-jobs"},
  "clickhouse": {"url": "http://$ANALYTICS:$CH1_HTTP"},
  "fault_file": "$LAB/faults/airflow",
  "log_dir": "$LAB/airflow/logs",
  "pace": ${LAB_AIRFLOW_PACE:-1.0}
}
EOF
	lab_spawn airflow "$LAB_PY" "$SRC/lab/sim/airflow/airflowsim.py" serve \
	    --config "$LAB/airflow/sim.json"
}

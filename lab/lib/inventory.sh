# The console's inventory of the lab: $LAB/lab.conf.  Sourced by lab/lab.

write_inventory() {
	local me key
	me=$(id -un)
	key=$LAB/ssh/operator_ed25519
	(umask 022; cat >"$LAB/lab.conf.new") <<EOF
# platform-tui inventory of the local lab, written by lab/lab up.
# Three nodes on loopback addresses, each with its own sshd on port $SSH_PORT.
# Secrets are files under $LAB/secrets (mode 600).

[platform]
name = lab
timeout = 5s
known-hosts = $LAB/ssh/known_hosts

[node gateway]
address = $GW
ssh-user = $me
ssh-port = $SSH_PORT
ssh-key = $key
roles = gateway, vpn, airflow, postgres, s3, prometheus

[node compute]
address = $COMPUTE
ssh-user = $me
ssh-port = $SSH_PORT
ssh-key = $key
roles = k3s, spark, jupyter

[node analytics]
address = $ANALYTICS
ssh-user = $me
ssh-port = $SSH_PORT
ssh-key = $key
roles = clickhouse

# Airflow 3 (/api/v2, JWT) and Airflow 2 (/api/v1, Basic): one simulator.
[service airflow]
kind = airflow
node = gateway
endpoint = http://$GW:8082
health = /api/v2/monitor/health
user = admin
secret = file:$LAB/secrets/airflow

[service airflow2]
kind = airflow
node = gateway
endpoint = http://$GW:8080
health = /health
user = admin
secret = file:$LAB/secrets/airflow

[service airflow-db]
kind = postgres
node = gateway
endpoint = postgresql://airflow@$GW:5432/airflow
user = airflow
secret = file:$LAB/secrets/pg-airflow
database = airflow

[service oltp-db]
kind = postgres
node = gateway
endpoint = postgresql://app@$GW:5433/shop
user = app
secret = file:$LAB/secrets/pg-oltp
database = shop

# OpenStack Swift's S3 API: SigV4, path style, region us-east-1.
[service s3]
kind = s3
node = gateway
endpoint = http://$GW:8081
health = /healthcheck
user = lab:operator
secret = file:$LAB/secrets/s3

[service kube]
kind = kube
node = compute
endpoint = https://$COMPUTE:6443
health = /readyz
ca-file = $LAB/kube/ca.crt
secret = file:$LAB/secrets/kube-token

[service spark]
kind = spark
node = compute
endpoint = https://$COMPUTE:6443/apis/sparkoperator.k8s.io/v1beta2/namespaces/spark-jobs/sparkapplications
health = /readyz
ca-file = $LAB/kube/ca.crt
secret = file:$LAB/secrets/kube-token

[service clickhouse]
kind = clickhouse
node = analytics
endpoint shard1 = http://$ANALYTICS:$CH1_HTTP
endpoint shard2 = http://$ANALYTICS:$CH2_HTTP
user = default
database = lakehouse

[service prometheus]
kind = prometheus
node = gateway
endpoint = http://$GW:9090

[service node-exporter]
kind = node-exporter
node = gateway
endpoint gateway = http://$GW:9100
endpoint compute = http://$COMPUTE:9100
endpoint analytics = http://$ANALYTICS:9100
EOF
	mv "$LAB/lab.conf.new" "$LAB/lab.conf"
}

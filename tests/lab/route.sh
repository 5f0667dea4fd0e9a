#!/bin/bash
# TAP: endpoints with via = ssh reach the lab's PostgreSQL, ClickHouse, S3
# and Kubernetes through an SSH session of our own (a private sshd on
# 127.0.14.1:2222 that this test starts and stops), with backends that do
# not know: sql, status, s3 ls and the PostgreSQL login probe. The sshd's
# log proves the connections went through it; with it stopped the commands
# fail with the route's message.
. "$(dirname "$0")/../integration/lib.sh"

LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
[ -f "$LAB/lab.conf" ] || { echo "1..0 # SKIP no lab ($LAB/lab.conf)"; exit 0; }
[ -x /usr/sbin/sshd ] || { echo "1..0 # SKIP no sshd"; exit 0; }
ADDR=127.0.14.1
PORT=2222

# A private sshd with a key pair of our own.
mkdir -p "$T/ssh" "$HOME/.ssh"
ssh-keygen -q -t ed25519 -N '' -C jump -f "$T/ssh/host_key"
ssh-keygen -q -t ed25519 -N '' -C operator -f "$T/ssh/op_key"
cp "$T/ssh/op_key.pub" "$T/ssh/authorized_keys"
printf '[%s]:%s %s\n' "$ADDR" "$PORT" "$(cut -d' ' -f1,2 "$T/ssh/host_key.pub")" \
    >"$HOME/.ssh/known_hosts"
cat >"$T/ssh/sshd_config" <<EOF
Port $PORT
ListenAddress $ADDR
HostKey $T/ssh/host_key
PidFile $T/ssh/sshd.pid
AuthorizedKeysFile $T/ssh/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowTcpForwarding yes
LogLevel DEBUG1
EOF
sshd_pid=""
sshd_start() {
	/usr/sbin/sshd -D -e -f "$T/ssh/sshd_config" 2>>"$T/ssh/sshd.log" &
	sshd_pid=$!
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/$ADDR/$PORT") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
sshd_stop() { [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null; wait "$sshd_pid" 2>/dev/null; sshd_pid=""; }
trap 'sshd_stop; rm -rf "$T"' EXIT
mkdir -p /run/sshd 2>/dev/null
sshd_start
ok $? "a private sshd on $ADDR:$PORT"

inv=$T/route.conf
cat >"$inv" <<EOF
[platform]
name = route
timeout = 10s

[node jump]
address = $ADDR
ssh-port = $PORT
ssh-user = $(id -un)
ssh-key = $T/ssh/op_key
roles = gateway

[node gateway]
address = 127.0.1.1
[node compute]
address = 127.0.1.2
[node analytics]
address = 127.0.1.3

[service airflow-db]
kind = postgres
node = gateway
endpoint = postgresql://airflow@127.0.1.1:5432/airflow
user = airflow
secret = file:$LAB/secrets/pg-airflow
database = airflow
via = ssh

[service s3]
kind = s3
node = gateway
endpoint = http://127.0.1.1:8081
health = /healthcheck
user = lab:operator
secret = file:$LAB/secrets/s3
via = ssh

[service kube]
kind = kube
node = compute
endpoint = https://127.0.1.2:6443
health = /readyz
ca-file = $LAB/kube/ca.crt
secret = file:$LAB/secrets/kube-token
via = ssh

[service clickhouse]
kind = clickhouse
node = analytics
endpoint shard1 = http://127.0.1.3:8123
endpoint shard2 = http://127.0.1.3:8124
user = default
database = lakehouse
via = ssh:jump
EOF
export PLATFORM_TUI_INVENTORY=$inv

# tunnelled TARGET_PORT: how many direct-tcpip channels the sshd opened to it.
tunnelled() { grep -c "direct-tcpip.*port $1\b\|target .* port $1\b" "$T/ssh/sshd.log"; }

run status
is "$rc" 0 "status through the SSH route: exit 0"
echo "$out" | sed 's/^/# /'
like "$out" 'airflow-db +main +gateway +postgres +up .*PostgreSQL 15' "PostgreSQL login probe through the tunnel"
like "$out" 's3 +main +gateway +s3 +up' "S3 health through the tunnel"
like "$out" 'kube +main +compute +kube +up' "Kubernetes /readyz through the tunnel, TLS checked against 127.0.1.2"
like "$out" 'clickhouse +shard2 +analytics +clickhouse +up' "ClickHouse shard2 through the tunnel"
for p in 5432 8081 6443 8123 8124; do
	ok "$([ "$(tunnelled "$p")" -ge 1 ]; echo $?)" "the sshd forwarded a channel to port $p"
done

run sql "SELECT 40 + 2 AS answer"
is "$rc" 0 "sql through the tunnel: exit 0"
like "$out" '42' "sql: the answer"
run s3 ls
is "$rc" 0 "s3 ls through the tunnel: exit 0"
like "$out" 'lakehouse' "s3 ls: the lab's buckets"
before=$(tunnelled 8081)
run s3 ls
ok "$([ "$(tunnelled 8081)" -gt "$before" ]; echo $?)" "each s3 ls goes through the sshd"

# No sshd: the route says so.
sshd_stop
run status
ok "$([ "$rc" -ne 0 ]; echo $?)" "status with the sshd stopped: non-zero"
echo "$out" | sed 's/^/# /'
like "$out" 's3 .*via ssh jump: ' "status names the SSH route as the reason"
run s3 ls
ok "$([ "$rc" -ne 0 ]; echo $?)" "s3 ls fails without the sshd"
like "$err" 'via ssh jump: ' "with the route's message"
run sql "SELECT 1"
ok "$([ "$rc" -ne 0 ]; echo $?)" "sql fails without the sshd"
like "$err" 'via ssh jump: ' "with the route's message"

sshd_start
run status s3
is "$rc" 0 "the sshd back: status s3 is up again"

# The console: the Overview shows the route's loss at once and recovers.
if command -v tmux >/dev/null && command -v ss >/dev/null; then
	tsock="pt-route-$$"
	tm() { tmux -L "$tsock" "$@"; }
	wait_for() {	# wait_for PATTERN [SECONDS]
		local i n=$(( ${2:-10} * 20 ))
		for ((i = 0; i < n; i++)); do
			tm capture-pane -p 2>/dev/null | grep -qE -- "$1" && return 0
			sleep 0.05
		done
		tm capture-pane -p 2>/dev/null | grep . | sed 's/^/# /'
		return 1
	}
	export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes"
	tm -f /dev/null new-session -d -x 200 -y 30 "$PT; sleep 30"
	wait_for "s3 +main +gateway +s3 +up" 15
	ok $? "console: S3 is up through the SSH route"
	# The sshd's connection to us goes (the listener too): the session is lost.
	sshd_stop
	conn=$(ss -tnpH state established "( src $ADDR and sport = :$PORT )" 2>/dev/null |
	    grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
	[ -n "$conn" ] && kill $conn
	wait_for "s3 .*via ssh jump: lost: .*\(retry in [0-9]+ s\)" 10
	ok $? "console: the Overview says the route is lost and when it retries, at once"
	sshd_start
	wait_for "s3 +main +gateway +s3 +up" 40
	ok $? "console: the route comes back by itself"
	tm kill-server 2>/dev/null
fi

done_testing

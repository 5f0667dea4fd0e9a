# The lab's services: one line each, and how to start, stop and check one.
# Sourced by lab/lab, never run.
#
#	NAME  NODE  ADDRESS  PORT  CHECK
#
# CHECK is tcp, pg, http:PATH or https:PATH (verified with the lab's CA).

lab_registry() {
	cat <<EOF
sshd-gateway gateway $GW $SSH_PORT tcp
pg-airflow gateway $GW 5432 pg
pg-oltp gateway $GW 5433 pg
memcached gateway $GW 11211 tcp
s3 gateway $GW 8081 http:/healthcheck
airflow gateway $GW 8080 http:/health
airflow-v3 gateway $GW 8082 http:/api/v2/monitor/health
prometheus gateway $GW 9090 http:/-/healthy
node-exporter-gateway gateway $GW 9100 http:/metrics
sshd-compute compute $COMPUTE $SSH_PORT tcp
kube compute $COMPUTE 6443 https:/readyz
node-exporter-compute compute $COMPUTE 9100 http:/metrics
sshd-analytics analytics $ANALYTICS $SSH_PORT tcp
clickhouse-1 analytics $ANALYTICS $CH1_HTTP http:/ping
clickhouse-2 analytics $ANALYTICS $CH2_HTTP http:/ping
node-exporter-analytics analytics $ANALYTICS 9100 http:/metrics
EOF
}

# svc_line NAME: sets node, addr, port and check for one service.
svc_line() {
	local line
	line=$(lab_registry | awk -v n="$1" '$1 == n') ||
	    true
	[ -n "$line" ] || return 1
	# shellcheck disable=SC2034
	read -r _ node addr port check <<<"$line"
}

# svc_pid NAME: the main process of a service, when it runs.
svc_pid() {
	local pid
	case $1 in
	pg-* | clickhouse-*)
		pid=$(cat "$LAB/$1/pid" 2>/dev/null) || return 1
		lab_alive "$pid" && printf '%s\n' "$pid" ;;
	s3) lab_pid swift-proxy ;;
	airflow-v3) lab_pid airflow ;;
	*) lab_pid "$1" ;;
	esac
}

# svc_pids NAME: every process of a service (for faults that stop them).
svc_pids() {
	local pid
	case $1 in
	s3)
		for pid in swift-proxy swift-account swift-container swift-object; do
			pid=$(lab_pid "$pid") && lab_tree "$pid"
		done ;;
	*)
		pid=$(svc_pid "$1") && lab_tree "$pid" ;;
	esac
}

# svc_check NAME: does it answer?
svc_check() {
	svc_line "$1" || return 1
	case $check in
	tcp) lab_tcp_open "$addr" "$port" ;;
	pg) "$PT_PGBIN/pg_isready" -q -h "$addr" -p "$port" -t 2 ;;
	http:*) lab_http_ok "http://$addr:$port${check#http:}" ;;
	https:*) lab_http_ok "https://$addr:$port${check#https:}" \
	    --cacert "$LAB/kube/ca.crt" ;;
	esac
}

# svc_start NAME [PORT]: start one service (on another port for a fault proxy).
svc_start() {
	local p=${2:-}
	case $1 in
	sshd-*) sshd_up ;;
	# The fixtures of servers.sh are not written for set -e: call them in
	# a || list, where a failing step inside does not end the script.
	pg-airflow) pt_pg_start pg-airflow "$GW" "${p:-5432}" >/dev/null || return 1 ;;
	pg-oltp) pt_pg_start pg-oltp "$GW" "${p:-5433}" >/dev/null || return 1 ;;
	clickhouse-1) pt_ch_start clickhouse-1 "$ANALYTICS" "${p:-$CH1_HTTP}" "$CH1_TCP" \
	    >/dev/null || return 1 ;;
	clickhouse-2) pt_ch_start clickhouse-2 "$ANALYTICS" "${p:-$CH2_HTTP}" "$CH2_TCP" \
	    >/dev/null || return 1 ;;
	s3 | memcached)
		# The proxy's port is in its config file: write it for this port.
		SWIFT_PORT=${p:-8081}
		swift_setup >/dev/null && swift_start ;;
	airflow | airflow-v3) airflow_up ;;
	kube) kube_up ;;
	prometheus) prometheus_up ;;
	node-exporter-*) node_exporter_up ;;
	*) return 1 ;;
	esac
}

# svc_stop NAME: stop one service.
svc_stop() {
	case $1 in
	pg-*) pt_pg_stop "$1" || true ;;
	clickhouse-*)
		pt_ch_stop "$1" || true
		# Its other threads may still hold the data lock after the main
		# one is gone: a new server would refuse to start.
		[ ! -e "$LAB/$1/data/status" ] ||
		    lab_wait 15 "$1 to let go of its data" \
		        flock -n "$LAB/$1/data/status" true ;;
	s3 | memcached) swift_stop ;;
	airflow-v3) lab_stop airflow ;;
	*) lab_stop "$1" ;;
	esac
}

# Services whose fault modes "slow" and "flaky" come from the simulator
# itself (a file it reads on every request) rather than from a proxy.
svc_is_sim() { case $1 in airflow | airflow-v3 | kube) return 0 ;; esac; return 1; }

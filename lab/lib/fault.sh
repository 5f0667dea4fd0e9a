# lab/lab fault SERVICE MODE: break a service on purpose, for the reliability
# tests.  Sourced by lab/lab, never run.
#
#	down		stop it (connections are refused)
#	up		start it again
#	blackhole	stop its processes with SIGSTOP: the kernel still accepts
#			connections, nobody ever answers
#	slow MS		every answer comes MS milliseconds late
#	flaky PCT	PCT% of requests fail (HTTP 503, or the connection is
#			closed for protocols that are not HTTP)
#	clear		back to normal, whatever the fault was
#
# The simulators read slow and flaky from $LAB/faults/SERVICE on every
# request.  A real server is restarted on a port of its own behind
# lab/sim/faultproxy.py, which takes over the public port; clear undoes it.
# $LAB/faults/SERVICE.state says which fault is on.

# The proxy's inner port: the public one moved up by 20000.
fault_inner_port() { echo $(($1 + 20000)); }

cmd_fault() {
	local name=${1:-} mode=${2:-} arg=${3:-}
	[ -n "$name" ] && [ -n "$mode" ] || usage
	[ "$name" = swift ] && name=s3
	svc_line "$name" || lab_die "unknown service '$name' (lab/lab status lists them)"
	case $mode in
	slow | flaky)
		case $arg in '' | *[!0-9]*) lab_die "fault $mode wants a number" ;; esac
		[ "$mode" = flaky ] && [ "$arg" -gt 100 ] && lab_die "flaky takes a percentage"
		;;
	down | up | blackhole | clear) [ -z "$arg" ] || usage ;;
	*) usage ;;
	esac
	case $mode in
	up | clear) fault_clear "$name" ;;
	down)
		fault_clear "$name"
		svc_stop "$name"
		echo down >"$LAB/faults/$name.state" ;;
	blackhole)
		fault_clear "$name"
		fault_signal "$name" STOP
		echo blackhole >"$LAB/faults/$name.state" ;;
	slow | flaky)
		fault_clear "$name"
		if svc_is_sim "$name"; then
			echo "$mode $arg" >"$LAB/faults/$(fault_sim_file "$name")"
		else
			fault_proxy_on "$name" "$mode" "$arg"
		fi
		echo "$mode $arg" >"$LAB/faults/$name.state" ;;
	esac
	lab_say "$name: ${mode}${arg:+ $arg}"
}

# Both Airflow listeners are one process with one fault file.
fault_sim_file() { case $1 in airflow-v3) echo airflow ;; *) echo "$1" ;; esac; }

# fault_signal NAME SIG: signal every process of the service.
fault_signal() {
	local pids
	pids=$(svc_pids "$1" | sort -u)
	[ -n "$pids" ] || lab_die "$1 does not run"
	# shellcheck disable=SC2086
	kill -"$2" $pids
}

# fault_proxy_on NAME MODE ARG: move the server behind a fault proxy.
fault_proxy_on() {
	local name=$1 inner proto=tcp
	svc_line "$name"
	inner=$(fault_inner_port "$port")
	case $check in http*) proto=http ;; esac
	case $name in
	sshd-* | memcached | node-exporter-* | prometheus)
		lab_die "slow and flaky are not supported for $name (try down or blackhole)" ;;
	esac
	svc_stop "$name"
	svc_start "$name" "$inner" || lab_die "$name did not start on port $inner"
	lab_spawn "faultproxy-$name" "$LAB_PY" "$SRC/lab/sim/faultproxy.py" \
	    --listen "$addr:$port" --target "$addr:$inner" --proto "$proto" \
	    --mode "$2" --arg "$3"
	lab_wait 5 "the fault proxy of $name" lab_tcp_open "$addr" "$port"
}

# fault_clear NAME: whatever the fault, back to a normal running service.
fault_clear() {
	local name=$1 state
	state=$(cat "$LAB/faults/$name.state" 2>/dev/null) || state=""
	rm -f "$LAB/faults/$name.state" "$LAB/faults/$(fault_sim_file "$name")"
	case $state in
	blackhole) fault_signal "$name" CONT 2>/dev/null || true ;;
	slow* | flaky*)
		if lab_pid "faultproxy-$name" >/dev/null; then
			lab_stop "faultproxy-$name"
			svc_stop "$name"
		fi ;;
	esac
	if ! svc_pid "$name" >/dev/null; then
		svc_start "$name" || lab_die "$name did not start"
	fi
	lab_wait 30 "$name" svc_check "$name"
}

# fault_clear_all: before "down", so stopped processes can end.
fault_clear_all() {
	local f name
	for f in "$LAB"/faults/*.state; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .state)
		case $(cat "$f") in
		blackhole) fault_signal "$name" CONT 2>/dev/null || true ;;
		esac
		lab_stop "faultproxy-$name"
		rm -f "$f"
	done
	rm -f "$LAB"/faults/* 2>/dev/null || true
}

# A private instance of the lab's Kubernetes simulator (lab/sim/kube), for
# the tests and benchmarks that create, delete or seed objects and so must
# not touch the shared one. Source it; needs python3 and curl.

kubesim_py="$(cd "$(dirname "${BASH_SOURCE[0]}")/../sim/kube" && pwd)/kubesim.py"

# kubesim_start HOST CA OUT TENTHS [KUBESIM-ARGS...]: the simulator on a random
# port of HOST, up to five ports, each given TENTHS tenths of a second to
# answer /ping over TLS with CA; its output in OUT. Sets PORT and SIMPID
# (empty, and returns 1, when none started).
kubesim_start() {
	local host=$1 ca=$2 out=$3 tenths=$4 try i
	shift 4
	SIMPID=
	for try in 1 2 3 4 5; do
		PORT=$((20000 + (RANDOM % 20000)))
		/usr/bin/python3 "$kubesim_py" --listen "$host:$PORT" "$@" >"$out" 2>&1 &
		SIMPID=$!
		for i in $(seq "$tenths"); do
			curl -sf --cacert "$ca" "https://$host:$PORT/ping" >/dev/null 2>&1 && break
			kill -0 "$SIMPID" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$SIMPID" 2>/dev/null && return 0
		SIMPID=
	done
	return 1
}

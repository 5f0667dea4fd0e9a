#!/bin/bash
# TAP: node status, node logs and service restart against the lab's three
# nodes over their sshd (port 2222), checked against this machine's own
# /proc (the lab nodes are addresses of this machine):
#   lab/lab up && PLATFORM_LAB_DIR=/tmp/platform-lab tests/lab/nodes.sh
# docker, systemctl and journalctl are stand-ins put first on the remote
# PATH (tests/lab/nodes/standin.sh); restarts are recorded in their log.
set -u
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/nodes/standin.sh"
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
INV="$LAB/lab.conf"
mkdir -p "$HOME/.ssh"
cp "$LAB/ssh/known_hosts" "$HOME/.ssh/known_hosts"
SI="$T/standin"
nodes_standin "$SI"
chmod 755 "$T"
export PLATFORM_TUI_NODE_PATH="$SI"

json() {	# json EXPR: evaluates EXPR on $out parsed as JSON (bound to j)
	/usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" <<<"$out" 2>/dev/null
}

# ---------------------------------------------------------------- node status
run -i "$INV" -o json node status
is "$rc" 0 "node status of the three lab nodes exits 0"
is "$(json 'len(j)')" 3 "three rows"
is "$(json '",".join(r["node"] for r in j)')" "gateway,compute,analytics" "in inventory order"
is "$(json '",".join(r["state"] for r in j)')" "up,up,up" "every node is up"
kernel=$(cat /proc/sys/kernel/osrelease)
is "$(json '",".join(sorted(set(r["kernel"] for r in j)))')" "$kernel" "the kernel is this machine's"
memtotal=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024 ))
is "$(json 'j[1]["mem_total"]')" "$memtotal" "MemTotal equals /proc/meminfo's"
cores=$(grep -c '^cpu[0-9]' /proc/stat)
is "$(json 'j[2]["cores"]')" "$cores" "the CPU count equals /proc/stat's"
ok "$(json '0 if all(r["cpu_pct"] is not None and 0 <= r["cpu_pct"] <= 100 for r in j) else 1')" \
	"CPU percent from two samples, between 0 and 100"
ok "$(json '0 if all(r["rx_per_s"] is not None for r in j) else 1')" "network rates from two samples"
ok "$(json '0 if all(r["uptime"] > 0 and r["disk"] == "/" for r in j) else 1')" \
	"uptime and the fullest mount"
rootpct=$(df -P / | awk 'NR == 2 { sub("%", "", $5); print $5 }')
d=$(json 'j[0]["disk_pct"]')
ok "$(( d >= rootpct - 1 && d <= rootpct + 1 ? 0 : 1 ))" "disk use of / as df shows it ($d% vs $rootpct%)"

run -i "$INV" -o tsv node status --once compute
is "$rc" 0 "node status --once of one node"
is "$(printf '%s\n' "$out" | wc -l)" 2 "a header and one row"
like "$out" $'\tup\t' "compute is up"

run -i "$INV" node status nosuch
is "$rc" 2 "an unknown node is a usage error"
like "$err" "no node named 'nosuch'" "and says which"

# A node whose sshd does not answer: exit 3 with the reason.
sed 's/^address = 127.0.1.3$/address = 127.0.1.250/' "$INV" >"$T/down.conf"
run -i "$T/down.conf" -o json --timeout 3s node status
is "$rc" 3 "a node that does not answer: exit 3"
like "$(json 'j[2]["state"] + " " + str(j[2]["error"])')" "^down .+" "its row says down and why"
is "$(json 'j[0]["state"]')" "up" "the others still answer"

# From node-exporter instead of /proc: the same figures.
awk '/^\[node / { print; print "metrics = node-exporter"; next } { print }' "$INV" >"$T/metrics.conf"
run -i "$T/metrics.conf" -o json node status
is "$rc" 0 "node status from node-exporter"
is "$(json 'j[1]["mem_total"]')" "$memtotal" "MemTotal from node_memory_MemTotal_bytes"
is "$(json 'j[0]["kernel"]')" "$kernel" "kernel from node_uname_info"
is "$(json 'j[2]["cores"]')" "$cores" "cores from node_cpu_seconds_total"
used=$(awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } END { print (t - a) * 1024 }' /proc/meminfo)
ok "$(json "0 if 0.5 < j[0]['mem_used'] / $used < 2 else 1")" "memory used near /proc's (MemTotal - MemAvailable)"
sed 's/^metrics = node-exporter$/metrics = prometheus/' "$T/metrics.conf" >"$T/prom.conf"
run -i "$T/prom.conf" -o json node status
is "$rc" 0 "node status from Prometheus (/federate of each node's instance)"
is "$(json 'j[1]["mem_total"]')" "$memtotal" "MemTotal through Prometheus"
is "$(json 'j[2]["kernel"]')" "$kernel" "kernel through Prometheus"
sed 's/^metrics = node-exporter$/metrics = airflow/' "$T/metrics.conf" >"$T/badmetrics.conf"
run -i "$T/badmetrics.conf" node status
is "$rc" 2 "metrics naming a service of another kind is refused"
like "$err" "expected node-exporter or prometheus" "with the reason"

# ---------------------------------------------------------------- node logs
run -i "$INV" node logs gateway airflow-postgres-1 --lines 3
is "$rc" 0 "node logs of a container"
like "$out" "airflow-postgres-1 log line 1" "docker logs' lines"
run -i "$INV" -o json node logs gateway ssh.service
is "$rc" 0 "node logs of a unit (not a container)"
like "$out" "ssh.service\[100\]: started" "journalctl's lines"
out=$(timeout 3 "$PT" -i "$INV" node logs --follow gateway airflow-scheduler-1 2>&1)
like "$out" "follow line 8" "--follow streams new lines as they come"
run -i "$INV" node logs gateway 'a;reboot'
is "$rc" 2 "a name with shell characters is refused"
like "$err" "not a unit or container name" "with the reason"

# ---------------------------------------------------------------- service restart
: >"$SI/calls.log"
run -i "$INV" service restart gateway airflow-scheduler-1 </dev/null
is "$rc" 5 "service restart without --yes is refused"
is "$(cat "$SI/calls.log")" "" "and nothing is restarted"
run -i "$INV" --read-only --yes service restart gateway airflow-scheduler-1
is "$rc" 5 "service restart in --read-only is refused"
is "$(cat "$SI/calls.log")" "" "and nothing is restarted"
run -i "$INV" --yes service restart gateway airflow-scheduler-1
is "$rc" 0 "service restart --yes of a container"
is "$(cat "$SI/calls.log")" "docker restart airflow-scheduler-1" "docker restart ran on the node"
run -i "$INV" --yes service restart compute wg-quick@wg0.service
is "$rc" 0 "service restart --yes of a unit"
like "$(cat "$SI/calls.log")" "systemctl restart wg-quick@wg0.service" "systemctl restart ran"
like "$(cat "$XDG_STATE_HOME"/platform-tui/audit.log 2>/dev/null)" \
	"service restart.*airflow-scheduler-1.*ok" "the restart is in the audit log"

run -i "$INV" --yes service restart gateway nosuch.service
is "$rc" 1 "restarting a unit that does not exist fails"
like "$err" "Unit nosuch.service not found" "with systemctl's message"

done_testing

#!/bin/bash
# TAP: the console's Nodes pane against the lab's three nodes and a fourth
# with a private sshd of this test, driven through a private tmux server:
# four live nodes with meters, the Node detail with cores, mounts,
# containers and units (stand-ins), a followed log with pause; then the
# private sshd killed -> the pane shows the loss; restarted -> ready again.
#   lab/lab up && PLATFORM_LAB_DIR=/tmp/platform-lab tests/lab/nodespane.sh
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/nodes/standin.sh"

LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
[ -x /usr/sbin/sshd ] || { echo "1..0 # SKIP no sshd"; exit 0; }

export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes"
sock="pt-nodespane-$$"
tm() { tmux -L "$sock" "$@"; }
SSHD=
sshd_stop() {	# the listener and its session processes, by their ids
	local kids
	[ -n "$SSHD" ] || return 0
	kids=$(pgrep -P "$SSHD")
	kill "$SSHD" $kids 2>/dev/null
	wait "$SSHD" 2>/dev/null
	SSHD=
}
cleanup() {
	tm kill-server 2>/dev/null
	sshd_stop
	rm -rf "$T"
}
trap cleanup EXIT

. "$top_srcdir/tests/integration/tmux.sh"
count() { screen | grep -cE -- "$1"; }

# A private sshd: its own address, port, host key and pid file.
ADDR=127.0.5.$(( $$ % 200 + 20 ))
PORT=2239
mkdir -p "$T/sshd" "$HOME/.ssh"
chmod 755 "$T"
ssh-keygen -q -t ed25519 -N '' -C private -f "$T/sshd/host_key"
cat >"$T/sshd/sshd_config" <<EOF
Port $PORT
ListenAddress $ADDR
HostKey $T/sshd/host_key
PidFile $T/sshd/pid
AuthorizedKeysFile $LAB/ssh/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowTcpForwarding yes
Subsystem sftp internal-sftp
EOF
sshd_start() {
	/usr/sbin/sshd -D -e -f "$T/sshd/sshd_config" 2>>"$T/sshd/log" &
	SSHD=$!
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/$ADDR/$PORT") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
sshd_start
ok $? "a private sshd on $ADDR:$PORT"
cp "$LAB/ssh/known_hosts" "$HOME/.ssh/known_hosts"
printf '[%s]:%s %s\n' "$ADDR" "$PORT" "$(cut -d' ' -f1,2 "$T/sshd/host_key.pub")" \
	>>"$HOME/.ssh/known_hosts"
INV="$T/nodes.conf"
# Our known_hosts, with the private sshd's key, wherever the lab's inventory points.
sed "s|^known-hosts = .*|known-hosts = $HOME/.ssh/known_hosts|" "$LAB/lab.conf" >"$INV"
cat >>"$INV" <<EOF

[node private]
address = $ADDR
ssh-user = root
ssh-port = $PORT
ssh-key = $LAB/ssh/operator_ed25519
roles = test
EOF
nodes_standin "$T/standin"

tm -f /dev/null new-session -d -x 150 -y 40 \
	"PLATFORM_TUI_NODE_PATH=$T/standin $PT -i $INV; sleep 30"
wait_for "Overview" 10
tm send-keys 2
wait_for "private" 10
ok $? "the Nodes pane lists the nodes"
for _ in $(seq 100); do
	[ "$(count '^ ready ')" -ge 4 ] && [ "$(count 'CPU\[.*%\]')" -ge 4 ] && break
	sleep 0.1
done
is "$(count '^ ready ')" 4 "four sessions ready"
is "$(count 'CPU\[.*%\] Mem\[.*\] Swp\[')" 4 "four rows of CPU, memory and swap meters"
like "$(screen)" "rx [0-9.]+[BKMG]/s tx [0-9.]+[BKMG]/s  load [0-9.]+ [0-9.]+ [0-9.]+  disk / [0-9]+%" \
	"load, the fullest mount and the network rates"
like "$(screen)" "up [0-9]+[dh][0-9]+[hm]  $(cat /proc/sys/kernel/osrelease)" "uptime and kernel"

# The detail of the gateway: cores, memory, mounts, interfaces, containers, units.
tm send-keys Enter
wait_for "airflow-scheduler-1" 20
ok $? "Enter opens the Node pane with the containers"
wait_for "  0\[.*%\]" 5
ok $? "a meter per core"
like "$(screen)" "MOUNT +TYPE" "the mounts"
like "$(screen)" " lo +[0-9.]+[BKMG]/s +[0-9.]+[BKMG]/s" "the interfaces with their rates"
like "$(screen)" "unit +wg-quick@wg0.service +failed" "the units with their state"
like "$(screen)" "container +airflow-scheduler-1 +unhealthy" "the containers with their health"

# Its log, followed; p pauses it.
tm send-keys Down Enter
wait_for "follow line" 10
ok $? "Enter on a container follows its log"
tm send-keys p
wait_for "PAUSED" 5
ok $? "p pauses the log"
n1=$(screen | grep -c "follow line")
sleep 1.5
is "$(screen | grep -c "follow line")" "$n1" "no new lines while paused"
tm send-keys Escape Escape
wait_for "meters: CPU" 5

# The private sshd dies with its sessions: the pane says so, then comes back.
sshd_stop
wait_for "lost - retry in [0-9]+ s" 20
ok $? "the killed sshd shows as lost with the retry time"
is "$(count '^ ready ')" 3 "the other nodes stay ready"
sshd_start
wait_for "^ ready .*" 1 >/dev/null
for _ in $(seq 300); do
	[ "$(count '^ ready ')" -ge 4 ] && break
	sleep 0.1
done
is "$(count '^ ready ')" 4 "the restarted sshd: the node is ready again"
ok "$(screen | grep -A1 '^ private' | grep -q 'CPU\[' && echo 0 || echo 1)" \
	"with its meters"

tm send-keys q q
done_testing

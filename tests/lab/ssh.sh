#!/bin/bash
# TAP: the SSH backend against the lab's sshd per node, and a private sshd
# of the test's own that is killed mid-session and restarted:
#   lab/lab up && PLATFORM_LAB_DIR=/tmp/platform-lab tests/lab/ssh.sh
# exec (status, stderr) on every node; unknown, accepted and changed host
# keys; a jump through the gateway; put/get of a binary file with its mode;
# /proc/loadavg; reconnect; a stopped sshd found dead; the console's host
# key question under tmux.
set -u
. "$(dirname "$0")/../integration/lib.sh"
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
SSHD=/usr/sbin/sshd
PRIV_ADDR=127.0.2.1
PRIV_PORT=2299
sock="pt-ssh-$$"
tm() { tmux -L "$sock" "$@"; }
sshd_pid=

# Our own sshd and the per-connection processes it forked: only those.
sshd_kill() {
	local kids
	[ -n "$sshd_pid" ] || return 0
	kids=$(ps --ppid "$sshd_pid" -o pid= 2>/dev/null | tr -d ' ')
	kill "$sshd_pid" $kids 2>/dev/null
	wait "$sshd_pid" 2>/dev/null
	sshd_pid=
}
cleanup() {
	sshd_kill
	tm kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# The lab's inventory with the lab's known_hosts file (or another one).
inv() {	# inv KNOWN_HOSTS > FILE
	grep -v '^known-hosts = ' "$LAB/lab.conf" |
	    sed "s|^\[platform\]\$|[platform]\nknown-hosts = $1|"
}
inv "$LAB/ssh/known_hosts" >"$T/lab.conf"
INV="$T/lab.conf"

# -------------------------------------------------------------- exec
for node in gateway compute analytics; do
	run -i "$INV" --yes node exec "$node" -- 'echo out-$((6*7)); echo err-line >&2; exit 0'
	is "$rc" 0 "$node: exec exits 0"
	is "$out" "out-42" "$node: stdout streamed"
	like "$err" "err-line" "$node: stderr streamed"
done
run -i "$INV" --yes node exec compute -- 'exit 7'
is "$rc" 1 "a failing remote command exits 1"
like "$err" "status 7" "and says its status"
run -i "$INV" node exec gateway -- true
is "$rc" 5 "node exec without --yes is refused (5)"
run -i "$INV" --yes --read-only node exec gateway -- true
is "$rc" 5 "node exec under --read-only is refused (5)"
run -i "$INV" --yes node exec nosuch -- true
is "$rc" 2 "an unknown node is a usage error"
like "$err" "nodes: gateway, compute, analytics" "and lists the nodes"

# -------------------------------------------------------------- reach and login
sed 's|^address = 127.0.1.2$|address = 127.0.2.9|' "$INV" >"$T/down.conf"
run -i "$T/down.conf" --yes node exec compute -- true
is "$rc" 3 "nothing listening: unreachable (3)"
like "$err" "Connection refused" "and says why"
run -i "$INV" --yes node exec --timeout 1s gateway -- sleep 5
is "$rc" 3 "a command past its --timeout ends (3)"
like "$err" "timed out" "saying it timed out"
ssh-keygen -q -t rsa -b 2048 -N '' -f "$T/id_rsa"
sed "s|^ssh-key = .*|ssh-key = $T/id_rsa|" "$INV" >"$T/rsa.conf"
run -i "$T/rsa.conf" --yes node exec gateway -- true
is "$rc" 4 "an RSA key that is refused: authentication failed (4)"
like "$err" "SHA-1.*use an ed25519 key" "and the message says why RSA keys fail"
grep -v '^ssh-key = ' "$INV" >"$T/agent.conf"
run -i "$T/agent.conf" --yes node exec gateway -- true
is "$rc" 4 "no key at all: authentication failed (4)"
like "$err" "no key to log in as root" "and says which keys it would use"
if eval "$(ssh-agent -s)" >/dev/null; then
	ssh-add -q "$LAB/ssh/operator_ed25519" 2>/dev/null
	run -i "$T/agent.conf" --yes node exec gateway -- echo agent
	is "$out" "agent" "the key from ssh-agent logs in"
	kill "$SSH_AGENT_PID" 2>/dev/null
	unset SSH_AUTH_SOCK SSH_AGENT_PID
else
	ok 0 "# SKIP no ssh-agent"
fi

# The inventory leaves user and key out; the ssh-config file has them.
printf 'Host gateway\n  User root\n  IdentityFile %s\nHost *\n  User nobody\n' \
    "$LAB/ssh/operator_ed25519" >"$T/ssh_config"
grep -v '^ssh-key = \|^ssh-user = ' "$INV" |
    sed "s|^\[platform\]\$|[platform]\nssh-config = $T/ssh_config|" >"$T/cfg.conf"
run -i "$T/cfg.conf" --yes node exec gateway -- whoami
is "$out" "root" "User and IdentityFile come from the ssh-config file"

# -------------------------------------------------------------- host keys
inv "$T/kh" >"$T/kh.conf"
run -i "$T/kh.conf" --yes node exec gateway -- true
is "$rc" 4 "an unknown host key is refused (4)"
like "$err" "not known \(ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}\).*--accept-new-host-keys" \
    "the message shows the fingerprint and the way out"
want=$(ssh-keygen -lf "$LAB/ssh/gateway/ssh_host_ed25519_key.pub" | cut -d' ' -f2)
case $err in *"$want"*) ok 0 "the fingerprint is ssh-keygen's" ;;
*) ok 1 "the fingerprint is ssh-keygen's"; echo "# want $want" ;; esac
run -i "$T/kh.conf" --accept-new-host-keys --yes node exec gateway -- true
is "$rc" 0 "--accept-new-host-keys connects"
like "$(cat "$T/kh" 2>/dev/null)" "^\[127\.0\.1\.1\]:2222 ssh-ed25519 AAAA" \
    "and writes [host]:port to known_hosts"
run -i "$T/kh.conf" --yes node exec gateway -- true
is "$rc" 0 "the saved key is accepted next time"
printf '# a comment\n[127.0.1.2]:2222 %s\n' \
    "$(cut -d' ' -f1,2 "$LAB/ssh/gateway/ssh_host_ed25519_key.pub")" >>"$T/kh"
run -i "$T/kh.conf" --yes node exec compute -- true
is "$rc" 4 "a changed host key is refused (4)"
like "$err" "host key for \[127\.0\.1\.2\]:2222 changed: $T/kh:3 has a different ssh-ed25519 key" \
    "naming the file and line"

# -------------------------------------------------------------- jump
sed 's|^roles = clickhouse$|roles = clickhouse\njump = gateway|' "$INV" >"$T/jump.conf"
run -i "$T/jump.conf" --log "$T/jump.log" --yes node exec analytics -- 'echo $SSH_CONNECTION'
is "$rc" 0 "analytics through the gateway: exec"
like "$out" "^127\.0\.0\.1 [0-9]+ 127\.0\.1\.3 2222$" \
    "the connection comes from the gateway's forward"
like "$(cat "$T/jump.log")" "session analytics: root@127.0.1.3:2222 via gateway" \
    "the session says it goes via the gateway"
sed 's|^roles = clickhouse$|roles = clickhouse\njump = nosuch|' "$INV" >"$T/badjump.conf"
run -i "$T/badjump.conf" --yes node exec analytics -- true
is "$rc" 2 "jump to an undefined node is an inventory error"

# -------------------------------------------------------------- sftp
head -c 700000 /dev/urandom >"$T/blob"
printf '\0\1\2\377' >>"$T/blob"
remote=/tmp/pt-ssh-test-$$.bin
run -i "$INV" node put --mode 0640 gateway "$T/blob" "$remote"
is "$rc" 0 "put a binary file"
is "$(stat -c %a "$remote" 2>/dev/null)" 640 "with the mode asked for"
run -i "$INV" node put --mode 0600 gateway "$T/blob" "$remote"
is "$rc" 0 "put over an existing file"
is "$(stat -c %a "$remote" 2>/dev/null)" 600 "the new mode"
run -i "$INV" node get gateway "$remote" "$T/back"
is "$rc" 0 "get it back"
cmp -s "$T/blob" "$T/back"
ok $? "the round trip is byte for byte"
"$PT" -i "$INV" node get gateway "$remote" >"$T/back2"
cmp -s "$T/blob" "$T/back2"
ok $? "get to stdout is byte for byte"
ls "$remote".tmp-* >/dev/null 2>&1
ok $((! $?)) "no temporary file is left"
rm -f "$remote"
run -i "$INV" node get analytics /proc/loadavg
is "$rc" 0 "get /proc/loadavg"
like "$out" "^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+/[0-9]+ [0-9]+$" "its content, though its size is 0"
run -i "$INV" node get analytics /nonexistent/file
is "$rc" 1 "a missing remote file exits 1"
like "$err" "no such file" "and says so"
run -i "$INV" --read-only node put gateway "$T/blob" "$remote"
is "$rc" 5 "put under --read-only is refused"

# -------------------------------------------------------------- reconnect
mkdir -p "$T/priv"
ssh-keygen -q -t ed25519 -N '' -C priv -f "$T/priv/hk"
cat >"$T/priv/sshd_config" <<X
Port $PRIV_PORT
ListenAddress $PRIV_ADDR
HostKey $T/priv/hk
PidFile $T/priv/pid
AuthorizedKeysFile $LAB/ssh/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowTcpForwarding yes
Subsystem sftp internal-sftp
X
printf '[%s]:%s %s\n' "$PRIV_ADDR" "$PRIV_PORT" "$(cut -d' ' -f1,2 "$T/priv/hk.pub")" >"$T/priv/kh"
cat >"$T/priv.conf" <<X
[platform]
name = priv
timeout = 2s
known-hosts = $T/priv/kh
[node priv]
address = $PRIV_ADDR
ssh-user = root
ssh-port = $PRIV_PORT
ssh-key = $LAB/ssh/operator_ed25519
X
sshd_start() {
	"$SSHD" -D -e -f "$T/priv/sshd_config" 2>>"$T/priv/sshd.log" &
	sshd_pid=$!
	for _ in $(seq 50); do
		kill -0 "$sshd_pid" 2>/dev/null || return 1
		(exec 3<>"/dev/tcp/$PRIV_ADDR/$PRIV_PORT") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
if "$SSHD" -t -f "$T/priv/sshd_config" 2>/dev/null && sshd_start; then
	"$PT" -i "$T/priv.conf" node ssh-watch --seconds 11 --keepalive 1 priv \
	    >"$T/watch.out" 2>&1 &
	watch=$!
	sleep 2.5
	sshd_kill
	sleep 1.5
	sshd_start
	wait "$watch"
	states=$(grep -v ' exec ' "$T/watch.out" | cut -d: -f1 | tr '\n' ' ')
	like "$states" "^priv connecting priv ready priv backoff" \
	    "the session comes up, then is lost when sshd is killed"
	like "$(grep -m1 backoff "$T/watch.out")" "lost" "and says it was lost"
	like "$states" "priv backoff priv connecting priv ready $" \
	    "it reconnects when sshd is back"
	like "$(tail -1 "$T/watch.out")" "priv exec 0" "and runs commands again"
	# A stopped sshd: its kernel still ACKs, only the liveness check sees it.
	"$PT" -i "$T/priv.conf" node ssh-watch --seconds 7 --keepalive 1 priv \
	    >"$T/stop.out" 2>&1 &
	watch=$!
	sleep 2
	kids=$(ps --ppid "$sshd_pid" -o pid= 2>/dev/null | tr -d ' ')
	kill -STOP $kids 2>/dev/null
	wait "$watch"
	kill -CONT $kids 2>/dev/null
	like "$(grep -m1 backoff "$T/stop.out")" "the server stopped answering" \
	    "a stopped sshd (kernel still ACKing) is found dead by the liveness check"
	like "$(tail -1 "$T/stop.out")" "priv exec 0" \
	    "and a new connection works"
	sshd_kill
else
	ok 1 "# SKIP cannot start a private sshd"
	ok 1 "# SKIP"
	ok 1 "# SKIP"
	ok 1 "# SKIP"
	ok 1 "# SKIP"
	ok 1 "# SKIP"
fi

# -------------------------------------------------------------- console
if command -v tmux >/dev/null; then
	export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes"
	rm -f "$T/kh2"
	inv "$T/kh2" >"$T/kh2.conf"
	tm -f /dev/null new-session -d -x 132 -y 24 "$PT -i $T/kh2.conf"
	tm set-option -g remain-on-exit on >/dev/null
	screen() { tm capture-pane -p; }
	wait_for() {
		for _ in $(seq 50); do
			screen | grep -Eq -- "$1" && return 0
			sleep 0.1
		done
		return 1
	}
	sleep 0.5
	tm send-keys ':node get gateway /proc/loadavg' Enter
	wait_for "Unknown SSH host key of 127.0.1.1: trust"
	ok $? "the console asks about the unknown host key"
	screen | grep -qF "[y/N] ssh-ed25519 $want"
	ok $? "showing its type and fingerprint"
	tm send-keys y
	wait_for "^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+/[0-9]+"
	ok $? "after yes the command runs"
	like "$(cat "$T/kh2" 2>/dev/null)" "^\[127\.0\.1\.1\]:2222 ssh-ed25519" \
	    "and the key is saved"
	tm send-keys ':node get compute /proc/loadavg' Enter
	wait_for "host key of 127.0.1.2"
	tm send-keys n
	wait_for "not accepted"
	ok $? "after no the command fails, saying the key was not accepted"
	tm send-keys q
	tm kill-server 2>/dev/null
else
	for _ in 1 2 3 4 5; do ok 1 "# SKIP tmux not installed"; done
fi

done_testing

#!/bin/bash
# TAP: many SSH operations at once on one session (SFTP gets and statvfs,
# exec, direct-tcpip forwards), which libssh2 1.10 cannot run side by side
# (it keeps a channel open's and an SFTP request's state per session):
#   lab/lab up && PLATFORM_LAB_DIR=/tmp/platform-lab tests/lab/sshstress.sh
# Every answer must be right, also with some cancelled while queued or
# in the middle of their call, and through a jump host.
# 30 operations keep the exec channels under sshd's MaxSessions (10).
set -u
. "$(dirname "$0")/../integration/lib.sh"
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
trap 'rm -rf "$T"' EXIT
INV="$LAB/lab.conf"
ROUNDS=${SSHSTRESS_ROUNDS:-5}

bad=0
for i in $(seq 1 "$ROUNDS"); do
	run -i "$INV" node ssh-stress --ops 30 --forward 127.0.1.2:2222 compute
	[ "$rc" = 0 ] || { bad=$((bad + 1)); echo "# $out $err"; }
done
is "$bad" 0 "compute: $ROUNDS rounds of 30 operations at once, every answer right"

bad=0
for i in $(seq 1 "$ROUNDS"); do
	run -i "$INV" node ssh-stress --ops 30 --cancel 3 --forward 127.0.1.1:2222 gateway
	[ "$rc" = 0 ] || { bad=$((bad + 1)); echo "# $out $err"; }
done
is "$bad" 0 "gateway: a third cancelled at once or mid-call, the rest right"
like "$out$err" "ok 30 operations, [1-9][0-9]* cancelled" "and it says how many went early"

sed 's|^roles = clickhouse$|roles = clickhouse\njump = gateway|' "$INV" >"$T/jump.conf"
run -i "$T/jump.conf" node ssh-stress --ops 30 --forward 127.0.1.3:2222 analytics
is "$rc" 0 "analytics through the gateway: every answer right"

done_testing

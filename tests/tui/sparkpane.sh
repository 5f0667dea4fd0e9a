#!/bin/bash
# The Spark pane without a cluster, through a private tmux server: an API
# that refuses connections is named with why and when it failed and that the
# watch retries; the keys still answer; an inventory without Kubernetes says so.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/tmux.sh"

command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes"
sock="pt-sparkpane-$$"
tm() { tmux -L "$sock" "$@"; }
T=$(mktemp -d)
trap 'for s in pt-sparkpane-$$ pt-sparkpane2-$$; do tmux -L $s kill-server 2>/dev/null; done; rm -rf "$T"' EXIT
export XDG_CONFIG_HOME=$T/config

printf 'not-a-real-token\n' >"$T/token"
chmod 600 "$T/token"
cat >"$T/inv.conf" <<X
[platform]
name = sparktest
timeout = 3s
[node compute]
address = 127.0.0.1
[service spark]
kind = spark
node = compute
endpoint = https://127.0.0.1:1/apis/sparkoperator.k8s.io/v1beta2/namespaces/jobs/sparkapplications
secret = file:$T/token
X
cat >"$T/none.conf" <<X
[platform]
name = nokube
[node gw]
address = 127.0.0.1
X
chmod 644 "$T/inv.conf" "$T/none.conf"

tm -f /dev/null new-session -d -x 160 -y 30 "$PT -i $T/inv.conf; echo exit=\$?; sleep 30"
wait_for 'platform-tui +sparktest' 10
ok $? "the console opens"
tm send-keys 4
wait_for 'namespaces/jobs/sparkapplications' 10
ok $? "the Spark pane names the collection it watches"
wait_for 'API down since [0-9:]+ \([0-9]+ failures?\): ' 15 && wait_for 'the watch retries in [0-9]+ s' 3
ok $? "an unreachable API: since when, how often, why, and that it retries"
like "$(screen)" 'refused|connect|resolve' "the reason is the connection's"
tm send-keys r
wait_for 'API down since' 5
ok $? "r tries again and still says why"
tm send-keys l
wait_for 'no application or pod under the cursor' 5
ok $? "l without an application: a message, no crash"
tm send-keys q q q q
sleep 1
like "$(screen)" 'exit=0' "q quits"
tm kill-server
# A server of its own: a new session may reach the old one while it exits.
sock="pt-sparkpane2-$$"

tm -f /dev/null new-session -d -x 160 -y 30 "$PT -i $T/none.conf; echo exit=\$?; sleep 30"
wait_for 'platform-tui +nokube' 10
tm send-keys 4
wait_for 'no Spark or Kubernetes service in the inventory' 5
ok $? "an inventory without Kubernetes says so"
tm send-keys q q q
sleep 1
like "$(screen)" 'exit=0' "q quits"

echo "1..$_n"

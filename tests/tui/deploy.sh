#!/bin/bash
# The Deploy pane in a private tmux server: empty until p plans, the steps
# with their state, Enter shows a step's diff, A asks before it applies,
# progress on the message line, and the pane then shows what changed.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/tmux.sh"

command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes" PLATFORM_TUI_TEMPLATES="$top_srcdir/plugins"
sock="pt-deploy-$$"
tm() { tmux -L "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT

R=$T/root
mkdir -p "$R/usr/local/sbin"
for c in apt-get sysctl nft systemctl docker; do
	printf '#!/bin/sh\necho "%s $*" >> "$ROOT/standin.log"\n' "$c" > "$R/usr/local/sbin/$c"
done
printf '#!/bin/sh\necho "install ok installed"\n' > "$R/usr/local/sbin/dpkg-query"
echo 'case "$1" in is-active) echo active;; esac' >> "$R/usr/local/sbin/systemctl"
chmod +x "$R/usr/local/sbin/"*
cat > "$T/inv.conf" <<X
[platform]
name = tuideploy
deploy-root = $R
[node gw]
address = 127.0.0.1
X
chmod 644 "$T/inv.conf"


# --local: the console deploys the machine it runs on (under the root).
mkdir -p "$XDG_CONFIG_HOME/platform-tui"
cat > "$XDG_CONFIG_HOME/platform-tui/config" <<X
bind -p Deploy p deploy plan --local
bind -p Deploy A deploy apply --local
X
chmod 600 "$XDG_CONFIG_HOME/platform-tui/config"
tm -f /dev/null new-session -d -x 120 -y 30 "$PT -i $T/inv.conf; echo exit=\$?; sleep 30"
tm set-option -g remain-on-exit on >/dev/null
wait_for 'platform-tui +tuideploy'
ok $? "the console starts"
tm send-keys : "pane Deploy" Enter
wait_for 'No plan yet'
ok $? "the Deploy pane starts empty and says how to plan"
tm send-keys p
wait_for '^gw +node/sysctl +will change +1 of 1 file'
ok $? "p plans: the steps and their state"
wait_for "plan [0-9T]+-[0-9a-f]+: 4 steps to change"
ok $? "the message line sums it up"
tm send-keys Down Enter
wait_for '\+net.ipv4.ip_forward = 1'
ok $? "Enter shows the step's diff"
tm send-keys Escape
wait_for '^gw +node/sysctl'
tm send-keys A
wait_for "Run 'deploy apply --local'\? \[y/N\]"
ok $? "A asks first, naming the command"
tm send-keys y
wait_for 'apply [0-9T]+-[0-9a-f]+: 4 steps changed'
ok $? "the apply runs and reports on the message line"
wait_for '^gw +node/sysctl +changed'
ok $? "the pane then shows what changed"
ok $([ -f "$R/etc/sysctl.d/60-platform-tui.conf" ]; echo $?) "the file is in place"
tm send-keys H
wait_for '^[0-9T:-]+Z? +[a-z]+ +[0-9T]+-[0-9a-f]+ +ok +4'
r=$?
ok $r "H lists the apply in the history"
[ $r -eq 0 ] || screen | sed 's/^/# /' 
tm send-keys q q
done_testing

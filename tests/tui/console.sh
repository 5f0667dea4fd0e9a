#!/bin/bash
# The console in a private tmux server at 80x24: overview rows, the : prompt, quitting.
. "$(dirname "$0")/../integration/lib.sh"

command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes"
sock="pt-test-$$"
tm() { tmux -L "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT

# One service that refuses, one that answers (a listening socket of our own).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); time.sleep(60)' "$port" &
listener=$!
for _ in $(seq 50); do
	python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" 2>/dev/null && break
	sleep 0.1
done
cat >"$T/inv.conf" <<X
[platform]
name = tuitest
timeout = 2s
[node gw]
address = 127.0.0.1
[service closed]
kind = redis
node = gw
endpoint = tcp://127.0.0.1:1
[service open]
kind = redis
node = gw
endpoint = tcp://127.0.0.1:$port
X
chmod 644 "$T/inv.conf"

screen() { tm capture-pane -p; }
wait_for() {	# wait_for PATTERN: up to 5 s for the screen to show it
	for _ in $(seq 50); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

tm -f /dev/null new-session -d -x 80 -y 24 "$PT -i $T/inv.conf; echo exit=\$?; sleep 30"
tm set-option -g remain-on-exit on >/dev/null
wait_for 'platform-tui +tuitest'
ok $? "the header names the platform"
wait_for '^open +main +gw +redis +up'
ok $? "a listening service shows up"
wait_for '^closed +main +gw +redis +down'
ok $? "a refused one shows down, and the console goes on"
like "$(screen | tail -1)" '\? help +: command.*q quit' "the hint line shows the keys"
is "$(screen | wc -l | tr -d ' ')" 24 "the screen is 24 lines"

tm send-keys ':' 'vers' Tab
wait_for '^:version'
ok $? "Tab completes a command name at the : prompt"
tm send-keys Enter
wait_for '^platform-tui [0-9.]+ \(plugin API'
ok $? "the command ran and its message shows"

tm send-keys ':' 'inventory show nodes' Enter
wait_for '^NODE +ADDRESS'
ok $? "a command's view shows in the Result pane"
tm send-keys ':' 'frobnicate' Enter
wait_for "unknown command 'frobnicate'"
ok $? "a bad command is an error on the message line"

tm resize-window -x 60 -y 15 2>/dev/null
tm send-keys Escape
wait_for '^open +main'
ok $? "Esc goes back to the Overview, redrawn after a resize"
is "$(screen | wc -l | tr -d ' ')" 15 "the screen follows the new size"

tm send-keys q
wait_for '^exit=0'
ok $? "q quits with status 0"
ok "$([ -s "$XDG_STATE_HOME/platform-tui/history" ]; echo $?)" "the prompt's history was saved"
kill "$listener" 2>/dev/null
done_testing

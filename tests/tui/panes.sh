#!/bin/bash
# The console driven through a private tmux server: panes and the back stack,
# filter, sort, marks, help, the prompt with argument completion, key binds
# from the config, a live theme switch, the confirmation of a destructive
# command and --read-only, a resize storm, 20x5, hostile strings from a
# server drawn escaped, and a dead service that does not stop the rest.
. "$(dirname "$0")/../integration/lib.sh"

command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes"
sock="pt-panes-$$"
tm() { tmux -L "$sock" "$@"; }
py=/usr/bin/python3
pids=()
trap 'tm kill-server 2>/dev/null; kill "${pids[@]}" 2>/dev/null; rm -rf "$T"' EXIT

free_port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A fake ClickHouse whose version string is hostile: escapes, a title change, bad UTF-8.
evil=$(free_port)
$py - "$evil" <<'EOF' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"18.16\x1b[31mRED\x1b]2;pwned\x07\xff\xfeend"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
pids+=($!)
# A blackhole: accepts and never answers, so its probe runs until the timeout.
hole=$(free_port)
$py -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); time.sleep(600)' "$hole" &
pids+=($!)
for p in "$evil" "$hole"; do
	for _ in $(seq 50); do
		$py -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$p" 2>/dev/null && break
		sleep 0.1
	done
done

cat >"$T/inv.conf" <<X
[platform]
name = panetest
timeout = 3s
[node gw]
address = 127.0.0.1
[node db]
address = 127.0.0.1
[service evil]
kind = clickhouse
node = db
endpoint = http://127.0.0.1:$evil
[service airflow]
kind = airflow
node = gw
endpoint = http://127.0.0.1:1
[service hole]
kind = s3
node = gw
endpoint = http://127.0.0.1:$hole
X
chmod 644 "$T/inv.conf"

mkdir -p "$T/plugins" "$XDG_CONFIG_HOME/platform-tui"
cp "$top_builddir/tests/plugins/.libs/testplugin.so" "$T/plugins/"
conf=$XDG_CONFIG_HOME/platform-tui/config
printf '# test config\nbind x pane Nodes\nbind -p Nodes X pane 1\n' >"$conf"
chmod 600 "$conf"

screen() { tm capture-pane -p; }
wait_for() {	# wait_for PATTERN [SECONDS]: until the screen shows it
	local i
	for i in $(seq $((${2:-5} * 10))); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	screen | sed 's/^/#   | /' | sed '/^#   | $/d'
	return 1
}
start() {	# start ARGS...: the console in a fresh window of 80x24
	tm kill-session -t pt 2>/dev/null
	tm new-session -d -s pt -x 80 -y 24 \
	    "$PT -i $T/inv.conf --plugin-dir $T/plugins $*; echo exit=\$?; sleep 60"
	tm set-option -g remain-on-exit on >/dev/null
	wait_for 'platform-tui +panetest'
}
keys() { tm send-keys -t pt "$@"; }

# $EDITOR for C-e: it rewrites the query, and it waits until the test says so.
cat >"$T/ed.sh" <<'X'
#!/bin/sh
echo "$$" >"$T/ed.pid"
while [ ! -e "$T/ed.go" ]; do sleep 0.1; done
printf 'SELECT 42 AS edited\n' >"$1"
X
sed -i "s|\$T|$T|g" "$T/ed.sh"
chmod 755 "$T/ed.sh"
export EDITOR="$T/ed.sh" VISUAL=

tm -f /dev/null new-session -d -s keep -x 80 -y 24 "sleep 600"
start
ok $? "the console opens"

# A dead service and a slow one: the rest of the console keeps answering.
wait_for '^airflow +main +gw +airflow +down'
ok $? "a refused service shows down"
keys 2
wait_for '^ NODE +meters: CPU' 2
ok $? "pane 2 (Nodes) opens while a probe still waits on the blackhole"
keys 1
wait_for '^hole .*timeout' 6
ok $? "the blackholed service shows timeout"

# Hostile text from a server: escaped, never interpreted (at 200x50, with room).
tm resize-window -t pt -x 200 -y 50
wait_for 'evil .*ClickHouse 18\.16\\x1b\[31mRED\\x1b\]2;pwned\\x07' 5
ok $? "escape sequences from a server are shown escaped"
like "$(screen | grep '^evil')" 'pwned\\x07\\xff\\xfeend|pwned\\x07..end' "invalid UTF-8 is shown escaped or replaced"
tm resize-window -t pt -x 80 -y 24
title=$(tm display-message -p -t pt '#{pane_title}')
ok "$([ "$title" != pwned ]; echo $?)" "a title-setting sequence did not reach the terminal"

# Pane switching and the back stack.
keys Tab
wait_for '^ 1 Overview .*2 Nodes' && screen | grep -q '^ NODE '
ok $? "Tab goes to the next pane"
keys 3
wait_for '^airflow (›|>) DAGs' 2
ok $? "pane 3 (DAGs) is the Airflow service's DAGs"
wait_for '(connect|refused|unreachable|not built in)' 5
ok $? "a DAGs pane whose API is down says why"
wait_for 'retry at [0-9:]+ \(r now\)' 1
ok $? "... and when it tries again"
keys 1 g
keys Enter
wait_for '^SQL>' 2 && ! screen | grep -q '^evil .*clickhouse'
ok $? "Enter on a service opens the pane of its kind"
like "$(screen | grep ' evil@')" '^ evil@main' "the SQL pane connects to that ClickHouse service"
keys C-e
for _ in $(seq 50); do [ -s "$T/ed.pid" ] && break; sleep 0.1; done
ok "$([ -s "$T/ed.pid" ]; echo $?)" "C-e starts \$EDITOR on the query"
touch "$T/ed.go"
wait_for '^SQL> SELECT 42 AS edited' 5
ok $? "the edited query comes back into the SQL editor"
# The first Esc takes the keys from the query editor to the results.
keys Escape Escape
wait_for '^SERVICE.? +ENDPOINT +NODE +KIND' 2
ok $? "Esc goes back to the Overview"

# Filter as you type, invert, regex; Esc clears it.
keys /
wait_for '^:filter' 2
ok $? "/ opens the filter prompt"
keys 'hole'
wait_for '^hole ' 2 && ! screen | grep -q '^evil '
ok $? "typing filters the rows at once"
keys Enter
wait_for 'filter: hole' 2
ok $? "Enter keeps the filter, the footer shows it"
keys /
keys '!hole' Enter
wait_for 'rows match .!hole' 2 && screen | grep -q '^evil ' && ! screen | grep -q '^hole '
ok $? "! inverts the filter"
keys / '/^a/' Enter
wait_for 'rows match ./\^a/' 2 && screen | grep -q '^airflow ' && ! screen | grep -q '^evil '
ok $? "/regex/ filters with a regular expression"
keys / '/[/' Enter
wait_for 'filter: ' 2
ok $? "a bad regex is reported"
keys Escape
wait_for '^hole ' 2 && screen | grep -q '^evil ' && screen | grep -q '^airflow '
ok $? "Esc clears the filter"

# Sort: s cycles the columns, the header shows an arrow.
keys s
wait_for 'SERVICE[▲▼^v]|SERVICE *[▲▼]' 2
ok $? "s sorts by a column and the header shows it"
# row4: wait until the first row of the table is the one wanted.
row4() {
	local i
	for i in $(seq 30); do
		screen | sed -n 4p | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	screen | sed -n 4p | sed 's/^/#   got: /'
	return 1
}
keys : 'sort --reverse service' Enter
row4 '^hole '
ok $? "sort --reverse service puts the last name first"
keys : 'sort service' Enter
row4 '^airflow '
ok $? "sort service puts the first name first"

# Marks.
keys g Space
wait_for '1 marked' 2
ok $? "Space marks a row"
keys : 'mark --none' Enter
wait_for '0 marked' 2
ok $? "mark --none clears the marks"

# Help, generated from the key and command tables, with a filter of its own.
keys '?'
wait_for '^KEY +PANE +DOES' 2
ok $? "? shows the help"
keys / 'sort' Enter
wait_for '^s +all +sort by the next column' 2
ok $? "help is a table that can be filtered"
keys q
wait_for '^KEY +PANE +DOES' 2 && ! screen | grep -q 'filter: sort'
ok $? "q clears the help's filter first"
keys q
wait_for '^SERVICE.? +ENDPOINT +NODE +KIND' 2
ok $? "q again goes back from help"

# The prompt: argument completion from the loaded views and the tables.
keys : 'pane Nod' Tab
wait_for '^:pane Nodes' 2
ok $? "Tab completes a pane name"
keys Enter
wait_for '^ NODE +meters: CPU' 2
ok $? "pane Nodes switches"
keys 1 : 'status ev' Tab
wait_for '^:status evil' 2
ok $? "Tab completes a service name from the Overview"
keys Escape

# Key bindings from the config file, global and per pane.
keys x
wait_for '^ NODE +meters: CPU' 2
ok $? "a key bound in the config (x: pane Nodes) works"
keys X
wait_for '^SERVICE.? +ENDPOINT +NODE +KIND' 2
ok $? "a key bound for one pane (-p Nodes X) works there"
keys X
wait_for 'X is not bound' 2
ok $? "... and not in the others"

# A theme switch, live and saved.
keys : 'theme monochrome' Enter
wait_for 'theme monochrome, saved' 2
ok $? "theme switches live"
like "$(cat "$conf")" 'theme = monochrome' "the choice is saved in the config"
like "$(cat "$conf")" 'bind x pane Nodes' "saving keeps the other lines"
keys : 'theme nosuch' Enter
wait_for 'theme: ' 2
ok $? "an unknown theme is an error and the current one stays"

# A destructive command asks, names its target; n refuses, y runs it.
keys : "hello touch $T/touched" Enter
wait_for "hello touch $T/touched.*\[y/N\]" 2
ok $? "a destructive command asks first, naming its target"
keys n
wait_for 'not confirmed' 2
ok "$([ ! -e "$T/touched" ]; echo $?)" "n does not run it"
keys : "hello touch $T/touched" Enter
wait_for '\[y/N\]' 2
keys y
for _ in $(seq 20); do [ -e "$T/touched" ] && break; sleep 0.1; done
ok "$([ -e "$T/touched" ]; echo $?)" "y runs it"

# Resize storm, then far too small, then back.
for s in 100x30 60x15 132x43 40x10 90x20 70x25 80x24; do
	tm resize-window -t pt -x "${s%x*}" -y "${s#*x}" 2>/dev/null
done
wait_for '^SERVICE.? +ENDPOINT' 3
ok $? "after a resize storm the pane is drawn again"
is "$(screen | wc -l | tr -d ' ')" 24 "... at the final size"
tm resize-window -t pt -x 20 -y 5
wait_for 'needs 40x8' 2
ok $? "at 20x5 the console says it needs more room"
tm resize-window -t pt -x 80 -y 24
wait_for '^SERVICE.? +ENDPOINT' 3
ok $? "and recovers when enlarged"

keys q
wait_for '^exit=0' 3
ok $? "q at the top quits with status 0"

# --read-only refuses a change with a message, and the header says so.
start --read-only
wait_for 'READ-ONLY' 2
ok $? "the header shows READ-ONLY"
keys : "hello touch $T/ro" Enter
wait_for 'read-only' 2
ok $? "--read-only refuses a changing command with a message"
ok "$([ ! -e "$T/ro" ]; echo $?)" "nothing was changed"
keys q
wait_for '^exit=0' 3
ok $? "quit"

# A non-UTF-8 locale: ASCII borders and glyphs, no crash.
tm kill-session -t pt 2>/dev/null
tm new-session -d -s pt -x 80 -y 24 \
    "env LANG=C LC_ALL=C $PT -i $T/inv.conf; echo exit=\$?; sleep 60"
wait_for 'platform-tui +panetest' 3
keys s
sleep 0.3
ok "$(screen | grep -q '[▲▼…]' && echo 1 || echo 0)" "in the C locale no UTF-8 glyph is drawn"
keys q
wait_for '^exit=0' 3
ok $? "quits in the C locale"

done_testing

#!/bin/bash
# TAP: the SQL REPL ("platform-tui sql" on a terminal, no query) in a private
# tmux server against the lab's two ClickHouse shards: multi-line input, \G,
# a syntax error, escapes shown escaped, a session across queries, Ctrl-C
# cancelling a query on both shards (checked in system.processes), Ctrl-C at
# the prompt, Tab completion from system.*, history kept across runs, Ctrl-D.
#   PLATFORM_LAB_DIR=/tmp/platform-lab tests/lab/repl.sh
. "$(dirname "$0")/../integration/lib.sh"

LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
command -v curl >/dev/null || { echo "1..0 # SKIP curl not installed"; exit 0; }

run=1
tm() { tmux -L "pt-repl-$$-$run" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT
tag="repltest$$"

screen() { tm capture-pane -p -J; }
wait_for() {	# wait_for PATTERN [TENTHS]: until the screen shows it (5 s)
	for _ in $(seq "${2:-50}"); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
# type TEXT: a line and Enter; tmux takes a trailing ";" for its own separator.
type_line() {
	case $1 in
	*\;) tm send-keys -l -- "${1%;}"; tm send-keys '\;' Enter ;;
	*) tm send-keys -l -- "$1"; tm send-keys Enter ;;
	esac
}
# How many queries carrying our tag run on a shard (HTTP port) now.
running() {
	curl -s "http://127.0.1.3:$1/" --data-binary "SELECT count() FROM system.processes \
WHERE query LIKE '%$tag%' AND query NOT LIKE '%system.processes%'"
}
start() {	# a tmux server of its own for each run
	tm kill-server 2>/dev/null
	run=$((run + 1))
	tm -f /dev/null new-session -d -x 150 -y 50 \
	    "$PT -i $LAB/lab.conf sql; echo exit=\$?; sleep 60"
	tm set-option -g remain-on-exit on >/dev/null
	wait_for '^platform-tui :\) $' 100
}
clear_screen() { tm send-keys C-l; tm clear-history; sleep 0.2; }

start
ok $? "the REPL connects and shows its prompt"
like "$(screen)" 'Connected to ClickHouse server version [0-9]+\.' "it greets with the server's version"

type_line "SELECT number AS n,"
wait_for '^:-\] $'
ok $? "an unfinished statement gets the continuation prompt"
type_line "  toString(number * 10) AS s FROM numbers(3);"
wait_for 'rows in set'
like "$(screen)" '│ +2 │ 20 │' "the multi-line query's rows show in a table"
like "$(screen)" '┌─n─┬─s──┐' "numbers align right, strings left, under a header"
like "$(screen)" '^3 rows in set\. Elapsed: [0-9.]+ sec\.' "then the count and the time"

clear_screen
type_line "SELECT 1 AS a, 'x' AS bbb\\G"
wait_for 'rows in set'
like "$(screen)" '^Row 1:' "\\G prints a Row block"
like "$(screen)" '^bbb: x$' "with the names padded"
like "$(screen)" '^a: {3}1$' "to the longest"

clear_screen
type_line "SELEC 1;"
wait_for 'Code: 62'
like "$(screen)" '^Received exception from server \(version [0-9.]+\):' "a syntax error says so"
like "$(screen)" '^Code: 62\. DB::Exception: Syntax error' "with the server's code and message"
wait_for '^platform-tui :\) $'
ok $? "and the prompt comes back"

clear_screen
type_line "SELECT concat('a', unhex('1b'), '[31mred') AS v;"
wait_for 'rows in set'
like "$(screen)" 'a\\x1b\[31mred' "an escape sequence from the server is shown escaped"

clear_screen
type_line "SET max_threads = 3;"
wait_for '^Ok\.'
ok $? "SET answers Ok."
type_line "SELECT value FROM system.settings WHERE name = 'max_threads';"
wait_for '│ 3 +│'
ok $? "the setting holds in the next query: one session"

clear_screen
type_line "SELECT sleepEachRow(0.5), '$tag' FROM cluster('lab', system, numbers) LIMIT 100 SETTINGS max_block_size = 1;"
for _ in $(seq 50); do
	[ "$(running 8123)" -ge 1 ] 2>/dev/null && [ "$(running 8124)" -ge 1 ] 2>/dev/null && break
	sleep 0.1
done
ok $(( $(running 8123) >= 1 && $(running 8124) >= 1 ? 0 : 1 )) "the query runs on both shards"
wait_for '^(Progress|Running): ' 30
ok $? "a query running past a second shows a progress line"
tm send-keys C-c
wait_for '^Query was cancelled\.$'
ok $? "Ctrl-C cancels it"
is "$(running 8123) $(running 8124)" "0 0" "it is gone from system.processes on both shards"
wait_for '^platform-tui :\) $'
ok $? "the REPL goes on"

clear_screen
tm send-keys -l "SELECT 'notrun'"
tm send-keys C-c
sleep 0.3
type_line "SELECT 'after' AS w;"
wait_for '│ after │'
ok $? "Ctrl-C at the prompt drops the line, the next query runs"
unlike_notrun=$(screen | grep -c 'notrun.*rows\|│ notrun')
is "$unlike_notrun" 0 "the dropped line never ran"

clear_screen
sleep 0.5	# the names load in the background
tm send-keys -l "SELECT count() FROM lakehouse.gold_d"
tm send-keys Tab
wait_for 'lakehouse\.gold_daily'
ok $? "Tab completes a table name loaded from system.tables"
tm send-keys C-u
tm send-keys -l "sel"
tm send-keys Tab
wait_for ':\) select'
ok $? "and a keyword, in the case typed"
tm send-keys C-u C-d
wait_for '^exit=0'
ok $? "Ctrl-D leaves with status 0"

hist="$XDG_STATE_HOME/platform-tui/sql_history.clickhouse"
grep -q "^SELECT number AS n,   toString(number \* 10) AS s FROM numbers(3);$" "$hist"
ok $? "the multi-line query is one line of the history file"
grep -q "^SET max_threads = 3;$" "$hist"
ok $? "every query is saved"
is "$(stat -c %a "$hist")" 600 "the history file is private"

start
ok $? "a second run"
tm send-keys Up
wait_for ":\) SELECT 'after' AS w;$"
ok $? "Up recalls the last query of the run before"
tm send-keys C-u C-r
tm send-keys -l "SET max_t"
wait_for "reverse-i-search.*: SET max_threads = 3;"
ok $? "Ctrl-R finds an older one"
tm send-keys Enter
wait_for '^Ok\.'
ok $? "and Enter runs it"
type_line "quit"
wait_for '^exit=0'
ok $? "quit leaves too"

done_testing

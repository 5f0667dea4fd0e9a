#!/bin/bash
# TAP: the console's SQL pane against the lab's two ClickHouse shards, driven
# through a private tmux server: rows, a syntax error, ten million rows
# scrolled to the end in bounded memory (and how soon the first rows show),
# C-c on a distributed query and system.processes afterwards, history kept
# and searched, completion, the vertical view, export, the cluster view and
# its kill of a running query through the confirmation.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/tmux.sh"

LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
CH1=http://127.0.1.3:8123
CH2=http://127.0.1.3:8124
curl -sf "$CH1/?query=SELECT%201" >/dev/null || { echo "1..0 # SKIP ClickHouse shard1 is down"; exit 0; }

export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes" XDG_CACHE_HOME="$T/cache"
sock="pt-sqlpane-$$"
tm() { tmux -L "$sock" "$@"; }
bgpid=
cleanup() {
	tm kill-server 2>/dev/null
	[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null
	# A query the test started and did not kill must not run on.
	curl -s "$CH1/" --data-binary "KILL QUERY WHERE query_id = 'pt-sqlpane-$$'" >/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# type TEXT: literal keys (tmux would take a ';' for its own separator).
type() { tm send-keys -l -- "${1//;/\\;}"; }
starts=0
start() {	# a new tmux server each time: a dying one may still hold the old socket
	tm kill-server 2>/dev/null
	starts=$((starts + 1))
	sock="pt-sqlpane-$$-$starts"
	tm -f /dev/null new-session -d -x 132 -y 40 \
	    "$PT -i $LAB/lab.conf; sleep 30"
	wait_for "Overview" 10
	tm send-keys 5
	wait_for "SQL>" 5
}
pid_of() { pgrep -f "^$PT -i $LAB/lab.conf" | head -1; }
ch() {	# ch URL QUERY: a query with curl
	curl -s "$1/" --data-binary "$2"
}

start
ok $? "the SQL pane opens with its editor"
wait_for "clickhouse@shard1" 5
ok $? "it connects to the lab's ClickHouse, shard1 first"

type "SELECT number, toString(number) AS s FROM numbers(20);"
tm send-keys Enter
wait_for "20 rows in" 10
ok $? "a query ending in ';' runs on Enter"
like "$(screen)" " +19  19" "its rows are in the table"

tm send-keys C-u
type "SELEC 1;"
tm send-keys Enter
wait_for "Code: 62" 10
ok $? "a syntax error shows the server's code"
like "$(screen)" "Syntax error" "and its message"

# Ten million rows: the first ones show at once, G goes to the end, memory stays flat.
tm send-keys C-u
type "SELECT number, toString(number) FROM numbers(10000000);"
t0=$(date +%s%N)
tm send-keys Enter
wait_for "^ +0  0 *$" 10
t1=$(date +%s%N)
first=$(( (t1 - t0) / 1000000 ))
ok $? "the first rows of 10,000,000 show while it runs"
echo "# Enter to first rows on screen: ${first} ms (tmux polling included)"
wait_for "10,000,000 rows in" 60
ok $? "all 10,000,000 rows arrive"
echo "# pane says: $(screen | grep -oE '10,000,000 rows in [^ ]+, first rows after [0-9]+ ms')"
tm send-keys Escape G
wait_for "row 10,000,000 of 10,000,000" 10
ok $? "G goes to the last of 10,000,000 rows"
like "$(screen)" "9999999  9999999" "and shows it"
tm send-keys g
wait_for "row 1 of 10,000,000" 5
ok $? "g goes back to the first"
tm send-keys PgDn PgDn j
wait_for "row [0-9]+ of 10,000,000" 5
pid=$(pid_of)
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
echo "# peak RSS (VmHWM) after 10,000,000 rows and G: ${hwm} kB"
[ "$hwm" -lt 153600 ]
ok $? "peak RSS stays under 150 MB (${hwm} kB)"

tm send-keys :
type "sql export $T/out.tsv"
tm send-keys Enter
wait_for "exported 10000000 rows" 60
ok $? "sql export writes the whole result"
is "$(wc -l <"$T/out.tsv")" 10000001 "the TSV has a line per row and the header"
is "$(tail -1 "$T/out.tsv")" "9999999	9999999" "its last line is the last row"

tm send-keys v
wait_for "COLUMN +TYPE +VALUE" 5
ok $? "v shows the row vertically"
like "$(screen)" "number +UInt64" "column, type and value on a line"
tm send-keys Escape
wait_for "SQL>|sql>" 5

# C-c on a query that runs on both shards: killed everywhere, and confirmed.
tm send-keys i C-u
type "SELECT count() FROM remote('127.0.1.3:9000,127.0.1.3:9001', system, numbers);"
tm send-keys Enter
wait_for "running" 10
sleep 1
tm send-keys C-c
wait_for "cancelled after" 20
ok $? "C-c cancels the running query"
like "$(screen)" "kill was confirmed" "and says the kill was confirmed"
left=$(ch $CH1 "SELECT count() FROM system.processes WHERE query LIKE '%system, numbers%' AND query NOT LIKE '%processes%'")
left2=$(ch $CH2 "SELECT count() FROM system.processes WHERE query LIKE '%numbers%' AND query NOT LIKE '%processes%'")
is "$left/$left2" "0/0" "system.processes shows it gone on both shards"

# History: kept per connection, searched with C-r, back after a restart.
hist=$XDG_STATE_HOME/platform-tui/sql-history-clickhouse
grep -q "numbers(10000000)" "$hist"
ok $? "history is saved under XDG_STATE_HOME"
tm send-keys C-u C-r
type "numbers(20"
wait_for "reverse-i-search" 5
like "$(screen)" "SQL> SELECT number, toString\(number\) AS s FROM numbers\(20\)" \
    "C-r finds an older query as it is typed"
tm send-keys Escape
start
tm send-keys Up
wait_for "SQL> SELECT count\(\) FROM remote" 5
ok $? "history is back after a restart (Up)"

# Completion from system.* loaded in the background.
tm send-keys C-u
type "SELECT * FROM lakehouse.gold_d"
tm send-keys Tab
wait_for "FROM lakehouse.gold_daily" 5
ok $? "Tab completes a table from system.tables"
tm send-keys C-u
type "sel"
tm send-keys Tab
wait_for "SQL> select" 5
ok $? "Tab completes a keyword in the case it is typed"

# The cluster view, and K on a running query: asked, then killed.
tm send-keys Escape c
wait_for "CLUSTER +SHARD_NUM" 10
ok $? "c shows system.clusters from every shard"
like "$(screen)" "shard2 +lab +2" "both shards answer"
qid="pt-sqlpane-$$"
curl -s "$CH1/?query_id=$qid" --data-binary "SELECT count() FROM system.numbers" >/dev/null &
bgpid=$!
sleep 0.5
tm send-keys :
type "sql cluster processes"
tm send-keys Enter
wait_for "$qid" 10
ok $? "the running query is listed"
tm send-keys /
type "$qid"
tm send-keys Enter K
wait_for "Run 'sql kill --service clickhouse $qid'\? \[y/N\]" 5
ok $? "K asks first, naming the query id"
tm send-keys y
wait_for "^shard1 +1 +stopped" 20
ok $? "y kills it, and sql kill says it stopped"
is "$(ch $CH1 "SELECT count() FROM system.processes WHERE query_id = '$qid'")" 0 \
    "system.processes no longer has it"

done_testing

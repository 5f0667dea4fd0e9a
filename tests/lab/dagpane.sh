#!/bin/bash
# The Airflow panes against the lab, through a private tmux server: the DAGs
# pane lists the simulator's DAGs, a filter keeps one, t puts its trigger
# command on the prompt, the new run shows in Runs, its cells in the Grid
# fill in as the tasks run, and Enter on a cell shows the task's log.
# Pausing asks first (answered no: the lab stays as it was).
# shellcheck source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP the lab is not up (lab/lab up)"
	exit 0
fi
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes"
export LANG=C.UTF-8
sock="pt-dagpane-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT
dag=${DAGPANE_DAG:-adhoc_export}
run="pt_dagpane_$$_$(date +%s)"

screen() { tm capture-pane -p -t pt; }
wait_for() {	# wait_for PATTERN [SECONDS]: until the screen shows it
	local i
	for i in $(seq $((${2:-5} * 10))); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	screen | sed 's/^/#   | /' | sed '/^#   | *$/d'
	return 1
}
keys() { tm send-keys -t pt "$@"; }

tm new-session -d -s pt -x 160 -y 40 \
    "$PT -i $LAB/lab.conf; echo exit=\$?; sleep 60"
tm set-option -g remain-on-exit on >/dev/null
wait_for 'platform-tui +lab' 10
ok $? "the console opens on the lab"

keys 3
wait_for 'DAG_ID' 15
ok $? "the DAGs pane lists the DAGs (pane 3)"
wait_for "^$dag " 15
ok $? "$dag is among them"
like "$(screen)" 'cleanup_tmp_files' "and so are the others"

keys / "$dag" Enter
wait_for "filter: $dag" 3
ok $? "the filter keeps $dag"

keys p
wait_for "pause DAG $dag\\?.*\\[y/N\\]" 3
ok $? "p asks before pausing, naming the DAG"
keys n
wait_for 'not confirmed' 3
ok $? "n leaves it running"

keys t
wait_for ":?dag trigger $dag --conf '\\{\\}'" 3
ok $? "t puts the trigger command on the prompt"
keys " --run-id $run" Enter
sleep 1
# A command whose answer is a table shows it in Result; back to the DAGs either way.
keys : "pane DAGs" Enter
wait_for "filter: $dag" 5
ok $? "back in the DAGs pane"

keys Enter
wait_for "$dag › runs" 5
ok $? "Enter opens the runs of $dag"
wait_for "$run" 15
ok $? "the new run $run is listed"
keys / "$run" Enter
wait_for "filter: $run" 3
keys Enter
wait_for "$dag › grid" 5
ok $? "Enter on the run opens the grid"
wait_for "[a-z_]+ +$run +(queued|scheduled|running|success)" 20
ok $? "the cursor's cell shows a task instance of the new run"

# The last task: its cell fills in when the run is done.
keys G
wait_for "[a-z_]+ +$run +success" 60
ok $? "the new run's last task turns success within a minute"
like "$(screen)" 'try [0-9]+' "the detail line has the try number"
first=$(screen | grep -E "^[a-z_]+ +.*(■|#) *$" | head -1)
like "$first" '.' "the grid draws state marks"
[ -n "${DAGPANE_SHOW:-}" ] && screen >"$DAGPANE_SHOW"

keys Enter
wait_for "$dag › $run › [a-z_]+ › log" 5
ok $? "Enter on the cell opens the task's log"
wait_for '[0-9]+/[1-9][0-9]* lines' 15
ok $? "the log has lines"
keys w
wait_for 'wrap on' 3
ok $? "w wraps long lines"
keys e
sleep 0.5
like "$(screen)" 'lines  task ' "the status line names the task's state"

keys Escape
wait_for "$dag › grid" 3
ok $? "Esc goes back to the grid"
keys q q q q q q q
sleep 1
like "$(screen)" 'exit=0' "q goes back, and quits at the top"

echo "1..$_n"
exit $((_failed != 0))

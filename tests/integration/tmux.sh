# Helpers for the tests that drive the console in a private tmux server:
# source after lib.sh, with tm() running tmux on the test's own server.
# A test may define screen() again after (another -t target, -J).

screen() { tm capture-pane -p; }

wait_for() {	# wait_for PATTERN [SECONDS]: until the screen shows it (grep -E)
	local i n=$(( ${2:-10} * 20 ))
	tm has-session 2>/dev/null || { echo "# the tmux server is gone"; return 1; }
	for ((i = 0; i < n; i++)); do
		screen | grep -qE -- "$1" && return 0
		sleep 0.05
	done
	echo "# screen while waiting for: $1"
	screen | sed 's/^/# /'
	return 1
}

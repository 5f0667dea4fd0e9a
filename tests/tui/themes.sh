#!/bin/bash
# Every shipped theme in a private tmux server at 80x24: on 256 colours, on 8, on
# TERM=vt100 and with NO_COLOR; a bad theme falls back; scripted mode ignores themes.
. "$(dirname "$0")/../integration/lib.sh"

command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes"
themes="default light dark-256 solarized-dark high-contrast monochrome"
sock="pt-themes-$$"
tm() { tmux -L "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT

# Two services on loopback addresses whose ports are closed: both show down at once.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$T/inv.conf" <<X
[platform]
name = themetest
timeout = 2s
[node gw]
address = 127.0.0.2
[service one]
kind = redis
node = gw
endpoint = tcp://127.0.0.2:$port
[service two]
kind = redis
node = gw
endpoint = tcp://127.0.0.3:$port
X
chmod 644 "$T/inv.conf"
conf="$XDG_CONFIG_HOME/platform-tui/config"
mkdir -p "$(dirname "$conf")"
set_theme() { printf '# set by the test\ntheme = %s\n' "$1" >"$conf"; chmod 600 "$conf"; }

E=$(printf '\033')
colour_re="$E\\[(3[0-7]|4[0-7]|38;5;[0-9]+|48;5;[0-9]+)m"
# One server for all runs; a session that stays keeps it from exiting between them.
tm -f /dev/null new-session -d -s keep -x 80 -y 24 "sleep 600"
tm set-option -g remain-on-exit on >/dev/null
n=0
# start ENV...: the console in a new 80x24 session with these variables; $s names it.
start() {
	n=$((n + 1))
	s="run$n"
	tm new-session -d -s "$s" -x 80 -y 24 \
	    "env -u NO_COLOR $* $PT -i $T/inv.conf; echo exit=\$?; sleep 60"
}
screen() { tm capture-pane -p -t "$s"; }
escapes() { tm capture-pane -p -e -t "$s"; }
wait_for() {	# wait_for PATTERN: up to 5 s for the screen to show it
	for _ in $(seq 50); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
# drawn NAME: the header and both dead services are on the screen.
drawn() {
	wait_for 'platform-tui +themetest' && wait_for '^two +main +gw +redis +down' &&
	    wait_for '^one +main +gw +redis +down'
	ok $? "$1: header and both services drawn"
}
# quits NAME: q ends the console with status 0, and the session goes.
quits() {
	tm send-keys -t "$s" q
	wait_for '^exit=0'
	ok $? "$1: q quits with status 0 (no crash)"
	tm kill-session -t "$s"
}

for theme in $themes mono; do
	set_theme "$theme"
	start TERM=xterm-256color
	drawn "$theme on xterm-256color"
	is "$(screen | wc -l | tr -d ' ')" 24 "$theme: 24 lines"
	screen | grep -Eq 'not found|\.theme:' && ok 1 "$theme: no theme error" || ok 0 "$theme: no theme error"
	if [ "$theme" = monochrome ] || [ "$theme" = mono ]; then
		escapes | grep -Eq "$colour_re" && ok 1 "$theme: no colour" || ok 0 "$theme: no colour"
		like "$(escapes | head -1)" "$E\\[[0-9;]*7m" "$theme: the header is reversed"
	else
		like "$(escapes | head -1)" "$colour_re" "$theme: the header is in colour"
	fi
	quits "$theme"
done

# 256-colour themes on an 8-colour terminal use their .8 lines.
for theme in dark-256 solarized-dark light; do
	set_theme "$theme"
	start TERM=xterm
	drawn "$theme on xterm"
	like "$(escapes | head -1)" "$colour_re" "$theme on 8 colours: the header is in colour"
	escapes | grep -q "$E\\[[34]8;5;" && ok 1 "$theme on 8 colours: no 256-colour codes" ||
	    ok 0 "$theme on 8 colours: no 256-colour codes"
	quits "$theme on xterm"
done

# Without colour every theme is attributes alone: selection reversed, errors marked.
for how in TERM=vt100 "TERM=xterm-256color NO_COLOR=1"; do
	for theme in $themes; do
		set_theme "$theme"
		start "$how"
		drawn "$theme with $how"
		escapes | grep -Eq "$colour_re" && ok 1 "$theme with $how: no colour" ||
		    ok 0 "$theme with $how: no colour"
		like "$(escapes | grep 'one ')" "$E\\[[0-9;]*7m" "$theme with $how: the selection is reversed"
		like "$(escapes | grep 'two ')" "$E\\[[0-9;]*mdown" "$theme with $how: down stands out"
		quits "$theme with $how"
	done
done

# A theme that is missing or broken: the default, and a message naming the problem.
set_theme nosuch
start TERM=xterm-256color
drawn "a missing theme"
wait_for 'theme nosuch: not found'
ok $? "a missing theme is named on the message line"
quits "a missing theme"

mkdir -p "$T/themes"
cp "$top_srcdir"/themes/*.theme "$T/themes/"
printf 'normal = default default\nok = chartreuse default\n' >"$T/themes/broken.theme"
set_theme broken
start TERM=xterm-256color PLATFORM_TUI_THEME_DIR="$T/themes"
drawn "a broken theme"
wait_for 'broken.theme:2: .chartreuse.'
ok $? "a broken theme's FILE:LINE is on the message line"
like "$(escapes | head -1)" "$E\\[30m$E\\[46m" "and the default theme's header is used"
quits "a broken theme"

# Scripted mode never reads the theme.
set_theme nosuch
run -i "$T/inv.conf" -o tsv inventory show nodes
is "$rc" 0 "-o tsv with a missing theme in the config: status 0"
is "$err" "" "nothing on stderr"
like "$out" "^node	" "the view printed"
printf '%s' "$out" | grep -q "$E" && ok 1 "no escape sequences in scripted output" ||
    ok 0 "no escape sequences in scripted output"
tsv_theme=$out
rm -f "$conf"
run -i "$T/inv.conf" -o tsv inventory show nodes
is "$out" "$tsv_theme" "the same output with no config"
done_testing

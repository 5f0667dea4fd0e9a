#!/bin/bash
# The man pages render cleanly and list every command of the command table.
. "$(dirname "$0")/lib.sh"

for m in platform-tui.1 platform-tui.conf.5 platform-tui-plugins.7; do
	f="$top_srcdir/man/$m"
	ok "$([ -s "$f" ]; echo $?)" "$m exists"
	if command -v mandoc >/dev/null; then
		lint=$(mandoc -T lint -W warning "$f" 2>&1)
		is "$lint" "" "$m: mandoc -T lint is clean"
	fi
	if command -v groff >/dev/null; then
		warn=$(groff -mandoc -ww -Tutf8 "$f" 2>&1 >/dev/null)
		is "$warn" "" "$m: groff -ww is clean"
	fi
done

run help -o tsv
cmds=$(printf '%s\n' "$out" | tail -n +2 | cut -f1)
missing=""
while IFS= read -r c; do
	[ -n "$c" ] || continue
	grep -q "^\.It Cm $c\b" "$top_srcdir/man/platform-tui.1" || missing="$missing [$c]"
done <<<"$cmds"
is "$missing" "" "every command in the table has an .It Cm entry in platform-tui.1"

done_testing

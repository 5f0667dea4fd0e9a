#!/bin/bash
# Safety: --read-only refuses changes (exit 5), destructive commands need --yes, changes are audited.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/plugins"
cp "$top_builddir/tests/plugins/.libs/testplugin.so" "$T/plugins/"
P="--plugin-dir $T/plugins"
audit="$XDG_STATE_HOME/platform-tui/audit.log"

run $P --read-only hello touch "$T/f1" --yes
is "$rc" 5 "--read-only refuses a command that changes something"
like "$err" 'read-only' "and says why"
ok "$([ ! -e "$T/f1" ]; echo $?)" "nothing was changed"

run $P hello touch "$T/f2"
is "$rc" 5 "a destructive command without --yes is refused"
like "$err" 'add --yes' "and says how to confirm"
ok "$([ ! -e "$T/f2" ]; echo $?)" "nothing was changed"

run $P hello touch "$T/f3" --yes
is "$rc" 0 "with --yes it runs"
ok "$([ -e "$T/f3" ]; echo $?)" "and does its work"

run $P -y hello touch "$T/f4"
is "$rc" 0 "-y before the command works too"

run $P hello world
is "$rc" 0 "a command that changes nothing runs"

ok "$([ -f "$audit" ]; echo $?)" "the audit log is in \$XDG_STATE_HOME/platform-tui"
is "$(stat -c %a "$audit")" 600 "readable by its owner only"
is "$(wc -l <"$audit" | tr -d ' ')" 3 "one line per changing command that was not refused by read-only"
like "$(sed -n 2p "$audit")" "^[0-9T:-]+Z user=\"[^\"]+\" command=\"hello touch\" target=\"$T/f3\" .*result=\"ok\"" "time, user, command, target and result"
like "$(sed -n 1p "$audit")" 'result="refused"' "the unconfirmed attempt is recorded as refused"
ok "$(grep -c 'hello world' "$audit")" "reads are not audited"

mkdir -p "$XDG_CONFIG_HOME/platform-tui"
printf 'read-only = yes\n' >"$XDG_CONFIG_HOME/platform-tui/config"
chmod 600 "$XDG_CONFIG_HOME/platform-tui/config"
run $P hello touch "$T/f5" --yes
is "$rc" 5 "read-only = yes in the config refuses too"

done_testing

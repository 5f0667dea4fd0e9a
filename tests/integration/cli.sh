#!/bin/bash
# Scripted mode: help, version, usage errors, output formats, exit codes.
. "$(dirname "$0")/lib.sh"

run --version
is "$rc" 0 "--version exits 0"
like "$out" '^platform-tui [0-9]+\.[0-9]+' "--version prints the version"

run version
like "$out" 'libcurl .*libpq .*libssh2 .*jansson' "version names the libraries"

run help
is "$rc" 0 "help exits 0"
like "$out" 'COMMAND +USAGE' "help prints a table of commands"
like "$out" 'inventory check' "help lists inventory check"

run help status
like "$out" '^usage: platform-tui status ' "help COMMAND shows its usage"

run frobnicate
is "$rc" 2 "an unknown command exits 2"
like "$err" "unknown command 'frobnicate'" "and says so on stderr"

run inventory
is "$rc" 2 "a noun without a verb exits 2"
like "$err" 'one of: check, show' "and lists the verbs"

run status --no-such-option
is "$rc" 2 "an unknown option exits 2"

run help -o xml
is "$rc" 2 "a bad output format exits 2"

run -o tsv help
like "$(printf '%s\n' "$out" | head -1)" $'^command\tusage\tflags\tdescription$' "-o tsv prints a header of column names"

run help -o csv
like "$(printf '%s\n' "$out" | head -1)" '^command,usage,flags,description$' "-o csv after the command works too"

run help -o json
printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert any(r["command"]=="status" for r in d)'
ok $? "-o json is a JSON array of objects"

run </dev/null
is "$rc" 2 "no command and no terminal: usage, exit 2"

run completion bash
like "$out" 'complete -F _platform_tui platform-tui' "bash completion generated from the table"
bash -n <(printf '%s\n' "$out")
ok $? "the completion script parses"

run config show -o tsv
like "$out" $'timeout\t5s\tdefault' "config show lists defaults"
run -t 2s config show -o tsv
like "$out" $'timeout\t2s\tcommand line' "a flag overrides and says so"
mkdir -p "$XDG_CONFIG_HOME/platform-tui"
printf 'timeout = 7s\noutput = tsv\n' >"$XDG_CONFIG_HOME/platform-tui/config"
chmod 600 "$XDG_CONFIG_HOME/platform-tui/config"
run config show
like "$out" $'timeout\t7s\tconfig' "the config file is read (and its output = tsv applies)"
chmod 644 "$XDG_CONFIG_HOME/platform-tui/config"
run config show
is "$rc" 2 "a config file readable by others is refused"
like "$err" 'chmod' "with how to fix it"
printf 'bogus = 1\n' >"$XDG_CONFIG_HOME/platform-tui/config"
chmod 600 "$XDG_CONFIG_HOME/platform-tui/config"
run config show
is "$rc" 2 "an unknown setting exits 2"
like "$err" "config:1: key 'bogus': unknown setting" "naming file, line and key"
rm -f "$XDG_CONFIG_HOME/platform-tui/config"

done_testing

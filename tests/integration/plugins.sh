#!/bin/bash
# External plugins: loaded from a directory, their commands run; a wrong API version is refused.
. "$(dirname "$0")/lib.sh"

libs="$top_builddir/tests/plugins/.libs"
mkdir -p "$T/plugins" "$T/bad"
cp "$libs/testplugin.so" "$T/plugins/"
cp "$libs/badversion.so" "$T/bad/"

run plugin list -o tsv
like "$out" $'^platform\t' "built-in plugins are listed"
ok "$(printf '%s' "$out" | grep -c testplugin)" "no external plugin without a directory"

run --plugin-dir "$T/plugins" plugin list -o tsv
like "$out" $'testplugin\t1.0' "--plugin-dir loads an external plugin"

run --plugin-dir "$T/plugins" hello world operator -o tsv
is "$rc" 0 "its command runs"
is "$out" $'greeting\tn\noperator\t42' "and prints its view"

run --plugin-dir "$T/plugins" hello world $'a\033[31mb\tc' -o tsv
is "$(printf '%s\n' "$out" | tail -1)" 'a\x1b[31mb\tc	42' "tsv escapes control bytes from a view"
run --plugin-dir "$T/plugins" hello world $'x\033]0;t\a' -o csv
is "$(printf '%s\n' "$out" | tail -1)" 'x\x1b]0;t\x07,42' "and so does csv"

mkdir -p "$XDG_CONFIG_HOME/platform-tui"
printf 'plugin-dir = %s\n' "$T/plugins" >"$XDG_CONFIG_HOME/platform-tui/config"
chmod 600 "$XDG_CONFIG_HOME/platform-tui/config"
run hello world -o json
like "$out" '"greeting": "world"' "plugin-dir in the config file works too"
rm "$XDG_CONFIG_HOME/platform-tui/config"

run --plugin-dir "$T/bad" plugin list
is "$rc" 2 "a plugin for another API version stops the program with exit 2"
like "$err" 'badversion.*API version 2.*version 1' "and the message says which versions"

echo 'not an ELF' >"$T/bad/broken.so"
rm "$T/bad/badversion.so"
run --plugin-dir "$T/bad" plugin list
is "$rc" 2 "a file that is not a shared object is refused"
like "$err" 'broken\.so' "naming it"

run --plugin-dir "$T/nonexistent" plugin list
is "$rc" 0 "a missing plugin directory is not an error"

done_testing

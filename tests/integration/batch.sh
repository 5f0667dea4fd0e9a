#!/bin/bash
# Batch mode: one command per line in, one JSON object per line out, going on after errors.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/plugins"
cp "$top_builddir/tests/plugins/.libs/testplugin.so" "$T/plugins/"

out=$(printf '%s\n' \
	'hello world one' \
	'frobnicate' \
	'' \
	'# a comment' \
	'["hello", "world", "two words"]' \
	"hello world 'unterminated" \
	'hello touch '"$T/x" \
	'hello world three' |
	"$PT" --plugin-dir "$T/plugins" --batch 2>"$T/stderr") && rc=0 || rc=$?
is "$rc" 1 "batch exits 1 when a command failed"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 6 "one line per command; blank and comment lines skipped"
printf '%s\n' "$out" | python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin]
assert lines[0] == {"ok": True, "result": [{"greeting": "one", "n": 42}]}, lines[0]
assert lines[1]["ok"] is False and lines[1]["error"]["code"] == 2, lines[1]
assert "frobnicate" in lines[1]["error"]["message"]
assert lines[2]["result"][0]["greeting"] == "two words", lines[2]
assert lines[3]["error"]["code"] == 2 and "unterminated" in lines[3]["error"]["message"]
assert lines[4]["error"]["code"] == 5 and lines[4]["error"]["kind"] == "refused", lines[4]
assert lines[5]["ok"] is True and lines[5]["result"][0]["greeting"] == "three"
'
ok $? "results, usage errors, refusals, and it kept going"

out=$(printf 'hello world a\nversion\n' | "$PT" --plugin-dir "$T/plugins" --batch) && rc=0 || rc=$?
is "$rc" 0 "batch exits 0 when every command succeeded"
like "$(printf '%s\n' "$out" | sed -n 2p)" '^\{"ok": ?true, ?"result": ?\{"message": ?"platform-tui ' "a message result is an object"

out=$(printf 'hello touch %s --yes\n' "$T/y" | "$PT" --plugin-dir "$T/plugins" --batch --read-only)
like "$out" '"code": ?5' "--read-only applies in batch mode"

done_testing

#!/bin/sh
# Count the results of every test in the given build directories from automake's .trs files
# and print one closing line: "N passed, N failed, N skipped".
passed=0 failed=0 skipped=0
for d in "$@"; do
	[ -d "$d" ] || continue
	for f in $(find "$d" -name '*.trs'); do
		p=$(grep -c '^:test-result: PASS' "$f")
		x=$(grep -c '^:test-result: XFAIL' "$f")
		s=$(grep -c '^:test-result: SKIP' "$f")
		e=$(grep -Ec '^:test-result: (FAIL|ERROR|XPASS)' "$f")
		passed=$((passed + p + x)) skipped=$((skipped + s)) failed=$((failed + e))
	done
done
# Extra results (fuzzing, distcheck) come as lines "PASS: x" / "FAIL: x" in $EXTRA.
if [ -n "${EXTRA:-}" ] && [ -f "$EXTRA" ]; then
	passed=$((passed + $(grep -c '^PASS:' "$EXTRA")))
	failed=$((failed + $(grep -c '^FAIL:' "$EXTRA")))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

#!/bin/bash
# The whole test suite, as CI runs it: install what is missing, build with -Werror,
# run every test, again under ASan and UBSan, fuzz each parser briefly, check
# "make distcheck", and end with one line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
src=$(pwd)
extra="$src/build/extra-results"
jobs=$(nproc 2>/dev/null || echo 2)

step() { printf '\n=== %s\n' "$*"; }
result() {	# result NAME STATUS: one extra test result
	if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; fi | tee -a "$extra"
}

step "dependencies"
lab/install-deps || exit 1
step "autogen"
./autogen.sh >/dev/null || exit 1

rm -rf build build-asan
mkdir -p build build-asan
: >"$extra"

step "build (-Werror)"
(cd build && ../configure -q --enable-werror && make -j"$jobs" >/dev/null) || {
	echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
step "make check"
(cd build && make -j"$jobs" check)
for f in build/tests/*/*.log; do
	case "$f" in */test-suite.log) continue ;; esac
	grep -q '^not ok' "$f" 2>/dev/null && { echo "--- $f"; grep -B2 -A6 '^not ok' "$f"; }
done

step "the lab: lab/lab up, the tests that need it, lab/lab down"
# PT_NO_LAB=1 skips it, for a quick run beside a lab that others are using.
if [ -z "${PT_NO_LAB:-}" ]; then
	tests/lab/run.sh "$src/build" "$extra"
else
	echo "skipped (PT_NO_LAB is set)"
fi

step "build and check under ASan + UBSan"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:print_summary=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$src/tests/lsan.supp:print_suppressions=0"
(cd build-asan && ../configure -q --enable-werror --enable-asan --enable-debug &&
	make -j"$jobs" >/dev/null && make -j"$jobs" check)
for f in build-asan/tests/*/*.log; do
	case "$f" in */test-suite.log) continue ;; esac
	grep -q '^not ok\|ERROR: \(Address\|Leak\)Sanitizer\|runtime error' "$f" 2>/dev/null &&
		{ echo "--- $f"; grep -B2 -A12 '^not ok\|Sanitizer\|runtime error' "$f" | head -60; }
done
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

step "fuzz"
if (cd build && make fuzz >/dev/null 2>&1); then
	# Every target under tests/fuzz/, so a new one is run without a change here.
	for t in $(ls tests/fuzz/fuzz-*.c | sed 's|.*/fuzz-||; s|\.c$||'); do
		mkdir -p "build/fuzz-corpus-$t"
		build/tests/fuzz/fuzz-$t -runs=20000 -max_len=4096 "build/fuzz-corpus-$t" \
		    "tests/fuzz/corpus/$t" >"build/fuzz-$t.log" 2>&1
		rc=$?
		[ $rc -eq 0 ] || tail -30 "build/fuzz-$t.log"
		result "fuzz-$t (20000 runs)" $rc
	done
else
	result "fuzz targets build" 1
fi

step "make distcheck"
(cd build && make -j"$jobs" distcheck >distcheck.log 2>&1)
rc=$?
[ $rc -eq 0 ] || tail -40 build/distcheck.log
result "make distcheck" $rc

step "summary"
EXTRA="$extra" tests/summary.sh build build-asan

#!/bin/bash
# Bring the lab up, run every test of tests/lab/ against it with the program
# of BUILD_DIR, bring it down and check it left nothing behind.  Each TAP line
# becomes a "PASS: x" or "FAIL: x" line in RESULTS (see tests/summary.sh).
#	tests/lab/run.sh BUILD_DIR RESULTS [TEST...]
set -u
cd "$(dirname "$0")/../.."
src=$(pwd)
build=$(cd "$1" && pwd)
results=$2
shift 2
export PLATFORM_LAB_DIR=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
LAB=$PLATFORM_LAB_DIR

result() {	# result NAME STATUS
	if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; fi | tee -a "$results"
}

lab/lab up
result "lab/lab up" $?

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(tests/lab/*.sh tests/lab/*.py)
for t in "${tests[@]}"; do
	# Modules (airflow_schemas.py) have an underscore; tests do not.
	case $t in */run.sh | *'*'* | *_*.py) continue ;; esac
	[ -f "$t" ] || continue
	name=${t#tests/}
	log=$build/${name//\//-}.log
	case $t in
	*.py) cmd=(/usr/bin/python3 "$t") ;;
	*) cmd=(bash "$t") ;;
	esac
	echo "--- $name"
	top_srcdir=$src top_builddir=$build timeout 600 "${cmd[@]}" >"$log" 2>&1
	rc=$?
	# Every TAP result counts; a script that died without any counts once.
	n=$(grep -cE '^(not )?ok ' "$log")
	grep -E '^(not )?ok ' "$log" | while read -r line; do
		case $line in
		"not ok"*) echo "FAIL: $name: ${line#not ok }" ;;
		*) echo "PASS: $name: ${line#ok }" ;;
		esac
	done | tee -a "$results" | grep '^FAIL' || true
	if grep -q '^not ok' "$log"; then
		grep -B2 -A8 '^not ok' "$log" | head -60
	fi
	if [ "$n" -eq 0 ] && grep -q '^1\.\.0 # SKIP' "$log"; then
		echo "    $(grep '^1\.\.0' "$log")"
	elif [ "$n" -eq 0 ] || { [ $rc -ne 0 ] && ! grep -q '^not ok' "$log"; }; then
		tail -20 "$log"
		result "$name (exit $rc)" 1
	else
		echo "    $n results"
	fi
done

# Down leaves nothing behind: no process and no namespace of the lab, and
# the tests' own VPNs (namespaces pt*-: ptlt, ptlc, ptdw ...) are gone too.
lab/lab down
rc=$?
left=$(pgrep -af -- "$LAB" | grep -v "pgrep" || true)
ns=$(ip netns list 2>/dev/null | grep '^pt[a-z]*-' || true)
left="$left$(pgrep -a openvpn || true)$(pgrep -a wireguard-go || true)"
[ -z "$left" ] || printf 'left running:\n%s\n' "$left"
[ -z "$ns" ] || printf 'namespaces left: %s\n' "$ns"
[ $rc -eq 0 ] && [ -z "$left" ] && [ -z "$ns" ]
result "lab/lab down leaves no process or namespace" $?

# TAP helpers for the integration tests: source it, call the checks, end with done_testing.
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${PT:=$top_builddir/platform-tui}"
export NO_COLOR=1
# Keep the user's own settings, state and plugins out of the tests.
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-test.XXXXXX")
export XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state" HOME="$T/home"
export PLATFORM_TUI_NO_SYSTEM_PLUGINS=1
unset PLATFORM_TUI_INVENTORY
mkdir -p "$HOME"
trap 'rm -rf "$T"' EXIT
_n=0
_failed=0

ok() {	# ok CONDITION-STATUS NAME
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		_failed=$((_failed + 1))
	fi
}

is() {	# is GOT WANT NAME
	_n=$((_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $_n - $3"
	else
		echo "not ok $_n - $3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | head -20
		_failed=$((_failed + 1))
	fi
}

like() {	# like GOT PATTERN NAME (grep -E)
	_n=$((_n + 1))
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		echo "ok $_n - $3"
	else
		echo "not ok $_n - $3"
		printf '#   got:  %s\n#   want match: %s\n' "$1" "$2" | head -20
		_failed=$((_failed + 1))
	fi
}

# run ARGS...: runs the program; sets $out, $err and $rc.
run() {
	out=$("$PT" "$@" 2>"$T/stderr") && rc=0 || rc=$?
	err=$(cat "$T/stderr")
}

done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}

#!/bin/bash
# Benchmark: one ClickHouse server, one query, three clients in one run.
#
# usage: bench/clickhouse.sh [PLATFORM-TUI]
#	(the binary: the argument, else $PT, else ./platform-tui)
#	URL=http://127.0.1.3:8123 TCP_PORT=9000 ROWS="1000000 10000000" RUNS=5
#
# For each row count N it runs
#	platform-tui sql -o tsv   (HTTP, the streaming parser and printer)
#	clickhouse-client --format TabSeparated   (Debian's, native protocol)
#	curl of the HTTP interface   (the bytes alone, no parsing)
# on "SELECT number, toString(number), number * 1.5 FROM numbers(N)", each
# writing to /dev/null, and prints the median wall time (hyperfine when
# installed, else RUNS runs of /usr/bin/time) and the peak RSS of each, then
# the ratios against curl.  Goals: platform-tui within 10% of curl, and its
# peak RSS the same for 1M and 10M rows.  Without a server it says so.
set -u

PT=${1:-${PT:-./platform-tui}}
URL=${URL:-http://127.0.1.3:8123}
TCP_PORT=${TCP_PORT:-9000}
ROWS=${ROWS:-1000000 10000000}
RUNS=${RUNS:-5}
host=${URL#*://}
host=${host%%:*}

case "$PT" in
*/*) ;;
*) PT=./$PT ;;
esac
if [ ! -x "$PT" ]; then
	echo "bench/clickhouse.sh: no program at $PT (build first, or pass its path)" >&2
	exit 2
fi
if ! curl -sf "$URL/?query=SELECT%201" >/dev/null; then
	echo "bench/clickhouse.sh: no ClickHouse at $URL (lab/lab up)" >&2
	exit 2
fi
# GNU time for the peak RSS; hyperfine for the wall time when it can be had.
if [ ! -x /usr/bin/time ] || ! command -v hyperfine >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		[ -x /usr/bin/time ] || apt-get install -y -qq --no-install-recommends time >/dev/null 2>&1
		command -v hyperfine >/dev/null ||
		    apt-get install -y -qq --no-install-recommends hyperfine >/dev/null 2>&1
	fi
fi
if [ ! -x /usr/bin/time ]; then
	echo "bench/clickhouse.sh: GNU time (/usr/bin/time) is needed for the peak RSS" >&2
	exit 2
fi
have_cc=0
command -v clickhouse-client >/dev/null && have_cc=1

T=$(mktemp -d "${TMPDIR:-/tmp}/pt-bench-ch.XXXXXX")
trap 'rm -rf "$T"' EXIT
cat >"$T/inv.conf" <<EOF
[node bench]
address = $host
[service clickhouse]
kind = clickhouse
node = bench
endpoint = $URL
EOF
export XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state" PLATFORM_TUI_NO_SYSTEM_PLUGINS=1

median() {	# median < numbers
	sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure NAME CMD...: sets wall (median seconds) and rss (median peak KiB).
measure() {
	local name=$1 i
	shift
	: >"$T/wall" ; : >"$T/rss"
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f "%e %M" -o "$T/time" "$@" >/dev/null 2>"$T/err" || {
			echo "bench/clickhouse.sh: $name failed:" >&2
			head -5 "$T/err" >&2
			exit 1
		}
		cut -d' ' -f1 "$T/time" >>"$T/wall"
		cut -d' ' -f2 "$T/time" >>"$T/rss"
	done
	wall=$(median <"$T/wall")
	rss=$(median <"$T/rss")
	if command -v hyperfine >/dev/null; then
		hyperfine -N -w 1 -r "$RUNS" --export-json "$T/h.json" --output=null \
		    "$(printf '%q ' "$@")" >/dev/null 2>&1 &&
		    wall=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$T/h.json")
	fi
}

printf '%-10s %-18s %9s %10s %9s %9s\n' rows client wall_s rss_KiB wall/curl rss/curl
for n in $ROWS; do
	q="SELECT number, toString(number), number * 1.5 FROM numbers($n)"
	measure curl curl -sS --data-binary "$q" "$URL/"
	cw=$wall cr=$rss
	measure platform-tui "$PT" -i "$T/inv.conf" sql -o tsv "$q"
	pw=$wall pr=$rss
	printf '%-10s %-18s %9s %10s %9s %9s\n' "$n" curl "$cw" "$cr" 1.00 1.00
	printf '%-10s %-18s %9s %10s %9.2f %9.2f\n' "$n" platform-tui "$pw" "$pr" \
	    "$(echo "$pw / $cw" | bc -l)" "$(echo "$pr / $cr" | bc -l)"
	if [ $have_cc = 1 ]; then
		measure clickhouse-client clickhouse-client --host "$host" --port "$TCP_PORT" \
		    --format TabSeparated -q "$q"
		printf '%-10s %-18s %9s %10s %9.2f %9.2f\n' "$n" clickhouse-client "$wall" \
		    "$rss" "$(echo "$wall / $cw" | bc -l)" "$(echo "$rss / $cr" | bc -l)"
	fi
	echo "$n $pr" >>"$T/pt-rss"
done
if [ "$(wc -l <"$T/pt-rss")" -ge 2 ]; then
	awk 'NR == 1 { a = $2; n = $1 } END { printf "platform-tui peak RSS, %d rows vs %d rows: %.2fx\n", $1, n, $2 / a }' "$T/pt-rss"
fi

#!/bin/bash
# Benchmark: list N objects under one prefix of the lab's S3 (Swift), with
# platform-tui and the clients operators use today, in one run.
#
# usage: bench/s3.sh [PLATFORM-TUI] [N]
#	(the binary: the argument, else $PT, else ./platform-tui; N = 100000)
#	PLATFORM_LAB_DIR=/tmp/platform-lab RUNS=3
#
# Seeds s3://lakehouse/bench-list/ with N objects once (lab/sim/labs3.py,
# about 300 objects/s on 2 cores), then times
#	platform-tui s3 ls -r -o tsv
#	aws s3 ls --recursive           (awscli, path style)
#	rclone ls                       (provider Other, force_path_style)
#	s3cmd ls -r
# each writing to /dev/null: the median wall time of RUNS runs and the peak
# RSS (GNU time), then the ratios against platform-tui.  Goals: the fastest of
# them, and a peak RSS that does not grow with N (run it with two values of N
# to see that).  Clients that are missing are installed with apt-get when
# running as root, else skipped.  Only the lab's loopback server is contacted.
set -u
cd "$(dirname "$0")/.."
src=$(pwd)
PT=${1:-${PT:-./platform-tui}}
N=${2:-100000}
RUNS=${RUNS:-3}
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
EP=http://127.0.1.1:8081
PREFIX=bench-list/
case $PT in */*) ;; *) PT=./$PT ;; esac
[ -x "$PT" ] || { echo "bench/s3.sh: no program at $PT" >&2; exit 2; }
[ -f "$LAB/lab.conf" ] || { echo "bench/s3.sh: the lab is not up (lab/lab up)" >&2; exit 2; }
if [ "$(id -u)" = 0 ]; then
	for p in time rclone s3cmd awscli; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		    apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1
	done
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-bench-s3.XXXXXX")
trap 'rm -rf "$T"' EXIT
secret=$(cat "$LAB/secrets/s3")
py=/usr/bin/python3

# Seed once: count what is there, add the rest.
have=$("$py" lab/sim/labs3.py --endpoint "$EP" --access-key lab:operator \
    --secret-file "$LAB/secrets/s3" ls lakehouse "$PREFIX" 2>/dev/null | wc -l)
if [ "$have" -lt "$N" ]; then
	echo "seeding $N objects under s3://lakehouse/$PREFIX (have $have) ..."
	"$py" lab/sim/labs3.py --endpoint "$EP" --access-key lab:operator \
	    --secret-file "$LAB/secrets/s3" seed lakehouse "$PREFIX" "$N" >/dev/null || exit 1
fi

# The clients' own configuration, private to this run.
export HOME=$T AWS_CONFIG_FILE=$T/aws-config AWS_SHARED_CREDENTIALS_FILE=$T/aws-creds
unset AWS_CA_BUNDLE AWS_PROFILE
printf '[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n' >"$AWS_CONFIG_FILE"
printf '[default]\naws_access_key_id = lab:operator\naws_secret_access_key = %s\n' \
    "$secret" >"$AWS_SHARED_CREDENTIALS_FILE"
mkdir -p "$T/rclone"
printf '[lab]\ntype = s3\nprovider = Other\naccess_key_id = lab:operator\nsecret_access_key = %s\nendpoint = %s\nforce_path_style = true\nregion = us-east-1\n' \
    "$secret" "$EP" >"$T/rclone/rclone.conf"
printf '[default]\naccess_key = lab:operator\nsecret_key = %s\nhost_base = 127.0.1.1:8081\nhost_bucket = 127.0.1.1:8081\nuse_https = False\nsignature_v2 = False\nbucket_location = us-east-1\n' \
    "$secret" >"$T/s3cfg"

# measure NAME CMD...: median wall seconds and max peak RSS (KiB) of RUNS runs.
results=()
measure() {
	local name=$1 i w r walls=() rss=0
	shift
	command -v "$1" >/dev/null || [ -x "$1" ] || { echo "$name: not installed, skipped"; return; }
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f '%e %M' -o "$T/time" "$@" >"$T/out" 2>"$T/err" ||
		    { echo "$name failed: $(tail -1 "$T/err")"; return; }
		read -r w r <"$T/time"
		walls+=("$w")
		[ "$r" -gt "$rss" ] && rss=$r
	done
	w=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	printf '%-14s %8.2f s %9d KiB %9d lines\n' "$name" "$w" "$rss" "$(wc -l <"$T/out")"
	results+=("$name $w $rss")
}

echo "listing $N objects under s3://lakehouse/$PREFIX, median of $RUNS runs"
cat >"$T/inv.conf" <<EOF
[node gw]
address = 127.0.1.1
[service s3]
kind = s3
node = gw
endpoint = $EP
user = lab:operator
secret = file:$LAB/secrets/s3
EOF
chmod 644 "$T/inv.conf"
measure platform-tui "$PT" -i "$T/inv.conf" -o tsv s3 ls -r "s3://lakehouse/$PREFIX"
measure aws aws --endpoint-url "$EP" s3 ls --recursive "s3://lakehouse/$PREFIX"
measure rclone rclone --config "$T/rclone/rclone.conf" ls "lab:lakehouse/$PREFIX"
measure s3cmd s3cmd -c "$T/s3cfg" ls -r "s3://lakehouse/$PREFIX"

# Ratios against platform-tui (above 1: platform-tui is faster or smaller).
base=${results[0]:-}
[ -n "$base" ] || exit 1
read -r _ bw br <<<"$base"
echo "ratios (other / platform-tui):"
for r in "${results[@]:1}"; do
	read -r name w rss <<<"$r"
	awk -v n="$name" -v w="$w" -v r="$rss" -v bw="$bw" -v br="$br" \
	    'BEGIN { printf "  %-12s wall %5.2fx   peak RSS %5.2fx\n", n, w / bw, r / br }'
done

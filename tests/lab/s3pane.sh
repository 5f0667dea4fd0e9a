#!/bin/bash
# TAP: the console's S3 pane against the lab's Swift, driven through a
# private tmux server: buckets, folders, objects, a JSON preview, the
# hostile keys drawn escaped, then in a bucket of its own (t-s3pane-PID,
# removed at the end): upload, download with the same sha256, a presigned
# link fetched with curl, delete refused with n and done with y.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/tmux.sh"

LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
EP=http://127.0.1.1:8081
curl -s -o /dev/null "$EP/healthcheck" || { echo "1..0 # SKIP the lab's S3 is down"; exit 0; }
L=(/usr/bin/python3 "$top_srcdir/lab/sim/labs3.py" --endpoint "$EP" --access-key lab:operator
    --secret-file "$LAB/secrets/s3")
BUCKET=t-s3pane-$$

export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes"
sock="pt-s3pane-$$"
tm() { tmux -L "$sock" "$@"; }
cleanup() {
	tm kill-server 2>/dev/null
	"${L[@]}" rm "$BUCKET" up.bin >/dev/null 2>&1
	"${L[@]}" rb "$BUCKET" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

type() { tm send-keys -l -- "${1//;/\\;}"; }
prompt() { tm send-keys :; type "$1"; tm send-keys Enter; }
# filter_open TEXT: show only the rows matching TEXT and open the first.
filter_open() { tm send-keys /; type "$1"; tm send-keys Enter Enter; }

"${L[@]}" mb "$BUCKET" >/dev/null
ok $? "a bucket of our own: $BUCKET"

# OSC 52 from the program becomes a tmux paste buffer with set-clipboard on.
tm -f /dev/null new-session -d -x 160 -y 40 "$PT -i $LAB/lab.conf; sleep 30"
tm set -g set-clipboard on
wait_for "Overview" 10
tm send-keys 6
wait_for "lakehouse" 10
ok $? "the S3 pane lists the buckets"
like "$(screen)" "airflow-logs" "both of the lab's buckets"

filter_open "/^lakehouse$/"
wait_for "s3://lakehouse/" 5 && wait_for "bronze/" 5
ok $? "Enter opens lakehouse: its top folders"
like "$(screen)" "silver/" "silver/ too"
filter_open bronze
wait_for "clickstream/" 5
ok $? "Enter opens bronze/"
filter_open clickstream
wait_for "hour=00/" 5
ok $? "and clickstream/"
filter_open "hour=00"
wait_for "click-0000.json +22 ?B" 10
ok $? "objects with their sizes"
like "$(screen)" "click-0011.json" "all twelve of them"
like "$(screen)" "click-0000.json +22 ?B +([0-9-]+ )?[0-9][0-9]:[0-9][0-9]" "with their last modified time"

tm send-keys g p
wait_for "click-0000.json +JSON" 5
ok $? "p previews the object as JSON"
want=$("${L[@]}" get lakehouse bronze/clickstream/hour=00/click-0000.json |
    python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=2).splitlines()[1].strip())')
like "$(screen)" "^ *${want//[/\\[}" "pretty-printed, a member a line ($want)"
tm send-keys Escape
wait_for "s3://lakehouse/bronze/clickstream/hour=00/" 5
ok $? "Esc goes back to the folder"
tm send-keys Escape
wait_for "s3://lakehouse/bronze/clickstream/$" 5
ok $? "Esc again goes up a folder"
like "$(screen)" " 1/24$" "the cursor is on the folder it came from (hour=00/, the first)"
tm send-keys BSpace
wait_for "s3://lakehouse/bronze/$" 5
ok $? "Backspace goes up too"

filter_open evil
wait_for "\\\\x1b" 10
ok $? "the hostile keys under bronze/evil/ are drawn escaped (\\x1b)"
! screen | grep -q $'\033'
ok $? "no raw escape reaches the screen"

# Our own bucket: upload, see it, download it, link it, delete it.
head -c 300000 /dev/urandom >"$T/up.bin"
prompt "s3 go s3://$BUCKET/"
wait_for "s3://$BUCKET/" 5
tm send-keys u
wait_for "s3 upload" 5
type "$T/up.bin"
tm send-keys Enter
wait_for "uploaded 1 file" 20
ok $? "u uploads a local file"
wait_for "up.bin +29[0-9.]+ ?KiB" 5
ok $? "and it appears in the listing"

mkdir -p "$T/dl"
tm send-keys g d
wait_for "s3 download" 5
type "$T/dl/"
tm send-keys Enter
wait_for "downloaded 1 file" 20
ok $? "d downloads it"
is "$(sha256sum <"$T/dl/up.bin" | cut -d' ' -f1)" "$(sha256sum <"$T/up.bin" | cut -d' ' -f1)" \
    "with the same sha256"

tm send-keys y
wait_for "copied, valid 1h" 5
ok $? "y copies a presigned link"
url=$(tm show-buffer 2>/dev/null)
like "$url" "^http://127.0.1.1:8081/$BUCKET/up.bin\\?.*X-Amz-Signature=" "OSC 52 put it on the clipboard"
curl -sf -o "$T/curl.bin" "$url"
ok $? "curl fetches the link"
cmp -s "$T/curl.bin" "$T/up.bin"
ok $? "the same bytes"

tm send-keys D
wait_for "Delete 1 object \\(29[0-9.]+ ?KiB\\): s3://$BUCKET/up.bin\\? \\[y/N\\]" 10
ok $? "D asks, naming the count, size and object"
tm send-keys n
wait_for "not confirmed" 5
ok $? "n keeps it"
like "$("${L[@]}" ls "$BUCKET")" "up.bin" "the object is still there"
tm send-keys D
wait_for "\\[y/N\\]" 10
tm send-keys y
wait_for "deleted 1 objects" 10
ok $? "y deletes it"
is "$("${L[@]}" ls "$BUCKET")" "" "the bucket is empty"

tm send-keys q q
sleep 0.5
tm send-keys q
done_testing

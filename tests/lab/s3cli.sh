#!/bin/bash
# TAP: the scripted s3 commands against the lab's S3 (Swift's s3api, which
# checks SigV4 for real), in a bucket of its own removed at the end:
#   lab/lab up && PLATFORM_LAB_DIR=/tmp/platform-lab tests/lab/s3cli.sh
# Wrong secret, hostile keys, 5,000 keys paged, 50 MB multipart round trip,
# an interrupted upload resumed, presigned URLs with curl and their expiry.
set -u
. "$(dirname "$0")/../integration/lib.sh"
LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
INV="$LAB/lab.conf"
B="t-s3cli-$$"
L() { python3 "$top_srcdir/lab/sim/labs3.py" --endpoint http://127.0.1.1:8081 \
	--access-key lab:operator --secret-file "$LAB/secrets/s3" "$@"; }
cleanup() {
	"$PT" -i "$INV" --yes s3 rm -r "s3://$B/" >/dev/null 2>&1
	L rb "$B" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
L mb "$B" >/dev/null || { echo "1..0 # SKIP cannot create bucket $B"; exit 0; }

# A wrong secret: refused with exit 4.
sed "s|^secret = .*|secret = file:$T/bad|" "$INV" >"$T/bad.conf"
echo wrong >"$T/bad"; chmod 600 "$T/bad"
run -i "$T/bad.conf" s3 ls "s3://$B/"
is "$rc" 4 "a wrong secret is refused with exit 4"
like "$err" "SignatureDoesNotMatch|AccessDenied" "the server's code is shown"

# Hostile keys: put with labs3.py, then list, stat, cat, cp down, rm.
keys=("sp ace.txt" "pl+us.txt" "per%25cent.txt" "eq=ual.txt" "q?mark.txt" "ha#sh.txt"
	"am&p.txt" "caf$(printf '\xc3\xa9').txt" "$(printf 'n%*s' 900 '' | tr ' ' x)"
	"$(printf 'new\nline.txt')" "$(printf 'esc\033[31mred.txt')")
i=0
for k in "${keys[@]}"; do
	printf 'body %d' "$i" >"$T/in"
	"$PT" -i "$INV" s3 cp "$T/in" "s3://$B/h/$k" >/dev/null 2>&1
	i=$((i + 1))
done
run -i "$INV" -o tsv s3 ls "s3://$B/h/"
is "$(printf '%s\n' "$out" | wc -l)" "${#keys[@]}" "every hostile key is listed once"
like "$out" 'esc\\x1b\[31mred' "an escape sequence is printed escaped"
like "$out" 'new\\nline' "a newline is printed escaped"
ok "$(printf '%s' "$out" | grep -c $'\033')" "no raw ESC reaches the output" 2>/dev/null
i=0
for k in "${keys[@]}"; do
	run -i "$INV" s3 cat "s3://$B/h/$k"
	is "$out" "body $i" "cat of hostile key $i"
	run -i "$INV" s3 stat "s3://$B/h/$k"
	is "$rc" 0 "stat of hostile key $i"
	run -i "$INV" s3 cp "s3://$B/h/$k" "$T/out"
	is "$(cat "$T/out")" "body $i" "cp down of hostile key $i"
	i=$((i + 1))
done
run -i "$INV" s3 cat --range 2-3 "s3://$B/h/sp ace.txt"
is "$out" "dy" "a byte range"
run -i "$INV" s3 rm "s3://$B/h/q?mark.txt"
is "$rc" 5 "rm without --yes is refused in scripted mode"
run -i "$INV" --yes s3 rm "s3://$B/h/q?mark.txt"
is "$rc" 0 "rm of a hostile key"
run -i "$INV" s3 stat "s3://$B/h/q?mark.txt"
is "$rc" 1 "gone after rm"

# 5,000 keys under one prefix: pages of 1000 follow each other.
L seed "$B" many/ 5000 >/dev/null 2>&1
run -i "$INV" -o tsv s3 ls -r "s3://$B/many/"
is "$(printf '%s\n' "$out" | wc -l)" 5000 "5,000 keys listed through 5 pages"
is "$(printf '%s\n' "$out" | cut -f1 | sort -u | wc -l)" 5000 "no key twice"
run -i "$INV" -o tsv s3 du "s3://$B/many/"
like "$out" "^5000	" "du counts 5,000 objects"

# 50 MB multipart round trip.
head -c 50000000 /dev/urandom >"$T/big"
run -i "$INV" s3 cp "$T/big" "s3://$B/big.bin"
is "$rc" 0 "50 MB uploaded"
run -i "$INV" s3 stat "s3://$B/big.bin"
like "$out" "-[0-9]+ " "it went as a multipart upload"
run -i "$INV" s3 cp "s3://$B/big.bin" "$T/big.back"
is "$(sha256sum <"$T/big.back")" "$(sha256sum <"$T/big")" "same sha256 after the round trip"

# An interrupted upload resumes: kill it mid-way, run it again.
head -c 60000000 /dev/urandom >"$T/big2"
"$PT" -i "$INV" s3 cp "$T/big2" "s3://$B/resume.bin" >/dev/null 2>&1 &
pid=$!
sleep 0.25
kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
run -i "$INV" s3 cp "$T/big2" "s3://$B/resume.bin"
is "$rc" 0 "the upload is run again"
"$PT" -i "$INV" s3 cp "s3://$B/resume.bin" "$T/big2.back" >/dev/null
is "$(sha256sum <"$T/big2.back")" "$(sha256sum <"$T/big2")" "the resumed upload is whole"

# Presigned URLs with plain curl, and their expiry.
run -i "$INV" s3 presign "s3://$B/h/sp ace.txt"
is "$(curl -sf "$out")" "body 0" "a presigned GET works with curl"
run -i "$INV" s3 presign --put "s3://$B/presigned.txt"
curl -sf -X PUT --data-binary hello "$out" >/dev/null
run -i "$INV" s3 cat "s3://$B/presigned.txt"
is "$out" "hello" "a presigned PUT works with curl"
run -i "$INV" s3 presign --expires 2s "s3://$B/h/sp ace.txt"
url=$out
sleep 3
code=$(curl -s -o /dev/null -w '%{http_code}' "$url")
is "$code" 403 "a presigned URL fails after its expiry"
run -i "$INV" s3 presign --expires 8d "s3://$B/x"
is "$rc" 2 "more than 7 days is refused"

# cp -r: a directory up under a prefix, the prefix down into another, the same.
mkdir -p "$T/tree/sub/deeper"
echo one >"$T/tree/a.txt"
echo two >"$T/tree/sub/sp ace+plus.txt"
head -c 100000 /dev/urandom >"$T/tree/sub/deeper/bin"
run -i "$INV" s3 cp -r "$T/tree" "s3://$B/tree/"
like "$out" 'copied 3 objects' "cp -r up copies every file of a directory"
run -i "$INV" -o tsv s3 ls -r "s3://$B/tree/"
like "$out" 'tree/sub/deeper/bin' "cp -r up keeps the directory layout in the keys"
run -i "$INV" s3 cp -r "s3://$B/tree" "$T/back"
is "$rc" 0 "cp -r down exits 0"
diff -r "$T/tree" "$T/back" >/dev/null
ok $? "cp -r down gives the same files back"
# A key that climbs (../) stays inside the target directory.
L put "$B" "climb/../../escape.txt" "$T/tree/a.txt" >/dev/null 2>&1
run -i "$INV" s3 cp -r "s3://$B/climb/" "$T/climb"
ok "$([ ! -e "$T/escape.txt" ] && [ -e "$T/climb/_/_/escape.txt" ]; echo $?)" \
    "a key with ../ is written inside the target directory"

done_testing

#!/bin/bash
# TAP: the lab's S3 server (OpenStack Swift + s3api, lab/lib/swift.sh) and
# the lab's S3 client (lab/sim/labs3.py), against the running lab:
#   lab/lab up && PLATFORM_LAB_DIR=/tmp/platform-lab tests/lab/s3.sh
# Real clients (awscli, curl --aws-sigv4) check that signatures and payload
# hashes are verified for real; every check has a broken twin that must fail.
# It works in a bucket of its own (labtest-PID), removed at the end, and
# finally runs a private Swift on 127.0.1.250 to check start/stop/crash.
# t_check NAME eval '...': the single-quoted checks expand when they run.
# shellcheck disable=SC2016,SC2034
set -u
cd "$(dirname "$0")/../.."

LAB=${PLATFORM_LAB_DIR:-/tmp/platform-lab}
if [ ! -f "$LAB/lab.conf" ]; then
	echo "1..0 # SKIP no lab at $LAB (lab/lab up)"
	exit 0
fi
for p in curl /usr/bin/aws /usr/bin/python3; do
	command -v "$p" >/dev/null 2>&1 && continue
	echo "1..0 # SKIP $p is missing (lab/install-deps)"
	exit 0
done

# The s3 service from the inventory: "key = value" lines of [service s3].
inv() {
	awk -v k="$1" '/^\[/ { on = ($0 == "[service s3]") }
		on && $1 == k && $2 == "=" { sub(/^[^=]*= */, ""); print; exit }' \
		"$LAB/lab.conf"
}
ENDPOINT=$(inv endpoint)
ACCESS=$(inv user)
SECRET_FILE=$(inv secret)
SECRET_FILE=${SECRET_FILE#file:}
HOSTPORT=${ENDPOINT#http://}
HOST=${HOSTPORT%:*}

TMP=$(mktemp -d /tmp/ptlab-s3test.XXXXXX)
BUCKET=labtest-$$
PY=/usr/bin/python3
L=(/usr/bin/python3 lab/sim/labs3.py --endpoint "$ENDPOINT"
	--access-key "$ACCESS" --secret-file "$SECRET_FILE")
PRIV_LAB=""
cleanup() {
	"${L[@]}" rb --force "$BUCKET" >/dev/null 2>&1
	if [ -n "$PRIV_LAB" ]; then
		(LAB=$PRIV_LAB SWIFT_ADDR=$PRIV_ADDR SWIFT_PORT=8081
		 . lab/lib/swift.sh && swift_stop) >/dev/null 2>&1
		rm -rf "$PRIV_LAB"
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

n=0 failed=0
t_ok() { n=$((n + 1)); echo "ok $n - $1"; }
t_not_ok() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
t_check() { # t_check NAME CMD...: one test point from CMD's status
	local name=$1
	shift
	if "$@"; then t_ok "$name"; else t_not_ok "$name"; fi
}
t_diag() { printf '# %s\n' "$@"; }
# has FILE TEXT: FILE contains TEXT (fixed string); shows FILE otherwise
has() {
	grep -qF -- "$2" "$1" && return 0
	t_diag "expected '$2' in:" && sed 's/^/#   /' "$1" | head -n 20
	return 1
}

# --- awscli: the real client, right and wrong secret ------------------------
aws_with() { # aws_with SECRET ARGS...: Debian's awscli, private config
	mkdir -p "$TMP/aws"
	cat >"$TMP/aws/config" <<EOF
[default]
region = us-east-1
s3 =
    addressing_style = path
EOF
	printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"$ACCESS" "$1" >"$TMP/aws/credentials"
	shift
	env -u AWS_CA_BUNDLE -u AWS_PROFILE -u AWS_ACCESS_KEY_ID \
		-u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN HOME="$TMP/aws" \
		AWS_CONFIG_FILE="$TMP/aws/config" \
		AWS_SHARED_CREDENTIALS_FILE="$TMP/aws/credentials" \
		/usr/bin/aws --endpoint-url "$ENDPOINT" "$@"
}
SECRET=$(tr -d '\r\n' <"$SECRET_FILE")

t_check "healthcheck answers at $ENDPOINT" \
	curl -fsS -m 3 -o /dev/null "$ENDPOINT/healthcheck"

aws_with "$SECRET" s3api list-buckets --output text >"$TMP/out" 2>&1
t_check "awscli lists buckets with the right secret (rc 0, lakehouse)" \
	has "$TMP/out" lakehouse
aws_with "${SECRET}x" s3api list-buckets --output text >"$TMP/out" 2>&1
rc=$?
t_check "awscli with a wrong secret fails: 403 SignatureDoesNotMatch" \
	eval '[ $rc -ne 0 ] && has "$TMP/out" SignatureDoesNotMatch'

# --- curl --aws-sigv4: the payload hash is checked --------------------------
# The key id has a colon: curl -u would split it, a netrc login does not.
printf 'machine %s login %s password %s\n' "$HOST" "$ACCESS" "$SECRET" \
	>"$TMP/netrc"
chmod 600 "$TMP/netrc"
"${L[@]}" mb "$BUCKET" >/dev/null 2>&1
printf 'payload for the digest check\n' >"$TMP/body"
good=$(sha256sum "$TMP/body" | cut -d' ' -f1)
bad=$(printf 'something else\n' | sha256sum | cut -d' ' -f1)
curl_put() { # curl_put SHA256 -> HTTP code, body in $TMP/resp
	curl -sS -m 10 --netrc-file "$TMP/netrc" --aws-sigv4 aws:amz:us-east-1:s3 \
		-H "x-amz-content-sha256: $1" -T "$TMP/body" -o "$TMP/resp" \
		-w '%{http_code}' "$ENDPOINT/$BUCKET/curl.txt"
}
t_check "curl --aws-sigv4 PUT with the real payload hash: 200" \
	eval '[ "$(curl_put "$good")" = 200 ]'
code=$(curl_put "$bad")
t_check "curl --aws-sigv4 PUT with a wrong x-amz-content-sha256: 400 BadDigest" \
	eval '[ "$code" = 400 ] && has "$TMP/resp" "<Code>BadDigest</Code>"'

# --- labs3: round trip, errors, continuation, presigned URLs ----------------
head -c 300000 /dev/urandom >"$TMP/blob"
key="round trip/é ü+plus%pct&amp?q=1#frag.bin"
"${L[@]}" put "$BUCKET" "$key" "$TMP/blob" >"$TMP/out" 2>&1 &&
	"${L[@]}" get "$BUCKET" "$key" >"$TMP/got" 2>"$TMP/out"
t_check "labs3 put then get: same bytes for a key with spaces, UTF-8, +%&?#" \
	cmp -s "$TMP/blob" "$TMP/got"
"${L[@]}" ls "$BUCKET" "round trip/" >"$TMP/out" 2>&1
t_check "labs3 ls shows the key and its size" \
	eval 'has "$TMP/out" "300000  $key"'
"${L[@]}" rm "$BUCKET" "$key" >/dev/null 2>&1
"${L[@]}" get "$BUCKET" "$key" >/dev/null 2>"$TMP/out"
rc=$?
t_check "labs3 get after rm fails with 404 NoSuchKey" \
	eval '[ $rc -ne 0 ] && has "$TMP/out" "404 NoSuchKey"'
/usr/bin/python3 lab/sim/labs3.py --endpoint "$ENDPOINT" --access-key "$ACCESS" \
	--secret-file <(printf '%sx' "$SECRET") lsb >/dev/null 2>"$TMP/out"
rc=$?
t_check "labs3 with a wrong secret fails: 403 SignatureDoesNotMatch" \
	eval '[ $rc -ne 0 ] && has "$TMP/out" "403 SignatureDoesNotMatch"'
$PY - "$ENDPOINT" "$ACCESS" "$SECRET_FILE" "$BUCKET" >"$TMP/out" 2>&1 <<'EOF'
import sys
sys.path.insert(0, "lab/sim")
import labs3
ep, ak, sf, bucket = sys.argv[1:]
s3 = labs3.S3(ep, ak, open(sf).read().rstrip("\r\n"))
try:
    s3.request("PUT", bucket, "digest.txt", body=b"abc",
               payload_hash=labs3.EMPTY_SHA256)
    print("accepted")
except labs3.S3Error as e:
    print(e.status, e.code)
EOF
t_check "labs3 signing a wrong payload hash: 400 BadDigest" \
	has "$TMP/out" "400 BadDigest"

"${L[@]}" seed "$BUCKET" many/ 1100 --size 32 --threads 8 >/dev/null \
	2>"$TMP/seed"
t_diag "$(cat "$TMP/seed")"
"${L[@]}" ls "$BUCKET" many/ >"$TMP/out" 2>&1
t_check "labs3 ls follows continuation tokens past 1000 keys (1100)" \
	eval '[ "$(grep -c " many/obj-" "$TMP/out")" = 1100 ]'
aws_with "$SECRET" s3api list-objects-v2 --bucket "$BUCKET" --prefix many/ \
	--max-keys 1000 --no-paginate --output json >"$TMP/out" 2>&1
t_check "one ListObjectsV2 page is 1000 keys, truncated (awscli --no-paginate)" \
	eval 'has "$TMP/out" "\"IsTruncated\": true" && has "$TMP/out" "\"KeyCount\": 1000"'
aws_with "$SECRET" s3 ls --recursive "s3://$BUCKET/many/" >"$TMP/out" 2>&1
t_check "awscli s3 ls --recursive sees the same 1100 keys" \
	eval '[ "$(grep -c " many/obj-" "$TMP/out")" = 1100 ]'

"${L[@]}" put "$BUCKET" "pre signed/ü.txt" - <<<"presigned body" >/dev/null 2>&1
url=$("${L[@]}" presign "$BUCKET" "pre signed/ü.txt" --expires 300 2>&1)
t_check "a presigned GET URL works with plain curl" \
	eval '[ "$(curl -sS -m 10 "$url")" = "presigned body" ]'
# flip the last hex digit of the signature
last=${url: -1}
[ "$last" = 0 ] && flip=1 || flip=0
code=$(curl -sS -m 10 -o "$TMP/resp" -w '%{http_code}' "${url%?}$flip")
t_check "a presigned URL with a tampered signature: 403" \
	eval '[ "$code" = 403 ] && has "$TMP/resp" SignatureDoesNotMatch'
code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' \
	"${url/pre%20signed/pre%20signed2}")
t_check "a presigned URL for another key: 403" eval '[ "$code" = 403 ]'
url=$("${L[@]}" presign "$BUCKET" "pre signed/ü.txt" --expires 1 2>&1)
sleep 2
code=$(curl -sS -m 10 -o "$TMP/resp" -w '%{http_code}' "$url")
t_check "an expired presigned URL: 403" eval '[ "$code" = 403 ]'

# --- the seeded layout ---------------------------------------------------------
"${L[@]}" ls lakehouse --delimiter / >"$TMP/out" 2>&1
t_check "lakehouse has bronze/ silver/ gold/" eval \
	'has "$TMP/out" "PRE  bronze/" && has "$TMP/out" "PRE  silver/" && has "$TMP/out" "PRE  gold/"'
"${L[@]}" ls lakehouse >"$TMP/out" 2>&1
t_check "lakehouse sample objects: events, _SUCCESS, a few hundred small ones" eval \
	'has "$TMP/out" "bronze/events/date=2026-11-20/part-0000.json" &&
	 has "$TMP/out" "silver/events/date=2026-11-24/_SUCCESS" &&
	 has "$TMP/out" "gold/daily/date=2026-11-22/part-0000.csv" &&
	 [ "$(grep -c bronze/clickstream/ "$TMP/out")" -ge 200 ]'
t_check "one object of a few MiB" \
	eval '[ "$(awk "\$2 >= 2097152" "$TMP/out" | wc -l)" -ge 1 ]'
t_check "labs3 ls shows the hostile key escaped, never a raw ESC byte" eval \
	'has "$TMP/out" "bronze/evil/\\x1b[31mred\\x1b[0m.txt" &&
	 ! grep -q $'"'"'\x1b'"'"' "$TMP/out"'
"${L[@]}" get lakehouse "silver/reports/Q4 résumé – 東京 (draft).csv" \
	>"$TMP/out" 2>&1
t_check "the key with spaces and Unicode can be read" has "$TMP/out" "Q4,"
"${L[@]}" ls airflow-logs dag_id=ingest_events/ >"$TMP/out" 2>&1
t_check "airflow-logs holds task logs of ingest_events" \
	has "$TMP/out" "/task_id=load/attempt=2.log"

# --- a private Swift: start, idempotent start, crash, stop -----------------------
PRIV_ADDR=127.0.1.250
if ! command -v memcached >/dev/null; then
	t_diag "private Swift skipped: no memcached"
elif (exec 3<>"/dev/tcp/$PRIV_ADDR/8081") 2>/dev/null; then
	t_diag "private Swift skipped: $PRIV_ADDR:8081 is taken"
else
	PRIV_LAB=$(mktemp -d /tmp/ptlab-swifttest.XXXXXX)
	chmod 755 "$PRIV_LAB"
	priv() { # priv FUNCTION: run one swift.sh function on the private lab
		(set -eu; LAB=$PRIV_LAB SWIFT_ADDR=$PRIV_ADDR SWIFT_PORT=8081
		 . lab/lib/swift.sh && "$@")
	}
	priv swift_setup >"$TMP/out" 2>&1 && priv swift_start >>"$TMP/out" 2>&1
	t_check "private Swift: setup and start" \
		curl -fsS -m 3 -o /dev/null "http://$PRIV_ADDR:8081/healthcheck"
	before=$(priv swift_pids)
	priv swift_setup >/dev/null 2>&1 && priv swift_start >/dev/null 2>&1
	t_check "private Swift: setup + start again keeps the same 5 processes" \
		eval '[ "$(priv swift_pids)" = "$before" ] &&
		      [ "$(echo "$before" | wc -l)" = 5 ]'
	other=$(mktemp -d /tmp/ptlab-swifttest.XXXXXX)
	PRIV_LAB=$other priv swift_start >"$TMP/out" 2>&1
	rc=$?
	PRIV_LAB=$other priv swift_stop >/dev/null 2>&1
	rm -rf "$other"
	t_check "a second instance on the same address is refused (SO_REUSEPORT)" \
		eval '[ $rc -ne 0 ] && has "$TMP/out" "already in use"'
	kill -KILL "$(cat "$PRIV_LAB/run/swift-proxy.pid")"
	rm -f "$PRIV_LAB/run/swift-object.pid"  # a lost pid file
	sleep 0.2
	priv swift_status >"$TMP/out" 2>&1
	t_check "private Swift: status shows the killed proxy as down" \
		eval 'grep -q "^swift-proxy .* down$" "$TMP/out"'
	priv swift_stop >/dev/null 2>&1
	# the pattern comes from a file so that grep does not match itself
	printf '%s/\n' "$PRIV_LAB" >"$TMP/pattern"
	left=$(grep -lF -f "$TMP/pattern" /proc/[0-9]*/cmdline 2>/dev/null | wc -l)
	t_check "private Swift: stop after a crash leaves no process ($left)" \
		eval '[ "$left" = 0 ]'
fi

echo "1..$n"
[ "$failed" -eq 0 ]

#!/bin/bash
# deploy on this machine (--local) under a target root: plan, apply, an
# empty second apply, a template change's exact diff, a stale plan, the
# lock, a failure that leaves its restart pending, rollback, and no secret
# anywhere it should not be. apt-get, docker, sysctl and nft are recording
# stand-ins under the root; wg, the files and the health check are real.
. "$(dirname "$0")/lib.sh"

R=$T/root
SECRET='Dpl-s3cret-7f2e9a'
mkdir -p "$R/usr/local/sbin" "$T/tmpl"
cp -r "$top_srcdir/plugins/platform" "$top_srcdir/plugins/clickhouse" "$T/tmpl/"
export PLATFORM_TUI_TEMPLATES=$T/tmpl
for c in sysctl nft systemctl; do
	printf '#!/bin/sh\necho "%s $*" >> "$ROOT/standin.log"\n' "$c" > "$R/usr/local/sbin/$c"
done
echo 'case "$1" in is-active) echo active;; esac' >> "$R/usr/local/sbin/systemctl"
cat > "$R/usr/local/sbin/docker" <<'SH'
#!/bin/sh
echo "docker $*" >> "$ROOT/standin.log"
case "$*" in *"config -q"*) [ ! -e "$ROOT/fail-docker" ] || { echo "compose: broken" >&2; exit 1; };; esac
# clickhouse-client in a shard: the DDL makes the tables, the test counts them.
case "$*" in
*"--multiquery"*) cat > "$ROOT/ch-ddl.sql";;
*system.tables*) [ ! -s "$ROOT/ch-ddl.sql" ] || grep -c '^CREATE TABLE' "$ROOT/ch-ddl.sql";;
esac
SH
cat > "$R/usr/local/sbin/apt-get" <<'SH'
#!/bin/sh
echo "apt-get $*" >> "$ROOT/standin.log"
mkdir -p "$ROOT/var/lib/standin"
for p; do case $p in -*|install) ;; *) : > "$ROOT/var/lib/standin/$p";; esac; done
SH
cat > "$R/usr/local/sbin/dpkg-query" <<'SH'
#!/bin/sh
for p; do :; done
[ -e "$ROOT/var/lib/standin/$p" ] && echo "install ok installed"
SH
cat > "$R/usr/local/sbin/curl" <<'SH'
#!/bin/sh
echo "curl $*" >> "$ROOT/standin.log"
printf '2\n'
SH
chmod +x "$R/usr/local/sbin/"*
printf '%s\n' "$SECRET" > "$T/ch-secret"
chmod 600 "$T/ch-secret"
cat > "$T/inv.conf" <<EOF
[platform]
name = t
deploy-root = $R
[node analytics]
address = 127.0.0.1
roles = clickhouse
[service clickhouse]
kind = clickhouse
node = analytics
endpoint shard1 = http://127.0.0.1:18123
endpoint shard2 = http://127.0.0.1:18124
user = default
secret = file:$T/ch-secret
EOF
pt() { "$PT" -i "$T/inv.conf" "$@"; }

out=$(pt deploy plan --local 2>&1); rc=$?
ok $rc "plan runs"
like "$out" "will change +node/sysctl: 1 of 1 file" "plan: the sysctl file will change"
like "$out" "\+net.ipv4.ip_forward = 1" "plan: the diff shows the new line"
like "$out" "creates /etc/clickhouse/users.xml \(secret" "plan: a secret file is not shown"
id=$(printf '%s\n' "$out" | sed -n 's/^plan \([^:]*\):.*/\1/p')
ok $([ -f "$T/state/platform-tui/plans/$id.json" ]; echo $?) "plan saved as $id"

out=$(pt deploy apply --local --yes "$id" 2>&1); rc=$?
ok $rc "apply of the plan"
like "$out" "clickhouse/config: 5 of 5 files .*exit 0" "progress line per step"
like "$out" "restart-clickhouse: healthy" "handler ran and its health check passed"
is "$(stat -c %a "$R/etc/clickhouse/users.xml")" 600 "secret file written 0600"
is "$(stat -c %a "$R/etc/wireguard/private.key")" 600 "WireGuard key made on the host, 0600"
like "$(cat "$R/etc/wireguard/wg0.conf")" "PostUp = wg set %i private-key $R/etc/wireguard/private.key" "wg0.conf hands the key file to the interface"
ok $(grep -rqF -- "$(cat "$R/etc/wireguard/private.key")" "$R/etc/wireguard/wg0.conf" "$T/state" "$R/standin.log"; [ $? = 1 ]; echo $?) "the private key is in no config, plan or log"

out=$(pt deploy apply --local --yes 2>&1)
like "$out" "nothing to change" "second apply changes nothing"

echo "# a test change" >> "$T/tmpl/platform/deploy/sysctl.conf.tmpl"
out=$(pt deploy plan --local node 2>&1)
diff=$(printf '%s\n' "$out" | sed -n '/^    --- /,/^  [a-z]/p' | grep -v '^  [a-z]')
is "$diff" "    --- a/etc/sysctl.d/60-platform-tui.conf
    +++ b/etc/sysctl.d/60-platform-tui.conf
    @@ -2,3 +2,4 @@
     # The gateway routes between the VPN, WireGuard and the private network.
     net.ipv4.ip_forward = 1
     net.ipv6.conf.all.forwarding = 1
    +# a test change" "a changed template shows exactly that diff"

id=$(printf '%s\n' "$out" | sed -n 's/^plan \([^:]*\):.*/\1/p')
echo "# edited by hand" >> "$R/etc/sysctl.d/60-platform-tui.conf"
out=$(pt deploy apply --local --yes "$id" 2>&1); rc=$?
is $rc 1 "a stale plan is refused"
like "$out" "plan $id is stale: the facts of analytics changed" "and says why"

mkdir -p "$R/var/lib/platform-tui/deploy.lock"
printf 'id=20260101T000000-abcdef\nuser=other\n' > "$R/var/lib/platform-tui/deploy.lock/info"
start=$(date +%s%N)
out=$(pt deploy apply --local --yes --lock-wait 1s 2>&1); rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is $rc 1 "a held lock blocks apply"
ok $([ "$ms" -ge 1000 ]; echo $?) "after waiting the lock-wait timeout ($ms ms)"
like "$(pt deploy lock status --local 2>&1)" "user=other" "lock status names the holder"
out=$(pt deploy unlock --local --yes 20260101T000000-abcdef 2>&1); rc=$?
ok $rc "unlock releases it"

sed -i 's/<count>3</<count>4</' "$T/tmpl/clickhouse/deploy/config.xml.tmpl"
: > "$R/fail-docker"
out=$(pt deploy apply --local --yes clickhouse 2>&1); rc=$?
is $rc 1 "a failing check stops the apply"
ok $([ -e "$R/var/lib/platform-tui/pending/restart-clickhouse" ]; echo $?) "the restart stays pending on the host"
rm -f "$R/fail-docker"
: > "$R/standin.log"
out=$(pt deploy apply --local --yes clickhouse 2>&1)
ok $(grep -q "up -d --force-recreate" "$R/standin.log" && [ ! -e "$R/var/lib/platform-tui/pending/restart-clickhouse" ]; echo $?) "the next apply runs it and clears the marker"

pt deploy rollback --local --yes clickhouse >/dev/null 2>&1
ok $(grep -q '<count>3<' "$R/etc/clickhouse/shard1/config.xml"; echo $?) "rollback restores the previous file"

mkdir -p "$T/bare"
sed "s|^deploy-root = .*|deploy-root = $T/bare|" "$T/inv.conf" > "$T/bare.conf"
out=$("$PT" -i "$T/bare.conf" deploy apply --local --yes node 2>&1); rc=$?
is $rc 1 "a root without stand-ins is refused"
like "$out" "confines files, not host-wide commands: apt-get would change the host" "and says why"
ok $([ ! -e "$T/bare/etc" ]; echo $?) "before anything is written"

found=$( (grep -rl -- "$SECRET" "$T/state" "$R/standin.log" "$R/var/lib/platform-tui" 2>/dev/null; \
	pt deploy plan --local 2>&1 | grep -- "$SECRET") | wc -l)
is "$found" "0" "no secret in plans, outputs, the audit log or the remote log"
done_testing

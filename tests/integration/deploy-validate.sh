#!/bin/bash
# Every config the recipes generate, checked by the real tool: two real
# clickhouse-server shards started from the generated shard configs answer
# a Distributed query over both (with the generated password), and the
# compose file passes docker-compose config -q when it is installed.
. "$(dirname "$0")/lib.sh"

R=$T/root
ADDR=127.0.5.1
SECRET='Ch-valid8-secret'
mkdir -p "$R/usr/local/sbin"
for c in apt-get sysctl nft docker curl; do
	printf '#!/bin/sh\necho "%s $*" >> "$ROOT/standin.log"\n' "$c" > "$R/usr/local/sbin/$c"
done
printf '#!/bin/sh\nexit 0\n' > "$R/usr/local/sbin/dpkg-query"
printf '#!/bin/sh\necho "curl $*" >> "$ROOT/standin.log"; echo 2\n' > "$R/usr/local/sbin/curl"
chmod +x "$R/usr/local/sbin/"*
printf '%s\n' "$SECRET" > "$T/ch-secret"
chmod 600 "$T/ch-secret"
cat > "$T/inv.conf" <<EOF
[platform]
name = v
deploy-root = $R
[node analytics]
address = $ADDR
roles = clickhouse
[service clickhouse]
kind = clickhouse
node = analytics
endpoint shard1 = http://$ADDR:18123
endpoint shard2 = http://$ADDR:18124
user = default
secret = file:$T/ch-secret
EOF
export PLATFORM_TUI_TEMPLATES=$top_srcdir/plugins
"$PT" -i "$T/inv.conf" deploy apply --local --yes clickhouse >"$T/apply.out" 2>&1
ok $? "apply writes the ClickHouse files"

if command -v docker-compose >/dev/null; then
	docker-compose -f "$R/opt/platform/clickhouse/compose.yml" config -q 2>"$T/dc.err"
	ok $? "docker-compose config -q accepts the compose file"
else
	ok 0 "# SKIP docker-compose not installed"
fi

if ! command -v clickhouse-server >/dev/null; then
	ok 0 "# SKIP clickhouse-server not installed"
	done_testing
	exit
fi
# Paths as the compose file's volumes map them into the containers.
pids=
for n in 1 2; do
	d=$T/ch$n
	mkdir -p "$d/data" "$d/log"
	sed -e "s|/var/lib/clickhouse/|$d/data/|g" \
	    -e "s|/etc/clickhouse-server/users.xml|$R/etc/clickhouse/users.xml|" \
	    -e "s|/var/log/clickhouse-server/|$d/log/|g" \
	    "$R/etc/clickhouse/shard$n/config.xml" > "$d/config.xml"
	(cd "$d" && exec clickhouse-server --config-file="$d/config.xml" \
	    </dev/null >"$d/log/stdout.log" 2>&1) &
	pids="$pids $!"
	disown "$!" 2>/dev/null
done
trap 'kill -9 $pids 2>/dev/null; rm -rf "$T"' EXIT
ch() {	# ch PORT QUERY: as the generated user and password
	curl -sS --max-time 5 -u "default:$SECRET" "http://$ADDR:$1/" --data-binary "$2"
}
for i in $(seq 100); do
	[ "$(curl -s --max-time 1 "http://$ADDR:18124/ping")" = "Ok." ] &&
	    [ "$(curl -s --max-time 1 "http://$ADDR:18123/ping")" = "Ok." ] && break
	sleep 0.1
done
like "$(curl -s "http://$ADDR:18123/?query=SELECT%201")" "^Code: 194" "without the password the user is refused"
for p in 18123 18124; do
	ch $p "CREATE TABLE t (x UInt32) ENGINE = MergeTree ORDER BY x"
	ch $p "CREATE TABLE d AS t ENGINE = Distributed(platform, default, t)"
done
ch 18123 "INSERT INTO t VALUES (1), (2)"
ch 18124 "INSERT INTO t VALUES (3)"
is "$(ch 18123 'SELECT count(), sum(x) FROM d')" "3	6" "a Distributed query over both generated shards"
is "$(ch 18124 "SELECT substitution FROM system.macros WHERE macro = 'shard'")" "2" \
    "shard macros from the generated config"
like "$(stat -c %a "$R/etc/clickhouse/users.xml") $(stat -c %a "$R/etc/clickhouse/shard1/config.xml")" \
    "^600 600$" "files holding the password are 0600"
done_testing

#!/bin/bash
# The WireGuard mesh of three nodes (--local, a target root each, recording
# stand-ins for apt-get, sysctl, nft, systemctl and docker; the real wg makes
# the keys): the first plan waits for the public keys, one apply makes them
# and renders every wg0.conf in a second pass, the second apply is empty, no
# private key leaves its file. As root, a real wireguard-go mesh in three
# network namespaces is built from the generated files and a web server is
# reached across it, spoke -> hub -> spoke.
. "$(dirname "$0")/lib.sh"

export PLATFORM_TUI_TEMPLATES=$top_srcdir/plugins
WG=$(command -v wg) || { echo "1..0 # SKIP wg (wireguard-tools) is not installed"; exit 0; }
NODES="gateway compute analytics"
standins() {	# standins ROOT: recording stand-ins, and the real wg on purpose
	local r=$1 c
	mkdir -p "$r/usr/local/sbin"
	for c in sysctl nft systemctl docker; do
		printf '#!/bin/sh\necho "%s $*" >> "$ROOT/standin.log"\n' "$c" > "$r/usr/local/sbin/$c"
	done
	echo 'case "$1" in is-active) echo active;; esac' >> "$r/usr/local/sbin/systemctl"
	cat > "$r/usr/local/sbin/apt-get" <<'SH'
#!/bin/sh
echo "apt-get $*" >> "$ROOT/standin.log"
mkdir -p "$ROOT/var/lib/standin"
for p; do case $p in -*|install|update) ;; *) : > "$ROOT/var/lib/standin/$p";; esac; done
SH
	cat > "$r/usr/local/sbin/curl" <<'SH'
#!/bin/sh
echo "curl $*" >> "$ROOT/standin.log"
while [ $# -gt 0 ]; do [ "$1" = -o ] && echo stand-in > "$2"; shift; done
SH
	cat > "$r/usr/local/sbin/dpkg-query" <<'SH'
#!/bin/sh
for p; do :; done
[ -e "$ROOT/var/lib/standin/$p" ] && echo "install ok installed"
SH
	chmod +x "$r/usr/local/sbin/"*
	ln -s "$WG" "$r/usr/local/sbin/wg"
}
for n in $NODES; do
	standins "$T/$n"
done
cat > "$T/inv.conf" <<EOF2
[platform]
name = mesh
wg-network = 10.77.0.0/24
wg-port = 51999
[node gateway]
address = 127.0.0.1
public-address = 10.78.0.1
roles = gateway
deploy-root = $T/gateway
[node compute]
address = 127.0.0.1
roles = k8s
deploy-root = $T/compute
[node analytics]
address = 127.0.0.1
roles = clickhouse-host
deploy-root = $T/analytics
wg-address = 10.77.0.30
EOF2
pt() { "$PT" -i "$T/inv.conf" "$@"; }

out=$(pt deploy plan --local 2>&1); rc=$?
ok $rc "plan of three bare nodes"
is "$(printf '%s\n' "$out" | grep -c 'may change.*wireguard/config: waits for the WireGuard public key of')" 3 \
    "every wg0.conf may change: it waits for the keys this apply makes"
id=$(printf '%s\n' "$out" | sed -n 's/^plan \([^:]*\):.*/\1/p')

out=$(pt deploy apply --local --yes "$id" 2>&1); rc=$?
ok $rc "one apply makes the keys and the configs"
like "$out" "reading the facts again" "in a second pass after the keys"
is "$(printf '%s\n' "$out" | grep -c 'restart-wireguard: healthy')" 3 "each node's wg-quick restarted"
for n in $NODES; do
	is "$(stat -c %a "$T/$n/etc/wireguard/private.key") $(stat -c %a "$T/$n/etc/wireguard/wg0.conf")" \
	    "600 600" "$n: private key and wg0.conf are 0600"
done
pub() { wg pubkey < "$T/$1/etc/wireguard/private.key"; }
G=$T/gateway/etc/wireguard/wg0.conf C=$T/compute/etc/wireguard/wg0.conf A=$T/analytics/etc/wireguard/wg0.conf
is "$(grep -E '^(Address|ListenPort|MTU|PublicKey|AllowedIPs|Endpoint|PersistentKeepalive)' "$G")" \
"Address = 10.77.0.1/24
ListenPort = 51999
MTU = 1420
PublicKey = $(pub compute)
AllowedIPs = 10.77.0.2/32
PublicKey = $(pub analytics)
AllowedIPs = 10.77.0.30/32" "the hub listens and knows both spokes by their keys"
is "$(grep -E '^(Address|ListenPort|MTU|PublicKey|AllowedIPs|Endpoint|PersistentKeepalive)' "$C")" \
"Address = 10.77.0.2/24
MTU = 1420
PublicKey = $(pub gateway)
Endpoint = 10.78.0.1:51999
AllowedIPs = 10.77.0.0/24
PersistentKeepalive = 25" "a spoke reaches the hub at its public address, with a keepalive"
like "$(cat "$A")" "Address = 10.77.0.30/24" "wg-address is used when given"
like "$(cat "$A")" "PostUp = wg set %i private-key $T/analytics/etc/wireguard/private.key" \
    "the key goes in by PostUp, from its file"

out=$(pt deploy apply --local --yes 2>&1)
like "$out" "nothing to change" "the second apply changes nothing"
out=$(pt deploy plan --local compute 2>&1)
like "$out" "no change +wireguard/config" "a plan of one spoke reads the hub's key without planning the hub"
ok $(printf '%s\n' "$out" | grep -q '^node gateway'; [ $? = 1 ]; echo $?) "and does not show the hub"
rm -f "$T/gateway/etc/wireguard/private.key"
out=$(pt deploy apply --local --yes compute 2>&1); rc=$?
is $rc 1 "an apply of one spoke whose hub has no key yet is refused"
like "$out" "compute: wireguard/config still waits for the WireGuard public key of gateway \(none yet: an apply of that node makes it\)" "and says what it waits for"
pt deploy apply --local --yes >/dev/null 2>&1
ok $? "an apply of every node makes the hub's key again"
ok $(grep -qxF "PublicKey = $(pub gateway)" "$C"; echo $?) "and the spokes learn it"

leak=0
for n in $NODES; do
	k=$(cat "$T/$n/etc/wireguard/private.key")
	grep -rlF --exclude=private.key -- "$k" "$T" && leak=1
done
is $leak 0 "no private key outside its file (configs, plans, logs, audit)"

if [ "$(id -u)" != 0 ] || ! command -v wireguard-go >/dev/null || ! command -v ip >/dev/null ||
    [ ! -c /dev/net/tun ]; then
	ok 0 "# SKIP not root or no wireguard-go: no real mesh"
	done_testing
	exit
fi

# Three namespaces on one bridge in the hub's (10.78.0.0/24 stands for the
# public network); interface names are unique: the UAPI socket directory
# /var/run/wireguard is shared by every namespace.
s=$(( $$ % 100000 ))
declare -A NS IF ADDR=([gateway]=10.78.0.1 [compute]=10.78.0.2 [analytics]=10.78.0.3)
for n in $NODES; do NS[$n]=ptdw-${n:0:1}$s; IF[$n]=ptdw${n:0:1}$s; done
cleanup() {
	local n p
	for n in $NODES; do
		for p in $(ip netns pids "${NS[$n]}" 2>/dev/null); do kill "$p" 2>/dev/null; done
	done
	sleep 0.2
	for n in $NODES; do
		ip netns del "${NS[$n]}" 2>/dev/null
		rm -f "/var/run/wireguard/${IF[$n]}.sock"
	done
	rm -rf "$T"
}
trap cleanup EXIT
set_up=0
{
	for n in $NODES; do ip netns add "${NS[$n]}" && ip -n "${NS[$n]}" link set lo up; done &&
	ip -n "${NS[gateway]}" link add ptdwbr type bridge &&
	ip -n "${NS[gateway]}" addr add 10.78.0.1/24 dev ptdwbr &&
	ip -n "${NS[gateway]}" link set ptdwbr up &&
	for n in compute analytics; do
		ip -n "${NS[gateway]}" link add "ptdwv${n:0:1}" type veth peer name eth0 netns "${NS[$n]}" &&
		ip -n "${NS[gateway]}" link set "ptdwv${n:0:1}" master ptdwbr up &&
		ip -n "${NS[$n]}" addr add "${ADDR[$n]}/24" dev eth0 &&
		ip -n "${NS[$n]}" link set eth0 up || exit 1
	done &&
	ip netns exec "${NS[gateway]}" sysctl -qw net.ipv4.ip_forward=1
} && set_up=1
ok $((1 - set_up)) "three namespaces on one network"

# What wg-quick would do with each generated file: wireguard-go, the
# stripped config, PostUp (the private key from its file), MTU, Address.
up=0
for n in $NODES; do
	conf=$T/$n/etc/wireguard/wg0.conf ns=${NS[$n]} ifn=${IF[$n]}
	rm -f "/var/run/wireguard/$ifn.sock"
	(LOG_LEVEL=error exec ip netns exec "$ns" wireguard-go -f "$ifn" </dev/null >>"$T/wg-$n.log" 2>&1) &
	disown $! 2>/dev/null
	for i in $(seq 50); do [ -S "/var/run/wireguard/$ifn.sock" ] && break; sleep 0.1; done
	wg-quick strip "$conf" > "$T/$n.setconf" &&
	ip netns exec "$ns" wg setconf "$ifn" "$T/$n.setconf" &&
	postup=$(sed -n 's/^PostUp = //p' "$conf") &&
	ip netns exec "$ns" sh -c "${postup//%i/$ifn}" &&
	ip -n "$ns" link set "$ifn" mtu "$(sed -n 's/^MTU = //p' "$conf")" up &&
	ip -n "$ns" addr add "$(sed -n 's/^Address = //p' "$conf")" dev "$ifn" && up=$((up + 1))
done
is $up 3 "wireguard-go up in each namespace from the generated wg0.conf"
like "$(cat "$T/compute.setconf")" "PersistentKeepalive = 25" "wg-quick strip keeps what wg setconf reads"

# No ping here: a web server on the hub's and on a spoke's mesh address.
mkdir -p "$T/www" && echo pong > "$T/www/index.html"
for n in gateway analytics; do
	addr=$(sed -n 's/^Address = \(.*\)\/.*/\1/p' "$T/$n/etc/wireguard/wg0.conf")
	(exec ip netns exec "${NS[$n]}" /usr/bin/python3 -m http.server 18099 --bind "$addr" \
	    --directory "$T/www" </dev/null >/dev/null 2>&1) &
	disown $! 2>/dev/null
done
get() {	# get NS URL: its answer, retried for 5 s while servers and handshakes come up
	local i got
	for i in $(seq 50); do
		got=$(ip netns exec "$1" curl -s --max-time 1 "$2" 2>/dev/null) && [ "$got" = pong ] && break
		sleep 0.1
	done
	printf '%s' "$got"
}
start=$(date +%s%N)
is "$(get "${NS[compute]}" http://10.77.0.1:18099/)" pong "compute -> gateway over the mesh"
is "$(get "${NS[analytics]}" http://10.77.0.1:18099/)" pong "analytics -> gateway over the mesh"
is "$(get "${NS[compute]}" http://10.77.0.30:18099/)" pong "compute -> gateway -> analytics: spoke to spoke through the hub"
echo "# three answers over the mesh in $(( ($(date +%s%N) - start) / 1000000 )) ms, handshakes included"
hs=0
for n in $NODES; do
	ip netns exec "${NS[$n]}" wg show "${IF[$n]}" latest-handshakes |
	    awk '$2 > 0 { ok = 1 } END { exit !ok }' && hs=$((hs + 1))
done
is $hs 3 "wg show: every node has a handshake"
is "$(ip netns exec "${NS[gateway]}" wg show "${IF[gateway]}" latest-handshakes | awk '$2 > 0' | wc -l)" 2 \
    "the hub has handshaken with both spokes"
done_testing

#!/bin/bash
# TAP: the console's VPN end to end, as root, on a private VPN of its own
# (lab/lib/vpn.sh with LAB in a temporary directory, names ptlc-*, subnets
# 10.14-16.0) beside whatever lab runs: the console brings OpenVPN up, its
# header shows the states; the server killed -> RECONNECTING, restarted ->
# CONNECTED; vpn down; then WireGuard peers with handshake ages.
. "$(dirname "$0")/../integration/lib.sh"
cd "$top_srcdir" || exit 1

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the VPN needs root"
	exit 0
fi
[ -c /dev/net/tun ] || { echo "1..0 # SKIP no /dev/net/tun"; exit 0; }
for p in openvpn wireguard-go wg tmux /usr/sbin/sshd ssh-keygen /usr/share/easy-rsa/easyrsa; do
	command -v "$p" >/dev/null 2>&1 && continue
	echo "1..0 # SKIP $p is missing (lab/install-deps)"
	exit 0
done

LAB=$(mktemp -d /tmp/ptlc-vpnconsole.XXXXXX)
chmod 755 "$LAB"
export LAB VPN_PREFIX=ptlc VPN_PRIVATE=10.14.0 VPN_OVPN=10.15.0 VPN_WG=10.16.0
# shellcheck source=../../lab/lib/vpn.sh
. lab/lib/vpn.sh
export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes"
sock="pt-vpnconsole-$$"
tm() { tmux -L "$sock" "$@"; }
cleanup() {
	tm kill-server 2>/dev/null
	"$PT" vpn down office >/dev/null 2>&1
	vpn_down >/dev/null 2>&1
	rm -rf "$LAB" "$T"
}
trap cleanup EXIT

. "$top_srcdir/tests/integration/tmux.sh"
header() { screen | head -n 1; }

mkdir -p "$LAB/ssh" "$LAB/run"
for node in $VPN_NODES; do
	mkdir -p "$LAB/ssh/$node"
	ssh-keygen -q -t ed25519 -N '' -C "$node" -f "$LAB/ssh/$node/ssh_host_ed25519_key"
done
ssh-keygen -q -t ed25519 -N '' -C operator -f "$LAB/ssh/operator_ed25519"
cp "$LAB/ssh/operator_ed25519.pub" "$LAB/ssh/authorized_keys"
touch "$LAB/ssh/known_hosts"

vpn_up openvpn >"$LAB/up.log" 2>&1
ok $? "a private OpenVPN server ($(tail -n 1 "$LAB/up.log"))"
mgmt=$LAB/vpn/pt-mgmt.sock
inv=$LAB/inv.conf
cat >"$inv" <<EOF
[platform]
name = vpnconsole
timeout = 2s
[node gateway]
address = $VPN_PRIVATE.1
roles = gateway
[node compute]
address = $VPN_PRIVATE.2
[vpn office]
type = openvpn
config = $LAB/vpn/client.ovpn
management = $mgmt
[vpn home]
type = wireguard
config = $LAB/vpn/wg-client.conf
interface = $VPN_WG_CLIENT_IF
[service compute-ssh]
kind = ssh
node = compute
endpoint = tcp://$VPN_PRIVATE.2:22
via = vpn:office
EOF
export PLATFORM_TUI_INVENTORY=$inv

# The console brings the VPN up by itself: an endpoint routes through it.
tm -f /dev/null new-session -d -x 220 -y 30 "$PT; sleep 60"
seen=""
for ((i = 0; i < 600; i++)); do	# up to 30 s, noting every header state
	h=$(header)
	st=$(printf '%s' "$h" | grep -oE 'VPN office [A-Z]+' | awk '{ print $3 }')
	[ -n "$st" ] && [ "${seen##* }" != "$st" ] && seen="$seen $st"
	[ "$st" = CONNECTED ] && break
	sleep 0.05
done
echo "# header states seen:$seen"
like "$seen" 'CONNECTED$' "the console brought OpenVPN up: the header says CONNECTED"
like "$(header)" "VPN office CONNECTED $VPN_OVPN\.2 ↑[0-9.]+[KMG]?i?B ↓" "the header shows the tunnel address and bytes both ways"
pgrep -f -- "--management $mgmt unix --management-hold --management-query-passwords" >/dev/null
ok $? "openvpn runs with the management socket, held until the console released it"
wait_for "compute-ssh .* up .*port open" 15
ok $? "the endpoint behind the tunnel is reached"
tm send-keys : "pane VPN" Enter
wait_for "office +openvpn +CONNECTED +$VPN_OVPN\.2" 10
ok $? "the VPN pane shows the tunnel"
like "$(screen)" "states: .*WAIT .*AUTH .*ASSIGN_IP .*CONNECTED" "the state sequence, from the management socket's state lines"

# The server goes away: the header says RECONNECTING, the endpoint waits.
server=$(vpn_pid vpn-openvpn-server)
vpn_kill "$server"
wait_for "VPN office RECONNECTING" 30
ok $? "server killed: the header says RECONNECTING"
tm send-keys 1 r
wait_for "waiting for VPN office \((RECONNECTING|[A-Z_]+)\)" 15
ok $? "the endpoint's Overview row waits for the VPN instead of timing out"
ip netns exec "$(vpn_ns gateway)" openvpn --config "$LAB/vpn/server.conf"
wait_for "VPN office CONNECTED" 60
ok $? "server back: the header says CONNECTED again"
tm send-keys q
sleep 0.5

# openvpn outlives the console; vpn down stops it through the socket.
run vpn status office
like "$out" "office +openvpn +CONNECTED +$VPN_OVPN\.2" "after the console quit, openvpn still runs (vpn status)"
run vpn down office
is "$out" "office: stopped" "vpn down"
sleep 0.5
ok "$(pgrep -f -- "--management $mgmt " >/dev/null; [ $? -ne 0 ]; echo $?)" "no openvpn left after vpn down"

start=$(date +%s.%N)
run vpn up office --timeout 30s
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
is "$rc" 0 "scripted vpn up: exit 0"
like "$out" "^office: CONNECTED $VPN_OVPN\.2 via .* \(states: .*CONNECTED\)" "scripted vpn up prints the address and the states"
echo "# scripted vpn up (start openvpn to CONNECTED) took $took s"
run vpn down office
is "$rc" 0 "and down again"

# WireGuard: the lab's userspace client, read through its UAPI socket.
vpn_down >/dev/null 2>&1
vpn_up wireguard >"$LAB/up.log" 2>&1
ok $? "a private WireGuard server"
vpn_client_up >"$LAB/client.log" 2>&1
ok $? "its client ($VPN_WG_CLIENT_IF) has a handshake"
run vpn status home
is "$rc" 0 "vpn status home: exit 0"
echo "$out" | sed 's/^/# /'
like "$out" "home +wireguard +CONNECTED +$VPN_WG\.2/24 .*:$VPN_WG_PORT .*[0-9]+s ago +25 .*allowed $VPN_WG\.0/24,$VPN_PRIVATE\.0/24" "the peer: address, endpoint, handshake age, keepalive, allowed addresses"
leak=0
for key in "$LAB"/vpn/wg/*.key; do
	printf '%s' "$out" | grep -qF "$(cat "$key")" && leak=1
done
ok "$leak" "no private key in the output"
run vpn status home -o json
like "$out" '"handshake": "[0-9]+s ago"' "JSON too"

done_testing

#!/bin/bash
# TAP: the lab's VPN (lab/lib/vpn.sh) end to end, OpenVPN then WireGuard.
# It runs a VPN of its own (private LAB dir, names ptlt-*, subnets 10.11-13.0)
# beside whatever lab is running, and leaves that lab alone.
#   tests/lab/vpn.sh        (root, /dev/net/tun)
set -u
cd "$(dirname "$0")/../.." || exit 1

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the VPN lab needs root"
	exit 0
fi
if [ ! -c /dev/net/tun ]; then
	echo "1..0 # SKIP no /dev/net/tun"
	exit 0
fi
for p in openvpn wireguard-go wg /usr/sbin/sshd ssh ssh-keygen /usr/share/easy-rsa/easyrsa setpriv; do
	command -v "$p" >/dev/null 2>&1 && continue
	echo "1..0 # SKIP $p is missing (lab/install-deps)"
	exit 0
done

LAB=$(mktemp -d /tmp/ptlab-vpntest.XXXXXX)
export LAB VPN_PREFIX=ptlt VPN_PRIVATE=10.11.0 VPN_OVPN=10.12.0 VPN_WG=10.13.0
chmod 755 "$LAB"
# shellcheck source=../../lab/lib/vpn.sh
. lab/lib/vpn.sh
trap 'vpn_down >/dev/null 2>&1; rm -rf "$LAB"' EXIT

n=0 failed=0
t_ok() { n=$((n + 1)); echo "ok $n - $1"; }
t_not_ok() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
t_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
# t_check NAME CMD...: one test point from CMD's status; what CMD prints
# becomes TAP comments.
t_check() {
	local name=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	[ -z "$out" ] || t_diag "$out"
	if [ "$rc" -eq 0 ]; then t_ok "$name"; else t_not_ok "$name"; fi
}

# What lab/lab makes before vpn_up: node host keys, operator key.
mkdir -p "$LAB/ssh" "$LAB/run"
for node in $VPN_NODES; do
	mkdir -p "$LAB/ssh/$node"
	ssh-keygen -q -t ed25519 -N '' -C "$node" -f "$LAB/ssh/$node/ssh_host_ed25519_key"
done
ssh-keygen -q -t ed25519 -N '' -C operator -f "$LAB/ssh/operator_ed25519"
cp "$LAB/ssh/operator_ed25519.pub" "$LAB/ssh/authorized_keys"
touch "$LAB/ssh/known_hosts"

# The namespaces that are not ours, to see that we leave them alone.
run_sshd_before=$([ -d /run/sshd ] && echo yes)
others_before=$(ip netns list | awk '{ print $1 }' | grep -v "^$VPN_PREFIX-" | sort)

# t_ssh ADDR CMD [KNOWN_HOSTS]: the operator runs CMD on a node, checking
# its host key strictly.
t_ssh() {
	timeout 10 ssh -F /dev/null -i "$LAB/ssh/operator_ed25519" -o IdentitiesOnly=yes \
	    -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=yes \
	    -o UserKnownHostsFile="${3:-$LAB/ssh/known_hosts}" -o GlobalKnownHostsFile=/dev/null \
	    "root@$1" "$2" 2>>"$LAB/ssh.err"
}

# t_routed_via_tunnel ADDR DEV: the kernel sends ADDR into the tunnel, never
# out by the default route (nothing here may leave the machine).
t_routed_via_tunnel() { ip route get "$1" 2>/dev/null | grep -q " dev $2 "; }

# t_ping_within SECONDS ADDR: an answered ping within SECONDS.
t_ping_within() { vpn_wait "$1" vpn_ping "$2" 0.3 >/dev/null 2>&1; }

# t_status_client: vpn_status shows the client up, and no private key.
t_status_client() {
	local out key
	out=$(vpn_status 2>&1)
	printf '%s\n' "$out" | grep -E '^vpn-[a-z]+-client '
	printf '%s\n' "$out" | grep -qE '^vpn-[a-z]+-client .* up( |$)' || return 1
	for key in "$LAB"/vpn/wg/*.key "$LAB"/vpn/pki/private/*.key "$LAB/vpn/tc.key"; do
		[ -f "$key" ] || continue
		if printf '%s\n' "$out" | grep -qF -f <(grep -v -- '^-----' "$key" | grep -v '^#' | grep .); then
			t_diag "vpn_status shows $key"
			return 1
		fi
	done
}

# t_no_leftovers: nothing of the test's VPN outside $LAB.
t_no_leftovers() {
	local left
	left=$(ip netns list | grep "^$VPN_PREFIX-")
	left=$left$(ip -o link show | awk -F': ' '{ print $2 }' | grep "^$VPN_PREFIX-")
	left=$left$(pgrep -af -- "$LAB" | grep -v "^$$ ")
	left=$left$(ls /var/run/wireguard/"$VPN_PREFIX"-* 2>/dev/null)
	left=$left$(ip route show | grep "metric $VPN_GUARD_METRIC" | grep -E "$VPN_PRIVATE|$VPN_OVPN|$VPN_WG")
	[ -z "$left" ] || { t_diag "left behind:" "$left"; return 1; }
}

# t_bytes_flow KIND: the client counts bytes both ways.
t_bytes_flow() {
	local line
	case $1 in
	openvpn)
		line=$(vpn_mgmt "$LAB/vpn/client-mgmt.sock" "bytecount 1" | grep '^>BYTECOUNT:')
		line=${line#>BYTECOUNT:}
		;;
	wireguard) line=$(wg show "$VPN_WG_CLIENT_IF" transfer | awk '{ print $2 "," $3 }') ;;
	esac
	echo "bytes in,out: ${line:-none}"
	[ "${line%,*}" -gt 0 ] 2>/dev/null && [ "${line#*,}" -gt 0 ] 2>/dev/null
}

# t_client_config KIND: the file the console will start its client with
# is private and parses.
t_client_config() {
	local f b
	case $1 in
	openvpn)
		f=$LAB/vpn/client.ovpn
		for b in ca cert key tls-crypt; do
			grep -q "^<$b>" "$f" || { echo "no inline <$b>"; return 1; }
		done
		grep -qxF "management $LAB/vpn/client-mgmt.sock unix" "$f" || { echo "no management socket"; return 1; }
		openvpn --config "$f" --verb 1 --show-ciphers >/dev/null || return 1
		;;
	wireguard)
		f=$LAB/vpn/wg-client.conf
		grep -qx 'Address = .*/24' "$f" && grep -qx 'PersistentKeepalive = 25' "$f" || return 1
		if command -v wg-quick >/dev/null; then
			wg-quick strip "$f" >/dev/null || return 1
		fi
		;;
	esac
	[ "$(stat -c %a "$f")" = 600 ] || { echo "$f is not mode 600"; return 1; }
}

# t_round KIND: up, client, ping, ssh, counters, server loss, down.
t_round() {
	local kind=$1 start took tun addr pid hosts wrong
	start=$(vpn_now)
	t_check "$kind: vpn_up" vpn_up "$kind"
	took=$(vpn_since "$start")
	t_diag "$kind: vpn_up took $took s"
	t_check "$kind: vpn_status says every server piece is up" vpn_status
	t_check "$kind: the client config is private and parses" t_client_config "$kind"
	hosts=$(wc -l <"$LAB/ssh/known_hosts")
	t_check "$kind: vpn_up again is a no-op" vpn_up "$kind"
	t_check "$kind: known_hosts has one line per node, not duplicated" \
	    test "$hosts" -eq 3 -a "$(wc -l <"$LAB/ssh/known_hosts")" -eq 3

	start=$(vpn_now)
	t_check "$kind: the client connects" vpn_client_up
	case $kind in
	openvpn) tun=$VPN_OVPN_CLIENT_IF ;;
	wireguard) tun=$VPN_WG_CLIENT_IF ;;
	esac
	addr=$(vpn_node_addr analytics)
	if ! t_routed_via_tunnel "$addr" "$tun"; then
		t_not_ok "$kind: $addr is routed through $tun"
		t_diag "$(ip route get "$addr" 2>&1)"
		return
	fi
	if t_ping_within 10 "$addr"; then
		t_diag "$kind: first ping answered $(vpn_since "$start") s after the client started"
		t_ok "$kind: ping $addr (analytics) through the tunnel"
	else
		t_not_ok "$kind: ping $addr (analytics) through the tunnel"
	fi
	t_ok "$kind: $addr is routed through $tun"
	case $kind in
	openvpn)
		t_check "$kind: the client's management socket says CONNECTED" \
		    vpn_ovpn_connected "$LAB/vpn/client-mgmt.sock"
		;;
	wireguard)
		t_check "$kind: the client completed a handshake" vpn_wg_handshake "$tun"
		;;
	esac
	t_check "$kind: vpn_status shows the client up and no private key" t_status_client
	t_check "$kind: ping of an address nobody has fails (the check can fail)" \
	    eval "! vpn_ping $VPN_PRIVATE.9 0.5 2>/dev/null"

	addr=$(vpn_node_addr compute)
	t_check "$kind: ssh to compute ($addr) runs echo ok, host key checked" \
	    test "$(t_ssh "$addr" 'echo ok')" = ok
	t_check "$kind: ssh lands on the compute namespace" \
	    eval "t_ssh $addr 'ip -4 -o addr show dev eth0' | grep -qF ' $addr/24 '"
	wrong=$LAB/known_hosts.wrong
	sed "s/^$VPN_PRIVATE.1 /$addr /;t;d" "$LAB/ssh/known_hosts" >"$wrong"
	t_check "$kind: ssh refuses compute with the gateway's host key (the check can fail)" \
	    eval "! t_ssh $addr 'echo ok' $wrong >/dev/null"
	t_check "$kind: the client counts bytes both ways" t_bytes_flow "$kind"

	# The server goes away: the client notices.
	case $kind in
	openvpn)
		pid=$(vpn_pid vpn-openvpn-server)
		vpn_kill "$pid"
		t_check "$kind: with the server stopped the client leaves CONNECTED" \
		    vpn_wait 20 eval "! vpn_ovpn_connected $LAB/vpn/client-mgmt.sock"
		t_diag "$kind: client state then: $(vpn_ovpn_state "$LAB/vpn/client-mgmt.sock")"
		;;
	wireguard)
		pid=$(vpn_pid vpn-wg-server)
		vpn_kill "$pid"
		t_check "$kind: with the server stopped nothing answers through the tunnel" \
		    eval "! vpn_ping $(vpn_node_addr analytics) 1 2>/dev/null"
		;;
	esac
	t_check "$kind: vpn_status says the server is down" eval '! vpn_status >/dev/null'

	if [ "$kind" = wireguard ]; then
		# As after a crash: no pid files, no state; vpn_down finds it all anyway.
		rm -f "$LAB"/run/*.pid "$LAB/vpn/state"
		t_diag "$kind: pid files and state removed before vpn_down (crash)"
	fi
	t_check "$kind: vpn_down" vpn_down
	t_check "$kind: nothing left: namespace, link, process, UAPI socket, route" t_no_leftovers
	t_check "$kind: vpn_down again is a silent no-op" test -z "$(vpn_down)"
}

t_check "vpn_up refuses without root, saying why" \
    eval "setpriv --reuid=65534 --regid=65534 --clear-groups bash -c '. lab/lib/vpn.sh; vpn_up openvpn' 2>&1 |
        grep -q 'needs root' && ! setpriv --reuid=65534 --regid=65534 --clear-groups bash -c '. lab/lib/vpn.sh; vpn_up openvpn' 2>/dev/null"

t_round openvpn
t_round wireguard

t_check "no /run/sshd left unless it was there before" \
    test "$run_sshd_before" = "$([ -d /run/sshd ] && echo yes)"
others_after=$(ip netns list | awk '{ print $1 }' | grep -v "^$VPN_PREFIX-" | sort)
t_check "other namespaces untouched" test "$others_before" = "$others_after"

echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]

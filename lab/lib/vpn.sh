# The lab's VPN (`lab/lab up --vpn[=openvpn|wireguard]`): the three nodes as
# network namespaces behind a real VPN server on the gateway.  Sourced, never
# run; needs $LAB.  Root only.
#
#   host ── ptlab-pub (172.31.255.1/30) ── veth ── pub0 (172.31.255.2/30)
#                                                  ptlab-gateway namespace:
#                                                  OpenVPN udp 1194 (10.8.0.0/24)
#                                                  or wireguard-go 51820 (10.9.0.0/24)
#                                                  bridge br0 10.10.0.1/24
#                    ptlab-compute 10.10.0.2 ───────┤
#                    ptlab-analytics 10.10.0.3 ─────┘
#
# Each node namespace runs an sshd on 10.10.0.x:22 (host keys and operator key
# from $LAB/ssh, lines for 10.10.0.x added to $LAB/ssh/known_hosts).  The
# client side (host) is started by vpn_client_up, or by the console with
# $LAB/vpn/client.ovpn (management socket $LAB/vpn/client-mgmt.sock) or
# $LAB/vpn/wg-client.conf (interface ptlab-wgc).  Everything the VPN leaves on
# the machine outside $LAB is named ptlab-* (namespaces, links, UAPI sockets)
# or is an `unreachable ... metric 4242` guard route for 10.8-10.10.0.0/24,
# so vpn_down can find it again after a crash.
#
#   vpn_up openvpn|wireguard   build it all (idempotent); prints the time taken
#   vpn_client_up              start the host's client, wait until connected
#   vpn_client_down            stop it
#   vpn_status                 one line per piece; non-zero if the server side is down
#   vpn_down                   stop and remove everything; a no-op when down
#   vpn_mgmt SOCK CMD...       ask an OpenVPN management socket
#   vpn_ping ADDR [SECONDS]    one ICMP echo (no iputils-ping needed)

VPN_LIB=${BASH_SOURCE[0]}
VPN_NODES="gateway compute analytics"
# A test runs a second VPN beside the lab's by setting these before sourcing:
# the name prefix of namespaces and links, and the /24s (first three octets)
# of the private network and of the two tunnels.
VPN_PREFIX=${VPN_PREFIX:-ptlab}
VPN_PRIVATE=${VPN_PRIVATE:-10.10.0}
VPN_OVPN=${VPN_OVPN:-10.8.0}
VPN_WG=${VPN_WG:-10.9.0}
VPN_PRIVATE_NET=$VPN_PRIVATE.0/24
VPN_OVPN_NET=$VPN_OVPN.0/24
VPN_WG_NET=$VPN_WG.0/24
VPN_OVPN_PORT=1194
VPN_WG_PORT=51820
VPN_PUB_IF=$VPN_PREFIX-pub
VPN_WG_SERVER_IF=$VPN_PREFIX-wg0
VPN_WG_CLIENT_IF=$VPN_PREFIX-wgc
VPN_OVPN_CLIENT_IF=$VPN_PREFIX-tun
VPN_UAPI_DIR=/var/run/wireguard
# Public /30 links to try, "host gateway": the first whose range is unused wins.
VPN_PUBLIC_CANDIDATES="172.31.255.1/172.31.255.2 172.30.255.1/172.30.255.2 192.168.255.253/192.168.255.254"
# Guard routes for our 10.x /24s, with a metric worse than any tunnel's so a
# live tunnel wins; with the tunnel down, packets for 10.x fail here instead
# of leaving the machine by the default route.
VPN_GUARD_METRIC=4242

# The lab's process and time helpers (lab_alive, lab_now, lab_since).
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

vpn_say() { printf 'vpn: %s\n' "$*"; }
vpn_err() { printf 'vpn: %s\n' "$*" >&2; }


vpn_ns() { printf '%s-%s\n' "$VPN_PREFIX" "$1"; }

# vpn_sub FUNCTION ARGS...: run a step in a bash of its own under set -eu, so
# its first failing command stops it even when our caller wrote `vpn_up || …`
# (which turns set -e off for everything the call runs).
vpn_sub() {
	LAB=$LAB VPN_PREFIX=$VPN_PREFIX VPN_PRIVATE=$VPN_PRIVATE VPN_OVPN=$VPN_OVPN \
	    VPN_WG=$VPN_WG bash -eu -c '. "$0"; "$@"' "$VPN_LIB" "$@"
}

# vpn_node_addr NODE: the node's address on the private network.
vpn_node_addr() {
	case $1 in
	gateway) echo "$VPN_PRIVATE.1" ;;
	compute) echo "$VPN_PRIVATE.2" ;;
	analytics) echo "$VPN_PRIVATE.3" ;;
	*) return 1 ;;
	esac
}

# vpn_state_get KEY: a value from $LAB/vpn/state (empty when absent).
vpn_state_get() {
	[ -f "$LAB/vpn/state" ] || return 0
	sed -n "s/^$1=//p" "$LAB/vpn/state" | tail -n 1
}

# vpn_cmdline PID: the process's command line, arguments joined by spaces.
vpn_cmdline() { { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null; }

# vpn_pid NAME: the pid in $LAB/run/NAME.pid when that process still runs a
# program of ours (a recycled pid does not count).
vpn_pid() {
	local pid
	pid=$(cat "$LAB/run/$1.pid" 2>/dev/null) || return 1
	lab_alive "$pid" || return 1
	case $(vpn_cmdline "$pid") in
	*openvpn* | *sshd* | *wireguard-go*) printf '%s\n' "$pid" ;;
	*) return 1 ;;
	esac
}

# vpn_kill PID...: TERM, then KILL what is left after about three seconds.
vpn_kill() {
	local pid left n=0
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null || true
	while [ $((n += 1)) -le 60 ]; do
		left=""
		for pid in "$@"; do
			lab_alive "$pid" && left=1
		done
		[ -n "$left" ] || return 0
		sleep 0.05
	done
	kill -KILL "$@" 2>/dev/null || true
	sleep 0.1
}

# vpn_stray_pids: processes a crashed VPN may have left: openvpn and sshd
# whose command lines name $LAB/vpn/, and wireguard-go for our interfaces
# (its command line has no path).
vpn_stray_pids() {
	local pid
	for pid in $(pgrep -f -- "$LAB/vpn/"); do
		case $(vpn_cmdline "$pid") in
		*openvpn*"$LAB/vpn/"* | *sshd*"$LAB/vpn/"*) printf '%s\n' "$pid" ;;
		esac
	done
	vpn_wg_pid "$VPN_WG_SERVER_IF"
	vpn_wg_pid "$VPN_WG_CLIENT_IF"
	return 0
}

# vpn_wait SECONDS CMD...: poll CMD every 50 ms until it succeeds.
vpn_wait() {
	local deadline
	deadline=$(awk -v a="$(lab_now)" -v s="$1" 'BEGIN { printf "%.3f", a + s }')
	shift
	until "$@"; do
		awk -v a="$(lab_now)" -v d="$deadline" 'BEGIN { exit !(a < d) }' || return 1
		sleep 0.05
	done
}

# vpn_mgmt SOCKET COMMAND...: send commands to an OpenVPN management socket
# and print their replies (without the asynchronous '>' lines, except the
# first >BYTECOUNT: after a `bytecount N`).  Non-zero when it cannot connect.
vpn_mgmt() {
	/usr/bin/python3 - "$@" <<'PY'
"""Talk to an OpenVPN management unix socket: one reply per command."""
import socket
import sys


def lines(sock):
    """Yield CRLF-terminated lines from the socket."""
    buf = b""
    while True:
        while b"\n" not in buf:
            data = sock.recv(4096)
            if not data:
                return
            buf += data
        line, buf = buf.split(b"\n", 1)
        yield line.rstrip(b"\r").decode("utf-8", "replace")


def reply(it, cmd):
    """Print the reply to one command; multi-line replies end with END."""
    want_bytecount = cmd.startswith("bytecount ") and not cmd.endswith(" 0")
    for line in it:
        if line.startswith(">"):
            if want_bytecount and line.startswith(">BYTECOUNT"):
                print(line)
                return
            continue
        if line.startswith("ERROR:"):
            print(line)
            return
        if line.startswith("SUCCESS:"):
            if not want_bytecount:
                print(line)
                return
            continue
        if line == "END":
            return
        print(line)


def main():
    """Connect, run each command in turn, quit."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(4)
    try:
        sock.connect(sys.argv[1])
        it = lines(sock)
        for cmd in sys.argv[2:]:
            sock.sendall(cmd.encode() + b"\r\n")
            reply(it, cmd)
        if sys.argv[-1].startswith("bytecount"):
            sock.sendall(b"bytecount 0\r\n")
        sock.sendall(b"quit\r\n")
    except OSError as err:
        print("vpn_mgmt: %s: %s" % (sys.argv[1], err), file=sys.stderr)
        sys.exit(1)


main()
PY
}

# vpn_ping ADDR [SECONDS]: one ICMP echo answered within SECONDS (default 1);
# prints the round trip.  Python's raw socket, since iputils-ping may be absent.
vpn_ping() {
	/usr/bin/python3 - "$1" "${2:-1}" <<'PY'
"""Send one ICMP echo request and wait for its reply (root: raw socket)."""
import os
import socket
import struct
import sys
import time


def checksum(data):
    """The Internet checksum of data."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def main():
    """Ping argv[1] once, waiting argv[2] seconds; exit 1 without a reply."""
    addr, limit = sys.argv[1], float(sys.argv[2])
    ident, seq = os.getpid() & 0xFFFF, 1
    head = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    body = b"platform-lab"
    pkt = struct.pack("!BBHHH", 8, 0, checksum(head + body), ident, seq) + body
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    start = time.monotonic()
    try:
        sock.sendto(pkt, (addr, 0))
    except OSError as err:
        print("vpn_ping: %s: %s" % (addr, err), file=sys.stderr)
        sys.exit(1)
    while True:
        left = limit - (time.monotonic() - start)
        if left <= 0:
            sys.exit(1)
        sock.settimeout(left)
        try:
            data, src = sock.recvfrom(2048)
        except socket.timeout:
            sys.exit(1)
        icmp = data[(data[0] & 0x0F) * 4:]
        if src[0] == addr and icmp[0] == 0 and struct.unpack("!HH", icmp[4:8]) == (ident, seq):
            print("%s: reply in %.1f ms" % (addr, (time.monotonic() - start) * 1000))
            return


main()
PY
}

# vpn_ovpn_state SOCKET: the STATE field of `state` (CONNECTED, RECONNECTING…).
vpn_ovpn_state() {
	vpn_mgmt "$1" state 2>/dev/null | awk -F, '$1 ~ /^[0-9]+$/ { s = $2 } END { if (s == "") exit 1; print s }'
}

# vpn_ovpn_connected SOCKET: that OpenVPN reports CONNECTED.
vpn_ovpn_connected() { [ "$(vpn_ovpn_state "$1")" = CONNECTED ]; }

# vpn_pick_public: the first candidate /30 not used on this machine.
vpn_pick_public() {
	local c host gw net
	for c in $VPN_PUBLIC_CANDIDATES; do
		host=${c%/*} gw=${c#*/} net=${host%.*}.
		ip -4 -o addr show | grep -qF " inet $net" && continue
		ip -4 route show | grep -v '^default' | grep -qF "$net" && continue
		printf '%s %s\n' "$host" "$gw"
		return 0
	done
	return 1
}

# vpn_nets_free: the private and tunnel /24s are not routed here already
# (they would shadow, or be shadowed by, a real network).
vpn_nets_free() {
	local p used
	for p in "$VPN_PRIVATE" "$VPN_OVPN" "$VPN_WG"; do
		used=$(ip -4 route show match "$p.1" | grep -v '^default' | head -n 1)
		[ -z "$used" ] && continue
		vpn_err "$p.0/24 is already routed here ($used); set VPN_PRIVATE/VPN_OVPN/VPN_WG to free /24s"
		return 1
	done
}

# vpn_check: reasons we cannot run, on stderr; non-zero then.
vpn_check() {
	local kind=$1 p
	if [ "$(id -u)" -ne 0 ]; then
		vpn_err "the VPN lab needs root (network namespaces, tun devices); run as root or leave out --vpn"
		return 1
	fi
	if [ ! -c /dev/net/tun ]; then
		vpn_err "/dev/net/tun is missing: no tun devices here, so no VPN (modprobe tun, or give the container the device)"
		return 1
	fi
	case $kind in
	openvpn) set -- openvpn /usr/share/easy-rsa/easyrsa ;;
	wireguard) set -- wireguard-go wg ;;
	*) vpn_err "unknown VPN kind '$kind' (openvpn or wireguard)"; return 1 ;;
	esac
	for p in "$@" ip /usr/sbin/sshd; do
		command -v "$p" >/dev/null 2>&1 && continue
		vpn_err "$p is missing: run lab/install-deps"
		return 1
	done
	for p in $VPN_NODES; do
		[ -f "$LAB/ssh/$p/ssh_host_ed25519_key" ] && continue
		vpn_err "$LAB/ssh/$p/ssh_host_ed25519_key is missing (lab/lab makes the node keys first)"
		return 1
	done
}

# vpn_net_up HOST GW: the namespaces, the public link and the private bridge.
vpn_net_up() {
	local host=$1 gw=$2 gns node ns
	gns=$(vpn_ns gateway)
	for node in $VPN_NODES; do
		ns=$(vpn_ns "$node")
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ip link add "$VPN_PUB_IF" type veth peer name pub0 netns "$gns"
	ip addr add "$host/30" dev "$VPN_PUB_IF"
	ip link set "$VPN_PUB_IF" up
	ip -n "$gns" addr add "$gw/30" dev pub0
	ip -n "$gns" link set pub0 up
	ip -n "$gns" link add br0 type bridge
	ip -n "$gns" addr add "$VPN_PRIVATE.1/24" dev br0
	ip -n "$gns" link set br0 up
	for node in compute analytics; do
		ns=$(vpn_ns "$node")
		ip -n "$gns" link add "veth-$node" type veth peer name eth0 netns "$ns"
		ip -n "$gns" link set "veth-$node" master br0 up
		ip -n "$ns" addr add "$(vpn_node_addr "$node")/24" dev eth0
		ip -n "$ns" link set eth0 up
		# Replies to VPN clients go back through the gateway; nothing else does.
		ip -n "$ns" route add "$VPN_OVPN_NET" via "$VPN_PRIVATE.1"
		ip -n "$ns" route add "$VPN_WG_NET" via "$VPN_PRIVATE.1"
	done
	ip netns exec "$gns" sysctl -qw net.ipv4.ip_forward=1
	for net in "$VPN_PRIVATE_NET" "$VPN_OVPN_NET" "$VPN_WG_NET"; do
		ip route add unreachable "$net" metric "$VPN_GUARD_METRIC"
	done
}

# vpn_sshd_up NODE: an sshd on the node's private address, in its namespace.
vpn_sshd_up() {
	local node=$1 addr conf
	addr=$(vpn_node_addr "$node")
	conf=$LAB/vpn/sshd-$node.conf
	cat >"$conf" <<EOF
# sshd of the $node node on the lab's private network (written by lab/lib/vpn.sh)
ListenAddress $addr:22
HostKey $LAB/ssh/$node/ssh_host_ed25519_key
PidFile $LAB/run/vpn-sshd-$node.pid
AuthorizedKeysFile $LAB/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
Subsystem sftp internal-sftp
EOF
	# sshd's privilege separation directory, normally made by systemd (and
	# by lab/lab's own sshd); we remove it on down only when we made it.
	if [ ! -d /run/sshd ]; then
		mkdir -p /run/sshd && chmod 755 /run/sshd && : >"$LAB/vpn/made-run-sshd"
	fi
	/usr/sbin/sshd -t -f "$conf"
	ip netns exec "$(vpn_ns "$node")" /usr/sbin/sshd -f "$conf" -E "$LAB/vpn/sshd-$node.log"
}

# vpn_known_hosts: one known_hosts line per node address with its current
# host key (lines from an older key go).
vpn_known_hosts() {
	local kh=$LAB/ssh/known_hosts node addr
	touch "$kh"
	cp "$kh" "$kh.vpn"
	for node in $VPN_NODES; do
		addr=$(vpn_node_addr "$node")
		grep -vF "$addr " "$kh.vpn" >"$kh.vpn2" || true
		printf '%s %s\n' "$addr" "$(awk '{ print $1, $2 }' "$LAB/ssh/$node/ssh_host_ed25519_key.pub")" >>"$kh.vpn2"
		mv "$kh.vpn2" "$kh.vpn"
	done
	if cmp -s "$kh" "$kh.vpn"; then rm -f "$kh.vpn"; else mv "$kh.vpn" "$kh"; fi
}

# vpn_sshd_answers ADDR NODE: the sshd there sends its banner.
vpn_sshd_answers() {
	local banner
	banner=$(ip netns exec "$(vpn_ns "$2")" timeout 2 bash -c \
	    "exec 3<>/dev/tcp/$1/22 && head -c 4 <&3" 2>/dev/null) || return 1
	[ "$banner" = SSH- ]
}

# vpn_pki: easy-rsa CA, server and client certificates and the tls-crypt key,
# made once under $LAB/vpn/pki and reused.
vpn_pki() {
	local pki=$LAB/vpn/pki
	if [ -s "$pki/issued/server.crt" ] && [ -s "$pki/issued/c1.crt" ] &&
	    [ -s "$pki/private/c1.key" ] && [ -s "$LAB/vpn/tc.key" ]; then
		return 0
	fi
	rm -rf "$pki"
	(
		export EASYRSA_BATCH=1 EASYRSA_PKI="$pki" EASYRSA_ALGO=ec EASYRSA_CURVE=prime256v1
		cd "$LAB/vpn" &&
		    /usr/share/easy-rsa/easyrsa init-pki &&
		    /usr/share/easy-rsa/easyrsa --req-cn="platform-lab CA" build-ca nopass &&
		    /usr/share/easy-rsa/easyrsa build-server-full server nopass &&
		    /usr/share/easy-rsa/easyrsa build-client-full c1 nopass
	) >"$LAB/vpn/easyrsa.log" 2>&1 || {
		vpn_err "easy-rsa failed; see $LAB/vpn/easyrsa.log"
		return 1
	}
	openvpn --genkey tls-crypt "$LAB/vpn/tc.key"
	chmod 600 "$LAB/vpn/tc.key"
}

# vpn_pem FILE: the PEM block(s) of a certificate or key file only.
vpn_pem() { sed -n '/^-----BEGIN/,/^-----END/p' "$1"; }

# vpn_openvpn_up GW: the OpenVPN server in the gateway namespace, and the
# client config for the console.
vpn_openvpn_up() {
	local gw=$1 pki=$LAB/vpn/pki
	vpn_pki
	cat >"$LAB/vpn/server.conf" <<EOF
# OpenVPN server of the lab's gateway (written by lab/lib/vpn.sh)
dev tun0
dev-type tun
disable-dco
proto udp
local $gw
port $VPN_OVPN_PORT
topology subnet
server $VPN_OVPN.0 255.255.255.0
push "route $VPN_PRIVATE.0 255.255.255.0"
ca $pki/ca.crt
cert $pki/issued/server.crt
key $pki/private/server.key
dh none
tls-crypt $LAB/vpn/tc.key
keepalive 2 10
explicit-exit-notify 1
persist-key
management $LAB/vpn/server-mgmt.sock unix
status $LAB/vpn/server-status.log 1
status-version 3
log $LAB/vpn/server.log
writepid $LAB/run/vpn-openvpn-server.pid
daemon $VPN_PREFIX-openvpn-server
verb 3
EOF
	rm -f "$LAB/vpn/server-mgmt.sock"
	ip netns exec "$(vpn_ns gateway)" openvpn --config "$LAB/vpn/server.conf"
	{
		cat <<EOF
# OpenVPN client of the platform lab (written by lab/lib/vpn.sh).
# Start: openvpn --config $LAB/vpn/client.ovpn (as root); then talk to the
# management socket: state, bytecount N, signal SIGTERM.
client
dev $VPN_OVPN_CLIENT_IF
dev-type tun
disable-dco
remote $gw $VPN_OVPN_PORT udp
nobind
connect-retry 1 5
explicit-exit-notify 1
remote-cert-tls server
verify-x509-name server name
management $LAB/vpn/client-mgmt.sock unix
verb 3
EOF
		printf '<ca>\n%s\n</ca>\n' "$(vpn_pem "$pki/ca.crt")"
		printf '<cert>\n%s\n</cert>\n' "$(vpn_pem "$pki/issued/c1.crt")"
		printf '<key>\n%s\n</key>\n' "$(vpn_pem "$pki/private/c1.key")"
		printf '<tls-crypt>\n%s\n</tls-crypt>\n' "$(cat "$LAB/vpn/tc.key")"
	} >"$LAB/vpn/client.ovpn.tmp"
	chmod 600 "$LAB/vpn/client.ovpn.tmp"
	mv "$LAB/vpn/client.ovpn.tmp" "$LAB/vpn/client.ovpn"
	vpn_wait 10 test -S "$LAB/vpn/server-mgmt.sock" || {
		vpn_err "OpenVPN server did not start; see $LAB/vpn/server.log"
		return 1
	}
	vpn_wait 10 vpn_ovpn_connected "$LAB/vpn/server-mgmt.sock" || {
		vpn_err "OpenVPN server did not come up; see $LAB/vpn/server.log"
		return 1
	}
}

# vpn_wg_pid IFNAME: the wireguard-go serving that interface.
vpn_wg_pid() {
	local pid
	for pid in $(pgrep -x wireguard-go); do
		case $(vpn_cmdline "$pid") in
		"wireguard-go -f $1 " | "wireguard-go $1 ") printf '%s\n' "$pid"; return 0 ;;
		esac
	done
	return 1
}

# vpn_wg_start NS IFNAME LOG: wireguard-go in the foreground of a session of
# its own, in namespace NS ("" = here); its pid in $LAB/run.
vpn_wg_start() {
	local ns=$1 ifname=$2 pidname=$3
	rm -f "$VPN_UAPI_DIR/$ifname.sock"
	if [ -n "$ns" ]; then
		set -- ip netns exec "$ns" setsid wireguard-go -f "$ifname"
	else
		set -- setsid wireguard-go -f "$ifname"
	fi
	LOG_LEVEL=error "$@" </dev/null >>"$LAB/vpn/$pidname.log" 2>&1 &
	disown "$!" 2>/dev/null || true
	vpn_wait 10 test -S "$VPN_UAPI_DIR/$ifname.sock" || {
		vpn_err "wireguard-go $ifname did not start; see $LAB/vpn/$pidname.log"
		return 1
	}
	vpn_wg_pid "$ifname" >"$LAB/run/$pidname.pid"
}

# vpn_wireguard_up GW: wireguard-go in the gateway namespace, and the client
# config (wg-quick format) for the console.
vpn_wireguard_up() {
	local gw=$1 d=$LAB/vpn/wg gns
	gns=$(vpn_ns gateway)
	mkdir -p "$d"
	chmod 700 "$d"
	if [ ! -s "$d/server.key" ] || [ ! -s "$d/client.key" ]; then
		(umask 077; wg genkey >"$d/server.key"; wg genkey >"$d/client.key")
	fi
	wg pubkey <"$d/server.key" >"$d/server.pub"
	wg pubkey <"$d/client.key" >"$d/client.pub"
	(umask 077; cat >"$LAB/vpn/wg-server.conf" <<EOF
[Interface]
PrivateKey = $(cat "$d/server.key")
ListenPort = $VPN_WG_PORT

[Peer]
PublicKey = $(cat "$d/client.pub")
AllowedIPs = $VPN_WG.2/32
EOF
	cat >"$LAB/vpn/wg-client.conf" <<EOF
# WireGuard client of the platform lab (wg-quick format; interface $VPN_WG_CLIENT_IF).
[Interface]
PrivateKey = $(cat "$d/client.key")
Address = $VPN_WG.2/24

[Peer]
PublicKey = $(cat "$d/server.pub")
Endpoint = $gw:$VPN_WG_PORT
AllowedIPs = $VPN_WG_NET, $VPN_PRIVATE_NET
PersistentKeepalive = 25
EOF
	)
	mkdir -p "$VPN_UAPI_DIR"
	vpn_wg_start "$gns" "$VPN_WG_SERVER_IF" vpn-wg-server
	ip netns exec "$gns" wg setconf "$VPN_WG_SERVER_IF" "$LAB/vpn/wg-server.conf"
	ip -n "$gns" addr add "$VPN_WG.1/24" dev "$VPN_WG_SERVER_IF"
	ip -n "$gns" link set "$VPN_WG_SERVER_IF" up
}

# vpn_up openvpn|wireguard: the namespaces, the sshds and the VPN server.
vpn_up() {
	local kind=${1:-openvpn} start pub host gw node
	start=$(lab_now)
	vpn_check "$kind" || return 1
	if [ "$(vpn_state_get kind)" = "$kind" ] && vpn_status >/dev/null 2>&1; then
		vpn_known_hosts
		vpn_say "$kind already up"
		return 0
	fi
	vpn_down >/dev/null
	pub=$(vpn_pick_public) || {
		vpn_err "no free range for the public link among: $VPN_PUBLIC_CANDIDATES"
		return 1
	}
	host=${pub% *} gw=${pub#* }
	vpn_nets_free || return 1
	mkdir -p "$LAB/vpn" "$LAB/run"
	chmod 700 "$LAB/vpn"
	vpn_sub vpn_net_up "$host" "$gw" || {
		vpn_err "could not build the namespaces; lab/lab down cleans up"
		return 1
	}
	for node in $VPN_NODES; do
		vpn_sub vpn_sshd_up "$node" || {
			vpn_err "sshd on $node did not start; see $LAB/vpn/sshd-$node.log"
			return 1
		}
	done
	vpn_sub "vpn_${kind}_up" "$gw" || return 1
	for node in $VPN_NODES; do
		vpn_wait 5 vpn_sshd_answers "$(vpn_node_addr "$node")" "$node" || {
			vpn_err "sshd on $node did not answer; see $LAB/vpn/sshd-$node.log"
			return 1
		}
	done
	vpn_known_hosts
	{
		echo "kind=$kind"
		echo "public_host=$host"
		echo "public_gw=$gw"
		case $kind in
		openvpn) echo "port=$VPN_OVPN_PORT" "tunnel=$VPN_OVPN_NET" ;;
		wireguard) echo "port=$VPN_WG_PORT" "tunnel=$VPN_WG_NET" ;;
		esac | tr ' ' '\n'
		echo "private=$VPN_PRIVATE_NET"
		for node in $VPN_NODES; do
			echo "sshd_$node=$(vpn_node_addr "$node"):22 $(vpn_pid "vpn-sshd-$node")"
		done
		case $kind in
		openvpn) echo "server_pid=$(vpn_pid vpn-openvpn-server)" ;;
		wireguard) echo "server_pid=$(vpn_pid vpn-wg-server)" ;;
		esac
	} >"$LAB/vpn/state"
	vpn_say "$kind up in $(lab_since "$start") s: server $gw, nodes $VPN_PRIVATE_NET"
}

# vpn_client_up: the host's side of the tunnel (what the console will do
# itself): openvpn with client.ovpn, or wireguard-go on $VPN_WG_CLIENT_IF.  Waits
# until the tunnel is up and says how long that took.
vpn_client_up() {
	local kind start
	kind=$(vpn_state_get kind)
	[ -n "$kind" ] || { vpn_err "the VPN is not up (lab/lab up --vpn)"; return 1; }
	vpn_client_down
	start=$(lab_now)
	case $kind in
	openvpn)
		rm -f "$LAB/vpn/client-mgmt.sock"
		openvpn --config "$LAB/vpn/client.ovpn" --daemon "$VPN_PREFIX-openvpn-client" \
		    --writepid "$LAB/run/vpn-client.pid" --log "$LAB/vpn/client.log" || return 1
		vpn_wait 10 vpn_ovpn_connected "$LAB/vpn/client-mgmt.sock"
		;;
	wireguard)
		vpn_sub vpn_wg_client_up && vpn_wait 10 vpn_wg_handshake "$VPN_WG_CLIENT_IF"
		;;
	esac || {
		vpn_err "the $kind client did not connect; see $LAB/vpn/client.log"
		return 1
	}
	vpn_say "$kind client connected in $(lab_since "$start") s"
}

# vpn_wg_client_up: wireguard-go $VPN_WG_CLIENT_IF here, configured from wg-client.conf.
vpn_wg_client_up() {
	local ifname=$VPN_WG_CLIENT_IF
	mkdir -p "$VPN_UAPI_DIR"
	vpn_wg_start "" "$ifname" vpn-client
	# wg setconf knows no Address line: that is wg-quick's.
	(umask 077; grep -v '^Address' "$LAB/vpn/wg-client.conf" >"$LAB/vpn/wg-client.setconf")
	ip addr add "$VPN_WG.2/24" dev "$ifname"
	ip link set "$ifname" up
	ip route add "$VPN_PRIVATE_NET" dev "$ifname"
	wg setconf "$ifname" "$LAB/vpn/wg-client.setconf"
}

# vpn_wg_handshake IFNAME: the interface's peer has completed a handshake.
vpn_wg_handshake() {
	wg show "$1" latest-handshakes 2>/dev/null | awk '$2 > 0 { ok = 1 } END { exit !ok }'
}

# vpn_client_down: stop the host's side of the tunnel; a no-op when down.
vpn_client_down() {
	local pid
	pid=$(vpn_pid vpn-client) && vpn_kill "$pid"
	rm -f "$LAB/run/vpn-client.pid"
	pid=$(vpn_wg_pid "$VPN_WG_CLIENT_IF") && vpn_kill "$pid"
	for pid in $VPN_WG_CLIENT_IF $VPN_OVPN_CLIENT_IF; do
		ip link del "$pid" 2>/dev/null || true
	done
	rm -f "$VPN_UAPI_DIR/$VPN_WG_CLIENT_IF.sock" "$LAB/vpn/client-mgmt.sock" \
	    "$LAB/vpn/wg-client.setconf"
	return 0
}

# vpn_down: stop everything vpn_up and vpn_client_up started and remove what
# they made outside $LAB (namespaces, links, routes, UAPI sockets), also
# after a crash; a no-op when nothing is up.
vpn_down() {
	local name pid pids ns net link did=""
	[ -n "${LAB:-}" ] || { vpn_err "LAB is not set"; return 1; }
	[ "$(id -u)" -eq 0 ] || return 0
	[ -f "$LAB/vpn/state" ] && did=1
	# Everything at once: pid files, whatever runs in our namespaces, and
	# what a crash left (found by command line).
	pids=""
	for name in vpn-client vpn-openvpn-server vpn-wg-server vpn-sshd-gateway \
	    vpn-sshd-compute vpn-sshd-analytics; do
		pid=$(vpn_pid "$name") && pids="$pids $pid"
		rm -f "$LAB/run/$name.pid"
	done
	for name in $VPN_NODES; do
		ns=$(vpn_ns "$name")
		ip netns list | grep -q "^$ns\b" && pids="$pids $(ip netns pids "$ns" | tr '\n' ' ')"
	done
	pids="$pids $(vpn_stray_pids | tr '\n' ' ')"
	if [ -n "${pids// /}" ]; then
		did=1
		# A second TERM makes OpenVPN skip its two-second goodbye to clients.
		# shellcheck disable=SC2086
		kill -TERM $pids 2>/dev/null || true
		sleep 0.2
		# shellcheck disable=SC2086
		vpn_kill $pids
	fi
	vpn_client_down
	for name in $VPN_NODES; do
		ns=$(vpn_ns "$name")
		ip netns list | grep -q "^$ns\b" || continue
		ip netns del "$ns"
		did=1
	done
	for link in $(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep "^$VPN_PREFIX-"); do
		ip link del "$link" 2>/dev/null && did=1
	done
	for net in "$VPN_PRIVATE_NET" "$VPN_OVPN_NET" "$VPN_WG_NET"; do
		while ip route del unreachable "$net" metric "$VPN_GUARD_METRIC" 2>/dev/null; do :; done
	done
	if [ -f "$LAB/vpn/made-run-sshd" ]; then
		rmdir /run/sshd 2>/dev/null || true
		rm -f "$LAB/vpn/made-run-sshd"
	fi
	rm -f "$VPN_UAPI_DIR/$VPN_WG_SERVER_IF.sock" "$VPN_UAPI_DIR/$VPN_WG_CLIENT_IF.sock"
	rmdir "$VPN_UAPI_DIR" 2>/dev/null || true
	# Client configs go too: a client started later must not knock on an
	# address that no longer exists here.
	rm -f "$LAB/vpn/state" "$LAB/vpn/client.ovpn" "$LAB/vpn/wg-client.conf" \
	    "$LAB/vpn/server-mgmt.sock"
	[ -z "$did" ] || vpn_say "down"
}

# vpn_line NAME NODE ADDR PID STATE [DETAIL]: one line of vpn_status, in
# the columns of lab/lab status (service, node, address, pid, state).
vpn_line() {
	printf '%-24s %-10s %-16s %-8s %s\n' "$1" "$2" "${3:--}" "${4:--}" "$5${6:+ ($6)}"
}

# vpn_status: one line per piece (name, address:port, pid, up/down);
# non-zero when a piece of the server side is down.  Never prints keys.
vpn_status() {
	local kind gw node pid addr rc=0
	kind=$(vpn_state_get kind)
	if [ -z "$kind" ]; then
		vpn_line vpn - - - down "not started"
		return 1
	fi
	gw=$(vpn_state_get public_gw)
	if ip link show "$VPN_PUB_IF" >/dev/null 2>&1 && ip netns list | grep -q "^$(vpn_ns gateway)\b"; then
		vpn_line vpn-link host "$gw" - up "veth from $(vpn_state_get public_host)"
	else
		vpn_line vpn-link host "$gw" - down; rc=1
	fi
	for node in $VPN_NODES; do
		addr=$(vpn_node_addr "$node")
		pid=$(vpn_pid "vpn-sshd-$node") || pid=""
		if [ -n "$pid" ] && vpn_sshd_answers "$addr" "$node"; then
			vpn_line "vpn-sshd-$node" "$node" "$addr:22" "$pid" up
		else
			vpn_line "vpn-sshd-$node" "$node" "$addr:22" "$pid" down; rc=1
		fi
	done
	case $kind in
	openvpn) vpn_status_openvpn "$gw" || rc=1 ;;
	wireguard) vpn_status_wireguard "$gw" || rc=1 ;;
	esac
	return $rc
}

# vpn_status_openvpn GW: the server's and the client's lines, from their
# management sockets.
vpn_status_openvpn() {
	local gw=$1 pid st n rc=0 out
	pid=$(vpn_pid vpn-openvpn-server) || pid=""
	out=$(vpn_mgmt "$LAB/vpn/server-mgmt.sock" state "status 3" 2>/dev/null) || out=""
	st=$(printf '%s\n' "$out" | awk -F, '$1 ~ /^[0-9]+$/ { print $2; exit }')
	n=$(printf '%s\n' "$out" | grep -c '^CLIENT_LIST' || true)
	if [ -n "$pid" ] && [ "$st" = CONNECTED ]; then
		vpn_line vpn-openvpn-server gateway "$gw:$VPN_OVPN_PORT" "$pid" up "udp, $n client(s)"
	else
		vpn_line vpn-openvpn-server gateway "$gw:$VPN_OVPN_PORT" "$pid" down "${st:-no answer}"; rc=1
	fi
	# The client: ours (vpn_client_up) or the console's, by its socket.
	[ -S "$LAB/vpn/client-mgmt.sock" ] || return $rc
	if ! out=$(vpn_mgmt "$LAB/vpn/client-mgmt.sock" pid state 2>/dev/null); then
		vpn_line vpn-openvpn-client host - - unknown "management socket busy"
		return $rc
	fi
	pid=$(printf '%s\n' "$out" | sed -n 's/^SUCCESS: pid=//p')
	out=$(printf '%s\n' "$out" | awk -F, '$1 ~ /^[0-9]+$/ { print $2, $4; exit }')
	st=down
	[ "${out%% *}" = CONNECTED ] && st=up
	vpn_line vpn-openvpn-client host "${out#* }" "$pid" "$st" "${out%% *}"
	return $rc
}

# vpn_wg_peer_detail IFNAME: handshake age and bytes of the first peer
# (from `wg show dump`, whose key columns we skip).
vpn_wg_peer_detail() {
	wg show "$1" dump 2>/dev/null | awk -F'\t' -v now="$(date +%s)" '
		NR > 1 {
			hs = $5 ? (now - $5) " s ago" : "never"
			printf "udp, handshake %s, rx %s B, tx %s B\n", hs, $6, $7
			exit
		}'
}

# vpn_wg_fresh IFNAME: a handshake within the last 180 s (WireGuard
# renews every two minutes while traffic or keepalives flow).
vpn_wg_fresh() {
	wg show "$1" latest-handshakes 2>/dev/null |
	    awk -v now="$(date +%s)" '$2 > 0 && now - $2 < 180 { ok = 1 } END { exit !ok }'
}

# vpn_status_wireguard GW: the server's and the client's lines, from wg.
vpn_status_wireguard() {
	local gw=$1 pid rc=0 st=down
	pid=$(vpn_pid vpn-wg-server) || pid=""
	if [ -n "$pid" ] && [ -S "$VPN_UAPI_DIR/$VPN_WG_SERVER_IF.sock" ]; then
		vpn_line vpn-wg-server gateway "$gw:$VPN_WG_PORT" "$pid" up "$(vpn_wg_peer_detail "$VPN_WG_SERVER_IF")"
	else
		vpn_line vpn-wg-server gateway "$gw:$VPN_WG_PORT" "$pid" down; rc=1
	fi
	# The client: ours (vpn_client_up) or the console's.
	pid=$(vpn_wg_pid "$VPN_WG_CLIENT_IF") || return $rc
	vpn_wg_fresh "$VPN_WG_CLIENT_IF" && st=up
	vpn_line vpn-wg-client host "$VPN_WG.2" "$pid" "$st" "$(vpn_wg_peer_detail "$VPN_WG_CLIENT_IF")"
	return $rc
}

#!/bin/bash
# TAP: vpn up/status/down against a fake OpenVPN management socket (no root,
# no tunnel), and vpn status over a fake `wg` for WireGuard peers.
. "$(dirname "$0")/lib.sh"

sock=$T/mgmt.sock
log=$T/mgmt.log
inv=$T/inv.conf
cat >"$inv" <<EOF
[node gw]
address = 10.99.0.1
[vpn office]
type = openvpn
config = $T/none.ovpn
management = $sock
user = alice
secret = env:VPN_PASS
[vpn plain]
type = openvpn
config = $T/none.ovpn
management = $sock
[vpn home]
type = wireguard
interface = ptfake0
[service web]
kind = http
node = gw
endpoint = http://10.99.0.1:8080
via = vpn:office
EOF
export PLATFORM_TUI_INVENTORY=$inv
fake() {	# fake [--user U --password QUOTED]: the fake server, until it listens
	rm -f "$sock"
	/usr/bin/python3 "$top_srcdir/tests/integration/fakeovpn.py" "$sock" "$log" "$@" &
	fake_pid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && return; sleep 0.05; done
}

: >"$log"
fake --user alice --password '"pa\"ss\\word"'
export VPN_PASS='pa"ss\word'
run vpn up office --timeout 10s
is "$rc" 0 "vpn up: exit 0"
like "$out" '^office: CONNECTED 10\.99\.0\.2 via 192\.0\.2\.1:1194' "vpn up: prints the tunnel address and the server"
like "$out" 'states: .*WAIT AUTH GET_CONFIG ASSIGN_IP ADD_ROUTES CONNECTED' "vpn up: the state sequence"
like "$(cat "$log")" 'hold release' "the hold is released"
is "$(grep -c '^state on$\|^bytecount 1$' "$log")" 2 "state on and bytecount 1 were asked"
is "$(grep '^password' "$log")" 'password "Auth" "pa\"ss\\word"' "the password is quoted for the management parser"
ok "$(printf '%s%s' "$out" "$err" | grep -c 'pa"ss' | grep -qx 0; echo $?)" "the password is never printed"

run vpn status -o json
is "$rc" 0 "vpn status: exit 0"
like "$out" '"state": "CONNECTED"' "vpn status: CONNECTED"
like "$out" '"bytes_in": 1111' "vpn status: bytes in from the status command"
like "$out" '"tunnel_ip": "10.99.0.2"' "vpn status: tunnel address"

run vpn up office
like "$out" '^office: CONNECTED' "vpn up again attaches to the running one"

run vpn down office
is "$rc" 0 "vpn down: exit 0"
is "$out" "office: stopped" "vpn down: says it stopped"
like "$(tail -n 2 "$log")" 'signal SIGTERM' "vpn down sent SIGTERM through the socket"
wait "$fake_pid"
run vpn down office
like "$out" 'not running' "vpn down when nothing runs says so"
run vpn status office
like "$out" 'office +openvpn +DOWN' "vpn status: DOWN when nothing listens"

fake --user alice --password '"other"'
run vpn up office --timeout 10s
is "$rc" 4 "a refused password exits 4"
like "$err" 'refused the Auth credentials of user alice' "and says so"
wait "$fake_pid"

fake --user alice --password '"x"'
run vpn up plain --timeout 10s
is "$rc" 4 "no secret in scripted mode: exit 4 (authentication)"
like "$err" 'set user and secret in \[vpn plain\]' "and says where to put them"
kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null

rm -f "$sock"
run vpn up office --timeout 10s
ok "$([ "$rc" -ne 0 ]; echo $?)" "vpn up fails when openvpn cannot start"
like "$err" 'openvpn (exited with status|is not installed|did not open)' "and says why"

run vpn up nope
is "$rc" 2 "an unknown VPN: exit 2"
like "$err" "no vpn 'nope' in .* \(there is office, plain, home\)" "names the VPNs there are"

# WireGuard: a fake wg on PATH prints a dump with key material.
mkdir -p "$T/bin"
now=$(date +%s)
cat >"$T/bin/wg" <<EOF
#!/bin/sh
printf 'ptfake0\tSECRETPRIVATEKEYxxxxxxxxxxxxxxxxxxxxxxxxxx=\tPUBLICifaceKEYxxxxxxxxxxxxxxxxxxxxxxxxxxxx=\t51820\toff\n'
printf 'ptfake0\tPEERONEkeyxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=\tSECRETPRESHAREDxxxxxxxxxxxxxxxxxxxxxxxxxxx=\t192.0.2.9:51820\t10.9.0.0/24\t$((now - 30))\t100\t200\t25\n'
printf 'ptfake0\tPEERTWOkeyxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=\t(none)\t192.0.2.10:51820\t10.9.1.0/24\t$((now - 600))\t5\t6\toff\n'
printf 'other0\tSECRETPRIVATEKEYxxxxxxxxxxxxxxxxxxxxxxxxxx=\tPUBLIC2=\t1\toff\n'
EOF
chmod +x "$T/bin/wg"
out=$(PATH=$T/bin:$PATH "$PT" vpn status home 2>&1) && rc=0 || rc=$?
is "$rc" 0 "wireguard status: exit 0"
like "$out" 'home +wireguard +CONNECTED .*192\.0\.2\.9:51820 .*[0-9]+s ago +25 +PEERONEk' "a fresh peer: endpoint, handshake age, keepalive"
like "$out" 'home +wireguard +STALE .*stale \(10m ago\)' "a peer silent for 10 minutes is stale"
ok "$(printf '%s' "$out" | grep -c 'SECRET' | grep -qx 0; echo $?)" "no private or preshared key shown"
ok "$(printf '%s' "$out" | grep -c 'other0' | grep -qx 0; echo $?)" "only the VPN's interface"

# The console asks for what the inventory does not have, and keeps nothing.
if command -v tmux >/dev/null; then
	cat >"$T/inv2.conf" <<EOF
[node gw]
address = 10.99.0.1
[vpn plain]
type = openvpn
config = $T/none.ovpn
management = $sock
[service web]
kind = http
node = gw
endpoint = http://10.99.0.1:8080
via = vpn
EOF
	export PLATFORM_TUI_THEME_DIR="$top_srcdir/themes"
	tsock="pt-vpn-$$"
	tm() { tmux -L "$tsock" "$@"; }
	wait_for() {	# wait_for PATTERN [SECONDS]
		local i n=$(( ${2:-10} * 20 ))
		for ((i = 0; i < n; i++)); do
			tm capture-pane -p 2>/dev/null | grep -qE -- "$1" && return 0
			sleep 0.05
		done
		tm capture-pane -p 2>/dev/null | grep . | sed 's/^/# /'
		return 1
	}
	: >"$log"
	fake --user alice --password '"hunter2"'
	tm -f /dev/null new-session -d -x 160 -y 24 "PLATFORM_TUI_INVENTORY=$T/inv2.conf $PT; sleep 30"
	wait_for "VPN plain user name:" 10
	ok $? "console: OpenVPN wants credentials, the console asks for the user name"
	tm send-keys -l alice
	tm send-keys Enter
	wait_for "VPN plain password:" 5
	ok $? "then for the password"
	tm send-keys -l hunter2
	wait_for "VPN plain password: \*{7}" 5
	ok $? "the password is shown as stars"
	tm send-keys Enter
	wait_for "VPN plain CONNECTED 10\.99\.0\.2" 10
	ok $? "console: the header says CONNECTED with the tunnel address"
	like "$(grep '^password' "$log")" '^password "Auth" "hunter2"$' "the typed password went through the socket"
	wait_for "web .*(down|timeout)" 10
	ok $? "the Overview checks the endpoint once the tunnel is up"
	tm send-keys q
	tm kill-server 2>/dev/null
	kill "$fake_pid" 2>/dev/null
	wait "$fake_pid" 2>/dev/null
fi

done_testing

/* The VPN parsers: OpenVPN management lines and WireGuard's dump and UAPI replies. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backends/openvpn.h"
#include "backends/wg.h"
#include "tests/unit/tap.h"

static int
line(const char *s, struct ovpn_line *l)
{
	return (ovpn_parse_line(s, strlen(s), l));
}

static void
test_ovpn(void)
{
	struct ovpn_line	l;
	uint64_t		v = 0;

	ok(line(">STATE:1700000000,CONNECTED,SUCCESS,10.8.0.2,172.31.255.2,1194,,",
	    &l) == 0, "state line parses");
	is_int(l.type, OVPN_LINE_STATE, "state type");
	is_int(l.state.time, 1700000000, "state time");
	is_str(l.state.name, "CONNECTED", "state name");
	is_str(l.state.desc, "SUCCESS", "state desc");
	is_str(l.state.local_ip, "10.8.0.2", "tunnel address");
	is_str(l.state.remote_ip, "172.31.255.2", "remote address");
	is_int(l.state.remote_port, 1194, "remote port");

	ok(line(">STATE:1700000001,RECONNECTING,ping-restart,,,,,", &l) == 0 &&
	    strcmp(l.state.name, "RECONNECTING") == 0 &&
	    strcmp(l.state.desc, "ping-restart") == 0 && l.state.local_ip[0] == 0,
	    "reconnecting with empty fields");
	ok(line(">STATE:x,CONNECTED", &l) != 0, "a state without a time is refused");
	ok(line(">STATE:1,connected", &l) != 0, "a lower-case state is refused");
	ok(line(">STATE:1", &l) != 0, "a state without a name is refused");

	ok(line("1700000000,WAIT,,,,,,", &l) == 0 && l.type == OVPN_LINE_DATA &&
	    l.has_state && strcmp(l.state.name, "WAIT") == 0,
	    "a line of the state command's reply is a state");
	ok(line("TCP/UDP read bytes,1234", &l) == 0 && l.type == OVPN_LINE_DATA &&
	    !l.has_state, "a status line is plain data");

	ok(line(">BYTECOUNT:1234,5678", &l) == 0 && l.type == OVPN_LINE_BYTECOUNT &&
	    l.bytes_in == 1234 && l.bytes_out == 5678, "bytecount");
	ok(line(">BYTECOUNT:12a,5", &l) != 0, "a bad bytecount is refused");
	ok(line(">BYTECOUNT:99999999999999999999,5", &l) != 0,
	    "a 20-digit count is refused");

	ok(line(">PASSWORD:Need 'Auth' username/password", &l) == 0 &&
	    l.type == OVPN_LINE_PASSWORD && strcmp(l.realm, "Auth") == 0,
	    "password request");
	ok(line(">PASSWORD:Verification Failed: 'Auth'", &l) == 0 &&
	    l.type == OVPN_LINE_PASSWORD_FAILED && strcmp(l.realm, "Auth") == 0,
	    "password failure");
	ok(line(">PASSWORD:Need ''", &l) != 0, "an empty realm is refused");
	ok(line(">PASSWORD:Auth-Token:xyz", &l) == 0 && l.type == OVPN_LINE_ASYNC,
	    "an auth token line is just async");

	ok(line(">HOLD:Waiting for hold release:0", &l) == 0 &&
	    l.type == OVPN_LINE_HOLD, "hold");
	ok(line(">INFO:OpenVPN Management Interface Version 5", &l) == 0 &&
	    l.type == OVPN_LINE_INFO, "greeting");
	ok(line(">LOG:1,I,x", &l) == 0 && l.type == OVPN_LINE_ASYNC, "other async");
	ok(line("SUCCESS: pid=42", &l) == 0 && l.type == OVPN_LINE_SUCCESS &&
	    strcmp(l.text, "pid=42") == 0, "success text");
	ok(line("ERROR: unknown command", &l) == 0 && l.type == OVPN_LINE_ERROR,
	    "error");
	ok(line("END", &l) == 0 && l.type == OVPN_LINE_END, "end");
	ok(line("ENDX", &l) == 0 && l.type == OVPN_LINE_DATA, "ENDX is data");

	ok(ovpn_parse_status_bytes("TCP/UDP read bytes,99", "TCP/UDP read bytes",
	    &v) == 0 && v == 99, "status bytes");
	ok(ovpn_parse_status_bytes("TCP/UDP read bytesX,99", "TCP/UDP read bytes",
	    &v) != 0, "another status line");
}

static const char dump[] =
    "wg0\tPRIVATEKEYPRIVATEKEYPRIVATEKEYPRIVATEKEY1=\tPUBKEYofTheInterfaceAAAAAAAAAAAAAAAAAAAAAA=\t51820\toff\n"
    "wg0\tPEERKEYAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\tPRESHAREDPRESHAREDPRESHAREDPRESHARED1111=\t172.31.255.2:51820\t10.9.0.0/24,10.10.0.0/24\t1700000000\t1000\t2000\t25\n"
    "wg0\tPEER2AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\t(none)\t(none)\t(none)\t0\t0\t0\toff\n";

static void
test_wg(void)
{
	struct wg_status	 st;
	char			*cause = NULL, age[48];
	static const char	 uapi[] =
	    "private_key=e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a\n"
	    "listen_port=51820\n"
	    "public_key=b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33\n"
	    "preshared_key=188515093e952f5f22e865cef3012e72f8b5f0b598ac0309d5dacce3b70fcf52\n"
	    "endpoint=172.31.255.2:51820\n"
	    "last_handshake_time_sec=1700000000\n"
	    "last_handshake_time_nsec=0\n"
	    "tx_bytes=38333\n"
	    "rx_bytes=2224\n"
	    "persistent_keepalive_interval=25\n"
	    "allowed_ip=10.9.0.0/24\n"
	    "allowed_ip=10.10.0.0/24\n"
	    "errno=0\n\n";

	ok(wg_parse_dump(dump, sizeof dump - 1, &st, &cause) == 0, "dump parses");
	is_int(st.nifaces, 1, "one interface");
	is_int(st.npeers, 2, "two peers");
	is_str(st.ifaces[0].name, "wg0", "interface name");
	is_int(st.ifaces[0].listen_port, 51820, "listen port");
	is_str(st.peers[0].endpoint, "172.31.255.2:51820", "endpoint");
	is_str(st.peers[0].allowed_ips, "10.9.0.0/24,10.10.0.0/24", "allowed ips");
	is_int(st.peers[0].handshake, 1700000000, "handshake");
	is_int(st.peers[0].rx, 1000, "rx");
	is_int(st.peers[0].tx, 2000, "tx");
	is_int(st.peers[0].keepalive, 25, "keepalive");
	is_str(st.peers[1].endpoint, "", "(none) endpoint is empty");
	is_int(st.peers[1].keepalive, 0, "keepalive off");
	ok(memmem(&st, sizeof st, "PRIVATEKEY", 10) == NULL &&
	    memmem(st.ifaces, sizeof *st.ifaces, "PRIVATEKEY", 10) == NULL &&
	    memmem(st.peers, st.npeers * sizeof *st.peers, "PRESHARED", 9) == NULL,
	    "no private or preshared key kept");
	wg_status_clear(&st);
	ok(wg_parse_dump("wg0\tx\ty\n", 9, &st, &cause) != 0, "3 fields refused");
	is_str(cause, "wg show all dump: line 1 is not an interface or a peer",
	    "its message");
	free(cause);
	cause = NULL;

	ok(wg_parse_uapi("ptlab-wgc", uapi, sizeof uapi - 1, &st, &cause) == 0,
	    "UAPI parses");
	is_int(st.npeers, 1, "UAPI: one peer");
	is_str(st.peers[0].public_key, "uFmW/sycfx/G0lcqdu2hHVm80gvo5UOxXOS9hajnWjM=",
	    "UAPI: public key as base64");
	is_str(st.peers[0].allowed_ips, "10.9.0.0/24,10.10.0.0/24",
	    "UAPI: allowed ips joined");
	is_int(st.peers[0].rx, 2224, "UAPI: rx");
	is_int(st.peers[0].keepalive, 25, "UAPI: keepalive");
	is_int(st.ifaces[0].listen_port, 51820, "UAPI: listen port");
	ok(memmem(st.peers, sizeof *st.peers, "188515", 6) == NULL,
	    "UAPI: no preshared key kept");
	wg_status_clear(&st);
	ok(wg_parse_uapi("x", "errno=2\n\n", 9, &st, &cause) != 0,
	    "UAPI errno refused");
	is_str(cause, "x: the UAPI socket answered errno=2", "its message");
	free(cause);

	wg_handshake_age(age, sizeof age, 0, 100);
	is_str(age, "never", "no handshake");
	wg_handshake_age(age, sizeof age, 1000, 1030);
	is_str(age, "30s ago", "fresh handshake");
	wg_handshake_age(age, sizeof age, 1000, 1000 + 181);
	is_str(age, "stale (3m ago)", "stale over 180 s");
}

int
main(void)
{
	test_ovpn();
	test_wg();
	return (tap_done());
}

/* The inventory parser: a full file, each refusal and its message, examples. */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/inventory.h"
#include "core/xmalloc.h"
#include "tests/unit/tap.h"

#define NODE	"[node a]\naddress = 10.0.0.1\n"
#define SVC	"[service s]\nkind = http\nnode = a\n"

static char	tmpdir[] = "/tmp/test-inventory.XXXXXX";

/* Every test text is called t.conf, so messages are predictable. */
static struct inventory *
parse(const char *text, int flags, char **cause)
{
	*cause = NULL;
	return (inventory_parse("t.conf", text, strlen(text), flags, cause));
}

/* The text must be refused with exactly this message. */
static void
fails(const char *text, const char *want, const char *what)
{
	struct inventory	*inv;
	char			*cause;

	inv = parse(text, 0, &cause);
	ok(inv == NULL, "%s: refused", what);
	is_str(cause, want, "%s: message", what);
	inventory_free(inv);
	free(cause);
}

/* The text must parse; the inventory is returned for more checks. */
static struct inventory *
parses(const char *text, const char *what)
{
	struct inventory	*inv;
	char			*cause;

	inv = parse(text, 0, &cause);
	if (!ok(inv != NULL, "%s: parses", what))
		printf("#   %s\n", cause);
	free(cause);
	return (inv);
}

static const char full[] =
    "# lab inventory\n"						/* 1 */
    "[platform]\n"
    "name = lab                       # platform name\n"
    "timeout = 5s\n"
    "plugin-dir = /opt/pt/plugins\n"				/* 5 */
    "\n"
    "[node gateway]\n"
    "address = 10.10.0.1\n"
    "public-address = 203.0.113.10\n"
    "ssh-user = ops\n"						/* 10 */
    "ssh-port = 2222\n"
    "ssh-key = ~/.ssh/id_ed25519\n"
    "roles = gateway, vpn airflow,vpn\n"
    "\n"
    "; the analytics node is defined after its service\n"	/* 15 */
    "[service clickhouse]\n"
    "kind = clickhouse\n"
    "node = analytics\n"
    "endpoint = http://10.10.0.3:8123\n"
    "endpoint shard2 = http://10.10.0.3:8124\n"			/* 20 */
    "via shard2 = direct\n"
    "via = ssh:gateway\n"
    "health = /ping\n"
    "user = default\n"
    "secret = env:CH_PASSWORD\n"				/* 25 */
    "database = default\n"
    "timeout = 2s\n"
    "\n"
    "[node analytics]\n"
    "\taddress   =   fd00::3  \n"				/* 30 */
    "roles = clickhouse\n"
    "[service pg]\n"
    "kind = postgres\n"
    "node = gateway\n"
    "endpoint = postgresql://airflow@10.10.0.1/airflow\n"	/* 35 */
    "via = ssh\n"
    "health main = /x\n"
    "[service v6]\n"
    "kind = http\n"
    "node = analytics\n"					/* 40 */
    "endpoint = http://[fd00::3]:8080/api/v2?x=1#frag\n"
    "via = vpn:wg0\n"
    "[service kube]\n"
    "kind = kube\n"
    "node = analytics\n"					/* 45 */
    "endpoint = https://airflow-webserver.orchestrator.svc\n"
    "[vpn wg0]\n"
    "type = wireguard\n"
    "config = /etc/wireguard/wg0.conf\n";

/* One file using every key: defaults, named endpoints, via overrides, IPv6. */
static void
test_full(void)
{
	struct inventory		*inv;
	const struct inv_node		*n;
	const struct inv_service	*s;
	const struct inv_endpoint	*ep;

	if ((inv = parses(full, "full example")) == NULL)
		return;
	is_str(inv->path, "t.conf", "path");
	is_str(inv->name, "lab", "name");
	is_int(inv->timeout_ms, 5000, "platform timeout");
	is_str(inv->plugin_dir, "/opt/pt/plugins", "plugin-dir");
	is_int(inv->nnodes, 2, "two nodes");
	is_int(inv->nservices, 4, "four services");

	n = inventory_node(inv, "gateway");
	ok(n != NULL, "gateway found");
	is_str(n->address, "10.10.0.1", "gateway address");
	is_str(n->public_address, "203.0.113.10", "gateway public-address");
	is_str(n->ssh_user, "ops", "gateway ssh-user");
	is_int(n->ssh_port, 2222, "gateway ssh-port");
	is_str(n->ssh_key, "~/.ssh/id_ed25519", "ssh-key kept as written");
	is_str(n->roles[0], "gateway", "role 1");
	is_str(n->roles[1], "vpn", "role 2");
	is_str(n->roles[2], "airflow", "role 3 (space separated)");
	ok(n->roles[3] == NULL, "repeated role dropped");
	is_int(n->line, 7, "gateway line");
	n = inventory_node(inv, "analytics");
	is_str(n->address, "fd00::3", "IPv6 address, whitespace trimmed");
	is_int(n->ssh_port, 22, "ssh-port default");
	ok(n->ssh_user == NULL && n->public_address == NULL &&
	    n->ssh_key == NULL, "unset node keys are NULL");
	ok(inventory_node(inv, "nope") == NULL, "unknown node is NULL");

	s = inventory_service(inv, "clickhouse");
	is_str(s->kind, "clickhouse", "kind");
	is_str(s->node, "analytics", "node defined later");
	is_str(s->user, "default", "user");
	is_str(s->secret, "env:CH_PASSWORD", "secret reference");
	is_str(s->database, "default", "database");
	is_int(s->timeout_ms, 2000, "service timeout");
	is_int(s->line, 16, "service line");
	is_int(s->nendpoints, 2, "two endpoints");
	ep = &s->endpoints[0];
	is_str(ep->name, "main", "unnamed endpoint is main");
	is_str(ep->url, "http://10.10.0.3:8123", "url as written");
	is_str(ep->scheme, "http", "scheme");
	is_str(ep->host, "10.10.0.3", "host");
	is_str(ep->port, "8123", "port");
	is_str(ep->path, "", "no path");
	ok(ep->user == NULL, "no URL user");
	is_int(ep->via, INV_VIA_SSH, "service via applies");
	is_str(ep->via_name, "gateway", "via ssh:gateway");
	is_str(ep->health, "/ping", "service health applies");
	is_int(ep->line, 19, "endpoint line");
	ep = &s->endpoints[1];
	is_str(ep->name, "shard2", "named endpoint");
	is_str(ep->port, "8124", "named endpoint port");
	is_int(ep->via, INV_VIA_DIRECT, "per-endpoint via wins, given first");
	ok(ep->via_name == NULL, "direct has no via name");
	is_str(ep->health, "/ping", "health applies to named endpoint");

	s = inventory_service(inv, "pg");
	ep = &s->endpoints[0];
	is_str(ep->scheme, "postgresql", "postgresql scheme");
	is_str(ep->port, "5432", "postgresql default port");
	is_str(ep->user, "airflow", "URL user");
	is_str(ep->host, "10.10.0.1", "host after user@");
	is_str(ep->path, "/airflow", "path");
	is_int(ep->via, INV_VIA_SSH, "via ssh");
	is_str(ep->via_name, "gateway", "ssh alone is the gateway node");
	is_str(ep->health, "/x", "health NAME");
	is_int(s->timeout_ms, 0, "no service timeout is 0");
	ok(s->user == NULL && s->secret == NULL && s->database == NULL,
	    "unset service keys are NULL");

	s = inventory_service(inv, "v6");
	ep = &s->endpoints[0];
	is_str(ep->host, "fd00::3", "IPv6 host without brackets");
	is_str(ep->port, "8080", "IPv6 port");
	is_str(ep->path, "/api/v2?x=1#frag", "query and fragment kept");
	is_int(ep->via, INV_VIA_VPN, "via vpn");
	is_str(ep->via_name, "wg0", "vpn name");

	s = inventory_service(inv, "kube");
	ep = &s->endpoints[0];
	is_str(ep->port, "443", "https default port");
	is_str(ep->host, "airflow-webserver.orchestrator.svc",
	    "k8s service DNS name");
	is_int(ep->via, INV_VIA_DIRECT, "via default is direct");
	ok(ep->health == NULL, "no health override is NULL");
	ok(inventory_service(inv, "nope") == NULL, "unknown service is NULL");
	inventory_free(inv);

	is_str(inventory_via_string(INV_VIA_DIRECT), "direct",
	    "via string direct");
	is_str(inventory_via_string(INV_VIA_VPN), "vpn", "via string vpn");
	is_str(inventory_via_string(INV_VIA_SSH), "ssh", "via string ssh");
}

/* [vpn NAME]: keys, defaults, what is required, and routes that name it. */
static void
test_vpn(void)
{
	struct inventory	*inv;
	const struct inv_vpn	*v;
	char			*ifname;

	inv = parses(NODE "[vpn office]\ntype = openvpn\nconfig = /etc/o.ovpn\n"
	    "management = /run/o.sock\nuser = me\nsecret = env:VPNPASS\n"
	    "[vpn home]\ntype = wireguard\nconfig = /etc/wireguard/wgh.conf\n"
	    SVC "endpoint = http://10.0.0.1\nvia = vpn\n"
	    "[service t]\nkind = http\nnode = a\nendpoint = http://x\n"
	    "via = vpn:home\n", "two VPNs");
	if (inv != NULL) {
		is_int(inv->nvpns, 2, "two [vpn] sections");
		v = inventory_vpn(inv, "office");
		ok(v != NULL && v->type == INV_VPN_OPENVPN, "openvpn type");
		is_str(v->config, "/etc/o.ovpn", "config");
		is_str(v->management, "/run/o.sock", "management");
		is_str(v->user, "me", "user");
		is_str(v->secret, "env:VPNPASS", "secret reference");
		v = inventory_vpn(inv, "home");
		ok(v != NULL && v->type == INV_VPN_WIREGUARD, "wireguard type");
		ifname = inventory_vpn_interface(v);
		is_str(ifname, "wgh", "interface from the config's name");
		free(ifname);
		is_str(inventory_service(inv, "s")->endpoints[0].via_name,
		    "office", "via = vpn is the first [vpn]");
		is_str(inventory_service(inv, "t")->endpoints[0].via_name,
		    "home", "via = vpn:NAME");
		inventory_free(inv);
	}
	inv = parses(NODE SVC "endpoint = http://x\nvia = vpn\n",
	    "via = vpn without [vpn]: run outside the console");
	if (inv != NULL) {
		ok(inv->services[0].endpoints[0].via_name == NULL,
		    "no VPN name");
		inventory_free(inv);
	}
	fails(NODE SVC "endpoint = http://x\nvia = vpn:office\n", "t.conf:7:"
	    " key 'via': vpn 'office' is not defined: add a [vpn office]"
	    " section", "unknown VPN");
	fails("[vpn office]\ntype = openvpn\nconfig = /o\n" NODE SVC
	    "endpoint = http://x\nvia = vpn:ofice\n", "t.conf:10: key 'via':"
	    " vpn 'ofice' is not defined (did you mean 'office'?)",
	    "VPN near miss");
	fails("[vpn o]\nconfig = /o\n", "t.conf:1: key 'type': required in"
	    " [vpn o] but missing", "no type");
	fails("[vpn o]\ntype = ipsec\n", "t.conf:2: key 'type': 'ipsec' is not"
	    " a VPN type: use openvpn or wireguard", "bad type");
	fails("[vpn o]\ntype = openvpn\n", "t.conf:1: key 'config': required"
	    " in [vpn o] but missing (or management = SOCKET of a running"
	    " openvpn)", "openvpn without config");
	fails("[vpn o]\ntype = openvpn\nconfig = o.ovpn\n", "t.conf:3: key"
	    " 'config': 'o.ovpn' is not an absolute path (start it with / or"
	    " ~/)", "relative config");
	fails("[vpn o]\ntype = openvpn\nconfig = /o\nsecret = env:P\n",
	    "t.conf:1: key 'user': required in [vpn o] but missing (secret is"
	    " the user's password)", "secret without user");
	fails("[vpn o]\ntype = openvpn\nconfig = /o\nsecret = plain\n",
	    "t.conf:4: key 'secret': secrets must be references: env:NAME,"
	    " file:PATH or cmd:COMMAND", "secret must be a reference");
	fails("[vpn o]\ntype = openvpn\nconfig = /o\n[vpn o]\n", "t.conf:4:"
	    " section 'vpn o': duplicate vpn 'o' (first on line 1)",
	    "duplicate VPN");
	fails("[vpn w]\ntype = wireguard\ninterface = a-very-long-interface\n",
	    "t.conf:3: key 'interface': 'a-very-long-interface' is not an"
	    " interface name (up to 15 letters, digits, '.', '_' and '-')",
	    "long interface name");
}

/* Lines, comments, headers and values before any key is looked at. */
static void
test_syntax(void)
{
	struct inventory	*inv;
	char			 big[5000];

	if ((inv = parses("", "empty file")) != NULL) {
		is_int(inv->nnodes + inv->nservices, 0, "empty: nothing");
		is_str(inv->name, "t", "empty: name from the file name");
		is_int(inv->timeout_ms, 0,
		    "empty: no timeout, the config's applies");
		ok(inv->plugin_dir == NULL, "empty: no plugin-dir");
		inventory_free(inv);
	}
	inv = parses("\xef\xbb\xbf[node a]\r\naddress = 10.0.0.1\r\n"
	    "ssh-key = /k#not-a-comment\n", "BOM, CRLF, '#' inside a value");
	if (inv != NULL) {
		is_str(inv->nodes[0].address, "10.0.0.1", "CR stripped");
		is_str(inv->nodes[0].ssh_key, "/k#not-a-comment",
		    "'#' without a space before it is kept");
		inventory_free(inv);
	}
	memset(big, 'a', sizeof big);
	big[0] = '#';
	big[4096] = '\0';
	inventory_free(parses(big, "a 4096-byte line"));
	big[4096] = 'a';
	big[4097] = '\0';
	fails(big, "t.conf:1: line is longer than 4096 bytes", "long line");

	fails(NODE "address 10.0.0.2\n", "t.conf:3: line has no '='"
	    " (expected key = value or a [section] header)", "no '='");
	fails(NODE "= 1\n", "t.conf:3: '=' without a key before it", "no key");
	fails("address = 10.0.0.1\n", "t.conf:1: key 'address': outside any"
	    " section; put it under [platform], [node NAME] or [service NAME]",
	    "key before any section");
	fails("[node a\n", "t.conf:1: section header has no closing ']'",
	    "no ']'");
	fails("[nodes a]\n", "t.conf:1: section 'nodes a': unknown section type"
	    " 'nodes' (did you mean [node NAME]?)", "section type near miss");
	fails("[host a]\n", "t.conf:1: section 'host a': unknown section type"
	    " 'host' (expected [platform], [node NAME], [service NAME] or"
	    " [vpn NAME])",
	    "unknown section type");
	fails("[node]\n", "t.conf:1: section 'node': a name is required:"
	    " [node NAME]", "node without a name");
	fails("[node a/b]\n", "t.conf:1: section 'node a/b': a name may only"
	    " have letters, digits, '.', '_' and '-'", "bad node name");
	fails("[platform x]\n", "t.conf:1: section 'platform x': [platform]"
	    " takes no name", "platform with a name");
	fails("[platform]\n[platform]\n", "t.conf:2: section 'platform':"
	    " duplicate (first on line 1)", "two [platform]");
	fails(NODE "ssh-user = ops\nssh-user = root\n", "t.conf:4: key"
	    " 'ssh-user': set twice in [node a] (first on line 3)",
	    "key set twice");
	fails(NODE "ssh-user =\n", "t.conf:3: key 'ssh-user': has no value",
	    "empty value");
	fails("[platform]\nname = a\033[31mb\n", "t.conf:2: key 'name': the"
	    " value has a control character", "control character in a value");
	fails("[platform]\nna\bme = a\n", "t.conf:2: the key has a control"
	    " character", "control character in a key");
	fails("[plat\033form]\n", "t.conf:1: section header has a control"
	    " character", "control character in a header");
	fails(NODE "address x = 10.0.0.1\n", "t.conf:3: key 'address x':"
	    " 'address' takes no name (only endpoint, via and health in"
	    " [service NAME] do)", "name on a key that takes none");
}

/* fails() with a length, for text holding a NUL byte. */
static void
fails_len(const char *text, size_t len, const char *want, const char *what)
{
	struct inventory	*inv;
	char			*cause = NULL;

	inv = inventory_parse("t.conf", text, len, 0, &cause);
	ok(inv == NULL, "%s: refused", what);
	is_str(cause, want, "%s: message", what);
	inventory_free(inv);
	free(cause);
}

/* NUL bytes and the 4 MiB cap need a length, not a C string. */
static void
test_sizes(void)
{
	char	*text;
	size_t	 len = INVENTORY_MAX_SIZE + 1;

	fails_len("[platform]\nname = a\0b\n", 22,
	    "t.conf:2: line has a NUL byte", "NUL byte inside the text");
	text = xmalloc(len);
	memset(text, '\n', len);
	fails_len(text, len, "t.conf: the file is larger than 4 MiB",
	    "over 4 MiB");
	free(text);
}

/* Unknown and missing keys, each with what to write instead. */
static void
test_keys(void)
{
	fails("[node gateway]\nadress = 10.10.0.1\n", "t.conf:2: key 'adress':"
	    " unknown key 'adress' in [node gateway] (did you mean"
	    " 'address'?)", "did you mean");
	fails(SVC "enpdoint = http://x\n", "t.conf:4: key 'enpdoint': unknown"
	    " key 'enpdoint' in [service s] (did you mean 'endpoint'?)",
	    "did you mean, swapped letters");
	fails(NODE "kind = http\n", "t.conf:3: key 'kind': unknown key 'kind'"
	    " in [node a] ('kind' belongs in [service NAME])",
	    "key of another section");
	fails("[platform]\nfoo = 1\n", "t.conf:2: key 'foo': unknown key 'foo'"
	    " in [platform]; [platform] takes name, timeout, plugin-dir,"
	    " deploy-root, known-hosts, ssh-config, wg-network, wg-port",
	    "unknown key lists the keys");
	fails(NODE "jump = b\n", "t.conf:3: key 'jump': node 'b' is not"
	    " defined", "jump to an undefined node");
	fails(NODE "jump = a\n", "t.conf:3: key 'jump': node 'a' cannot jump"
	    " through itself", "jump through itself");
	fails(SVC "password = hunter2\n", "t.conf:4: key 'password': unknown"
	    " key 'password' in [service s]: secrets are not written in the"
	    " inventory; use secret = env:NAME (or file:PATH or cmd:COMMAND)",
	    "password key");
	fails(SVC "pass = hunter2\n", "t.conf:4: key 'pass': unknown key"
	    " 'pass' in [service s]: secrets are not written in the inventory;"
	    " use secret = env:NAME (or file:PATH or cmd:COMMAND)", "pass key");
	fails("[node a]\n" "ssh-user = ops\n", "t.conf:1: key 'address':"
	    " required in [node a] but missing", "missing address at the end");
	fails("# x\n[node a]\nssh-user = ops\n[node b]\naddress = ::1\n",
	    "t.conf:2: key 'address': required in [node a] but missing",
	    "missing address before the next section");
	fails(NODE "[service s]\nnode = a\nendpoint = http://x\n", "t.conf:3:"
	    " key 'kind': required in [service s] but missing", "missing kind");
	fails(NODE "[service s]\nkind = x\nendpoint = http://x\n", "t.conf:3:"
	    " key 'node': required in [service s] but missing", "missing node");
	fails(NODE SVC, "t.conf:3: key 'endpoint': required in [service s] but"
	    " missing: add endpoint = URL", "missing endpoint");
	fails(NODE "[service s]\nkind = ClickHouse\n", "t.conf:4: key 'kind':"
	    " 'ClickHouse' is not a kind: use lower-case letters, digits and"
	    " '-'", "bad kind");
}

/* Addresses, ports, durations, URLs and vias, good and bad. */
static void
test_values(void)
{
	static const char *good[] = {
		"10.0.0.1", "::1", "fe80::1", "2001:db8::10", "localhost",
		"db.example.com", "vps-1.lab", "minio.deepstorage.svc", "A1",
		NULL
	};
	static const struct {
		const char	*url;
		const char	*want;
	} urls[] = {
		{ "10.0.0.1:8123", "bad URL: expected"
		    " scheme://[user@]host[:port][/path]" },
		{ "HTTP://x", "bad URL: the scheme must be a lower-case letter,"
		    " then letters, digits, '+', '.' or '-'" },
		{ "1http://x", "bad URL: the scheme must be a lower-case"
		    " letter, then letters, digits, '+', '.' or '-'" },
		{ "tcp://10.0.0.1", "bad URL: tcp:// has no default port, so"
		    " give one: tcp://HOST:PORT" },
		{ "redis://10.0.0.1/0", "bad URL: redis:// has no default port,"
		    " so give one: redis://HOST:PORT" },
		{ "http://", "bad URL: no host" },
		{ "http://:80/", "bad URL: no host" },
		{ "http://a_b:80", "bad URL: host 'a_b' is not an IPv4 or IPv6"
		    " address or a host name" },
		{ "http://::1:8123", "bad URL: an IPv6 address goes in"
		    " brackets: http://[::1]:8123" },
		{ "http://[::1:8123", "bad URL: missing ']' after the IPv6"
		    " address" },
		{ "http://[x]:80", "bad URL: 'x' is not an IPv6 address" },
		{ "http://[::1]x",
		    "bad URL: expected ':PORT' or '/' after ']'" },
		{ "http://x:99999", "bad port '99999' in URL (expected 1 to"
		    " 65535)" },
		{ "http://x:", "bad port '' in URL (expected 1 to 65535)" },
		{ "http://u:hunter2@x", "a password does not belong in a URL;"
		    " use secret = env:NAME (or file:PATH or cmd:COMMAND)" },
		{ "http://@x", "bad URL: empty user before '@'" },
		{ "http://x/a b", "bad URL: it contains a space" },
	};
	struct inventory	*inv;
	char			*text, *want, *what;
	int			 i;

	for (i = 0; good[i] != NULL; i++) {
		text = xprintf("[node a]\naddress = %s\n", good[i]);
		inventory_free(parses(text, good[i]));
		free(text);
	}
	fails("[node a]\naddress = 10.0.0.300\n", "t.conf:2: key 'address':"
	    " '10.0.0.300' is not an IPv4 or IPv6 address or a host name",
	    "bad IPv4");
	fails("[node a]\naddress = vps_1\n", "t.conf:2: key 'address':"
	    " 'vps_1' is not an IPv4 or IPv6 address or a host name",
	    "underscore in a host name");
	fails("[node a]\naddress = -x.lab\n", "t.conf:2: key 'address':"
	    " '-x.lab' is not an IPv4 or IPv6 address or a host name",
	    "label starts with '-'");
	fails("[node a]\naddress = a..b\n", "t.conf:2: key 'address':"
	    " 'a..b' is not an IPv4 or IPv6 address or a host name",
	    "empty label");
	fails("[node a]\naddress = [::1]\n", "t.conf:2: key 'address':"
	    " '[::1]' is not an IPv4 or IPv6 address or a host name (write"
	    " IPv6 addresses without brackets)", "IPv6 in brackets");
	fails(NODE "public-address = 1.2.3\n", "t.conf:3: key"
	    " 'public-address': '1.2.3' is not an IPv4 or IPv6 address or a"
	    " host name", "bad public-address");

	fails(NODE "ssh-port = 0\n", "t.conf:3: key 'ssh-port': bad port '0'"
	    " (expected 1 to 65535)", "port 0");
	fails(NODE "ssh-port = 65536\n", "t.conf:3: key 'ssh-port': bad port"
	    " '65536' (expected 1 to 65535)", "port 65536");
	fails(NODE "ssh-port = 22a\n", "t.conf:3: key 'ssh-port': bad port"
	    " '22a' (expected 1 to 65535)", "port 22a");
	fails(NODE "ssh-user = a b\n", "t.conf:3: key 'ssh-user': 'a b' is not"
	    " a user name", "bad ssh-user");
	fails(NODE "roles = gateway, a/b\n", "t.conf:3: key 'roles': role"
	    " 'a/b' may only have letters, digits, '.', '_' and '-'",
	    "bad role");

	inv = parses("[platform]\ntimeout = 250ms\n", "250ms");
	is_int(inv != NULL ? inv->timeout_ms : -1, 250, "250ms");
	inventory_free(inv);
	inv = parses("[platform]\ntimeout = 7\n", "bare number");
	is_int(inv != NULL ? inv->timeout_ms : -1, 7000, "bare number is s");
	inventory_free(inv);
	inv = parses("[platform]\ntimeout = 10m\n", "10m");
	is_int(inv != NULL ? inv->timeout_ms : -1, 600000, "10m");
	inventory_free(inv);
	inv = parses("[platform]\ntimeout = 1ms\n", "1ms");
	is_int(inv != NULL ? inv->timeout_ms : -1, 1, "1ms");
	inventory_free(inv);
	fails("[platform]\ntimeout = 5x\n", "t.conf:2: key 'timeout': bad"
	    " duration '5x' (use 250ms, 5s or 2m, from 1ms to 10m)", "5x");
	fails("[platform]\ntimeout = 0\n", "t.conf:2: key 'timeout': bad"
	    " duration '0' (use 250ms, 5s or 2m, from 1ms to 10m)", "0");
	fails("[platform]\ntimeout = 11m\n", "t.conf:2: key 'timeout': bad"
	    " duration '11m' (use 250ms, 5s or 2m, from 1ms to 10m)", "11m");
	fails("[platform]\ntimeout = 99999999999999999999s\n", "t.conf:2: key"
	    " 'timeout': bad duration '99999999999999999999s' (use 250ms, 5s"
	    " or 2m, from 1ms to 10m)", "huge duration");
	fails(NODE SVC "endpoint = http://x\ntimeout = -1\n", "t.conf:7: key"
	    " 'timeout': bad duration '-1' (use 250ms, 5s or 2m, from 1ms to"
	    " 10m)", "negative service timeout");

	/* URLs: each refusal says what is wrong. */
	for (i = 0; i < (int)(sizeof urls / sizeof urls[0]); i++) {
		text = xprintf(NODE SVC "endpoint = %s\n", urls[i].url);
		want = xprintf("t.conf:6: key 'endpoint': %s", urls[i].want);
		what = xprintf("URL %s", urls[i].url);
		fails(text, want, what);
		free(what);
		free(want);
		free(text);
	}
	inv = parses(NODE SVC "endpoint = tcp://10.0.0.1:6379\n"
	    "endpoint s = ssh://git@h.lab\nendpoint x = s3+http://h:9000/b\n",
	    "tcp, ssh and other schemes");
	if (inv != NULL) {
		is_str(inv->services[0].endpoints[0].port, "6379", "tcp port");
		is_str(inv->services[0].endpoints[1].port, "22", "ssh port");
		is_str(inv->services[0].endpoints[1].user, "git", "ssh user");
		is_str(inv->services[0].endpoints[2].scheme, "s3+http",
		    "scheme with '+'");
		inventory_free(inv);
	}
	fails(NODE SVC "endpoint = http://x\nhealth = ping\n", "t.conf:7: key"
	    " 'health': a health path starts with '/' and has no spaces",
	    "health without '/'");
	fails(NODE SVC "endpoint = http://x\nvia = tunnel\n", "t.conf:7: key"
	    " 'via': 'tunnel' is not a way to reach a service: use direct, vpn,"
	    " vpn:NAME, ssh or ssh:NODE", "bad via");
	fails(NODE SVC "endpoint = http://x\nvia = vpn:a b\n", "t.conf:7: key"
	    " 'via': 'a b' is not a valid name (letters, digits, '.', '_' and"
	    " '-')", "bad vpn name");
	fails(NODE SVC "endpoint x/y = http://x\n", "t.conf:6: key 'endpoint"
	    " x/y': an endpoint name may only have letters, digits, '.', '_'"
	    " and '-'", "bad endpoint name");
}

/* What needs the rest of the file: duplicate names, nodes, secrets. */
/* A node's metrics names a node-exporter or prometheus service. */
/* The WireGuard mesh's network, port and a node's own address. */
static void
test_wg(void)
{
	struct inventory	*inv;

	inv = parses("[platform]\nwg-network = 10.10.0.0/24\nwg-port = 51999\n"
	    NODE "wg-address = 10.10.0.7\n", "wg keys");
	if (inv != NULL) {
		is_str(inv->wg_network, "10.10.0.0/24", "wg-network kept");
		ok(inv->wg_port == 51999, "wg-port read");
		is_str(inv->nodes[0].wg_address, "10.10.0.7", "wg-address kept");
	}
	inventory_free(inv);
	fails("[platform]\nwg-network = 10.10.0.0\n", "t.conf:2: key 'wg-network':"
	    " '10.10.0.0' is not an IPv4 network: write it as 10.10.0.0/24"
	    " (/8 to /30)", "wg-network without a prefix");
	fails("[platform]\nwg-network = 10.10.0.0/31\n", "t.conf:2: key"
	    " 'wg-network': '10.10.0.0/31' is not an IPv4 network: write it as"
	    " 10.10.0.0/24 (/8 to /30)", "wg-network too small");
	fails(NODE "wg-address = 10.10.0.7/24\n", "t.conf:3: key 'wg-address':"
	    " '10.10.0.7/24' is not an IPv4 address (the prefix comes from"
	    " wg-network)", "wg-address with a prefix");
	fails("[platform]\nwg-port = 0\n", "t.conf:2: key 'wg-port': '0' is not"
	    " a port (1-65535)", "wg-port 0");
}

static void
test_metrics(void)
{
	struct inventory	*inv;

	inv = parses("[node a]\naddress = 10.0.0.1\nmetrics = ne\n"
	    "[service ne]\nkind = node-exporter\nnode = a\n"
	    "endpoint a = http://10.0.0.1:9100\n", "metrics");
	is_str(inv != NULL ? inv->nodes[0].metrics : NULL, "ne", "metrics kept");
	inventory_free(inv);
	fails("[node a]\naddress = 10.0.0.1\nmetrics = nope\n",
	    "t.conf:3: key 'metrics': service 'nope' is not defined",
	    "metrics naming no service");
	fails("[node a]\naddress = 10.0.0.1\nmetrics = pg\n"
	    "[service pg]\nkind = postgres\nnode = a\nendpoint = postgresql://10.0.0.1\n",
	    "t.conf:3: key 'metrics': service 'pg' is of kind postgres (expected"
	    " node-exporter or prometheus)", "metrics naming a database");
}

static void
test_references(void)
{
	struct inventory	*inv;
	char			*cause;

	fails(NODE "[node a]\naddress = 10.0.0.2\n", "t.conf:3: section"
	    " 'node a': duplicate node 'a' (first on line 1)",
	    "duplicate node");
	fails(NODE SVC "endpoint = http://x\n[service s]\n", "t.conf:7: section"
	    " 'service s': duplicate service 's' (first on line 3)",
	    "duplicate service");
	fails(NODE SVC "endpoint = http://x\nendpoint = http://y\n", "t.conf:7:"
	    " key 'endpoint': duplicate endpoint name 'main' in [service s]"
	    " (first on line 6); name the others: endpoint NAME = URL",
	    "duplicate unnamed endpoint");
	fails(NODE SVC "endpoint b = http://x\nendpoint b = http://y\n",
	    "t.conf:7: key 'endpoint b': duplicate endpoint name 'b' in"
	    " [service s] (first on line 6)", "duplicate named endpoint");
	fails(NODE "[service s]\nkind = http\nnode = x\nendpoint = http://x\n",
	    "t.conf:5: key 'node': node 'x' is not defined",
	    "service on an undefined node");
	fails(NODE "[service s]\nkind = http\nnode = aa\nendpoint = http://x\n",
	    "t.conf:5: key 'node': node 'aa' is not defined (did you mean"
	    " 'a'?)", "undefined node, near miss");
	fails("[service s]\nkind = http\nnode = x\nendpoint = http://x\n",
	    "t.conf:3: key 'node': node 'x' is not defined", "no nodes at all");
	fails(NODE SVC "endpoint = http://x\nvia = ssh:gw\n", "t.conf:7: key"
	    " 'via': node 'gw' is not defined", "via to an undefined node");
	fails(NODE SVC "endpoint = http://x\nendpoint b = http://y\n"
	    "via b = ssh:gw\n", "t.conf:8: key 'via b': node 'gw' is not"
	    " defined", "per-endpoint via to an undefined node");
	fails(NODE SVC "endpoint = http://x\nvia = ssh\n", "t.conf:7: key"
	    " 'via': 'ssh' goes through the node with role gateway and there"
	    " is none (add roles = gateway to a node or use ssh:NODE)",
	    "via ssh without a gateway");
	fails(NODE SVC "endpoint = http://x\nvia c = direct\n", "t.conf:7: key"
	    " 'via c': [service s] has no endpoint named 'c'",
	    "via for an unknown endpoint");
	fails(NODE SVC "endpoint = http://x\nhealth main = /a\n"
	    "health main = /b\n", "t.conf:8: key 'health main': set twice for"
	    " endpoint 'main' (first on line 7)", "health NAME twice");

	fails(NODE SVC "endpoint = http://x\nsecret = hunter2\n", "t.conf:7:"
	    " key 'secret': secrets must be references: env:NAME, file:PATH or"
	    " cmd:COMMAND", "plain secret");
	fails(NODE SVC "endpoint = http://x\nsecret = env:1x\n", "t.conf:7:"
	    " key 'secret': env: needs a variable name of letters, digits and"
	    " '_', not starting with a digit (env:NAME)", "bad env: name");

	/* INV_CHECK_SECRETS checks each reference; without it none is read. */
	unsetenv("PT_TEST_NOT_SET");
	inv = parse(NODE SVC "endpoint = http://x\nsecret = env:PT_TEST_NOT_SET"
	    "\n", INV_CHECK_SECRETS, &cause);
	ok(inv == NULL, "unset secret refused with INV_CHECK_SECRETS");
	is_str(cause, "t.conf:7: key 'secret': environment variable"
	    " PT_TEST_NOT_SET is not set", "unset secret message");
	free(cause);
	inv = parse(NODE SVC "endpoint = http://x\nsecret = env:PT_TEST_NOT_SET"
	    "\n", 0, &cause);
	ok(inv != NULL, "unset secret is fine without INV_CHECK_SECRETS");
	inventory_free(inv);
	free(cause);
	setenv("PT_TEST_SET", "x", 1);
	inv = parse(NODE SVC "endpoint = http://x\nsecret = env:PT_TEST_SET\n",
	    INV_CHECK_SECRETS, &cause);
	ok(inv != NULL, "set secret passes INV_CHECK_SECRETS");
	inventory_free(inv);
	free(cause);
}

/* Write a file with a mode under tmpdir. */
static char *
make_file(const char *name, const char *text, mode_t mode)
{
	char	*path;
	FILE	*f;

	path = xprintf("%s/%s", tmpdir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(99);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return (path);
}

/* Files: the mode check, messages naming the path, missing files. */
static void
test_load(void)
{
	struct inventory	*inv;
	char			*path, *cause = NULL, *want;

	path = make_file("lab.conf", NODE, 0644);
	inv = inventory_load(path, 0, &cause);
	ok(inv != NULL, "load: a 0644 file");
	if (inv != NULL) {
		is_str(inv->path, path, "load: path");
		is_str(inv->name, "lab", "load: name from the file name");
	}
	inventory_free(inv);

	chmod(path, 0664);
	want = xprintf("%s is writable by group or others, who could make its"
	    " cmd: secrets run as you; run chmod go-w %s", path, path);
	inv = inventory_load(path, 0, &cause);
	ok(inv == NULL, "load: group-writable refused");
	is_str(cause, want, "load: group-writable message");
	free(cause);
	chmod(path, 0602);
	inv = inventory_load(path, 0, &cause);
	ok(inv == NULL, "load: world-writable refused");
	is_str(cause, want, "load: world-writable message");
	free(cause);
	free(want);
	free(path);

	path = make_file("bad", NODE "adress = x\n", 0600);
	want = xprintf("%s:3: key 'adress': unknown key 'adress' in [node a]"
	    " (did you mean 'address'?)", path);
	inv = inventory_load(path, 0, &cause);
	ok(inv == NULL, "load: a mistake");
	is_str(cause, want, "load: the message names the file");
	free(cause);
	free(want);
	free(path);

	path = xprintf("%s/missing", tmpdir);
	want = xprintf("%s: No such file or directory", path);
	inv = inventory_load(path, 0, &cause);
	ok(inv == NULL, "load: missing file");
	is_str(cause, want, "load: missing file message");
	free(cause);
	free(want);
	free(path);

	want = xprintf("%s: not a regular file", tmpdir);
	inv = inventory_load(tmpdir, 0, &cause);
	ok(inv == NULL, "load: a directory");
	is_str(cause, want, "load: a directory message");
	free(cause);
	free(want);
}

/* The environment decides where the inventory is looked for. */
static void
test_default_path(void)
{
	char	*path;

	setenv("PLATFORM_TUI_INVENTORY", "/srv/lab.conf", 1);
	path = inventory_default_path();
	is_str(path, "/srv/lab.conf", "default: $PLATFORM_TUI_INVENTORY");
	free(path);
	unsetenv("PLATFORM_TUI_INVENTORY");
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	path = inventory_default_path();
	is_str(path, "/cfg/platform-tui/inventory", "default: XDG_CONFIG_HOME");
	free(path);
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/op", 1);
	path = inventory_default_path();
	is_str(path, "/home/op/.config/platform-tui/inventory",
	    "default: ~/.config");
	free(path);
}

/* Read a whole file for inventory_parse; the caller frees it. */
static char *
read_file(const char *path, size_t *len)
{
	char	*text;
	FILE	*f;
	long	 size;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = xmalloc(size + 1);
	*len = fread(text, 1, size, f);
	fclose(f);
	return (text);
}

/* The shipped examples must parse, so they never rot. */
static void
test_examples(void)
{
	static const struct {
		const char	*file;
		const char	*service;	/* one it must have */
		const char	*kind;
	} examples[] = {
		{ "three-vps.conf", "clickhouse", "clickhouse" },
		{ "single-vps.conf", "keycloak", "keycloak" },
		{ "lakehouse-k8s.conf", "spark", "spark" },
	};
	const struct inv_service	*s;
	struct inventory		*inv;
	char				*dir, *src, *path, *text, *cause;
	size_t				 i, len;

	if (getenv("top_srcdir") != NULL)
		dir = xprintf("%s/examples", getenv("top_srcdir"));
	else {
		src = xstrdup(__FILE__);
		dir = xprintf("%s/../../examples", dirname(src));
		free(src);
	}
	for (i = 0; i < sizeof examples / sizeof examples[0]; i++) {
		path = xprintf("%s/%s", dir, examples[i].file);
		if ((text = read_file(path, &len)) == NULL) {
			ok(0, "example %s: cannot read %s", examples[i].file,
			    path);
			free(path);
			continue;
		}
		cause = NULL;
		inv = inventory_parse(path, text, len, 0, &cause);
		if (!ok(inv != NULL, "example %s parses", examples[i].file))
			printf("#   %s\n", cause);
		if (inv != NULL) {
			s = inventory_service(inv, examples[i].service);
			ok(s != NULL && strcmp(s->kind, examples[i].kind) == 0,
			    "example %s has %s", examples[i].file,
			    examples[i].service);
			ok(inv->nservices >= 5, "example %s: %zu services",
			    examples[i].file, inv->nservices);
		}
		inventory_free(inv);
		free(cause);
		free(text);
		free(path);
	}
	free(dir);
}

/* Temporary files live in one directory removed at the end. */
int
main(void)
{
	char	cmd[64];

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (99);
	}
	test_full();
	test_syntax();
	test_vpn();
	test_sizes();
	test_keys();
	test_values();
	test_references();
	test_metrics();
	test_wg();
	test_load();
	test_default_path();
	test_examples();
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return (tap_done());
}

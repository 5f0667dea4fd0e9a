/* The SSH backend's parsers: ~/.ssh/config lookups and finding a known_hosts line. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/ssh-int.h"
#include "core/xmalloc.h"
#include "tests/unit/tap.h"

#define KEY_A	"AAAAC3NzaC1lZDI1NTE5AAAAIIv+/f0pww1r9DF9zJs9CuyavJEqtVLbqWLZZMzt4x78"
#define KEY_B	"AAAAC3NzaC1lZDI1NTE5AAAAIOEgNcGE+EBKvNjvIbzybVecBK0Gim4H90OLCiDtYLIc"
#define HASHED_A "|1|cxQPHexJx5yNrvMl3I+7wUuGxUE=|Qavmyd7C1W/OLNOZ8WZLsPx76Hk="

/* Look ALIAS up in TEXT; the result is freed by the caller. */
static struct ssh_config_host
lookup(const char *text, const char *alias)
{
	struct ssh_config_host	h;

	memset(&h, 0, sizeof h);
	ssh_config_lookup(text, strlen(text), alias, &h);
	return (h);
}

static void
test_config(void)
{
	struct ssh_config_host	h;
	const char		*cfg =
	    "# comment\n"
	    "User everyone\n"
	    "Host gw gateway\n"
	    "  HostName 10.0.0.1\n"
	    "  Port 2222\n"
	    "  IdentityFile ~/.ssh/gw_ed25519\n"
	    "Host *.internal !secret.internal\n"
	    "  HostName=%h.example.net\n"
	    "  ProxyJump admin@gw:2222,other\n"
	    "  User   ops\n"
	    "Match host x\n"
	    "  HostName matched\n"
	    "Host *\n"
	    "  Port 22\n"
	    "  User last\n"
	    "  IdentityFile \"/path with space/key\"\n";

	h = lookup(cfg, "gw");
	is_str(h.hostname, "10.0.0.1", "HostName of an exact alias");
	is_int(h.port, 2222, "first Port wins over Host *");
	is_str(h.user, "everyone", "a User before any Host applies to all");
	is_str(h.identity, "~/.ssh/gw_ed25519", "IdentityFile as written");
	is_str(h.proxyjump, NULL, "no ProxyJump for gw");
	ssh_config_host_free(&h);

	h = lookup(cfg, "db.internal");
	is_str(h.hostname, "db.internal.example.net", "%%h and the = form");
	is_str(h.proxyjump, "gw", "ProxyJump: first hop, no user or port");
	is_int(h.port, 22, "Port from Host *");
	ssh_config_host_free(&h);

	h = lookup(cfg, "secret.internal");
	is_str(h.hostname, NULL, "a negated pattern vetoes the block");
	is_str(h.identity, "/path with space/key", "quoted value");
	ssh_config_host_free(&h);

	h = lookup(cfg, "x");
	is_str(h.hostname, NULL, "Match blocks are skipped");
	ssh_config_host_free(&h);

	h = lookup("HOST a\nHOSTNAME b\nport nope\nPort 70000\n", "a");
	is_str(h.hostname, "b", "keywords are case-insensitive");
	is_int(h.port, 0, "bad ports are ignored");
	ssh_config_host_free(&h);

	h = lookup("Host a\nHostName\nUser\n\n\t\n", "a");
	is_str(h.hostname, NULL, "a keyword without a value is ignored");
	ssh_config_host_free(&h);

	h = lookup("Host a\0\nHostName b\n", "a");
	ok(1, "a NUL in the text does not crash");
	ssh_config_host_free(&h);
}

/* Raw key bytes from the base64 of a known_hosts line. */
static size_t
decode(const char *b64, char *out)
{
	static const char	 tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned		 acc = 0;
	int			 bits = 0;
	size_t			 n = 0;

	for (; *b64 != '\0' && *b64 != '='; b64++) {
		acc = (acc << 6) | (unsigned)(strchr(tbl, *b64) - tbl);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (n);
}

static void
test_known_hosts(void)
{
	char	 path[] = "/tmp/pt-test-kh.XXXXXX", a[128], b[128], *type;
	size_t	 alen, blen;
	FILE	*f;
	int	 fd, line;

	alen = decode(KEY_A, a);
	blen = decode(KEY_B, b);
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fprintf(f, "# known hosts\n\n"
	    "other.example ssh-ed25519 " KEY_B "\n"
	    "[127.0.0.1]:2222 ssh-ed25519 " KEY_A "\n"
	    "host22 ssh-ed25519 " KEY_A " comment\n"
	    HASHED_A " ssh-ed25519 " KEY_A "\n"
	    "this line is not one libssh2 reads\n"
	    "rsahost ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDK\n");
	fclose(f);

	type = NULL;
	line = ssh_hostkey_find_line(path, "127.0.0.1", 2222, b, blen,
	    LIBSSH2_HOSTKEY_TYPE_ED25519, &type);
	is_int(line, 4, "a different key: the line of the old one");
	is_str(type, "ssh-ed25519", "and its type");
	free(type);

	line = ssh_hostkey_find_line(path, "127.0.0.1", 2222, a, alen,
	    LIBSSH2_HOSTKEY_TYPE_ED25519, &type);
	is_int(line, 0, "the same key: no line");
	free(type);

	line = ssh_hostkey_find_line(path, "host22", 22, b, blen,
	    LIBSSH2_HOSTKEY_TYPE_ED25519, &type);
	is_int(line, 5, "port 22 matches the plain name");
	free(type);

	line = ssh_hostkey_find_line(path, "10.9.8.7", 2200, b, blen,
	    LIBSSH2_HOSTKEY_TYPE_ED25519, &type);
	is_int(line, 6, "a hashed name is found");
	free(type);

	line = ssh_hostkey_find_line(path, "nowhere", 22, b, blen,
	    LIBSSH2_HOSTKEY_TYPE_ED25519, &type);
	is_int(line, 0, "an unknown host: no line");
	free(type);

	line = ssh_hostkey_find_line("/nonexistent/kh", "x", 22, b, blen,
	    LIBSSH2_HOSTKEY_TYPE_ED25519, &type);
	is_int(line, 0, "a missing file: no line");
	free(type);
	unlink(path);

	is_str(ssh_hostkey_type_name(LIBSSH2_HOSTKEY_TYPE_ED25519), "ssh-ed25519",
	    "type name");
	type = ssh_hostkey_hostname("10.0.0.1", 2222);
	is_str(type, "[10.0.0.1]:2222", "known_hosts name with a port");
	free(type);
	type = ssh_hostkey_hostname("10.0.0.1", 22);
	is_str(type, "10.0.0.1", "known_hosts name for port 22");
	free(type);
}

static void
test_errors(void)
{
	is_int(ssh_error_exit(SSH_ERR_CONNECT), 3, "unreachable exits 3");
	is_int(ssh_error_exit(SSH_ERR_HOSTKEY_CHANGED), 4, "host key exits 4");
	is_int(ssh_error_exit(SSH_ERR_AUTH), 4, "auth exits 4");
	is_int(ssh_error_exit(SSH_ERR_SFTP), 1, "sftp errors exit 1");
}

int
main(void)
{
	libssh2_init(0);
	test_config();
	test_known_hosts();
	test_errors();
	libssh2_exit();
	return (tap_done());
}

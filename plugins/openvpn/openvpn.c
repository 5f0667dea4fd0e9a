/*
 * The OpenVPN server on the gateway: an easy-rsa PKI made once on the host
 * (its keys never leave it; the CRL is copied out of the private PKI
 * so the server can still read it after dropping to nobody), tls-crypt,
 * a server config checked by openvpn
 * itself, and client profiles: vpn client add NAME issues a certificate on
 * the gateway and writes NAME.ovpn here with everything inline, mode 0600.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy-conn.h"
#include "plugins/deploy/deploy-int.h"
#include "plugins/plugin.h"

#define OVPN_DIR	"/etc/openvpn/server"
#define OVPN_EASYRSA	"EASYRSA_BATCH=1 EASYRSA_PKI=\"$d/pki\" EASYRSA_ALGO=ec" \
			" EASYRSA_CURVE=prime256v1 /usr/share/easy-rsa/easyrsa"

static const struct deploy_file ovpn_files[] = {
	{ OVPN_DIR "/platform.conf", "server.conf.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_step ovpn_steps[] = {
	{ .name = "packages", .packages = "openvpn easy-rsa" },
	{ .name = "pki",
	  .test = "test -s \"$ROOT" OVPN_DIR "/pki/issued/server.crt\" &&"
	      " test -s \"$ROOT" OVPN_DIR "/tc.key\" && test -s \"$ROOT" OVPN_DIR "/crl.pem\"",
	  .change = "d=\"$ROOT" OVPN_DIR "\"; mkdir -p \"$d\" && chmod 755 \"$d\" &&"
	      " umask 077 && cd \"$d\" &&"
	      " { [ -d pki ] || " OVPN_EASYRSA " init-pki; } &&"
	      " { [ -s pki/ca.crt ] || EASYRSA_REQ_CN='{{ platform.name }} VPN CA' "
	      OVPN_EASYRSA " build-ca nopass; } &&"
	      " { [ -s pki/issued/server.crt ] || " OVPN_EASYRSA
	      " build-server-full server nopass; } &&"
	      " { [ -s pki/crl.pem ] || " OVPN_EASYRSA " gen-crl; } &&"
	      " install -m 644 pki/crl.pem crl.pem &&"
	      " { [ -s tc.key ] || openvpn --genkey tls-crypt tc.key; }",
	  .handler = "restart-openvpn" },
	{ .name = "config", .files = ovpn_files,
	  .check = "cd \"$ROOT" OVPN_DIR "\" && openvpn --config platform.conf --verb 1"
	      " --show-ciphers >/dev/null",
	  .handler = "restart-openvpn" },
	{ .name = NULL }
};

static const struct deploy_handler ovpn_handlers[] = {
	{ "restart-openvpn", "systemctl restart openvpn-server@platform",
	  "systemctl is-active openvpn-server@platform", "active\n" },
	{ NULL, NULL, NULL, NULL }
};

/* The private network pushed to clients: the gateway's address, as a /24. */
static int
ovpn_vars(struct deploy_vars *vars, const struct inventory *inv,
    const struct inv_node *node, char **cause)
{
	char	 net[64], *dot;

	(void)inv;
	(void)cause;
	snprintf(net, sizeof net, "%s", node->address);
	if ((dot = strrchr(net, '.')) != NULL && strchr(net, ':') == NULL)
		snprintf(dot, sizeof net - (dot - net), ".0");
	deploy_vars_set(vars, "vpn.push_net", net, 0);
	return (0);
}

static const struct deploy_recipe ovpn_recipe = {
	.name = "openvpn",
	.dir = "openvpn",
	.role = "vpn",
	.steps = ovpn_steps,
	.handlers = ovpn_handlers,
	.vars = ovpn_vars,
};

static const struct deploy_recipe *const ovpn_deploy_recipes[] = {
	&ovpn_recipe,
	NULL
};

/* vpn client add: issue, then fetch the four files a profile inlines. */
static const struct {
	const char	*dir;		/* the client's name goes between, if suffix */
	const char	*suffix;
} ovpn_parts[] = {
	{ "pki/ca.crt", NULL }, { "pki/issued/", ".crt" }, { "pki/private/", ".key" },
	{ "tc.key", NULL }
};
static const char *const ovpn_tags[] = { "ca", "cert", "key", "tls-crypt" };

struct ovpn_add {
	struct cmd		*cmd;
	struct deploy_conn	*conn;
	const struct inv_node	*node;
	char			*root;
	char			*out;		/* the .ovpn to write */
	struct buf		 profile;	/* wiped: holds the client key */
	size_t			 part;
};

/* Free what a profile being added holds; the key's copy is wiped first. */
static void
ovpn_add_free(struct ovpn_add *a)
{
	a->cmd->state = NULL;
	deploy_conn_free(a->conn);
	if (a->profile.data != NULL)
		explicit_bzero(a->profile.data, a->profile.len);
	buf_free(&a->profile);
	free(a->root);
	free(a->out);
	free(a);
}

/* The command is done, well or not: free it all and let the caller go on. */
static void
ovpn_add_end(struct ovpn_add *a)
{
	struct cmd	*c = a->cmd;

	ovpn_add_free(a);
	cmd_finish(c);
}

/* The command was cancelled: free it all, with no cmd_finish. */
static void
ovpn_add_cancel(struct cmd *c)
{
	ovpn_add_free(c->state);
}

/* The profile is private: 0600, temp + rename, never over an existing file's mode. */
static int
ovpn_write(struct ovpn_add *a, char **cause)
{
	char	*tmp;
	int	 fd, rc = 0;

	xasprintf(&tmp, "%s.tmp-%ld", a->out, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, a->profile.data, a->profile.len) !=
	    (ssize_t)a->profile.len || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(tmp, a->out) != 0) {
		xasprintf(cause, "%s: %s", a->out, strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
	return (rc);
}

static void	ovpn_add_next(struct ovpn_add *);

static void
ovpn_add_got(int error, const char *msg, const char *data, size_t len, void *arg)
{
	struct ovpn_add	*a = arg;

	if (error != 0) {
		cmd_error(a->cmd, deploy_conn_exit(a->conn) ? deploy_conn_exit(a->conn) :
		    CMD_EXIT_FAIL, "%s: %s", a->node->name, msg);
		ovpn_add_end(a);
		return;
	}
	buf_printf(&a->profile, "<%s>\n", ovpn_tags[a->part]);
	buf_add(&a->profile, data, len);
	if (len > 0 && data[len - 1] != '\n')
		buf_addc(&a->profile, '\n');
	buf_printf(&a->profile, "</%s>\n", ovpn_tags[a->part]);
	a->part++;
	ovpn_add_next(a);
}

static void
ovpn_add_next(struct ovpn_add *a)
{
	char	*rel, *path, *cause = NULL;

	if (a->part < 4) {
		if (ovpn_parts[a->part].suffix != NULL)
			xasprintf(&rel, "%s%s%s", ovpn_parts[a->part].dir,
			    a->cmd->argv[0], ovpn_parts[a->part].suffix);
		else
			rel = xstrdup(ovpn_parts[a->part].dir);
		xasprintf(&path, "%s" OVPN_DIR "/%s", a->root, rel);
		deploy_conn_get(a->conn, path, 30000, ovpn_add_got, a);
		free(rel);
		free(path);
		return;
	}
	if (ovpn_write(a, &cause) != 0) {
		cmd_error(a->cmd, CMD_EXIT_FAIL, "%s", cause);
		free(cause);
	} else
		cmd_message(a->cmd, "wrote %s (mode 0600) for VPN client %s", a->out,
		    a->cmd->argv[0]);
	ovpn_add_end(a);
}

static void
ovpn_add_issued(int status, const char *out, size_t len, const char *msg, void *arg)
{
	struct ovpn_add	*a = arg;
	struct buf	 b;

	if (status != 0) {
		buf_init(&b);
		while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
			len--;
		util_sanitize(&b, out, len);
		cmd_error(a->cmd, status < 0 ? deploy_conn_exit(a->conn) : CMD_EXIT_FAIL,
		    "%s: issuing the certificate of %s: %s", a->node->name,
		    a->cmd->argv[0], msg != NULL ? msg : buf_str(&b));
		buf_free(&b);
		ovpn_add_end(a);
		return;
	}
	ovpn_add_next(a);
}

static enum cmd_retval
ovpn_cmd_client_add(struct cmd *c)
{
	struct inventory	*inv = c->env->inv;
	struct deploy_opts	 o = { .root = cmd_opt(c, "root") };
	struct ovpn_add		*a;
	const char		*name = c->argv[0], *p, *remote;
	char			*script, *cmd, *cause = NULL;
	size_t			 i, j;

	for (p = name; *p != '\0' && strchr("abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", *p) != NULL; p++)
		;
	if (*p != '\0' || *name == '\0' || *name == '.' || strlen(name) > 64) {
		cmd_error(c, CMD_EXIT_USAGE, "'%s': a client name has letters, digits,"
		    " '-', '_' and '.'", name);
		return (CMD_RETURN_NORMAL);
	}
	a = xcalloc(1, sizeof *a);
	a->cmd = c;
	buf_init(&a->profile);
	for (i = 0; i < inv->nnodes && a->node == NULL; i++) {
		for (j = 0; inv->nodes[i].roles && inv->nodes[i].roles[j]; j++) {
			if (strcmp(inv->nodes[i].roles[j], "vpn") == 0)
				a->node = &inv->nodes[i];
		}
	}
	if (a->node == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "no node of %s has the role vpn", inv->path);
		free(a);
		return (CMD_RETURN_NORMAL);
	}
	a->root = deploy_root_for(&o, inv, a->node);
	xasprintf(&a->out, "%s", cmd_opt(c, "out") != NULL ? cmd_opt(c, "out") :
	    name);
	if (cmd_opt(c, "out") == NULL) {
		free(a->out);
		xasprintf(&a->out, "%s.ovpn", name);
	}
	if ((a->conn = deploy_conn_open(c->env, a->node->name, cmd_flag(c, "local"),
	    &cause)) == NULL) {
		cmd_error(c, CMD_EXIT_UNREACHABLE, "%s", cause);
		free(cause);
		ovpn_add_free(a);
		return (CMD_RETURN_NORMAL);
	}
	remote = a->node->public_address != NULL ? a->node->public_address :
	    a->node->address;
	buf_printf(&a->profile, "# %s VPN profile for %s, written by platform-tui.\n"
	    "client\ndev tun\nproto udp\nremote %s 1194\nresolv-retry infinite\n"
	    "nobind\npersist-key\npersist-tun\nremote-cert-tls server\n"
	    "data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nverb 3\n",
	    inv->name != NULL ? inv->name : "platform", name, remote);
	xasprintf(&script, "d=\"$ROOT" OVPN_DIR "\"; umask 077; cd \"$d\" 2>/dev/null &&"
	    " test -s pki/ca.crt || { echo 'no PKI on this node: run deploy apply"
	    " first'; exit 1; }; [ -s \"pki/issued/%s.crt\" ] || " OVPN_EASYRSA
	    " build-client-full '%s' nopass", name, name);
	cmd = deploy_command(&(struct deploy_nodeplan){ .root = a->root }, script);
	free(script);
	c->state = a;
	c->cancel = ovpn_add_cancel;
	deploy_conn_exec(a->conn, cmd, 120000, ovpn_add_issued, a);
	free(cmd);
	return (CMD_RETURN_WAIT);
}

static const struct cmd_entry ovpn_client_add_entry = {
	.name = "vpn client add",
	.args = { "local root= out=", 1, 1 },
	.usage = "[--local] [--root DIR] [--out FILE] NAME",
	.help = "Issue a VPN client certificate on the gateway and write NAME.ovpn with everything inline.",
	.flags = CMD_INVENTORY | CMD_CHANGES,
	.exec = ovpn_cmd_client_add,
};

static const struct cmd_entry *const ovpn_commands[] = {
	&ovpn_client_add_entry,
	NULL
};

static const char *const ovpn_kinds[] = { NULL };

const struct plugin plugin_openvpn = {
	.api_version = PLUGIN_API_VERSION,
	.name = "openvpn",
	.version = PACKAGE_VERSION,
	.description = "The OpenVPN server of the gateway and its client profiles",
	.kinds = ovpn_kinds,
	.caps = PLUGIN_CAP_DEPLOY,
	.commands = ovpn_commands,
	.deploy = ovpn_deploy_recipes,
};

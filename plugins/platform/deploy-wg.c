/*
 * The WireGuard mesh every node joins: the gateway is the hub (it listens
 * on its public address), the other nodes are spokes that keep their NAT
 * mapping alive. Each host makes its own key; only the public key leaves
 * it, as a fact, and every node's wg0.conf is rendered from all of them.
 * The private key stays in its file: PostUp hands it to the interface.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/inventory.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy.h"

#define WG_NETWORK	"10.10.0.0/24"	/* when [platform] wg-network is not given */
#define WG_PORT		51820
#define WG_KEY_LEN	44		/* base64 of 32 bytes */

static const struct deploy_file wg_files[] = {
	{ "/etc/wireguard/wg0.conf", "wg0.conf.tmpl", 0600, NULL },
	{ NULL, NULL, 0, NULL }
};

/*
 * The key is made by umask 077 into a file no command ever prints; the
 * fact is its public half. 2>/dev/null comes first so that a missing
 * file says nothing and the fact is empty.
 */
static const struct deploy_step wg_steps[] = {
	{ .name = "key",
	  .facts = "wg pubkey 2>/dev/null < \"$ROOT/etc/wireguard/private.key\"",
	  .test = "test -s \"$ROOT/etc/wireguard/private.key\"",
	  .change = "umask 077 && mkdir -p \"$ROOT/etc/wireguard\" && wg genkey >"
	      " \"$ROOT/etc/wireguard/private.key.new\" && mv -f"
	      " \"$ROOT/etc/wireguard/private.key.new\" \"$ROOT/etc/wireguard/private.key\"",
	  .check = "wg pubkey < \"$ROOT/etc/wireguard/private.key\" >/dev/null" },
	{ .name = "config", .files = wg_files, .flags = DEPLOY_STEP_FACTS,
	  .handler = "restart-wireguard" },
	{ .name = NULL }
};

static const struct deploy_handler wg_handlers[] = {
	{ "restart-wireguard", "systemctl enable wg-quick@wg0 &&"
	  " systemctl restart wg-quick@wg0", "systemctl is-active wg-quick@wg0",
	  "active\n" },
	{ NULL, NULL, NULL, NULL }
};

/* The hub: the first gateway, else the first node. */
static const struct inv_node *
wg_hub(const struct inventory *inv)
{
	size_t	i, j;

	for (i = 0; i < inv->nnodes; i++) {
		for (j = 0; inv->nodes[i].roles != NULL && inv->nodes[i].roles[j] != NULL;
		    j++) {
			if (strcmp(inv->nodes[i].roles[j], "gateway") == 0)
				return (&inv->nodes[i]);
		}
	}
	return (inv->nnodes > 0 ? &inv->nodes[0] : NULL);
}

/* A node's mesh address: wg-address, else the network's (index + 1)th host. */
static int
wg_address(const struct inventory *inv, const struct inv_node *n, char *out,
    size_t outlen, int *bits, char **cause)
{
	const char	*net = inv->wg_network != NULL ? inv->wg_network : WG_NETWORK;
	const char	*slash = strchr(net, '/');
	struct in_addr	 a;
	char		 base[INET_ADDRSTRLEN];
	uint32_t	 h, idx = (uint32_t)(n - inv->nodes) + 1;

	*bits = atoi(slash + 1);
	snprintf(base, sizeof base, "%.*s", (int)(slash - net), net);
	if (n->wg_address != NULL) {
		snprintf(out, outlen, "%s", n->wg_address);
		return (0);
	}
	inet_pton(AF_INET, base, &a);
	h = ntohl(a.s_addr) & (0xffffffffU << (32 - *bits));
	if (idx >= (1U << (32 - *bits)) - 1) {
		xasprintf(cause, "node %s: wg-network %s has no room for node %u:"
		    " give it wg-address or a larger network", n->name, net, idx);
		return (-1);
	}
	a.s_addr = htonl(h + idx);
	inet_ntop(AF_INET, &a, out, outlen);
	return (0);
}

/* A node's public key as its key step read it, or NULL when there is none yet. */
static const char *
wg_pubkey(const struct deploy_vars *vars, const struct inv_node *n)
{
	const char	*v;
	char		*k;

	xasprintf(&k, "fact.%s.wireguard.key", n->name);
	v = deploy_vars_get(vars, k, NULL);
	free(k);
	if (v == NULL || strlen(v) != WG_KEY_LEN || v[WG_KEY_LEN - 1] != '=')
		return (NULL);
	return (v);
}

/* One [Peer] section, or the peer's name added to what is still missing. */
static int
wg_peer(struct buf *peers, struct buf *wait, const struct deploy_vars *vars,
    const struct inventory *inv, const struct inv_node *peer, int peer_is_hub,
    char **cause)
{
	const char	*key = wg_pubkey(vars, peer);
	const char	*net = inv->wg_network != NULL ? inv->wg_network : WG_NETWORK;
	const char	*host;
	char		 addr[INET_ADDRSTRLEN];
	int		 bits;

	if (key == NULL) {
		buf_printf(wait, "%s%s", wait->len == 0 ?
		    "the WireGuard public key of " : ", ", peer->name);
		return (0);
	}
	if (wg_address(inv, peer, addr, sizeof addr, &bits, cause) != 0)
		return (-1);
	buf_printf(peers, "\n# %s\n[Peer]\nPublicKey = %s\n", peer->name, key);
	if (peer_is_hub) {
		host = peer->public_address != NULL ? peer->public_address :
		    peer->address;
		buf_printf(peers, "Endpoint = %s%s%s:%d\nAllowedIPs = %s\n"
		    "PersistentKeepalive = 25\n", strchr(host, ':') ? "[" : "", host,
		    strchr(host, ':') ? "]" : "", inv->wg_port != 0 ? inv->wg_port :
		    WG_PORT, net);
	} else
		buf_printf(peers, "AllowedIPs = %s/32\n", addr);
	return (0);
}

/*
 * wg.address, wg.listen and wg.peers for this node; @wait names the
 * nodes whose public key is not known yet (made by this apply).
 */
static int
wg_vars(struct deploy_vars *vars, const struct inventory *inv,
    const struct inv_node *node, char **cause)
{
	const struct inv_node	*hub = wg_hub(inv);
	struct buf		 peers, wait;
	char			 addr[INET_ADDRSTRLEN + 4], listen[64];
	int			 bits, rc = 0;
	size_t			 i;

	if (wg_address(inv, node, addr, INET_ADDRSTRLEN, &bits, cause) != 0)
		return (-1);
	snprintf(addr + strlen(addr), sizeof addr - strlen(addr), "/%d", bits);
	deploy_vars_set(vars, "wg.address", addr, 0);
	listen[0] = '\0';
	if (node == hub)
		snprintf(listen, sizeof listen, "ListenPort = %d\n", inv->wg_port != 0 ?
		    inv->wg_port : WG_PORT);
	deploy_vars_set(vars, "wg.listen", listen, 0);
	buf_init(&peers);
	buf_init(&wait);
	for (i = 0; i < inv->nnodes && rc == 0; i++) {
		if (&inv->nodes[i] == node || (node != hub && &inv->nodes[i] != hub))
			continue;
		rc = wg_peer(&peers, &wait, vars, inv, &inv->nodes[i], node != hub,
		    cause);
	}
	deploy_vars_set(vars, "wg.peers", buf_str(&peers), 0);
	if (wait.len > 0)
		buf_adds(&wait, " (none yet: an apply of that node makes it)");
	deploy_vars_set(vars, "@wait", buf_str(&wait), 0);
	buf_free(&peers);
	buf_free(&wait);
	return (rc);
}

const struct deploy_recipe platform_wg_recipe = {
	.name = "wireguard",
	.dir = "platform",
	.role = "*",
	.steps = wg_steps,
	.handlers = wg_handlers,
	.vars = wg_vars,
};

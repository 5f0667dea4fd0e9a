/*
 * Sessions for inventory nodes, from the command environment's pool, and
 * the words and exit codes for the backend's errors.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backends/ssh-int.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/xmalloc.h"

#define SSH_NODE_MAX_HOPS	8

/* The pool is made on first use, with the inventory's files and --accept-new-host-keys. */
struct ssh *
ssh_node_pool(struct cmd_env *env)
{
	struct inventory	*inv = env->inv;

	if (env->ssh == NULL) {
		env->ssh = ssh_new(env->loop, (env->flags &
		    CMD_ENV_ACCEPT_NEW_KEYS) ? SSH_ACCEPT_NEW : 0);
		if (inv != NULL && inv->known_hosts != NULL)
			ssh_set_known_hosts(env->ssh, inv->known_hosts);
		if (inv != NULL && inv->ssh_config != NULL)
			ssh_set_config(env->ssh, inv->ssh_config);
	}
	return (env->ssh);
}

/* A node's session; the nodes it jumps through get theirs first. */
static struct ssh_session *
ssh_node_session_hop(struct cmd_env *env, const char *name, int hops,
    char **cause)
{
	const struct inv_node	*n;
	struct ssh_session	*s;
	struct ssh_target	 t;
	struct buf		 b;
	size_t			 i;

	if (env->inv == NULL) {
		*cause = xstrdup("no inventory: give one with -i FILE");
		return (NULL);
	}
	if ((n = inventory_node(env->inv, name)) == NULL) {
		buf_init(&b);
		for (i = 0; i < env->inv->nnodes; i++)
			buf_printf(&b, "%s%s", i == 0 ? "" : ", ",
			    env->inv->nodes[i].name);
		*cause = xprintf("unknown node '%s' (nodes: %s)", name,
		    b.len > 0 ? buf_str(&b) : "none");
		buf_free(&b);
		return (NULL);
	}
	if ((s = ssh_session_find(ssh_node_pool(env), name)) != NULL)
		return (s);
	if (n->jump != NULL) {
		if (hops >= SSH_NODE_MAX_HOPS) {
			*cause = xprintf("node '%s': jump goes round in a"
			    " circle", name);
			return (NULL);
		}
		if (ssh_node_session_hop(env, n->jump, hops + 1, cause) == NULL)
			return (NULL);
	}
	memset(&t, 0, sizeof t);
	t.name = n->name;
	t.host = n->address;
	t.port = n->ssh_port;
	t.user = n->ssh_user;
	t.key = n->ssh_key;
	t.jump = n->jump;
	t.timeout_ms = env->timeout_ms > 0 ? env->timeout_ms * 2 : 0;
	return (ssh_session(env->ssh, &t));
}

struct ssh_session *
ssh_node_session(struct cmd_env *env, const char *node, char **cause)
{
	*cause = NULL;
	return (ssh_node_session_hop(env, node, 0, cause));
}

const char *
ssh_error_string(enum ssh_error err)
{
	switch (err) {
	case SSH_OK:
		return ("ok");
	case SSH_ERR_RESOLVE:
		return ("cannot resolve");
	case SSH_ERR_CONNECT:
		return ("unreachable");
	case SSH_ERR_TIMEOUT:
		return ("timeout");
	case SSH_ERR_HOSTKEY_UNKNOWN:
		return ("unknown host key");
	case SSH_ERR_HOSTKEY_CHANGED:
		return ("host key changed");
	case SSH_ERR_AUTH:
		return ("authentication failed");
	case SSH_ERR_CHANNEL:
		return ("channel refused");
	case SSH_ERR_SFTP:
		return ("sftp error");
	case SSH_ERR_CANCELLED:
		return ("cancelled");
	case SSH_ERR_OTHER:
		break;
	}
	return ("error");
}

const char *
ssh_state_string(enum ssh_state state)
{
	switch (state) {
	case SSH_STATE_IDLE:
		return ("idle");
	case SSH_STATE_CONNECTING:
		return ("connecting");
	case SSH_STATE_READY:
		return ("ready");
	case SSH_STATE_BACKOFF:
		return ("backoff");
	case SSH_STATE_FAILED:
		return ("failed");
	}
	return ("?");
}

/* Host key and login problems are authentication (4); reachability is 3. */
int
ssh_error_exit(enum ssh_error err)
{
	switch (err) {
	case SSH_OK:
		return (CMD_EXIT_OK);
	case SSH_ERR_RESOLVE:
	case SSH_ERR_CONNECT:
	case SSH_ERR_TIMEOUT:
		return (CMD_EXIT_UNREACHABLE);
	case SSH_ERR_HOSTKEY_UNKNOWN:
	case SSH_ERR_HOSTKEY_CHANGED:
	case SSH_ERR_AUTH:
		return (CMD_EXIT_AUTH);
	default:
		break;
	}
	return (CMD_EXIT_FAIL);
}

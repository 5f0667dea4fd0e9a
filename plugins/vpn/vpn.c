/*
 * The vpn commands: up (start or attach, wait for CONNECTED), down (SIGTERM
 * through the management socket, or wg-quick down) and status (vpn-status.c).
 */
#include "config.h"

#include <sys/wait.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/wg.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/loop.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "plugins/plugin.h"
#include "plugins/vpn/vpn.h"

#define VPN_UP_TIMEOUT_MS	60000

extern const struct cmd_entry vpn_cmd_status;

struct vpn_cmd {
	struct cmd		*c;
	struct vpn_link		*l;
	struct loop_timer	 timer;
	int			 timeout_ms;
	struct loop_child	 child;		/* wg-quick */
	int			 errfd;
	struct loop_io		 errio;
	struct buf		 err;
	struct wg_fetch		*fetch;
};

/* The [vpn] a command names, or the first; NULL and an error otherwise. */
static const struct inv_vpn *
vpn_cmd_find(struct cmd *c)
{
	const struct inventory	*inv = c->env->inv;
	const char		*name = c->argc > 0 ? c->argv[0] : NULL;
	const struct inv_vpn	*v;
	struct buf		 b;
	size_t			 i;

	if (inv->nvpns == 0) {
		cmd_error(c, CMD_EXIT_USAGE, "%s has no [vpn NAME] section",
		    inv->path);
		return (NULL);
	}
	if (name == NULL)
		return (&inv->vpns[0]);
	if ((v = inventory_vpn(inv, name)) != NULL)
		return (v);
	buf_init(&b);
	for (i = 0; i < inv->nvpns; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", inv->vpns[i].name);
	cmd_error(c, CMD_EXIT_USAGE, "no vpn '%s' in %s (there is %s)", name,
	    inv->path, buf_str(&b));
	buf_free(&b);
	return (NULL);
}

/* Free a command's state; the link itself stays. */
static void
vpn_cmd_free(struct vpn_cmd *vc)
{
	loop_timer_stop(&vc->timer);
	if (vc->child.pid > 0)
		loop_child_forget(&vc->child);
	loop_io_stop(&vc->errio);
	if (vc->errfd != -1)
		close(vc->errfd);
	wg_fetch_cancel(vc->fetch);
	buf_free(&vc->err);
	free(vc);
}

static void	vpn_cmd_up_changed(struct vpn_link *, void *);

/* The command is over: stop listening, keep the link if the console watches it. */
static void
vpn_cmd_end(struct vpn_cmd *vc)
{
	struct cmd	*c = vc->c;

	if (vc->l != NULL) {
		vpn_link_unwatch(vc->l, vpn_cmd_up_changed, vc);
		vpn_link_release(vc->l);	/* scripted: openvpn goes on alone */
	}
	c->state = NULL;
	c->cancel = NULL;
	vc->l = NULL;
	vpn_cmd_free(vc);
	cmd_finish(c);
}

/* Interrupted: stop listening to the link, nothing more. */
static void
vpn_cmd_cancel(struct cmd *c)
{
	struct vpn_cmd	*vc = c->state;

	if (vc->l != NULL)
		vpn_link_unwatch(vc->l, vpn_cmd_up_changed, vc);
	vc->l = NULL;
	vpn_cmd_free(vc);
	c->state = NULL;
}

/* Connected, failed, or still on the way. */
static void
vpn_cmd_up_changed(struct vpn_link *l, void *arg)
{
	struct vpn_cmd	*vc = arg;
	struct cmd	*c = vc->c;
	const char	*remote = vpn_link_remote(l);

	switch (vpn_link_phase(l)) {
	case VPN_PHASE_CONNECTED:
		cmd_message(c, "%s: CONNECTED %s%s%s (states: %s)",
		    vpn_link_vpn(l)->name, vpn_link_tun_ip(l),
		    *remote ? " via " : "", remote, vpn_link_states_seen(l));
		break;
	case VPN_PHASE_FAILED:
		cmd_error(c, vpn_link_auth_failed(l) ? CMD_EXIT_AUTH :
		    CMD_EXIT_FAIL, "%s: %s", vpn_link_vpn(l)->name,
		    vpn_link_error(l) != NULL ? vpn_link_error(l) : "failed");
		break;
	default:
		return;
	}
	vpn_cmd_end(vc);
}

/* Not connected in time: say where it stands and what it went through. */
static void
vpn_cmd_up_timeout(void *arg)
{
	struct vpn_cmd	*vc = arg;
	struct vpn_link	*l = vc->l;
	const char	*err = vpn_link_error(l);

	cmd_error(vc->c, CMD_EXIT_UNREACHABLE, "%s: not connected after %d s"
	    " (state %s%s%s; states seen: %s)", vpn_link_vpn(l)->name,
	    vc->timeout_ms / 1000, vpn_link_state(l), err != NULL ? ": " : "",
	    err != NULL ? err : "", *vpn_link_states_seen(l) ?
	    vpn_link_states_seen(l) : "none");
	vpn_cmd_end(vc);
}

/* A new command state with its timeout from --timeout. */
static struct vpn_cmd *
vpn_cmd_new(struct cmd *c, int default_ms)
{
	struct vpn_cmd	*vc;
	const char	*t = cmd_opt(c, "timeout");
	char		*cause = NULL;
	int		 ms = default_ms;

	if (t != NULL && util_parse_duration(t, &ms, &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "--timeout: %s", cause);
		free(cause);
		return (NULL);
	}
	vc = xcalloc(1, sizeof *vc);
	vc->c = c;
	vc->timeout_ms = ms;
	vc->errfd = -1;
	vc->child.pid = -1;
	buf_init(&vc->err);
	loop_io_init(&vc->errio, c->env->loop, -1, NULL, NULL);
	loop_timer_init(&vc->timer, c->env->loop, vpn_cmd_up_timeout, vc);
	c->state = vc;
	c->cancel = vpn_cmd_cancel;
	return (vc);
}

/* ------------------------------------------------------------ WireGuard */

/* Collect wg-quick's stderr for the message. */
static void
vpn_cmd_wg_err(int fd, short revents, void *arg)
{
	struct vpn_cmd	*vc = arg;
	char		 tmp[4096];
	ssize_t		 n;

	(void)revents;
	while ((n = read(fd, tmp, sizeof tmp)) > 0) {
		if (vc->err.len < 16384)
			buf_add(&vc->err, tmp, (size_t)n);
	}
	if (n == 0)
		loop_io_stop(&vc->errio);
}

/* The last line wg-quick wrote to stderr: usually the reason. */
static const char *
vpn_cmd_wg_reason(struct vpn_cmd *vc)
{
	char	*s = vc->err.data, *nl;

	if (s == NULL)
		return ("");
	while (vc->err.len > 0 && s[vc->err.len - 1] == '\n')
		s[--vc->err.len] = '\0';
	nl = strrchr(s, '\n');
	return (nl != NULL ? nl + 1 : s);
}

/* wg-quick exited: its status decides. */
static void
vpn_cmd_wg_done(pid_t pid, int status, void *arg)
{
	struct vpn_cmd	*vc = arg;
	struct cmd	*c = vc->c;
	const char	*verb = strcmp(c->entry->name, "vpn up") == 0 ? "up" : "down";

	(void)pid;
	vpn_cmd_wg_err(vc->errfd, POLLIN, vc);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		cmd_message(c, "%s: %s", c->argc > 0 ? c->argv[0] :
		    c->env->inv->vpns[0].name, verb);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		cmd_error(c, CMD_EXIT_FAIL, "wg-quick is not installed"
		    " (wireguard-tools)");
	else
		cmd_error(c, CMD_EXIT_FAIL, "wg-quick %s failed: %s", verb,
		    vpn_cmd_wg_reason(vc));
	vpn_cmd_end(vc);
}

/* wg-quick up|down CONFIG, its stderr kept for the message. */
static enum cmd_retval
vpn_cmd_wg(struct cmd *c, const struct inv_vpn *v, const char *verb)
{
	struct vpn_cmd	*vc;
	char		*config, *cause = NULL;
	int		 ret;

	if (v->config == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "[vpn %s] has no config for"
		    " wg-quick %s", v->name, verb);
		return (CMD_RETURN_NORMAL);
	}
	if ((vc = vpn_cmd_new(c, VPN_UP_TIMEOUT_MS)) == NULL)
		return (CMD_RETURN_NORMAL);
	config = util_expand_home(v->config);
	{
		char	*argv[] = { "wg-quick", (char *)verb, config, NULL };

		ret = loop_child_spawn(&vc->child, c->env->loop, argv,
		    LOOP_CHILD_STDERR, vpn_cmd_wg_done, vc, &cause);
	}
	free(config);
	if (ret != 0) {
		cmd_error(c, CMD_EXIT_FAIL, "%s", cause);
		free(cause);
		c->state = NULL;
		c->cancel = NULL;
		vpn_cmd_free(vc);
		return (CMD_RETURN_NORMAL);
	}
	vc->errfd = vc->child.err_fd;
	vc->child.err_fd = -1;
	loop_io_init(&vc->errio, c->env->loop, vc->errfd, vpn_cmd_wg_err, vc);
	loop_io_start(&vc->errio, POLLIN);
	return (CMD_RETURN_WAIT);
}

/* ------------------------------------------------------------ up, down */

/* Attach or start, then wait for CONNECTED or a failure. */
static enum cmd_retval
vpn_cmd_up_exec(struct cmd *c)
{
	const struct inv_vpn	*v;
	struct vpn_cmd		*vc;

	if ((v = vpn_cmd_find(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	if (v->type == INV_VPN_WIREGUARD)
		return (vpn_cmd_wg(c, v, "up"));
	if ((vc = vpn_cmd_new(c, VPN_UP_TIMEOUT_MS)) == NULL)
		return (CMD_RETURN_NORMAL);
	vc->l = vpn_link_get(c->env, v->name);
	vpn_link_watch(vc->l, vpn_cmd_up_changed, vc);
	loop_timer_start(&vc->timer, (uint64_t)vc->timeout_ms);
	vpn_link_up(vc->l, VPN_UP_START);
	/* Already connected, or failed at once: the first look decides. */
	if (c->state == vc)
		vpn_cmd_up_changed(vc->l, vc);
	return (CMD_RETURN_WAIT);
}

/* The link is stopped, or could not be. */
static void
vpn_cmd_down_done(int ok, const char *msg, void *arg)
{
	struct vpn_cmd	*vc = arg;

	if (ok)
		cmd_message(vc->c, "%s", msg);
	else
		cmd_error(vc->c, CMD_EXIT_FAIL, "%s", msg);
	vpn_cmd_end(vc);
}

/* SIGTERM through the socket (OpenVPN) or wg-quick down. */
static enum cmd_retval
vpn_cmd_down_exec(struct cmd *c)
{
	const struct inv_vpn	*v;
	struct vpn_cmd		*vc;

	if ((v = vpn_cmd_find(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	if (v->type == INV_VPN_WIREGUARD)
		return (vpn_cmd_wg(c, v, "down"));
	if ((vc = vpn_cmd_new(c, VPN_UP_TIMEOUT_MS)) == NULL)
		return (CMD_RETURN_NORMAL);
	vc->l = vpn_link_get(c->env, v->name);
	vpn_link_down(vc->l, vpn_cmd_down_done, vc);
	return (CMD_RETURN_WAIT);
}

static const struct cmd_entry vpn_cmd_up = {
	.name = "vpn up",
	.args = { "timeout=", 0, 1 },
	.usage = "[--timeout DURATION] [NAME]",
	.help = "Bring a VPN up (start openvpn, or attach to it) and wait until it is connected.",
	.flags = CMD_INVENTORY | CMD_CHANGES,
	.exec = vpn_cmd_up_exec,
};

static const struct cmd_entry vpn_cmd_down = {
	.name = "vpn down",
	.args = { "", 0, 1 },
	.usage = "[NAME]",
	.help = "Stop a VPN (SIGTERM to openvpn through its management socket, or wg-quick down).",
	.flags = CMD_INVENTORY | CMD_CHANGES,
	.exec = vpn_cmd_down_exec,
};

static const struct cmd_entry *const vpn_commands[] = {
	&vpn_cmd_up, &vpn_cmd_down, &vpn_cmd_status, NULL
};

static const struct plugin_view vpn_view_status = {
	.name = "vpn", .title = "VPN", .command = "vpn status",
};
static const struct plugin_view *const vpn_views[] = { &vpn_view_status, NULL };

static const char *const vpn_kinds[] = { NULL };

const struct plugin plugin_vpn = {
	.api_version = PLUGIN_API_VERSION,
	.name = "vpn",
	.version = PACKAGE_VERSION,
	.description = "OpenVPN and WireGuard tunnels of the [vpn] sections",
	.kinds = vpn_kinds,
	.caps = PLUGIN_CAP_VIEWS,
	.commands = vpn_commands,
	.views = vpn_views,
	.fini = vpn_free_all,
};

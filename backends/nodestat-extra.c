/*
 * The node's containers and systemd units: docker ps and systemctl
 * list-units run over the node's shared SSH session every extras period
 * (each costs a process on the node, so not every second), one after the
 * other, and a missing tool or daemon is said plainly ("no docker").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backends/nodestat.h"
#include "backends/nodestat-int.h"
#include "backends/ssh.h"
#include "core/buf.h"
#include "core/loop.h"
#include "core/xmalloc.h"

static void	nodestat_extra_start(struct nodestat *, struct nodestat_extra *);

/* The units a node of these roles runs: the platform's, and one per role. */
char *
nodestat_extra_patterns(const char *const *roles)
{
	static const char *const base[] = { "docker*", "containerd*", "k3s*",
	    "wg-quick@*", "openvpn*", "ssh*", "postgresql*", "clickhouse*", NULL };
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	for (i = 0; base[i] != NULL; i++)
		buf_printf(&b, "%s'%s'", i ? " " : "", base[i]);
	for (i = 0; roles != NULL && roles[i] != NULL; i++) {
		if (*roles[i] == '\0' || strspn(roles[i], "abcdefghijklmnopqrstuvwxyz"
		    "0123456789-_") != strlen(roles[i]) || strlen(roles[i]) > 40)
			continue;
		buf_printf(&b, " '%s*'", roles[i]);
	}
	return (buf_steal(&b));
}

/* Stop a listing in flight; its callback will not come. */
void
nodestat_extra_cancel(struct nodestat_extra *e)
{
	if (e->inflight && e->ex != NULL)
		ssh_exec_cancel(e->ex);
	e->inflight = 0;
	e->ex = NULL;
}

/* Forget a listing and its buffers, when the sampler goes. */
void
nodestat_extra_clear(struct nodestat_extra *e)
{
	nodestat_extra_cancel(e);
	buf_free(&e->out);
	buf_free(&e->err);
	free(e->why);
	e->why = NULL;
}

/* Capped, so a node with a huge listing cannot eat our memory. */
static void
nodestat_extra_out(const char *data, size_t len, void *arg)
{
	struct nodestat_extra	*e = arg;

	if (e->out.len + len <= NODESTAT_OUT_MAX)
		buf_add(&e->out, data, len);
}

/* The first lines of stderr say why docker or systemctl could not answer. */
static void
nodestat_extra_err(const char *data, size_t len, void *arg)
{
	struct nodestat_extra	*e = arg;

	if (e->err.len + len <= 4096)
		buf_add(&e->err, data, len);
}

/* Why there is no list: the tool is missing or has no daemon to ask. */
static char *
nodestat_extra_why(struct nodestat_extra *e, int status, const char *msg)
{
	const char	*err = buf_str(&e->err), *nl;

	if (status < 0)
		return (xstrdup(msg != NULL ? msg : "the command failed"));
	if (status == 127 || strstr(err, "not found") != NULL)
		return (xstrdup(e->units ? "no systemd" : "no docker"));
	if (!e->units && strstr(err, "Cannot connect to the Docker daemon") != NULL)
		return (xstrdup("no docker (the daemon is not running)"));
	if (e->units && (strstr(err, "not been booted with systemd") != NULL ||
	    strstr(err, "Failed to connect to bus") != NULL))
		return (xstrdup("no systemd (not the init system)"));
	if ((nl = strchr(err, '\n')) == NULL)
		nl = err + strlen(err);
	if (nl == err)
		return (xprintf("exit status %d", status));
	return (xstrndup(err, (size_t)(nl - err)));
}

/* A listing ended: keep the rows, or say why there are none. */
static void
nodestat_extra_done(struct ssh_exec *ex, int status, enum ssh_error error,
    const char *msg, void *arg)
{
	struct nodestat_extra	*e = arg;
	struct nodestat		*ns = e->ns;
	char			*cause = NULL;
	int			 rc;

	(void)ex;
	e->inflight = 0;
	e->ex = NULL;
	free(e->why);
	e->why = NULL;
	if (error != SSH_OK || status != 0)
		e->why = nodestat_extra_why(e, error != SSH_OK ? -1 : status,
		    msg != NULL ? msg : ssh_error_string(error));
	else if (e->units) {
		struct nodestat_unit	*u;
		size_t			 n;

		if ((rc = nodestat_parse_units(buf_str(&e->out), e->out.len, &u, &n,
		    &cause)) == 0) {
			nodestat_units_free(ns->unitlist, ns->nunits);
			ns->unitlist = u;
			ns->nunits = n;
		}
		e->why = cause;
	} else {
		struct nodestat_container	*c;
		size_t				 n;

		if ((rc = nodestat_parse_docker(buf_str(&e->out), e->out.len, &c, &n,
		    &cause)) == 0) {
			nodestat_containers_free(ns->conts, ns->nconts);
			ns->conts = c;
			ns->nconts = n;
		}
		e->why = cause;
	}
	if (e->why != NULL && e->units) {
		nodestat_units_free(ns->unitlist, ns->nunits);
		ns->unitlist = NULL;
		ns->nunits = 0;
	} else if (e->why != NULL) {
		nodestat_containers_free(ns->conts, ns->nconts);
		ns->conts = NULL;
		ns->nconts = 0;
	}
	e->have = 1;
	buf_reset(&e->out);
	buf_reset(&e->err);
	/*
	 * libssh2 1.10 keeps the state of a channel being opened in the session,
	 * so the units are asked for once docker's channel is done with.
	 */
	if (!e->units && error == SSH_OK)
		nodestat_extra_start(ns, &ns->units);
	if (ns->cb != NULL)
		ns->cb(ns, ns->arg);
}

/* One exec per listing on the shared session; none while the last one runs. */
static void
nodestat_extra_start(struct nodestat *ns, struct nodestat_extra *e)
{
	const char	*pre = nodestat_path_prefix();
	struct ssh_exec	*ex;
	char		*cmd;

	if (e->inflight)
		return;
	if (e->units)
		cmd = xprintf("%ssystemctl list-units --all --no-pager --output=json %s"
		    " 2>/dev/null || systemctl list-units --all --no-pager --plain"
		    " --no-legend %s", pre, ns->patterns, ns->patterns);
	else
		cmd = xprintf("%sdocker ps -a --no-trunc --format '{{json .}}'", pre);
	buf_reset(&e->out);
	buf_reset(&e->err);
	e->inflight = 1;
	ex = ssh_exec_start(ns->session, cmd, 20000, nodestat_extra_out,
	    nodestat_extra_err, nodestat_extra_done, e);
	if (e->inflight)
		e->ex = ex;
	free(cmd);
}

/* The extras timer: containers now, units when they are done. */
void
nodestat_extra_tick(void *arg)
{
	struct nodestat	*ns = arg;

	if (ns->session == NULL)
		return;
	/* systemctl after docker (nodestat_extra_done): one channel opening at a time. */
	nodestat_extra_start(ns, &ns->docker);
	if (ns->running && ns->extras_ms > 0)
		loop_timer_start(&ns->extras_timer, (uint64_t)ns->extras_ms);
}


/*
 * The node plugin: node status samples every node (twice, a second apart,
 * so CPU and network have rates) over the persistent SSH sessions; node logs
 * shows or follows a unit's journal or a container's log; service restart
 * restarts one (destructive: confirmed and audited). The Nodes pane uses
 * the same samplers (node_sampler) and command lines.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/http.h"
#include "backends/nodestat.h"
#include "backends/ssh.h"
#include "core/buf.h"
#include "core/inventory.h"
#include "core/loop.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/node/node.h"
#include "plugins/plugin.h"

#define NODE_LOG_MAX_LINES	10000	/* a log as a view keeps the last lines */

/* ------------------------------------------------------------ samplers */

/*
 * The endpoint of a metrics service for this node: named after it, or on its
 * address.
 */
char *
node_metrics_url(const struct inventory *inv, const struct inv_node *n, char **cause)
{
	const struct inv_service	*s;
	const struct inv_endpoint	*ep = NULL;
	struct buf			 b;
	size_t				 i;

	if ((s = inventory_service(inv, n->metrics)) == NULL) {
		xasprintf(cause, "node %s: metrics service '%s' is not defined", n->name,
		    n->metrics);
		return (NULL);
	}
	for (i = 0; i < s->nendpoints && ep == NULL; i++) {
		if (strcmp(s->endpoints[i].name, n->name) == 0)
			ep = &s->endpoints[i];
	}
	for (i = 0; i < s->nendpoints && ep == NULL; i++) {
		if (strcmp(s->endpoints[i].host, n->address) == 0)
			ep = &s->endpoints[i];
	}
	if (ep == NULL && (s->nendpoints == 1 || strcmp(s->kind, "prometheus") == 0))
		ep = &s->endpoints[0];
	if (ep == NULL) {
		xasprintf(cause, "node %s: service %s has no endpoint named %s or on %s",
		    n->name, s->name, n->name, n->address);
		return (NULL);
	}
	buf_init(&b);
	buf_printf(&b, "%s://%s%s%s:%s", ep->scheme, strchr(ep->host, ':') ? "[" : "",
	    ep->host, strchr(ep->host, ':') ? "]" : "", ep->port);
	if (strcmp(s->kind, "prometheus") == 0) {
		/* Federation gives node-exporter's own text for one instance. */
		buf_printf(&b, "%s/federate?match[]=%%7B__name__%%3D~%%22node_.%%2A%%22%%2C"
		    "instance%%3D~%%22", strcmp(ep->path, "/") == 0 ? "" : ep->path);
		for (i = 0; n->address[i] != '\0'; i++) {
			if (n->address[i] == '.')
				buf_adds(&b, "%5C%5C.");
			else
				buf_addc(&b, n->address[i]);
		}
		buf_adds(&b, "(%3A.%2A)%3F%22%7D");
	} else
		buf_printf(&b, "%s", *ep->path == '\0' || strcmp(ep->path, "/") == 0 ?
		    "/metrics" : ep->path);
	return (buf_steal(&b));
}

/*
 * The one place that decides where a node's figures come from: /proc over
 * SSH or a metrics service.
 */
struct nodestat *
node_sampler(struct cmd_env *env, const struct inv_node *n, struct http **http,
    nodestat_cb cb, void *arg, char **cause)
{
	struct nodestat_source	 src;
	struct nodestat		*ns;
	char			*url = NULL, *why = NULL;

	memset(&src, 0, sizeof src);
	src.name = n->name;
	src.roles = (const char *const *)n->roles;
	if (n->metrics != NULL) {
		if ((url = node_metrics_url(env->inv, n, cause)) == NULL)
			return (NULL);
		if (*http == NULL)
			*http = http_new(env->loop);
		src.http = *http;
		src.url = url;
		/* Containers and units still come over SSH when there is a session. */
		src.session = ssh_node_session(env, n->name, &why);
		free(why);
	} else if ((src.session = ssh_node_session(env, n->name, cause)) == NULL)
		return (NULL);
	ns = nodestat_new(env->loop, &src, cb, arg);
	free(url);
	return (ns);
}

/* ------------------------------------------------------------ remote commands */

/* Docker if it knows a container of that name, else the systemd unit. */
char *
node_logs_command(const char *name, int follow, int lines)
{
	return (xprintf("%sif command -v docker >/dev/null 2>&1 && docker inspect"
	    " --type container %s >/dev/null 2>&1; then exec docker logs --tail %d%s %s"
	    " 2>&1; else exec journalctl --no-pager -n %d%s -u %s; fi",
	    nodestat_path_prefix(), name, lines, follow ? " -f" : "", name, lines,
	    follow ? " -f" : "", name));
}

/*
 * Docker if it has a container of that name, else systemd: the operator need
 * not say which.
 */
char *
node_restart_command(const char *name)
{
	return (xprintf("%sif command -v docker >/dev/null 2>&1 && docker inspect"
	    " --type container %s >/dev/null 2>&1; then exec docker restart %s;"
	    " else exec systemctl restart %s; fi", nodestat_path_prefix(), name, name,
	    name));
}

/* ------------------------------------------------------------ node status */

struct node_one {
	struct node_run		*run;
	const struct inv_node	*node;
	struct nodestat		*ns;
	int			 done;
	char			*error;		/* could not even start */
};

struct node_run {
	struct cmd		*cmd;
	struct http		*http;
	struct node_one		*nodes;
	size_t			 n;
	size_t			 left;
	uint64_t		 want;		/* samples per node: 2, or 1 with --once */
	struct loop_timer	 deadline;
	struct loop_timer	 watch_end;	/* node watch */
	int			 watch;
	uint64_t		 started;
};

static void	node_run_end(struct node_run *);

/*
 * Gave up on a node: a session that will not come, or one that failed for
 * good.
 */
static int
node_one_hopeless(struct node_one *o)
{
	struct ssh_session	*ss = nodestat_session(o->ns);

	if (nodestat_last(o->ns) != NULL)
		return (0);
	if (ss == NULL)
		return (nodestat_error(o->ns) != NULL);
	return (ssh_session_state(ss) == SSH_STATE_FAILED ||
	    ssh_session_state(ss) == SSH_STATE_BACKOFF);
}

/* A node is done: the run ends from the loop, not inside an SSH callback. */
static void
node_one_done(struct node_one *o)
{
	struct node_run	*run = o->run;

	if (o->done)
		return;
	o->done = 1;
	nodestat_stop(o->ns);
	if (--run->left == 0)
		loop_timer_start(&run->deadline, 0);
}

/* A node is done after its samples, or as soon as it cannot answer. */
static void
node_status_sampled(struct nodestat *ns, void *arg)
{
	struct node_one	*o = arg;

	(void)ns;
	if (o->done || o->run->watch)
		return;
	if (nodestat_count(o->ns) >= o->run->want || node_one_hopeless(o))
		node_one_done(o);
}

/*
 * A session that failed (or was lost) before its first sample: no need to
 * wait.
 */
static void
node_status_state(struct ssh_session *ss, enum ssh_state st, void *arg)
{
	struct node_one	*o = arg;

	(void)ss;
	if (o->run->watch || o->done || nodestat_last(o->ns) != NULL)
		return;
	if (st == SSH_STATE_FAILED || st == SSH_STATE_BACKOFF)
		node_one_done(o);
}

/* The timeout: nodes without figures are shown down with the reason. */
static void
node_status_deadline(void *arg)
{
	node_run_end(arg);
}

/* Samplers and watches go before the run, so no callback reaches it. */
static void
node_run_free(struct node_run *run)
{
	size_t	i;

	loop_timer_stop(&run->deadline);
	loop_timer_stop(&run->watch_end);
	for (i = 0; i < run->n; i++) {
		if (run->nodes[i].ns != NULL && nodestat_session(run->nodes[i].ns) != NULL)
			ssh_session_unwatch(nodestat_session(run->nodes[i].ns),
			    node_status_state, &run->nodes[i]);
		nodestat_free(run->nodes[i].ns);
		free(run->nodes[i].error);
	}
	free(run->nodes);
	if (run->http != NULL)
		http_free(run->http);
	free(run);
}

/* C-c or a closed pane: everything stops at once. */
static void
node_status_cancel(struct cmd *c)
{
	struct node_run	*run = c->state;

	c->state = NULL;
	node_run_free(run);
}

/* Why a node has no figures, and the exit status that goes with it. */
static const char *
node_one_why(struct node_one *o, enum cmd_exit *exit)
{
	struct ssh_session	*ss;
	const char		*e;

	*exit = CMD_EXIT_UNREACHABLE;
	if (o->error != NULL)
		return (o->error);
	ss = nodestat_session(o->ns);
	if (ss != NULL && ssh_session_state(ss) != SSH_STATE_READY &&
	    (e = ssh_session_error(ss)) != NULL) {
		*exit = (enum cmd_exit)ssh_error_exit(ssh_session_error_code(ss));
		return (e);
	}
	if ((e = nodestat_error(o->ns)) != NULL)
		return (e);
	return ("no answer in time");
}

/* One node's row: figures when it answered, else down and why. */
static void
node_status_row(struct view *v, struct node_one *o, enum cmd_exit *worst)
{
	const struct nodestat_sample	*s = o->ns != NULL ? nodestat_last(o->ns) : NULL;
	const struct nodestat_mount	*m;
	enum cmd_exit			 exit;
	char				 load[64];
	size_t				 row = view_add_row(v);

	view_set_text(v, row, 0, o->node->name);
	if (s == NULL) {
		view_set_text(v, row, 1, "down");
		view_set_text(v, row, 15, node_one_why(o, &exit));
		if (*worst == CMD_EXIT_OK || exit == CMD_EXIT_AUTH)
			*worst = exit;
		return;
	}
	view_set_text(v, row, 1, "up");
	if (s->busy != NULL && s->ncpus > 0 && s->busy[0] >= 0)
		view_set_num(v, row, 2, (int64_t)(s->busy[0] + 0.5));
	view_set_num(v, row, 3, s->ncpus > 0 ? (int64_t)s->ncpus - 1 : 0);
	if (s->have & NODESTAT_HAVE_LOAD) {
		snprintf(load, sizeof load, "%.2f %.2f %.2f", s->load[0], s->load[1],
		    s->load[2]);
		view_set_text(v, row, 4, load);
	}
	if (s->have & NODESTAT_HAVE_MEM) {
		view_set_num(v, row, 5, (int64_t)(s->mem_total - s->mem_avail));
		view_set_num(v, row, 6, (int64_t)s->mem_total);
		view_set_num(v, row, 7, (int64_t)(s->swap_total - s->swap_free));
		view_set_num(v, row, 8, (int64_t)s->swap_total);
	}
	if ((m = nodestat_sample_fullest(s)) != NULL) {
		view_set_text(v, row, 9, m->path);
		/* As df shows it: used of what non-root users can have. */
		view_set_num(v, row, 10, m->used + m->avail > 0 ? (int64_t)((m->used *
		    100 + m->used + m->avail - 1) / (m->used + m->avail)) : 0);
	}
	if (s->rx_rate >= 0) {
		view_set_num(v, row, 11, (int64_t)(s->rx_rate + 0.5));
		view_set_num(v, row, 12, (int64_t)(s->tx_rate + 0.5));
	}
	if (s->have & NODESTAT_HAVE_UPTIME)
		view_set_num(v, row, 13, (int64_t)(s->uptime * 1000));
	if (s->kernel != NULL)
		view_set_text(v, row, 14, s->kernel);
	if (nodestat_error(o->ns) != NULL)
		view_set_text(v, row, 15, nodestat_error(o->ns));
}

/* The view node status prints and the Overview shows. */
static struct view *
node_status_view(struct node_run *run, enum cmd_exit *worst)
{
	static const struct {
		const char	*name;
		enum view_type	 type;
	} cols[] = {
		{ "node", VIEW_TEXT }, { "state", VIEW_STATE }, { "cpu_pct", VIEW_NUMBER },
		{ "cores", VIEW_NUMBER }, { "load", VIEW_TEXT }, { "mem_used", VIEW_BYTES },
		{ "mem_total", VIEW_BYTES }, { "swap_used", VIEW_BYTES },
		{ "swap_total", VIEW_BYTES }, { "disk", VIEW_TEXT },
		{ "disk_pct", VIEW_NUMBER }, { "rx_per_s", VIEW_BYTES },
		{ "tx_per_s", VIEW_BYTES }, { "uptime", VIEW_DURATION },
		{ "kernel", VIEW_TEXT }, { "error", VIEW_TEXT },
	};
	struct view	*v = view_new("Nodes");
	size_t		 i;

	for (i = 0; i < sizeof cols / sizeof cols[0]; i++)
		view_add_column(v, cols[i].name, cols[i].type);
	*worst = CMD_EXIT_OK;
	for (i = 0; i < run->n; i++)
		node_status_row(v, &run->nodes[i], worst);
	return (v);
}

/* node watch: what the samplers cost, for bench/nodes.sh. */
static struct view *
node_watch_view(struct node_run *run)
{
	struct view		*v = view_new("Samplers");
	struct ssh_session	*ss;
	size_t			 i, row;

	view_add_column(v, "node", VIEW_TEXT);
	view_add_column(v, "samples", VIEW_NUMBER);
	view_add_column(v, "bytes_in", VIEW_NUMBER);
	view_add_column(v, "bytes_out", VIEW_NUMBER);
	view_add_column(v, "seconds", VIEW_NUMBER);
	view_add_column(v, "ms_per_sample", VIEW_NUMBER);
	view_add_column(v, "error", VIEW_TEXT);
	for (i = 0; i < run->n; i++) {
		row = view_add_row(v);
		view_set_text(v, row, 0, run->nodes[i].node->name);
		if (run->nodes[i].ns == NULL) {
			view_set_text(v, row, 6, run->nodes[i].error);
			continue;
		}
		view_set_num(v, row, 1, (int64_t)nodestat_count(run->nodes[i].ns));
		if ((ss = nodestat_session(run->nodes[i].ns)) != NULL) {
			view_set_num(v, row, 2, (int64_t)ssh_session_bytes_in(ss));
			view_set_num(v, row, 3, (int64_t)ssh_session_bytes_out(ss));
		}
		view_set_num(v, row, 4, (int64_t)((loop_now(run->cmd->env->loop) -
		    run->started) / 1000));
		view_set_num(v, row, 5, (int64_t)nodestat_mean_ms(run->nodes[i].ns));
		if (nodestat_error(run->nodes[i].ns) != NULL)
			view_set_text(v, row, 6, nodestat_error(run->nodes[i].ns));
	}
	return (v);
}

/* The view is built once every node is done, then the command finishes. */
static void
node_run_end(struct node_run *run)
{
	struct cmd	*c = run->cmd;
	enum cmd_exit	 worst = CMD_EXIT_OK;

	if (run->watch)
		c->view = node_watch_view(run);
	else {
		c->view = node_status_view(run, &worst);
		if (worst != CMD_EXIT_OK)
			cmd_error(c, worst, "node status: %s unreachable", run->n == 1 ?
			    "the node is" : "some nodes are");
	}
	c->state = NULL;
	node_run_free(run);
	cmd_finish(c);
}

/* The nodes a command names (one, or every node), or NULL and an error. */
static int
node_pick(struct cmd *c, const char *name, struct node_run *run)
{
	struct inventory	*inv = c->env->inv;
	size_t			 i;

	for (i = 0; i < inv->nnodes; i++) {
		if (name != NULL && strcmp(inv->nodes[i].name, name) != 0)
			continue;
		run->nodes = xreallocarray(run->nodes, run->n + 1, sizeof *run->nodes);
		memset(&run->nodes[run->n], 0, sizeof run->nodes[run->n]);
		run->nodes[run->n].run = run;
		run->nodes[run->n++].node = &inv->nodes[i];
	}
	if (run->n == 0 && name != NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: no node named '%s'", c->entry->name, name);
		return (-1);
	}
	if (run->n == 0) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: the inventory has no nodes", c->entry->name);
		return (-1);
	}
	return (0);
}

/* node status and node watch share the samplers; watch only runs longer. */
static enum cmd_retval
node_status_exec(struct cmd *c)
{
	struct node_run	*run;
	struct node_one	*o;
	const char	*v;
	size_t		 i;
	int		 seconds = 0, timeout = c->env->timeout_ms;

	run = xcalloc(1, sizeof *run);
	run->cmd = c;
	run->watch = c->entry == &node_watch_entry;
	run->want = cmd_flag(c, "once") ? 1 : 2;
	run->started = loop_now(c->env->loop);
	if (run->watch) {
		seconds = 60;
		if ((v = cmd_opt(c, "seconds")) != NULL && ((seconds = atoi(v)) < 1 ||
		    seconds > 86400)) {
			cmd_error(c, CMD_EXIT_USAGE, "node watch: --seconds from 1 to 86400");
			free(run);
			return (CMD_RETURN_NORMAL);
		}
	}
	if (node_pick(c, c->argc > 0 ? c->argv[0] : NULL, run) != 0) {
		free(run);
		return (CMD_RETURN_NORMAL);
	}
	loop_timer_init(&run->deadline, c->env->loop, node_status_deadline, run);
	loop_timer_init(&run->watch_end, c->env->loop, node_status_deadline, run);
	run->left = run->n;
	for (i = 0; i < run->n; i++) {
		o = &run->nodes[i];
		o->ns = node_sampler(c->env, o->node, &run->http, node_status_sampled, o,
		    &o->error);
		if (o->ns == NULL) {
			o->done = 1;
			run->left--;
			continue;
		}
		nodestat_set_extras(o->ns, 0);
		if (nodestat_session(o->ns) != NULL)
			ssh_session_watch(nodestat_session(o->ns), node_status_state, o);
	}
	c->state = run;
	c->cancel = node_status_cancel;
	if (run->left == 0) {
		node_run_end(run);
		return (CMD_RETURN_NORMAL);
	}
	if (timeout <= 0)
		timeout = 10000;
	/* Connect and two samples a second apart, within the timeout. */
	loop_timer_start(run->watch ? &run->watch_end : &run->deadline, run->watch ?
	    (uint64_t)seconds * 1000 : (uint64_t)timeout + 1000 * (run->want - 1));
	for (i = 0; i < run->n; i++) {
		if (run->nodes[i].ns != NULL)
			nodestat_start(run->nodes[i].ns);
	}
	return (c->finished ? CMD_RETURN_NORMAL : CMD_RETURN_WAIT);
}

const struct cmd_entry node_status_entry = {
	.name = "node status",
	.args = { "once", 0, 1 },
	.usage = "[--once] [NODE]",
	.help = "Show CPU, memory, swap, disk, network, load, uptime and kernel of every node.",
	.flags = CMD_INVENTORY,
	.exec = node_status_exec,
};

const struct cmd_entry node_watch_entry = {
	.name = "node watch",
	.args = { "seconds=", 0, 1 },
	.usage = "[--seconds N] [NODE]",
	.help = "Sample the nodes every second for N seconds and show what it cost.",
	.flags = CMD_INVENTORY | CMD_HIDDEN,
	.exec = node_status_exec,
};

/* ------------------------------------------------------------ node logs, service restart */

struct node_exec {
	struct cmd		*cmd;
	struct ssh_exec		*ex;
	int			 inflight;
	int			 stream;	/* to stdout as it comes */
	struct buf		 out;		/* a partial line, or all of it */
	struct buf		 err;
	struct view		*view;
};

/* Kept as view rows in batch mode and the console, up to NODE_LOG_MAX_LINES. */
static void
node_exec_line(struct node_exec *x, const char *line, size_t len)
{
	size_t	row;
	char	*s;

	if (x->view->nrows >= NODE_LOG_MAX_LINES)
		return;
	s = xstrndup(line, len);
	row = view_add_row(x->view);
	view_set_text(x->view, row, 0, s);
	free(s);
}

/*
 * Scripted mode streams as it comes; on a terminal, escapes are shown
 * escaped.
 */
static void
node_exec_out(const char *data, size_t len, void *arg)
{
	struct node_exec	*x = arg;
	struct buf		 b;
	char			*nl;

	if (x->stream) {
		if (x->cmd->env->flags & CMD_ENV_TTY) {
			buf_init(&b);
			for (; len > 0; data = nl + 1) {
				/* Keep the newlines; escape everything else a server sends. */
				if ((nl = memchr(data, '\n', len)) == NULL) {
					util_sanitize(&b, data, len);
					break;
				}
				util_sanitize(&b, data, (size_t)(nl - data));
				buf_addc(&b, '\n');
				len -= (size_t)(nl - data) + 1;
			}
			fwrite(b.data, 1, b.len, stdout);
			buf_free(&b);
		} else
			fwrite(data, 1, len, stdout);
		fflush(stdout);
		return;
	}
	buf_add(&x->out, data, len);
	while ((nl = memchr(x->out.data, '\n', x->out.len)) != NULL) {
		node_exec_line(x, x->out.data, (size_t)(nl - x->out.data));
		buf_consume(&x->out, (size_t)(nl - x->out.data) + 1);
	}
}

/* Only the first 4 KiB: enough for the reason a restart or a log failed. */
static void
node_exec_err(const char *data, size_t len, void *arg)
{
	struct node_exec	*x = arg;

	if (x->err.len < 4096)
		buf_add(&x->err, data, len < 4096 ? len : 4096);
}

/* Cancel the exec first: its callbacks must not reach freed state. */
static void
node_exec_free(struct node_exec *x)
{
	if (x->inflight && x->ex != NULL)
		ssh_exec_cancel(x->ex);
	buf_free(&x->out);
	buf_free(&x->err);
	view_free(x->view);
	free(x);
}

/* C-c ends a followed log: the channel is closed and the command with it. */
static void
node_exec_cancel(struct cmd *c)
{
	node_exec_free(c->state);
	c->state = NULL;
}

/* The command ended: its exit status says what the operator sees. */
static void
node_exec_done(struct ssh_exec *ex, int status, enum ssh_error error, const char *msg,
    void *arg)
{
	struct node_exec	*x = arg;
	struct cmd		*c = x->cmd;
	const char		*err;
	char			*nl;

	(void)ex;
	x->inflight = 0;
	x->ex = NULL;
	if (x->out.len > 0 && !x->stream)
		node_exec_line(x, x->out.data, x->out.len);
	err = buf_str(&x->err);
	if ((nl = strchr(err, '\n')) != NULL)
		*nl = '\0';
	if (error != SSH_OK)
		cmd_error(c, (enum cmd_exit)ssh_error_exit(error), "%s: %s: %s",
		    c->entry->name, c->argv[0], msg != NULL ? msg : ssh_error_string(error));
	else if (status == 127)
		cmd_error(c, CMD_EXIT_FAIL, "%s: %s has neither docker nor systemd",
		    c->entry->name, c->argv[0]);
	else if (status != 0)
		cmd_error(c, CMD_EXIT_FAIL, "%s: %s on %s: %s", c->entry->name,
		    c->argv[1], c->argv[0], *err != '\0' ? err : "failed");
	else if (c->entry == &service_restart_entry)
		cmd_message(c, "%s restarted on %s", c->argv[1], c->argv[0]);
	else if (!x->stream) {
		c->view = x->view;
		x->view = NULL;
	}
	c->state = NULL;
	node_exec_free(x);
	cmd_finish(c);
}

/* node logs and service restart both run one command on the node's session. */
static enum cmd_retval
node_exec_run(struct cmd *c, char *command)
{
	struct node_exec	*x;
	struct ssh_session	*ss;
	struct ssh_exec		*ex;
	char			*cause = NULL;

	if ((ss = ssh_node_session(c->env, c->argv[0], &cause)) == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: %s", c->entry->name, cause);
		free(cause);
		free(command);
		return (CMD_RETURN_NORMAL);
	}
	x = xcalloc(1, sizeof *x);
	x->cmd = c;
	buf_init(&x->out);
	buf_init(&x->err);
	x->stream = c->entry == &node_logs_entry && !(c->env->flags & CMD_ENV_BATCH) &&
	    c->env->confirm == NULL;
	x->view = view_new("Log");
	view_add_column(x->view, "line", VIEW_TEXT);
	c->state = x;
	c->cancel = node_exec_cancel;
	x->inflight = 1;
	ex = ssh_exec_start(ss, command, cmd_flag(c, "follow") ? 0 :
	    (c->env->timeout_ms > 0 ? c->env->timeout_ms * 6 : 60000), node_exec_out,
	    node_exec_err, node_exec_done, x);
	if (x->inflight)
		x->ex = ex;
	free(command);
	return (c->finished ? CMD_RETURN_NORMAL : CMD_RETURN_WAIT);
}

/*
 * Refused before anything runs: an unknown node or a name the shell would
 * read.
 */
static int
node_exec_check(struct cmd *c)
{
	if (inventory_node(c->env->inv, c->argv[0]) == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: no node named '%s'", c->entry->name,
		    c->argv[0]);
		return (-1);
	}
	if (!nodestat_name_ok(c->argv[1])) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: '%s' is not a unit or container name",
		    c->entry->name, c->argv[1]);
		return (-1);
	}
	return (0);
}

/* The last N lines, or with --follow all that come until interrupted. */
static enum cmd_retval
node_logs_exec(struct cmd *c)
{
	const char	*v;
	char		*end;
	long		 lines = 100;

	if (node_exec_check(c) != 0)
		return (CMD_RETURN_NORMAL);
	if ((v = cmd_opt(c, "lines")) != NULL) {
		lines = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || lines < 0 || lines > 1000000) {
			cmd_error(c, CMD_EXIT_USAGE, "node logs: --lines wants 0 to 1000000");
			return (CMD_RETURN_NORMAL);
		}
	}
	return (node_exec_run(c, node_logs_command(c->argv[1], cmd_flag(c, "follow"),
	    (int)lines)));
}

const struct cmd_entry node_logs_entry = {
	.name = "node logs",
	.args = { "follow|f lines=|n", 2, 2 },
	.usage = "[--follow] [--lines N] NODE UNIT|CONTAINER",
	.help = "Show (or follow) the journal of a systemd unit or the log of a container.",
	.flags = CMD_INVENTORY,
	.exec = node_logs_exec,
};

/* Confirmed and audited by cmd_run (CMD_DESTRUCTIVE): here it only runs. */
static enum cmd_retval
service_restart_exec(struct cmd *c)
{
	if (node_exec_check(c) != 0)
		return (CMD_RETURN_NORMAL);
	return (node_exec_run(c, node_restart_command(c->argv[1])));
}

const struct cmd_entry service_restart_entry = {
	.name = "service restart",
	.args = { "", 2, 2 },
	.usage = "NODE UNIT|CONTAINER",
	.help = "Restart a systemd unit or a container on a node (asks first).",
	.flags = CMD_INVENTORY | CMD_CHANGES | CMD_DESTRUCTIVE,
	.exec = service_restart_exec,
};

/* ------------------------------------------------------------ the plugin */

static const struct cmd_entry *const node_commands[] = {
	&node_status_entry,
	&node_logs_entry,
	&service_restart_entry,
	&node_watch_entry,
	&node_exec_entry,
	&node_put_entry,
	&node_get_entry,
	&node_ssh_watch_entry,
	&node_ssh_stress_entry,
	NULL
};

const struct plugin plugin_node = {
	.api_version = PLUGIN_API_VERSION,
	.name = "node",
	.version = PACKAGE_VERSION,
	.description = "Nodes over SSH: figures, logs, containers and units",
	.commands = node_commands,
};

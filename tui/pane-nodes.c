/*
 * The Nodes pane: one live sampler per inventory node (backends/nodestat.c,
 * made by the node plugin's node_sampler, so the pane and node status read
 * the same figures), started when the pane is first shown and kept for the
 * sparklines' history. Enter opens a node: its cores, mounts, interfaces,
 * containers and units; Enter (or L) on a container or unit follows its log
 * over the node's session, with search and pause; R restarts it through the
 * service restart command, which asks first.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "backends/http.h"
#include "backends/nodestat.h"
#include "backends/ssh.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/node/node.h"
#include "tui/pane-nodes.h"
#include "tui/tui.h"

#define PANE_NODES_LOG_LINES	200	/* of history when a log opens */
#define PANE_NODES_LOG_MAX	100000	/* lines kept; later ones are dropped */
#define PANE_NODES_HIDDEN_MS	5000	/* sampling while no node pane shows */

static struct pane_nodes	*pane_nodes_self;

/* One state for the three panes, made when first needed. */
struct pane_nodes *
pane_nodes_get(void)
{
	struct pane_nodes	*pn;

	if (pane_nodes_self != NULL)
		return (pane_nodes_self);
	pn = pane_nodes_self = xcalloc(1, sizeof *pn);
	pane_init(&pn->detail, &pane_nodes_detail);
	pane_init(&pn->log, &pane_nodes_log);
	buf_init(&pn->partial);
	pn->wrap = 0;
	return (pn);
}

/* ------------------------------------------------------------ the node detail's table */

/* Containers, then units: the rows Enter, L and R act on. */
static void
pane_nodes_detail_build(struct tui *t)
{
	struct pane_nodes		*pn = pane_nodes_get();
	struct nodestat			*ns;
	const struct nodestat_container	*c;
	const struct nodestat_unit	*u;
	struct view			*v;
	const char			*why;
	size_t				 i, n, row;

	if (pn->node >= pn->n || (ns = pn->nodes[pn->node].ns) == NULL)
		return;
	v = view_new("Node");
	view_add_column(v, "kind", VIEW_TEXT);
	view_add_column(v, "name", VIEW_TEXT);
	view_add_column(v, "state", VIEW_STATE);
	view_add_column(v, "detail", VIEW_TEXT);
	view_add_column(v, "what", VIEW_TEXT);
	c = nodestat_containers(ns, &n, &why);
	for (i = 0; i < n; i++) {
		row = view_add_row(v);
		view_set_text(v, row, 0, "container");
		view_set_text(v, row, 1, c[i].name);
		view_set_text(v, row, 2, *c[i].health != '\0' ? c[i].health : c[i].state);
		view_set_text(v, row, 3, c[i].status);
		view_set_text(v, row, 4, *c[i].ports != '\0' ? c[i].ports : c[i].image);
	}
	if (n == 0 && why != NULL) {
		row = view_add_row(v);
		view_set_text(v, row, 0, "container");
		view_set_text(v, row, 1, "");
		view_set_text(v, row, 2, "-");
		view_set_text(v, row, 3, why);
		view_set_text(v, row, 4, "");
	}
	u = nodestat_units(ns, &n, &why);
	for (i = 0; i < n; i++) {
		row = view_add_row(v);
		view_set_text(v, row, 0, "unit");
		view_set_text(v, row, 1, u[i].name);
		view_set_text(v, row, 2, u[i].active);
		view_set_text(v, row, 3, u[i].sub);
		view_set_text(v, row, 4, u[i].description);
	}
	if (n == 0 && why != NULL) {
		row = view_add_row(v);
		view_set_text(v, row, 0, "unit");
		view_set_text(v, row, 1, "");
		view_set_text(v, row, 2, "-");
		view_set_text(v, row, 3, why);
		view_set_text(v, row, 4, "");
	}
	pane_set_view(t, &pn->detail, v);
}

/*
 * A sampler has news: redraw if a node pane shows, rebuild the detail's
 * rows.
 */
static void
pane_nodes_sampled(struct nodestat *ns, void *arg)
{
	struct pane_nodes	*pn = pane_nodes_get();
	struct tui		*t = tui_self;
	size_t			 i = (size_t)((struct pane_nodes_node *)arg - pn->nodes);

	if (t == NULL)
		return;
	if (t->cur == &pn->detail && i == pn->node)
		pane_nodes_detail_build(t);
	if (t->cur == &pn->detail || t->cur->type == &pane_nodes || t->cur == &pn->log)
		t->dirty = 1;
	else	/* nobody looks: keep the history going, slower */
		nodestat_set_interval(ns, PANE_NODES_HIDDEN_MS);
}

/*
 * The SSH pool's state changes (lost, back) show at once, not at the next
 * sample.
 */
static void
pane_nodes_session_changed(struct ssh_session *ss, enum ssh_state st, void *arg)
{
	(void)ss;
	(void)st;
	(void)arg;
	if (tui_self != NULL)
		tui_self->dirty = 1;
}

/* ------------------------------------------------------------ Nodes */

/* Samplers start with the pane, not the console: no SSH until someone looks. */
static void
pane_nodes_start(struct tui *t, struct pane *p)
{
	struct pane_nodes	*pn = pane_nodes_get();
	struct cmd_env		*env = t->env;
	struct view		*v;
	char			*cause = NULL;
	size_t			 i, row;

	if (pn->started)
		return;
	if (env->inv == NULL) {
		if (env->inv_path == NULL)
			env->inv_path = inventory_default_path();
		if ((env->inv = inventory_load(env->inv_path, 0, &cause)) == NULL) {
			free(p->why);
			p->why = cause;
			return;
		}
	}
	pn->started = 1;
	pn->n = env->inv->nnodes;
	pn->nodes = xcalloc(pn->n + 1, sizeof *pn->nodes);
	v = view_new("Nodes");
	view_add_column(v, "node", VIEW_TEXT);
	view_add_column(v, "roles", VIEW_TEXT);
	for (i = 0; i < pn->n; i++) {
		pn->nodes[i].inv = &env->inv->nodes[i];
		row = view_add_row(v);
		view_set_text(v, row, 0, env->inv->nodes[i].name);
		pn->nodes[i].ns = node_sampler(env, &env->inv->nodes[i], &pn->http,
		    pane_nodes_sampled, &pn->nodes[i], &pn->nodes[i].why);
		if (pn->nodes[i].ns == NULL)
			continue;
		if (nodestat_session(pn->nodes[i].ns) != NULL)
			ssh_session_watch(nodestat_session(pn->nodes[i].ns),
			    pane_nodes_session_changed, pn);
		nodestat_start(pn->nodes[i].ns);
	}
	pane_set_view(t, p, v);
}

/* Shown again: back to a sample a second, and one now. */
static void
pane_nodes_show(struct tui *t, struct pane *p)
{
	struct pane_nodes	*pn = pane_nodes_get();
	size_t			 i;

	if (pn->started) {
		for (i = 0; i < pn->n; i++) {
			if (pn->nodes[i].ns == NULL)
				continue;
			nodestat_set_interval(pn->nodes[i].ns, 1000);
			nodestat_sample_now(pn->nodes[i].ns);
		}
	}
	pane_nodes_start(t, p);
}

/* The r key: every node now, containers and units too. */
static void
pane_nodes_reload(struct tui *t, struct pane *p)
{
	struct pane_nodes	*pn = pane_nodes_get();
	size_t			 i;

	pane_nodes_start(t, p);
	for (i = 0; i < pn->n; i++) {
		if (pn->nodes[i].ns != NULL)
			nodestat_refresh(pn->nodes[i].ns);
	}
	t->dirty = 1;
}

/* Enter on a node: its detail, built from the sampler it already has. */
static void
pane_nodes_open(struct tui *t, struct pane *p, size_t row)
{
	struct pane_nodes	*pn = pane_nodes_get();

	(void)p;
	if (row >= pn->n)
		return;
	if (pn->nodes[row].ns == NULL) {
		tui_message(t, THEME_ERROR, "%s: %s", pn->nodes[row].inv->name,
		    pn->nodes[row].why != NULL ? pn->nodes[row].why : "no sampler");
		return;
	}
	if (pn->node != row || pn->detail.own == NULL) {
		pn->node = row;
		pane_set_view(t, &pn->detail, NULL);
	}
	pane_nodes_detail_build(t);
	tui_show(t, &pn->detail, 1);
}

static void	pane_nodes_log_stop(struct pane_nodes *);

/* The tab's free frees the pushed panes, the samplers and the log's exec. */
static void
pane_nodes_free(struct pane *p)
{
	struct pane_nodes	*pn = pane_nodes_self;
	size_t			 i;

	(void)p;
	if (pn == NULL)
		return;
	pane_nodes_log_stop(pn);
	pane_free(&pn->detail);
	pane_free(&pn->log);
	for (i = 0; i < pn->n; i++) {
		if (pn->nodes[i].ns != NULL && nodestat_session(pn->nodes[i].ns) != NULL)
			ssh_session_unwatch(nodestat_session(pn->nodes[i].ns),
			    pane_nodes_session_changed, pn);
		nodestat_free(pn->nodes[i].ns);
		free(pn->nodes[i].why);
	}
	free(pn->nodes);
	if (pn->http != NULL)
		http_free(pn->http);
	buf_free(&pn->partial);
	free(pn->log_name);
	free(pn->log_status);
	free(pn->search);
	free(pn);
	pane_nodes_self = NULL;
}

const struct pane_type pane_nodes = {
	.name = "Nodes",
	.empty = "No nodes in the inventory.",
	.hints = "Enter node  r sample now",
	.show = pane_nodes_show,
	.reload = pane_nodes_reload,
	.open = pane_nodes_open,
	.free = pane_nodes_free,
	.draw = pane_nodes_draw_list,
};

/* ------------------------------------------------------------ Node (detail) */

/* The r key in the Node pane: this node now. */
static void
pane_nodes_detail_reload(struct tui *t, struct pane *p)
{
	struct pane_nodes	*pn = pane_nodes_get();

	(void)p;
	if (pn->node < pn->n && pn->nodes[pn->node].ns != NULL)
		nodestat_refresh(pn->nodes[pn->node].ns);
	t->dirty = 1;
}

static void	pane_nodes_log_open(struct tui *, size_t node, const char *name);

/* Enter on a container or unit follows its log. */
static void
pane_nodes_detail_open(struct tui *t, struct pane *p, size_t row)
{
	struct pane_nodes	*pn = pane_nodes_get();
	const struct view_cell	*name;

	if (p->own == NULL || row >= p->own->nrows)
		return;
	name = view_cell(p->own, row, 1);
	if (name->text == NULL || *name->text == '\0')
		return;
	pane_nodes_log_open(t, pn->node, name->text);
}

const struct pane_type pane_nodes_detail = {
	.name = "Node",
	.empty = "Listing containers and units...",
	.hints = "Enter/L log  R restart  r refresh",
	.reload = pane_nodes_detail_reload,
	.open = pane_nodes_detail_open,
	.draw = pane_nodes_draw_detail,
};

/* ------------------------------------------------------------ Node log */

/* Closing the channel ends journalctl -f or docker logs -f on the node. */
static void
pane_nodes_log_stop(struct pane_nodes *pn)
{
	if (pn->inflight && pn->ex != NULL)
		ssh_exec_cancel(pn->ex);
	pn->inflight = 0;
	pn->ex = NULL;
}

/* Lines past PANE_NODES_LOG_MAX are dropped rather than eat memory. */
static void
pane_nodes_log_line(struct pane_nodes *pn, const char *s, size_t len)
{
	struct view	*v = pn->log.own;
	size_t		 row;
	char		*line;

	if (v == NULL || v->nrows >= PANE_NODES_LOG_MAX)
		return;
	line = xstrndup(s, len);
	row = view_add_row(v);
	view_set_text(v, row, 0, line);
	free(line);
}

/*
 * The cursor follows new lines only when it was on the last one and not
 * paused.
 */
static void
pane_nodes_log_out(const char *data, size_t len, void *arg)
{
	struct pane_nodes	*pn = arg;
	struct table_model	*m = &pn->log.table.model;
	size_t			 before = pn->log.own != NULL ? pn->log.own->nrows : 0;
	int			 at_end = m->nshown == 0 || m->cur + 1 >= m->nshown;
	char			*nl;

	buf_add(&pn->partial, data, len);
	while ((nl = memchr(pn->partial.data, '\n', pn->partial.len)) != NULL) {
		pane_nodes_log_line(pn, pn->partial.data, (size_t)(nl - pn->partial.data));
		buf_consume(&pn->partial, (size_t)(nl - pn->partial.data) + 1);
	}
	if (pn->log.own == NULL || pn->log.own->nrows == before)
		return;
	table_model_changed(m, before);
	if (at_end && !pn->paused)
		table_move_to(&pn->log.table, SIZE_MAX);
	if (tui_self != NULL && tui_self->cur == &pn->log)
		tui_self->dirty = 1;
}

/* The log command ended or the session went: the status line says which. */
static void
pane_nodes_log_done(struct ssh_exec *ex, int status, enum ssh_error error,
    const char *msg, void *arg)
{
	struct pane_nodes	*pn = arg;

	(void)ex;
	pn->inflight = 0;
	pn->ex = NULL;
	pn->ended = 1;
	if (pn->partial.len > 0) {
		pane_nodes_log_out("\n", 1, pn);
	}
	free(pn->log_status);
	if (error != SSH_OK)
		pn->log_status = xprintf("lost: %s", msg != NULL ? msg : ssh_error_string(error));
	else if (status == 127)
		pn->log_status = xstrdup("neither docker nor journalctl on the node");
	else
		pn->log_status = xprintf("ended (exit status %d)", status);
	if (tui_self != NULL)
		tui_self->dirty = 1;
}

/* journalctl and docker logs write to both: stderr lines go in the log too. */
static void
pane_nodes_log_err(const char *data, size_t len, void *arg)
{
	pane_nodes_log_out(data, len, arg);
}

/* Follow a unit's journal or a container's log on the node's session. */
static void
pane_nodes_log_open(struct tui *t, size_t node, const char *name)
{
	struct pane_nodes	*pn = pane_nodes_get();
	struct ssh_session	*ss;
	struct ssh_exec		*ex;
	struct view		*v;
	char			*cmd, *cause = NULL;

	if (!nodestat_name_ok(name)) {
		tui_message(t, THEME_ERROR, "'%s' is not a unit or container name", name);
		return;
	}
	ss = pn->nodes[node].ns != NULL ? nodestat_session(pn->nodes[node].ns) : NULL;
	if (ss == NULL && (ss = ssh_node_session(t->env, pn->nodes[node].inv->name,
	    &cause)) == NULL) {
		tui_message(t, THEME_ERROR, "%s", cause);
		free(cause);
		return;
	}
	pane_nodes_log_stop(pn);
	buf_reset(&pn->partial);
	free(pn->log_name);
	pn->log_name = xstrdup(name);
	pn->log_node = node;
	free(pn->log_status);
	pn->log_status = NULL;
	pn->ended = 0;
	pn->paused = 0;
	v = view_new("log");
	view_add_column(v, "line", VIEW_TEXT);
	pane_set_view(t, &pn->log, NULL);
	pane_set_view(t, &pn->log, v);
	cmd = node_logs_command(name, 1, PANE_NODES_LOG_LINES);
	pn->inflight = 1;
	ex = ssh_exec_start(ss, cmd, 0, pane_nodes_log_out, pane_nodes_log_err,
	    pane_nodes_log_done, pn);
	if (pn->inflight)
		pn->ex = ex;
	free(cmd);
	tui_show(t, &pn->log, 1);
}

/* The r key: the same log from its last lines again. */
static void
pane_nodes_log_reload(struct tui *t, struct pane *p)
{
	struct pane_nodes	*pn = pane_nodes_get();
	char			*name;

	(void)p;
	if (pn->log_name == NULL)
		return;
	name = xstrdup(pn->log_name);
	tui_back(t);
	pane_nodes_log_open(t, pn->log_node, name);
	free(name);
}

const struct pane_type pane_nodes_log = {
	.name = "Node log",
	.empty = "No log.",
	.hints = "/ search  n/N next  e/E errors  p pause  w wrap  r again",
	.reload = pane_nodes_log_reload,
	.draw = pane_nodes_draw_log,
};

/* ------------------------------------------------------------ commands the keys run */

/* The node and the unit or container under the cursor of the Node pane. */
static const char *
pane_nodes_target(struct cmd *c, const char **node)
{
	struct pane_nodes	*pn = pane_nodes_get();
	struct pane		*p = tui_self != NULL ? tui_self->cur : NULL;
	const struct view_cell	*name;
	size_t			 row;

	if (p == &pn->log && pn->log_name != NULL) {
		*node = pn->nodes[pn->log_node].inv->name;
		return (pn->log_name);
	}
	if (p != &pn->detail || p->own == NULL ||
	    (row = table_current(&p->table)) >= p->own->nrows) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: only on a unit or container of the Node"
		    " pane", c->entry->name);
		return (NULL);
	}
	name = view_cell(p->own, row, 1);
	if (name->text == NULL || *name->text == '\0') {
		cmd_error(c, CMD_EXIT_USAGE, "%s: no unit or container here", c->entry->name);
		return (NULL);
	}
	*node = pn->nodes[pn->node].inv->name;
	return (name->text);
}

/* The L key: the log of the row under the cursor. */
static enum cmd_retval
pane_nodes_cmd_logs(struct cmd *c)
{
	const char	*node, *name;

	if ((name = pane_nodes_target(c, &node)) != NULL)
		pane_nodes_log_open(tui_self, pane_nodes_get()->node, name);
	return (CMD_RETURN_NORMAL);
}

/* The R key hands a command line to service restart, which asks first. */
static enum cmd_retval
pane_nodes_cmd_restart(struct cmd *c)
{
	const char	*node, *name;
	char		*line;

	if ((name = pane_nodes_target(c, &node)) == NULL)
		return (CMD_RETURN_NORMAL);
	/* The command asks first and names what it restarts. */
	line = xprintf("service restart %s %s", node, name);
	tui_run_line(tui_self, line);
	free(line);
	return (CMD_RETURN_NORMAL);
}

/* Log commands only make sense in the Node log pane. */
static struct pane *
pane_nodes_log_here(struct cmd *c)
{
	struct pane_nodes	*pn = pane_nodes_get();

	if (tui_self == NULL || tui_self->cur != &pn->log || pn->log.own == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: only in the Node log pane", c->entry->name);
		return (NULL);
	}
	return (&pn->log);
}

/* The words of a search typed at the prompt, as one text. */
static char *
pane_nodes_join(struct cmd *c)
{
	struct buf	b;
	int		i;

	buf_init(&b);
	for (i = 0; i < c->argc; i++)
		buf_printf(&b, "%s%s", i ? " " : "", c->argv[i]);
	return (buf_steal(&b));
}

/* A search pauses the log so the match stays under the cursor. */
static enum cmd_retval
pane_nodes_cmd_search(struct cmd *c)
{
	struct pane_nodes	*pn = pane_nodes_get();
	struct pane		*p;

	if ((p = pane_nodes_log_here(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	if (c->argc > 0 && *c->argv[0] != '\0') {
		free(pn->search);
		pn->search = pane_nodes_join(c);
	}
	if (pn->search == NULL)
		cmd_error(c, CMD_EXIT_USAGE, "nodes search: nothing searched yet (/ asks)");
	else if (pane_log_find(p, cmd_flag(c, "reverse"), pn->search) != 0)
		cmd_error(c, CMD_EXIT_FAIL, "nodes search: no line has '%s'", pn->search);
	else
		pn->paused = 1;		/* stay on the match while lines come */
	return (CMD_RETURN_NORMAL);
}

/* e and E: the next error line, paused there. */
static enum cmd_retval
pane_nodes_cmd_error(struct cmd *c)
{
	struct pane	*p;

	if ((p = pane_nodes_log_here(c)) != NULL &&
	    pane_log_find(p, cmd_flag(c, "reverse"), NULL) != 0)
		cmd_message(c, "no error lines");
	else if (p != NULL)
		pane_nodes_get()->paused = 1;
	return (CMD_RETURN_NORMAL);
}

/* p: paused, the node's output waits in the SSH channel (flow control). */
static enum cmd_retval
pane_nodes_cmd_pause(struct cmd *c)
{
	struct pane_nodes	*pn = pane_nodes_get();

	if (pane_nodes_log_here(c) == NULL)
		return (CMD_RETURN_NORMAL);
	pn->paused = !pn->paused;
	/* Paused, the node's output waits in the channel (flow control). */
	if (pn->inflight && pn->ex != NULL)
		ssh_exec_pause(pn->ex, pn->paused);
	if (!pn->paused)
		table_move_to(&pn->log.table, SIZE_MAX);
	tui_self->dirty = 1;
	cmd_message(c, "%s", pn->paused ? "paused" : "following");
	return (CMD_RETURN_NORMAL);
}

/* w: long lines wrap, or are cut at the edge. */
static enum cmd_retval
pane_nodes_cmd_wrap(struct cmd *c)
{
	struct pane_nodes	*pn = pane_nodes_get();

	if (pane_nodes_log_here(c) == NULL)
		return (CMD_RETURN_NORMAL);
	pn->wrap = !pn->wrap;
	tui_self->dirty = 1;
	cmd_message(c, "wrap %s", pn->wrap ? "on" : "off");
	return (CMD_RETURN_NORMAL);
}

static const struct cmd_entry pane_nodes_cmds[] = {
	{ .name = "nodes logs", .args = { "", 0, 0 }, .usage = "",
	  .help = "In the Node pane: follow the log of the unit or container.",
	  .exec = pane_nodes_cmd_logs },
	{ .name = "nodes restart", .args = { "", 0, 0 }, .usage = "",
	  .help = "In the Node pane: restart the unit or container (service restart).",
	  .exec = pane_nodes_cmd_restart },
	{ .name = "nodes search", .args = { "reverse", 0, -1 }, .usage = "[--reverse] [TEXT]",
	  .help = "In the Node log pane: the next line with TEXT (none: the last search).",
	  .exec = pane_nodes_cmd_search },
	{ .name = "nodes error", .args = { "reverse", 0, 0 }, .usage = "[--reverse]",
	  .help = "In the Node log pane: the next (or previous) error line.",
	  .exec = pane_nodes_cmd_error },
	{ .name = "nodes pause", .args = { "", 0, 0 }, .usage = "",
	  .help = "In the Node log pane: stop reading and scrolling, or go on.",
	  .exec = pane_nodes_cmd_pause },
	{ .name = "nodes wrap", .args = { "", 0, 0 }, .usage = "",
	  .help = "In the Node log pane: wrap long lines, or cut them.",
	  .exec = pane_nodes_cmd_wrap },
};

/* The commands the Nodes panes' keys run, in the one command table. */
void
pane_nodes_register(void)
{
	size_t	i;

	for (i = 0; i < sizeof pane_nodes_cmds / sizeof pane_nodes_cmds[0]; i++)
		cmd_register(&pane_nodes_cmds[i]);
}

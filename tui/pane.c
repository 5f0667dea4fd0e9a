/*
 * The panes of the console. Each is a table widget over a view plus a few
 * callbacks: the Overview probes every service with the checks of
 * "platform-tui status"; Nodes (tui/pane-nodes.c) shows the nodes live; the service
 * panes (DAGs, Spark, SQL, S3) list the services of their kinds with their
 * live state until their backends fill them; Result shows the view of the
 * last command; Help is generated from the key and command tables.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/cmd.h"
#include "core/cmdline.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/platform/status.h"
#include "tui/keys.h"
#include "tui/pane-nodes.h"
#include "tui/pane-s3.h"
#include "tui/pane-spark.h"
#include "tui/pane-sql.h"
#include "tui/tui.h"

void
pane_init(struct pane *p, const struct pane_type *type)
{
	memset(p, 0, sizeof *p);
	p->type = type;
	table_init(&p->table);
}

void
pane_free(struct pane *p)
{
	if (p->type != NULL && p->type->free != NULL)
		p->type->free(p);
	if (p->loading != NULL)
		cmd_cancel(p->loading);
	cmd_free(p->loading);
	cmd_free(p->shown);
	view_free(p->own);
	free(p->why);
	table_free(&p->table);
	memset(p, 0, sizeof *p);
}

/* Show a finished command's view (the pane owns the command from now). */
void
pane_set_cmd(struct tui *t, struct pane *p, struct cmd *c)
{
	struct cmd	*old = p->shown;

	p->shown = c;
	free(p->why);
	p->why = NULL;
	p->loaded = time(NULL);
	if (c != NULL && c->exit != CMD_EXIT_OK)
		p->why = xstrdup(c->error != NULL ? c->error : cmd_exit_name(c->exit));
	/* The same command again keeps cursor, filter and sort (the widget tells). */
	table_set_view(&p->table, c != NULL ? c->view : NULL);
	cmd_free(old);	/* after: the widget may look at the old view to keep its place */
	t->dirty = 1;
}

/* Show a view the pane built itself. */
void
pane_set_view(struct tui *t, struct pane *p, struct view *v)
{
	struct view	*old = p->own;

	p->own = v;
	table_set_view(&p->table, v);
	view_free(old);
	t->dirty = 1;
}

static void
pane_cmd_done(struct cmd *c, void *arg)
{
	struct pane	*p = arg;
	struct tui	*t = tui_self;

	p->loading = NULL;
	pane_set_cmd(t, p, c);
}

/* Run a command line for a pane's content; its view replaces the shown one. */
int
pane_run(struct tui *t, struct pane *p, const char *line)
{
	struct cmd	*c;
	char		**argv, *cause = NULL;
	int		  argc;

	if (p->loading != NULL)
		return (0);
	if ((argc = cmdline_split(line, strlen(line), &argv, &cause)) < 0) {
		tui_message(t, THEME_ERROR, "%s", cause);
		free(cause);
		return (-1);
	}
	c = cmd_parse(t->env, argc, argv, &cause);
	cmdline_free(argv);
	if (c == NULL) {
		tui_message(t, THEME_ERROR, "%s", cause);
		free(cause);
		return (-1);
	}
	p->loading = c;
	t->dirty = 1;
	cmd_run(c, pane_cmd_done, p);
	return (0);
}

/* The pane Enter on an Overview row of this kind goes to. */
struct pane *
pane_for_kind(struct tui *t, const char *kind)
{
	size_t	i, k;

	for (i = 0; i < t->npanes; i++) {
		const char *const *kinds = t->panes[i].type->kinds;

		for (k = 0; kinds != NULL && kinds[k] != NULL; k++) {
			if (strcmp(kinds[k], kind) == 0)
				return (&t->panes[i]);
		}
	}
	return (NULL);
}

/*
 * The service whose Overview row Enter was pressed on to open this pane, when
 * that is how it came and the row's kind is one of kinds; else NULL.
 */
const char *
pane_opened_for(struct tui *t, const char *const *kinds)
{
	const struct pane	*from = t->nback > 0 ? t->back[t->nback - 1] : NULL;
	const struct view	*v;
	const char		*kind;
	ssize_t			 name, kcol;
	size_t			 r, k;

	if (from != &t->panes[0] || (v = from->table.view) == NULL ||
	    (r = table_model_current(&from->table.model)) == SIZE_MAX ||
	    (name = view_column_index(v, "service")) < 0 ||
	    (kcol = view_column_index(v, "kind")) < 0 ||
	    (kind = view_cell(v, r, (size_t)kcol)->text) == NULL)
		return (NULL);
	for (k = 0; kinds[k] != NULL; k++) {
		if (strcmp(kind, kinds[k]) == 0)
			return (view_cell(v, r, (size_t)name)->text);
	}
	return (NULL);
}

/* ------------------------------------------------------------ Overview */

/* Every endpoint's state in one string, to tell whether anything changed. */
static char *
pane_overview_states(const struct view *v)
{
	struct buf	b;
	ssize_t		col = view_column_index(v, "state");
	size_t		r;

	buf_init(&b);
	for (r = 0; col >= 0 && r < v->nrows; r++) {
		const struct view_cell *cell = view_cell(v, r, (size_t)col);

		buf_printf(&b, "%s,", cell->text != NULL ? cell->text : "");
	}
	buf_addc(&b, '\0');
	return (b.data);
}

static void
pane_overview_done(struct status_run *run, void *arg)
{
	struct pane	*p = arg;
	struct tui	*t = tui_self;
	struct cmd	*c = p->loading;
	char		*sig;

	status_run_free(run);
	c->state = NULL;
	c->cancel = NULL;
	p->loading = NULL;
	/* A change of any state brings the checks back to their normal pace. */
	sig = pane_overview_states(c->view);
	if (p->data == NULL || strcmp(p->data, sig) != 0)
		t->refresh_ms = TUI_REFRESH_MS;
	free(p->data);
	p->data = sig;
	pane_set_cmd(t, p, c);
	pane_status_changed(t);
	loop_timer_start(&t->refresh, (uint64_t)t->refresh_ms);
}

/* Probe every service again; the rows fill in as answers arrive. */
static void
pane_overview_refresh(struct tui *t, struct pane *p)
{
	char		*argv[] = { "status", NULL }, *cause = NULL;
	struct cmd	*c;

	if (p->loading != NULL)
		return;
	if ((c = cmd_parse(t->env, 1, argv, &cause)) == NULL) {
		tui_message(t, THEME_ERROR, "%s", cause);
		free(cause);
		return;
	}
	loop_timer_stop(&t->refresh);
	if (cmd_inventory(c) != 0) {
		free(p->why);
		p->why = xstrdup(c->error);
		cmd_free(c);
		t->dirty = 1;
		return;
	}
	/* The run may end before status_start returns: loading must be set first. */
	p->loading = c;
	if (status_start(c, pane_overview_done, p) != 0) {
		free(p->why);
		p->why = xstrdup(c->error);
		p->loading = NULL;
		cmd_free(c);
		return;
	}
	if (p->shown == NULL)
		table_set_view(&p->table, c->view);
	t->dirty = 1;
}

static void
pane_overview_show(struct tui *t, struct pane *p)
{
	if (p->shown == NULL && p->loading == NULL)
		pane_overview_refresh(t, p);
}

/* Enter on a service goes to the pane of its kind. */
static void
pane_overview_open(struct tui *t, struct pane *p, size_t row)
{
	const struct view	*v = p->table.view;
	const struct view_cell	*cell;
	struct pane		*to;
	ssize_t			 col;

	if (v == NULL || (col = view_column_index(v, "kind")) < 0)
		return;
	cell = view_cell(v, row, (size_t)col);
	if (cell == NULL || cell->text == NULL)
		return;
	if ((to = pane_for_kind(t, cell->text)) == NULL) {
		tui_message(t, THEME_MUTED, "no pane for services of kind %s", cell->text);
		return;
	}
	tui_show(t, to, 1);
}

/* A probe run still going when the console quits is freed with its command. */
static void
pane_overview_free(struct pane *p)
{
	free(p->data);
	p->data = NULL;
	if (p->loading == NULL)
		return;
	status_run_free(p->loading->state);
	cmd_free(p->loading);
	p->loading = NULL;
}

const struct pane_type pane_overview = {
	.free = pane_overview_free,
	.name = "Overview",
	.empty = "No services in the inventory.",
	.hints = "Enter open",
	.show = pane_overview_show,
	.reload = pane_overview_refresh,
	.open = pane_overview_open,
};

/* ------------------------------------------------------------ services of a kind */

/* Rebuild the service panes from the Overview's latest probes. */
static void
pane_kind_build(struct tui *t, struct pane *p)
{
	const struct view	*sv;
	struct view		*v;
	const struct view_cell	*kind;
	static const char	*cols[] = { "service", "endpoint", "node", "state",
				    "latency", "detail", "checked" };
	size_t			 r, c, k, row;
	ssize_t			 from;

	sv = t->panes[0].table.view;
	if (sv == NULL || p->type->kinds == NULL)
		return;
	v = view_new(p->type->name);
	for (c = 0; c < sizeof cols / sizeof cols[0]; c++) {
		from = view_column_index(sv, cols[c]);
		view_add_column(v, cols[c], from >= 0 ? sv->cols[from].type : VIEW_TEXT);
	}
	for (r = 0; r < sv->nrows; r++) {
		kind = view_cell(sv, r, (size_t)view_column_index(sv, "kind"));
		for (k = 0; p->type->kinds[k] != NULL; k++) {
			if (kind->text != NULL && strcmp(kind->text, p->type->kinds[k]) == 0)
				break;
		}
		if (p->type->kinds[k] == NULL)
			continue;
		row = view_add_row(v);
		for (c = 0; c < sizeof cols / sizeof cols[0]; c++) {
			const struct view_cell *cell;

			if ((from = view_column_index(sv, cols[c])) < 0)
				continue;
			cell = view_cell(sv, r, (size_t)from);
			if (cell->isnum)
				view_set_num(v, row, c, cell->num);
			else if (cell->text != NULL)
				view_set_text(v, row, c, cell->text);
		}
	}
	pane_set_view(t, p, v);
}

static void	pane_kind_refresh(struct tui *, struct pane *);

/* The generic service panes follow the probes; a pane with its own loader does not. */
void
pane_status_changed(struct tui *t)
{
	size_t	i;

	for (i = 1; i < t->npanes; i++) {
		/* Panes with content of their own keep it; the others list services. */
		if (t->panes[i].type->kinds != NULL && t->panes[i].type->draw == NULL &&
		    t->panes[i].type->reload == pane_kind_refresh)
			pane_kind_build(t, &t->panes[i]);
	}
}

static void
pane_kind_refresh(struct tui *t, struct pane *p)
{
	(void)p;
	pane_overview_refresh(t, &t->panes[0]);
}

/* ------------------------------------------------------------ Result and Help */

const struct pane_type pane_result = {
	.name = "Result",
	.empty = "Run a command with ':' and its result shows here.",
};

static const struct pane_type pane_help = {
	.name = "Help",
	.empty = "No keys are bound.",
};

/* Help: every binding of every pane and every command, from their tables. */
void
pane_help_build(struct tui *t)
{
	const struct keys_binding	*b;
	const struct cmd_entry		*e;
	struct view			*v;
	char				 name[32], *usage;
	size_t				 i, row;

	v = view_new("Help");
	view_add_column(v, "key", VIEW_TEXT);
	view_add_column(v, "pane", VIEW_TEXT);
	view_add_column(v, "does", VIEW_TEXT);
	view_add_column(v, "command", VIEW_TEXT);
	for (i = 0; (b = keys_at(i)) != NULL; i++) {
		if (b->alias)
			continue;	/* the second code of Enter or Backspace */
		row = view_add_row(v);
		view_set_text(v, row, 0, keys_name(b->key, name, sizeof name));
		view_set_text(v, row, 1, b->pane != NULL ? b->pane : "all");
		view_set_text(v, row, 2, b->note != NULL ? b->note : b->command);
		view_set_text(v, row, 3, b->command);
	}
	for (i = 0; (e = cmd_table(i)) != NULL; i++) {
		if (e->flags & CMD_HIDDEN)
			continue;
		row = view_add_row(v);
		view_set_text(v, row, 0, ":");
		view_set_text(v, row, 1, "prompt");
		view_set_text(v, row, 2, e->help);
		usage = cmd_usage(e);
		view_set_text(v, row, 3, usage);
		free(usage);
	}
	pane_set_view(t, &t->help, v);
}

/* The tabs: Overview first (the service panes read its probes). */
void
pane_add_all(struct tui *t)
{
	static const struct pane_type *const types[] = {
		&pane_overview, &pane_nodes, &pane_dags, &pane_spark, &pane_sql,
		&pane_s3, &pane_deploy, &pane_vpn, &pane_result, NULL
	};
	size_t	i;

	pane_sql_register();
	pane_s3_register();
	pane_spark_register();
	pane_nodes_register();	/* the Node and Node log panes' commands */
	for (i = 0; types[i] != NULL && i < TUI_MAX_PANES; i++)
		pane_init(&t->panes[t->npanes++], types[i]);
	pane_dags_register();	/* the Airflow panes' commands (tui/pane-af-cmd.c) */
	pane_deploy_register(t);	/* progress lines and reloads (tui/pane-deploy.c) */
	pane_init(&t->help, &pane_help);
}

/* ------------------------------------------------------------ drawing */

/* A service pane whose services are all down says why and when it retries. */
static void
pane_draw_down(struct tui *t, struct pane *p, int y)
{
	const struct view	*v = p->table.view;
	const struct view_cell	*st, *detail;
	char			 when[32];
	time_t			 next;
	size_t			 r;

	if (v == NULL || v->nrows == 0 || p->type->kinds == NULL)
		return;
	for (r = 0; r < v->nrows; r++) {
		st = view_cell(v, r, 3);
		if (st->text == NULL || strcmp(st->text, "up") == 0 ||
		    strcmp(st->text, "checking") == 0)
			return;
	}
	detail = view_cell(v, 0, 5);
	next = t->panes[0].loaded + t->refresh_ms / 1000;
	strftime(when, sizeof when, "%H:%M:%S", localtime(&next));
	attrset(theme_attr(THEME_ERROR));
	mvprintw(y, 2, "%s is %s: ", view_cell(v, 0, 0)->text,
	    view_cell(v, 0, 3)->text);
	attrset(theme_attr(THEME_MUTED));
	table_put_text(detail->text != NULL ? detail->text : "", COLS - getcurx(stdscr) - 1);
	mvprintw(y + 1, 2, "next check at %s (r checks now)", when);
	attrset(A_NORMAL);
}

void
pane_draw(struct tui *t, struct pane *p, int y, int h)
{
	if (p->type->draw != NULL) {
		p->type->draw(t, p, y, h);
		return;
	}
	if (p->table.view != NULL && p->table.view->nrows > 0) {
		table_draw(&p->table, y, 0, h, COLS);
		if ((size_t)h > p->table.view->nrows + 4)
			pane_draw_down(t, p, y + (int)p->table.view->nrows + 2);
		return;
	}
	attrset(theme_attr(p->why != NULL ? THEME_ERROR : THEME_MUTED));
	if (p->why != NULL)
		table_put_text_at(y + 1, 2, p->why, COLS - 3);
	else if (p->loading != NULL)
		mvaddstr(y + 1, 2, "loading...");
	else
		mvaddnstr(y + 1, 2, p->type->empty, COLS - 3);
	attrset(A_NORMAL);
}

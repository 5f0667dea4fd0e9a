/*
 * The DAGs pane and the Runs pane it pushes: lists fetched a page at a time
 * through backends/airflow.h (the next page when the cursor nears the end),
 * reloaded on the loop, the DAGs' last runs drawn as coloured marks. What
 * keys do to a row runs as the Airflow commands ("dag trigger", "dag pause",
 * "run mark", "task clear"), so the console asks, audits and refuses
 * read-only exactly as scripted mode does.
 */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/airflow.h"
#include "core/cmd.h"
#include "core/cmdline.h"
#include "core/inventory.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/pane-airflow.h"
#include "tui/tui.h"

#define PANE_DAGS_MS	5000	/* the lists' pace while things change */

static const char *const pane_dags_kinds[] = { "airflow", NULL };

/* A list pane: DAGs, or the runs of the open DAG. */
struct pane_dags_list {
	struct pane_af_live	 live;		/* first: loads and changes */
	int			 runs;		/* runs of pane_af->dag, else DAGs */
	struct view		*next;		/* a reload being fetched, or NULL */
	size_t			 want;		/* rows to reload: as many as were shown */
	size_t			 total;		/* rows in the whole list */
	int			 appending;	/* the page goes on the view shown */
	int			 inflight;	/* a fetch's callback is still to come */
};

static void	pane_dags_load(struct tui *, struct pane *);
static void	pane_dags_fetch(struct tui *, struct pane *, size_t offset);

static struct pane_dags_list *
pane_dags_list(struct pane *p)
{
	struct pane_dags_list	*l;

	if (p->data != NULL)
		return (p->data);
	l = p->data = xcalloc(1, sizeof *l);
	pane_af_live_init(&l->live, p, PANE_DAGS_MS, pane_dags_load);
	l->runs = p->type == &pane_af_runs;
	return (l);
}

/* Rows of a page appended to a view with the same columns. */
static void
pane_dags_append(struct view *to, const struct view *from)
{
	const struct view_cell	*cell;
	size_t			 r, c, row;

	for (r = 0; r < from->nrows; r++) {
		row = view_add_row(to);
		for (c = 0; c < from->ncols && c < to->ncols; c++) {
			cell = view_cell(from, r, c);
			if (cell->isnum)
				view_set_num(to, row, c, cell->num);
			else if (cell->text != NULL)
				view_set_text(to, row, c, cell->text);
		}
	}
}

static void
pane_dags_page(struct af_result *res, void *arg)
{
	struct pane		*p = arg;
	struct tui		*t = tui_self;
	struct pane_dags_list	*l = pane_dags_list(p);
	struct view		*v = res->view;
	int			 changed;

	l->live.op = NULL;
	l->inflight = 0;
	if (res->error != AF_OK || v == NULL) {
		view_free(l->next);
		l->next = NULL;
		l->appending = 0;
		pane_af_live_done(t, &l->live, 0, res->message != NULL ? res->message :
		    "the API did not answer");
		return;
	}
	res->view = NULL;
	l->total = res->total;
	l->live.from_db = res->from_db;
	if (l->appending) {
		l->appending = 0;
		if (p->own != NULL)
			pane_dags_append(p->own, v);
		view_free(v);
		t->dirty = 1;
		return;
	}
	if (l->next == NULL) {
		free(v->title);
		v->title = l->runs ? xprintf("runs of %s", pane_af_get()->dag) :
		    xstrdup("DAGs");
		l->next = v;
	} else {
		if (v->nrows == 0)
			l->total = l->next->nrows;	/* shorter than it said: no more pages */
		pane_dags_append(l->next, v);
		view_free(v);
	}
	if (l->next->nrows < l->want && l->next->nrows < l->total) {
		pane_dags_fetch(t, p, l->next->nrows);
		return;
	}
	changed = pane_af_live_diff(&l->live, l->next, 0);
	v = l->next;
	l->next = NULL;
	pane_set_view(t, p, v);
	pane_af_live_done(t, &l->live, changed, NULL);
}

/* One page; the callback may come before this returns (usage errors). */
static void
pane_dags_fetch(struct tui *t, struct pane *p, size_t offset)
{
	struct pane_dags_list	*l = pane_dags_list(p);
	struct pane_af		*af = pane_af_get();
	struct af_op		*op;

	(void)t;
	l->inflight = 1;
	if (l->runs)
		op = af_runs_view(af->client, af->dag, offset, 0, pane_dags_page, p);
	else
		op = af_dags_view(af->client, NULL, offset, 0, pane_dags_page, p);
	if (l->inflight)
		l->live.op = op;
	t->dirty = 1;
}

/* Load the list again, as many rows as are shown, into a new view. */
static void
pane_dags_load(struct tui *t, struct pane *p)
{
	struct pane_dags_list	*l = pane_dags_list(p);
	char			*cause = NULL;

	if (l->live.op != NULL)
		return;
	if (pane_af_client(t, &cause) != 0) {
		pane_af_live_done(t, &l->live, 0, cause);
		free(cause);
		return;
	}
	view_free(l->next);
	l->next = NULL;
	l->want = p->own != NULL ? p->own->nrows : 0;
	pane_dags_fetch(t, p, 0);
}

/* The cursor near the end of what is loaded: the next page, on demand. */
static void
pane_dags_more(struct tui *t, struct pane *p, int h)
{
	struct pane_dags_list	*l = pane_dags_list(p);
	struct table_model	*m = &p->table.model;

	if (p->own == NULL || l->live.op != NULL || p->own->nrows >= l->total ||
	    m->expr != NULL || m->cur + (size_t)h < m->nshown)
		return;
	l->appending = 1;
	pane_dags_fetch(t, p, p->own->nrows);
}

/* ------------------------------------------------------------ drawing */

/* The recent column: one coloured mark per run, oldest first, newest kept. */
static const char *
pane_dags_letter_state(char ch)
{
	switch (ch) {
	case 's': return ("success");
	case 'f': return ("failed");
	case 'r': return ("running");
	case 'q': return ("queued");
	case 'u': return ("up_for_retry");
	case 'k': return ("skipped");
	default: return ("none");
	}
}

static int
pane_dags_cell(void *arg, size_t row, size_t col, int y, int x, int w, int cursor)
{
	struct pane		*p = arg;
	const struct view	*v = p->table.view;
	const char		*s, *state;
	size_t			 len, i;
	ssize_t			 rc;
	int			 attr = cursor ? theme_attr(THEME_SELECTION) : 0;

	if (v == NULL || (rc = view_column_index(v, "recent")) < 0 || (size_t)rc != col)
		return (0);
	s = view_cell(v, row, col)->text;
	attrset(attr);
	mvprintw(y, x, "%*s", w, "");
	if (s == NULL)
		return (1);
	len = strlen(s);
	i = len > (size_t)w ? len - (size_t)w : 0;	/* the newest when cut */
	for (move(y, x); i < len; i++) {
		state = pane_dags_letter_state(s[i]);
		attrset(cursor ? attr : theme_attr(pane_af_state_role(state)));
		addstr(pane_af_state_glyph(state));
	}
	attrset(attr);
	return (1);
}

static int
pane_dags_row_attr(void *arg, size_t row)
{
	struct pane	*p = arg;

	return (pane_af_live_bold(&pane_dags_list(p)->live, row));
}

static const struct table_hooks pane_dags_hooks = {
	.row_attr = pane_dags_row_attr,
	.cell = pane_dags_cell,
};

static void
pane_dags_draw(struct tui *t, struct pane *p, int y, int h)
{
	struct pane_dags_list	*l = pane_dags_list(p);
	struct pane_af		*af = pane_af_get();
	char			*what;

	p->table.hooks = &pane_dags_hooks;
	p->table.hooks_arg = p;
	what = l->runs ? xprintf("%s%sruns", af->dag, pane_af_sep()) : xstrdup("DAGs");
	pane_af_draw_title(t, &l->live, y, what);
	free(what);
	if (p->own == NULL) {
		attrset(theme_attr(l->live.error != NULL ? THEME_ERROR : THEME_MUTED));
		if (l->live.error != NULL)
			table_put_text_at(y + 2, 2, l->live.error, COLS - 3);
		else
			mvaddstr(y + 2, 2, "loading...");
		attrset(A_NORMAL);
		return;
	}
	table_draw(&p->table, y + 1, 0, h - 1, COLS);
	pane_dags_more(t, p, h);
}

/* ------------------------------------------------------------ pane types */

static void
pane_dags_show(struct tui *t, struct pane *p)
{
	pane_af_live_show(t, &pane_dags_list(p)->live);
}

static void
pane_dags_reload(struct tui *t, struct pane *p)
{
	struct pane_dags_list	*l = pane_dags_list(p);

	l->live.ms = l->live.base_ms;
	pane_dags_load(t, p);
}

/* Enter on a DAG: its runs, newest first. */
static void
pane_dags_open(struct tui *t, struct pane *p, size_t row)
{
	struct pane_af		*af = pane_af_get();
	struct pane_dags_list	*rl;
	const char		*dag = pane_af_cell(p->table.view, row, "dag_id");

	if (dag == NULL)
		return;
	rl = pane_dags_list(&af->runs);
	if (af->dag == NULL || strcmp(af->dag, dag) != 0) {
		free(af->dag);
		af->dag = xstrdup(dag);
		pane_af_live_restart(&rl->live);
		view_free(rl->next);
		rl->next = NULL;
		pane_set_view(t, &af->runs, NULL);
	}
	tui_show(t, &af->runs, 1);
	if (af->runs.own == NULL)
		pane_dags_load(t, &af->runs);
}

/* Enter on a run: the grid of its DAG with that run's column under the cursor. */
static void
pane_runs_open(struct tui *t, struct pane *p, size_t row)
{
	const char	*run = pane_af_cell(p->table.view, row, "run_id");

	if (run != NULL)
		pane_grid_open(t, run);
}

static void
pane_dags_free(struct pane *p)
{
	struct pane_dags_list	*l = p->data;

	if (l != NULL) {
		pane_af_live_free(&l->live);
		view_free(l->next);
		free(l);
		p->data = NULL;
	}
	if (p->type == &pane_dags)
		pane_af_free();
}

const struct pane_type pane_dags = {
	.name = "DAGs",
	.kinds = pane_dags_kinds,
	.empty = "No Airflow in the inventory.",
	.hints = "Enter runs  t trigger  T conf in $EDITOR  p pause/unpause ",
	.show = pane_dags_show,
	.reload = pane_dags_reload,
	.open = pane_dags_open,
	.free = pane_dags_free,
	.draw = pane_dags_draw,
};

const struct pane_type pane_af_runs = {
	.name = "Runs",
	.empty = "No runs.",
	.hints = "Enter grid  m success  f failed  c clear ",
	.show = pane_dags_show,
	.reload = pane_dags_reload,
	.open = pane_runs_open,
	.free = pane_dags_free,
	.draw = pane_dags_draw,
};

/* After an action: the lists and the grid load again in a second or two. */
int
pane_dags_poke(void)
{
	struct pane_af	*af = pane_af_get();
	struct tui	*t = tui_self;
	size_t		 i;

	for (i = 0; i < t->npanes; i++) {
		if (t->panes[i].type == &pane_dags && t->panes[i].data != NULL)
			pane_af_live_soon(&pane_dags_list(&t->panes[i])->live, 1500);
	}
	if (af->runs.data != NULL)
		pane_af_live_soon(&pane_dags_list(&af->runs)->live, 1500);
	pane_grid_poke();
	return (0);
}

/* The paused cell of a DAG in the DAGs pane, or NULL when it is not listed. */
const char *
pane_dags_paused(struct tui *t, const char *dag)
{
	const struct view	*v;
	const char		*id;
	size_t			 i, r;

	for (i = 0; i < t->npanes; i++) {
		if (t->panes[i].type != &pane_dags || (v = t->panes[i].own) == NULL)
			continue;
		for (r = 0; r < v->nrows; r++) {
			if ((id = pane_af_cell(v, r, "dag_id")) != NULL && strcmp(id, dag) == 0)
				return (pane_af_cell(v, r, "paused"));
		}
	}
	return (NULL);
}

/*
 * The Grid pane: a DAG's runs across (newest right) and its tasks down, each
 * cell a coloured state mark as in Airflow's grid view. The table model keeps
 * the row cursor (so j, k, the filter and paging work as everywhere); this
 * file keeps the column. The task instance under the cursor is shown at the
 * bottom from the run's task list, fetched when the column changes.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "backends/airflow.h"
#include "core/cmd.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/pane-airflow.h"
#include "tui/tui.h"

#define PANE_GRID_MS	3000	/* while cells change */
#define PANE_GRID_RUNS	60	/* runs fetched: more than a wide terminal shows */
#define PANE_GRID_NAME	28	/* the task column at most */

struct pane_grid {
	struct pane_af_live	 live;		/* first: loads and changes */
	size_t			 col;		/* the cursor's view column (1.. = runs) */
	size_t			 left;		/* first run column on screen */
	char			*want;		/* the run to put the cursor on, or NULL */
	struct view		*tasks;		/* task instances of the cursor's run */
	char			*tasks_run;	/* whose they are */
	struct af_op		*tasks_op;
	int			 tasks_inflight;
};

static void	pane_grid_load(struct tui *, struct pane *);

static struct pane_grid *
pane_grid_data(struct pane *p)
{
	struct pane_grid	*g;

	if (p->data != NULL)
		return (p->data);
	g = p->data = xcalloc(1, sizeof *g);
	pane_af_live_init(&g->live, p, PANE_GRID_MS, pane_grid_load);
	return (g);
}

static const char *
pane_grid_run(struct pane *p)
{
	struct pane_grid	*g = pane_grid_data(p);
	const struct view	*v = p->own;

	if (v == NULL || g->col == 0 || g->col >= v->ncols)
		return (NULL);
	return (v->cols[g->col].name);
}

static void
pane_grid_tasks_done(struct af_result *res, void *arg)
{
	struct pane		*p = arg;
	struct pane_grid	*g = pane_grid_data(p);

	g->tasks_op = NULL;
	g->tasks_inflight = 0;
	if (res->error == AF_OK && res->view != NULL) {
		view_free(g->tasks);
		g->tasks = res->view;
		res->view = NULL;
	}
	tui_self->dirty = 1;
}

/* The task instances of the run under the cursor, for the detail line. */
static void
pane_grid_tasks(struct tui *t, struct pane *p, int again)
{
	struct pane_grid	*g = pane_grid_data(p);
	struct pane_af		*af = pane_af_get();
	const char		*run = pane_grid_run(p);
	struct af_op		*op;

	(void)t;
	if (run == NULL || af->client == NULL)
		return;
	if (!again && g->tasks_run != NULL && strcmp(g->tasks_run, run) == 0)
		return;
	if (g->tasks_op != NULL)
		af_op_cancel(g->tasks_op);
	g->tasks_op = NULL;
	if (g->tasks_run == NULL || strcmp(g->tasks_run, run) != 0) {
		view_free(g->tasks);
		g->tasks = NULL;
	}
	free(g->tasks_run);
	g->tasks_run = xstrdup(run);
	g->tasks_inflight = 1;
	op = af_tasks_view(af->client, af->dag, run, pane_grid_tasks_done, p);
	if (g->tasks_inflight)
		g->tasks_op = op;
}

/* Keep the cursor on the same run when columns come and go; new runs appear right. */
static void
pane_grid_place(struct pane_grid *g, const struct view *v, const char *run)
{
	size_t	c;

	if (v->ncols < 2) {
		g->col = 0;
		return;
	}
	for (c = 1; run != NULL && c < v->ncols; c++) {
		if (strcmp(v->cols[c].name, run) == 0) {
			g->col = c;
			return;
		}
	}
	g->col = v->ncols - 1;	/* the newest */
}

static void
pane_grid_done(struct af_result *res, void *arg)
{
	struct pane		*p = arg;
	struct tui		*t = tui_self;
	struct pane_grid	*g = pane_grid_data(p);
	struct view		*v = res->view;
	char			*run, *title;
	int			 changed;

	g->live.op = NULL;
	if (res->error != AF_OK || v == NULL) {
		pane_af_live_done(t, &g->live, 0, res->message != NULL ? res->message :
		    "the API did not answer");
		return;
	}
	res->view = NULL;
	g->live.from_db = res->from_db;
	title = xprintf("grid of %s", pane_af_get()->dag);
	free(v->title);
	v->title = title;
	run = g->want != NULL ? g->want : (pane_grid_run(p) != NULL ?
	    xstrdup(pane_grid_run(p)) : NULL);
	g->want = NULL;
	changed = pane_af_live_diff(&g->live, v, 0);
	/* A new column set is another view to the table: the row cursor is kept by hand. */
	{
		size_t	row = table_model_current(&p->table.model);
		const char *was = row != SIZE_MAX ? pane_af_cell(p->own, row, "task_id") : NULL;
		char	*task = was != NULL ? xstrdup(was) : NULL;
		size_t	r;

		pane_set_view(t, p, v);
		row = table_model_current(&p->table.model);
		if (task != NULL && (row == SIZE_MAX || pane_af_cell(v, row, "task_id") == NULL ||
		    strcmp(pane_af_cell(v, row, "task_id"), task) != 0)) {
			for (r = 0; r < v->nrows; r++) {
				const char *id = pane_af_cell(v, r, "task_id");

				if (id != NULL && strcmp(id, task) == 0) {
					table_move_to(&p->table, r);
					break;
				}
			}
		}
		free(task);
	}
	pane_grid_place(g, v, run);
	free(run);
	pane_grid_tasks(t, p, 1);
	pane_af_live_done(t, &g->live, changed, NULL);
}

static void
pane_grid_load(struct tui *t, struct pane *p)
{
	struct pane_grid	*g = pane_grid_data(p);
	struct pane_af		*af = pane_af_get();
	char			*cause = NULL;

	if (g->live.op != NULL || af->dag == NULL)
		return;
	if (pane_af_client(t, &cause) != 0) {
		pane_af_live_done(t, &g->live, 0, cause);
		free(cause);
		return;
	}
	g->live.op = af_grid_view(af->client, af->dag, PANE_GRID_RUNS, pane_grid_done, p);
	t->dirty = 1;
}

/* Open the grid of pane_af->dag with the cursor on a run (NULL: the newest). */
void
pane_grid_open(struct tui *t, const char *run)
{
	struct pane_af		*af = pane_af_get();
	struct pane		*p = &af->grid;
	struct pane_grid	*g = pane_grid_data(p);
	char			*title = af->dag != NULL ? xprintf("grid of %s", af->dag) : NULL;

	if (p->own == NULL || title == NULL || strcmp(p->own->title, title) != 0) {
		pane_af_live_restart(&g->live);
		pane_set_view(t, p, NULL);
		view_free(g->tasks);
		g->tasks = NULL;
		free(g->tasks_run);
		g->tasks_run = NULL;
		g->left = 0;
	}
	free(title);
	free(g->want);
	g->want = run != NULL ? xstrdup(run) : NULL;
	if (p->own != NULL && run != NULL) {
		pane_grid_place(g, p->own, run);
		free(g->want);
		g->want = NULL;
		pane_grid_tasks(t, p, 0);
	}
	tui_show(t, p, 1);
	if (p->own == NULL)
		pane_grid_load(t, p);
}

void
pane_grid_poke(void)
{
	struct pane_af	*af = pane_af_get();

	if (af->grid.data != NULL)
		pane_af_live_soon(&pane_grid_data(&af->grid)->live, 1500);
}

int
pane_grid_cursor(const char **run, const char **task)
{
	struct pane_af	*af = pane_af_get();
	struct pane	*p = &af->grid;
	size_t		 row = table_current(&p->table);

	*run = pane_grid_run(p);
	*task = row != SIZE_MAX ? pane_af_cell(p->own, row, "task_id") : NULL;
	return (*run != NULL ? 0 : -1);
}

/* ------------------------------------------------------------ drawing */

/* The task instance under the cursor: try, duration, host, operator. */
static void
pane_grid_detail(struct pane *p, int y)
{
	struct pane_grid	*g = pane_grid_data(p);
	const char		*run, *task, *state, *s;
	char			 line[512];
	size_t			 r;
	int			 n;

	move(y, 0);
	clrtoeol();
	if (pane_grid_cursor(&run, &task) != 0 || task == NULL)
		return;
	state = view_cell(p->own, table_current(&p->table), g->col)->text;
	n = snprintf(line, sizeof line, "%s  %s  %s", task, run, state != NULL ? state :
	    "no status");
	for (r = 0; g->tasks != NULL && r < g->tasks->nrows; r++) {
		if ((s = pane_af_cell(g->tasks, r, "task_id")) == NULL || strcmp(s, task) != 0)
			continue;
#define PANE_GRID_ADD(fmt, col) do {						\
	if ((s = pane_af_cell(g->tasks, r, col)) != NULL && n < (int)sizeof line)	\
		n += snprintf(line + n, sizeof line - (size_t)n, fmt, s);	\
} while (0)
		PANE_GRID_ADD("  try %s", "try");
		PANE_GRID_ADD("  %s", "duration");
		PANE_GRID_ADD("  on %s", "hostname");
		PANE_GRID_ADD("  %s", "operator");
		PANE_GRID_ADD("  started %s", "start");
#undef PANE_GRID_ADD
		break;
	}
	attrset(theme_attr(THEME_MESSAGE));
	table_put_text_at(y, 0, line, COLS - 1);
	attrset(A_NORMAL);
}

static void
pane_grid_draw(struct tui *t, struct pane *p, int y, int h)
{
	struct pane_grid	*g = pane_grid_data(p);
	struct pane_af		*af = pane_af_get();
	const struct view	*v = p->own;
	const char		*state, *task;
	char			*what;
	size_t			 top, r, c, nruns, vis;
	int			 lw = 4, body, i, x, cur, bold;

	what = xprintf("%s%sgrid", af->dag != NULL ? af->dag : "", pane_af_sep());
	pane_af_draw_title(t, &g->live, y, what);
	free(what);
	if (v == NULL || v->ncols < 1) {
		attrset(theme_attr(g->live.error != NULL ? THEME_ERROR : THEME_MUTED));
		if (g->live.error != NULL)
			table_put_text_at(y + 2, 2, g->live.error, COLS - 3);
		else
			mvaddstr(y + 2, 2, "loading...");
		attrset(A_NORMAL);
		return;
	}
	for (r = 0; r < v->nrows; r++) {
		task = pane_af_cell(v, r, "task_id");
		if (task != NULL && (int)strlen(task) > lw)
			lw = (int)strlen(task);
	}
	if (lw > PANE_GRID_NAME)
		lw = PANE_GRID_NAME;
	if (lw > COLS / 2)
		lw = COLS / 2;
	nruns = v->ncols - 1;
	vis = (size_t)(COLS - lw - 2) / 2;
	if (g->col == 0 && nruns > 0)
		g->col = v->ncols - 1;
	/* The newest runs show first; the window follows the cursor. */
	if (nruns <= vis)
		g->left = 1;
	else {
		if (g->left == 0 || g->left + vis > v->ncols)
			g->left = v->ncols - vis;
		if (g->col < g->left)
			g->left = g->col;
		if (g->col >= g->left + vis)
			g->left = g->col - vis + 1;
	}
	/* The header: the cursor's run marked, and how many runs are off screen. */
	move(y + 1, 0);
	clrtoeol();
	attrset(theme_attr(THEME_TITLE));
	mvprintw(y + 1, 0, "%-*.*s", lw, lw, "TASK");
	for (c = g->left; c < v->ncols && c < g->left + vis; c++)
		if (c == g->col)
			mvaddstr(y + 1, lw + 2 + (int)(c - g->left) * 2,
			    theme_utf8() ? "\xe2\x96\xbc" : "v");
	attrset(A_NORMAL);
	body = h - 4;
	if (body < 1)
		return;
	top = table_model_scroll(&p->table.model, (size_t)body);
	for (i = 0; i < body; i++) {
		move(y + 2 + i, 0);
		clrtoeol();
		if ((r = table_model_row(&p->table.model, top + (size_t)i)) == SIZE_MAX)
			continue;
		cur = top + (size_t)i == p->table.model.cur;
		bold = pane_af_live_bold(&g->live, r);
		task = pane_af_cell(v, r, "task_id");
		attrset((cur ? theme_attr(THEME_SELECTION) : 0) | bold);
		move(y + 2 + i, 0);
		table_put_text(task != NULL ? task : "", lw);
		attrset(A_NORMAL);
		for (c = g->left; c < v->ncols && c < g->left + vis; c++) {
			x = lw + 2 + (int)(c - g->left) * 2;
			state = view_cell(v, r, c)->text;
			attrset((cur && c == g->col ? theme_attr(THEME_SELECTION) :
			    theme_attr(pane_af_state_role(state))) | bold);
			mvaddstr(y + 2 + i, x, pane_af_state_glyph(state));
			attrset(A_NORMAL);
		}
	}
	move(y + h - 2, 0);
	clrtoeol();
	attrset(theme_attr(THEME_MUTED));
	mvprintw(y + h - 2, 0, "%zu runs, %zu tasks%s", nruns, v->nrows,
	    nruns > vis ? "  (h/l scroll)" : "");
	attrset(A_NORMAL);
	pane_grid_detail(p, y + h - 1);
}

/* ------------------------------------------------------------ pane and commands */

static void
pane_grid_show(struct tui *t, struct pane *p)
{
	pane_af_live_show(t, &pane_grid_data(p)->live);
}

static void
pane_grid_reload(struct tui *t, struct pane *p)
{
	struct pane_grid	*g = pane_grid_data(p);

	g->live.ms = g->live.base_ms;
	pane_grid_load(t, p);
}

/* Enter on a cell: that task instance's log. */
static void
pane_grid_open_row(struct tui *t, struct pane *p, size_t row)
{
	struct pane_grid	*g = pane_grid_data(p);
	const char		*run = pane_grid_run(p);
	const char		*task = pane_af_cell(p->own, row, "task_id");

	if (run == NULL || task == NULL)
		return;
	pane_log_open(t, run, task, view_cell(p->own, row, g->col)->text);
}

static void
pane_grid_free(struct pane *p)
{
	struct pane_grid	*g = p->data;

	if (g == NULL)
		return;
	pane_af_live_free(&g->live);
	if (g->tasks_op != NULL)
		af_op_cancel(g->tasks_op);
	view_free(g->tasks);
	free(g->tasks_run);
	free(g->want);
	free(g);
	p->data = NULL;
}

const struct pane_type pane_af_grid = {
	.name = "Grid",
	.empty = "No runs.",
	.hints = "h/l runs  j/k tasks  Enter log  c clear  m/f mark run ",
	.show = pane_grid_show,
	.reload = pane_grid_reload,
	.open = pane_grid_open_row,
	.free = pane_grid_free,
	.draw = pane_grid_draw,
};

/* grid left|right: the column cursor, one run older or newer. */
static enum cmd_retval
pane_grid_cmd_move(struct cmd *c, int delta)
{
	struct tui		*t = tui_self;
	struct pane_af		*af = pane_af_get();
	struct pane_grid	*g;

	if (t->cur != &af->grid || af->grid.own == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: only in the Grid pane", c->entry->name);
		return (CMD_RETURN_NORMAL);
	}
	g = pane_grid_data(&af->grid);
	if (delta < 0 && g->col > 1)
		g->col--;
	else if (delta > 0 && g->col + 1 < af->grid.own->ncols)
		g->col++;
	pane_grid_tasks(t, &af->grid, 0);
	t->dirty = 1;
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
pane_grid_cmd_left(struct cmd *c)
{
	return (pane_grid_cmd_move(c, -1));
}

static enum cmd_retval
pane_grid_cmd_right(struct cmd *c)
{
	return (pane_grid_cmd_move(c, 1));
}

const struct cmd_entry pane_grid_cmds[] = {
	{ .name = "grid left", .args = { "", 0, 0 }, .usage = "",
	  .help = "In the Grid pane: the cursor to the older run.",
	  .exec = pane_grid_cmd_left },
	{ .name = "grid right", .args = { "", 0, 0 }, .usage = "",
	  .help = "In the Grid pane: the cursor to the newer run.",
	  .exec = pane_grid_cmd_right },
};
const size_t pane_grid_ncmds = sizeof pane_grid_cmds / sizeof pane_grid_cmds[0];

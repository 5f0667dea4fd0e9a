/*
 * The Task log pane: a task instance's log fetched with continuation tokens,
 * so each load asks only for what is new, and followed while the task runs
 * (the cursor stays on the last line if it was there). Lines are the rows of
 * a one-column view, so the table model keeps the cursor and the filter;
 * this file draws them, wrapped or cut, with error lines in the error colour.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "backends/airflow.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/pane-airflow.h"
#include "tui/pane-log.h"
#include "tui/pane-nodes.h"
#include "tui/tui.h"

#define PANE_LOG_MS	1500	/* while lines come */

struct pane_log {
	struct pane_af_live	 live;		/* first: loads and changes */
	struct pane_log_text	 text;		/* follow, wrap, search */
	char			*token;		/* continuation: where the next fetch starts */
	struct af_op		*state_op;	/* the task's state, while following */
	int			 inflight;
};

static void	pane_log_load(struct tui *, struct pane *);

static struct pane_log *
pane_log_data(struct pane *p)
{
	struct pane_log	*l;

	if (p->data != NULL)
		return (p->data);
	l = p->data = xcalloc(1, sizeof *l);
	pane_af_live_init(&l->live, p, PANE_LOG_MS, pane_log_load);
	l->text.follow = 1;
	return (l);
}

/* An error line: drawn red, and where e and E jump (the node log's too). */
int
pane_log_is_error(const char *s)
{
	static const char *const words[] = { "error", "exception", "traceback", "failed",
	    "critical", NULL };
	size_t	i;

	for (i = 0; s != NULL && words[i] != NULL; i++)
		if (strcasestr(s, words[i]) != NULL)
			return (1);
	return (0);
}

static void
pane_log_state_done(struct af_result *res, void *arg)
{
	struct pane	*p = arg;
	struct pane_log	*l = pane_log_data(p);
	struct pane_af	*af = pane_af_get();
	const char	*id, *state;
	size_t		 r;

	l->state_op = NULL;
	l->inflight = 0;
	for (r = 0; res->error == AF_OK && res->view != NULL && r < res->view->nrows; r++) {
		id = pane_af_cell(res->view, r, "task_id");
		if (id == NULL || af->task == NULL || strcmp(id, af->task) != 0)
			continue;
		state = pane_af_cell(res->view, r, "state");
		free(af->task_state);
		af->task_state = state != NULL ? xstrdup(state) : NULL;
	}
	tui_self->dirty = 1;
}

static void
pane_log_done(struct af_result *res, void *arg)
{
	struct pane		*p = arg;
	struct tui		*t = tui_self;
	struct pane_log		*l = pane_log_data(p);
	struct pane_af		*af = pane_af_get();
	struct table_model	*m = &p->table.model;
	struct view		*v;
	struct af_op		*op;
	int			 at_end;
	size_t			 i, row;

	l->live.op = NULL;
	if (res->error != AF_OK) {
		pane_af_live_done(t, &l->live, 0, res->message != NULL ? res->message :
		    "the API did not answer");
		return;
	}
	l->live.from_db = res->from_db;
	if ((v = p->own) == NULL) {
		v = view_new("log");
		view_add_column(v, "line", VIEW_TEXT);
		pane_set_view(t, p, v);
	}
	at_end = m->nshown == 0 || m->cur + 1 >= m->nshown;
	for (i = 0; i < res->nlines; i++) {
		row = view_add_row(v);
		view_set_text(v, row, 0, res->lines[i]);
	}
	if (res->token != NULL) {
		free(l->token);
		l->token = xstrdup(res->token);
	}
	table_model_changed(m, v->nrows - res->nlines);
	if (l->text.follow && at_end && res->nlines != 0)
		table_move_to(&p->table, SIZE_MAX);	/* tail: stay on the newest line */
	/* A finished task whose log has nothing more: stop asking. */
	if (af->task_state != NULL && af_state_final(af->task_state) && res->nlines == 0)
		l->text.follow = 0;
	else if (l->text.follow && af->client != NULL && l->state_op == NULL) {
		l->inflight = 1;
		op = af_tasks_view(af->client, af->dag, af->run, pane_log_state_done, p);
		if (l->inflight)
			l->state_op = op;
	}
	pane_af_live_done(t, &l->live, res->nlines != 0, NULL);
	if (!l->text.follow)
		loop_timer_stop(&l->live.timer);
}

static void
pane_log_load(struct tui *t, struct pane *p)
{
	struct pane_log	*l = pane_log_data(p);
	struct pane_af	*af = pane_af_get();
	char		*cause = NULL;

	if (l->live.op != NULL || af->task == NULL)
		return;
	if (pane_af_client(t, &cause) != 0) {
		pane_af_live_done(t, &l->live, 0, cause);
		free(cause);
		return;
	}
	l->live.op = af_log_fetch(af->client, af->dag, af->run, af->task, 0, l->token,
	    pane_log_done, p);
	t->dirty = 1;
}

/* Open a task instance's log (try: the latest), following while it runs. */
void
pane_log_open(struct tui *t, const char *run, const char *task, const char *state)
{
	struct pane_af	*af = pane_af_get();
	struct pane	*p = &af->log;
	struct pane_log	*l = pane_log_data(p);

	if (af->run == NULL || af->task == NULL || strcmp(af->run, run) != 0 ||
	    strcmp(af->task, task) != 0 || p->own == NULL) {
		pane_af_live_restart(&l->live);
		if (l->state_op != NULL)
			af_op_cancel(l->state_op);
		l->state_op = NULL;
		free(l->token);
		l->token = NULL;
		pane_set_view(t, p, NULL);
		free(af->run);
		af->run = xstrdup(run);
		free(af->task);
		af->task = xstrdup(task);
	}
	free(af->task_state);
	af->task_state = state != NULL ? xstrdup(state) : NULL;
	l->text.follow = 1;
	tui_show(t, p, 1);
	if (l->live.op == NULL)
		pane_log_load(t, p);
}

/* ------------------------------------------------------------ drawing */

/* One line in rows of w cells: how many rows, drawing them from y when draw is set. */
int
pane_log_put(const char *s, int y, int w, int maxrows, int draw)
{
	struct buf	 b;
	const char	*p;
	char		 one[8];
	int		 rows = 1, x = 0, cw;
	size_t		 n;

	buf_init(&b);
	util_sanitize(&b, s, strlen(s));
	for (p = buf_str(&b); *p != '\0'; p += n) {
		n = 1;
		if ((unsigned char)*p >= 0xc0)
			while ((p[n] & 0xc0) == 0x80 && n < 4)
				n++;
		memcpy(one, p, n);
		one[n] = '\0';
		cw = (int)util_width(one);
		if (x + cw > w) {
			if (rows == maxrows)
				break;
			rows++;
			x = 0;
		}
		if (draw)
			mvaddnstr(y + rows - 1, x, p, (int)n);
		x += cw;
	}
	buf_free(&b);
	return (rows);
}

/*
 * The lines of a one-column view from y in body rows, wrapped or cut, the
 * cursor's highlighted and error lines in the error colour; shared by the
 * log panes (bold: a row's extra attribute, or NULL).
 */
void
pane_log_lines_draw(struct pane *p, const struct view *v, int y, int body, int wrap,
    int (*bold)(void *, size_t), void *arg)
{
	struct table_model	*m = &p->table.model;
	const char		*s;
	size_t			 top, pos, r;
	int			 line, used, rows, attr;

	if (v->nrows != m->nrows)
		table_model_changed(m, m->nrows < v->nrows ? m->nrows : 0);
	top = table_model_scroll(m, (size_t)body);
	if (wrap) {
		/* Rows differ in height: move the top down until the cursor's line fits. */
		for (;;) {
			for (used = 0, pos = top; pos <= m->cur && pos < m->nshown; pos++)
				used += pane_log_put(view_cell(v, table_model_row(m, pos), 0)->text
				    != NULL ? view_cell(v, table_model_row(m, pos), 0)->text : "",
				    0, COLS, body, 0);
			if (used <= body || top >= m->cur)
				break;
			top++;
		}
		m->top = top;
	}
	for (line = 0, pos = top; line < body && pos < m->nshown; pos++) {
		r = table_model_row(m, pos);
		s = view_cell(v, r, 0)->text != NULL ? view_cell(v, r, 0)->text : "";
		attr = pos == m->cur ? theme_attr(THEME_SELECTION) :
		    pane_log_is_error(s) ? theme_attr(THEME_ERROR) : (int)A_NORMAL;
		attrset(attr | (bold != NULL ? bold(arg, r) : 0));
		rows = wrap ? pane_log_put(s, y + line, COLS, body - line, 1) :
		    (table_put_text_at(y + line, 0, s, COLS), 1);
		if (pos == m->cur && !wrap)
			mvchgat(y + line, 0, -1, (attr_t)attr, 0, NULL);
		attrset(A_NORMAL);
		line += rows;
	}
}

static int
pane_log_bold(void *arg, size_t row)
{
	return (pane_af_live_bold(arg, row));
}

static void
pane_log_draw(struct tui *t, struct pane *p, int y, int h)
{
	struct pane_log		*l = pane_log_data(p);
	struct pane_af		*af = pane_af_get();
	struct table_model	*m = &p->table.model;
	const struct view	*v = p->own;
	char			*what, status[256];
	int			 body = h - 2, line;

	what = xprintf("%s%s%s%s%s%slog", af->dag, pane_af_sep(),
	    af->run != NULL ? af->run : "", pane_af_sep(), af->task != NULL ? af->task : "",
	    pane_af_sep());
	pane_af_draw_title(t, &l->live, y, what);
	free(what);
	for (line = y + 1; line < y + h; line++) {
		move(line, 0);
		clrtoeol();
	}
	if (v == NULL || body < 1) {
		attrset(theme_attr(l->live.error != NULL ? THEME_ERROR : THEME_MUTED));
		table_put_text_at(y + 2, 2, l->live.error != NULL ? l->live.error :
		    "loading...", COLS - 3);
		attrset(A_NORMAL);
		return;
	}
	pane_log_lines_draw(p, v, y + 1, body, l->text.wrap, pane_log_bold, &l->live);
	if (m->nshown == 0) {
		attrset(theme_attr(THEME_MUTED));
		mvaddstr(y + 1, 2, m->expr != NULL ? "no lines match" : "the log is empty so far");
		attrset(A_NORMAL);
	}
	snprintf(status, sizeof status, "%zu/%zu lines  task %s  %s  wrap %s%s%s",
	    m->nshown == 0 ? 0 : m->cur + 1, m->nshown,
	    af->task_state != NULL ? af->task_state : "(no state)",
	    l->text.follow ? "following" : "end of log", l->text.wrap ? "on" : "off",
	    l->text.search != NULL ? "  search: " : "", l->text.search != NULL ? l->text.search : "");
	attrset(theme_attr(THEME_MUTED));
	table_put_text_at(y + h - 1, 0, status, COLS - 1);
	attrset(A_NORMAL);
}

/* ------------------------------------------------------------ pane and commands */

static void
pane_log_show(struct tui *t, struct pane *p)
{
	pane_af_live_show(t, &pane_log_data(p)->live);
}

static void
pane_log_reload(struct tui *t, struct pane *p)
{
	struct pane_log	*l = pane_log_data(p);

	l->live.ms = l->live.base_ms;
	pane_log_load(t, p);
}

static void
pane_log_free(struct pane *p)
{
	struct pane_log	*l = p->data;

	if (l == NULL)
		return;
	pane_af_live_free(&l->live);
	if (l->state_op != NULL)
		af_op_cancel(l->state_op);
	free(l->token);
	free(l->text.search);
	free(l);
	p->data = NULL;
}

const struct pane_type pane_af_log = {
	.name = "Task log",
	.empty = "No log.",
	.hints = "/ search  n/N next  e/E errors  w wrap  F follow ",
	.show = pane_log_show,
	.reload = pane_log_reload,
	.free = pane_log_free,
	.draw = pane_log_draw,
};

/* Other panes of lines that the log commands serve (tui/pane-log.h). */
static struct {
	const struct pane_type	*type;
	struct pane_log_text	*(*text)(struct pane *);
} pane_log_others[4];

/* Let the log commands (search, error, wrap, follow) serve another pane type. */
void
pane_log_adopt(const struct pane_type *type, struct pane_log_text *(*text)(struct pane *))
{
	size_t	i;

	for (i = 0; i < sizeof pane_log_others / sizeof pane_log_others[0]; i++) {
		if (pane_log_others[i].type == NULL || pane_log_others[i].type == type) {
			pane_log_others[i].type = type;
			pane_log_others[i].text = text;
			return;
		}
	}
	fatal("pane_log_adopt: too many log panes");
}

/* The Task log's follow key: to the end and load, or stop loading. */
static void
pane_log_follow_set(struct tui *t, struct pane *p)
{
	struct pane_log	*l = pane_log_data(p);

	if (l->text.follow) {
		table_move_to(&p->table, SIZE_MAX);
		pane_log_reload(t, p);
	} else
		loop_timer_stop(&l->live.timer);
}

/* The pane shown if it is a log pane with lines, and its settings. */
static struct pane *
pane_log_here(struct cmd *c, struct pane_log_text **text)
{
	struct pane	*p = tui_self->cur;
	size_t		 i;

	*text = NULL;
	if (p == &pane_af_get()->log && p->own != NULL) {
		*text = &pane_log_data(p)->text;
		(*text)->follow_set = pane_log_follow_set;
		return (p);
	}
	for (i = 0; i < sizeof pane_log_others / sizeof pane_log_others[0]; i++) {
		if (pane_log_others[i].type == p->type && p->own != NULL &&
		    (*text = pane_log_others[i].text(p)) != NULL)
			return (p);
	}
	cmd_error(c, CMD_EXIT_USAGE, "%s: only in a log pane", c->entry->name);
	return (NULL);
}

/* The next line (or previous) after the cursor that matches, round the end. */
int
pane_log_find(struct pane *p, int reverse, const char *text)
{
	struct table_model	*m = &p->table.model;
	const char		*s;
	size_t			 i, pos, n = m->nshown;

	for (i = 1; i <= n; i++) {
		pos = reverse ? (m->cur + n - i) % n : (m->cur + i) % n;
		s = view_cell(p->own, table_model_row(m, pos), 0)->text;
		if (text != NULL ? s != NULL && strcasestr(s, text) != NULL :
		    pane_log_is_error(s)) {
			table_move_to(&p->table, pos);
			tui_self->dirty = 1;
			return (0);
		}
	}
	return (-1);
}

static enum cmd_retval
pane_log_cmd_search(struct cmd *c)
{
	struct pane		*p;
	struct pane_log_text	*l;

	if ((p = pane_log_here(c, &l)) == NULL)
		return (CMD_RETURN_NORMAL);
	if (c->argc > 0 && *c->argv[0] != '\0') {
		free(l->search);
		l->search = xstrdup(c->argv[0]);
	}
	if (l->search == NULL)
		cmd_error(c, CMD_EXIT_USAGE, "log search: nothing searched yet (/ asks)");
	else if (pane_log_find(p, cmd_flag(c, "reverse"), l->search) != 0)
		cmd_error(c, CMD_EXIT_FAIL, "log search: no line has '%s'", l->search);
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
pane_log_cmd_error(struct cmd *c)
{
	struct pane		*p;
	struct pane_log_text	*l;

	if ((p = pane_log_here(c, &l)) != NULL &&
	    pane_log_find(p, cmd_flag(c, "reverse"), NULL) != 0)
		cmd_message(c, "no error lines");
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
pane_log_cmd_wrap(struct cmd *c)
{
	struct pane_log_text	*l;

	if (pane_log_here(c, &l) == NULL)
		return (CMD_RETURN_NORMAL);
	l->wrap = !l->wrap;
	tui_self->dirty = 1;
	cmd_message(c, "wrap %s", l->wrap ? "on" : "off");
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
pane_log_cmd_follow(struct cmd *c)
{
	struct pane		*p;
	struct pane_log_text	*l;

	if ((p = pane_log_here(c, &l)) == NULL)
		return (CMD_RETURN_NORMAL);
	if (l->follow_set == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "log follow: this text does not grow");
		return (CMD_RETURN_NORMAL);
	}
	l->follow = !l->follow;
	l->follow_set(tui_self, p);
	tui_self->dirty = 1;
	cmd_message(c, "follow %s", l->follow ? "on" : "off");
	return (CMD_RETURN_NORMAL);
}

const struct cmd_entry pane_log_cmds[] = {
	{ .name = "log search", .args = { "reverse", 0, 1 }, .usage = "[--reverse] [TEXT]",
	  .help = "In a log pane: the next line with TEXT (none: the last search).",
	  .exec = pane_log_cmd_search },
	{ .name = "log error", .args = { "reverse", 0, 0 }, .usage = "[--reverse]",
	  .help = "In a log pane: the next (or previous) error line.",
	  .exec = pane_log_cmd_error },
	{ .name = "log wrap", .args = { "", 0, 0 }, .usage = "",
	  .help = "In a log pane: wrap long lines, or cut them.",
	  .exec = pane_log_cmd_wrap },
	{ .name = "log follow", .args = { "", 0, 0 }, .usage = "",
	  .help = "In a log pane: follow the log as it grows, or pause it.",
	  .exec = pane_log_cmd_follow },
};
const size_t pane_log_ncmds = sizeof pane_log_cmds / sizeof pane_log_cmds[0];

/*
 * What the Airflow panes share: the client for the service shown, loads on
 * the loop that back off while nothing changes, rows shown in bold for a
 * few seconds after they changed, the context line with the API's state,
 * and the state marks of the DAGs list and the grid.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/airflow.h"
#include "backends/http.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/pane-airflow.h"
#include "tui/tui.h"

/* A row of the last view: who it is, what it said, when that last changed. */
struct pane_af_key {
	char	*key;		/* owned: the key column's text */
	char	*sig;		/* owned: every cell, to tell a change */
	time_t	 changed;	/* 0: not since the pane opened */
};


static struct pane_af	*pane_af_self;

/* The shared state, made on first use and freed with the DAGs pane. */
struct pane_af *
pane_af_get(void)
{
	struct pane_af	*af;

	if (pane_af_self != NULL)
		return (pane_af_self);
	af = pane_af_self = xcalloc(1, sizeof *af);
	pane_init(&af->runs, &pane_af_runs);
	pane_init(&af->grid, &pane_af_grid);
	pane_init(&af->log, &pane_af_log);
	return (af);
}

/* Called by the DAGs pane's free: the pushed panes, then the client. */
void
pane_af_free(void)
{
	struct pane_af	*af = pane_af_self;

	if (af == NULL)
		return;
	pane_free(&af->runs);
	pane_free(&af->grid);
	pane_free(&af->log);
	if (af->client != NULL)
		af_client_free(af->client);
	if (af->http != NULL)
		http_free(af->http);
	free(af->service);
	free(af->dag);
	free(af->run);
	free(af->task);
	free(af->task_state);
	free(af);
	pane_af_self = NULL;
}

/* Forget the client, so the next load makes one for another service. */
void
pane_af_reset_client(void)
{
	struct pane_af	*af = pane_af_get();

	if (af->client != NULL)
		af_client_free(af->client);
	af->client = NULL;
}

/* The client for the service shown; the inventory is loaded on first need. */
int
pane_af_client(struct tui *t, char **cause)
{
	struct pane_af			*af = pane_af_get();
	const struct inv_service	*svc;
	struct cmd			 c;

	if (af->client != NULL)
		return (0);
	memset(&c, 0, sizeof c);
	c.env = t->env;
	if (cmd_inventory(&c) != 0) {
		*cause = c.error != NULL ? c.error : xstrdup("no inventory");
		return (-1);
	}
	if ((svc = af_service_find(t->env->inv, af->service, cause)) == NULL)
		return (-1);
	free(af->service);
	af->service = xstrdup(svc->name);
	if (af->http == NULL)
		af->http = http_new(t->env->loop);
	if ((af->client = af_client_new(t->env->loop, af->http, t->env->inv, svc,
	    cause)) == NULL)
		return (-1);
	return (0);
}

/* ------------------------------------------------------------ live loads */

static void
pane_af_live_timer(void *arg)
{
	struct pane_af_live	*l = arg;
	struct tui		*t = tui_self;

	/* A hidden pane costs nothing: it loads again when shown. */
	if (t == NULL || t->cur != l->pane) {
		l->stale = 1;
		return;
	}
	l->load(t, l->pane);
}

void
pane_af_live_init(struct pane_af_live *l, struct pane *p, int base_ms,
    void (*load)(struct tui *, struct pane *))
{
	memset(l, 0, sizeof *l);
	l->pane = p;
	l->base_ms = l->ms = base_ms;
	l->load = load;
	loop_timer_init(&l->timer, tui_self->env->loop, pane_af_live_timer, l);
}

static void
pane_af_live_forget(struct pane_af_live *l)
{
	size_t	i;

	for (i = 0; i < l->nkeys; i++) {
		free(l->keys[i].key);
		free(l->keys[i].sig);
	}
	free(l->keys);
	l->keys = NULL;
	l->nkeys = 0;
	free(l->changed);
	l->changed = NULL;
	l->nchanged = 0;
}

void
pane_af_live_free(struct pane_af_live *l)
{
	loop_timer_stop(&l->timer);
	if (l->op != NULL)
		af_op_cancel(l->op);
	l->op = NULL;
	free(l->error);
	l->error = NULL;
	pane_af_live_forget(l);
}

/* Another DAG or run in the same pane: nothing of the last one is a change. */
void
pane_af_live_restart(struct pane_af_live *l)
{
	loop_timer_stop(&l->timer);
	if (l->op != NULL)
		af_op_cancel(l->op);
	l->op = NULL;
	free(l->error);
	l->error = NULL;
	l->ms = l->base_ms;
	pane_af_live_forget(l);
}

/*
 * A load finished: a change brings the pace back to the base, nothing new
 * doubles the wait up to a minute, a failure retries on the same backoff.
 */
void
pane_af_live_done(struct tui *t, struct pane_af_live *l, int changed, const char *error)
{
	free(l->error);
	l->error = error != NULL ? xstrdup(error) : NULL;
	if (changed)
		l->ms = l->base_ms;
	else if (l->ms < PANE_AF_MAX_MS)
		l->ms = l->ms * 2 > PANE_AF_MAX_MS ? PANE_AF_MAX_MS : l->ms * 2;
	l->next = time(NULL) + l->ms / 1000;
	l->stale = 0;
	loop_timer_start(&l->timer, (uint64_t)l->ms);
	t->dirty = 1;
}

/* Load again soon, at the base pace: after an action on this pane's rows. */
void
pane_af_live_soon(struct pane_af_live *l, int ms)
{
	l->ms = l->base_ms;
	l->next = time(NULL) + ms / 1000;
	loop_timer_start(&l->timer, (uint64_t)ms);
}

/* Shown: load now if a load was skipped while hidden, or none was ever made. */
void
pane_af_live_show(struct tui *t, struct pane_af_live *l)
{
	if (l->op != NULL)
		return;
	if (l->stale || !loop_timer_pending(&l->timer))
		l->load(t, l->pane);
}

static int
pane_af_key_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct pane_af_key *)a)->key,
	    ((const struct pane_af_key *)b)->key));
}

/* Which rows of a new view changed since the last (by the key column); how many. */
int
pane_af_live_diff(struct pane_af_live *l, const struct view *v, size_t keycol)
{
	struct pane_af_key	*keys, *old, find;
	struct buf		 b;
	char			 tmp[64];
	time_t			 now = time(NULL);
	size_t			 r, c;
	int			 n = 0;

	keys = xcalloc(v->nrows + 1, sizeof *keys);
	free(l->changed);
	l->changed = xcalloc(v->nrows + 1, sizeof *l->changed);
	l->nchanged = v->nrows;
	buf_init(&b);
	for (r = 0; r < v->nrows; r++) {
		buf_reset(&b);
		for (c = 0; c < v->ncols; c++)
			buf_printf(&b, "%s\037", view_cell_display(v, r, c, tmp, sizeof tmp));
		keys[r].key = xstrdup(keycol < v->ncols ?
		    view_cell_display(v, r, keycol, tmp, sizeof tmp) : "");
		keys[r].sig = xstrdup(buf_str(&b));
		find.key = keys[r].key;
		old = l->keys == NULL ? NULL : bsearch(&find, l->keys, l->nkeys,
		    sizeof *l->keys, pane_af_key_cmp);
		if (old != NULL && strcmp(old->sig, keys[r].sig) == 0)
			keys[r].changed = old->changed;
		else if (l->keys != NULL) {
			keys[r].changed = now;	/* new or different; nothing is new on first load */
			n++;
		}
		l->changed[r] = keys[r].changed;
	}
	buf_free(&b);
	for (r = 0; r < l->nkeys; r++) {
		free(l->keys[r].key);
		free(l->keys[r].sig);
	}
	free(l->keys);
	qsort(keys, v->nrows, sizeof *keys, pane_af_key_cmp);
	l->keys = keys;
	l->nkeys = v->nrows;
	return (n);
}

/* A row changed in the last few seconds is drawn bold. */
int
pane_af_live_bold(const struct pane_af_live *l, size_t row)
{
	if (row >= l->nchanged || l->changed[row] == 0)
		return (0);
	return (time(NULL) - l->changed[row] < PANE_AF_BOLD_SECS ? (int)A_BOLD : 0);
}

/*
 * The context line above a pane: where it is, then what the API is doing:
 * loading, read from the database, or down with when it retries.
 */
int
pane_af_draw_title(struct tui *t, struct pane_af_live *l, int y, const char *what)
{
	struct pane_af	*af = pane_af_get();
	char		 when[16], right[256];
	time_t		 next = l->next;
	int		 x;

	(void)t;
	move(y, 0);
	clrtoeol();
	attrset(theme_attr(THEME_TITLE) | A_BOLD);
	move(y, 0);
	x = table_put_text(af->service != NULL ? af->service : "airflow", COLS / 3);
	attrset(theme_attr(THEME_NORMAL));
	if (what != NULL) {
		move(y, x);
		x += table_put_text(pane_af_sep(), 3);
		move(y, x);
		x += table_put_text(what, COLS / 2);
	}
	strftime(when, sizeof when, "%H:%M:%S", localtime(&next));
	if (l->error != NULL) {
		snprintf(right, sizeof right, "retry at %s (r now)", when);
		attrset(theme_attr(THEME_ERROR));
		move(y, x + 2);
		table_put_text(l->error, COLS - x - (int)strlen(right) - 5);
		attrset(theme_attr(THEME_MUTED));
	} else if (l->from_db) {
		snprintf(right, sizeof right, "READ-ONLY: API down, from the metadata database");
		attrset(theme_attr(THEME_WARN));
	} else if (l->op != NULL) {
		snprintf(right, sizeof right, "loading...");
		attrset(theme_attr(THEME_MUTED));
	} else {
		snprintf(right, sizeof right, "next load %s", when);
		attrset(theme_attr(THEME_MUTED));
	}
	if ((int)strlen(right) < COLS - x - 2)
		mvaddstr(y, COLS - (int)strlen(right) - 1, right);
	attrset(A_NORMAL);
	return (1);
}

/* Between the parts of the context line: a guillemet where the terminal has UTF-8. */
const char *
pane_af_sep(void)
{
	return (theme_utf8() ? " \xe2\x80\xba " : " > ");
}

/* A cell's text by column name (numbers formatted); NULL when absent. */
const char *
pane_af_cell(const struct view *v, size_t row, const char *col)
{
	static char	 tmp[4][64];
	static int	 next;
	ssize_t		 c;

	if (v == NULL || row >= v->nrows || (c = view_column_index(v, col)) < 0)
		return (NULL);
	if (!view_cell(v, row, (size_t)c)->isnum && view_cell(v, row, (size_t)c)->text == NULL)
		return (NULL);
	next = (next + 1) % 4;
	return (view_cell_display(v, row, (size_t)c, tmp[next], sizeof tmp[next]));
}

/* Airflow's states by colour: green done, red failed, amber waiting, grey nothing. */
int
pane_af_state_role(const char *s)
{
	static const char *const bad[] = { "failed", "upstream_failed", NULL };
	static const char *const good[] = { "success", "running", NULL };
	static const char *const none[] = { "skipped", "removed", "none", "", NULL };
	size_t	i;

	if (s == NULL)
		return (THEME_MUTED);
	for (i = 0; bad[i] != NULL; i++)
		if (strcmp(s, bad[i]) == 0)
			return (THEME_ERROR);
	for (i = 0; good[i] != NULL; i++)
		if (strcmp(s, good[i]) == 0)
			return (THEME_OK);
	for (i = 0; none[i] != NULL; i++)
		if (strcmp(s, none[i]) == 0)
			return (THEME_MUTED);
	return (THEME_WARN);
}

/* One mark per task instance or run: the shape tells the state without colour too. */
const char *
pane_af_state_glyph(const char *s)
{
	int	utf8 = theme_utf8();

	if (s == NULL || *s == '\0' || strcmp(s, "none") == 0)
		return (utf8 ? "\xc2\xb7" : ".");
	if (strcmp(s, "success") == 0)
		return (utf8 ? "\xe2\x96\xa0" : "#");
	if (strcmp(s, "failed") == 0)
		return (utf8 ? "\xe2\x96\xa0" : "X");
	if (strcmp(s, "upstream_failed") == 0)
		return (utf8 ? "\xe2\x96\xa1" : "x");
	if (strcmp(s, "running") == 0)
		return (utf8 ? "\xe2\x97\x8f" : ">");
	if (strcmp(s, "skipped") == 0 || strcmp(s, "removed") == 0)
		return (utf8 ? "\xe2\x96\xa1" : "-");
	if (strcmp(s, "up_for_retry") == 0 || strcmp(s, "restarting") == 0)
		return (utf8 ? "\xe2\x97\x90" : "r");
	return (utf8 ? "\xe2\x97\x8b" : "o");	/* queued, scheduled, deferred ... */
}

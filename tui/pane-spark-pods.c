/*
 * The pods of one SparkApplication (driver and executors), from an
 * informer on pods with the operator's app-name label: phase, ready,
 * restarts, node, age and the last termination reason. A watch event
 * changes its pod's row only, so 10,000 pods stay as quick as ten.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/kube.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/spark/spark-view.h"
#include "tui/pane-spark.h"
#include "tui/tui.h"

#define SPARK_APP_LABEL	"sparkoperator.k8s.io/app-name"

enum {
	SPARK_POD_NAME, SPARK_POD_NS, SPARK_POD_ROLE, SPARK_POD_PHASE, SPARK_POD_READY,
	SPARK_POD_RESTARTS, SPARK_POD_NODE, SPARK_POD_AGE, SPARK_POD_REASON
};

/* The columns, in the order of the SPARK_POD_ indexes. */
static const enum spark_view_pod spark_pods_cols[] = {
	SPARK_VIEW_POD_NAME, SPARK_VIEW_POD_NAMESPACE, SPARK_VIEW_POD_ROLE,
	SPARK_VIEW_POD_PHASE, SPARK_VIEW_POD_READY, SPARK_VIEW_POD_RESTARTS,
	SPARK_VIEW_POD_NODE, SPARK_VIEW_POD_AGE, SPARK_VIEW_POD_REASON
};

/* An informer's object into its row, as spark pods shows it. */
static void
spark_pods_fill(struct view *v, size_t row, json_t *obj)
{
	spark_view_pod_row(v, row, obj, spark_pods_cols,
	    SPARK_VIEW_NCOLS(spark_pods_cols), "");
}

/* Phase and reason in their roles' colours; the age instead of the time. */
static int
spark_pods_cell(void *arg, size_t row, size_t col, int y, int x, int w, int cursor)
{
	struct spark_pane	*s = arg;
	const struct view	*v = s->pods.own;
	const struct view_cell	*c;
	char			 out[32];

	if (v == NULL || row >= v->nrows)
		return (0);
	c = view_cell(v, row, col);
	if (col == SPARK_POD_PHASE || (col == SPARK_POD_REASON && c->text != NULL &&
	    *c->text != '\0')) {
		if (!cursor)
			attrset(theme_attr(col == SPARK_POD_REASON &&
			    strcmp(c->text, "Completed") != 0 ? THEME_ERROR :
			    spark_pane_state_role(c->text)));
		table_put_text_at(y, x, c->text != NULL ? c->text : "", w);
		return (1);
	}
	if (col != SPARK_POD_AGE || !c->isnum || c->num == 0)
		return (0);
	util_format_duration(out, sizeof out, ((int64_t)time(NULL) - c->num) * 1000);
	mvprintw(y, x, "%*.*s", w, w, out);
	return (1);
}

static const struct table_hooks spark_pods_hooks = {
	.cell = spark_pods_cell,
};

static void
spark_pods_event(struct kube_informer *inf, enum kube_event ev, json_t *obj,
    const struct kube_error *err, void *arg)
{
	struct spark_pane	*s = arg;

	switch (ev) {
	case KUBE_EV_ADDED:
	case KUBE_EV_MODIFIED:
		if (s->podw.synced && obj != NULL)
			spark_rows_put(&s->pod_rows, obj);
		break;
	case KUBE_EV_DELETED:
		if (s->podw.synced && obj != NULL)
			spark_rows_remove(&s->pod_rows, obj);
		break;
	case KUBE_EV_SYNCED:
		s->podw.synced = 1;
		spark_rows_load(&s->pod_rows, inf);
		break;
	case KUBE_EV_ERROR:
		spark_watch_failed(&s->podw, err);
		break;
	}
	if (ev != KUBE_EV_ERROR && s->podw.error != NULL) {
		free(s->podw.error);
		s->podw.error = NULL;
		s->podw.errors = 0;
	}
	if (tui_self != NULL)
		tui_self->dirty = 1;
}

/* Watch an application's pods and show them (Esc goes back where it came from). */
void
spark_pods_open(struct tui *t, const char *ns, const char *app, const char *selector)
{
	struct spark_pane	*s = spark_pane_get();
	char			*path, *sel;

	if (s->kube == NULL || ns == NULL || (app == NULL && selector == NULL))
		return;
	sel = selector != NULL ? xstrdup(selector) : xprintf("%s=%s", SPARK_APP_LABEL, app);
	if (s->app_ns == NULL || strcmp(s->app_ns, ns) != 0 || s->pod_sel == NULL ||
	    strcmp(s->pod_sel, sel) != 0 || s->podw.inf == NULL) {
		spark_watch_stop(&s->podw);
		free(s->app_ns);
		free(s->app_name);
		free(s->pod_sel);
		s->app_ns = xstrdup(ns);
		s->app_name = app != NULL ? xstrdup(app) : NULL;
		s->pod_sel = xstrdup(sel);
		spark_rows_free(&s->pod_rows);
		spark_rows_init(&s->pod_rows, &s->pods, spark_pods_fill);
		s->pods.table.hooks = &spark_pods_hooks;
		s->pods.table.hooks_arg = s;
		spark_rows_reset(t, &s->pod_rows, spark_view_pods(spark_pods_cols,
		    SPARK_VIEW_NCOLS(spark_pods_cols)));
		if (app != NULL)	/* the driver first, then the executors */
			table_sort_by(&s->pods.table, "role", 0, NULL);
		path = xprintf("/api/v1/namespaces/%s/pods", ns);
		s->podw.inf = kube_informer_start(s->kube, path, sel, spark_pods_event, s);
		/* The rows read a third of a pod: 10,000 of them in a third the memory. */
		kube_informer_set_transform(s->podw.inf, kube_pod_trim, NULL);
		free(path);
	}
	free(sel);
	tui_show(t, &s->pods, 1);
}

int
spark_pods_current(struct tui *t, const char **ns, const char **name)
{
	struct spark_pane	*s = spark_pane_get();
	const struct view	*v = s->pods.own;
	size_t			 row;

	(void)t;
	*ns = *name = NULL;
	if (v == NULL || (row = table_current(&s->pods.table)) == SIZE_MAX ||
	    row >= v->nrows)
		return (-1);
	*ns = view_cell(v, row, SPARK_POD_NS)->text;
	*name = view_cell(v, row, SPARK_POD_NAME)->text;
	return (*name != NULL ? 0 : -1);
}

/* The application's line: state in its colour, driver, executors, error. */
static void
spark_pods_draw_app(struct spark_pane *s, int y)
{
	struct kube_app_row	 a;
	json_t			*app = NULL;
	char			 st[512];

	if (s->app_name == NULL) {
		attrset(theme_attr(THEME_TITLE));
		mvprintw(y, 0, "pods of %s with %s", s->app_ns, s->pod_sel);
		attrset(A_NORMAL);
		return;
	}
	if (s->apps.inf != NULL)
		app = kube_informer_get(s->apps.inf, s->app_ns, s->app_name);
	attrset(theme_attr(THEME_TITLE));
	mvprintw(y, 0, "%s/%s ", s->app_ns, s->app_name);
	if (app == NULL) {
		attrset(theme_attr(THEME_MUTED));
		addstr(" (the application is gone)");
		attrset(A_NORMAL);
		return;
	}
	kube_app_row(app, &a);
	attrset(theme_attr(spark_pane_state_role(a.state)));
	printw(" %s ", a.state != NULL && *a.state != '\0' ? a.state : "NEW");
	attrset(theme_attr(THEME_MUTED));
	snprintf(st, sizeof st, " driver %s  executors %d/%d  ", a.driver_pod != NULL ?
	    a.driver_pod : "-", a.executors_running, a.executors_total);
	table_put_text_at(y, getcurx(stdscr), st, COLS - getcurx(stdscr));
	if (a.error != NULL && getcurx(stdscr) < COLS - 4) {
		attrset(theme_attr(THEME_ERROR));
		table_put_text_at(y, getcurx(stdscr), a.error, COLS - getcurx(stdscr));
	}
	attrset(A_NORMAL);
}

static void
spark_pods_draw(struct tui *t, struct pane *p, int y, int h)
{
	struct spark_pane	*s = spark_pane_get();
	char			 st[512], n[64];
	int			 line;

	(void)t;
	for (line = y; line < y + h; line++) {
		move(line, 0);
		clrtoeol();
	}
	if (s->app_ns == NULL || p->own == NULL)
		return;
	spark_pods_draw_app(s, y);
	spark_rows_sync(&s->pod_rows);
	snprintf(n, sizeof n, "%zu pod%s  ", p->own->nrows, p->own->nrows == 1 ? "" : "s");
	attrset(theme_attr(s->podw.error != NULL ? THEME_ERROR : THEME_MUTED));
	table_put_text_at(y + 1, 0, n, COLS);
	table_put_text_at(y + 1, getcurx(stdscr), spark_watch_status(&s->podw, st,
	    sizeof st), COLS - getcurx(stdscr));
	attrset(A_NORMAL);
	if (p->own->nrows == 0) {
		attrset(theme_attr(THEME_MUTED));
		mvaddnstr(y + 3, 2, s->podw.synced ? "No pods (yet, or any more)." :
		    "listing...", COLS - 3);
		attrset(A_NORMAL);
		return;
	}
	table_draw(&p->table, y + 2, 0, h - 2, COLS);
}

static void
spark_pods_open_row(struct tui *t, struct pane *p, size_t row)
{
	const struct view	*v = p->own;

	if (v == NULL || row >= v->nrows)
		return;
	spark_log_open(t, view_cell(v, row, SPARK_POD_NS)->text,
	    view_cell(v, row, SPARK_POD_NAME)->text, 0);
}

static void
spark_pods_reload(struct tui *t, struct pane *p)
{
	struct spark_pane	*s = spark_pane_get();
	char			*ns, *app, *sel;

	(void)p;
	if (s->app_ns == NULL || s->podw.error == NULL) {
		tui_message(t, THEME_MUTED, "the pods are watched: nothing to reload");
		return;
	}
	ns = xstrdup(s->app_ns);
	app = s->app_name != NULL ? xstrdup(s->app_name) : NULL;
	sel = xstrdup(s->pod_sel);
	spark_watch_stop(&s->podw);
	spark_pods_open(t, ns, app, sel);
	free(ns);
	free(app);
	free(sel);
}

/* The state is the Spark pane's; only the watch and names go with the pane. */
static void
spark_pods_free(struct pane *p)
{
	struct spark_pane	*s = spark_pane_get();

	(void)p;
	spark_watch_stop(&s->podw);
	free(s->app_ns);
	free(s->app_name);
	free(s->pod_sel);
	s->app_ns = s->app_name = s->pod_sel = NULL;
}

const struct pane_type pane_spark_pods = {
	.name = "Spark pods",
	.empty = "No pods.",
	.hints = "Enter/l log  p previous log  e events  y/Y yaml/json  u UI ",
	.reload = spark_pods_reload,
	.open = spark_pods_open_row,
	.free = spark_pods_free,
	.draw = spark_pods_draw,
};

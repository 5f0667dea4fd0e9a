/*
 * The Spark pane's Applications view: the SparkApplications of the spark
 * (or kube) service, kept current by an informer (list, then watch; no
 * polling), one row changed per event. States are coloured by role and a
 * running application's duration ticks. When the API is down the pane says
 * why and that the informer retries. Also the way in from the Airflow grid:
 * the application a task launched, found by the labels the pipeline sets.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/kube.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/spark/spark-view.h"
#include "tui/pane-spark.h"
#include "tui/tui.h"

#define SPARK_TICK_MS	1000	/* running durations and ages tick */
#define SPARK_RETRY_MIN_MS	500	/* the informer's first backoff */
#define SPARK_RETRY_MAX_MS	30000	/* and its longest */

static struct spark_pane	*spark_self;

/* Kinds with a Kubernetes API, in the order one is picked when none is named. */
static const char *const spark_kinds[] = { "spark", "kube", "k3s", NULL };
/* Kinds whose Overview rows open this pane (Jupyter runs on the same cluster). */
static const char *const spark_pane_kinds[] = { "spark", "kube", "k3s", "jupyter", NULL };

enum {
	SPARK_COL_NAME, SPARK_COL_NS, SPARK_COL_STATE, SPARK_COL_SUBMITTED,
	SPARK_COL_DURATION, SPARK_COL_DRIVER, SPARK_COL_EXECUTORS, SPARK_COL_ERROR,
	SPARK_COL_END		/* the finish time: durations stop ticking */
};

static void	spark_pane_tick_cb(void *);
static int	spark_pane_attach(struct tui *, struct spark_pane *);

struct spark_pane *
spark_pane_get(void)
{
	if (spark_self == NULL) {
		spark_self = xcalloc(1, sizeof *spark_self);
		pane_init(&spark_self->pods, &pane_spark_pods);
		pane_init(&spark_self->log, &pane_spark_log);
		pane_init(&spark_self->doc, &pane_spark_doc);
		pane_init(&spark_self->events, &pane_spark_events);
		pane_init(&spark_self->ui, &pane_spark_ui);
		buf_init(&spark_self->partial);
		spark_self->text.follow = 1;
	}
	return (spark_self);
}

/* Spark Operator states by role: done or running well, on the way, failed. */
int
spark_pane_state_role(const char *state)
{
	static const char *const ok[] = { "COMPLETED", "RUNNING", "SUCCEEDING",
	    "Running", "Succeeded", NULL };
	static const char *const bad[] = { "FAILED", "SUBMISSION_FAILED", "FAILING",
	    "UNKNOWN", "Failed", "Error", "CrashLoopBackOff", "OOMKilled",
	    "ImagePullBackOff", "ErrImagePull", NULL };
	size_t	i;

	if (state == NULL)
		return (THEME_MUTED);
	for (i = 0; ok[i] != NULL; i++)
		if (strcmp(state, ok[i]) == 0)
			return (THEME_OK);
	for (i = 0; bad[i] != NULL; i++)
		if (strcmp(state, bad[i]) == 0)
			return (THEME_ERROR);
	return (THEME_WARN);
}

/* The same transformation as the pipeline's: Kubernetes takes no ':' or '+'. */
static char *
spark_pane_label_safe(const char *s)
{
	char	*out = xstrdup(s), *p, *end;

	for (p = out; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '_';
	if (strlen(out) > 63)
		out[63] = '\0';
	for (end = out + strlen(out); end > out && strchr("._-", end[-1]) != NULL; end--)
		end[-1] = '\0';
	for (p = out; *p != '\0' && strchr("._-", *p) != NULL; p++)
		;
	memmove(out, p, strlen(p) + 1);
	if (*out == '\0') {
		free(out);
		out = xstrdup("x");
	}
	return (out);
}

/* ------------------------------------------------------------ watches */

void
spark_watch_failed(struct spark_watch *w, const struct kube_error *err)
{
	free(w->error);
	w->error = xstrdup(err != NULL && err->message != NULL ? err->message :
	    "the Kubernetes API did not answer");
	uint64_t	delay = SPARK_RETRY_MIN_MS;
	unsigned	i;

	if (w->errors++ == 0)
		w->error_at = time(NULL);	/* down since the first failure */
	/* The informer's backoff (backends/kube-informer.c): doubling, capped. */
	for (i = 1; i < w->errors && delay < SPARK_RETRY_MAX_MS; i++)
		delay *= 2;
	if (delay > SPARK_RETRY_MAX_MS)
		delay = SPARK_RETRY_MAX_MS;
	if (tui_self != NULL)
		w->retry_at = loop_now(tui_self->env->loop) + delay;
}

void
spark_watch_stop(struct spark_watch *w)
{
	if (w->inf != NULL)
		kube_informer_stop(w->inf);
	free(w->error);
	memset(w, 0, sizeof *w);
}

const char *
spark_watch_status(const struct spark_watch *w, char *out, size_t len)
{
	char	when[16];

	if (w->error != NULL) {
		strftime(when, sizeof when, "%H:%M:%S", localtime(&w->error_at));
		snprintf(out, len, "API down since %s (%u failure%s): %s", when, w->errors,
		    w->errors == 1 ? "" : "s", w->error);
	} else if (!w->synced)
		snprintf(out, len, "listing...");
	else
		snprintf(out, len, "watching");
	return (out);
}

/* ------------------------------------------------------------ rows */

/* The columns, in the order of the SPARK_COL_ indexes. */
static const enum spark_view_app spark_apps_cols[] = {
	SPARK_VIEW_APP_NAME, SPARK_VIEW_APP_NAMESPACE, SPARK_VIEW_APP_STATE,
	SPARK_VIEW_APP_SUBMITTED, SPARK_VIEW_APP_DURATION, SPARK_VIEW_APP_DRIVER,
	SPARK_VIEW_APP_EXECUTORS, SPARK_VIEW_APP_ERROR, SPARK_VIEW_APP_FINISHED
};

/* An informer's object into its row, as spark apps shows it. */
static void
spark_apps_fill(struct view *v, size_t row, json_t *obj)
{
	spark_view_app_row(v, row, obj, spark_apps_cols,
	    SPARK_VIEW_NCOLS(spark_apps_cols), "");
}

/* State in its role's colour; a running application's duration up to now. */
static int
spark_apps_cell(void *arg, size_t row, size_t col, int y, int x, int w, int cursor)
{
	struct spark_pane	*s = arg;
	const struct view	*v = s->app_rows.pane->own;
	const struct view_cell	*sub, *end;
	const char		*state;
	char			 out[32];

	if (v == NULL || row >= v->nrows)
		return (0);
	state = view_cell(v, row, SPARK_COL_STATE)->text;
	if (col == SPARK_COL_STATE) {
		if (!cursor)
			attrset(theme_attr(spark_pane_state_role(state)));
		table_put_text_at(y, x, state != NULL ? state : "", w);
		return (1);
	}
	if (col != SPARK_COL_DURATION)
		return (0);
	sub = view_cell(v, row, SPARK_COL_SUBMITTED);
	end = view_cell(v, row, SPARK_COL_END);
	if (!sub->isnum || sub->num == 0 || (end->isnum && end->num != 0))
		return (0);
	util_format_duration(out, sizeof out, ((int64_t)time(NULL) - sub->num) * 1000);
	mvprintw(y, x, "%*.*s", w, w, out);
	return (1);
}

static const struct table_hooks spark_apps_hooks = {
	.cell = spark_apps_cell,
};

/* ------------------------------------------------------------ the grid's way in */

/* The newest application whose labels are the task's, or NULL. */
static json_t *
spark_pane_match(struct spark_pane *s)
{
	json_t			*app, *best = NULL;
	struct kube_app_row	 a;
	int64_t			 best_t = -1, t;
	const char		*created;
	size_t			 i, n = kube_informer_size(s->apps.inf);

	for (i = 0; i < n; i++) {
		app = kube_informer_at(s->apps.inf, i);
		kube_app_row(app, &a);
		if (a.dag_id == NULL || a.run_id == NULL || a.task_id == NULL ||
		    strcmp(a.dag_id, s->want_task[0]) != 0 ||
		    strcmp(a.run_id, s->want_task[1]) != 0 ||
		    strcmp(a.task_id, s->want_task[2]) != 0)
			continue;
		created = json_string_value(json_object_get(json_object_get(app,
		    "metadata"), "creationTimestamp"));
		t = a.submitted != 0 ? a.submitted : kube_time(created);
		if (t > best_t) {
			best = app;
			best_t = t;
		}
	}
	return (best);
}

static void
spark_pane_want_clear(struct spark_pane *s)
{
	size_t	i;

	for (i = 0; i < 3; i++) {
		free(s->want_task[i]);
		s->want_task[i] = NULL;
	}
}

/* With the store whole: open the task's application, or say there is none. */
static void
spark_pane_resolve(struct tui *t, struct spark_pane *s)
{
	struct kube_app_row	 a;
	json_t			*app;
	ssize_t			 row;
	size_t			 pos;

	if (s->want_task[0] == NULL || !s->apps.synced)
		return;
	if ((app = spark_pane_match(s)) == NULL) {
		tui_message(t, THEME_WARN, "no SparkApplication is labelled %s=%s %s=%s %s=%s",
		    KUBE_LABEL_DAG, s->want_task[0], KUBE_LABEL_RUN, s->want_task[1],
		    KUBE_LABEL_TASK, s->want_task[2]);
		spark_pane_want_clear(s);
		return;
	}
	spark_pane_want_clear(s);
	kube_app_row(app, &a);
	/* The cursor on it in Applications too, for when the operator goes there. */
	spark_rows_sync(&s->app_rows);
	if ((row = spark_rows_find(&s->app_rows, a.namespace, a.name)) >= 0) {
		for (pos = 0; pos < table_shown(&s->apps_pane->table); pos++)
			if (table_model_row(&s->apps_pane->table.model, pos) == (size_t)row) {
				table_move_to(&s->apps_pane->table, pos);
				break;
			}
	}
	spark_pods_open(t, a.namespace, a.name, NULL);
}

void
spark_pane_find_task(struct tui *t, const char *dag, const char *run, const char *task)
{
	struct spark_pane	*s = spark_pane_get();
	char			*cause = NULL;

	if (s->kube == NULL && spark_pane_connect(t, NULL, &cause) != 0) {
		tui_message(t, THEME_ERROR, "%s", cause);
		free(cause);
		return;
	}
	spark_pane_want_clear(s);
	s->want_task[0] = spark_pane_label_safe(dag);
	s->want_task[1] = spark_pane_label_safe(run);
	s->want_task[2] = spark_pane_label_safe(task);
	if (s->apps.synced)
		spark_pane_resolve(t, s);
	else
		tui_message(t, THEME_MUTED, "looking for the application of %s ...", task);
}

/* ------------------------------------------------------------ the informer */

static void
spark_apps_event(struct kube_informer *inf, enum kube_event ev, json_t *obj,
    const struct kube_error *err, void *arg)
{
	struct spark_pane	*s = arg;
	struct tui		*t = tui_self;

	switch (ev) {
	case KUBE_EV_ADDED:
	case KUBE_EV_MODIFIED:
		if (s->apps.synced && obj != NULL)
			spark_rows_put(&s->app_rows, obj);
		break;
	case KUBE_EV_DELETED:
		if (s->apps.synced && obj != NULL)
			spark_rows_remove(&s->app_rows, obj);
		break;
	case KUBE_EV_SYNCED:
		s->apps.synced = 1;
		free(s->apps.error);
		s->apps.error = NULL;
		s->apps.errors = 0;
		spark_rows_load(&s->app_rows, inf);
		if (t != NULL)
			spark_pane_resolve(t, s);
		break;
	case KUBE_EV_ERROR:
		spark_watch_failed(&s->apps, err);
		break;
	}
	if (ev != KUBE_EV_ERROR && ev != KUBE_EV_SYNCED && s->apps.error != NULL) {
		free(s->apps.error);	/* events flow again */
		s->apps.error = NULL;
		s->apps.errors = 0;
	}
	if (t != NULL)
		t->dirty = 1;
}

static void
spark_pane_disconnect(struct spark_pane *s)
{
	spark_log_free(s);
	spark_watch_stop(&s->podw);
	spark_watch_stop(&s->apps);
	if (s->kube != NULL)
		kube_free(s->kube);
	s->kube = NULL;
	free(s->service);
	s->service = NULL;
	free(s->apps_path);
	s->apps_path = NULL;
}

/* The SparkApplications the service names (its endpoint's path), else all. */
static char *
spark_pane_apps_path(const struct inv_service *svc)
{
	const char	*p;

	if (svc->nendpoints > 0 && (p = strstr(svc->endpoints[0].url, "/apis/")) != NULL &&
	    strstr(p, "/sparkapplications") != NULL)
		return (xstrdup(p));
	return (xstrdup(KUBE_SPARK_GROUP "/sparkapplications"));
}

/*
 * Connect to a service of kind spark or kube (the one named, else the first
 * spark one, else the first kube one) and start the applications' informer.
 */
int
spark_pane_connect(struct tui *t, const char *service, char **cause)
{
	struct spark_pane		*s = spark_pane_get();
	struct cmd_env			*env = t->env;
	const struct inv_service	*svc = NULL;
	struct kube			*k;
	size_t				 i, kind;

	if (spark_pane_attach(t, s) != 0) {
		xasprintf(cause, "no Spark pane");
		return (-1);
	}
	if (env->inv == NULL) {
		if (env->inv_path == NULL)
			env->inv_path = inventory_default_path();
		if ((env->inv = inventory_load(env->inv_path, 0, cause)) == NULL)
			return (-1);
	}
	for (kind = 0; svc == NULL && spark_kinds[kind] != NULL; kind++) {
		for (i = 0; svc == NULL && i < env->inv->nservices; i++) {
			const struct inv_service *is = &env->inv->services[i];

			if (service != NULL ? strcmp(is->name, service) == 0 :
			    strcmp(is->kind, spark_kinds[kind]) == 0)
				svc = is;
		}
	}
	if (svc == NULL) {
		if (service != NULL)
			xasprintf(cause, "no service '%s' in the inventory", service);
		else
			xasprintf(cause, "no Spark or Kubernetes service in the inventory");
		return (-1);
	}
	if (s->service != NULL && strcmp(s->service, svc->name) == 0 && s->kube != NULL)
		return (0);
	if ((k = kube_for_service(env, svc->name, cause)) == NULL)
		return (-1);
	spark_pane_disconnect(s);
	s->kube = k;
	s->service = xstrdup(svc->name);
	s->apps_path = spark_pane_apps_path(svc);
	free(s->why);
	s->why = NULL;
	spark_rows_reset(t, &s->app_rows, spark_view_apps(spark_apps_cols,
	    SPARK_VIEW_NCOLS(spark_apps_cols)));
	s->apps.inf = kube_informer_start(k, s->apps_path, NULL, spark_apps_event, s);
	t->dirty = 1;
	return (0);
}

/* The application under the cursor (borrowed from the informer's store). */
json_t *
spark_pane_app(struct tui *t)
{
	struct spark_pane	*s = spark_pane_get();
	const struct view	*v;
	size_t			 row;

	(void)t;
	if (s->apps.inf == NULL || s->apps_pane == NULL || (v = s->apps_pane->own) == NULL ||
	    (row = table_current(&s->apps_pane->table)) == SIZE_MAX || row >= v->nrows)
		return (NULL);
	return (kube_informer_get(s->apps.inf, view_cell(v, row, SPARK_COL_NS)->text,
	    view_cell(v, row, SPARK_COL_NAME)->text));
}

static void
spark_pane_free_all(void)
{
	struct spark_pane	*s = spark_self;

	if (s == NULL)
		return;
	spark_pane_disconnect(s);
	if (s->apps_pane != NULL)
		loop_timer_stop(&s->tick);
	spark_pane_want_clear(s);
	spark_rows_free(&s->app_rows);
	spark_rows_free(&s->pod_rows);
	pane_free(&s->pods);
	pane_free(&s->log);
	pane_free(&s->doc);
	pane_free(&s->events);
	pane_free(&s->ui);
	buf_free(&s->partial);
	free(s->want_app);
	free(s->why);
	free(s);
	spark_self = NULL;
}

/* ------------------------------------------------------------ the pane */

static void
spark_pane_tick_cb(void *arg)
{
	struct spark_pane	*s = arg;
	struct tui		*t = tui_self;

	if (t == NULL || s->kube == NULL)
		return;
	if (t->cur == s->apps_pane || t->cur == &s->pods)
		t->dirty = 1;
	loop_timer_start(&s->tick, SPARK_TICK_MS);
}

/* The Applications tab is this state's: found once, from any way in. */
static int
spark_pane_attach(struct tui *t, struct spark_pane *s)
{
	size_t	i;

	for (i = 0; s->apps_pane == NULL && i < t->npanes; i++) {
		if (t->panes[i].type != &pane_spark)
			continue;
		s->apps_pane = &t->panes[i];
		spark_rows_init(&s->app_rows, s->apps_pane, spark_apps_fill);
		s->apps_pane->table.hooks = &spark_apps_hooks;
		s->apps_pane->table.hooks_arg = s;
		loop_timer_init(&s->tick, t->env->loop, spark_pane_tick_cb, s);
	}
	if (s->apps_pane == NULL)
		return (-1);
	if (!loop_timer_pending(&s->tick))
		loop_timer_start(&s->tick, SPARK_TICK_MS);
	return (0);
}

/* Shown: connect on first use (to the Overview's row if it came from there). */
static void
spark_pane_show(struct tui *t, struct pane *p)
{
	struct spark_pane	*s = spark_pane_get();
	const char		*want = pane_opened_for(t, spark_kinds);
	char			*cause = NULL;

	(void)p;
	if (want == NULL && s->kube != NULL)
		return;
	if (spark_pane_connect(t, want, &cause) != 0) {
		free(s->why);
		s->why = cause;
		t->dirty = 1;
	}
}

/* r: a failed connection is tried again; a live informer needs nothing. */
static void
spark_pane_reload(struct tui *t, struct pane *p)
{
	struct spark_pane	*s = spark_pane_get();
	char			*service;

	if (s->kube != NULL && s->apps.error == NULL) {
		tui_message(t, THEME_MUTED, "the applications are watched: nothing to reload");
		return;
	}
	service = s->service != NULL ? xstrdup(s->service) : NULL;
	spark_pane_disconnect(s);
	free(s->why);
	s->why = NULL;
	if (spark_pane_connect(t, service, &s->why) != 0)
		t->dirty = 1;
	free(service);
	(void)p;
}

static void
spark_pane_open_row(struct tui *t, struct pane *p, size_t row)
{
	const struct view	*v = p->own;

	if (v == NULL || row >= v->nrows)
		return;
	spark_pods_open(t, view_cell(v, row, SPARK_COL_NS)->text,
	    view_cell(v, row, SPARK_COL_NAME)->text, NULL);
}

static void
spark_pane_draw(struct tui *t, struct pane *p, int y, int h)
{
	struct spark_pane	*s = spark_pane_get();
	char			 st[512];
	uint64_t		 now;
	int			 line;

	for (line = y; line < y + h; line++) {
		move(line, 0);
		clrtoeol();
	}
	if (s->kube == NULL || p->own == NULL) {
		attrset(theme_attr(s->why != NULL ? THEME_ERROR : THEME_MUTED));
		table_put_text_at(y + 1, 2, s->why != NULL ? s->why : "connecting...",
		    COLS - 3);
		attrset(A_NORMAL);
		return;
	}
	spark_rows_sync(&s->app_rows);
	attrset(theme_attr(THEME_MUTED));
	snprintf(st, sizeof st, "%s  %s  %zu application%s  ", s->service, s->apps_path,
	    p->own->nrows, p->own->nrows == 1 ? "" : "s");
	table_put_text_at(y, 0, st, COLS);
	if (s->apps.error == NULL)
		table_put_text_at(y, getcurx(stdscr), spark_watch_status(&s->apps, st,
		    sizeof st), COLS - getcurx(stdscr));
	else {
		/* Why it is down on a line of its own, then that it keeps trying. */
		attrset(theme_attr(THEME_ERROR));
		table_put_text_at(++y, 0, spark_watch_status(&s->apps, st, sizeof st), COLS);
		attrset(theme_attr(THEME_MUTED));
		now = loop_now(t->env->loop);
		snprintf(st, sizeof st, "the watch retries in %llu s, backing off up to"
		    " %d s; the rows below are the last known (r retries now)",
		    s->apps.retry_at > now ? (unsigned long long)((s->apps.retry_at - now +
		    999) / 1000) : 0ULL, SPARK_RETRY_MAX_MS / 1000);
		table_put_text_at(++y, 0, st, COLS);
		h -= 2;
	}
	attrset(A_NORMAL);
	if (p->own->nrows == 0) {
		attrset(theme_attr(THEME_MUTED));
		mvaddnstr(y + 2, 2, s->apps.synced ? "No SparkApplications." : "listing...",
		    COLS - 3);
		attrset(A_NORMAL);
		return;
	}
	table_draw(&p->table, y + 1, 0, h - 1, COLS);
}

static void
spark_pane_free(struct pane *p)
{
	(void)p;
	spark_pane_free_all();
}

const struct pane_type pane_spark = {
	.name = "Spark",
	.kinds = spark_pane_kinds,
	.empty = "No Spark or Kubernetes service in the inventory.",
	.hints = "Enter pods  l log  e events  y/Y yaml/json  u UI  d delete  R restart ",
	.show = spark_pane_show,
	.reload = spark_pane_reload,
	.open = spark_pane_open_row,
	.free = spark_pane_free,
	.draw = spark_pane_draw,
};

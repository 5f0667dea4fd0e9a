/*
 * What the Spark pane opens on an application or pod: a pod's log streamed
 * with follow (the lines are the rows of a one-column view, drawn and
 * searched by tui/pane-log.c's code), the object as JSON to scroll and
 * search, its events, and the Spark UI's jobs and stages through the API
 * server's service proxy, asked again while the driver runs.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/kube.h"
#include "core/cmd.h"
#include "core/jsonyaml.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/pane-log.h"
#include "tui/pane-spark.h"
#include "tui/tui.h"

#define SPARK_LOG_TAIL	5000	/* lines asked for when a log opens */
#define SPARK_UI_MS	3000	/* the Spark UI again, while the driver runs */

/* Lines of text to the end of a one-column view. */
static void
spark_lines_add(struct view *v, const char *text, size_t len)
{
	const char	*p = text, *nl, *end = text + len;
	char		*line;
	size_t		 row;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		line = xstrndup(p, (size_t)(nl - p));
		if (nl > p && nl[-1] == '\r')
			line[nl - p - 1] = '\0';
		row = view_add_row(v);
		view_set_text(v, row, 0, line);
		free(line);
		p = nl + 1;
	}
}

static struct view *
spark_lines_view(const char *title)
{
	struct view	*v = view_new(title);

	view_add_column(v, "line", VIEW_TEXT);
	return (v);
}

/* ------------------------------------------------------------ log */

static int
spark_log_data(const char *data, size_t len, void *arg)
{
	struct spark_pane	*s = arg;
	struct table_model	*m = &s->log.table.model;
	struct view		*v = s->log.own;
	const char		*nl;
	size_t			 used, before;
	int			 at_end;

	if (v == NULL)
		return (-1);
	at_end = m->nshown == 0 || m->cur + 1 >= m->nshown;
	before = v->nrows;
	buf_add(&s->partial, data, len);
	/* Whole lines only; the rest waits for its newline. */
	for (used = 0; (nl = memchr(s->partial.data + used, '\n',
	    s->partial.len - used)) != NULL; used = (size_t)(nl - s->partial.data) + 1)
		spark_lines_add(v, s->partial.data + used,
		    (size_t)(nl - (s->partial.data + used)));
	buf_consume(&s->partial, used);
	if (v->nrows != before) {
		table_model_changed(m, before);
		if (s->text.follow && at_end)
			table_move_to(&s->log.table, SIZE_MAX);
		tui_self->dirty = 1;
	}
	return (0);
}

static void
spark_log_done(struct kube_req *req, const struct kube_error *err, json_t *body,
    void *arg)
{
	struct spark_pane	*s = arg;

	(void)req;
	(void)body;
	s->logreq = NULL;
	s->log_ended = 1;
	if (s->partial.len > 0 && s->log.own != NULL) {
		spark_lines_add(s->log.own, s->partial.data, s->partial.len);
		buf_consume(&s->partial, s->partial.len);
		table_model_changed(&s->log.table.model, 0);
	}
	free(s->log_error);
	s->log_error = err != NULL && err->exit != 0 ? xstrdup(err->message != NULL ?
	    err->message : "the log stream failed") : NULL;
	tui_self->dirty = 1;
}

static void
spark_log_stop(struct spark_pane *s)
{
	if (s->logreq != NULL)
		kube_req_cancel(s->logreq);
	s->logreq = NULL;
	buf_consume(&s->partial, s->partial.len);
}

/* Stream a pod's log (the current container's, or the previous one's). */
void
spark_log_open(struct tui *t, const char *ns, const char *pod, int previous)
{
	struct spark_pane	*s = spark_pane_get();
	struct kube_log_opts	 o;

	if (s->kube == NULL || ns == NULL || pod == NULL)
		return;
	spark_log_stop(s);
	if (s->log_pod != pod) {
		free(s->log_ns);
		free(s->log_pod);
		s->log_ns = xstrdup(ns);
		s->log_pod = xstrdup(pod);
	}
	s->log_previous = previous;
	s->log_ended = 0;
	free(s->log_error);
	s->log_error = NULL;
	s->text.follow = 1;
	pane_set_view(t, &s->log, spark_lines_view(previous ? "previous log" : "log"));
	memset(&o, 0, sizeof o);
	o.follow = !previous;
	o.previous = previous;
	o.tail_lines = SPARK_LOG_TAIL;
	s->logreq = kube_logs(s->kube, s->log_ns, s->log_pod, &o, spark_log_data,
	    spark_log_done, s);
	tui_show(t, &s->log, t->cur != &s->log);
}

/* F: following again jumps to the end; paused, the lines still come. */
static void
spark_log_follow_set(struct tui *t, struct pane *p)
{
	struct spark_pane	*s = spark_pane_get();

	if (s->text.follow)
		table_move_to(&p->table, SIZE_MAX);
	t->dirty = 1;
}

static struct pane_log_text *
spark_log_text(struct pane *p)
{
	struct spark_pane	*s = spark_pane_get();

	if (p == &s->log) {
		s->text.follow_set = spark_log_follow_set;
		return (&s->text);
	}
	return (p == &s->doc ? &s->doc_text : NULL);
}

/* A title, the lines, and a status line: the log's and the describe view's. */
static void
spark_lines_draw(struct pane *p, struct pane_log_text *x, int y, int h,
    const char *title, const char *state, const char *error)
{
	struct table_model	*m = &p->table.model;
	char			 st[256];
	int			 line;

	for (line = y; line < y + h; line++) {
		move(line, 0);
		clrtoeol();
	}
	attrset(theme_attr(THEME_TITLE));
	table_put_text_at(y, 0, title, COLS);
	attrset(A_NORMAL);
	if (p->own != NULL && h > 2)
		pane_log_lines_draw(p, p->own, y + 1, h - 2, x->wrap, NULL, NULL);
	if (error != NULL) {
		attrset(theme_attr(THEME_ERROR));
		table_put_text_at(y + h - 2, 0, error, COLS);
	} else if (m->nshown == 0) {
		attrset(theme_attr(THEME_MUTED));
		mvaddstr(y + 1, 2, m->expr != NULL ? "no lines match" : "nothing yet");
	}
	snprintf(st, sizeof st, "%zu/%zu lines  %s  wrap %s%s%s",
	    m->nshown == 0 ? 0 : m->cur + 1, m->nshown, state, x->wrap ? "on" : "off",
	    x->search != NULL ? "  search: " : "", x->search != NULL ? x->search : "");
	attrset(theme_attr(THEME_MUTED));
	table_put_text_at(y + h - 1, 0, st, COLS - 1);
	attrset(A_NORMAL);
}

static void
spark_log_draw(struct tui *t, struct pane *p, int y, int h)
{
	struct spark_pane	*s = spark_pane_get();
	char			 title[512];

	(void)t;
	snprintf(title, sizeof title, "%s/%s  %s", s->log_ns != NULL ? s->log_ns : "",
	    s->log_pod != NULL ? s->log_pod : "", s->log_previous ?
	    "previous container's log" : "log");
	spark_lines_draw(p, &s->text, y, h, title, s->logreq != NULL ? (s->text.follow ?
	    "following" : "paused (F follows)") : s->log_ended ? "end of log" : "",
	    s->log_error);
}

const struct pane_type pane_spark_log = {
	.name = "Spark log",
	.empty = "No log.",
	.hints = "/ search  n/N next  F follow/pause  p previous  e events  w wrap ",
	.draw = spark_log_draw,
};

/* ------------------------------------------------------------ describe */

static void
spark_doc_done(struct kube_req *req, const struct kube_error *err, json_t *body,
    void *arg)
{
	struct spark_pane	*s = arg;
	struct view		*v;
	char			*text = NULL;
	size_t			 len = 0;
	FILE			*f;

	(void)req;
	s->docreq = NULL;
	v = spark_lines_view("describe");
	if (body != NULL && !s->doc_json && (f = open_memstream(&text, &len)) != NULL) {
		if (jsonyaml_dump(f, body) != 0) {
			fclose(f);
			free(text);
			text = NULL;
		} else
			fclose(f);
	}
	if (body != NULL && text == NULL)
		text = json_dumps(body, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text != NULL) {
		spark_lines_add(v, text, strlen(text));
		free(text);
	} else
		spark_lines_add(v, err != NULL && err->message != NULL ? err->message :
		    "no answer", strlen(err != NULL && err->message != NULL ? err->message :
		    "no answer"));
	pane_set_view(tui_self, &s->doc, v);
}

/* An object as YAML (as kubectl shows it) or JSON, to scroll and search. */
void
spark_doc_open(struct tui *t, const char *title, const char *path, int json)
{
	struct spark_pane	*s = spark_pane_get();

	if (s->kube == NULL)
		return;
	s->doc_json = json;
	if (s->docreq != NULL)
		kube_req_cancel(s->docreq);
	free(s->doc_title);
	s->doc_title = xstrdup(title);
	pane_set_view(t, &s->doc, spark_lines_view("describe"));
	s->docreq = kube_get(s->kube, path, spark_doc_done, s);
	tui_show(t, &s->doc, 1);
}

static void
spark_doc_draw(struct tui *t, struct pane *p, int y, int h)
{
	struct spark_pane	*s = spark_pane_get();

	(void)t;
	spark_lines_draw(p, &s->doc_text, y, h, s->doc_title != NULL ? s->doc_title : "",
	    s->docreq != NULL ? "loading..." : "", NULL);
}

const struct pane_type pane_spark_doc = {
	.name = "Spark describe",
	.empty = "Nothing.",
	.hints = "/ search  n/N next  w wrap ",
	.draw = spark_doc_draw,
};

/* ------------------------------------------------------------ events */

static void
spark_events_done(struct kube_req *req, const struct kube_error *err, json_t *body,
    void *arg)
{
	struct spark_pane	*s = arg;
	struct view		*v;
	json_t			*items, *ev, *io;
	const char		*last;
	size_t			 i, row;

	(void)req;
	s->evreq = NULL;
	if (err != NULL && err->exit != 0) {
		free(s->events.why);
		s->events.why = xstrdup(err->message != NULL ? err->message : "no answer");
		pane_set_view(tui_self, &s->events, NULL);
		return;
	}
	v = view_new(s->events_title);
	view_add_column(v, "last", VIEW_TIME);
	view_add_column(v, "type", VIEW_STATE);
	view_add_column(v, "reason", VIEW_TEXT);
	view_add_column(v, "object", VIEW_TEXT);
	view_add_column(v, "count", VIEW_NUMBER);
	view_add_column(v, "message", VIEW_TEXT);
	items = json_object_get(body, "items");
	json_array_foreach(items, i, ev) {
		io = json_object_get(ev, "involvedObject");
		if ((last = json_string_value(json_object_get(ev, "lastTimestamp"))) == NULL &&
		    (last = json_string_value(json_object_get(ev, "eventTime"))) == NULL)
			last = json_string_value(json_object_get(json_object_get(ev,
			    "metadata"), "creationTimestamp"));
		row = view_add_row(v);
		view_set_num(v, row, 0, kube_time(last));
		view_set_text(v, row, 1, json_string_value(json_object_get(ev, "type")));
		view_set_text(v, row, 2, json_string_value(json_object_get(ev, "reason")));
		view_set_text(v, row, 3, json_string_value(json_object_get(io, "name")));
		view_set_num(v, row, 4, json_integer_value(json_object_get(ev, "count")));
		view_set_text(v, row, 5, json_string_value(json_object_get(ev, "message")));
	}
	view_sort(v, 0, 0);
	free(s->events.why);
	s->events.why = NULL;
	pane_set_view(tui_self, &s->events, v);
	table_move_to(&s->events.table, SIZE_MAX);
}

/* The events of one object, oldest first (the cursor on the newest). */
void
spark_events_open(struct tui *t, const char *ns, const char *kind, const char *name)
{
	struct spark_pane	*s = spark_pane_get();
	char			*path;

	if (s->kube == NULL || ns == NULL || name == NULL)
		return;
	if (s->evreq != NULL)
		kube_req_cancel(s->evreq);
	free(s->events_title);
	s->events_title = xprintf("events of %s %s/%s", kind, ns, name);
	pane_set_view(t, &s->events, NULL);
	free(s->events.why);
	s->events.why = NULL;
	path = xprintf("/api/v1/namespaces/%s/events?fieldSelector=involvedObject.name%%3D%s",
	    ns, name);
	s->evreq = kube_get(s->kube, path, spark_events_done, s);
	free(path);
	tui_show(t, &s->events, 1);
}

const struct pane_type pane_spark_events = {
	.name = "Spark events",
	.empty = "No events.",
};

/* ------------------------------------------------------------ Spark UI */

static void	spark_ui_load(struct spark_pane *);

static void
spark_ui_row(struct view *v, const char *what, json_t *o, const char *idkey)
{
	size_t	row = view_add_row(v);
	char	tasks[64];

	view_set_text(v, row, 0, what);
	view_set_num(v, row, 1, json_integer_value(json_object_get(o, idkey)));
	view_set_text(v, row, 2, json_string_value(json_object_get(o, "status")));
	snprintf(tasks, sizeof tasks, "%lld/%lld",
	    (long long)json_integer_value(json_object_get(o, "numCompletedTasks")),
	    (long long)json_integer_value(json_object_get(o, "numTasks")));
	view_set_text(v, row, 3, tasks);
	view_set_text(v, row, 4, json_string_value(json_object_get(o, "name")));
}

static void
spark_ui_build(struct spark_pane *s)
{
	struct view	*v = view_new(s->ui_title);
	json_t		*o;
	size_t		 i;

	view_add_column(v, "what", VIEW_TEXT);
	view_add_column(v, "id", VIEW_NUMBER);
	view_add_column(v, "status", VIEW_STATE);
	view_add_column(v, "tasks", VIEW_TEXT);
	view_add_column(v, "name", VIEW_TEXT);
	json_array_foreach(s->ui_jobs, i, o)
		spark_ui_row(v, "job", o, "jobId");
	json_array_foreach(s->ui_stages, i, o)
		spark_ui_row(v, "stage", o, "stageId");
	pane_set_view(tui_self, &s->ui, v);
}

static void
spark_ui_answer(struct spark_pane *s, const struct kube_error *err, json_t *body,
    json_t **into)
{
	s->uireq = NULL;
	free(s->ui_error);
	s->ui_error = NULL;
	if (err != NULL && err->exit != 0) {
		s->ui_error = xstrdup(err->message != NULL ? err->message : "no answer");
		free(s->ui.why);
		s->ui.why = xprintf("the Spark UI does not answer (it lives while the driver"
		    " runs): %s", s->ui_error);
		tui_self->dirty = 1;
		return;
	}
	json_decref(*into);
	*into = json_incref(body);
}

static void
spark_ui_stages_done(struct kube_req *req, const struct kube_error *err, json_t *body,
    void *arg)
{
	struct spark_pane	*s = arg;

	(void)req;
	spark_ui_answer(s, err, body, &s->ui_stages);
	if (s->ui_error == NULL)
		spark_ui_build(s);
	loop_timer_start(&s->ui_timer, SPARK_UI_MS);
}

static void
spark_ui_jobs_done(struct kube_req *req, const struct kube_error *err, json_t *body,
    void *arg)
{
	struct spark_pane	*s = arg;
	char			*path;

	(void)req;
	spark_ui_answer(s, err, body, &s->ui_jobs);
	if (s->ui_error != NULL) {
		loop_timer_start(&s->ui_timer, SPARK_UI_MS);
		return;
	}
	path = xprintf("%s/stages", s->ui_base);
	s->uireq = kube_get(s->kube, path, spark_ui_stages_done, s);
	free(path);
}

static void
spark_ui_load(struct spark_pane *s)
{
	char	*path;

	if (s->uireq != NULL || s->ui_base == NULL || s->kube == NULL)
		return;
	path = xprintf("%s/jobs", s->ui_base);
	s->uireq = kube_get(s->kube, path, spark_ui_jobs_done, s);
	free(path);
}

/* Again while the pane is shown: the UI lives as long as the driver. */
static void
spark_ui_timer_cb(void *arg)
{
	struct spark_pane	*s = arg;

	if (tui_self != NULL && tui_self->cur == &s->ui)
		spark_ui_load(s);
}

/* Jobs and stages of a running application from its driver's UI service. */
void
spark_ui_open(struct tui *t, json_t *app)
{
	struct spark_pane	*s = spark_pane_get();
	struct kube_app_row	 a;
	char			*svc;

	if (s->kube == NULL || app == NULL)
		return;
	kube_app_row(app, &a);
	if (a.app_id == NULL) {
		tui_message(t, THEME_WARN, "%s has no Spark application id yet (state %s)",
		    a.name, a.state != NULL && *a.state != '\0' ? a.state : "NEW");
		return;
	}
	if (s->uireq != NULL)
		kube_req_cancel(s->uireq);
	s->uireq = NULL;
	free(s->ui_base);
	free(s->ui_title);
	svc = a.ui_service != NULL ? xprintf("%s:%ld", a.ui_service, a.ui_port > 0 ?
	    a.ui_port : 4040L) : xprintf("%s-ui-svc:4040", a.name);
	s->ui_base = xprintf("/api/v1/namespaces/%s/services/%s/proxy/api/v1/"
	    "applications/%s", a.namespace, svc, a.app_id);
	s->ui_title = xprintf("Spark UI of %s/%s (%s)", a.namespace, a.name, a.app_id);
	free(svc);
	json_decref(s->ui_jobs);
	json_decref(s->ui_stages);
	s->ui_jobs = s->ui_stages = NULL;
	free(s->ui.why);
	s->ui.why = NULL;
	pane_set_view(t, &s->ui, NULL);
	if (!s->ui_timer.cb)
		loop_timer_init(&s->ui_timer, t->env->loop, spark_ui_timer_cb, s);
	spark_ui_load(s);
	tui_show(t, &s->ui, 1);
}

static void
spark_ui_show(struct tui *t, struct pane *p)
{
	(void)t;
	(void)p;
	spark_ui_load(spark_pane_get());
}

/* What it shows and how fresh, then the jobs and stages (or why there are none). */
static void
spark_ui_draw(struct tui *t, struct pane *p, int y, int h)
{
	struct spark_pane	*s = spark_pane_get();
	int			 line;

	(void)t;
	for (line = y; line < y + h; line++) {
		move(line, 0);
		clrtoeol();
	}
	attrset(theme_attr(THEME_TITLE));
	table_put_text_at(y, 0, s->ui_title != NULL ? s->ui_title : "Spark UI", COLS);
	attrset(theme_attr(s->ui_error != NULL ? THEME_ERROR : THEME_MUTED));
	if (s->ui_error != NULL)
		table_put_text_at(y + 1, 0, p->why != NULL ? p->why : s->ui_error, COLS);
	else
		table_put_text_at(y + 1, 0, "asked again every 3 seconds while shown", COLS);
	attrset(A_NORMAL);
	if (p->own != NULL && p->own->nrows > 0)
		table_draw(&p->table, y + 2, 0, h - 2, COLS);
	else if (s->ui_error == NULL) {
		attrset(theme_attr(THEME_MUTED));
		mvaddstr(y + 3, 2, s->uireq != NULL ? "asking the Spark UI..." : "no jobs yet");
		attrset(A_NORMAL);
	}
}

const struct pane_type pane_spark_ui = {
	.name = "Spark UI",
	.empty = "Asking the Spark UI...",
	.show = spark_ui_show,
	.draw = spark_ui_draw,
};

/* ------------------------------------------------------------ lifetime */

/* The streams and requests in flight, before the client goes. */
void
spark_log_free(struct spark_pane *s)
{
	spark_log_stop(s);
	if (s->docreq != NULL)
		kube_req_cancel(s->docreq);
	if (s->evreq != NULL)
		kube_req_cancel(s->evreq);
	if (s->uireq != NULL)
		kube_req_cancel(s->uireq);
	s->docreq = s->evreq = s->uireq = NULL;
	if (s->ui_timer.cb != NULL)
		loop_timer_stop(&s->ui_timer);
	json_decref(s->ui_jobs);
	json_decref(s->ui_stages);
	s->ui_jobs = s->ui_stages = NULL;
	free(s->log_ns);
	free(s->log_pod);
	free(s->log_error);
	free(s->doc_title);
	free(s->events_title);
	free(s->ui_base);
	free(s->ui_title);
	free(s->ui_error);
	free(s->text.search);
	free(s->doc_text.search);
	s->log_ns = s->log_pod = s->log_error = s->doc_title = s->events_title = NULL;
	s->ui_base = s->ui_title = s->ui_error = NULL;
	s->text.search = s->doc_text.search = NULL;
}

/* The log commands serve the Spark log and describe views too. */
void
spark_log_register(void)
{
	pane_log_adopt(&pane_spark_log, spark_log_text);
	pane_log_adopt(&pane_spark_doc, spark_log_text);
}

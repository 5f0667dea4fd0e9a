/*
 * The Airflow views: a page of DAGs, runs or task instances, the grid (runs
 * across, tasks down) and task logs, from the API of either version; when
 * the API does not answer, from the metadata database's tables, read-only.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/airflow.h"
#include "backends/airflow-int.h"
#include "backends/pg.h"
#include "core/buf.h"
#include "core/secret.h"
#include "core/view.h"
#include "core/xmalloc.h"

#define AF_PARALLEL	8	/* requests in flight for one view */

static void	af_job_main(struct af_job *);
static void	af_job_subs(struct af_job *);

/* "2024-01-01T00:00:00.123+02:00" or "...Z" to unix seconds; -1 when not a time. */
int64_t
af_parse_time(const char *s)
{
	struct tm	 tm;
	int		 n = 0, sign, hh, mm;
	const char	*p;
	int64_t		 t;

	if (s == NULL)
		return (-1);
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n == 0)
		return (-1);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = (int64_t)timegm(&tm);
	p = s + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &hh, &mm) == 2) {
		sign = *p == '+' ? 1 : -1;
		t -= sign * (hh * 3600 + mm * 60);
	}
	return (t);
}

/* A string field, or NULL for null and other types. */
const char *
af_str(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return (json_is_string(v) ? json_string_value(v) : NULL);
}

/* Set a time cell from an ISO string; null stays null. */
static void
af_set_time(struct view *v, size_t row, size_t col, const char *s)
{
	int64_t	t = af_parse_time(s);

	if (t >= 0)
		view_set_num(v, row, col, t);
}

/* The columns of each kind; one place, so API and database views match. */
struct view *
af_view_new(const char *kind, const char *title)
{
	struct view	*v = view_new(title);

	if (strcmp(kind, "dags") == 0) {
		view_add_column(v, "dag_id", VIEW_TEXT);
		view_add_column(v, "paused", VIEW_TEXT);
		view_add_column(v, "schedule", VIEW_TEXT);
		view_add_column(v, "owners", VIEW_TEXT);
		view_add_column(v, "tags", VIEW_TEXT);
		view_add_column(v, "last_state", VIEW_STATE);
		view_add_column(v, "next_run", VIEW_TIME);
		view_add_column(v, "recent", VIEW_TEXT);
	} else if (strcmp(kind, "runs") == 0) {
		view_add_column(v, "run_id", VIEW_TEXT);
		view_add_column(v, "type", VIEW_TEXT);
		view_add_column(v, "state", VIEW_STATE);
		view_add_column(v, "logical_date", VIEW_TIME);
		view_add_column(v, "start", VIEW_TIME);
		view_add_column(v, "end", VIEW_TIME);
		view_add_column(v, "duration", VIEW_DURATION);
		view_add_column(v, "conf", VIEW_TEXT);
	} else if (strcmp(kind, "tasks") == 0) {
		view_add_column(v, "task_id", VIEW_TEXT);
		view_add_column(v, "state", VIEW_STATE);
		view_add_column(v, "try", VIEW_NUMBER);
		view_add_column(v, "start", VIEW_TIME);
		view_add_column(v, "end", VIEW_TIME);
		view_add_column(v, "duration", VIEW_DURATION);
		view_add_column(v, "hostname", VIEW_TEXT);
		view_add_column(v, "operator", VIEW_TEXT);
	} else
		view_add_column(v, "task_id", VIEW_TEXT);	/* grid: runs added later */
	return (v);
}

/* 2.x {__type: CronExpression, value} or a string; 3.x timetable_summary. */
static void
af_dag_schedule(struct view *v, size_t row, json_t *d)
{
	json_t		*s = json_object_get(d, "schedule_interval");
	const char	*t;

	if (json_is_object(s))
		t = af_str(s, "value");
	else if (json_is_string(s))
		t = json_string_value(s);
	else if ((t = af_str(d, "timetable_summary")) == NULL)
		t = af_str(d, "timetable_description");
	if (t != NULL)
		view_set_text(v, row, 2, t);
}

/* Names of a list of strings or of {name} objects, comma-separated. */
static void
af_join(struct view *v, size_t row, size_t col, json_t *a)
{
	struct buf	 b;
	json_t		*x;
	size_t		 i;
	const char	*s;

	if (!json_is_array(a))
		return;
	buf_init(&b);
	json_array_foreach(a, i, x) {
		s = json_is_string(x) ? json_string_value(x) : af_str(x, "name");
		if (s != NULL)
			buf_printf(&b, "%s%s", b.len ? "," : "", s);
	}
	view_set_text(v, row, col, buf_str(&b));
	buf_free(&b);
}

/* Append the items of a list answer: the same columns for 2.x and 3.x. */
int
af_view_add_json(struct view *v, const char *kind, json_t *items, char **cause)
{
	json_t		*o, *conf;
	size_t		 i, row;
	const char	*s;
	char		*c;
	int64_t		 st, en;

	if (!json_is_array(items)) {
		*cause = xprintf("the %s list is not an array", kind);
		return (-1);
	}
	json_array_foreach(items, i, o) {
		if (!json_is_object(o))
			continue;
		row = view_add_row(v);
		if (strcmp(kind, "dags") == 0) {
			view_set_text(v, row, 0, af_str(o, "dag_id"));
			view_set_text(v, row, 1, json_is_true(json_object_get(o, "is_paused")) ?
			    "yes" : "no");
			af_dag_schedule(v, row, o);
			af_join(v, row, 3, json_object_get(o, "owners"));
			af_join(v, row, 4, json_object_get(o, "tags"));
			if ((s = af_str(o, "next_dagrun_logical_date")) == NULL &&
			    (s = af_str(o, "next_dagrun")) == NULL)
				s = af_str(o, "next_dagrun_run_after");
			af_set_time(v, row, 6, s);
		} else if (strcmp(kind, "runs") == 0) {
			view_set_text(v, row, 0, af_str(o, "dag_run_id"));
			view_set_text(v, row, 1, af_str(o, "run_type"));
			view_set_text(v, row, 2, af_str(o, "state"));
			if ((s = af_str(o, "logical_date")) == NULL)
				s = af_str(o, "execution_date");
			af_set_time(v, row, 3, s);
			st = af_parse_time(af_str(o, "start_date"));
			en = af_parse_time(af_str(o, "end_date"));
			af_set_time(v, row, 4, af_str(o, "start_date"));
			af_set_time(v, row, 5, af_str(o, "end_date"));
			if (st >= 0 && en >= st)
				view_set_num(v, row, 6, (en - st) * 1000);
			conf = json_object_get(o, "conf");
			if (conf != NULL && !json_is_null(conf)) {
				c = json_dumps(conf, JSON_COMPACT | JSON_ENCODE_ANY);
				view_set_text(v, row, 7, c);
				free(c);
			}
		} else {
			view_set_text(v, row, 0, af_str(o, "task_id"));
			view_set_text(v, row, 1, af_str(o, "state"));
			if (json_is_integer(json_object_get(o, "try_number")))
				view_set_num(v, row, 2, json_integer_value(json_object_get(o,
				    "try_number")));
			af_set_time(v, row, 3, af_str(o, "start_date"));
			af_set_time(v, row, 4, af_str(o, "end_date"));
			if (json_is_number(json_object_get(o, "duration")))
				view_set_num(v, row, 5, (int64_t)(json_number_value(
				    json_object_get(o, "duration")) * 1000));
			view_set_text(v, row, 6, af_str(o, "hostname"));
			if ((s = af_str(o, "operator")) == NULL)
				s = af_str(o, "operator_name");
			view_set_text(v, row, 7, s);
		}
	}
	return (0);
}

/* Newest first: run_after in 3.x (manual runs may have no logical date); id before detection. */
static const char *
af_runs_order(struct af_client *cl)
{
	if (cl->version == AF_VERSION_UNKNOWN)
		return ("-id");
	return (cl->version == AF_VERSION_3 ? "-run_after" : "-execution_date");
}

/* Free a job that is out of the client's list. */
void
af_job_free(struct af_job *j)
{
	size_t	i;

	view_free(j->view);
	for (i = 0; i < j->ntasks; i++)
		free(j->names[i]);
	free(j->names);
	for (i = 0; i < j->nrunids; i++)
		free(j->runs[i]);
	free(j->runs);
	free(j->subs);
	free(j->dag);
	free(j->run);
	free(j->task);
	free(j->pattern);
	free(j->token);
	free(j);
}

/* Stop everything the job has in flight; no callback. */
static void
af_job_cancel(struct af_job *j)
{
	size_t	i;

	af_op_cancel(j->op);
	j->op = NULL;
	if (j->pg != NULL)
		pg_close(j->pg);
	j->pg = NULL;
	for (i = 0; i < j->nsubs; i++) {
		af_op_cancel(j->subs[i].op);
		j->subs[i].op = NULL;
	}
	TAILQ_REMOVE(&j->client->jobs, j, entry);
	af_job_free(j);
}

/* When the client goes, its views go. */
void
af_view_cancel_all(struct af_client *cl)
{
	struct af_job	*j;

	while ((j = TAILQ_FIRST(&cl->jobs)) != NULL)
		af_job_cancel(j);
}

/* Report the view (or the error) once and free the job. */
void
af_job_report(struct af_job *j, enum af_error e, long status, const char *msg, int from_db)
{
	struct af_result	r;
	size_t			i;

	for (i = 0; i < j->nsubs; i++) {
		af_op_cancel(j->subs[i].op);
		j->subs[i].op = NULL;
	}
	if (j->pg != NULL)
		pg_close(j->pg);
	j->pg = NULL;
	TAILQ_REMOVE(&j->client->jobs, j, entry);
	memset(&r, 0, sizeof r);
	r.error = e;
	r.status = status;
	r.message = msg;
	r.from_db = from_db;
	if (e == AF_OK) {
		r.view = j->view;
		j->view = NULL;
		r.offset = j->offset;
		r.total = j->total;
	}
	j->client->read_only = from_db;
	j->cb(&r, j->arg);
	view_free(r.view);
	af_job_free(j);
}

/* A job's start: one struct for every kind. */
static struct af_job *
af_job_new(struct af_client *cl, enum af_job_kind kind, const char *dag,
    af_done_cb cb, void *arg)
{
	struct af_job	*j = xcalloc(1, sizeof *j);

	j->is_job = 1;
	j->client = cl;
	j->kind = kind;
	j->dag = dag != NULL ? xstrdup(dag) : NULL;
	j->cb = cb;
	j->arg = arg;
	TAILQ_INSERT_TAIL(&cl->jobs, j, entry);
	return (j);
}

/* Path segments are ids with few characters; escape what a URL cannot carry. */
char *
af_escape_path(const char *s)
{
	struct buf	 b;
	const char	*p;

	buf_init(&b);
	for (p = s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~", *p) != NULL)
			buf_addc(&b, *p);
		else
			buf_printf(&b, "%%%02X", (unsigned char)*p);
	}
	return (buf_steal(&b));
}

/* Start subs until AF_PARALLEL are in flight; the last one to end reports. */
static void af_sub_done(struct af_result *, void *);
static void
af_job_subs(struct af_job *j)
{
	struct af_sub	*s;
	char		*path, *d, *r;
	const char	*id;

	while (j->pending < AF_PARALLEL && j->next < j->nsubs) {
		s = &j->subs[j->next++];
		d = af_escape_path(j->dag != NULL ? j->dag : "");
		if (j->kind == AF_JOB_DAGS) {
			free(d);
			id = view_cell(j->view, s->index, 0)->text;
			d = af_escape_path(id != NULL ? id : "");
			path = xprintf("/dags/%s/dagRuns", d);
			j->pending++;
			s->op = af_request(j->client, "GET", path, "limit=5&order_by=-id",
			    NULL, af_sub_done, s);
		} else {
			r = af_escape_path(j->runs[s->index]);
			path = xprintf("/dags/%s/dagRuns/%s/taskInstances", d, r);
			free(r);
			j->pending++;
			s->op = af_request(j->client, "GET", path, "limit=100", NULL,
			    af_sub_done, s);
		}
		free(path);
		free(d);
	}
	if (j->pending == 0 && j->next == j->nsubs)
		af_job_report(j, AF_OK, 200, NULL, 0);
}

/* A grid column's task states, or a DAG's recent runs. */
static void
af_sub_done(struct af_result *r, void *arg)
{
	struct af_sub	*s = arg;
	struct af_job	*j = s->job;
	json_t		*items, *o;
	struct buf	 marks;
	const char	*state, *task;
	size_t		 i, n, row, t;

	s->op = NULL;
	j->pending--;
	if (r->error == AF_ERR_AUTH || r->error == AF_ERR_UNREACHABLE) {
		af_job_report(j, r->error, r->status, r->message, 0);
		return;
	}
	if (r->error == AF_OK && j->kind == AF_JOB_DAGS) {
		items = json_object_get(r->json, "dag_runs");
		n = json_array_size(items);
		buf_init(&marks);
		/* Newest first in the answer; marks read oldest to newest. */
		for (i = n; i > 0; i--) {
			state = af_str(json_array_get(items, i - 1), "state");
			buf_addc(&marks, state != NULL ? state[0] : '-');
		}
		if (n > 0) {
			view_set_text(j->view, s->index, 5, af_str(json_array_get(items, 0),
			    "state"));
			view_set_text(j->view, s->index, 7, buf_str(&marks));
		}
		buf_free(&marks);
	} else if (r->error == AF_OK) {
		items = json_object_get(r->json, "task_instances");
		json_array_foreach(items, i, o) {
			if ((task = af_str(o, "task_id")) == NULL)
				continue;
			for (t = 0; t < j->view->nrows; t++) {
				if (strcmp(view_cell(j->view, t, 0)->text, task) == 0)
					break;
			}
			row = t;
			if (t == j->view->nrows) {
				row = view_add_row(j->view);
				view_set_text(j->view, row, 0, task);
			}
			view_set_text(j->view, row, 1 + s->index, af_str(o, "state"));
		}
	}
	af_job_subs(j);
}

/* Grid: the tasks first (row order), then the runs, newest first, page by page. */
static void
af_grid_step(struct af_result *r, void *arg)
{
	struct af_job	*j = arg;
	json_t		*items, *o;
	size_t		 i, k, row;
	const char	*id;
	char		*d, *path, *q;

	j->op = NULL;
	if (r->error == AF_ERR_UNREACHABLE && j->client->db.host != NULL) {
		af_db_start(j);
		return;
	}
	if (r->error != AF_OK) {
		af_job_report(j, r->error, r->status, r->message, 0);
		return;
	}
	if ((items = json_object_get(r->json, "tasks")) != NULL) {
		json_array_foreach(items, i, o) {
			if ((id = af_str(o, "task_id")) == NULL)
				continue;
			j->names = xreallocarray(j->names, j->ntasks + 1, sizeof *j->names);
			j->names[j->ntasks++] = xstrdup(id);
		}
	} else {
		items = json_object_get(r->json, "dag_runs");
		json_array_foreach(items, i, o) {
			if ((id = af_str(o, "dag_run_id")) == NULL || j->nrunids >= j->nruns)
				continue;
			j->runs = xreallocarray(j->runs, j->nrunids + 1, sizeof *j->runs);
			j->runs[j->nrunids++] = xstrdup(id);
		}
		j->total = json_integer_value(json_object_get(r->json, "total_entries"));
		if (json_array_size(items) == 0 || j->nrunids >= j->nruns ||
		    j->nrunids >= j->total) {
			/* All runs known: the view, oldest run on the left. */
			for (i = 0; i < j->nrunids / 2; i++) {
				d = j->runs[i];
				j->runs[i] = j->runs[j->nrunids - 1 - i];
				j->runs[j->nrunids - 1 - i] = d;
			}
			for (i = 0; i < j->nrunids; i++)
				view_add_column(j->view, j->runs[i], VIEW_STATE);
			for (k = 0; k < j->ntasks; k++) {
				row = view_add_row(j->view);
				view_set_text(j->view, row, 0, j->names[k]);
			}
			j->subs = xcalloc(j->nrunids, sizeof *j->subs);
			j->nsubs = j->nrunids;
			for (i = 0; i < j->nsubs; i++) {
				j->subs[i].job = j;
				j->subs[i].index = i;
			}
			af_job_subs(j);
			return;
		}
	}
	d = af_escape_path(j->dag);
	path = xprintf("/dags/%s/dagRuns", d);
	q = xprintf("limit=%d&offset=%zu&order_by=%s", AF_PAGE, j->nrunids,
	    af_runs_order(j->client));
	j->op = af_request(j->client, "GET", path, q, NULL, af_grid_step, j);
	free(q);
	free(path);
	free(d);
}

/* A list page arrived: rows, total; the DAG list then gets its recent runs. */
static void
af_list_done(struct af_result *r, void *arg)
{
	struct af_job	*j = arg;
	const char	*key;
	char		*cause = NULL;
	size_t		 i;

	j->op = NULL;
	if (r->error == AF_ERR_UNREACHABLE && j->client->db.host != NULL) {
		af_db_start(j);
		return;
	}
	if (r->error != AF_OK) {
		af_job_report(j, r->error, r->status, r->message, 0);
		return;
	}
	key = j->kind == AF_JOB_DAGS ? "dags" : j->kind == AF_JOB_RUNS ? "dag_runs" :
	    "task_instances";
	if (af_view_add_json(j->view, j->kind == AF_JOB_DAGS ? "dags" :
	    j->kind == AF_JOB_RUNS ? "runs" : "tasks", json_object_get(r->json, key),
	    &cause) != 0) {
		af_job_report(j, AF_ERR_PROTOCOL, r->status, cause, 0);
		free(cause);
		return;
	}
	j->total = json_integer_value(json_object_get(r->json, "total_entries"));
	if (j->kind == AF_JOB_TASKS && j->view->nrows < j->total &&
	    json_array_size(json_object_get(r->json, key)) > 0) {
		j->offset = j->view->nrows;
		af_job_main(j);
		return;
	}
	if (j->kind == AF_JOB_TASKS)
		j->offset = 0;
	if (j->kind == AF_JOB_DAGS) {
		j->subs = xcalloc(j->view->nrows + 1, sizeof *j->subs);
		j->nsubs = j->view->nrows;
		for (i = 0; i < j->nsubs; i++) {
			j->subs[i].job = j;
			j->subs[i].index = i;
		}
		af_job_subs(j);
		return;
	}
	af_job_report(j, AF_OK, r->status, NULL, 0);
}

/* The first request of a job. */
static void
af_job_main(struct af_job *j)
{
	struct buf	 q;
	char		*d, *r, *path, *p;

	buf_init(&q);
	d = j->dag != NULL ? af_escape_path(j->dag) : NULL;
	switch (j->kind) {
	case AF_JOB_DAGS:
		path = xstrdup("/dags");
		buf_printf(&q, "limit=%zu&offset=%zu&order_by=dag_id", j->limit, j->offset);
		if (j->pattern != NULL) {
			p = af_escape_path(j->pattern);
			buf_printf(&q, "&dag_id_pattern=%s", p);
			free(p);
		}
		break;
	case AF_JOB_RUNS:
		path = xprintf("/dags/%s/dagRuns", d);
		buf_printf(&q, "limit=%zu&offset=%zu&order_by=%s", j->limit, j->offset,
		    af_runs_order(j->client));
		break;
	case AF_JOB_TASKS:
		r = af_escape_path(j->run);
		path = xprintf("/dags/%s/dagRuns/%s/taskInstances", d, r);
		free(r);
		buf_printf(&q, "limit=%d&offset=%zu", AF_PAGE, j->offset);
		break;
	default:
		path = xprintf("/dags/%s/tasks", d);
		break;
	}
	j->op = af_request(j->client, "GET", path, q.len ? buf_str(&q) : NULL, NULL,
	    j->kind == AF_JOB_GRID ? af_grid_step : af_list_done, j);
	free(path);
	free(d);
	buf_free(&q);
}

/* A page of DAGs, ordered by id, with their recent runs. */
struct af_op *
af_dags_view(struct af_client *cl, const char *pattern, size_t offset, size_t limit,
    af_done_cb cb, void *arg)
{
	struct af_job	*j = af_job_new(cl, AF_JOB_DAGS, NULL, cb, arg);

	j->pattern = pattern != NULL ? xstrdup(pattern) : NULL;
	j->offset = offset;
	j->limit = limit > 0 ? limit : AF_PAGE;
	j->view = af_view_new("dags", "DAGs");
	af_job_main(j);
	return ((struct af_op *)j);
}

/* A page of a DAG's runs, newest first. */
struct af_op *
af_runs_view(struct af_client *cl, const char *dag, size_t offset, size_t limit,
    af_done_cb cb, void *arg)
{
	struct af_job	*j = af_job_new(cl, AF_JOB_RUNS, dag, cb, arg);
	char		*t;

	j->offset = offset;
	j->limit = limit > 0 ? limit : AF_PAGE;
	t = xprintf("Runs of %s", dag);
	j->view = af_view_new("runs", t);
	free(t);
	af_job_main(j);
	return ((struct af_op *)j);
}

/* Every task instance of one run. */
struct af_op *
af_tasks_view(struct af_client *cl, const char *dag, const char *run, af_done_cb cb,
    void *arg)
{
	struct af_job	*j = af_job_new(cl, AF_JOB_TASKS, dag, cb, arg);
	char		*t;

	j->run = xstrdup(run);
	t = xprintf("Tasks of %s %s", dag, run);
	j->view = af_view_new("tasks", t);
	free(t);
	af_job_main(j);
	return ((struct af_op *)j);
}

/* The last nruns runs of a DAG across, its tasks down. */
struct af_op *
af_grid_view(struct af_client *cl, const char *dag, size_t nruns, af_done_cb cb, void *arg)
{
	struct af_job	*j = af_job_new(cl, AF_JOB_GRID, dag, cb, arg);
	char		*t;

	j->nruns = nruns > 0 ? nruns : 25;
	t = xprintf("Grid of %s", dag);
	j->view = af_view_new("grid", t);
	free(t);
	af_job_main(j);
	return ((struct af_op *)j);
}

/* Cancel a view job or a plain request: both are handed out as af_op. */
void
af_view_cancel(struct af_op *op)
{
	struct af_job	*j = (struct af_job *)op;

	af_job_cancel(j);
}

/*
 * The fallback when Airflow's API does not answer: the same views read from
 * the metadata database's dag, dag_run and task_instance tables, read-only.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/airflow.h"
#include "backends/airflow-int.h"
#include "backends/pg.h"
#include "core/secret.h"
#include "core/view.h"
#include "core/xmalloc.h"

/* Epoch seconds of a timestamptz column, NULL kept; total comes from count(*) OVER (). */
static const char *const af_db_sql[] = {
	/* AF_JOB_DAGS: $1 pattern, $2 limit, $3 offset */
	"SELECT d.dag_id, CASE WHEN d.is_paused THEN 'yes' ELSE 'no' END,"
	" coalesce(d.timetable_description, d.schedule_interval), d.owners,"
	" (SELECT string_agg(t.name, ',' ORDER BY t.name) FROM dag_tag t"
	"  WHERE t.dag_id = d.dag_id),"
	" (SELECT r.state FROM dag_run r WHERE r.dag_id = d.dag_id ORDER BY r.id DESC LIMIT 1),"
	" extract(epoch FROM d.next_dagrun)::bigint,"
	" (SELECT string_agg(left(coalesce(x.state, '-'), 1), '' ORDER BY x.id) FROM"
	"  (SELECT r.id, r.state FROM dag_run r WHERE r.dag_id = d.dag_id"
	"   ORDER BY r.id DESC LIMIT 5) x),"
	" count(*) OVER ()"
	" FROM dag d WHERE ($1::text IS NULL OR d.dag_id ILIKE '%' || $1 || '%')"
	" ORDER BY d.dag_id LIMIT $2::bigint OFFSET $3::bigint",
	/* AF_JOB_RUNS: $1 dag, $2 limit, $3 offset */
	"SELECT run_id, run_type, state, extract(epoch FROM logical_date)::bigint,"
	" extract(epoch FROM start_date)::bigint, extract(epoch FROM end_date)::bigint,"
	" (extract(epoch FROM end_date - start_date) * 1000)::bigint, conf::text,"
	" count(*) OVER ()"
	" FROM dag_run WHERE dag_id = $1 ORDER BY id DESC LIMIT $2::bigint OFFSET $3::bigint",
	/* AF_JOB_TASKS: $1 dag, $2 run */
	"SELECT task_id, state, try_number, extract(epoch FROM start_date)::bigint,"
	" extract(epoch FROM end_date)::bigint, (duration * 1000)::bigint, hostname,"
	" operator, count(*) OVER ()"
	" FROM task_instance WHERE dag_id = $1 AND run_id = $2 ORDER BY task_id, map_index",
	/* AF_JOB_GRID: $1 dag, $2 runs; oldest run first */
	"SELECT r.run_id, ti.task_id, ti.state FROM"
	" (SELECT id, run_id FROM dag_run WHERE dag_id = $1 ORDER BY id DESC"
	"  LIMIT $2::bigint) r"
	" LEFT JOIN task_instance ti ON ti.dag_id = $1 AND ti.run_id = r.run_id"
	" ORDER BY r.id, ti.task_id",
};

/* The column types of af_view_new, so numbers go in as numbers. */
static void
af_db_fill(struct af_job *j, PGresult *res)
{
	struct view	*v = j->view;
	int		 i, c, ncols = PQnfields(res) - 1;
	size_t		 row;

	for (i = 0; i < PQntuples(res); i++) {
		row = view_add_row(v);
		for (c = 0; c < ncols && (size_t)c < v->ncols; c++) {
			if (PQgetisnull(res, i, c))
				continue;
			if (v->cols[c].type == VIEW_TEXT || v->cols[c].type == VIEW_STATE)
				view_set_text(v, row, c, PQgetvalue(res, i, c));
			else
				view_set_num(v, row, c, strtoll(PQgetvalue(res, i, c), NULL, 10));
		}
		j->total = strtoull(PQgetvalue(res, i, ncols), NULL, 10);
	}
}

/* Runs become columns as they appear, tasks rows. */
static void
af_db_grid(struct af_job *j, PGresult *res)
{
	struct view	*v = j->view;
	const char	*run, *task, *last = NULL;
	ssize_t		 col = 0;
	size_t		 row;
	int		 i;

	for (i = 0; i < PQntuples(res); i++) {
		run = PQgetvalue(res, i, 0);
		if (last == NULL || strcmp(last, run) != 0) {
			col = view_add_column(v, run, VIEW_STATE);
			last = run;
			j->total++;
		}
		if (PQgetisnull(res, i, 1))
			continue;
		task = PQgetvalue(res, i, 1);
		for (row = 0; row < v->nrows; row++) {
			if (strcmp(view_cell(v, row, 0)->text, task) == 0)
				break;
		}
		if (row == v->nrows) {
			row = view_add_row(v);
			view_set_text(v, row, 0, task);
		}
		if (!PQgetisnull(res, i, 2))
			view_set_text(v, row, col, PQgetvalue(res, i, 2));
	}
}

/* The rows are there: report them as read-only. */
static void
af_db_result(struct pg_conn *conn, PGresult *res, enum pg_error e, const char *msg,
    void *arg)
{
	struct af_job	*j = arg;
	char		*m, *t;

	(void)conn;
	if (res == NULL) {
		m = xprintf("%s is unreachable and the metadata database %s failed: %s",
		    j->client->name, j->client->db.name, msg != NULL ? msg : pg_error_string(e));
		af_job_report(j, AF_ERR_UNREACHABLE, 0, m, 0);
		free(m);
		return;
	}
	if (j->kind == AF_JOB_GRID)
		af_db_grid(j, res);
	else
		af_db_fill(j, res);
	t = xprintf("%s%s", j->view->title, AF_DB_TITLE);
	free(j->view->title);
	j->view->title = t;
	af_job_report(j, AF_OK, 0, NULL, 1);
}

/* Connected: one query for the job's kind. */
static void
af_db_connected(struct pg_conn *conn, enum pg_error e, const char *msg, void *arg)
{
	struct af_job	*j = arg;
	const char	*params[3];
	char		 lim[32], off[32];
	char		*m;
	int		 n, k;

	if (e != PG_OK) {
		j->pg = NULL;
		m = xprintf("%s is unreachable and so is its metadata database %s: %s",
		    j->client->name, j->client->db.name, msg != NULL ? msg : pg_error_string(e));
		af_job_report(j, AF_ERR_UNREACHABLE, 0, m, 0);
		free(m);
		return;
	}
	snprintf(lim, sizeof lim, "%zu", j->kind == AF_JOB_GRID ? j->nruns : j->limit);
	snprintf(off, sizeof off, "%zu", j->offset);
	switch (j->kind) {
	case AF_JOB_DAGS:
		k = 0;
		params[0] = j->pattern;
		params[1] = lim;
		params[2] = off;
		n = 3;
		break;
	case AF_JOB_RUNS:
		k = 1;
		params[0] = j->dag;
		params[1] = lim;
		params[2] = off;
		n = 3;
		break;
	case AF_JOB_TASKS:
		k = 2;
		params[0] = j->dag;
		params[1] = j->run;
		n = 2;
		break;
	default:
		k = 3;
		params[0] = j->dag;
		params[1] = lim;
		n = 2;
		break;
	}
	if (pg_query(conn, af_db_sql[k], n, params, af_db_result, j) != 0)
		af_job_report(j, AF_ERR_UNREACHABLE, 0, "could not query the metadata database", 0);
}

/* The API did not answer: read the same facts from the metadata database. */
void
af_db_start(struct af_job *j)
{
	struct af_db		*db = &j->client->db;
	struct pg_params	 pp;
	char			*password = NULL, *cause = NULL, *m;

	if (db->secret != NULL && (password = secret_resolve(db->secret, &cause)) == NULL) {
		m = xprintf("%s is unreachable; metadata database %s: %s", j->client->name,
		    db->name, cause);
		af_job_report(j, AF_ERR_UNREACHABLE, 0, m, 0);
		free(m);
		free(cause);
		return;
	}
	memset(&pp, 0, sizeof pp);
	pp.host = db->host;
	pp.port = db->port;
	pp.dbname = db->dbname;
	pp.user = db->user;
	pp.password = password;
	pp.application_name = "platform-tui";
	pp.timeout_ms = db->timeout_ms;
	j->pg = pg_connect(j->client->loop, &pp, af_db_connected, j);
	secret_free(password);
}

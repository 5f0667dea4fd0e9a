/*
 * Airflow's REST API on the event loop, for 2.x (/api/v1, Basic auth) and
 * 3.x (/api/v2, a JWT from /auth/token renewed once on 401). The version is
 * detected on the first request. When the API does not answer and the
 * inventory names the metadata PostgreSQL, the DAG, run, grid and task views
 * are read from its tables instead and marked read-only.
 *
 * The metadata database of an airflow service S is the postgres service
 * named "S-db" if there is one, else the first postgres service on the same
 * node whose database is "airflow".
 *
 * The contract the Airflow panes and commands share: nothing here blocks.
 */
#ifndef AIRFLOW_H
#define AIRFLOW_H

#include <stddef.h>

#include <jansson.h>

#include "core/cmd.h"

struct http;
struct inventory;
struct inv_service;
struct loop;
struct view;
struct af_client;
struct af_op;

enum af_version {
	AF_VERSION_UNKNOWN = 0,		/* not detected yet */
	AF_VERSION_2,			/* /api/v1 */
	AF_VERSION_3,			/* /api/v2 */
};

enum af_error {
	AF_OK = 0,
	AF_ERR_API,		/* the API answered 4xx/5xx: see status, message */
	AF_ERR_UNREACHABLE,	/* connect, resolve, timeout */
	AF_ERR_AUTH,		/* 401/403 even after a new token */
	AF_ERR_PROTOCOL,	/* not JSON, or not the shape we expect */
	AF_ERR_READ_ONLY,	/* a change while reading from the metadata database */
	AF_ERR_USAGE,		/* a bad argument (invalid conf ...) */
};

/*
 * What every operation reports. Strings, json and lines are borrowed for the
 * call; view is handed over: the callback takes it (and sets the field to
 * NULL) or it is freed after the callback returns.
 */
struct af_result {
	enum af_error	 error;
	long		 status;	/* HTTP status, 0 when none */
	const char	*message;	/* why, for a person; NULL on AF_OK */
	json_t		*json;		/* the decoded answer, or NULL */

	struct view	*view;		/* af_*_view: the page */
	size_t		 offset;	/* first row of the page among all */
	size_t		 total;		/* total_entries (rows in the whole list) */
	int		 from_db;	/* read from the metadata database: read-only */

	char		**lines;	/* af_log_fetch: the new lines */
	size_t		 nlines;
	const char	*token;		/* continuation token for the next fetch, or NULL */
	int		 try_number;	/* af_log_fetch: the try read */
};

typedef void (*af_done_cb)(struct af_result *, void *arg);

/* The airflow service to use: --service NAME, or the first of kind airflow. */
const struct inv_service *af_service_find(const struct inventory *, const char *name,
		     char **cause);

/* A client for one service; the secret is resolved by reference here. */
struct af_client *af_client_new(struct loop *, struct http *, const struct inventory *,
		     const struct inv_service *, char **cause);
void		 af_client_free(struct af_client *);	/* cancels what is pending */
enum af_version	 af_client_version(const struct af_client *);
/* The last request fell back to the metadata database. */
int		 af_client_read_only(const struct af_client *);
const char	*af_client_name(const struct af_client *);
/* Request timeout in milliseconds (0 = http.c's default). */
void		 af_client_timeout(struct af_client *, int ms);

/*
 * One API call: path is relative to the API base ("/dags"), query is
 * "a=1&b=2" already escaped or NULL, body is borrowed (sent as JSON) or NULL.
 * The callback is called exactly once unless af_op_cancel is called; it may
 * be called before af_request returns only for usage errors.
 */
struct af_op	*af_request(struct af_client *, const char *method, const char *path,
		     const char *query, json_t *body, af_done_cb, void *arg);
void		 af_op_cancel(struct af_op *);

/*
 * Views. Each fetches one page (offset, limit; limit 0 = the API's default)
 * and reports it in result->view with offset and total; ask for the next
 * page with offset + nrows. Falls back to the metadata database.
 *
 * dags: dag_id, paused, schedule, owners, tags, last_state, next_run, recent
 *   (the last runs' states, oldest first, one letter each: s f r q u ...).
 * runs: run_id, type, state, logical_date, start, end, duration, conf.
 * grid: task_id, then one VIEW_STATE column per run (named by run id,
 *   newest last), cells are task states; nruns runs at most.
 * tasks: task_id, state, try, start, end, duration, hostname, operator.
 */
struct af_op	*af_dags_view(struct af_client *, const char *pattern, size_t offset,
		     size_t limit, af_done_cb, void *arg);
struct af_op	*af_runs_view(struct af_client *, const char *dag, size_t offset,
		     size_t limit, af_done_cb, void *arg);
struct af_op	*af_grid_view(struct af_client *, const char *dag, size_t nruns,
		     af_done_cb, void *arg);
struct af_op	*af_tasks_view(struct af_client *, const char *dag, const char *run,
		     af_done_cb, void *arg);

/*
 * A chunk of a task's log: try 0 = the latest try; token NULL = from the
 * start. result->lines are the new lines (3.x structured messages become
 * "timestamp event"), result->token the token to pass next time.
 */
struct af_op	*af_log_fetch(struct af_client *, const char *dag, const char *run,
		     const char *task, int try_number, const char *token,
		     af_done_cb, void *arg);

/* An id made safe for a URL path segment (caller frees). */
char		*af_escape_path(const char *);

/* The exit status of DESIGN.md section 6 for a result. */
enum cmd_exit	 af_exit_code(const struct af_result *);
/* Is a run or task state final (success, failed, skipped, upstream_failed, removed)? */
int		 af_state_final(const char *);

/* Parsing and error mapping, exported for the unit tests. */
char		*af_error_message(long status, const char *body, size_t len);
/* Rows of a dags/runs/tasks list answer appended to a view made by af_view_new. */
struct view	*af_view_new(const char *kind, const char *title);
int		 af_view_add_json(struct view *, const char *kind, json_t *items,
		     char **cause);
/* One log answer (2.x text or 3.x structured list) split into lines. */
int		 af_log_parse(json_t *answer, char ***lines, size_t *nlines, char **token);

#endif

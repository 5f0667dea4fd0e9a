/* What airflow.c and airflow-view.c share: the client's insides. */
#ifndef AIRFLOW_INT_H
#define AIRFLOW_INT_H

#include <sys/queue.h>

#include <stdint.h>

#define AF_PAGE		100	/* 2.x's maximum_page_limit */
#define AF_DB_TITLE	" (from the metadata database, read-only)"

struct af_op;
struct af_job;

/* The metadata database, copied from the inventory. */
struct af_db {
	char		*name;		/* its service, for messages; NULL = none */
	char		*host;
	char		*port;
	char		*dbname;
	char		*user;
	char		*secret;	/* a reference, resolved when used */
	int		 timeout_ms;
};

struct af_client {
	struct loop		*loop;
	struct http		*http;		/* borrowed */
	char			*name;		/* the service's */
	char			*url;		/* the endpoint without a trailing / */
	char			*user;
	char			*password;	/* resolved; wiped when freed */
	char			*token;		/* 3.x JWT, or NULL */
	char			*ca_file;
	int			 timeout_ms;
	enum af_version		 version;
	int			 read_only;	/* the last view came from the database */
	struct af_db		 db;
	TAILQ_HEAD(, af_op)	 ops;		/* API calls in flight */
	TAILQ_HEAD(, af_job)	 jobs;		/* views in progress */
};

/* A view in progress (also a log fetch): several requests, or the database. */
enum af_job_kind { AF_JOB_DAGS, AF_JOB_RUNS, AF_JOB_TASKS, AF_JOB_GRID, AF_JOB_LOG };

struct af_job;

/* One of the parallel requests of a job: a DAG's recent runs, a run's tasks. */
struct af_sub {
	struct af_job	*job;
	struct af_op	*op;		/* in flight, or NULL */
	size_t		 index;		/* the row (dags) or column (grid) */
};

struct af_job {
	int			 is_job;	/* 1: tells it from an af_op */
	struct af_client	*client;
	enum af_job_kind	 kind;
	af_done_cb		 cb;
	void			*arg;
	char			*dag;
	char			*run;
	char			*task;
	char			*pattern;
	char			*token;
	int			 try_number;
	size_t			 offset;
	size_t			 limit;
	size_t			 nruns;		/* grid: runs wanted */
	struct af_op		*op;		/* the main request in flight */
	struct pg_conn		*pg;		/* the fallback in flight */
	struct view		*view;
	size_t			 total;
	char			**names;	/* grid: task ids, then run ids */
	size_t			 ntasks;
	char			**runs;
	size_t			 nrunids;
	struct af_sub		*subs;
	size_t			 nsubs;
	size_t			 next;		/* the next sub to start */
	size_t			 pending;	/* subs in flight */
	TAILQ_ENTRY(af_job)	 entry;
};

void		 af_view_cancel_all(struct af_client *);
void		 af_view_cancel(struct af_op *);
void		 af_job_free(struct af_job *);
void		 af_job_report(struct af_job *, enum af_error, long status, const char *,
		     int from_db);
void		 af_db_start(struct af_job *);
int64_t		 af_parse_time(const char *);
const char	*af_str(json_t *, const char *);

#endif

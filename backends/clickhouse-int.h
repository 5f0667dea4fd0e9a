/*
 * What clickhouse.c (queries) and clickhouse-kill.c (cancel by KILL QUERY
 * on every shard) share. Not for other files.
 */
#ifndef CLICKHOUSE_INT_H
#define CLICKHOUSE_INT_H

#include "backends/clickhouse.h"
#include "core/buf.h"
#include "core/loop.h"

#define CH_AUX_TIMEOUT		10000	/* version, poll and kill requests */
#define CH_KILL_CHECKS		10	/* looks at system.processes after KILL */
#define CH_KILL_RETRY_MS	200

struct http;
struct http_req;
struct ch_tsv;

/* Our own copy of a target: the caller's strings are borrowed for the call. */
struct ch_conn {
	char		*name;
	char		*url;
	char		*user;
	char		*password;
	char		*database;
	char		*ca_file;
	int		 timeout_ms;
};

struct ch_kill {
	struct ch_query		*q;
	struct ch_conn		 conn;
	struct http_req		*req;
	struct loop_timer	 timer;		/* the next look at system.processes */
	int			 checks;	/* looks so far */
	int			 killed;	/* KILL QUERY answered */
	int			 confirmed;	/* gone from system.processes */
	int			 done;
	char			*error;		/* why it could not be confirmed */
};

struct ch_query {
	struct loop		*loop;
	struct http		*http;
	struct ch_conn		 conn;
	char			*sql;
	char			 id[37];	/* the query_id: a random UUID */
	struct ch_callbacks	 cb;
	void			*arg;

	char			*session_id;
	struct ch_param		*params;	/* owned copies */
	size_t			 nparams;
	int			 gzip;
	uint64_t		 max_rows;
	int			 readonly;

	struct http_req		*req;		/* the query itself */
	struct http_req		*version_req;
	struct http_req		*poll_req;
	struct loop_timer	 poll_timer;
	int			 header_progress; /* the server sends progress headers */
	int			 body_started;
	long			 status;	/* of the last status line seen */
	struct buf		 errbody;	/* a non-200 answer's body */
	struct ch_tsv		*tsv;
	struct ch_progress	 progress;
	uint64_t		 start;
	uint64_t		 rows;

	int			 malformed;	/* the parser refused the stream */
	struct loop_timer	 kill_timer;	/* starts the kills off curl's stack */
	struct ch_kill		*kills;
	size_t			 nkills;
	size_t			 kills_pending;
	int			 cancelling;
	struct buf		 message;	/* the result's message */
};

void		 ch_conn_copy(struct ch_conn *, const struct ch_target *);
void		 ch_conn_free(struct ch_conn *);
struct http_req	*ch_aux_request(struct http *, const struct ch_conn *, const char *sql);
void		 ch_query_finish(struct ch_query *, enum ch_status, int code,
		     const char *msg);
void		 ch_query_stop(struct ch_query *);
void		 ch_kill_start(void *);

#endif

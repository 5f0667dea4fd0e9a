/*
 * Asynchronous PostgreSQL on the event loop: resolve on the loop's worker,
 * PQconnectStartParams with hostaddr, PQconnectPoll, PQsendQueryParams,
 * PQconsumeInput; the socket is re-read from PQsocket at every step.
 */
#ifndef PG_H
#define PG_H

#include <libpq-fe.h>

struct loop;
struct pg_conn;

enum pg_error {
	PG_OK = 0,
	PG_ERR_RESOLVE,
	PG_ERR_CONNECT,		/* refused, unreachable, server closed */
	PG_ERR_AUTH,		/* password or role rejected (SQLSTATE 28xxx) */
	PG_ERR_TIMEOUT,
	PG_ERR_QUERY,		/* the server reported an error for a query */
	PG_ERR_OTHER,
};

struct pg_params {
	const char	*host;		/* name or address, resolved on the worker */
	const char	*port;		/* NULL = 5432 */
	const char	*dbname;
	const char	*user;
	const char	*password;	/* resolved secret, or NULL */
	const char	*sslmode;	/* NULL = prefer */
	const char	*application_name;
	int		 timeout_ms;	/* connect and each query; 0 = none */
};

/* Connected (error == PG_OK) or failed; on failure the conn is freed after. */
typedef void (*pg_connect_cb)(struct pg_conn *, enum pg_error, const char *msg, void *arg);
/* One result; res is NULL on error. Called once per query unless cancelled. */
/* res belongs to the conn and is PQclear'ed when the callback returns. */
typedef void (*pg_result_cb)(struct pg_conn *, PGresult *res, enum pg_error,
		    const char *msg, void *arg);

struct pg_conn	*pg_connect(struct loop *, const struct pg_params *, pg_connect_cb, void *);
/* -1 (no callback) while connecting or with a query outstanding; errors come by cb. */
int		 pg_query(struct pg_conn *, const char *sql, int nparams,
		     const char *const *params, pg_result_cb, void *);
/* The connection is closed too (no non-blocking cancel before libpq 17). */
void		 pg_cancel(struct pg_conn *);	/* stop the running query; no callback */
void		 pg_close(struct pg_conn *);	/* also cancels a pending connect */
const char	*pg_server_version(struct pg_conn *);
const char	*pg_error_string(enum pg_error);

#endif

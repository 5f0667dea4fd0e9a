/*
 * Asynchronous PostgreSQL on the event loop. A connection is a state machine:
 * resolving (the host name, on the loop's worker thread), connecting
 * (PQconnectStartParams with the numeric hostaddr, then PQconnectPoll),
 * idle, running a query (PQsendQueryParams, PQconsumeInput, PQgetResult until
 * NULL) and closed. libpq may switch sockets while it connects (next address,
 * SSL retry), so the socket is re-read from PQsocket after every step.
 *
 * Timeouts are ours, one loop timer per phase; libpq's connect_timeout is not
 * used. A query that times out or is cancelled closes the connection: a
 * non-blocking cancel request needs libpq 17, and PQcancel blocks. The server
 * notices the closed connection when it next writes to it, so a long query
 * may run on there for a while.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/buf.h"
#include "core/loop.h"
#include "core/xmalloc.h"
#include "backends/pg.h"

#define PG_MAXADDRS	8

enum pg_state {
	PG_RESOLVING,		/* the worker resolves the host */
	PG_CONNECTING,		/* PQconnectPoll until OK or FAILED */
	PG_IDLE,		/* connected, no query */
	PG_QUERY,		/* a query was sent, results are coming */
	PG_CLOSED,		/* the connection is gone (error, timeout, cancel) */
};

struct pg_conn {
	struct loop		*loop;
	enum pg_state		 state;
	PGconn			*conn;

	char			*host;
	char			*port;
	char			*dbname;
	char			*user;
	char			*password;	/* never logged, wiped on free */
	char			*sslmode;
	char			*appname;
	int			 timeout_ms;

	struct loop_resolve	*resolve;
	struct loop_io		 io;		/* on PQsocket, re-read every step */
	struct loop_timer	 timer;		/* the connect or query deadline */
	struct loop_timer	 defer;		/* reports that must not be synchronous */
	char			*hostaddr;	/* set by the resolver, for pg_start */

	pg_connect_cb		 connect_cb;
	void			*connect_arg;
	pg_result_cb		 result_cb;	/* set while a query is outstanding */
	void			*result_arg;
	int			 flushing;	/* PQflush has more to send */
	PGresult		*last;		/* the last good result so far */
	PGresult		*error;		/* the first error result */

	enum pg_error		 defer_error;	/* what the defer timer reports */
	char			*defer_msg;
	char			*closed_msg;	/* why the connection is closed */
	char			*server_version;
	int			 reporting;	/* depth of our callbacks */
	int			 close_pending;	/* pg_close was called from one */
};

static void	pg_io_cb(int, short, void *);

/* Names for the errors, for status lines and scripted output. */
const char *
pg_error_string(enum pg_error error)
{
	switch (error) {
	case PG_OK:
		return ("ok");
	case PG_ERR_RESOLVE:
		return ("name did not resolve");
	case PG_ERR_CONNECT:
		return ("could not connect");
	case PG_ERR_AUTH:
		return ("authentication failed");
	case PG_ERR_TIMEOUT:
		return ("timed out");
	case PG_ERR_QUERY:
		return ("query failed");
	case PG_ERR_OTHER:
		break;
	}
	return ("error");
}

/* libpq would print notices on stderr, which is the terminal. */
static void
pg_notice_ignore(void *arg, const char *message)
{
}

/* libpq messages end in newlines and may hold several lines: make one line. */
static char *
pg_message(const char *prefix, const char *msg)
{
	struct buf	 b;
	const char	*p;
	int		 nl = 0;

	buf_init(&b);
	if (prefix != NULL)
		buf_adds(&b, prefix);
	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	for (p = msg; *p != '\0'; p++) {
		if (*p == '\n' || (nl && (*p == ' ' || *p == '\t'))) {
			nl = 1;
			continue;
		}
		if (nl && b.len != 0)
			buf_adds(&b, "; ");
		nl = 0;
		buf_addc(&b, *p);
	}
	return (buf_steal(&b));
}

/* A query error as one line from its fields: the caret display needs the SQL. */
static char *
pg_result_message(const PGresult *res)
{
	struct buf	 b;
	const char	*sev, *primary, *detail, *hint, *state, *pos;
	char		*msg;

	sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
	primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (primary == NULL)
		return (pg_message(NULL, PQresultErrorMessage(res)));
	detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);

	buf_init(&b);
	buf_printf(&b, "%s: %s", sev != NULL ? sev : "ERROR", primary);
	if (detail != NULL)
		buf_printf(&b, "; DETAIL: %s", detail);
	if (hint != NULL)
		buf_printf(&b, "; HINT: %s", hint);
	if (state != NULL && pos != NULL)
		buf_printf(&b, " (SQLSTATE %s, at character %s)", state, pos);
	else if (state != NULL)
		buf_printf(&b, " (SQLSTATE %s)", state);
	msg = pg_message(NULL, buf_str(&b));
	buf_free(&b);
	return (msg);
}

/* Connect failures by cause; the server sends no SQLSTATE we can read here. */
static enum pg_error
pg_classify(PGconn *conn, const char *msg)
{
	if (conn != NULL && PQconnectionNeedsPassword(conn))
		return (PG_ERR_AUTH);
	if (strstr(msg, "authentication failed") != NULL ||
	    strstr(msg, "no pg_hba.conf entry") != NULL ||
	    strstr(msg, "pg_hba.conf rejects") != NULL ||
	    strstr(msg, "no password supplied") != NULL ||
	    (strstr(msg, "role \"") != NULL && strstr(msg, "does not exist") != NULL))
		return (PG_ERR_AUTH);
	if (strstr(msg, "database \"") != NULL && strstr(msg, "does not exist") != NULL)
		return (PG_ERR_OTHER);
	return (PG_ERR_CONNECT);
}

/* Watches libpq's current socket, which may have changed since last time. */
static void
pg_watch(struct pg_conn *pc, short events)
{
	int	fd = pc->conn != NULL ? PQsocket(pc->conn) : -1;

	if (fd == -1 || events == 0) {
		loop_io_stop(&pc->io);
		return;
	}
	if (fd != pc->io.fd || !pc->io.active) {
		loop_io_stop(&pc->io);
		loop_io_init(&pc->io, pc->loop, fd, pg_io_cb, pc);
	}
	loop_io_start(&pc->io, events);
}

/* Drops the server connection and everything waiting on it; pc stays. */
static void
pg_shutdown(struct pg_conn *pc, const char *why)
{
	if (pc->resolve != NULL) {
		loop_resolve_cancel(pc->resolve);
		pc->resolve = NULL;
	}
	loop_timer_stop(&pc->timer);
	loop_io_stop(&pc->io);
	if (pc->conn != NULL) {
		PQfinish(pc->conn);
		pc->conn = NULL;
	}
	PQclear(pc->last);
	PQclear(pc->error);
	pc->last = pc->error = NULL;
	pc->flushing = 0;
	pc->state = PG_CLOSED;
	if (why != NULL) {
		free(pc->closed_msg);
		pc->closed_msg = xstrdup(why);
	}
}

/* Frees the handle; only when none of our callbacks is on the stack. */
static void
pg_free(struct pg_conn *pc)
{
	pg_shutdown(pc, NULL);
	loop_timer_stop(&pc->defer);
	if (pc->password != NULL) {
		explicit_bzero(pc->password, strlen(pc->password));
		free(pc->password);
	}
	free(pc->host);
	free(pc->port);
	free(pc->dbname);
	free(pc->user);
	free(pc->sslmode);
	free(pc->appname);
	free(pc->hostaddr);
	free(pc->defer_msg);
	free(pc->closed_msg);
	free(pc->server_version);
	free(pc);
}

/* Reports the end of a connect attempt; a failed conn is freed after. */
static void
pg_connect_done(struct pg_conn *pc, enum pg_error error, const char *msg)
{
	if (error != PG_OK)
		pg_shutdown(pc, msg);
	else
		loop_timer_stop(&pc->timer);
	pc->reporting++;
	if (pc->connect_cb != NULL)
		pc->connect_cb(pc, error, msg, pc->connect_arg);
	pc->reporting--;
	if (pc->reporting == 0 && (error != PG_OK || pc->close_pending))
		pg_free(pc);
}

/* Reports the end of a query; the result is freed once the callback returns. */
static void
pg_query_done(struct pg_conn *pc, PGresult *res, enum pg_error error,
    const char *msg)
{
	pg_result_cb	 cb = pc->result_cb;
	void		*arg = pc->result_arg;

	pc->result_cb = NULL;
	pc->result_arg = NULL;
	if (pc->state == PG_QUERY) {
		loop_timer_stop(&pc->timer);
		pc->state = PG_IDLE;
		pg_watch(pc, POLLIN);
	}
	if (cb != NULL) {
		pc->reporting++;
		cb(pc, res, error, msg, arg);
		pc->reporting--;
	}
	PQclear(res);
	if (pc->reporting == 0 && pc->close_pending)
		pg_free(pc);
}

/* The connection broke under a query: report it and close. */
static void
pg_query_broken(struct pg_conn *pc, enum pg_error error, const char *prefix)
{
	char	*msg;

	msg = pg_message(prefix, pc->conn != NULL ? PQerrorMessage(pc->conn) : NULL);
	pg_shutdown(pc, msg);
	pg_query_done(pc, NULL, error, msg);
	free(msg);
}

/* One PQconnectPoll step, then wait in the direction libpq asks for. */
static void
pg_connect_poll(struct pg_conn *pc)
{
	PostgresPollingStatusType	 ps;
	const char			*v;
	char				*msg;

	ps = PQconnectPoll(pc->conn);
	switch (ps) {
	case PGRES_POLLING_READING:
		pg_watch(pc, POLLIN);
		return;
	case PGRES_POLLING_WRITING:
		pg_watch(pc, POLLOUT);
		return;
	case PGRES_POLLING_OK:
		if (PQsetnonblocking(pc->conn, 1) != 0)
			break;
		if ((v = PQparameterStatus(pc->conn, "server_version")) != NULL)
			pc->server_version = xstrdup(v);
		pc->state = PG_IDLE;
		pg_watch(pc, POLLIN);
		pg_connect_done(pc, PG_OK, NULL);
		return;
	default:
		break;
	}
	msg = pg_message(NULL, PQerrorMessage(pc->conn));
	pg_connect_done(pc, pg_classify(pc->conn, msg), msg);
	free(msg);
}

/* Starts libpq's connect with the addresses the worker found, if any. */
static void
pg_start(struct pg_conn *pc)
{
	const char	*kw[12], *val[12];
	struct buf	 hosts;
	char		*msg, *p;
	int		 n = 0;

	buf_init(&hosts);
	if (pc->host != NULL && pc->hostaddr != NULL) {
		/* One host name per address: libpq wants the lists to match. */
		buf_adds(&hosts, pc->host);
		for (p = pc->hostaddr; (p = strchr(p, ',')) != NULL; p++)
			buf_printf(&hosts, ",%s", pc->host);
	}
#define PG_KV(k, v) do { if ((v) != NULL) { kw[n] = (k); val[n] = (v); n++; } } while (0)
	PG_KV("host", pc->hostaddr != NULL ? buf_str(&hosts) : pc->host);
	PG_KV("hostaddr", pc->hostaddr);
	PG_KV("port", pc->port);
	PG_KV("dbname", pc->dbname);
	PG_KV("user", pc->user);
	PG_KV("password", pc->password);
	PG_KV("sslmode", pc->sslmode);
	PG_KV("application_name", pc->appname);
	PG_KV("gssencmode", "disable");	/* Kerberos calls may block */
#undef PG_KV
	kw[n] = val[n] = NULL;

	pc->state = PG_CONNECTING;
	pc->conn = PQconnectStartParams(kw, val, 0);
	buf_free(&hosts);
	if (pc->conn == NULL) {
		pg_connect_done(pc, PG_ERR_OTHER, "out of memory");
		return;
	}
	PQsetNoticeProcessor(pc->conn, pg_notice_ignore, NULL);
	if (PQstatus(pc->conn) == CONNECTION_BAD) {
		msg = pg_message(NULL, PQerrorMessage(pc->conn));
		pg_connect_done(pc, pg_classify(pc->conn, msg), msg);
		free(msg);
		return;
	}
	/* libpq's rule: start as if PQconnectPoll had asked to write. */
	pg_watch(pc, POLLOUT);
}

/* The worker answered: turn the addresses into libpq's hostaddr list. */
static void
pg_resolved(struct addrinfo *ai, int gai_error, void *arg)
{
	struct pg_conn	*pc = arg;
	struct buf	 b;
	char		 addr[INET6_ADDRSTRLEN], *msg;
	const void	*src;
	int		 n = 0;

	pc->resolve = NULL;
	buf_init(&b);
	for (; ai != NULL && n < PG_MAXADDRS; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			src = &((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			src = &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(ai->ai_family, src, addr, sizeof addr) == NULL)
			continue;
		buf_printf(&b, "%s%s", n == 0 ? "" : ",", addr);
		n++;
	}
	if (n == 0) {
		buf_free(&b);
		msg = xprintf("%s: %s", pc->host, gai_error != 0 ?
		    gai_strerror(gai_error) : "no address");
		pg_connect_done(pc, PG_ERR_RESOLVE, msg);
		free(msg);
		return;
	}
	pc->hostaddr = buf_steal(&b);
	pg_start(pc);
}

/* Connected and idle: read what the server sends (notices, or its goodbye). */
static void
pg_idle_read(struct pg_conn *pc)
{
	PGnotify	*n;
	char		*msg;

	if (PQconsumeInput(pc->conn) && PQstatus(pc->conn) != CONNECTION_BAD) {
		while ((n = PQnotifies(pc->conn)) != NULL)
			PQfreemem(n);
		return;
	}
	msg = pg_message("connection lost: ", PQerrorMessage(pc->conn));
	pg_shutdown(pc, msg);
	free(msg);
}

/* Collects results until PQgetResult says there are no more; keeps the last. */
static void
pg_query_collect(struct pg_conn *pc)
{
	PGresult	*res;
	char		*msg;

	while (!PQisBusy(pc->conn)) {
		if ((res = PQgetResult(pc->conn)) == NULL) {
			if (pc->error != NULL) {
				msg = pg_result_message(pc->error);
				PQclear(pc->error);
				PQclear(pc->last);
				pc->error = pc->last = NULL;
				pg_query_done(pc, NULL, PG_ERR_QUERY, msg);
				free(msg);
			} else {
				res = pc->last;
				pc->last = NULL;
				pg_query_done(pc, res, PG_OK, NULL);
			}
			return;
		}
		switch (PQresultStatus(res)) {
		case PGRES_FATAL_ERROR:
			if (pc->error == NULL)
				pc->error = res;
			else
				PQclear(res);
			break;
		case PGRES_COPY_IN:
		case PGRES_COPY_OUT:
		case PGRES_COPY_BOTH:
			PQclear(res);
			msg = xstrdup("COPY is not supported here; "
			    "the connection was closed");
			pg_shutdown(pc, msg);
			pg_query_done(pc, NULL, PG_ERR_QUERY, msg);
			free(msg);
			return;
		default:
			PQclear(pc->last);
			pc->last = res;
			break;
		}
	}
	pg_watch(pc, POLLIN | (pc->flushing ? POLLOUT : 0));
}

/* The socket is ready during a query: send what is left, read what came. */
static void
pg_query_io(struct pg_conn *pc, short revents)
{
	int	r;

	if (revents & (POLLIN|POLLERR|POLLHUP)) {
		if (!PQconsumeInput(pc->conn)) {
			pg_query_broken(pc, PG_ERR_CONNECT, "connection lost: ");
			return;
		}
	}
	if (pc->flushing) {
		if ((r = PQflush(pc->conn)) == -1) {
			pg_query_broken(pc, PG_ERR_CONNECT, "connection lost: ");
			return;
		}
		pc->flushing = (r == 1);
	}
	pg_query_collect(pc);
}

/* One watcher for every phase; the state says what readiness means. */
static void
pg_io_cb(int fd, short revents, void *arg)
{
	struct pg_conn	*pc = arg;

	switch (pc->state) {
	case PG_CONNECTING:
		pg_connect_poll(pc);
		break;
	case PG_IDLE:
		pg_idle_read(pc);
		break;
	case PG_QUERY:
		pg_query_io(pc, revents);
		break;
	default:
		loop_io_stop(&pc->io);
		break;
	}
}

/* The deadline of the current phase passed. */
static void
pg_timer_cb(void *arg)
{
	struct pg_conn	*pc = arg;
	char		*msg;

	if (pc->state == PG_RESOLVING || pc->state == PG_CONNECTING) {
		msg = xprintf("connect to %s port %s: timed out after %d ms",
		    pc->host != NULL ? pc->host : "(default)",
		    pc->port != NULL ? pc->port : "5432", pc->timeout_ms);
		pg_connect_done(pc, PG_ERR_TIMEOUT, msg);
	} else if (pc->state == PG_QUERY) {
		msg = xprintf("query timed out after %d ms; "
		    "the connection was closed", pc->timeout_ms);
		pg_shutdown(pc, msg);
		pg_query_done(pc, NULL, PG_ERR_TIMEOUT, msg);
	} else
		return;
	free(msg);
}

/* Runs what must not happen inside the caller's own call: a start or a failure. */
static void
pg_defer_cb(void *arg)
{
	struct pg_conn	*pc = arg;
	char		*msg;

	if (pc->state == PG_RESOLVING) {
		pg_start(pc);
		return;
	}
	msg = pc->defer_msg;
	pc->defer_msg = NULL;
	pg_query_done(pc, NULL, pc->defer_error, msg);
	free(msg);
}

/* A host given as an address needs no resolving. */
static int
pg_numeric(const char *host)
{
	struct in6_addr	a6;
	struct in_addr	a4;

	return (inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1);
}

/* Starts connecting; cb runs once, never before this returns. */
struct pg_conn *
pg_connect(struct loop *loop, const struct pg_params *pp, pg_connect_cb cb,
    void *arg)
{
	struct pg_conn	*pc;

	pc = xcalloc(1, sizeof *pc);
	pc->loop = loop;
	pc->state = PG_RESOLVING;
#define PG_DUP(f) ((f) != NULL ? xstrdup(f) : NULL)
	pc->host = PG_DUP(pp->host);
	pc->port = PG_DUP(pp->port);
	pc->dbname = PG_DUP(pp->dbname);
	pc->user = PG_DUP(pp->user);
	pc->password = PG_DUP(pp->password);
	pc->sslmode = PG_DUP(pp->sslmode);
	pc->appname = PG_DUP(pp->application_name);
#undef PG_DUP
	pc->timeout_ms = pp->timeout_ms;
	pc->connect_cb = cb;
	pc->connect_arg = arg;
	loop_io_init(&pc->io, loop, -1, pg_io_cb, pc);
	loop_timer_init(&pc->timer, loop, pg_timer_cb, pc);
	loop_timer_init(&pc->defer, loop, pg_defer_cb, pc);
	if (pc->timeout_ms > 0)
		loop_timer_start(&pc->timer, (uint64_t)pc->timeout_ms);

	if (pc->host == NULL || *pc->host == '\0' || *pc->host == '/')
		loop_timer_start(&pc->defer, 0);	/* libpq's default or a socket dir */
	else if (pg_numeric(pc->host)) {
		pc->hostaddr = xstrdup(pc->host);
		loop_timer_start(&pc->defer, 0);
	} else {
		pc->resolve = loop_resolve_start(loop, pc->host, NULL,
		    SOCK_STREAM, pg_resolved, pc);
	}
	return (pc);
}

/* Fails a query later, from the loop, so callers see one way for errors. */
static void
pg_query_defer(struct pg_conn *pc, enum pg_error error, const char *msg)
{
	free(pc->defer_msg);
	pc->defer_msg = xstrdup(msg);
	pc->defer_error = error;
	loop_timer_start(&pc->defer, 0);
}

/*
 * Sends a query; cb runs once with the last result, or with the error. Returns
 * -1 (and no callback comes) when not yet connected or a query is outstanding.
 */
int
pg_query(struct pg_conn *pc, const char *sql, int nparams,
    const char *const *params, pg_result_cb cb, void *arg)
{
	char	*msg;
	int	 r;

	if (pc->result_cb != NULL || pc->close_pending ||
	    pc->state == PG_RESOLVING || pc->state == PG_CONNECTING)
		return (-1);
	pc->result_cb = cb;
	pc->result_arg = arg;

	if (pc->state == PG_CLOSED) {
		pg_query_defer(pc, PG_ERR_CONNECT, pc->closed_msg != NULL ?
		    pc->closed_msg : "the connection is closed");
		return (0);
	}
	if (!PQsendQueryParams(pc->conn, sql, nparams, NULL, params, NULL,
	    NULL, 0)) {
		msg = pg_message("send failed: ", PQerrorMessage(pc->conn));
		if (PQstatus(pc->conn) == CONNECTION_BAD) {
			pg_shutdown(pc, msg);
			pg_query_defer(pc, PG_ERR_CONNECT, msg);
		} else
			pg_query_defer(pc, PG_ERR_QUERY, msg);
		free(msg);
		return (0);
	}
	pc->state = PG_QUERY;
	if ((r = PQflush(pc->conn)) == -1) {
		msg = pg_message("send failed: ", PQerrorMessage(pc->conn));
		pg_shutdown(pc, msg);
		pg_query_defer(pc, PG_ERR_CONNECT, msg);
		free(msg);
		return (0);
	}
	pc->flushing = (r == 1);
	if (pc->timeout_ms > 0)
		loop_timer_start(&pc->timer, (uint64_t)pc->timeout_ms);
	pg_watch(pc, POLLIN | (pc->flushing ? POLLOUT : 0));
	return (0);
}

/* Drops the outstanding query's callback; a running query closes the connection. */
void
pg_cancel(struct pg_conn *pc)
{
	if (pc == NULL || pc->result_cb == NULL)
		return;
	pc->result_cb = NULL;
	pc->result_arg = NULL;
	loop_timer_stop(&pc->defer);
	free(pc->defer_msg);
	pc->defer_msg = NULL;
	if (pc->state == PG_QUERY)
		pg_shutdown(pc, "the query was cancelled; the connection was closed");
}

/* Closes the connection, abandoning a pending connect or query without callbacks. */
void
pg_close(struct pg_conn *pc)
{
	if (pc == NULL || pc->close_pending)
		return;
	pc->result_cb = NULL;
	pc->connect_cb = NULL;
	loop_timer_stop(&pc->defer);
	pg_shutdown(pc, NULL);
	if (pc->reporting != 0) {
		pc->close_pending = 1;
		return;
	}
	pg_free(pc);
}

/* The server's version string as it reported it, or NULL before connecting. */
const char *
pg_server_version(struct pg_conn *pc)
{
	return (pc->server_version);
}

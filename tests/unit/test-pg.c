/*
 * Unit tests for the PostgreSQL backend. The failures that need no server
 * (refused, a listener that never answers, close and cancel while
 * connecting) always run, on loopback only. The rest needs a real server,
 * named by PT_PG_HOST and PT_PG_PORT (PT_PG_USER, PT_PG_PASSWORD and PT_PG_DB
 * are optional: postgres, none, postgres); without them it is skipped.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/loop.h"
#include "core/xmalloc.h"
#include "backends/pg.h"
#include "tests/unit/tap.h"

static struct loop	*loop;

struct outcome {
	int		 done;
	enum pg_error	 error;
	char		*msg;
	struct pg_conn	*conn;
	int		 ntuples;
	char		*value;		/* first column of the last row */
	int		 order;
};

static int	seq;

static void
outcome_reset(struct outcome *o)
{
	free(o->msg);
	free(o->value);
	memset(o, 0, sizeof *o);
}

static void
connect_cb(struct pg_conn *pc, enum pg_error error, const char *msg, void *arg)
{
	struct outcome	*o = arg;

	o->done++;
	o->error = error;
	o->conn = error == PG_OK ? pc : NULL;
	free(o->msg);
	o->msg = msg != NULL ? xstrdup(msg) : NULL;
	o->order = ++seq;
}

static void
result_cb(struct pg_conn *pc, PGresult *res, enum pg_error error,
    const char *msg, void *arg)
{
	struct outcome	*o = arg;

	o->done++;
	o->error = error;
	free(o->msg);
	o->msg = msg != NULL ? xstrdup(msg) : NULL;
	free(o->value);
	o->value = NULL;
	o->ntuples = res != NULL ? PQntuples(res) : -1;
	if (o->ntuples > 0)
		o->value = xstrdup(PQgetvalue(res, o->ntuples - 1, 0));
	o->order = ++seq;
}

/* Runs the loop until *flag is set or max_ms passed. */
static void
run_until(int *flag, int max_ms)
{
	uint64_t	end = loop_now(loop) + max_ms;

	while ((flag == NULL || !*flag) && loop_now(loop) < end)
		loop_run_once(loop, 20);
}

/* Listens on 127.0.0.1 with a port the kernel picks; never accepts. */
static int
listen_loopback(char *port, size_t len)
{
	struct sockaddr_in	sin;
	socklen_t		slen = sizeof sin;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, 8) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) != 0) {
		perror("listen");
		exit(1);
	}
	snprintf(port, len, "%d", ntohs(sin.sin_port));
	return (fd);
}

static void
test_no_server(void)
{
	struct pg_params	 pp = { 0 };
	struct outcome		 o = { 0 };
	struct pg_conn		*pc;
	char			 port[16];
	int			 fd;

	pp.host = "127.0.0.1";
	pp.dbname = "postgres";
	pp.user = "nobody";
	pp.password = "unused";
	pp.sslmode = "disable";
	pp.timeout_ms = 3000;

	fd = listen_loopback(port, sizeof port);
	close(fd);
	pp.port = port;
	pg_connect(loop, &pp, connect_cb, &o);
	is_int(o.done, 0, "no callback before the loop runs");
	run_until(&o.done, 5000);
	is_int(o.error, PG_ERR_CONNECT, "refused: PG_ERR_CONNECT");
	ok(o.msg != NULL && strstr(o.msg, "refused") != NULL,
	    "refused: message '%s'", o.msg != NULL ? o.msg : "");
	outcome_reset(&o);

	/* Accepted by the kernel, never answered: only our timer ends it. */
	fd = listen_loopback(port, sizeof port);
	pp.port = port;
	pp.timeout_ms = 300;
	pg_connect(loop, &pp, connect_cb, &o);
	run_until(&o.done, 5000);
	is_int(o.error, PG_ERR_TIMEOUT, "silent server: PG_ERR_TIMEOUT");
	ok(o.msg != NULL && strstr(o.msg, "timed out") != NULL,
	    "silent server: message '%s'", o.msg != NULL ? o.msg : "");
	outcome_reset(&o);

	pc = pg_connect(loop, &pp, connect_cb, &o);
	run_until(NULL, 100);
	pg_close(pc);
	run_until(NULL, 400);
	is_int(o.done, 0, "close while connecting: no callback");

	pc = pg_connect(loop, &pp, connect_cb, &o);
	pg_close(pc);
	run_until(NULL, 100);
	is_int(o.done, 0, "close before the first step: no callback");
	close(fd);

	is_str(pg_error_string(PG_ERR_AUTH), "authentication failed",
	    "error strings");
}

/* Connects with pp and returns the conn, or NULL after a failed test line. */
static struct pg_conn *
connect_ok(const struct pg_params *pp, const char *what)
{
	struct outcome	 o = { 0 };
	struct pg_conn	*pc;

	pg_connect(loop, pp, connect_cb, &o);
	run_until(&o.done, 10000);
	ok(o.done == 1 && o.error == PG_OK, "%s: connected%s%s", what,
	    o.msg != NULL ? ": " : "", o.msg != NULL ? o.msg : "");
	pc = o.conn;
	outcome_reset(&o);
	return (pc);
}

/* A result callback that sends the next query from inside itself. */
static void
chain_cb(struct pg_conn *pc, PGresult *res, enum pg_error error,
    const char *msg, void *arg)
{
	struct outcome	*o = arg;

	result_cb(pc, res, error, msg, arg);
	if (o->done == 1)
		pg_query(pc, "SELECT 'second'", 0, NULL, chain_cb, o);
}

/* A result callback that closes its connection. */
static void
close_cb(struct pg_conn *pc, PGresult *res, enum pg_error error,
    const char *msg, void *arg)
{
	result_cb(pc, res, error, msg, arg);
	pg_close(pc);
}

static void
test_server(const struct pg_params *base)
{
	struct pg_params	 pp = *base;
	struct outcome		 o = { 0 };
	struct pg_conn		*pc;
	const char		*params[2];
	char			*big;

	if ((pc = connect_ok(&pp, "by address")) == NULL)
		return;
	ok(pg_server_version(pc) != NULL, "server version %s",
	    pg_server_version(pc) != NULL ? pg_server_version(pc) : "(none)");

	params[0] = "it's";
	is_int(pg_query(pc, "SELECT $1::text || n FROM generate_series(1, 3) n",
	    1, params, result_cb, &o), 0, "query sent");
	is_int(pg_query(pc, "SELECT 1", 0, NULL, result_cb, &o), -1,
	    "a second query while one runs is refused");
	run_until(&o.done, 5000);
	is_int(o.error, PG_OK, "rows: PG_OK");
	is_int(o.ntuples, 3, "rows: three of them");
	is_str(o.value, "it's3", "rows: parameter passed as text");
	outcome_reset(&o);

	pg_query(pc, "SELECT * FROM no_such_table", 0, NULL, result_cb, &o);
	run_until(&o.done, 5000);
	is_int(o.error, PG_ERR_QUERY, "bad query: PG_ERR_QUERY");
	ok(o.msg != NULL && strstr(o.msg, "does not exist") != NULL,
	    "bad query: message '%s'", o.msg != NULL ? o.msg : "");
	is_int(o.ntuples, -1, "bad query: no result");
	outcome_reset(&o);

	/* Many rows come in many reads; a big parameter needs many writes. */
	pg_query(pc, "SELECT repeat('x', 100) || n FROM generate_series(1, 50000) n",
	    0, NULL, result_cb, &o);
	run_until(&o.done, 10000);
	is_int(o.ntuples, 50000, "50000 rows arrive");
	outcome_reset(&o);
	big = xmalloc(4 << 20);
	memset(big, 'y', 4 << 20);
	big[(4 << 20) - 1] = '\0';
	params[0] = big;
	pg_query(pc, "SELECT length($1)", 1, params, result_cb, &o);
	run_until(&o.done, 10000);
	is_str(o.value, "4194303", "a 4 MB parameter is sent whole");
	free(big);
	outcome_reset(&o);

	pg_query(pc, "SELECT 'first'", 0, NULL, chain_cb, &o);
	run_until(NULL, 1000);
	is_int(o.done, 2, "a query sent from a result callback runs");
	is_str(o.value, "second", "and delivers its own result");
	outcome_reset(&o);

	/* Cancel drops the callback and the connection. */
	pg_query(pc, "SELECT pg_sleep(1)", 0, NULL, result_cb, &o);
	run_until(NULL, 100);
	pg_cancel(pc);
	run_until(NULL, 1500);
	is_int(o.done, 0, "cancel: no callback");
	pg_query(pc, "SELECT 1", 0, NULL, result_cb, &o);
	run_until(&o.done, 1000);
	is_int(o.error, PG_ERR_CONNECT, "after cancel: the connection is closed");
	outcome_reset(&o);
	pg_close(pc);

	pp.timeout_ms = 300;
	if ((pc = connect_ok(&pp, "with a 300 ms timeout")) == NULL)
		return;
	pg_query(pc, "SELECT pg_sleep(5)", 0, NULL, result_cb, &o);
	run_until(&o.done, 5000);
	is_int(o.done, 1, "slow query: ended");
	is_int(o.error, PG_ERR_TIMEOUT, "slow query: PG_ERR_TIMEOUT");
	outcome_reset(&o);
	pg_close(pc);
	pp.timeout_ms = base->timeout_ms;

	if ((pc = connect_ok(&pp, "again")) == NULL)
		return;
	pg_query(pc, "SELECT 1", 0, NULL, close_cb, &o);
	run_until(&o.done, 5000);
	run_until(NULL, 100);
	is_int(o.done, 1, "pg_close from a result callback");
	outcome_reset(&o);

	pp.password = "definitely-not-the-password";
	pg_connect(loop, &pp, connect_cb, &o);
	run_until(&o.done, 10000);
	if (o.error == PG_OK) {
		ok(1, "wrong password # SKIP the server trusts this host");
		pg_close(o.conn);
	} else
		is_int(o.error, PG_ERR_AUTH, "wrong password: PG_ERR_AUTH (%s)",
		    o.msg != NULL ? o.msg : "");
	ok(o.msg == NULL || strstr(o.msg, pp.password) == NULL,
	    "the password is not in the message");
	outcome_reset(&o);
	pp.password = base->password;

	pp.user = "no_such_role_pt";
	pg_connect(loop, &pp, connect_cb, &o);
	run_until(&o.done, 10000);
	if (o.error == PG_OK) {
		ok(1, "unknown role # SKIP the server let it in");
		pg_close(o.conn);
	} else
		is_int(o.error, PG_ERR_AUTH, "unknown role: PG_ERR_AUTH (%s)",
		    o.msg != NULL ? o.msg : "");
	outcome_reset(&o);
	pp.user = base->user;

	/* A name goes through the resolver: only "localhost", from /etc/hosts. */
	if (strcmp(base->host, "127.0.0.1") == 0) {
		pp.host = "localhost";
		if ((pc = connect_ok(&pp, "by name")) != NULL)
			pg_close(pc);
		pp.host = base->host;
	} else
		ok(1, "by name # SKIP server is not on 127.0.0.1");

	/* Close with a query running: no callback, nothing left behind. */
	if ((pc = connect_ok(&pp, "once more")) == NULL)
		return;
	pg_query(pc, "SELECT pg_sleep(0.5)", 0, NULL, result_cb, &o);
	run_until(NULL, 50);
	pg_close(pc);
	run_until(NULL, 700);
	is_int(o.done, 0, "close with a query running: no callback");
	outcome_reset(&o);
}

int
main(void)
{
	struct pg_params	 pp = { 0 };

	loop = loop_new();
	test_no_server();

	pp.host = getenv("PT_PG_HOST");
	pp.port = getenv("PT_PG_PORT");
	if (pp.host == NULL || pp.port == NULL) {
		ok(1, "server tests # SKIP PT_PG_HOST/PT_PG_PORT not set");
	} else {
		pp.user = getenv("PT_PG_USER") != NULL ? getenv("PT_PG_USER") : "postgres";
		pp.password = getenv("PT_PG_PASSWORD");
		pp.dbname = getenv("PT_PG_DB") != NULL ? getenv("PT_PG_DB") : "postgres";
		pp.sslmode = "prefer";
		pp.application_name = "platform-tui-test";
		pp.timeout_ms = 5000;
		test_server(&pp);
	}
	loop_free(loop);
	return (tap_done());
}

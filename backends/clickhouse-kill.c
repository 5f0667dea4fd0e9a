/*
 * Cancelling a ClickHouse query: KILL QUERY on every shard, then look at
 * system.processes until the query is gone there, or say where it was not.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/clickhouse-int.h"
#include "backends/http.h"
#include "core/buf.h"
#include "core/loop.h"
#include "core/xmalloc.h"

static void	ch_kill_check(struct ch_kill *);

/* Every kill has its answer: the query ends, cancelled, saying where it stopped. */
static void
ch_kill_report(struct ch_query *q)
{
	struct ch_kill	*k;
	size_t		 i;
	int		 first = 1;

	buf_reset(&q->message);
	buf_printf(&q->message, "query %s cancelled", q->id);
	for (i = 0; i < q->nkills; i++) {
		k = &q->kills[i];
		if (k->confirmed)
			continue;
		buf_printf(&q->message, "%s %s: %s", first ? ";" : ",", k->conn.name,
		    k->error != NULL ? k->error : "still running");
		first = 0;
	}
	if (first)
		buf_adds(&q->message, "; it stopped on every shard");
	ch_query_finish(q, CH_ERR_CANCELLED, 0, buf_str(&q->message));
}

static void
ch_kill_finish(struct ch_kill *k, const char *error)
{
	struct ch_query	*q = k->q;

	if (k->done)
		return;
	k->done = 1;
	if (error != NULL)
		k->error = xstrdup(error);
	loop_timer_stop(&k->timer);
	if (--q->kills_pending == 0)
		ch_kill_report(q);
}

/* An answer from system.processes: 0 means the query is gone from this server. */
static void
ch_kill_check_done(struct http_req *req, const struct http_result *res, void *arg)
{
	struct ch_kill	*k = arg;
	char		*msg;

	k->req = NULL;
	if (res->error != HTTP_OK) {
		msg = xprintf("could not check: %s", res->message);
		ch_kill_finish(k, msg);
		free(msg);
		return;
	}
	if (res->status == 200 && strtol(buf_str(res->body), NULL, 10) == 0) {
		k->confirmed = 1;
		ch_kill_finish(k, NULL);
		return;
	}
	if (++k->checks >= CH_KILL_CHECKS) {
		ch_kill_finish(k, res->status == 200 ? "still in system.processes" :
		    "could not read system.processes");
		return;
	}
	loop_timer_start(&k->timer, CH_KILL_RETRY_MS);
}

static void
ch_kill_check(struct ch_kill *k)
{
	char	*sql;

	sql = xprintf("SELECT count() FROM system.processes WHERE query_id = '%s' OR "
	    "initial_query_id = '%s'", k->q->id, k->q->id);
	k->req = ch_aux_request(k->q->http, &k->conn, sql);
	free(sql);
	http_req_start(k->req, ch_kill_check_done, k);
}

static void
ch_kill_timer(void *arg)
{
	ch_kill_check(arg);
}

/* KILL QUERY answered; whatever it said, system.processes has the last word. */
static void
ch_kill_done(struct http_req *req, const struct http_result *res, void *arg)
{
	struct ch_kill	*k = arg;
	struct buf	 msg;

	k->req = NULL;
	if (res->error != HTTP_OK) {
		buf_init(&msg);
		buf_printf(&msg, "KILL QUERY failed: %s", res->message);
		ch_kill_finish(k, buf_str(&msg));
		buf_free(&msg);
		return;
	}
	k->killed = 1;
	ch_kill_check(k);
}

/*
 * Stops the query where it runs: the connection is dropped (which alone does
 * not stop ClickHouse) and KILL QUERY goes to every target on connections of
 * its own; done(CANCELLED) comes once each has answered and been checked.
 */
void
ch_query_cancel(struct ch_query *q, const struct ch_target *targets, size_t ntargets)
{
	struct ch_kill	*k;
	struct ch_target self;
	size_t		 i;

	if (q == NULL || q->cancelling)
		return;
	q->cancelling = 1;
	ch_query_stop(q);
	if (ntargets == 0) {
		memset(&self, 0, sizeof self);
		self.name = q->conn.name;
		self.url = q->conn.url;
		self.user = q->conn.user;
		self.password = q->conn.password;
		self.ca_file = q->conn.ca_file;
		self.timeout_ms = q->conn.timeout_ms;
		targets = &self;
		ntargets = 1;
	}
	q->kills = xcalloc(ntargets, sizeof *q->kills);
	q->nkills = ntargets;
	q->kills_pending = ntargets;
	for (i = 0; i < ntargets; i++) {
		k = &q->kills[i];
		k->q = q;
		ch_conn_copy(&k->conn, &targets[i]);
		loop_timer_init(&k->timer, q->loop, ch_kill_timer, k);
	}
	/* From a row or progress callback curl is on the stack: start on the loop. */
	loop_timer_start(&q->kill_timer, 0);
}

/* KILL QUERY on a connection of its own to each target. */
void
ch_kill_start(void *arg)
{
	struct ch_query	*q = arg;
	struct ch_kill	*k;
	char		*sql;
	size_t		 i;

	sql = xprintf("KILL QUERY WHERE query_id = '%s' OR initial_query_id = '%s' SYNC",
	    q->id, q->id);
	for (i = 0; i < q->nkills; i++) {
		k = &q->kills[i];
		k->req = ch_aux_request(q->http, &k->conn, sql);
		http_req_start(k->req, ch_kill_done, k);
	}
	free(sql);
}

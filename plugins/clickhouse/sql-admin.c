/*
 * "sql kill ID" and "sql shards": one short query on every shard at once,
 * then a view with a row per shard.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backends/clickhouse.h"
#include "backends/http.h"
#include "core/buf.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/clickhouse/sql.h"

#define SQL_EACH_FIELDS	4	/* of the first row, kept */

struct sql_each;

struct sql_shard {
	struct sql_each		*each;
	size_t			 index;
	struct ch_query		*q;
	char			*fields[SQL_EACH_FIELDS];	/* the first row */
	uint64_t		 rows;
	enum ch_status		 status;
	char			*message;
	/* sql kill */
	uint64_t		 killed;	/* rows KILL QUERY listed */
	enum ch_status		 kill_status;
	char			*kill_message;
};

struct sql_each {
	struct cmd		*cmd;
	struct http		*http;
	struct sql_targets	 t;
	struct sql_shard	*shards;
	size_t			 pending;
	char			*id;		/* sql kill: the query id, quoted */
	int			 phase;		/* sql kill: 0 KILL, 1 check */
	int			(*report)(struct sql_each *);	/* 1: another round */
};

static void
sql_each_free(struct sql_each *e)
{
	size_t	i, j;

	for (i = 0; i < e->t.n; i++) {
		for (j = 0; j < SQL_EACH_FIELDS; j++)
			free(e->shards[i].fields[j]);
		free(e->shards[i].message);
		free(e->shards[i].kill_message);
	}
	free(e->shards);
	http_free(e->http);
	sql_targets_free(&e->t);
	free(e->id);
	free(e);
}

static void
sql_each_row(const struct ch_row *row, void *arg)
{
	struct sql_shard	*s = arg;
	size_t			 i;

	if (s->rows++ != 0)
		return;
	for (i = 0; i < row->n && i < SQL_EACH_FIELDS; i++)
		s->fields[i] = row->fields[i] != NULL ? xstrdup(row->fields[i]) : NULL;
}

/* Every shard answered: report, unless the report started another round. */
static void
sql_each_settle(struct sql_each *e)
{
	struct cmd	*c = e->cmd;

	if (e->report(e) != 0)
		return;
	c->state = NULL;
	sql_each_free(e);
	cmd_finish(c);
}

/* One shard answered; the last one reports (or starts the next round). */
static void
sql_each_done(const struct ch_result *res, void *arg)
{
	struct sql_shard	*s = arg;
	struct sql_each		*e = s->each;

	s->q = NULL;
	s->status = res->status;
	free(s->message);
	s->message = res->message != NULL ? xstrdup(res->message) : NULL;
	if (--e->pending == 0)
		sql_each_settle(e);
}

static const struct ch_callbacks sql_each_callbacks = {
	.row = sql_each_row,
	.done = sql_each_done,
};

static void
sql_each_start(struct sql_each *e, const char *sql)
{
	struct ch_options	 o;
	struct sql_shard	*s;
	char			*cause = NULL;
	size_t			 i, j;

	memset(&o, 0, sizeof o);
	/* One extra count so a shard failing at once cannot end the round early. */
	e->pending = e->t.n + 1;
	for (i = 0; i < e->t.n; i++) {
		s = &e->shards[i];
		for (j = 0; j < SQL_EACH_FIELDS; j++) {
			free(s->fields[j]);
			s->fields[j] = NULL;
		}
		s->rows = 0;
		s->q = ch_query_start(e->cmd->env->loop, e->http, &e->t.targets[i], sql, &o,
		    &sql_each_callbacks, s, &cause);
		if (s->q == NULL) {
			s->status = CH_ERR_PROTOCOL;
			s->message = cause;
			cause = NULL;
			e->pending--;
		}
	}
	if (--e->pending == 0)
		sql_each_settle(e);
}

static void
sql_each_cancel(struct cmd *c)
{
	struct sql_each	*e = c->state;

	if (e != NULL) {
		c->state = NULL;
		sql_each_free(e);	/* http_free drops every request, no callbacks */
	}
}

static struct sql_each *
sql_each_new(struct cmd *c, int (*report)(struct sql_each *))
{
	struct sql_each	*e;
	char		*cause = NULL;
	size_t		 i;

	e = xcalloc(1, sizeof *e);
	e->cmd = c;
	e->report = report;
	if (sql_targets_get(c, &e->t, &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "%s", cause);
		free(cause);
		free(e);
		return (NULL);
	}
	e->http = http_new(c->env->loop);
	e->shards = xcalloc(e->t.n, sizeof *e->shards);
	for (i = 0; i < e->t.n; i++) {
		e->shards[i].each = e;
		e->shards[i].index = i;
	}
	c->state = e;
	c->cancel = sql_each_cancel;
	return (e);
}

/* The worst outcome decides the exit status. */
static void
sql_each_worst(struct cmd *c, enum ch_status st, const char *what)
{
	enum cmd_exit	x = sql_exit(st);

	if (x == CMD_EXIT_OK)
		return;
	if (c->exit == CMD_EXIT_OK || x == CMD_EXIT_UNREACHABLE)
		cmd_error(c, x, "%s", what);
}

static int
sql_shards_report(struct sql_each *e)
{
	struct cmd		*c = e->cmd;
	struct view		*v;
	struct sql_shard	*s;
	size_t			 i, row;

	v = c->view = view_new("ClickHouse shards");
	view_add_column(v, "shard", VIEW_TEXT);
	view_add_column(v, "url", VIEW_TEXT);
	view_add_column(v, "state", VIEW_STATE);
	view_add_column(v, "version", VIEW_TEXT);
	view_add_column(v, "uptime", VIEW_DURATION);
	view_add_column(v, "detail", VIEW_TEXT);
	for (i = 0; i < e->t.n; i++) {
		s = &e->shards[i];
		row = view_add_row(v);
		view_set_text(v, row, 0, e->t.targets[i].name);
		view_set_text(v, row, 1, e->t.targets[i].url);
		if (s->status == CH_OK && s->fields[0] != NULL) {
			view_set_text(v, row, 2, "up");
			view_set_text(v, row, 3, s->fields[0]);
			if (s->fields[1] != NULL)
				view_set_num(v, row, 4, strtoll(s->fields[1], NULL, 10) * 1000);
		} else {
			view_set_text(v, row, 2, s->status == CH_ERR_AUTH ? "auth-failed" :
			    "down");
			view_set_text(v, row, 5, s->message != NULL ? s->message : "no answer");
			sql_each_worst(c, s->status, "some shards did not answer");
		}
	}
	return (0);
}

static enum cmd_retval
sql_shards_exec(struct cmd *c)
{
	struct sql_each	*e;

	if ((e = sql_each_new(c, sql_shards_report)) == NULL)
		return (CMD_RETURN_NORMAL);
	sql_each_start(e, "SELECT version(), uptime()");
	return (c->finished ? CMD_RETURN_NORMAL : CMD_RETURN_WAIT);
}

static int
sql_kill_report(struct sql_each *e)
{
	struct cmd		*c = e->cmd;
	struct view		*v;
	struct sql_shard	*s;
	size_t			 i, row, stopped = 0, running = 0, unknown = 0, killed = 0;
	char			*sql;

	if (e->phase == 0) {
		/* KILL answered everywhere: now look at system.processes. */
		for (i = 0; i < e->t.n; i++) {
			s = &e->shards[i];
			s->killed = s->status == CH_OK ? s->rows : 0;
			s->kill_status = s->status;
			s->kill_message = s->message;
			s->message = NULL;
		}
		e->phase = 1;
		sql = xprintf("SELECT count() FROM system.processes WHERE query_id = '%s' OR "
		    "initial_query_id = '%s'", e->id, e->id);
		sql_each_start(e, sql);
		free(sql);
		return (1);
	}

	v = c->view = view_new("KILL QUERY");
	view_add_column(v, "shard", VIEW_TEXT);
	view_add_column(v, "killed", VIEW_NUMBER);
	view_add_column(v, "state", VIEW_STATE);
	view_add_column(v, "detail", VIEW_TEXT);
	for (i = 0; i < e->t.n; i++) {
		s = &e->shards[i];
		row = view_add_row(v);
		view_set_text(v, row, 0, e->t.targets[i].name);
		view_set_num(v, row, 1, (int64_t)s->killed);
		killed += s->killed;
		if (s->kill_status != CH_OK) {
			view_set_text(v, row, 2, "unknown");
			view_set_text(v, row, 3, s->kill_message);
			sql_each_worst(c, s->kill_status, "KILL QUERY failed on some shards");
			unknown++;
		} else if (s->status != CH_OK || s->fields[0] == NULL) {
			view_set_text(v, row, 2, "unknown");
			view_set_text(v, row, 3, s->message != NULL ? s->message : "no answer");
			sql_each_worst(c, s->status, "could not check system.processes");
			unknown++;
		} else if (strcmp(s->fields[0], "0") != 0) {
			view_set_text(v, row, 2, "running");
			view_set_text(v, row, 3, "still in system.processes");
			running++;
		} else {
			view_set_text(v, row, 2, s->killed ? "stopped" : "not running");
			stopped++;
		}
	}
	if (running != 0 || unknown != 0) {
		if (c->exit == CMD_EXIT_OK)
			cmd_error(c, CMD_EXIT_FAIL, "query %s is still running on %zu shards",
			    c->argv[0], running + unknown);
	} else if (killed == 0)
		cmd_error(c, CMD_EXIT_FAIL, "no query %s was running on any shard", c->argv[0]);
	return (0);
}

static enum cmd_retval
sql_kill_exec(struct cmd *c)
{
	struct sql_each	*e;
	struct buf	 id;
	const char	*p;
	char		*sql;

	if ((e = sql_each_new(c, sql_kill_report)) == NULL)
		return (CMD_RETURN_NORMAL);
	buf_init(&id);
	for (p = c->argv[0]; *p != '\0'; p++) {
		if (*p == '\'' || *p == '\\')
			buf_addc(&id, '\\');
		buf_addc(&id, *p);
	}
	e->id = buf_steal(&id);
	sql = xprintf("KILL QUERY WHERE query_id = '%s' OR initial_query_id = '%s' SYNC",
	    e->id, e->id);
	sql_each_start(e, sql);
	free(sql);
	return (c->finished ? CMD_RETURN_NORMAL : CMD_RETURN_WAIT);
}

const struct cmd_entry sql_kill_entry = {
	.name = "sql kill",
	.args = { "service=", 1, 1 },
	.usage = "[--service NAME] QUERY_ID",
	.help = "Kill a ClickHouse query on every shard and say whether it stopped.",
	.flags = CMD_INVENTORY | CMD_CHANGES | CMD_DESTRUCTIVE,
	.exec = sql_kill_exec,
};

const struct cmd_entry sql_shards_entry = {
	.name = "sql shards",
	.args = { "service=", 0, 0 },
	.usage = "[--service NAME]",
	.help = "List the ClickHouse shards with their version and uptime.",
	.flags = CMD_INVENTORY,
	.exec = sql_shards_exec,
};

/*
 * The sql commands: a query in scripted mode (rows streamed to stdout as
 * they arrive, or into a view for batch mode and the console prompt), and
 * "sql kill" and "sql shards", which ask every shard of the service.
 */
#include "config.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/clickhouse.h"
#include "backends/http.h"
#include "core/buf.h"
#include "core/inventory.h"
#include "core/loop.h"
#include "core/options.h"
#include "core/secret.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/clickhouse/sql.h"
#include "plugins/clickhouse/sql-print.h"

#define SQL_STDIN_MAX		(64 * 1024 * 1024)	/* a query read from stdin */
#define SQL_VIEW_MAX_ROWS	10000	/* rows kept when the result is a view */
#define SQL_FLUSH_MS		100	/* rows wait at most this long in stdio */

/* Written by the REPL (cli/repl.c); absent from builds without it. */
int	repl_main(struct cmd *) __attribute__((weak));

struct sql_run {
	struct cmd		*cmd;		/* NULL once the command was cancelled */
	struct http		*http;
	struct sql_targets	 t;
	struct ch_query		*q;
	struct ch_param		*params;	/* values point into the options */
	size_t			 nparams;
	struct sql_print	*print;		/* streaming to stdout, or */
	struct view		*view;		/* collecting for batch mode and the console */
	uint64_t		 view_max;
	int			 truncated;
	struct loop_timer	 flush;
	int			 signal;	/* SIGINT or SIGTERM cancelled it */
	int			 write_failed;	/* stdout closed: the query is cancelled */
	char			*sql;
};

/* The service's endpoints as targets; one shared secret, resolved here. */
int
sql_targets_get(struct cmd *c, struct sql_targets *t, char **cause)
{
	const struct inventory		*inv = c->env->inv;
	const struct inv_service	*svc = NULL;
	const struct inv_endpoint	*ep;
	const char			*want = cmd_opt(c, "service"), *shard;
	const char			*db = cmd_opt(c, "database");
	struct ch_target		*tg;
	size_t				 i;

	memset(t, 0, sizeof *t);
	for (i = 0; inv != NULL && i < inv->nservices; i++) {
		if (want != NULL ? strcmp(inv->services[i].name, want) == 0 :
		    strcmp(inv->services[i].kind, "clickhouse") == 0) {
			svc = &inv->services[i];
			break;
		}
	}
	if (svc == NULL) {
		if (want != NULL)
			xasprintf(cause, "no service named '%s' in the inventory", want);
		else
			xasprintf(cause, "no service of kind clickhouse in the inventory");
		return (-1);
	}
	if (svc->secret != NULL && (t->password = secret_resolve(svc->secret, cause)) == NULL)
		return (-1);
	t->service = svc->name;
	t->n = svc->nendpoints;
	t->targets = xcalloc(t->n, sizeof *t->targets);
	t->urls = xcalloc(t->n, sizeof *t->urls);
	for (i = 0; i < t->n; i++) {
		ep = &svc->endpoints[i];
		tg = &t->targets[i];
		t->urls[i] = xprintf("%s://%s%s%s:%s", ep->scheme, strchr(ep->host, ':') ?
		    "[" : "", ep->host, strchr(ep->host, ':') ? "]" : "", ep->port);
		tg->name = ep->name;
		tg->url = t->urls[i];
		tg->user = svc->user != NULL ? svc->user : ep->user;
		tg->password = t->password;
		tg->database = db != NULL ? db : svc->database;
		tg->ca_file = svc->ca_file;
		tg->timeout_ms = svc->timeout_ms > 0 ? svc->timeout_ms : c->env->timeout_ms;
	}
	/* The first endpoint holds the Distributed tables; --shard picks another. */
	if ((shard = cmd_opt(c, "shard")) != NULL) {
		for (i = 0; i < t->n; i++) {
			if (strcmp(t->targets[i].name, shard) == 0)
				break;
		}
		if (i == t->n) {
			struct buf names;

			buf_init(&names);
			for (i = 0; i < t->n; i++)
				buf_printf(&names, "%s%s", i ? ", " : "", t->targets[i].name);
			xasprintf(cause, "%s has no shard named '%s' (%s)", svc->name, shard,
			    buf_str(&names));
			buf_free(&names);
			sql_targets_free(t);
			return (-1);
		}
		t->chosen = i;
	}
	if (t->n == 0) {
		xasprintf(cause, "%s has no endpoint", svc->name);
		sql_targets_free(t);
		return (-1);
	}
	return (0);
}

void
sql_targets_free(struct sql_targets *t)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		free(t->urls[i]);
	free(t->urls);
	free(t->targets);
	secret_free(t->password);
	memset(t, 0, sizeof *t);
}

/* The exit status of DESIGN.md section 6 for a query's outcome. */
enum cmd_exit
sql_exit(enum ch_status status)
{
	switch (status) {
	case CH_OK:
		return (CMD_EXIT_OK);
	case CH_ERR_CONNECT:
	case CH_ERR_TIMEOUT:
		return (CMD_EXIT_UNREACHABLE);
	case CH_ERR_AUTH:
		return (CMD_EXIT_AUTH);
	default:
		return (CMD_EXIT_FAIL);
	}
}

static void
sql_run_free(struct sql_run *r)
{
	loop_timer_stop(&r->flush);
	sql_print_free(r->print);
	view_free(r->view);
	http_free(r->http);
	sql_targets_free(&r->t);
	free(r->params);
	free(r->sql);
	free(r);
}

/* Rows sit in stdio's buffer at most SQL_FLUSH_MS; a closed stdout stops the query. */
static void
sql_flush(void *arg)
{
	struct sql_run	*r = arg;

	if (r->print != NULL && sql_print_flush(r->print) != 0 && !r->write_failed &&
	    r->q != NULL) {
		r->write_failed = 1;
		ch_query_cancel(r->q, r->t.targets, r->t.n);
	}
}

static void
sql_on_header(const struct ch_column *cols, size_t n, void *arg)
{
	struct sql_run	*r = arg;
	size_t		 i;

	if (r->print != NULL) {
		sql_print_header(r->print, cols, n);
		return;
	}
	if (r->view != NULL) {
		for (i = 0; i < n; i++)
			view_add_column(r->view, cols[i].name, VIEW_TEXT);
	}
}

static void
sql_on_row(const struct ch_row *row, void *arg)
{
	struct sql_run	*r = arg;
	size_t		 i, n;

	if (r->print != NULL) {
		sql_print_row(r->print, row);
		if (sql_print_failed(r->print) && !r->write_failed) {
			r->write_failed = 1;
			ch_query_cancel(r->q, r->t.targets, r->t.n);
			return;
		}
		if (!loop_timer_pending(&r->flush))
			loop_timer_start(&r->flush, SQL_FLUSH_MS);
		return;
	}
	if (r->view == NULL)
		return;
	if (r->view->nrows >= r->view_max && r->view_max != 0) {
		r->truncated = 1;
		return;
	}
	n = view_add_row(r->view);
	for (i = 0; i < row->n && i < r->view->ncols; i++) {
		if (row->fields[i] != NULL)
			view_set_text(r->view, n, i, row->fields[i]);
	}
}

static void
sql_on_done(const struct ch_result *res, void *arg)
{
	struct sql_run	*r = arg;
	struct cmd	*c = r->cmd;

	r->q = NULL;
	if (r->print != NULL)
		sql_print_end(r->print);
	if (c == NULL) {
		/* Cancelled from outside: the command is gone already. */
		sql_run_free(r);
		return;
	}
	c->state = NULL;
	if (res->status == CH_ERR_CANCELLED) {
		/* A reader that went away (| head) is no error to report: 141 as for SIGPIPE. */
		if (r->write_failed)
			c->exit = (enum cmd_exit)(128 + SIGPIPE);
		else
			cmd_error(c, CMD_EXIT_FAIL, "sql: %s", res->message);
		if (r->signal != 0)
			c->exit = (enum cmd_exit)(128 + r->signal);
	} else if (res->status != CH_OK)
		cmd_error(c, sql_exit(res->status), "%s: %s", r->t.targets[r->t.chosen].name,
		    res->message);
	else if (r->view != NULL) {
		c->view = r->view;
		r->view = NULL;
		if (r->truncated)
			cmd_message(c, "only the first %llu rows are shown (--max-rows)",
			    (unsigned long long)r->view_max);
	}
	sql_run_free(r);
	loop_signal_set(c->env->loop, SIGINT, NULL, NULL);
	loop_signal_set(c->env->loop, SIGTERM, NULL, NULL);
	cmd_finish(c);
}

static const struct ch_callbacks sql_callbacks = {
	.header = sql_on_header,
	.row = sql_on_row,
	.done = sql_on_done,
};

/* Ctrl-C: KILL QUERY on every shard; the command ends when that is confirmed. */
static void
sql_signal(int sig, void *arg)
{
	struct sql_run	*r = arg;

	if (r->q == NULL || r->signal != 0)
		return;
	r->signal = sig;
	ch_query_cancel(r->q, r->t.targets, r->t.n);
}

/* Cancelled by its front end, which finishes the command now: the kill goes on alone. */
static void
sql_cancel(struct cmd *c)
{
	struct sql_run	*r = c->state;

	c->state = NULL;
	loop_signal_set(c->env->loop, SIGINT, NULL, NULL);
	loop_signal_set(c->env->loop, SIGTERM, NULL, NULL);
	if (r == NULL)
		return;
	r->cmd = NULL;
	if (r->q != NULL)
		ch_query_cancel(r->q, r->t.targets, r->t.n);
	else
		sql_run_free(r);
}

/* The query: the words given, or all of stdin when it is not a terminal. */
static char *
sql_query_text(struct cmd *c, char **cause)
{
	struct buf	 b;
	char		 chunk[65536];
	ssize_t		 n;
	int		 i;

	buf_init(&b);
	if (c->argc > 0) {
		for (i = 0; i < c->argc; i++) {
			if (i != 0)
				buf_addc(&b, ' ');
			buf_adds(&b, c->argv[i]);
		}
		return (buf_steal(&b));
	}
	/* Read before the loop has anything to do: a script's pipe or file. */
	while ((n = read(STDIN_FILENO, chunk, sizeof chunk)) != 0) {
		if (n < 0) {
			xasprintf(cause, "sql: reading the query from stdin failed");
			buf_free(&b);
			return (NULL);
		}
		if (b.len + (size_t)n > SQL_STDIN_MAX) {
			xasprintf(cause, "sql: the query on stdin is longer than %d MiB",
			    SQL_STDIN_MAX >> 20);
			buf_free(&b);
			return (NULL);
		}
		buf_add(&b, chunk, (size_t)n);
	}
	return (b.data != NULL ? buf_steal(&b) : xstrdup(""));
}

/* --param NAME=VALUE, as often as needed. */
static int
sql_params(struct cmd *c, struct sql_run *r, char **cause)
{
	char	*eq;
	size_t	 i;

	for (i = 0; i < c->nopts; i++) {
		if (strcmp(c->opts[i].name, "param") != 0)
			continue;
		if ((eq = strchr(c->opts[i].value, '=')) == NULL ||
		    eq == c->opts[i].value) {
			xasprintf(cause, "sql: --param wants NAME=VALUE, not '%s'",
			    c->opts[i].value);
			return (-1);
		}
		*eq = '\0';	/* the option's own copy: split it in place */
		r->params = xreallocarray(r->params, r->nparams + 1, sizeof *r->params);
		r->params[r->nparams].name = c->opts[i].value;
		r->params[r->nparams].value = eq + 1;
		r->nparams++;
	}
	return (0);
}

/* -o on the command, then the global -o; unset, tsv for a pipe like clickhouse-client. */
static int
sql_format(struct cmd *c, enum sql_print_format *f)
{
	const char	*o = cmd_opt(c, "output"), *src;

	if (o == NULL) {
		src = options_source("output");
		if (src == NULL || strcmp(src, "default") == 0) {
			*f = (c->env->flags & CMD_ENV_TTY) ? SQL_PRINT_TABLE : SQL_PRINT_TSV;
			return (0);
		}
		o = options_get("output");
	}
	if (sql_print_parse(o, f) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "sql: bad output format '%s' (table, json, tsv "
		    "or csv)", o);
		return (-1);
	}
	return (0);
}

static enum cmd_retval
sql_exec(struct cmd *c)
{
	struct sql_run		*r;
	struct ch_options	 o;
	enum sql_print_format	 fmt;
	const char		*v;
	char			*cause = NULL, *end;
	int			 stream;

	if (c->argc == 0 && isatty(STDIN_FILENO) && !(c->env->flags & CMD_ENV_BATCH)) {
		if (repl_main == NULL) {
			cmd_error(c, CMD_EXIT_USAGE, "the REPL comes with cli/repl.c");
			return (CMD_RETURN_NORMAL);
		}
		c->exit = (enum cmd_exit)repl_main(c);
		return (CMD_RETURN_NORMAL);
	}
	/* Scripted mode streams; batch mode and the console want a view. */
	stream = !(c->env->flags & CMD_ENV_BATCH) && c->env->confirm == NULL;
	if (stream && sql_format(c, &fmt) != 0)
		return (CMD_RETURN_NORMAL);

	r = xcalloc(1, sizeof *r);
	r->cmd = c;
	loop_timer_init(&r->flush, c->env->loop, sql_flush, r);
	memset(&o, 0, sizeof o);
	if ((v = cmd_opt(c, "max-rows")) != NULL) {
		o.max_rows = strtoull(v, &end, 10);
		if (*v == '\0' || *end != '\0' || *v == '-') {
			cmd_error(c, CMD_EXIT_USAGE, "sql: --max-rows wants a number");
			goto fail;
		}
	} else if (!stream)
		o.max_rows = SQL_VIEW_MAX_ROWS;
	r->view_max = o.max_rows;
	if (sql_params(c, r, &cause) != 0 || (r->sql = sql_query_text(c, &cause)) == NULL)
		goto usage;
	if (sql_targets_get(c, &r->t, &cause) != 0)
		goto usage;
	o.params = r->params;
	o.nparams = r->nparams;
	o.gzip = cmd_flag(c, "gzip");
	o.readonly = (c->env->flags & CMD_ENV_READ_ONLY) != 0;

	if (stream)
		r->print = sql_print_new(stdout, fmt);
	else
		r->view = view_new("Query");
	r->http = http_new(c->env->loop);
	r->q = ch_query_start(c->env->loop, r->http, &r->t.targets[r->t.chosen], r->sql,
	    &o, &sql_callbacks, r, &cause);
	if (r->q == NULL)
		goto usage;
	c->state = r;
	c->cancel = sql_cancel;
	loop_signal_set(c->env->loop, SIGINT, sql_signal, r);
	loop_signal_set(c->env->loop, SIGTERM, sql_signal, r);
	return (CMD_RETURN_WAIT);

usage:
	cmd_error(c, CMD_EXIT_USAGE, "%s", cause);
	free(cause);
fail:
	sql_run_free(r);
	return (CMD_RETURN_NORMAL);
}

static const struct cmd_entry sql_entry = {
	.name = "sql",
	.args = { "service= shard= database= param= max-rows= gzip", 0, -1 },
	.usage = "[--shard NAME] [--param NAME=VALUE ...] [--database DB] [--max-rows N] "
	    "[--gzip] [QUERY]",
	.help = "Run a ClickHouse query (from stdin when not given; a REPL on a terminal).",
	.flags = CMD_INVENTORY,
	.exec = sql_exec,
};

const struct cmd_entry *const sql_commands[] = {
	&sql_entry,
	&sql_kill_entry,
	&sql_shards_entry,
	NULL
};

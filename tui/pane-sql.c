/*
 * The SQL pane: ClickHouse queries typed in a multi-line editor, their
 * results streamed to a spool file on disk and shown through a window of a
 * few hundred rows around the cursor, so a result of ten million rows costs
 * no more memory than one of ten. Progress while it runs, C-c kills it on
 * every shard, a session_id per pane keeps SET and temporary tables.
 */
#include "config.h"

#include <ctype.h>
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/http.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/secret.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/pane-sql.h"
#include "tui/sqlspool.h"

#define SQL_TICK_MS	200	/* progress redraws while a query runs */
#define SQL_WORDS_MAX	50000	/* completion words loaded at most */

static const char *const sql_keywords[] = {
	"SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "LIMIT", "HAVING", "PREWHERE",
	"FORMAT", "SETTINGS", "INSERT INTO", "VALUES", "CREATE", "TABLE", "DATABASE",
	"DROP", "ALTER", "TRUNCATE", "SHOW", "TABLES", "DATABASES", "DESCRIBE", "EXISTS",
	"OPTIMIZE", "KILL QUERY", "SYSTEM", "SET", "USE", "DISTINCT", "JOIN", "ANY",
	"ALL", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "ARRAY JOIN", "USING", "ON",
	"UNION ALL", "AS", "AND", "OR", "NOT", "IN", "GLOBAL", "BETWEEN", "LIKE", "IS NULL",
	"IS NOT NULL", "CASE", "WHEN", "THEN", "ELSE", "END", "ASC", "DESC", "WITH",
	"TOTALS", "SAMPLE", "FINAL", "ENGINE", "PARTITION BY", "PRIMARY KEY", "TEMPORARY",
	"IF NOT EXISTS", "IF EXISTS", "NULL", "INTERVAL", "EXPLAIN", "DETACH", "ATTACH",
	"RENAME", "MODIFY", "COLUMN", "ADD", "UPDATE", "DELETE", "CLUSTER", "DISTRIBUTED",
	"MERGETREE", NULL
};

static void	sql_words_load(struct tui *, struct sqlpane *);

/* The SQL pane's state, wherever the command comes from (its sub-screens too). */
struct sqlpane *
sql_pane(struct tui *t)
{
	size_t	i;

	for (i = 0; t != NULL && i < t->npanes; i++) {
		if (t->panes[i].type == &pane_sql)
			return (t->panes[i].data);
	}
	return (NULL);
}

struct ch_target
sql_target_short(const struct sqlpane *st, size_t i)
{
	struct ch_target	tg = st->targets[i];

	if (tg.timeout_ms == 0)
		tg.timeout_ms = 10000;
	return (tg);
}

/* ------------------------------------------------------------ connection */

static void
sql_disconnect(struct sqlpane *st)
{
	size_t	i;

	if (st->q != NULL)
		sql_cancel(tui_self, st);
	for (i = 0; i < st->ntargets; i++)
		free((char *)st->targets[i].url);
	free(st->targets);
	st->targets = NULL;
	st->ntargets = 0;
	if (st->password != NULL)
		secret_free(st->password);
	st->password = NULL;
	free(st->service);
	st->service = NULL;
}

/* A file name from a service name: letters, digits, '-', '_' and '.' only. */
static char *
sql_history_path(const char *service)
{
	char	*name = xprintf("sql-history-%s", service), *path, *s;

	for (s = name; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			*s = '_';
	}
	path = util_xdg_path("state", name);
	free(name);
	return (path);
}

/*
 * Connect to a ClickHouse service of the inventory (the first one when
 * none is named); queries run on its first endpoint unless one is named.
 */
int
sql_connect(struct tui *t, struct sqlpane *st, const char *service, const char *endpoint,
    char **cause)
{
	struct cmd_env			*env = t->env;
	const struct inv_service	*svc = NULL;
	const struct inv_endpoint	*ep;
	char				*hfile;
	size_t				 i;

	if (env->inv == NULL) {
		if (env->inv_path == NULL)
			env->inv_path = inventory_default_path();
		if ((env->inv = inventory_load(env->inv_path, 0, cause)) == NULL)
			return (-1);
	}
	for (i = 0; i < env->inv->nservices; i++) {
		const struct inv_service *s = &env->inv->services[i];

		if (service != NULL ? strcmp(s->name, service) == 0 :
		    strcmp(s->kind, "clickhouse") == 0) {
			svc = s;
			break;
		}
	}
	if (svc == NULL) {
		xasprintf(cause, service != NULL ? "no service '%s' in the inventory" :
		    "no ClickHouse service in the inventory%s", service != NULL ? service : "");
		return (-1);
	}
	if (strcmp(svc->kind, "clickhouse") != 0) {
		xasprintf(cause, "%s is a %s service: the SQL pane speaks ClickHouse", svc->name,
		    svc->kind);
		return (-1);
	}
	if (st->service != NULL && strcmp(st->service, svc->name) == 0 && endpoint == NULL)
		return (0);
	sql_disconnect(st);
	if (svc->secret != NULL && (st->password = secret_resolve(svc->secret, cause)) == NULL)
		return (-1);
	st->service = xstrdup(svc->name);
	st->targets = xcalloc(svc->nendpoints, sizeof *st->targets);
	st->target = 0;
	for (i = 0; i < svc->nendpoints; i++) {
		ep = &svc->endpoints[i];
		st->targets[i].name = ep->name;
		st->targets[i].url = xprintf("%s://%s:%s", ep->scheme, ep->host, ep->port);
		st->targets[i].user = svc->user != NULL ? svc->user : ep->user;
		st->targets[i].password = st->password;
		st->targets[i].database = svc->database;
		st->targets[i].ca_file = svc->ca_file;
		st->targets[i].timeout_ms = 0;	/* a long query may be silent a long time */
		if (endpoint != NULL && strcmp(ep->name, endpoint) == 0)
			st->target = i;
	}
	st->ntargets = svc->nendpoints;
	if (endpoint != NULL && strcmp(st->targets[st->target].name, endpoint) != 0) {
		xasprintf(cause, "%s has no endpoint '%s'", svc->name, endpoint);
		sql_disconnect(st);
		return (-1);
	}
	snprintf(st->session, sizeof st->session, "platform-tui-%ld-%lx-%s", (long)getpid(),
	    (unsigned long)time(NULL) ^ (unsigned long)random(), st->targets[st->target].name);
	free(st->why);
	st->why = NULL;
	hfile = sql_history_path(svc->name);
	sqledit_history_load(&st->edit, hfile);
	free(hfile);
	sql_words_load(t, st);
	return (0);
}

/* ------------------------------------------------------------ completion words */

static void
sql_words_add(struct sqlpane *st, const char *w, size_t len)
{
	if (st->nwords >= SQL_WORDS_MAX || len == 0)
		return;
	st->words = xreallocarray(st->words, st->nwords + 2, sizeof *st->words);
	st->words[st->nwords++] = xstrndup(w, len);
	st->words[st->nwords] = NULL;
}

static void
sql_words_header(const struct ch_column *cols, size_t n, void *arg)
{
	(void)cols;
	(void)n;
	(void)arg;
}

/* Each row is a name: functions, databases, db.table, table and column names. */
static void
sql_words_row(const struct ch_row *r, void *arg)
{
	struct sqlpane	*st = arg;

	if (r->n > 0 && r->fields[0] != NULL)
		sql_words_add(st, r->fields[0], r->lens[0]);
}

static int
sql_words_cmp(const void *a, const void *b)
{
	return (strcasecmp(*(char *const *)a, *(char *const *)b));
}

/* The words are in: sorted, they go to the editor. */
static void
sql_words_done(const struct ch_result *res, void *arg)
{
	struct sqlpane	*st = arg;
	size_t		 i;

	st->wq = NULL;
	if (res->status != CH_OK && st->nwords == 0)
		tui_message(tui_self, THEME_MUTED, "completion: %s", res->message);
	for (i = 0; sql_keywords[i] != NULL; i++)
		sql_words_add(st, sql_keywords[i], strlen(sql_keywords[i]));
	if (st->words != NULL)
		qsort(st->words, st->nwords, sizeof *st->words, sql_words_cmp);
	sqledit_set_words(&st->edit, st->words, st->nwords);
	st->words = NULL;
	st->nwords = 0;
}

/* One query of system.* for every name Tab completes, in the background. */
static void
sql_words_load(struct tui *t, struct sqlpane *st)
{
	static const struct ch_callbacks cb = {
		.header = sql_words_header,
		.row = sql_words_row,
		.done = sql_words_done,
	};
	static const char *sql =
	    "SELECT name FROM system.functions"
	    " UNION ALL SELECT name FROM system.databases"
	    " UNION ALL SELECT DISTINCT name FROM system.tables"
	    " UNION ALL SELECT concat(database, '.', name) FROM system.tables"
	    " UNION ALL SELECT DISTINCT name FROM system.columns"
	    " WHERE database NOT IN ('system')"
	    " LIMIT 50000";
	struct ch_target	 tg = sql_target_short(st, st->target);
	struct ch_options	 opt = { .readonly = 1 };
	char			*cause = NULL;

	if (st->wq != NULL)
		return;
	st->wq = ch_query_start(t->env->loop, st->http, &tg, sql, &opt, &cb, st, &cause);
	if (st->wq == NULL) {
		tui_message(t, THEME_MUTED, "completion: %s", cause);
		free(cause);
	}
}

/* ------------------------------------------------------------ the window */

static void
sql_free_columns(struct sqlpane *st)
{
	size_t	i;

	for (i = 0; i < st->ncols; i++) {
		free(st->names[i]);
		free(st->types[i]);
	}
	free(st->names);
	free(st->types);
	st->names = st->types = NULL;
	st->ncols = 0;
}

/* Integers right-aligned and sorted as numbers; everything else as text. */
static enum view_type
sql_view_type(const char *type)
{
	if (strncmp(type, "Nullable(", 9) == 0)
		type += 9;
	if ((strncmp(type, "Int", 3) == 0 || strncmp(type, "UInt", 4) == 0) &&
	    strchr(type, '(') == NULL)
		return (VIEW_NUMBER);
	return (VIEW_TEXT);
}

static struct view *
sql_window_new(struct sqlpane *st)
{
	struct view	*v;
	char		 title[32];
	size_t		 c;

	snprintf(title, sizeof title, "SQL #%u", st->nrun);
	v = view_new(title);
	for (c = 0; c < st->ncols; c++)
		view_add_column(v, st->names[c], sql_view_type(st->types[c]));
	return (v);
}

/* A spool row into a view row: numbers as numbers when they fit. */
static void
sql_window_add(struct view *v, const char *const *fields, const size_t *lens, size_t n)
{
	size_t	 row = view_add_row(v), c;
	char	*s, *end;
	long long num;

	for (c = 0; c < n && c < v->ncols; c++) {
		if (fields[c] == NULL)
			continue;
		s = xstrndup(fields[c], lens[c]);
		if (v->cols[c].type == VIEW_NUMBER) {
			errno = 0;
			num = strtoll(s, &end, 10);
			if (*s != '\0' && *end == '\0' && errno == 0) {
				view_set_num(v, row, c, num);
				free(s);
				continue;
			}
		}
		view_set_text(v, row, c, s);
		free(s);
	}
}

static int
sql_window_row(const struct sqlspool_row *r, void *arg)
{
	sql_window_add(arg, r->fields, r->lens, r->nfields);
	return (0);
}

/* Read the window again from the spool, centred on a row when it can be. */
static void
sql_window_fill(struct tui *t, struct sqlpane *st, uint64_t center)
{
	struct view	*v;
	uint64_t	 total = sqlspool_rows(st->spool), start;
	char		*cause = NULL;

	start = center > SQL_WINDOW / 2 ? center - SQL_WINDOW / 2 : 0;
	if (start + SQL_WINDOW > total)
		start = total > SQL_WINDOW ? total - SQL_WINDOW : 0;
	v = sql_window_new(st);
	if (sqlspool_read(st->spool, start, SQL_WINDOW, sql_window_row, v, &cause) != 0) {
		tui_message(t, THEME_ERROR, "%s", cause);
		free(cause);
	}
	st->win = start;
	pane_set_view(t, st->pane, v);
}

/* Sorted or filtered, the window is what is shown: it stays where it is. */
int
sql_window_frozen(struct sqlpane *st)
{
	const struct table_model	*m = &st->pane->table.model;

	return (m->sort_col != SIZE_MAX || m->expr != NULL);
}

/* The cursor's row in the whole result. */
uint64_t
sql_cursor(struct sqlpane *st)
{
	size_t	r = table_current(&st->pane->table);

	return (r == SIZE_MAX ? st->win : st->win + r);
}

/* Move in the whole result: the window is refilled around the cursor as needed. */
void
sql_move(struct tui *t, struct sqlpane *st, const char *to)
{
	struct table	*tb = &st->pane->table;
	uint64_t	 total = sqlspool_rows(st->spool), at, page = tui_page();
	size_t		 have = st->pane->own != NULL ? st->pane->own->nrows : 0;

	if (total == 0)
		return;
	if (sql_window_frozen(st)) {
		if (strcmp(to, "top") == 0 || strcmp(to, "bottom") == 0)
			table_move_to(tb, strcmp(to, "top") == 0 ? 0 : SIZE_MAX);
		else
			table_move(tb, (strcmp(to, "up") == 0 ? -1 : strcmp(to, "down") == 0 ? 1 :
			    strcmp(to, "page-up") == 0 ? -(long)page : (long)page));
		return;
	}
	at = sql_cursor(st);
	if (strcmp(to, "down") == 0)
		at++;
	else if (strcmp(to, "up") == 0)
		at = at > 0 ? at - 1 : 0;
	else if (strcmp(to, "page-down") == 0)
		at += page;
	else if (strcmp(to, "page-up") == 0)
		at = at > page ? at - page : 0;
	else if (strcmp(to, "top") == 0)
		at = 0;
	else
		at = total - 1;
	if (at >= total)
		at = total - 1;
	if (at < st->win || at >= st->win + have ||
	    (at < st->win + SQL_MARGIN && st->win > 0) ||
	    (at >= st->win + have - SQL_MARGIN && st->win + have < total)) {
		sql_window_fill(t, st, at);
		have = st->pane->own->nrows;
	}
	table_move_to(tb, (size_t)(at - st->win));
	t->dirty = 1;
}

/* "1,234,567" */
static void
sql_count(char *out, size_t len, uint64_t n)
{
	char	digits[32];
	size_t	i, j = 0, nd;

	nd = (size_t)snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
	for (i = 0; i < nd && j + 2 < len; i++) {
		if (i != 0 && (nd - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = digits[i];
	}
	out[j] = '\0';
}

/* ------------------------------------------------------------ running a query */

static void
sql_set_status(struct sqlpane *st, enum theme_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
sql_set_status(struct sqlpane *st, enum theme_role role, const char *fmt, ...)
{
	va_list	ap;

	free(st->status);
	va_start(ap, fmt);
	xvasprintf(&st->status, fmt, ap);
	va_end(ap);
	st->status_role = role;
	tui_self->dirty = 1;
}

static void
sql_header(const struct ch_column *cols, size_t n, void *arg)
{
	struct sqlpane	*st = arg;
	char		*cause = NULL, *dir;
	const char	*base;
	size_t		 i;

	sql_free_columns(st);
	st->names = xcalloc(n, sizeof *st->names);
	st->types = xcalloc(n, sizeof *st->types);
	for (i = 0; i < n; i++) {
		st->names[i] = xstrdup(cols[i].name);
		st->types[i] = xstrdup(cols[i].type);
	}
	st->ncols = n;
	sqlspool_free(st->spool);
	if ((base = getenv("XDG_CACHE_HOME")) != NULL && *base == '/')
		dir = xprintf("%s/platform-tui", base);
	else
		dir = xstrdup((base = getenv("TMPDIR")) != NULL && *base == '/' ? base : "/tmp");
	if ((st->spool = sqlspool_new(dir, n, &cause)) == NULL) {
		sql_set_status(st, THEME_ERROR, "%s", cause);
		free(cause);
		sql_cancel(tui_self, st);
	}
	free(dir);
	st->win = 0;
	pane_set_view(tui_self, st->pane, sql_window_new(st));
}

/* Each row goes to the spool; to the window too while it shows the tail. */
static void
sql_row(const struct ch_row *r, void *arg)
{
	struct sqlpane	*st = arg;
	struct view	*v = st->pane->own;
	uint64_t	 n;
	char		*cause = NULL;

	if (st->spool == NULL)
		return;
	n = sqlspool_rows(st->spool);
	if (sqlspool_add(st->spool, (const char *const *)r->fields, r->lens, r->n,
	    &cause) != 0) {
		sql_set_status(st, THEME_ERROR, "%s", cause);
		free(cause);
		sql_cancel(tui_self, st);
		return;
	}
	if (v != NULL && v->nrows < SQL_WINDOW && st->win + v->nrows == n)
		sql_window_add(v, (const char *const *)r->fields, r->lens, r->n);
	if (n == 0) {
		st->first_ms = loop_now(tui_self->env->loop) - st->started;
		if (st->first_ms == 0)
			st->first_ms = 1;
		tui_self->dirty = 1;
	}
}

static void
sql_progress(const struct ch_progress *pr, void *arg)
{
	struct sqlpane	*st = arg;

	st->prog = *pr;
}

static void
sql_tick(void *arg)
{
	struct sqlpane	*st = arg;

	tui_self->dirty = 1;
	if (st->q != NULL)
		loop_timer_start(&st->tick, SQL_TICK_MS);
}

static void
sql_done(const struct ch_result *res, void *arg)
{
	struct sqlpane	*st = arg;
	char		 rows[32], el[32], first[48] = "";

	st->q = NULL;
	loop_timer_stop(&st->tick);
	sql_count(rows, sizeof rows, res->rows);
	util_format_duration(el, sizeof el, (int64_t)res->elapsed_ms);
	if (st->first_ms != 0)
		snprintf(first, sizeof first, ", first rows after %llu ms",
		    (unsigned long long)st->first_ms);
	switch (res->status) {
	case CH_OK:
		sql_set_status(st, THEME_MESSAGE, "%s row%s in %s%s", rows,
		    res->rows == 1 ? "" : "s", el, first);
		break;
	case CH_ERR_CANCELLED:
		sql_set_status(st, res->kill_confirmed ? THEME_WARN : THEME_ERROR,
		    "cancelled after %s rows: %s", rows, res->kill_confirmed ?
		    "the kill was confirmed on every shard" :
		    "the server did not confirm the kill (see :sql cluster processes)");
		break;
	case CH_ERR_SERVER:
		/* The server's own text says "Code: N" already; older ones with a comma. */
		if (res->message != NULL && strncmp(res->message, "Code:", 5) == 0)
			sql_set_status(st, THEME_ERROR, "%s", res->message);
		else
			sql_set_status(st, THEME_ERROR, "Code: %d. %s", res->code,
			    res->message != NULL ? res->message : "error");
		break;
	default:
		sql_set_status(st, THEME_ERROR, "%s", res->message != NULL ? res->message :
		    "failed");
		break;
	}
	st->cancelling = 0;
	if (st->ncols == 0 && st->pane->own != NULL)
		pane_set_view(tui_self, st->pane, NULL);
	tui_self->dirty = 1;
}

/* Start a query; the last result stays until the new one's header arrives. */
int
sql_run(struct tui *t, struct sqlpane *st, const char *query)
{
	static const struct ch_callbacks cb = {
		.header = sql_header,
		.row = sql_row,
		.progress = sql_progress,
		.done = sql_done,
	};
	struct ch_options	 opt = { .session_id = st->session };
	char			*cause = NULL, *sql;
	size_t			 len;

	if (st->targets == NULL && sql_connect(t, st, NULL, NULL, &cause) != 0) {
		sql_set_status(st, THEME_ERROR, "%s", cause);
		free(cause);
		return (-1);
	}
	if (st->q != NULL) {
		sql_set_status(st, THEME_WARN, "a query is still running (C-c cancels it)");
		return (-1);
	}
	while (isspace((unsigned char)*query))
		query++;
	len = strlen(query);
	while (len > 0 && (isspace((unsigned char)query[len - 1]) || query[len - 1] == ';'))
		len--;
	if (len == 0) {
		sql_set_status(st, THEME_MUTED, "nothing to run");
		return (-1);
	}
	sql = xstrndup(query, len);
	sqledit_history_add(&st->edit, sql);
	opt.readonly = (t->env->flags & CMD_ENV_READ_ONLY) != 0;
	st->nrun++;
	st->started = loop_now(t->env->loop);
	st->first_ms = 0;
	memset(&st->prog, 0, sizeof st->prog);
	sql_free_columns(st);
	sql_set_status(st, THEME_MUTED, "running on %s ...", st->targets[st->target].name);
	st->q = ch_query_start(t->env->loop, st->http, &st->targets[st->target], sql, &opt,
	    &cb, st, &cause);
	free(sql);
	if (st->q == NULL) {
		sql_set_status(st, THEME_ERROR, "%s", cause);
		free(cause);
		return (-1);
	}
	loop_timer_start(&st->tick, SQL_TICK_MS);
	return (0);
}

/* C-c: KILL QUERY on every shard; done() says whether the kill was confirmed. */
void
sql_cancel(struct tui *t, struct sqlpane *st)
{
	if (st->q == NULL || st->cancelling)
		return;
	st->cancelling = 1;
	sql_set_status(st, THEME_WARN, "cancelling %s on %zu shard%s ...", ch_query_id(st->q),
	    st->ntargets, st->ntargets == 1 ? "" : "s");
	t->dirty = 1;
	ch_query_cancel(st->q, st->targets, st->ntargets);
}

/* ------------------------------------------------------------ the pane */

static struct sqlpane *
sql_state(struct tui *t, struct pane *p)
{
	struct sqlpane	*st = p->data;

	if (st != NULL)
		return (st);
	st = xcalloc(1, sizeof *st);
	st->pane = p;
	st->http = http_new(t->env->loop);
	sqledit_init(&st->edit);
	loop_timer_init(&st->tick, t->env->loop, sql_tick, st);
	pane_init(&st->row, &pane_sql_row);
	p->data = st;
	return (st);
}

/*
 * Shown: connect on first use, to the service Enter was pressed on in the
 * Overview when that is how it came, else to the first ClickHouse service.
 */
static void
sql_show(struct tui *t, struct pane *p)
{
	static const char *const kinds[] = { "clickhouse", NULL };
	struct sqlpane		*st = sql_state(t, p);
	const char		*want = pane_opened_for(t, kinds);
	char			*cause = NULL;

	if (want != NULL || st->targets == NULL) {
		if (sql_connect(t, st, want, NULL, &cause) != 0) {
			free(st->why);
			st->why = cause;
		}
	}
	if (want != NULL)
		st->focus = SQL_FOCUS_EDITOR;
}

/* r: run the last query again. */
static void
sql_reload(struct tui *t, struct pane *p)
{
	struct sqlpane	*st = sql_state(t, p);

	if (st->edit.nhistory > 0)
		sql_run(t, st, st->edit.history[st->edit.nhistory - 1]);
}

static void
sql_open(struct tui *t, struct pane *p, size_t row)
{
	(void)row;
	sql_row_show(t, sql_state(t, p));
}

/* Keys go to the editor while it has focus; the others to the bindings. */
static int
sql_key(struct tui *t, struct pane *p, int key)
{
	struct sqlpane	*st = sql_state(t, p);

	if (st->focus != SQL_FOCUS_EDITOR)
		return (0);
	switch (sqledit_key(&st->edit, key)) {
	case SQLEDIT_PASS:
		return (0);
	case SQLEDIT_RUN:
		sql_run(t, st, sqledit_text(&st->edit));
		break;
	case SQLEDIT_LEAVE:
		st->focus = SQL_FOCUS_TABLE;
		break;
	case SQLEDIT_DONE:
		break;
	}
	t->dirty = 1;
	return (1);
}

/* The line under the editor: where queries go, then progress or the outcome. */
static void
sql_draw_status(struct tui *t, struct sqlpane *st, int y)
{
	char		 a[32], b[32], c[32], el[32], line[512];
	const char	*note;
	uint64_t	 ms, rate;

	attrset(theme_attr(THEME_TITLE));
	mvhline(y, 0, ' ', COLS);
	move(y, 0);
	snprintf(line, sizeof line, " %s%s%s ", st->service != NULL ? st->service : "(none)",
	    st->targets != NULL ? "@" : "", st->targets != NULL ?
	    st->targets[st->target].name : "");
	table_put_text(line, COLS / 3);
	attrset(A_NORMAL);
	addstr(" ");
	if ((note = sqledit_status(&st->edit, line, sizeof line)) != NULL) {
		attrset(theme_attr(THEME_HINT));
		table_put_text(note, COLS - getcurx(stdscr) - 1);
	} else if (st->q != NULL && !st->cancelling) {
		ms = loop_now(t->env->loop) - st->started;
		rate = ms > 0 ? st->prog.rows_read * 1000 / ms : 0;
		sql_count(a, sizeof a, st->prog.rows_read);
		sql_count(b, sizeof b, sqlspool_rows(st->spool));
		sql_count(c, sizeof c, rate);
		util_format_duration(el, sizeof el, (int64_t)ms);
		snprintf(line, sizeof line, "running: %s rows read", a);
		if (st->prog.bytes_read != 0) {
			util_format_bytes(a, sizeof a, (int64_t)st->prog.bytes_read);
			snprintf(line + strlen(line), sizeof line - strlen(line), ", %s", a);
		}
		snprintf(line + strlen(line), sizeof line - strlen(line),
		    ", %s received, %s rows/s, %s  (C-c cancels)", b, c, el);
		attrset(theme_attr(THEME_WARN));
		table_put_text(line, COLS - getcurx(stdscr) - 1);
	} else if (st->why != NULL || st->status != NULL) {
		attrset(theme_attr(st->why != NULL ? THEME_ERROR : st->status_role));
		table_put_text(st->why != NULL ? st->why : st->status,
		    COLS - getcurx(stdscr) - 1);
	}
	attrset(A_NORMAL);
}

/* Over the table's footer: the position in the whole result. */
static void
sql_draw_footer(struct tui *t, struct sqlpane *st, int y)
{
	const struct table_model	*m = &st->pane->table.model;
	char				 a[32], b[32], line[160];

	sql_count(a, sizeof a, sql_cursor(st) + 1);
	sql_count(b, sizeof b, sqlspool_rows(st->spool));
	snprintf(line, sizeof line, "row %s of %s%s", a, b,
	    st->q != NULL ? ", rows still arriving" : "");
	if (sql_window_frozen(st))
		snprintf(line + strlen(line), sizeof line - strlen(line),
		    "  (%s of the %zu rows around it)", m->expr != NULL ? "filtered" :
		    "sorted", st->pane->own != NULL ? st->pane->own->nrows : 0);
	(void)t;
	attrset(theme_attr(THEME_MUTED));
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, COLS - (int)strlen(line) - 1 > 0 ? COLS - (int)strlen(line) - 1 : 0,
	    line, COLS);
	attrset(A_NORMAL);
}

static void
sql_draw(struct tui *t, struct pane *p, int y, int h)
{
	struct sqlpane	*st = sql_state(t, p);
	int		 eh, th;

	eh = sqledit_height(&st->edit, 3, h / 3 > 3 ? h / 3 : 3);
	sqledit_draw(&st->edit, y, eh, COLS, st->focus == SQL_FOCUS_EDITOR);
	sql_draw_status(t, st, y + eh);
	th = h - eh - 1;
	if (p->own != NULL && p->own->ncols > 0) {
		/* Keep the cursor's window while rows arrive and keys move it. */
		table_draw(&p->table, y + eh + 1, 0, th, COLS);
		if (th >= 5)
			sql_draw_footer(t, st, y + eh + th);
		return;
	}
	attrset(theme_attr(THEME_MUTED));
	if (st->q != NULL)
		mvaddnstr(y + eh + 2, 2, "waiting for the first rows...", COLS - 3);
	else if (st->status == NULL)
		mvaddnstr(y + eh + 2, 2, "Type a query: Enter after ';' or C-x runs it,"
		    " Tab completes, C-r searches history, C-e opens $EDITOR,"
		    " Esc goes to the results.", COLS - 3);
	attrset(A_NORMAL);
}

/* The editor's cursor is the terminal's while it has focus. */
static int
sql_place_cursor(struct tui *t, struct pane *p)
{
	struct sqlpane	*st = sql_state(t, p);

	if (st->focus != SQL_FOCUS_EDITOR)
		return (0);
	sqledit_place_cursor(&st->edit, 2, COLS);
	return (1);
}

static void
sql_free(struct pane *p)
{
	struct sqlpane	*st = p->data;
	uint64_t	 deadline;
	size_t		 i;

	if (st == NULL)
		return;
	/*
	 * Dropping the connection does not stop a query in ClickHouse: kill the
	 * one still running, and let the short ones end, for up to two seconds.
	 */
	sql_cancel(tui_self, st);
	deadline = loop_now(tui_self->env->loop) + 2000;
	while ((st->q != NULL || st->wq != NULL || sql_cluster_busy(st)) &&
	    loop_now(tui_self->env->loop) < deadline)
		loop_run_once(tui_self->env->loop, 100);
	sql_disconnect(st);
	sql_cluster_free(st);
	loop_timer_stop(&st->tick);
	http_free(st->http);	/* also ends the completion query, without callbacks */
	sqlspool_free(st->spool);
	sql_free_columns(st);
	sqledit_free(&st->edit);
	for (i = 0; i < st->nwords; i++)
		free(st->words[i]);
	free(st->words);
	pane_free(&st->row);
	free(st->status);
	free(st->why);
	free(st);
	p->data = NULL;
}

static const char *const pane_sql_kinds[] = { "clickhouse", "postgres", "postgresql", NULL };

const struct pane_type pane_sql = {
	.name = "SQL",
	.kinds = pane_sql_kinds,
	.empty = "No ClickHouse in the inventory.",
	.hints = "C-x run  Esc results  i edit  v row  c cluster",
	.show = sql_show,
	.reload = sql_reload,
	.open = sql_open,
	.free = sql_free,
	.key = sql_key,
	.draw = sql_draw,
	.cursor = sql_place_cursor,
};

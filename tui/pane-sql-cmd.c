/*
 * The SQL pane's commands and their default keys. They exist only in the
 * console, like tui/tui-cmd.c's, and keys reach them through bindings in
 * the "SQL", "Row" and "Cluster" panes, so '?' lists them and the config
 * can rebind them.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cmd.h"
#include "core/loop.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/keys.h"
#include "tui/pane-sql.h"
#include "tui/sqlspool.h"

#define SQL_EXPORT_CHUNK	20000	/* rows written per loop round */

/* The pane's state, or an error on the command. */
static struct sqlpane *
sql_cmd_pane(struct cmd *c)
{
	struct sqlpane	*st = sql_pane(tui_self);

	if (st == NULL)
		cmd_error(c, CMD_EXIT_USAGE, "%s: the SQL pane has not been opened", c->entry->name);
	return (st);
}

/* Commands work from the pane's sub-screens too; most act on the pane itself. */
static void
sql_cmd_go_pane(struct sqlpane *st)
{
	if (tui_self->cur != st->pane)
		tui_show(tui_self, st->pane, 1);
}

static enum cmd_retval
sql_cmd_run(struct cmd *c)
{
	struct sqlpane	*st = sql_cmd_pane(c);

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	sql_cmd_go_pane(st);
	if (c->argc > 0)
		sqledit_set(&st->edit, c->argv[0]);
	sql_run(tui_self, st, sqledit_text(&st->edit));
	return (CMD_RETURN_NORMAL);
}

/* C-c: the running query if there is one, else the console's command. */
static enum cmd_retval
sql_cmd_cancel(struct cmd *c)
{
	struct sqlpane	*st = sql_pane(tui_self);

	if (st != NULL && st->q != NULL)
		sql_cancel(tui_self, st);
	else if (tui_self->running != NULL)
		cmd_cancel(tui_self->running);
	else
		cmd_message(c, "no query is running");
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
sql_cmd_edit(struct cmd *c)
{
	struct sqlpane	*st = sql_cmd_pane(c);
	char		*cause = NULL;

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	sql_cmd_go_pane(st);
	if (sql_edit_external(tui_self, st, &cause) != 0) {
		cmd_error(c, CMD_EXIT_FAIL, "%s", cause);
		free(cause);
	}
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
sql_cmd_focus(struct cmd *c)
{
	struct sqlpane	*st = sql_cmd_pane(c);
	const char	*to = c->argc > 0 ? c->argv[0] : NULL;

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	sql_cmd_go_pane(st);
	if (to == NULL)
		st->focus = st->focus == SQL_FOCUS_EDITOR ? SQL_FOCUS_TABLE : SQL_FOCUS_EDITOR;
	else if (strcmp(to, "editor") == 0)
		st->focus = SQL_FOCUS_EDITOR;
	else if (strcmp(to, "table") == 0)
		st->focus = SQL_FOCUS_TABLE;
	else
		cmd_error(c, CMD_EXIT_USAGE, "sql focus: '%s' is not editor or table", to);
	tui_self->dirty = 1;
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
sql_cmd_search(struct cmd *c)
{
	struct sqlpane	*st = sql_cmd_pane(c);

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	sql_cmd_go_pane(st);
	st->focus = SQL_FOCUS_EDITOR;
	sqledit_search(&st->edit);
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
sql_cmd_move(struct cmd *c)
{
	static const char *const moves[] = { "up", "down", "page-up", "page-down", "top",
	    "bottom", NULL };
	struct sqlpane	*st = sql_cmd_pane(c);
	size_t		 i;

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	for (i = 0; moves[i] != NULL && strcmp(moves[i], c->argv[0]) != 0; i++)
		;
	if (moves[i] == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "sql move: '%s' is not up, down, page-up,"
		    " page-down, top or bottom", c->argv[0]);
		return (CMD_RETURN_NORMAL);
	}
	sql_move(tui_self, st, c->argv[0]);
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
sql_cmd_row(struct cmd *c)
{
	struct sqlpane	*st = sql_cmd_pane(c);

	if (st != NULL)
		sql_row_show(tui_self, st);
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
sql_cmd_connect(struct cmd *c)
{
	struct sqlpane	*st = sql_cmd_pane(c);
	char		*cause = NULL;

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	if (sql_connect(tui_self, st, c->argv[0], c->argc > 1 ? c->argv[1] : NULL,
	    &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "sql connect: %s", cause);
		free(cause);
		return (CMD_RETURN_NORMAL);
	}
	cmd_message(c, "queries go to %s@%s (session %s)", st->service,
	    st->targets[st->target].name, st->session);
	sql_cmd_go_pane(st);
	return (CMD_RETURN_NORMAL);
}

/* ------------------------------------------------------------ yank */


struct sql_yank {
	ssize_t		 col;		/* -1: the whole row as TSV */
	struct buf	 out;
};

static int
sql_yank_row(const struct sqlspool_row *r, void *arg)
{
	struct sql_yank	*y = arg;
	size_t		 i;

	for (i = 0; i < r->nfields; i++) {
		if (y->col >= 0 && (size_t)y->col != i)
			continue;
		if (y->col < 0 && i > 0)
			buf_addc(&y->out, '\t');
		if (r->fields[i] == NULL)
			buf_adds(&y->out, y->col >= 0 ? "NULL" : "\\N");
		else
			buf_add(&y->out, r->fields[i], r->lens[i]);
	}
	return (0);
}

/* y: the value under the cursor in the row view, or a column of the row. */
static enum cmd_retval
sql_cmd_yank(struct cmd *c)
{
	struct sqlpane		*st = sql_cmd_pane(c);
	struct sql_yank		 y = { .col = -1 };
	const struct view_cell	*cell;
	char			*cause = NULL, *end;
	size_t			 i, r;

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	buf_init(&y.out);
	if (tui_self->cur == &st->row && c->argc == 0) {
		r = table_current(&st->row.table);
		if (r != SIZE_MAX && st->row.own != NULL) {
			cell = view_cell(st->row.own, r, 2);
			y.col = (ssize_t)r;
			if (st->spool != NULL && sqlspool_read(st->spool, st->row_at, 1,
			    sql_yank_row, &y, &cause) != 0) {
				buf_reset(&y.out);
				buf_adds(&y.out, cell->text != NULL ? cell->text : "");
				free(cause);
			}
		}
	} else if (st->spool != NULL && sqlspool_rows(st->spool) > 0) {
		if (c->argc > 0) {
			for (i = 0; i < st->ncols && strcmp(st->names[i], c->argv[0]) != 0; i++)
				;
			if (i == st->ncols && ((i = strtoul(c->argv[0], &end, 10)) < 1 ||
			    *end != '\0' || i > st->ncols)) {
				cmd_error(c, CMD_EXIT_USAGE, "sql yank: no column '%s'", c->argv[0]);
				buf_free(&y.out);
				return (CMD_RETURN_NORMAL);
			} else if (i < st->ncols && strcmp(st->names[i], c->argv[0]) == 0)
				y.col = (ssize_t)i;
			else
				y.col = (ssize_t)i - 1;
		}
		if (sqlspool_read(st->spool, sql_cursor(st), 1, sql_yank_row, &y, &cause) != 0) {
			cmd_error(c, CMD_EXIT_FAIL, "%s", cause);
			free(cause);
			buf_free(&y.out);
			return (CMD_RETURN_NORMAL);
		}
	} else {
		cmd_error(c, CMD_EXIT_USAGE, "sql yank: no result to copy from");
		buf_free(&y.out);
		return (CMD_RETURN_NORMAL);
	}
	tui_osc52(y.out.data != NULL ? y.out.data : "", y.out.len);
	cmd_message(c, "yanked: %.*s%s", y.out.len > 200 ? 200 : (int)y.out.len,
	    y.out.data != NULL ? y.out.data : "", y.out.len > 200 ? "..." : "");
	buf_free(&y.out);
	return (CMD_RETURN_NORMAL);
}

/* ------------------------------------------------------------ export */

enum sql_format {
	SQL_CSV,
	SQL_TSV,
	SQL_JSON,
};

struct sql_export {
	struct cmd		*cmd;
	struct sqlpane		*st;
	FILE			*f;
	char			*path;
	enum sql_format		 format;
	uint64_t		 next;		/* next spool row to write */
	uint64_t		 total;		/* rows in the spool when it began */
	int			*numeric;	/* per column: unquoted in JSON */
	struct loop_timer	 timer;
	struct buf		 line;
};

static void
sql_export_csv(struct buf *b, const char *s, size_t len)
{
	size_t	i;

	if (strcspn(s, ",\"\r\n") >= len && len > 0) {
		buf_add(b, s, len);
		return;
	}
	buf_addc(b, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			buf_addc(b, '"');
		buf_addc(b, s[i]);
	}
	buf_addc(b, '"');
}

/* TabSeparated's escapes, so the file reads back as clickhouse-client's would. */
static void
sql_export_tsv(struct buf *b, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '\t': buf_adds(b, "\\t"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\0': buf_adds(b, "\\0"); break;
		default: buf_addc(b, s[i]); break;
		}
	}
}

static void
sql_export_json(struct buf *b, const char *s, size_t len, int numeric)
{
	size_t	i;

	if (numeric && len > 0 && strspn(s, "-+.0123456789eE") >= len) {
		buf_add(b, s, len);
		return;
	}
	buf_addc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)ch);
		} else if (ch == '\n')
			buf_adds(b, "\\n");
		else if (ch == '\t')
			buf_adds(b, "\\t");
		else if (ch < 0x20)
			buf_printf(b, "\\u%04x", ch);
		else
			buf_addc(b, (char)ch);
	}
	buf_addc(b, '"');
}

static int
sql_export_row(const struct sqlspool_row *r, void *arg)
{
	struct sql_export	*x = arg;
	struct buf		*b = &x->line;
	size_t			 i;

	buf_reset(b);
	if (x->format == SQL_JSON)
		buf_adds(b, r->n == 0 ? "[\n{" : ",\n{");
	for (i = 0; i < r->nfields; i++) {
		if (i > 0)
			buf_addc(b, x->format == SQL_TSV ? '\t' : ',');
		if (x->format == SQL_JSON) {
			sql_export_json(b, x->st->names[i], strlen(x->st->names[i]), 0);
			buf_addc(b, ':');
			if (r->fields[i] == NULL)
				buf_adds(b, "null");
			else
				sql_export_json(b, r->fields[i], r->lens[i], x->numeric[i]);
		} else if (r->fields[i] == NULL)
			buf_adds(b, x->format == SQL_TSV ? "\\N" : "");
		else if (x->format == SQL_TSV)
			sql_export_tsv(b, r->fields[i], r->lens[i]);
		else
			sql_export_csv(b, r->fields[i], r->lens[i]);
	}
	buf_adds(b, x->format == SQL_JSON ? "}" : "\n");
	return (fwrite(b->data, 1, b->len, x->f) == b->len ? 0 : -1);
}

static void
sql_export_end(struct sql_export *x, const char *error)
{
	struct cmd	*c = x->cmd;

	loop_timer_stop(&x->timer);
	if (x->f != NULL && x->format == SQL_JSON)
		fputs(x->total == 0 ? "[]\n" : "\n]\n", x->f);
	if (x->f != NULL && fclose(x->f) != 0 && error == NULL)
		error = "write failed";
	if (error != NULL)
		cmd_error(c, CMD_EXIT_FAIL, "sql export: %s: %s", x->path, error);
	else
		cmd_message(c, "exported %llu rows to %s", (unsigned long long)x->total, x->path);
	c->state = NULL;
	c->cancel = NULL;
	free(x->path);
	free(x->numeric);
	buf_free(&x->line);
	free(x);
	cmd_finish(c);
}

/* A chunk per loop round: a large export never stops the screen or a query. */
static void
sql_export_step(void *arg)
{
	struct sql_export	*x = arg;
	uint64_t		 n = x->total - x->next;
	char			*cause = NULL;

	if (n > SQL_EXPORT_CHUNK)
		n = SQL_EXPORT_CHUNK;
	if (n > 0 && sqlspool_read(x->st->spool, x->next, n, sql_export_row, x, &cause) != 0) {
		sql_export_end(x, cause);
		free(cause);
		return;
	}
	if (ferror(x->f)) {
		sql_export_end(x, "write failed");
		return;
	}
	x->next += n;
	if (x->next >= x->total) {
		sql_export_end(x, NULL);
		return;
	}
	tui_message(tui_self, THEME_MUTED, "exporting: %llu of %llu rows",
	    (unsigned long long)x->next, (unsigned long long)x->total);
	loop_timer_start(&x->timer, 0);
}

static void
sql_export_cancel(struct cmd *c)
{
	sql_export_end(c->state, "cancelled");
}

/* sql export [--format F] FILE: from the spool, CSV, TSV or JSON by extension. */
static enum cmd_retval
sql_cmd_export(struct cmd *c)
{
	struct sqlpane		*st = sql_cmd_pane(c);
	struct sql_export	*x;
	const char		*fmt = cmd_opt(c, "format"), *path = c->argv[0], *dot;
	enum sql_format		 format;
	size_t			 i;

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	if (st->spool == NULL || st->ncols == 0) {
		cmd_error(c, CMD_EXIT_USAGE, "sql export: no result to export");
		return (CMD_RETURN_NORMAL);
	}
	if (fmt == NULL)
		fmt = (dot = strrchr(path, '.')) != NULL ? dot + 1 : "tsv";
	if (strcmp(fmt, "csv") == 0)
		format = SQL_CSV;
	else if (strcmp(fmt, "tsv") == 0 || strcmp(fmt, "txt") == 0)
		format = SQL_TSV;
	else if (strcmp(fmt, "json") == 0)
		format = SQL_JSON;
	else {
		cmd_error(c, CMD_EXIT_USAGE, "sql export: '%s' is not csv, tsv or json", fmt);
		return (CMD_RETURN_NORMAL);
	}
	x = xcalloc(1, sizeof *x);
	if ((x->f = fopen(path, "w")) == NULL) {
		cmd_error(c, CMD_EXIT_FAIL, "sql export: %s: %m", path);
		free(x);
		return (CMD_RETURN_NORMAL);
	}
	x->cmd = c;
	x->st = st;
	x->path = xstrdup(path);
	x->format = format;
	x->total = sqlspool_rows(st->spool);
	x->numeric = xcalloc(st->ncols, sizeof *x->numeric);
	buf_init(&x->line);
	for (i = 0; i < st->ncols; i++) {
		const char *ty = st->types[i];

		x->numeric[i] = strncmp(ty, "Int", 3) == 0 || strncmp(ty, "UInt", 4) == 0 ||
		    strncmp(ty, "Float", 5) == 0 || strncmp(ty, "Decimal", 7) == 0;
	}
	/* CSV and TSV start with the names: the file reads back with its header. */
	if (format != SQL_JSON) {
		for (i = 0; i < st->ncols; i++) {
			if (i > 0)
				buf_addc(&x->line, format == SQL_TSV ? '\t' : ',');
			if (format == SQL_TSV)
				sql_export_tsv(&x->line, st->names[i], strlen(st->names[i]));
			else
				sql_export_csv(&x->line, st->names[i], strlen(st->names[i]));
		}
		buf_addc(&x->line, '\n');
		fwrite(x->line.data, 1, x->line.len, x->f);
	}
	c->state = x;
	c->cancel = sql_export_cancel;
	loop_timer_init(&x->timer, c->env->loop, sql_export_step, x);
	loop_timer_start(&x->timer, 0);
	return (CMD_RETURN_WAIT);
}

/* ------------------------------------------------------------ cluster view */

static enum cmd_retval
sql_cmd_cluster(struct cmd *c)
{
	struct sqlpane	*st = sql_cmd_pane(c);
	char		*cause = NULL;

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	sql_cluster_show(tui_self, st, c->argc > 0 ? c->argv[0] : NULL, &cause);
	if (cause != NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "sql cluster: %s", cause);
		free(cause);
	}
	return (CMD_RETURN_NORMAL);
}

/*
 * K in the running queries: the query id under the cursor goes to the
 * "sql kill" of plugins/clickhouse, which asks first, naming it, kills it on
 * every shard and checks system.processes.
 */
static enum cmd_retval
sql_cmd_kill_selected(struct cmd *c)
{
	struct sqlpane	*st = sql_cmd_pane(c);
	const char	*id = sql_cluster_query_id(tui_self);
	char		*line;

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	if (id == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "sql kill-selected: no query under the cursor"
		    " (see :sql cluster processes)");
		return (CMD_RETURN_NORMAL);
	}
	if (strchr(id, '\'') != NULL || strchr(st->service, '\'') != NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "sql kill-selected: a quote in '%s': use :sql kill",
		    id);
		return (CMD_RETURN_NORMAL);
	}
	line = xprintf("sql kill --service '%s' '%s'", st->service, id);
	tui_run_line(tui_self, line);
	free(line);
	return (CMD_RETURN_NORMAL);
}

static const struct cmd_entry sql_cmds[] = {
	{ .name = "sql run", .args = { "", 0, 1 }, .usage = "[QUERY]",
	  .help = "Run the SQL pane's query (or QUERY) on ClickHouse.",
	  .exec = sql_cmd_run },
	{ .name = "sql cancel", .args = { "", 0, 0 }, .usage = "",
	  .help = "Cancel the running query: KILL QUERY on every shard.",
	  .exec = sql_cmd_cancel },
	{ .name = "sql edit", .args = { "", 0, 0 }, .usage = "",
	  .help = "Edit the query in $VISUAL or $EDITOR.", .exec = sql_cmd_edit },
	{ .name = "sql focus", .args = { "", 0, 1 }, .usage = "[editor|table]",
	  .help = "Give the keys to the query editor or the result table.",
	  .exec = sql_cmd_focus },
	{ .name = "sql search", .args = { "", 0, 0 }, .usage = "",
	  .help = "Search the query history as you type (C-r again: older).",
	  .exec = sql_cmd_search },
	{ .name = "sql move", .args = { "", 1, 1 },
	  .usage = "up|down|page-up|page-down|top|bottom",
	  .help = "Move the cursor in the whole result, not only the rows held.",
	  .exec = sql_cmd_move },
	{ .name = "sql row", .args = { "", 0, 0 }, .usage = "",
	  .help = "Show the cursor's row vertically, one column a line.",
	  .exec = sql_cmd_row },
	{ .name = "sql yank", .args = { "", 0, 1 }, .usage = "[COLUMN]",
	  .help = "Copy a cell (or the row) to the clipboard with OSC 52 and the message line.",
	  .exec = sql_cmd_yank },
	{ .name = "sql export", .args = { "format=|f", 1, 1 },
	  .usage = "[--format csv|tsv|json] FILE",
	  .help = "Write the whole result to a file, streamed from the spool.",
	  .exec = sql_cmd_export },
	{ .name = "sql connect", .args = { "", 1, 2 }, .usage = "SERVICE [ENDPOINT]",
	  .help = "Send the SQL pane's queries to a service, or to one of its shards.",
	  .exec = sql_cmd_connect },
	{ .name = "sql cluster", .args = { "", 0, 1 },
	  .usage = "[clusters|parts|merges|mutations|processes|log]",
	  .help = "Show the cluster: shards, table parts, merges, mutations, queries, log.",
	  .exec = sql_cmd_cluster },
	{ .name = "sql kill-selected", .args = { "", 0, 0 }, .usage = "",
	  .help = "Kill the running query under the cursor (asks first).",
	  .exec = sql_cmd_kill_selected },
};

/* Default keys: pane, key, command. A binding the config made already stays. */
static const char *const sql_keys[][3] = {
	{ "SQL", "C-x", "sql run" }, { "SQL", "F5", "sql run" },
	{ "SQL", "C-e", "sql edit" }, { "SQL", "C-c", "sql cancel" },
	{ "SQL", "C-r", "sql search" }, { "SQL", "i", "sql focus editor" },
	{ "SQL", "v", "sql row" }, { "SQL", "y", "sql yank" },
	{ "SQL", "c", "sql cluster" },
	{ "SQL", "Down", "sql move down" }, { "SQL", "j", "sql move down" },
	{ "SQL", "Up", "sql move up" }, { "SQL", "k", "sql move up" },
	{ "SQL", "PgDn", "sql move page-down" }, { "SQL", "C-f", "sql move page-down" },
	{ "SQL", "PgUp", "sql move page-up" }, { "SQL", "C-b", "sql move page-up" },
	{ "SQL", "g", "sql move top" }, { "SQL", "Home", "sql move top" },
	{ "SQL", "G", "sql move bottom" }, { "SQL", "End", "sql move bottom" },
	{ "Row", "y", "sql yank" },
	{ "Cluster", "K", "sql kill-selected" }, { "Cluster", "C-c", "sql cancel" },
	{ "Cluster", "Right", "sql cluster next" }, { "Cluster", "l", "sql cluster next" },
	{ "Cluster", "Left", "sql cluster prev" }, { "Cluster", "h", "sql cluster prev" },
};

/* Register the commands and bind the keys, once, when the panes are made. */
void
pane_sql_register(void)
{
	const struct keys_binding	*b;
	size_t				 i, k;
	char				*cause = NULL;
	int				 code, taken;

	for (i = 0; i < sizeof sql_cmds / sizeof sql_cmds[0]; i++)
		cmd_register(&sql_cmds[i]);
	for (i = 0; i < sizeof sql_keys / sizeof sql_keys[0]; i++) {
		code = keys_code(sql_keys[i][1]);
		taken = 0;
		for (k = 0; (b = keys_at(k)) != NULL; k++) {
			if (b->key == code && b->pane != NULL && strcmp(b->pane, sql_keys[i][0]) == 0)
				taken = 1;
		}
		if (!taken && keys_bind(sql_keys[i][1], sql_keys[i][0], sql_keys[i][2],
		    &cause) != 0) {
			free(cause);	/* the table above is ours: cannot happen */
			cause = NULL;
		}
	}
}

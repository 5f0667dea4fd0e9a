/*
 * The SQL pane's row view (one row as column, type and value lines) and
 * $EDITOR for long queries.
 */
#include "config.h"


#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/pane-sql.h"
#include "tui/sqlspool.h"

/* ------------------------------------------------------------ the row view */

static int
sql_row_pairs(const struct sqlspool_row *r, void *arg)
{
	struct sqlpane	*st = arg;
	struct view	*v = st->row.own;
	size_t		 i, row;
	char		*s;

	for (i = 0; i < r->nfields && i < st->ncols; i++) {
		row = view_add_row(v);
		view_set_text(v, row, 0, st->names[i]);
		view_set_text(v, row, 1, st->types[i]);
		if (r->fields[i] == NULL) {
			view_set_text(v, row, 2, "NULL");
			continue;
		}
		s = xstrndup(r->fields[i], r->lens[i]);
		view_set_text(v, row, 2, s);
		free(s);
	}
	return (0);
}

/* v or Enter: the cursor's row as column = value pairs, pushed on the back stack. */
void
sql_row_show(struct tui *t, struct sqlpane *st)
{
	struct view	*v;
	uint64_t	 at = sql_cursor(st);
	char		 title[64], *cause = NULL;

	if (st->spool == NULL || sqlspool_rows(st->spool) == 0) {
		tui_message(t, THEME_MUTED, "no row to show");
		return;
	}
	if (!sql_window_frozen(st) || table_current(&st->pane->table) != SIZE_MAX)
		at = st->win + table_current(&st->pane->table);
	st->row_at = at;
	snprintf(title, sizeof title, "row %llu", (unsigned long long)at + 1);
	v = view_new(title);
	view_add_column(v, "column", VIEW_TEXT);
	view_add_column(v, "type", VIEW_TEXT);
	view_add_column(v, "value", VIEW_TEXT);
	view_free(st->row.own);
	st->row.own = v;
	if (sqlspool_read(st->spool, at, 1, sql_row_pairs, st, &cause) != 0) {
		tui_message(t, THEME_ERROR, "%s", cause);
		free(cause);
	}
	table_set_view(&st->row.table, v);
	tui_show(t, &st->row, 1);
	tui_message(t, THEME_MUTED, "row %llu of %llu (y copies the value, Esc goes back)",
	    (unsigned long long)at + 1, (unsigned long long)sqlspool_rows(st->spool));
}

const struct pane_type pane_sql_row = {
	.name = "Row",
	.empty = "No row.",
	.hints = "y copy value",
};

/* ------------------------------------------------------------ $EDITOR */

/* The editor exited: its text becomes the query, unless it failed. */
static void
sql_edit_done(struct tui *t, int status, const char *text, size_t len, void *arg)
{
	struct sqlpane	*st = arg;
	char		*q;

	if (status != 0) {
		tui_message(t, THEME_WARN, "the editor failed (status %d); the query"
		    " is unchanged", status);
		return;
	}
	while (len > 0 && text[len - 1] == '\n')
		len--;
	q = xstrndup(text, len);
	sqledit_set(&st->edit, q);
	free(q);
	st->focus = SQL_FOCUS_EDITOR;
}

/* C-e: edit the query in $EDITOR; the pane takes it back when the editor exits. */
int
sql_edit_external(struct tui *t, struct sqlpane *st, char **cause)
{
	return (tui_edit(t, sqledit_text(&st->edit), ".sql", sql_edit_done, st, cause));
}

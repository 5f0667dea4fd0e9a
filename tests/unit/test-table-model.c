/* Unit tests for the table model: sort, filter, marks and the cursor, without curses. */
#include "config.h"

#include <limits.h>
#include <locale.h>
#include <stdint.h>

#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/table-model.h"
#include "tui/table.h"
#include "tests/unit/tap.h"

enum { C_NAME, C_STATE, C_SIZE, C_LAT, C_WHEN, C_N };

/* The names of the rows shown, in order, joined by spaces. */
static const char *
shown(const struct table_model *m)
{
	static char	 out[1024];
	size_t		 i, r;

	out[0] = '\0';
	for (i = 0; i < table_model_shown(m); i++) {
		r = table_model_row(m, i);
		if (i != 0)
			strcat(out, " ");
		strcat(out, m->view->cells[r * m->view->ncols].text);
	}
	return (out);
}

static void
row(struct view *v, const char *name, const char *state, int64_t size, int64_t lat,
    int64_t when)
{
	size_t	r = view_add_row(v);

	view_set_text(v, r, C_NAME, name);
	view_set_text(v, r, C_STATE, state);
	if (size >= 0)
		view_set_num(v, r, C_SIZE, size);
	if (lat >= 0)
		view_set_num(v, r, C_LAT, lat);
	view_set_num(v, r, C_WHEN, when);
}

static struct view *
sample(void)
{
	struct view	*v = view_new("services");

	view_add_column(v, "name", VIEW_TEXT);
	view_add_column(v, "state", VIEW_STATE);
	view_add_column(v, "size", VIEW_BYTES);
	view_add_column(v, "latency", VIEW_DURATION);
	view_add_column(v, "checked", VIEW_TIME);
	row(v, "bravo", "up", 2048, 30, 1700000300);
	row(v, "Alpha", "down", 10, 5, 1700000100);
	row(v, "charlie", "degraded", 1 << 20, -1, 1700000200);
	row(v, "alpha", "up", 10, 200, 1700000000);
	row(v, "delta", "timeout", -1, 7, 1700000400);
	return (v);
}

static void
test_sort(void)
{
	struct table_model	 m;
	struct view		*v = sample();

	table_model_init(&m);
	table_model_set_view(&m, v);
	is_str(shown(&m), "bravo Alpha charlie alpha delta", "the view's order at first");
	table_model_sort(&m, C_NAME, 0);
	is_str(shown(&m), "Alpha alpha bravo charlie delta", "text: case-insensitive, ties in view order");
	table_model_sort(&m, C_NAME, 1);
	is_str(shown(&m), "delta charlie bravo Alpha alpha", "text descending, ties still in view order");
	table_model_sort(&m, C_SIZE, 0);
	is_str(shown(&m), "Alpha alpha bravo charlie delta", "bytes numerically, unknown last");
	table_model_sort(&m, C_SIZE, 1);
	is_str(shown(&m), "charlie bravo Alpha alpha delta", "bytes descending, unknown still last");
	table_model_sort(&m, C_LAT, 0);
	is_str(shown(&m), "Alpha delta bravo alpha charlie", "durations numerically");
	table_model_sort(&m, C_WHEN, 0);
	is_str(shown(&m), "alpha Alpha charlie bravo delta", "times numerically");
	table_model_sort(&m, C_STATE, 0);
	is_str(shown(&m), "Alpha delta charlie bravo alpha", "states: failures first, then others, then ok");
	table_model_sort(&m, C_STATE, 1);
	is_str(shown(&m), "bravo alpha charlie delta Alpha", "states descending: ok first");
	table_model_sort(&m, SIZE_MAX, 0);
	is_str(shown(&m), "bravo Alpha charlie alpha delta", "no sort: the view's order again");
	table_model_sort_next(&m);
	is_int(m.sort_col, C_NAME, "sort_next starts at the first column");
	table_model_sort_next(&m);
	table_model_sort_next(&m);
	table_model_sort_next(&m);
	table_model_sort_next(&m);
	is_int(m.sort_col, C_WHEN, "sort_next walks the columns");
	table_model_sort_next(&m);
	is_int(m.sort_col, SIZE_MAX, "after the last column, the view's order");

	/* The cursor follows its row through a sort. */
	table_model_move_to(&m, 2);
	is_int(table_model_current(&m), 2, "cursor on charlie");
	table_model_sort(&m, C_NAME, 0);
	is_int(table_model_current(&m), 2, "a sort keeps the cursor on its row");
	is_int(m.cur, 3, "which has moved on screen");
	table_model_free(&m);
	view_free(v);
}

static void
test_filter(void)
{
	struct table_model	 m;
	struct view		*v = sample();
	char			*cause = NULL;

	table_model_init(&m);
	table_model_set_view(&m, v);
	ok(table_model_filter(&m, "ALPHA", &cause) == 0, "substring filter");
	is_str(shown(&m), "Alpha alpha", "substring is case-insensitive");
	ok(table_model_filter(&m, "up", NULL) == 0, "filter on a state");
	is_str(shown(&m), "bravo alpha", "substring looks at every column");
	ok(table_model_filter(&m, "2.0k", NULL) == 0, "filter on a size as shown");
	is_str(shown(&m), "bravo", "numbers match as they are shown");
	ok(table_model_filter(&m, "!up", NULL) == 0, "inverted");
	is_str(shown(&m), "Alpha charlie delta", "'!' inverts");
	ok(table_model_filter(&m, "/^(alpha|delta)$/", NULL) == 0, "a /regex/");
	is_str(shown(&m), "Alpha alpha delta", "a regex, anchored to a cell");
	ok(table_model_filter(&m, "~^d", NULL) == 0, "a ~regex");
	is_str(shown(&m), "Alpha charlie delta", "'^' anchors at the start of each cell");
	ok(table_model_filter(&m, "!~^d", NULL) == 0, "an inverted regex");
	is_str(shown(&m), "bravo alpha", "'!~' inverts a regex");
	ok(table_model_filter(&m, "~al.ha.bravo", NULL) == 0, "'.' never crosses cells");
	is_str(shown(&m), "", "no match across a cell's end");
	ok(table_model_filter(&m, "nothing-like-this", NULL) == 0, "no match");
	is_int(table_model_shown(&m), 0, "no rows shown");
	is_int(table_model_current(&m), SIZE_MAX, "and no current row");
	ok(table_model_filter(&m, "~a(b", &cause) == -1, "a bad regex is refused");
	ok(cause != NULL && strstr(cause, "bad regex") != NULL, "with a cause: %s", cause);
	free(cause);
	is_str(m.expr, "nothing-like-this", "and the old filter stays");
	ok(table_model_filter(&m, "!", NULL) == 0 && table_model_shown(&m) == 5,
	    "a lone '!' shows everything while typing");
	ok(table_model_filter(&m, "\\!x", NULL) == 0 && table_model_shown(&m) == 0,
	    "a backslash makes '!' literal");
	ok(table_model_filter(&m, "", NULL) == 0, "empty filter");
	is_int(table_model_shown(&m), 5, "every row again");
	is_str(m.expr, NULL, "no filter kept");

	/* Filter and sort together. */
	table_model_sort(&m, C_NAME, 1);
	table_model_filter(&m, "a", NULL);
	is_str(shown(&m), "delta charlie bravo Alpha alpha", "filter keeps the sort");
	table_model_filter(&m, "~^.l", NULL);
	is_str(shown(&m), "Alpha alpha", "sorted and filtered");
	table_model_free(&m);
	view_free(v);
}

static void
test_marks_cursor(void)
{
	struct table_model	 m;
	struct view		*v = sample();
	size_t			*rows, n;

	table_model_init(&m);
	table_model_set_view(&m, v);
	table_model_move(&m, -5);
	is_int(m.cur, 0, "cursor clamps at the top");
	table_model_move(&m, 99);
	is_int(m.cur, 4, "cursor clamps at the bottom");
	table_model_move_to(&m, SIZE_MAX);
	is_int(m.cur, 4, "move_to SIZE_MAX is the last row");
	table_model_move(&m, LONG_MAX);
	is_int(m.cur, 4, "a huge move clamps");
	table_model_move_to(&m, 0);
	table_model_mark_toggle(&m);
	is_int(m.cur, 1, "marking moves down");
	table_model_move(&m, 1);
	table_model_mark_toggle(&m);
	is_int(m.nmarked, 2, "two marks");
	n = table_model_marked(&m, &rows);
	ok(n == 2 && rows[0] == 0 && rows[1] == 2, "marked rows are bravo and charlie");
	free(rows);
	table_model_sort(&m, C_NAME, 1);
	n = table_model_marked(&m, &rows);
	ok(n == 2 && rows[0] == 2 && rows[1] == 0, "marks survive a sort, in screen order");
	free(rows);
	table_model_filter(&m, "charlie", NULL);
	n = table_model_marked(&m, &rows);
	ok(n == 1 && rows[0] == 2, "only shown marks are returned");
	free(rows);
	is_int(m.nmarked, 2, "the hidden mark is kept");
	table_model_filter(&m, "", NULL);
	ok(table_model_is_marked(&m, 0) && table_model_is_marked(&m, 2), "marks back after the filter");
	table_model_filter(&m, "alpha", NULL);
	table_model_mark_all(&m);
	is_int(m.nmarked, 4, "mark all marks the rows shown");
	table_model_mark_toggle(&m);
	is_int(m.nmarked, 3, "toggle unmarks");
	table_model_mark_clear(&m);
	is_int(m.nmarked, 0, "clear");
	table_model_filter(&m, "", NULL);

	/* Paging and scrolling. */
	table_model_move_to(&m, 0);
	table_model_page(&m, 1, 2);
	is_int(m.cur, 2, "a page down");
	is_int(table_model_scroll(&m, 2), 2, "the screen follows");
	table_model_page(&m, 5, 2);
	is_int(m.cur, 4, "pages clamp at the end");
	is_int(table_model_scroll(&m, 2), 3, "top leaves no empty lines");
	table_model_page(&m, -1, 2);
	is_int(m.cur, 2, "a page up");
	is_int(table_model_scroll(&m, 2), 1, "top moved by a page");
	is_int(table_model_scroll(&m, 10), 0, "a tall screen shows from the top");
	table_model_free(&m);
	view_free(v);
}

static void
test_changed(void)
{
	struct table_model	 m;
	struct view		*v = sample(), *w;
	size_t			 r;

	table_model_init(&m);
	table_model_set_view(&m, v);
	table_model_sort(&m, C_NAME, 0);
	table_model_filter(&m, "!echo", NULL);
	table_model_move_to(&m, 2);
	is_int(table_model_current(&m), 0, "cursor on bravo");
	r = view_add_row(v);
	view_set_text(v, r, C_NAME, "aardvark");
	r = view_add_row(v);
	view_set_text(v, r, C_NAME, "echo");
	table_model_changed(&m, 5);
	is_str(shown(&m), "aardvark Alpha alpha bravo charlie delta",
	    "appended rows are filtered and sorted in");
	is_int(table_model_current(&m), 0, "the cursor stays on bravo");
	view_set_text(v, 0, C_NAME, "zulu");
	table_model_changed(&m, 0);
	is_str(shown(&m), "aardvark Alpha alpha charlie delta zulu", "a changed row moves");
	is_int(table_model_current(&m), 0, "the cursor moved with it");
	view_set_text(v, 0, C_NAME, "echo");
	table_model_changed(&m, 0);
	is_int(table_model_current(&m), 4, "its row filtered out: the same position");
	is_int(m.cur, 4, "the cursor stays in range");

	/* A fresh run of the same command keeps sort, filter and position. */
	table_model_move_to(&m, 1);
	w = sample();
	table_model_replace(&m, w);
	is_str(shown(&m), "Alpha alpha bravo charlie delta", "replace keeps sort and filter");
	is_int(m.cur, 1, "and the cursor's position");
	table_model_set_view(&m, v);
	is_int(m.sort_col, SIZE_MAX, "another view starts unsorted");
	is_str(m.expr, NULL, "and unfiltered");
	table_model_free(&m);
	view_free(w);
	view_free(v);
}

static void
test_hostile(void)
{
	struct table_model	 m;
	struct view		*v = view_new("hostile");
	size_t			 r;

	view_add_column(v, "name", VIEW_TEXT);
	view_add_column(v, "state", VIEW_STATE);
	r = view_add_row(v);
	view_set_text(v, r, 0, "evil\x1b[2Jname\n");
	view_set_text(v, r, 1, "\x1b]0;title\x07");
	r = view_add_row(v);
	view_set_text(v, r, 0, "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 bad\xff");
	r = view_add_row(v);	/* nothing known yet */
	table_model_init(&m);
	table_model_set_view(&m, v);
	table_model_filter(&m, "\\x1b[2j", NULL);
	is_int(table_model_shown(&m), 1, "an escape matches as it is shown");
	table_model_filter(&m, "\xe6\x97\xa5", NULL);
	is_int(table_model_row(&m, 0), 1, "CJK text matches");
	is_int(table_model_shown(&m), 1, "only there");
	table_model_filter(&m, "~name\\\\n$", NULL);
	is_int(table_model_shown(&m), 1, "a newline in a cell is text, not a cell's end");
	table_model_filter(&m, "", NULL);
	table_model_sort(&m, 1, 0);
	is_int(table_model_row(&m, 2), 2, "an unknown state sorts last");
	table_model_sort(&m, 1, 1);
	is_int(table_model_row(&m, 2), 2, "also descending");
	table_model_free(&m);
	view_free(v);
}

/* Rows arriving a few at a time land where a full sort would put them. */
static void
test_insert(void)
{
	struct table_model	 m, full;
	struct view		*v = view_new("grow");
	char			 name[16];
	size_t			 i, r, from, same;
	int			 desc, round;

	view_add_column(v, "name", VIEW_TEXT);
	view_add_column(v, "n", VIEW_NUMBER);
	for (i = 0; i < 300; i++) {
		r = view_add_row(v);
		snprintf(name, sizeof name, "n%02zu", (i * 37) % 50);
		view_set_text(v, r, 0, name);
		if (i % 7 != 0)
			view_set_num(v, r, 1, (int64_t)((i * 13) % 40) - 20);
	}
	for (desc = 0; desc < 2; desc++) {
		table_model_init(&m);
		table_model_set_view(&m, v);
		table_model_sort(&m, (size_t)desc, desc);
		for (round = 0; round < 3; round++) {
			from = v->nrows;
			for (i = 0; i < 4; i++) {
				r = view_add_row(v);
				snprintf(name, sizeof name, "n%02d", (round * 11 + (int)i * 17) % 50);
				view_set_text(v, r, 0, name);
				if (i != 3)
					view_set_num(v, r, 1, round * 5 - (int)i * 9);
			}
			table_model_changed(&m, from);
		}
		table_model_init(&full);
		table_model_set_view(&full, v);
		table_model_sort(&full, (size_t)desc, desc);
		for (i = 0, same = 0; i < table_model_shown(&full); i++)
			same += table_model_row(&m, i) == table_model_row(&full, i);
		is_int(same, v->nrows, "appended rows sorted in as a full sort would (%s)",
		    desc ? "numbers, descending" : "text");
		table_model_free(&full);
		table_model_free(&m);
	}
	view_free(v);
}

/* The widget tells a refresh of the same command from another view. */
static void
test_widget_views(void)
{
	struct table	 t;
	struct view	*a = sample(), *b = sample(), *c = view_new("other");

	view_add_column(c, "x", VIEW_TEXT);
	view_set_text(c, view_add_row(c), 0, "x");
	memset(&t, 0, sizeof t);	/* tui.c zeroes its tables */
	table_set_view(&t, a);
	is_int(t.model.sort_col, SIZE_MAX, "a zeroed table starts unsorted");
	table_model_sort(&t.model, C_NAME, 0);
	table_model_filter(&t.model, "a", NULL);
	table_model_move_to(&t.model, 2);
	table_model_mark_toggle(&t.model);
	table_set_view(&t, b);
	ok(t.model.sort_col == C_NAME && t.model.expr != NULL && t.model.cur == 3,
	    "the same title again keeps sort, filter and position");
	is_int(t.model.nmarked, 0, "but not the marks");
	table_set_view(&t, c);
	ok(t.model.sort_col == SIZE_MAX && t.model.expr == NULL && t.model.cur == 0,
	    "another view starts again");
	table_free(&t);
	view_free(a);
	view_free(b);
	view_free(c);
}

/* A million rows: every path must finish; bench/table.sh measures the time. */
static void
test_million(void)
{
	struct table_model	 m;
	struct view		*v = view_new("big");
	char			 name[32];
	size_t			 r, i, n = 1000000, bad = 0;

	view_add_column(v, "name", VIEW_TEXT);
	view_add_column(v, "size", VIEW_BYTES);
	for (i = 0; i < n; i++) {
		r = view_add_row(v);
		snprintf(name, sizeof name, "object-%07zu", (i * 7919) % n);
		view_set_text(v, r, 0, name);
		view_set_num(v, r, 1, (int64_t)((i * 104729) % 1000003));
	}
	table_model_init(&m);
	table_model_set_view(&m, v);
	table_model_sort(&m, 0, 0);
	for (i = 1; i < n; i++) {
		if (strcmp(v->cells[table_model_row(&m, i - 1) * 2].text,
		    v->cells[table_model_row(&m, i) * 2].text) > 0)
			bad++;
	}
	is_int(bad, 0, "a million rows sorted by name");
	table_model_filter(&m, "-00001", NULL);
	is_int(table_model_shown(&m), 100, "a million rows filtered by substring");
	table_model_filter(&m, "~^object-0{5}[0-9]2$", NULL);
	is_int(table_model_shown(&m), 10, "a million rows filtered by regex");
	table_model_filter(&m, "!1", NULL);
	ok(table_model_shown(&m) > 0 && table_model_shown(&m) < n, "a million rows, inverted");
	table_model_sort(&m, 1, 1);
	table_model_mark_all(&m);
	ok(m.nmarked == table_model_shown(&m), "a million rows marked");
	table_model_free(&m);
	view_free(v);
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	test_sort();
	test_filter();
	test_marks_cursor();
	test_changed();
	test_hostile();
	test_insert();
	test_widget_views();
	test_million();
	return (tap_done());
}

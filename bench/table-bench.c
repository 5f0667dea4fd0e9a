/*
 * Benchmark of the table: sort, filter and draw a view of N rows (default
 * 1,000,000). Run by bench/table.sh; "table-bench show" instead draws a
 * small hostile view on the terminal to look at (keys: j/k, s sort, r
 * reverse, f next filter, Space mark, q quit).
 */
#include "config.h"

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/table.h"
#include "tui/theme.h"

static double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Rows shaped like an object listing: name, state, size, age, time. */
static struct view *
bench_view(size_t n)
{
	static const char *const states[] = { "up", "down", "running", "failed", "queued" };
	struct view	*v = view_new("bench");
	char		 name[64];
	size_t		 i, r;

	view_add_column(v, "name", VIEW_TEXT);
	view_add_column(v, "state", VIEW_STATE);
	view_add_column(v, "size", VIEW_BYTES);
	view_add_column(v, "took", VIEW_DURATION);
	view_add_column(v, "modified", VIEW_TIME);
	for (i = 0; i < n; i++) {
		r = view_add_row(v);
		snprintf(name, sizeof name, "warehouse/events/part-%07zu.parquet",
		    (i * 7919) % n);
		view_set_text(v, r, 0, name);
		view_set_text(v, r, 1, states[(i * 31) % 5]);
		view_set_num(v, r, 2, (int64_t)((i * 104729) % 5000000000ULL));
		view_set_num(v, r, 3, (int64_t)((i * 13) % 100000));
		view_set_num(v, r, 4, 1700000000 + (int64_t)((i * 7) % 10000000));
	}
	return (v);
}

#define TIME(label, stmt) do {						\
	double _t = bench_now();					\
	stmt;								\
	printf("%-44s %9.1f ms  (%zu shown)\n", label,			\
	    (bench_now() - _t) * 1000, table_model_shown(&t.model));	\
} while (0)

static int
bench_run(size_t n)
{
	struct table	 t;
	struct view	*v;
	SCREEN		*s;
	FILE		*out;
	double		 t0;
	const char	*typed[] = { "p", "pa", "par", "part", "part-", "part-0", "part-00",
	    "part-001", "part-0012", NULL };
	int		 i, draws = 200;

	t0 = bench_now();
	v = bench_view(n);
	printf("%-44s %9.1f ms\n", "build the view (not the table's cost)",
	    (bench_now() - t0) * 1000);
	table_init(&t);
	TIME("set_view", table_set_view(&t, v));
	TIME("sort by name (text)", table_model_sort(&t.model, 0, 0));
	TIME("sort by name again, descending", table_model_sort(&t.model, 0, 1));
	TIME("sort by size (bytes), descending", table_model_sort(&t.model, 2, 1));
	TIME("sort by state (severity)", table_model_sort(&t.model, 1, 0));
	TIME("sort by modified (time)", table_model_sort(&t.model, 4, 0));
	TIME("first filter 'part-00012' (builds the text)",
	    table_model_filter(&t.model, "part-00012", NULL));
	TIME("filter 'failed' (sorted, 1 in 5 rows)", table_model_filter(&t.model, "failed", NULL));
	TIME("filter '!up'", table_model_filter(&t.model, "!up", NULL));
	TIME("filter 'nothing matches this'",
	    table_model_filter(&t.model, "nothing matches this", NULL));
	TIME("filter ~part-0+12[0-9]\\.", table_model_filter(&t.model, "~part-0+12[0-9]\\.", NULL));
	TIME("filter /^(up|down)$/ (2 in 5 rows)", table_model_filter(&t.model, "/^(up|down)$/", NULL));
	t0 = bench_now();
	for (i = 0; typed[i] != NULL; i++)
		table_model_filter(&t.model, typed[i], NULL);
	printf("%-44s %9.1f ms per keystroke\n", "typing 'part-0012' one key at a time",
	    (bench_now() - t0) * 1000 / i);
	TIME("filter '' (all rows)", table_model_filter(&t.model, "", NULL));
	TIME("mark all", table_model_mark_all(&t.model));
	table_model_sort(&t.model, 0, 0);
	table_model_filter(&t.model, "part-", NULL);
	t0 = bench_now();
	for (i = 0; i < 10; i++) {
		size_t	from = v->nrows, k, r;

		for (k = 0; k < 1000; k++) {
			r = view_add_row(v);
			view_set_text(v, r, 0, "warehouse/late/part-x.parquet");
			view_set_num(v, r, 2, (int64_t)k);
		}
		table_model_changed(&t.model, from);
	}
	printf("%-44s %9.1f ms per page\n", "a page of 1,000 rows arrives (sorted, filtered)",
	    (bench_now() - t0) * 1000 / 10);

	/* Draw to /dev/null through a real curses screen of 200x50. */
	if ((out = fopen("/dev/null", "w")) == NULL)
		return (1);
	setenv("LINES", "50", 1);
	setenv("COLUMNS", "200", 1);
	if ((s = newterm("xterm-256color", out, stdin)) == NULL) {
		printf("no curses screen (TERM xterm-256color): draw not measured\n");
		return (1);
	}
	theme_load("default", NULL);
	t0 = bench_now();
	for (i = 0; i < draws; i++) {
		table_model_page(&t.model, 1, 47);
		table_draw(&t, 0, 0, 50, 200);
		wnoutrefresh(stdscr);
		doupdate();
	}
	endwin();
	delscreen(s);
	fclose(out);
	printf("%-44s %9.3f ms per screen (%d pages of 200x50)\n", "page down and draw",
	    (bench_now() - t0) * 1000 / draws, draws);
	table_free(&t);
	view_free(v);
	return (0);
}

/* A small view with everything a server could send, to look at. */
static int
bench_show(void)
{
	static const char *const filters[] = { "", "up", "!up", "~^d", "/(/", "zzz", NULL };
	struct table	 t;
	struct view	*v = bench_view(300);
	size_t		 r;
	char		*cause;
	int		 key, f = 0;

	r = 0;
	view_set_text(v, r++, 0, "evil\x1b[2J\x1b]0;owned\x07name\r\n");
	view_set_text(v, r++, 0, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae"
	    "\xe3\x83\x90\xe3\x82\xb1\xe3\x83\x83\xe3\x83\x88 \xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    " wide wide wide wide wide wide wide wide wide");
	view_set_text(v, r++, 0, "bad utf-8 \xff\xfe and \xe2\x80\xae bidi");
	view_set_text(v, r, 1, NULL);
	view_set_text(v, r++, 3, NULL);
	initscr();
	theme_load("default", NULL);
	raw();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	table_init(&t);
	table_set_view(&t, v);
	for (;;) {
		erase();
		table_draw(&t, 0, 0, LINES - 1, COLS);
		mvprintw(LINES - 1, 0, "filter [%s]", filters[f]);
		refresh();
		key = getch();
		if (key == 'q')
			break;
		if (key == 's')
			table_model_sort_next(&t.model);
		else if (key == 'r')
			table_model_sort(&t.model, t.model.sort_col, !t.model.descending);
		else if (key == 'f') {
			f = filters[f + 1] != NULL ? f + 1 : 0;
			cause = NULL;
			if (table_model_filter(&t.model, filters[f], &cause) != 0) {
				mvprintw(LINES - 1, 30, "%s", cause);
				free(cause);
				getch();
			}
		} else
			table_key(&t, key, 0);
	}
	endwin();
	table_free(&t);
	view_free(v);
	return (0);
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc > 1 && strcmp(argv[1], "show") == 0)
		return (bench_show());
	return (bench_run(argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000));
}

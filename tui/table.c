/* The table widget: column widths from the visible rows, a cursor, state colours. */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/table.h"
#include "tui/theme.h"

void
table_set_view(struct table *t, const struct view *v)
{
	t->view = v;
	if (v == NULL || v->nrows == 0)
		t->cur = t->top = 0;
	else if (t->cur >= v->nrows)
		t->cur = v->nrows - 1;
}

/* Print at most w cells of s, sanitised; returns the cells used. */
static int
table_put(int y, int x, const char *s, int w)
{
	struct buf	 b;
	char		*p;
	int		 used = 0, cw;
	size_t		 n;

	buf_init(&b);
	util_sanitize(&b, s, strlen(s));
	p = b.data != NULL ? b.data : "";
	move(y, x);
	while (*p != '\0' && used < w) {
		n = 1;
		while ((p[n] & 0xc0) == 0x80)
			n++;
		{
			char one[8] = { 0 };

			memcpy(one, p, n < sizeof one ? n : sizeof one - 1);
			cw = (int)util_width(one);
			if (used + cw > w)
				break;
			addnstr(p, (int)n);
		}
		used += cw;
		p += n;
	}
	buf_free(&b);
	return (used);
}

void
table_draw(struct table *t, int y, int x, int h, int w)
{
	const struct view	*v = t->view;
	char			 tmp[64];
	int			*cw, c, col, row_attr;
	size_t			 r, i;

	if (v == NULL || h < 2)
		return;
	if (t->cur < t->top)
		t->top = t->cur;
	if (t->cur >= t->top + (size_t)(h - 1))
		t->top = t->cur - (size_t)(h - 2);

	/* Widths from the header and the rows on screen only: a million rows cost nothing. */
	cw = xcalloc(v->ncols, sizeof *cw);
	for (c = 0; c < (int)v->ncols; c++)
		cw[c] = (int)strlen(v->cols[c].name);
	for (r = t->top; r < v->nrows && r < t->top + (size_t)(h - 1); r++) {
		for (c = 0; c < (int)v->ncols; c++) {
			int n = (int)util_width(view_cell_display(v, r, (size_t)c, tmp, sizeof tmp));

			if (n > cw[c])
				cw[c] = n;
		}
	}
	for (c = 0; c + 1 < (int)v->ncols; c++) {
		if (cw[c] > 40)
			cw[c] = 40;
	}

	attrset(theme_attr(THEME_TITLE));
	col = x;
	for (c = 0; c < (int)v->ncols && col < x + w; c++) {
		char *name = xstrdup(v->cols[c].name);

		for (i = 0; name[i] != '\0'; i++)
			name[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
		table_put(y, col, name, x + w - col);
		free(name);
		col += cw[c] + 2;
	}
	attrset(A_NORMAL);

	for (r = t->top; r < v->nrows && r < t->top + (size_t)(h - 1); r++) {
		int line = y + 1 + (int)(r - t->top);

		row_attr = r == t->cur ? theme_attr(THEME_SELECTION) : (int)A_NORMAL;
		attrset(row_attr);
		if (r == t->cur)
			mvhline(line, x, ' ', w);
		col = x;
		for (c = 0; c < (int)v->ncols && col < x + w; c++) {
			const char *s = view_cell_display(v, r, (size_t)c, tmp, sizeof tmp);

			if (v->cols[c].type == VIEW_STATE && r != t->cur && *s != '\0')
				attrset(theme_attr(theme_state_role(s)));
			/* Clip at the screen's edge: curses would wrap onto the next line. */
			table_put(line, col, s, c + 1 < (int)v->ncols && cw[c] < x + w - col ?
			    cw[c] : x + w - col);
			attrset(row_attr);
			col += cw[c] + 2;
		}
		attrset(A_NORMAL);
	}
	free(cw);
}

int
table_key(struct table *t, int key, int page)
{
	size_t	n = t->view != NULL ? t->view->nrows : 0;

	if (n == 0)
		return (0);
	switch (key) {
	case KEY_DOWN:
	case 'j':
		if (t->cur + 1 < n)
			t->cur++;
		return (1);
	case KEY_UP:
	case 'k':
		if (t->cur > 0)
			t->cur--;
		return (1);
	case KEY_NPAGE:
	case ' ':
		t->cur = t->cur + (size_t)page < n ? t->cur + (size_t)page : n - 1;
		return (1);
	case KEY_PPAGE:
		t->cur = t->cur > (size_t)page ? t->cur - (size_t)page : 0;
		return (1);
	case KEY_HOME:
	case 'g':
		t->cur = 0;
		return (1);
	case KEY_END:
	case 'G':
		t->cur = n - 1;
		return (1);
	}
	return (0);
}

/* ---- interim API until the table model lands (replaced on merge) ---- */
void table_init(struct table *t) { memset(t, 0, sizeof *t); }
void table_free(struct table *t) { memset(t, 0, sizeof *t); }
void table_replace_view(struct table *t, const struct view *v) { table_set_view(t, v); }
int
table_put_text(const char *s, int w)
{
	return (table_put(getcury(stdscr), getcurx(stdscr), s, w));
}
int table_put_text_at(int y, int x, const char *s, int w) { return (table_put(y, x, s, w)); }
void
table_move(struct table *t, long d)
{
	size_t n = t->view != NULL ? t->view->nrows : 0;
	long c = (long)t->cur + d;

	if (n == 0)
		return;
	t->cur = c < 0 ? 0 : (size_t)c >= n ? n - 1 : (size_t)c;
}
void table_move_to(struct table *t, size_t pos) { table_move(t, pos == 0 ? -(long)t->cur : (long)(t->view ? t->view->nrows : 0)); }
size_t table_current(struct table *t) { return (t->view != NULL && t->cur < t->view->nrows ? t->cur : SIZE_MAX); }
int table_filter(struct table *t, const char *e, char **cause) { (void)t; (void)e; (void)cause; return (0); }
int table_filtered(struct table *t) { (void)t; return (0); }
size_t table_shown(struct table *t) { return (t->view != NULL ? t->view->nrows : 0); }
int table_sort_by(struct table *t, const char *c, int r, char **cause) { (void)t; (void)c; (void)r; (void)cause; return (0); }
void table_mark_toggle(struct table *t) { (void)t; }
void table_mark_all(struct table *t, int on) { (void)t; (void)on; }
size_t table_marked(struct table *t, size_t **rows) { (void)t; (void)rows; return (0); }

/*
 * The table widget: column widths from the header and the rows on screen,
 * a cursor, marks, state colours. Only the rows on screen are formatted, so
 * a million rows draw as fast as ten.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/table.h"
#include "tui/theme.h"

#define TABLE_GAP	2	/* cells between columns */
#define TABLE_GUTTER	2	/* the mark glyph and a space, while rows are marked */
#define TABLE_CAP	40	/* widest a column gets, but the last text column */
#define TABLE_MIN	6	/* narrowest a squeezed text column gets */
#define TABLE_RECHECK	5000	/* views this small are re-sorted and re-filtered each draw */

/* One cell on screen: its text sanitised, and how wide that is. */
struct table_cell {
	char	*s;		/* owned; NULL: not known yet */
	int	 w;		/* terminal cells */
};

/* An empty table; callers that zero the struct get the same on first use. */
void
table_init(struct table *t)
{
	memset(t, 0, sizeof *t);
	table_model_init(&t->model);
}

/* Free the model and the remembered title. */
void
table_free(struct table *t)
{
	table_model_free(&t->model);
	free(t->title);
	table_init(t);
}

/*
 * Tell a refresh from another view by its title and columns, never by its
 * address: a freed view's address comes back, and its marks must not.
 */
void
table_set_view(struct table *t, const struct view *v)
{
	if (v != NULL && t->title != NULL && strcmp(t->title, v->title) == 0 &&
	    t->ncols == v->ncols)
		table_model_replace(&t->model, v);
	else
		table_model_set_view(&t->model, v);
	t->view = v;
	free(t->title);
	t->title = v != NULL ? xstrdup(v->title) : NULL;
	t->ncols = v != NULL ? v->ncols : 0;
}

static int	table_ascii = -1;	/* -1: from the locale */

/* main.c runs with a UTF-8 LC_CTYPE anyway; the caller knows the terminal's. */
void
table_set_ascii(int ascii)
{
	table_ascii = ascii;
}

/* Glyphs that need UTF-8, with ASCII for other terminals. */
static const char *
table_glyph(const char *utf8, const char *ascii)
{
	if (table_ascii == -1)
		return (MB_CUR_MAX > 1 ? utf8 : ascii);
	return (table_ascii ? ascii : utf8);
}

/* Numbers read best right-aligned, so their digits line up. */
static int
table_right(enum view_type type)
{
	return (type == VIEW_NUMBER || type == VIEW_BYTES || type == VIEW_DURATION);
}

/* The length of the UTF-8 character at s (1 for a stray byte). */
static size_t
table_charlen(const char *s)
{
	size_t	n = 1;

	if ((unsigned char)*s >= 0xc0) {
		while ((s[n] & 0xc0) == 0x80 && n < 4)
			n++;
	}
	return (n);
}

/*
 * Print s (already sanitised) in exactly w cells from (y, x): padded, or cut
 * with an ellipsis; a wide character that would straddle the edge is left out.
 */
static void
table_put(int y, int x, const char *s, int sw, int w, int right)
{
	const char	*ell = table_glyph("\xe2\x80\xa6", "~");
	char		 one[8];
	int		 used = 0, cw, room;
	size_t		 n;

	if (w <= 0)
		return;
	move(y, x);
	if (sw <= w) {
		if (right && sw < w)
			printw("%*s", w - sw, "");
		addstr(s);
		if (!right && sw < w)
			printw("%*s", w - sw, "");
		return;
	}
	room = w - 1;	/* the last cell is the ellipsis */
	while (*s != '\0') {
		n = table_charlen(s);
		memcpy(one, s, n);
		one[n] = '\0';
		cw = (int)util_width(one);
		if (used + cw > room)
			break;
		addnstr(s, (int)n);
		used += cw;
		s += n;
	}
	while (used++ < room)
		addch(' ');
	addstr(ell);
}

/* A time on screen: the clock for the last day, the local date before (the full
 * ISO 8601 form is for scripted output). */
static const char *
table_time(int64_t when, char *out, size_t len)
{
	time_t		 t = (time_t)when, now = time(NULL);
	struct tm	 tm;

	localtime_r(&t, &tm);
	if (t > now - 86400 && t < now + 3600)
		strftime(out, len, "%H:%M:%S", &tm);
	else
		strftime(out, len, "%Y-%m-%d %H:%M", &tm);
	return (out);
}

/* Sanitise the cells of the rows on screen once: widths and drawing share them. */
static struct table_cell *
table_cells(const struct table *t, size_t top, int rows)
{
	const struct view	*v = t->view;
	const struct view_cell	*vc;
	struct table_cell	*cells;
	struct buf		 b;
	char			 tmp[64];
	const char		*s;
	size_t			 i, c, r;

	cells = xcalloc((size_t)rows * v->ncols, sizeof *cells);
	buf_init(&b);
	for (i = 0; i < (size_t)rows; i++) {
		if ((r = table_model_row(&t->model, top + i)) == SIZE_MAX)
			break;
		for (c = 0; c < v->ncols; c++) {
			vc = view_cell(v, r, c);
			if (!vc->isnum && vc->text == NULL) {
				cells[i * v->ncols + c].w = 1;
				continue;
			}
			buf_reset(&b);
			if (v->cols[c].type == VIEW_TIME && vc->isnum)
				s = table_time(vc->num, tmp, sizeof tmp);
			else
				s = view_cell_display(v, r, c, tmp, sizeof tmp);
			util_sanitize(&b, s, strlen(s));
			cells[i * v->ncols + c].s = xstrdup(buf_str(&b));
			cells[i * v->ncols + c].w = (int)util_width(buf_str(&b));
		}
	}
	buf_free(&b);
	return (cells);
}

/* A column's header: its name in capitals, an arrow when sorted by it. */
static char *
table_label(const struct table *t, size_t c)
{
	const struct view	*v = t->view;
	struct buf		 b;
	size_t			 i;

	buf_init(&b);
	util_sanitize(&b, v->cols[c].name, strlen(v->cols[c].name));
	for (i = 0; i < b.len; i++) {
		if (b.data[i] >= 'a' && b.data[i] <= 'z')
			b.data[i] = (char)(b.data[i] - 'a' + 'A');
	}
	if (t->model.sort_col == c)
		buf_adds(&b, t->model.descending ? table_glyph("\xe2\x96\xbc", "v") :
		    table_glyph("\xe2\x96\xb2", "^"));
	if (b.data == NULL)
		buf_adds(&b, "");
	return (buf_steal(&b));
}

/*
 * Widths from the header and the rows on screen, each capped; when they do
 * not fit the widest text columns give way, and when they do the last text
 * column takes what is left.
 */
static int *
table_widths(const struct table *t, char **labels, const struct table_cell *cells,
    int rows, int avail)
{
	const struct view	*v = t->view;
	size_t			 c, nc = v->ncols, last = SIZE_MAX;
	int			*cw, i, total, big, cap = avail / 2;

	if (cap > TABLE_CAP)
		cap = TABLE_CAP;
	cw = xcalloc(nc, sizeof *cw);
	for (c = 0; c < nc; c++) {
		cw[c] = (int)util_width(labels[c]);
		for (i = 0; i < rows; i++) {
			if (cells[(size_t)i * nc + c].w > cw[c])
				cw[c] = cells[(size_t)i * nc + c].w;
		}
		if (v->cols[c].type == VIEW_TEXT)
			last = c;
		if (cw[c] > cap && cw[c] > (int)util_width(labels[c]))
			cw[c] = cap > (int)util_width(labels[c]) ? cap : (int)util_width(labels[c]);
	}
	total = (int)(nc - 1) * TABLE_GAP;
	for (c = 0; c < nc; c++)
		total += cw[c];
	while (total > avail) {
		big = -1;
		for (c = 0; c < nc; c++) {
			if ((v->cols[c].type == VIEW_TEXT || v->cols[c].type == VIEW_STATE) &&
			    cw[c] > TABLE_MIN && (big < 0 || cw[c] > cw[big]))
				big = (int)c;
		}
		if (big < 0)
			break;	/* the rest is cut at the edge */
		cw[big]--;
		total--;
	}
	if (total < avail && last != SIZE_MAX)
		cw[last] += avail - total;
	return (cw);
}

/* "1,000,000": counts a person reads at a glance. */
static void
table_count(char *out, size_t len, size_t n)
{
	char	digits[32];
	size_t	i, j = 0, nd;

	nd = (size_t)snprintf(digits, sizeof digits, "%zu", n);
	for (i = 0; i < nd && j + 2 < len; i++) {
		if (i != 0 && (nd - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = digits[i];
	}
	out[j] = '\0';
}

/* The last line: filter, marks and where the cursor is among the rows. */
static void
table_footer(const struct table *t, int y, int x, int w)
{
	const struct table_model	*m = &t->model;
	struct buf			 left;
	char				 a[32], b[32], c[32], right[128];
	int				 rw, lw;

	table_count(a, sizeof a, m->nshown == 0 ? 0 : m->cur + 1);
	table_count(b, sizeof b, m->nshown);
	table_count(c, sizeof c, m->nrows);
	if (m->expr != NULL)
		snprintf(right, sizeof right, "%s/%s of %s", a, b, c);
	else
		snprintf(right, sizeof right, "%s/%s", a, b);
	buf_init(&left);
	if (m->expr != NULL) {
		buf_adds(&left, "filter: ");
		util_sanitize(&left, m->expr, strlen(m->expr));
		buf_adds(&left, "  ");
	}
	if (m->nmarked != 0)
		buf_printf(&left, "%zu marked", m->nmarked);
	attrset(theme_attr(THEME_MUTED));
	move(y, x);
	printw("%*s", w, "");
	rw = (int)strlen(right);
	if (rw < w)
		mvaddstr(y, x + w - rw, right);
	lw = left.len != 0 ? (int)util_width(buf_str(&left)) : 0;
	if (lw != 0 && w - rw - 1 > 0)
		table_put(y, x, buf_str(&left), lw, lw < w - rw - 1 ? lw : w - rw - 1, 0);
	attrset(A_NORMAL);
	buf_free(&left);
}

/* When nothing shows, say why instead of leaving the pane blank. */
static void
table_empty(const struct table *t, int y, int x, int w)
{
	struct buf	b;

	buf_init(&b);
	if (t->model.expr != NULL) {
		buf_adds(&b, "no rows match '");
		util_sanitize(&b, t->model.expr, strlen(t->model.expr));
		buf_adds(&b, "'");
	} else
		buf_adds(&b, "no rows");
	attrset(theme_attr(THEME_MUTED));
	table_put(y, x, buf_str(&b), (int)util_width(buf_str(&b)), w, 0);
	attrset(A_NORMAL);
	buf_free(&b);
}

/* One row: the cursor's in the selection colour, states in theirs. */
static void
table_draw_row(struct table *t, const struct table_cell *cells, const int *cw,
    size_t pos, int line, int x, int w, int gutter)
{
	const struct view	*v = t->view;
	const struct table_cell	*cell;
	size_t			 c, r = table_model_row(&t->model, pos);
	int			 col, cur = pos == t->model.cur, attr;
	int			 marked = table_model_is_marked(&t->model, r);

	attr = cur ? theme_attr(THEME_SELECTION) : (int)A_NORMAL;
	if (marked)
		attr |= A_BOLD;
	if (t->hooks != NULL && t->hooks->row_attr != NULL)
		attr |= t->hooks->row_attr(t->hooks_arg, r);
	attrset(attr);
	move(line, x);
	printw("%*s", w, "");
	if (marked)
		mvaddstr(line, x, "*");
	col = x + gutter;
	for (c = 0; c < v->ncols && col < x + w; c++) {
		cell = &cells[c];
		if (t->hooks != NULL && t->hooks->cell != NULL && t->hooks->cell(t->hooks_arg,
		    r, c, line, col, cw[c] < x + w - col ? cw[c] : x + w - col, cur)) {
			attrset(attr);
			col += cw[c] + TABLE_GAP;
			continue;
		}
		if (cell->s == NULL) {
			/* Not known yet: a probe or a page is still on its way. */
			if (!cur)
				attrset(theme_attr(THEME_MUTED));
			table_put(line, col, table_glyph("\xe2\x80\xa6", "."), 1,
			    cw[c] < x + w - col ? cw[c] : x + w - col, table_right(v->cols[c].type));
		} else {
			if (!cur && v->cols[c].type == VIEW_STATE)
				attrset(theme_attr(theme_state_role(cell->s)) | (attr & (int)A_BOLD));
			table_put(line, col, cell->s, cell->w,
			    cw[c] < x + w - col ? cw[c] : x + w - col, table_right(v->cols[c].type));
		}
		attrset(attr);
		col += cw[c] + TABLE_GAP;
	}
	attrset(A_NORMAL);
}

/* Draw the rows on screen only: the cost does not grow with the view. */
void
table_draw(struct table *t, int y, int x, int h, int w)
{
	struct table_model	*m = &t->model;
	const struct view	*v = t->view;
	struct table_cell	*cells;
	char			**labels;
	int			*cw, body, rows, col, i, gutter;
	size_t			 c, top;

	if (v == NULL || v->ncols == 0 || h < 2 || w < TABLE_GUTTER + 4)
		return;
	/* No room kept for marks until there is one: rows start at the pane's edge. */
	gutter = t->model.nmarked != 0 ? TABLE_GUTTER : 0;
	/* Rows came in since: take them in. Small views may also have changed cells. */
	if (v->nrows != m->nrows)
		table_model_changed(m, v->nrows > m->nrows ? m->nrows : 0);
	else if (v->nrows <= TABLE_RECHECK && (m->sort_col != SIZE_MAX || m->expr != NULL))
		table_model_changed(m, 0);
	body = h >= 5 ? h - 2 : h - 1;
	t->body = body;
	top = table_model_scroll(m, (size_t)body);
	rows = m->nshown - top < (size_t)body ? (int)(m->nshown - top) : body;

	labels = xcalloc(v->ncols, sizeof *labels);
	for (c = 0; c < v->ncols; c++)
		labels[c] = table_label(t, c);
	cells = table_cells(t, top, rows);
	cw = table_widths(t, labels, cells, rows, w - gutter);

	attrset(theme_attr(THEME_TITLE));
	move(y, x);
	printw("%*s", w, "");
	col = x + gutter;
	for (c = 0; c < v->ncols && col < x + w; c++) {
		table_put(y, col, labels[c], (int)util_width(labels[c]),
		    cw[c] < x + w - col ? cw[c] : x + w - col, table_right(v->cols[c].type));
		col += cw[c] + TABLE_GAP;
	}
	attrset(A_NORMAL);

	for (i = 0; i < rows; i++)
		table_draw_row(t, cells + (size_t)i * v->ncols, cw, top + (size_t)i, y + 1 + i, x, w,
		    gutter);
	for (i = rows; i < body; i++) {
		move(y + 1 + i, x);
		printw("%*s", w, "");
	}
	if (m->nshown == 0)
		table_empty(t, y + 1, x, w);
	if (body == h - 2)
		table_footer(t, y + h - 1, x, w);

	for (i = 0; i < rows * (int)v->ncols; i++)
		free(cells[i].s);
	for (c = 0; c < v->ncols; c++)
		free(labels[c]);
	free(labels);
	free(cells);
	free(cw);
}

/* Movement keys and Space, until bindings call the model's functions. */
int
table_key(struct table *t, int key, int page)
{
	struct table_model	*m = &t->model;

	if (t->view == NULL)
		return (0);
	if (page < 1)
		page = t->body > 0 ? t->body : 1;
	switch (key) {
	case KEY_DOWN:
	case 'j':
		table_model_move(m, 1);
		return (1);
	case KEY_UP:
	case 'k':
		table_model_move(m, -1);
		return (1);
	case KEY_NPAGE:
	case 6:		/* ^F */
		table_model_page(m, 1, (size_t)page);
		return (1);
	case KEY_PPAGE:
	case 2:		/* ^B */
		table_model_page(m, -1, (size_t)page);
		return (1);
	case KEY_HOME:
	case 'g':
		table_model_move_to(m, 0);
		return (1);
	case KEY_END:
	case 'G':
		table_model_move_to(m, SIZE_MAX);
		return (1);
	case ' ':
		table_model_mark_toggle(m);
		return (1);
	}
	return (0);
}

/* Print outside text at the cursor, sanitised, in at most w cells; returns cells used. */
int
table_put_text(const char *s, int w)
{
	struct buf	 b;
	int		 sw, y, x;

	if (w <= 0)
		return (0);
	getyx(stdscr, y, x);
	buf_init(&b);
	util_sanitize(&b, s, strlen(s));
	sw = (int)util_width(buf_str(&b));
	table_put(y, x, buf_str(&b), sw, sw < w ? sw : w, 0);
	buf_free(&b);
	return (sw < w ? sw : w);
}

int
table_put_text_at(int y, int x, const char *s, int w)
{
	move(y, x);
	return (table_put_text(s, w));
}

void
table_move(struct table *t, long delta)
{
	table_model_move(&t->model, delta);
}

void
table_move_to(struct table *t, size_t pos)
{
	table_model_move_to(&t->model, pos);
}

size_t
table_current(struct table *t)
{
	return (table_model_current(&t->model));
}

int
table_filter(struct table *t, const char *expr, char **cause)
{
	char	*why = NULL;
	int	 rc;

	rc = table_model_filter(&t->model, expr, cause != NULL ? cause : &why);
	free(why);
	return (rc);
}

int
table_filtered(struct table *t)
{
	return (t->model.expr != NULL && *t->model.expr != '\0');
}

size_t
table_shown(struct table *t)
{
	return (table_model_shown(&t->model));
}

/* Sort by a column named (or the next one); reverse flips the direction. */
int
table_sort_by(struct table *t, const char *column, int reverse, char **cause)
{
	ssize_t	col;

	if (t->view == NULL)
		return (0);
	if (column == NULL) {
		if (reverse && t->model.sort_col != SIZE_MAX)
			table_model_sort(&t->model, t->model.sort_col, !t->model.descending);
		else
			table_model_sort_next(&t->model);
		return (0);
	}
	if ((col = view_column_index(t->view, column)) < 0) {
		xasprintf(cause, "no column '%s'", column);
		return (-1);
	}
	table_model_sort(&t->model, (size_t)col, reverse);
	return (0);
}

void
table_mark_toggle(struct table *t)
{
	table_model_mark_toggle(&t->model);
}

void
table_mark_all(struct table *t, int on)
{
	if (on)
		table_model_mark_all(&t->model);
	else
		table_model_mark_clear(&t->model);
}

size_t
table_marked(struct table *t, size_t **rows)
{
	size_t	*tmp = NULL, n;

	n = table_model_marked(&t->model, rows != NULL ? rows : &tmp);
	free(tmp);
	return (n);
}

/*
 * The table's model: an index of view rows after the filter and sort, marks
 * and a cursor. Nothing here draws, so the tests drive it without a terminal.
 *
 * Filtering reads one lower-cased copy of every row as the screen would show
 * it, cells ended by '\n', built once and extended as rows arrive: a
 * keystroke in the filter is then one memmem (or a few regexec calls over
 * 64 KiB chunks) across that text, not a format and a match per cell.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/table-model.h"
#include "tui/theme.h"

#define TABLE_MODEL_CHUNK	65536	/* bytes of text per regexec call */

/* Sort groups: numbers, then text (state text by severity), unknown last. */
#define TABLE_MODEL_NUM		1
#define TABLE_MODEL_TEXT	2	/* +0 error, +1 other, +2 ok in state columns */
#define TABLE_MODEL_UNKNOWN	9

struct table_model_item {
	uint64_t	 key;		/* the number, or the first 8 bytes folded */
	const char	*rest;		/* text after those 8 bytes; NULL if shorter */
	size_t		 row;		/* view row */
	int		 cls;		/* sort group */
};

#define BIT_WORDS(n)	(((n) + 63) / 64)

/* Per-row flags as bits: a million rows cost 128 KiB. */
static int
bit_get(const uint64_t *b, size_t i)
{
	return ((b[i / 64] >> (i % 64)) & 1);
}

/* Set or clear one row's bit. */
static void
bit_put(uint64_t *b, size_t i, int on)
{
	if (on)
		b[i / 64] |= (uint64_t)1 << (i % 64);
	else
		b[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* ASCII case folding only: the locale must not change what sorts where. */
static int
table_model_fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* An empty model; SIZE_MAX, not 0, means unsorted. */
void
table_model_init(struct table_model *m)
{
	memset(m, 0, sizeof *m);
	m->sort_col = SIZE_MAX;
}

/* Drop the filter: every row shows again. */
static void
table_model_filter_free(struct table_model *m)
{
	if (m->kind == TABLE_MODEL_REGEX)
		regfree(&m->re);
	free(m->expr);
	free(m->needle);
	m->expr = m->needle = NULL;
	m->kind = TABLE_MODEL_NONE;
	m->invert = 0;
}

/* Free what the model owns; the view is the caller's. */
void
table_model_free(struct table_model *m)
{
	table_model_filter_free(m);
	free(m->order);
	free(m->idx);
	free(m->match);
	free(m->marks);
	free(m->text);
	free(m->textoff);
	table_model_init(m);
}

/* Room for n view rows in every per-row array; new bits start clear. */
static void
table_model_grow(struct table_model *m, size_t n)
{
	size_t	cap = m->cap, ow = BIT_WORDS(m->cap), nw;

	if (n <= cap && cap != 0)
		return;
	while (cap < n)
		cap = cap < 64 ? 64 : cap * 2;
	nw = BIT_WORDS(cap);
	m->idx = xreallocarray(m->idx, cap, sizeof *m->idx);
	if (m->order != NULL)
		m->order = xreallocarray(m->order, cap, sizeof *m->order);
	m->textoff = xreallocarray(m->textoff, cap + 1, sizeof *m->textoff);
	m->match = xreallocarray(m->match, nw, sizeof *m->match);
	m->marks = xreallocarray(m->marks, nw, sizeof *m->marks);
	memset(m->match + ow, 0, (nw - ow) * sizeof *m->match);
	memset(m->marks + ow, 0, (nw - ow) * sizeof *m->marks);
	m->cap = cap;
}

/* Append one cell's shown text, sanitised and lower-cased, then '\n'. */
static void
table_model_text_add(struct table_model *m, const char *s, struct buf *b)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, n;

	for (n = 0; u[n] >= 0x20 && u[n] < 0x7f; n++)
		;
	if (u[n] != '\0') {
		buf_reset(b);
		util_sanitize(b, s, strlen(s));
		u = (const unsigned char *)buf_str(b);
		n = b->len;
	}
	if (m->textlen + n + 2 > m->textcap) {
		while (m->textlen + n + 2 > m->textcap)
			m->textcap = m->textcap < 4096 ? 4096 : m->textcap * 2;
		m->text = xrealloc(m->text, m->textcap);
	}
	for (i = 0; i < n; i++)
		m->text[m->textlen++] = (char)table_model_fold(u[i]);
	m->text[m->textlen++] = '\n';
	m->text[m->textlen] = '\0';
}

/* (Re)build the filter text of rows from "from" on; earlier rows are kept. */
static void
table_model_text_build(struct table_model *m, size_t from)
{
	const struct view	*v = m->view;
	struct buf		 b;
	char			 tmp[64];
	size_t			 r, c;

	if (from > m->ntext)
		from = m->ntext;
	if (from == 0)
		m->textoff[0] = 0;
	m->textlen = m->textoff[from];
	buf_init(&b);
	for (r = from; r < m->nrows; r++) {
		for (c = 0; c < v->ncols; c++)
			table_model_text_add(m, view_cell_display(v, r, c, tmp, sizeof tmp), &b);
		m->textoff[r + 1] = m->textlen;
	}
	buf_free(&b);
	m->ntext = m->nrows;
}

/* The first hit at or after p and before end, or -1. */
static long long
table_model_find(struct table_model *m, size_t p, size_t end)
{
	regmatch_t	 pm[1];
	const char	*q;

	if (m->kind == TABLE_MODEL_SUBSTRING) {
		q = memmem(m->text + p, end - p, m->needle, strlen(m->needle));
		return (q != NULL ? (long long)(q - m->text) : -1);
	}
	pm[0].rm_so = (regoff_t)p;
	pm[0].rm_eo = (regoff_t)end;
	if (regexec(&m->re, m->text, 1, pm, REG_STARTEND) != 0)
		return (-1);
	return ((long long)pm[0].rm_so);
}

/* Match rows from "from" on against the filter into m->match. */
static void
table_model_match(struct table_model *m, size_t from)
{
	size_t		 r, ce, p, end;
	long long	 q;

	for (r = from; r < m->nrows; r++)
		bit_put(m->match, r, 0);
	r = from;
	while (r < m->nrows) {
		/* Regexes search a chunk of whole rows: glibc's work grows with the text given. */
		ce = r + 1;
		if (m->kind == TABLE_MODEL_REGEX) {
			while (ce < m->nrows && m->textoff[ce] - m->textoff[r] < TABLE_MODEL_CHUNK)
				ce++;
		} else
			ce = m->nrows;
		p = m->textoff[r];
		end = m->textoff[ce];
		while (p < end && (q = table_model_find(m, p, end)) >= 0) {
			while (m->textoff[r + 1] <= (size_t)q)
				r++;
			bit_put(m->match, r, 1);
			p = m->textoff[++r];
		}
		r = ce;
	}
	if (m->invert) {
		for (r = from; r < m->nrows; r++)
			bit_put(m->match, r, !bit_get(m->match, r));
	}
}

/*
 * How many leading bytes (folded) every text cell of the sort column shares:
 * keys start after them, or listings such as "bucket/dir/part-0001" would
 * all have the same key and every comparison would chase the strings.
 */
static size_t
table_model_prefix(const struct table_model *m)
{
	const struct view	*v = m->view;
	const struct view_cell	*c;
	const unsigned char	*first = NULL, *s;
	size_t			 r, i, n = 0;

	for (r = 0; r < m->nrows; r++) {
		c = &v->cells[r * v->ncols + m->sort_col];
		if (c->isnum || c->text == NULL)
			continue;
		s = (const unsigned char *)c->text;
		if (first == NULL) {
			first = s;
			n = strlen(c->text);
			continue;
		}
		for (i = 0; i < n && table_model_fold(s[i]) == table_model_fold(first[i]); i++)
			;
		if ((n = i) == 0)
			break;
	}
	return (n);
}

/* A cell's sort key; state text sorts by severity, failures first. */
static void
table_model_item(const struct table_model *m, size_t row, size_t skip,
    struct table_model_item *it)
{
	const struct view	*v = m->view;
	const struct view_cell	*c = &v->cells[row * v->ncols + m->sort_col];
	const unsigned char	*s;
	size_t			 i;

	it->row = row;
	it->key = 0;
	it->rest = NULL;
	if (c->isnum) {
		it->cls = TABLE_MODEL_NUM;
		it->key = (uint64_t)c->num ^ ((uint64_t)1 << 63);
		return;
	}
	if (c->text == NULL) {
		it->cls = TABLE_MODEL_UNKNOWN;
		return;
	}
	it->cls = TABLE_MODEL_TEXT;
	if (v->cols[m->sort_col].type == VIEW_STATE) {
		switch (theme_state_role(c->text)) {
		case THEME_ERROR:
			break;
		case THEME_OK:
			it->cls += 2;
			break;
		default:
			it->cls += 1;
			break;
		}
	}
	s = (const unsigned char *)c->text + skip;
	for (i = 0; i < 8 && s[i] != '\0'; i++)
		it->key |= (uint64_t)table_model_fold(s[i]) << (56 - 8 * i);
	if (i == 8)
		it->rest = (const char *)s + 8;
}

/* Order two items; unknown cells stay last either way, the row breaks ties. */
static int
table_model_compare(const struct table_model_item *a, const struct table_model_item *b,
    int descending)
{
	const unsigned char	*x, *y;
	int			 d = 0;

	if (a->cls == TABLE_MODEL_UNKNOWN || b->cls == TABLE_MODEL_UNKNOWN)
		d = (a->cls == TABLE_MODEL_UNKNOWN) - (b->cls == TABLE_MODEL_UNKNOWN);
	else {
		if (a->cls != b->cls)
			d = a->cls < b->cls ? -1 : 1;
		else if (a->key != b->key)
			d = a->key < b->key ? -1 : 1;
		else if (a->rest != NULL && b->rest != NULL) {
			x = (const unsigned char *)a->rest;
			y = (const unsigned char *)b->rest;
			while (*x != '\0' && table_model_fold(*x) == table_model_fold(*y))
				x++, y++;
			d = table_model_fold(*x) - table_model_fold(*y);
		}
		if (descending)
			d = -d;
	}
	if (d == 0)
		d = a->row < b->row ? -1 : a->row > b->row;
	return (d);
}

/* Merge two sorted runs: the step of the sort, and how appended rows join. */
static void
table_model_merge(const struct table_model_item *a, size_t na,
    const struct table_model_item *b, size_t nb, struct table_model_item *out, int desc)
{
	size_t	i = 0, j = 0, k = 0;

	while (i < na && j < nb) {
		if (table_model_compare(&a[i], &b[j], desc) <= 0)
			out[k++] = a[i++];
		else
			out[k++] = b[j++];
	}
	memcpy(out + k, a + i, (na - i) * sizeof *out);
	memcpy(out + k + (na - i), b + j, (nb - j) * sizeof *out);
}

/* A bottom-up merge sort; the row breaks ties, so the order is total. */
static void
table_model_msort(struct table_model_item *it, size_t n, struct table_model_item *tmp,
    int desc)
{
	struct table_model_item	*src = it, *dst = tmp, *swap;
	size_t			 w, i, mid, hi;

	for (w = 1; w < n; w *= 2) {
		for (i = 0; i < n; i += 2 * w) {
			mid = i + w < n ? i + w : n;
			hi = i + 2 * w < n ? i + 2 * w : n;
			table_model_merge(src + i, mid - i, src + mid, hi - mid, dst + i, desc);
		}
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != it)
		memcpy(it, src, n * sizeof *it);
}

/*
 * A few new rows among many sorted ones (a page of a listing arriving): find
 * each one's place by binary search and open the order up from the end, so
 * the old rows are moved but never looked at again.
 */
static void
table_model_insert(struct table_model *m, size_t k, size_t from)
{
	struct table_model_item	*it, *tmp, old;
	size_t			 nn = m->nrows - from, *pos, i, j, lo, hi, mid, w, p;

	it = xreallocarray(NULL, nn, sizeof *it);
	tmp = xreallocarray(NULL, nn, sizeof *tmp);
	pos = xreallocarray(NULL, nn, sizeof *pos);
	for (i = 0; i < nn; i++)
		table_model_item(m, from + i, 0, &it[i]);
	table_model_msort(it, nn, tmp, m->descending);
	for (j = 0, lo = 0; j < nn; j++) {
		hi = k;	/* the first old row after it[j]; lo only grows */
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			table_model_item(m, m->order[mid], 0, &old);
			if (table_model_compare(&old, &it[j], m->descending) > 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		pos[j] = lo;
	}
	w = k + nn;
	i = k;
	for (j = nn; j-- > 0;) {
		p = pos[j];
		memmove(m->order + w - (i - p), m->order + p, (i - p) * sizeof *m->order);
		w -= i - p;
		i = p;
		m->order[--w] = it[j].row;
	}
	free(pos);
	free(tmp);
	free(it);
}

/* Sort rows from "from" on and merge them with the old order of the rest. */
static void
table_model_sort_rows(struct table_model *m, size_t from, size_t old)
{
	struct table_model_item	*it, *tmp;
	size_t			 i, k = 0, n = m->nrows, skip;

	if (m->order == NULL) {
		m->order = xreallocarray(NULL, m->cap, sizeof *m->order);
		old = from = 0;
	}
	if (n == 0)
		return;
	for (i = 0; i < old; i++) {
		if (m->order[i] < from)
			m->order[k++] = m->order[i];
	}
	if (k > 0 && (n - from) * 16 < k) {
		table_model_insert(m, k, from);
		return;
	}
	skip = m->view->cols[m->sort_col].type == VIEW_TEXT ? table_model_prefix(m) : 0;
	it = xreallocarray(NULL, n, sizeof *it);
	tmp = xreallocarray(NULL, n, sizeof *tmp);
	for (i = 0; i < k; i++)
		table_model_item(m, m->order[i], skip, &it[i]);
	for (i = from; i < n; i++)
		table_model_item(m, i, skip, &it[k + i - from]);
	table_model_msort(it + k, n - k, tmp, m->descending);
	table_model_merge(it, k, it + k, n - k, tmp, m->descending);
	for (i = 0; i < n; i++)
		m->order[i] = tmp[i].row;
	free(tmp);
	free(it);
}

/* Rebuild the rows shown; the cursor stays on its view row while it shows. */
static void
table_model_index(struct table_model *m, size_t keep)
{
	size_t	i, r, n = 0;

	for (i = 0; i < m->nrows; i++) {
		r = m->order != NULL ? m->order[i] : i;
		if (m->kind == TABLE_MODEL_NONE || bit_get(m->match, r))
			m->idx[n++] = r;
	}
	m->nshown = n;
	if (keep != SIZE_MAX) {
		for (i = 0; i < n; i++) {
			if (m->idx[i] == keep) {
				m->cur = i;
				break;
			}
		}
	}
	if (m->cur >= n)
		m->cur = n > 0 ? n - 1 : 0;
	if (m->top > m->cur)
		m->top = m->cur;
}

/* Take in new or changed rows without redoing the rows before them. */
void
table_model_changed(struct table_model *m, size_t from)
{
	const struct view	*v = m->view;
	size_t			 keep = table_model_current(m), old = m->nrows, n, r;

	n = v != NULL ? v->nrows : 0;
	if (from > old)
		from = old;
	if (n < old) {
		/* Rows went away: only a view replaced in place does that. */
		from = 0;
		for (r = n; r < old; r++) {
			if (bit_get(m->marks, r))
				m->nmarked--;
			bit_put(m->marks, r, 0);
		}
	}
	table_model_grow(m, n);
	m->nrows = n;
	if (m->ntext > n)
		m->ntext = n;
	if (m->kind != TABLE_MODEL_NONE) {
		table_model_text_build(m, from);
		table_model_match(m, from);
	}
	if (m->sort_col != SIZE_MAX)
		table_model_sort_rows(m, from, old < n ? old : n);
	table_model_index(m, keep);
}

/* Start again on another view. */
void
table_model_set_view(struct table_model *m, const struct view *v)
{
	table_model_free(m);
	m->view = v;
	table_model_changed(m, 0);
}

/* A refresh keeps what the person set up; marks go, their rows are gone. */
void
table_model_replace(struct table_model *m, const struct view *v)
{
	size_t	cur = m->cur, top = m->top;

	m->view = v;
	if (v != NULL && m->sort_col != SIZE_MAX && m->sort_col >= v->ncols) {
		m->sort_col = SIZE_MAX;
		free(m->order);
		m->order = NULL;
	}
	if (m->marks != NULL)
		memset(m->marks, 0, BIT_WORDS(m->cap) * sizeof *m->marks);
	m->nmarked = 0;
	m->ntext = 0;
	m->nshown = 0;	/* no current row: the old numbers mean nothing now */
	table_model_changed(m, 0);
	m->cur = m->nshown == 0 ? 0 : cur < m->nshown ? cur : m->nshown - 1;
	m->top = top <= m->cur ? top : m->cur;
}

/* Sort from the view's order each time, so ties never depend on history. */
void
table_model_sort(struct table_model *m, size_t col, int descending)
{
	size_t	keep = table_model_current(m);

	if (m->view == NULL || col >= m->view->ncols)
		col = SIZE_MAX;
	m->sort_col = col;
	m->descending = col != SIZE_MAX && descending;
	if (col == SIZE_MAX) {
		free(m->order);
		m->order = NULL;
	} else
		table_model_sort_rows(m, 0, 0);
	table_model_index(m, keep);
}

/* One key walks every column, then back to the view's order. */
void
table_model_sort_next(struct table_model *m)
{
	table_model_sort(m, m->sort_col == SIZE_MAX ? 0 : m->sort_col + 1, 0);
}

/* Parse and apply a filter; a bad regex leaves the old filter in place. */
int
table_model_filter(struct table_model *m, const char *expr, char **cause)
{
	const char	*p = expr != NULL ? expr : "", *needle = "";
	char		*pat = NULL, err[256];
	regex_t		 re;
	size_t		 keep = table_model_current(m), len, i;
	int		 invert = 0, error;

	if (*p == '!') {
		invert = 1;
		p++;
	}
	len = strlen(p);
	if (*p == '~')
		pat = xstrdup(p + 1);
	else if (*p == '/' && len >= 2 && p[len - 1] == '/')
		pat = xstrndup(p + 1, len - 2);
	else if (*p == '\\' && strchr("!~/\\", p[1]) != NULL && p[1] != '\0')
		needle = p + 1;	/* a filter may start with '!', '~' or '/' */
	else
		needle = p;
	if (pat != NULL && *pat != '\0') {
		/* No REG_NOSUB: the match's offset says which row it fell in. */
		error = regcomp(&re, pat, REG_EXTENDED | REG_ICASE | REG_NEWLINE);
		if (error != 0) {
			regerror(error, &re, err, sizeof err);
			if (cause != NULL)
				xasprintf(cause, "bad regex '%s': %s", pat, err);
			free(pat);
			return (-1);
		}
	}
	table_model_filter_free(m);
	if (*p != '\0' || invert)
		m->expr = xstrdup(expr);
	/* Nothing after '!' or '~' yet, as it is typed: every row. */
	if (pat != NULL && *pat != '\0') {
		m->kind = TABLE_MODEL_REGEX;
		m->re = re;
	} else if (pat == NULL && *needle != '\0') {
		m->kind = TABLE_MODEL_SUBSTRING;
		m->needle = xstrdup(needle);
		for (i = 0; m->needle[i] != '\0'; i++)
			m->needle[i] = (char)table_model_fold((unsigned char)m->needle[i]);
	}
	free(pat);
	if (m->kind != TABLE_MODEL_NONE) {
		m->invert = invert;
		if (m->ntext < m->nrows)
			table_model_text_build(m, m->ntext);
		table_model_match(m, 0);
	}
	table_model_index(m, keep);
	return (0);
}

/* Space marks and moves on, so a run of rows is a run of presses. */
void
table_model_mark_toggle(struct table_model *m)
{
	size_t	r = table_model_current(m);

	if (r == SIZE_MAX)
		return;
	m->nmarked += bit_get(m->marks, r) ? (size_t)-1 : 1;
	bit_put(m->marks, r, !bit_get(m->marks, r));
	table_model_move(m, 1);
}

/* Mark what the person sees, not rows the filter hides. */
void
table_model_mark_all(struct table_model *m)
{
	size_t	i;

	for (i = 0; i < m->nshown; i++) {
		if (!bit_get(m->marks, m->idx[i])) {
			bit_put(m->marks, m->idx[i], 1);
			m->nmarked++;
		}
	}
}

/* Clear every mark, hidden ones too. */
void
table_model_mark_clear(struct table_model *m)
{
	if (m->marks != NULL)
		memset(m->marks, 0, BIT_WORDS(m->cap) * sizeof *m->marks);
	m->nmarked = 0;
}

/* Whether a view row is marked, for drawing. */
int
table_model_is_marked(const struct table_model *m, size_t row)
{
	return (row < m->nrows && bit_get(m->marks, row));
}

/* Only rows on screen: a command never acts on rows the person cannot see. */
size_t
table_model_marked(const struct table_model *m, size_t **rows)
{
	size_t	i, n = 0;

	*rows = NULL;
	if (m->nmarked == 0)
		return (0);
	for (i = 0; i < m->nshown; i++)
		n += bit_get(m->marks, m->idx[i]);
	if (n == 0)
		return (0);
	*rows = xreallocarray(NULL, n, sizeof **rows);
	n = 0;
	for (i = 0; i < m->nshown; i++) {
		if (bit_get(m->marks, m->idx[i]))
			(*rows)[n++] = m->idx[i];
	}
	return (n);
}

/* Move the cursor, clamped at both ends. */
void
table_model_move(struct table_model *m, long delta)
{
	size_t	back = (size_t)0 - (size_t)delta;	/* -delta, also for LONG_MIN */

	if (delta < 0)
		m->cur = back > m->cur ? 0 : m->cur - back;
	else
		table_model_move_to(m, m->cur + (size_t)delta < m->cur ? SIZE_MAX :
		    m->cur + (size_t)delta);
}

/* Jump the cursor, clamped to the last row. */
void
table_model_move_to(struct table_model *m, size_t pos)
{
	if (m->nshown == 0)
		m->cur = 0;
	else
		m->cur = pos < m->nshown ? pos : m->nshown - 1;
}

/* Page keys move the screen with the cursor, as less and htop do. */
void
table_model_page(struct table_model *m, long pages, size_t page_h)
{
	long	delta = pages * (long)(page_h > 0 ? page_h : 1);
	size_t	max_top = m->nshown > page_h ? m->nshown - page_h : 0;

	table_model_move(m, delta);
	if (delta < 0)
		m->top = (size_t)0 - (size_t)delta > m->top ? 0 : m->top - ((size_t)0 - (size_t)delta);
	else
		m->top = m->top + (size_t)delta < max_top ? m->top + (size_t)delta : max_top;
}

/* The row commands act on. */
size_t
table_model_current(const struct table_model *m)
{
	return (m->cur < m->nshown ? m->idx[m->cur] : SIZE_MAX);
}

/* How many rows pass the filter. */
size_t
table_model_shown(const struct table_model *m)
{
	return (m->nshown);
}

/* Screen index to view row, for drawing. */
size_t
table_model_row(const struct table_model *m, size_t pos)
{
	return (pos < m->nshown ? m->idx[pos] : SIZE_MAX);
}

/* Keep the cursor on screen and the screen full. */
size_t
table_model_scroll(struct table_model *m, size_t h)
{
	if (h == 0 || m->nshown <= h) {
		m->top = 0;
		return (0);
	}
	if (m->top > m->nshown - h)
		m->top = m->nshown - h;
	if (m->cur < m->top)
		m->top = m->cur;
	else if (m->cur >= m->top + h)
		m->top = m->cur - h + 1;
	return (m->top);
}

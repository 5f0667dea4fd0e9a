/* Views: typed tables that commands fill and front ends render. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"

struct view *
view_new(const char *title)
{
	struct view	*v;

	v = xcalloc(1, sizeof *v);
	v->title = xstrdup(title != NULL ? title : "");
	return (v);
}

void
view_free(struct view *v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < v->nrows * v->ncols; i++)
		free(v->cells[i].text);
	for (i = 0; i < v->ncols; i++)
		free(v->cols[i].name);
	free(v->cells);
	free(v->cols);
	free(v->title);
	free(v);
}

/* Columns are fixed before the first row. */
size_t
view_add_column(struct view *v, const char *name, enum view_type type)
{
	if (v->nrows != 0)
		fatal("view '%s': column added after rows", v->title);
	v->cols = xreallocarray(v->cols, v->ncols + 1, sizeof *v->cols);
	v->cols[v->ncols].name = xstrdup(name);
	v->cols[v->ncols].type = type;
	return (v->ncols++);
}

size_t
view_add_row(struct view *v)
{
	if (v->nrows == v->rowcap) {
		v->rowcap = v->rowcap == 0 ? 16 : v->rowcap * 2;
		v->cells = xreallocarray(v->cells, v->rowcap * v->ncols, sizeof *v->cells);
	}
	memset(&v->cells[v->nrows * v->ncols], 0, v->ncols * sizeof *v->cells);
	return (v->nrows++);
}

static struct view_cell *
view_cell_at(struct view *v, size_t row, size_t col)
{
	if (row >= v->nrows || col >= v->ncols)
		fatal("view '%s': cell %zu,%zu out of range", v->title, row, col);
	return (&v->cells[row * v->ncols + col]);
}

void
view_set_text(struct view *v, size_t row, size_t col, const char *text)
{
	struct view_cell	*c = view_cell_at(v, row, col);

	free(c->text);
	c->text = text != NULL ? xstrdup(text) : NULL;
	c->isnum = 0;
}

void
view_set_num(struct view *v, size_t row, size_t col, int64_t n)
{
	struct view_cell	*c = view_cell_at(v, row, col);

	free(c->text);
	c->text = NULL;
	c->num = n;
	c->isnum = 1;
}

const struct view_cell *
view_cell(const struct view *v, size_t row, size_t col)
{
	return (view_cell_at((struct view *)v, row, col));
}

const char *
view_cell_display(const struct view *v, size_t row, size_t col, char *out, size_t len)
{
	const struct view_cell	*c = view_cell(v, row, col);

	if (!c->isnum)
		return (c->text != NULL ? c->text : "");
	switch (v->cols[col].type) {
	case VIEW_BYTES:
		util_format_bytes(out, len, c->num);
		break;
	case VIEW_DURATION:
		util_format_duration(out, len, c->num);
		break;
	case VIEW_TIME:
		util_format_time(out, len, c->num);
		break;
	default:
		snprintf(out, len, "%lld", (long long)c->num);
		break;
	}
	return (out);
}

ssize_t
view_column_index(const struct view *v, const char *name)
{
	size_t	i;

	for (i = 0; i < v->ncols; i++) {
		if (strcasecmp(v->cols[i].name, name) == 0)
			return ((ssize_t)i);
	}
	return (-1);
}

static int
view_cell_compare(const struct view_cell *a, const struct view_cell *b)
{
	if (a->isnum && b->isnum)
		return (a->num < b->num ? -1 : a->num > b->num);
	if (a->isnum != b->isnum)
		return (a->isnum ? -1 : 1);
	return (strcmp(a->text != NULL ? a->text : "", b->text != NULL ? b->text : ""));
}

/* A bottom-up merge sort: rows that compare equal keep their order. */
void
view_sort(struct view *v, size_t col, int descending)
{
	struct view_cell	*tmp, *src = v->cells, *dst, *swap;
	size_t			 w, i, lo, mid, hi, a, b, k, n = v->nrows, nc = v->ncols;
	int			 cmp;

	if (n < 2 || col >= nc)
		return;
	tmp = xreallocarray(NULL, n * nc, sizeof *tmp);
	dst = tmp;
	for (w = 1; w < n; w *= 2) {
		for (i = 0; i < n; i += 2 * w) {
			lo = i;
			mid = i + w < n ? i + w : n;
			hi = i + 2 * w < n ? i + 2 * w : n;
			a = lo; b = mid; k = lo;
			while (a < mid || b < hi) {
				if (a < mid && b < hi) {
					cmp = view_cell_compare(&src[a * nc + col], &src[b * nc + col]);
					if (descending)
						cmp = -cmp;
				} else
					cmp = a < mid ? -1 : 1;
				if (cmp <= 0)
					memcpy(&dst[k++ * nc], &src[a++ * nc], nc * sizeof *dst);
				else
					memcpy(&dst[k++ * nc], &src[b++ * nc], nc * sizeof *dst);
			}
		}
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != v->cells)
		memcpy(v->cells, src, n * nc * sizeof *tmp);
	free(tmp);
}

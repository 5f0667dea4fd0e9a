/* The SQL REPL's result printer: PrettyCompact-like blocks or Vertical rows. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backends/clickhouse.h"
#include "cli/repl-print.h"
#include "core/buf.h"
#include "core/util.h"
#include "core/xmalloc.h"

/* The pieces of a frame: corners, joints, lines; UTF-8 or ASCII. */
struct repl_box {
	const char	*h, *v;
	const char	*tl, *tm, *tr;
	const char	*bl, *bm, *br;
};
static const struct repl_box repl_box_utf8 = {
	"\u2500", "\u2502", "\u250c", "\u252c", "\u2510", "\u2514", "\u2534", "\u2518"
};
static const struct repl_box repl_box_ascii = {
	"-", "|", "+", "+", "+", "+", "+", "+"
};

void
repl_print_init(struct repl_print *p, FILE *f, int vertical, int utf8, int bold)
{
	memset(p, 0, sizeof *p);
	p->f = f;
	p->vertical = vertical;
	p->utf8 = utf8;
	p->bold = bold;
	p->limit = REPL_PRINT_LIMIT;
}

/* Sanitize into a new string, so the width we measure is the width printed. */
static char *
repl_print_clean(const char *s, size_t len, size_t *width)
{
	struct buf	b;
	char		*out;

	buf_init(&b);
	util_sanitize(&b, s, len);
	out = b.data != NULL ? buf_steal(&b) : xstrdup("");
	*width = util_width(out);
	return (out);
}

/* Numbers read best aligned on the right, as clickhouse-client does. */
static int
repl_print_numeric(const char *type)
{
	static const char *const wrappers[] = { "Nullable(", "LowCardinality(", NULL };
	static const char *const numeric[] = { "Int", "UInt", "Float", "Decimal", NULL };
	size_t			 i, n;
	int			 again = 1;

	while (again) {
		again = 0;
		for (i = 0; wrappers[i] != NULL; i++) {
			n = strlen(wrappers[i]);
			if (strncmp(type, wrappers[i], n) == 0) {
				type += n;
				again = 1;
			}
		}
	}
	for (i = 0; numeric[i] != NULL; i++) {
		if (strncmp(type, numeric[i], strlen(numeric[i])) == 0)
			return (1);
	}
	return (0);
}

void
repl_print_header(struct repl_print *p, const struct ch_column *cols, size_t ncols)
{
	size_t	i;

	p->has_header = 1;
	p->ncols = ncols;
	p->names = xcalloc(ncols + 1, sizeof *p->names);
	p->namew = xcalloc(ncols + 1, sizeof *p->namew);
	p->right = xcalloc(ncols + 1, sizeof *p->right);
	for (i = 0; i < ncols; i++) {
		p->names[i] = repl_print_clean(cols[i].name, strlen(cols[i].name), &p->namew[i]);
		p->right[i] = cols[i].type != NULL && repl_print_numeric(cols[i].type);
	}
	p->cells = xcalloc(REPL_PRINT_BLOCK * (ncols + 1), sizeof *p->cells);
	p->cellw = xcalloc(REPL_PRINT_BLOCK * (ncols + 1), sizeof *p->cellw);
}

static void
repl_print_repeat(FILE *f, const char *s, size_t n)
{
	while (n-- > 0)
		fputs(s, f);
}

static void
repl_print_name(struct repl_print *p, size_t i)
{
	if (p->bold)
		fprintf(p->f, "\033[1m%s\033[0m", p->names[i]);
	else
		fputs(p->names[i], p->f);
}

/* One row as a Vertical block: names padded to the longest. */
static void
repl_print_vertical(struct repl_print *p, char **cells)
{
	const struct repl_box	*box = p->utf8 ? &repl_box_utf8 : &repl_box_ascii;
	size_t			 i, maxw = 0;
	int			 n;

	for (i = 0; i < p->ncols; i++) {
		if (p->namew[i] > maxw)
			maxw = p->namew[i];
	}
	if (p->shown > 0)
		fputc('\n', p->f);
	n = fprintf(p->f, "Row %llu:\n", (unsigned long long)p->shown + 1);
	repl_print_repeat(p->f, box->h, n > 1 ? (size_t)n - 1 : 0);
	fputc('\n', p->f);
	for (i = 0; i < p->ncols; i++) {
		repl_print_name(p, i);
		fputc(':', p->f);
		repl_print_repeat(p->f, " ", maxw - p->namew[i] + 1);
		fprintf(p->f, "%s\n", cells[i]);
	}
}

/* The rows held as one framed table, each column as wide as its widest cell. */
void
repl_print_flush(struct repl_print *p)
{
	const struct repl_box	*box = p->utf8 ? &repl_box_utf8 : &repl_box_ascii;
	size_t			*w, i, r, pad;

	if (p->nrows == 0)
		return;
	w = xcalloc(p->ncols + 1, sizeof *w);
	for (i = 0; i < p->ncols; i++) {
		w[i] = p->namew[i];
		for (r = 0; r < p->nrows; r++) {
			if (p->cellw[r * p->ncols + i] > w[i])
				w[i] = p->cellw[r * p->ncols + i];
		}
	}
	fputs(box->tl, p->f);
	for (i = 0; i < p->ncols; i++) {
		fputs(box->h, p->f);
		pad = w[i] - p->namew[i];
		if (p->right[i])
			repl_print_repeat(p->f, box->h, pad);
		repl_print_name(p, i);
		if (!p->right[i])
			repl_print_repeat(p->f, box->h, pad);
		fputs(box->h, p->f);
		fputs(i + 1 < p->ncols ? box->tm : box->tr, p->f);
	}
	fputc('\n', p->f);
	for (r = 0; r < p->nrows; r++) {
		fputs(box->v, p->f);
		for (i = 0; i < p->ncols; i++) {
			pad = w[i] - p->cellw[r * p->ncols + i];
			fputc(' ', p->f);
			if (p->right[i])
				repl_print_repeat(p->f, " ", pad);
			fputs(p->cells[r * p->ncols + i], p->f);
			if (!p->right[i])
				repl_print_repeat(p->f, " ", pad);
			fputc(' ', p->f);
			fputs(box->v, p->f);
			free(p->cells[r * p->ncols + i]);
		}
		fputc('\n', p->f);
	}
	fputs(box->bl, p->f);
	for (i = 0; i < p->ncols; i++) {
		repl_print_repeat(p->f, box->h, w[i] + 2);
		fputs(i + 1 < p->ncols ? box->bm : box->br, p->f);
	}
	fputc('\n', p->f);
	fflush(p->f);
	p->shown += p->nrows;
	p->nrows = 0;
	free(w);
}

/* Keep a row for the block, or print it at once in vertical mode; past the limit only count it. */
void
repl_print_row(struct repl_print *p, const struct ch_row *row)
{
	const char	*null = p->utf8 ? "\u1d3a\u1d41\u1d38\u1d38" : "NULL";
	char		**cells;
	size_t		 i, *widths;

	p->rows++;
	if (!p->has_header || p->shown + p->nrows >= p->limit)
		return;
	cells = p->cells + p->nrows * p->ncols;
	widths = p->cellw + p->nrows * p->ncols;
	for (i = 0; i < p->ncols; i++) {
		if (i >= row->n || row->fields[i] == NULL)
			cells[i] = repl_print_clean(null, strlen(null), &widths[i]);
		else
			cells[i] = repl_print_clean(row->fields[i], row->lens[i], &widths[i]);
	}
	if (p->vertical) {
		repl_print_vertical(p, cells);
		for (i = 0; i < p->ncols; i++)
			free(cells[i]);
		p->shown++;
		fflush(p->f);
		return;
	}
	if (++p->nrows == REPL_PRINT_BLOCK)
		repl_print_flush(p);
}

void
repl_print_free(struct repl_print *p)
{
	size_t	i;

	for (i = 0; i < p->nrows * p->ncols; i++)
		free(p->cells[i]);
	for (i = 0; i < p->ncols; i++)
		free(p->names[i]);
	free(p->names);
	free(p->namew);
	free(p->right);
	free(p->cells);
	free(p->cellw);
	memset(p, 0, sizeof *p);
}

/* Server messages may span lines: keep the lines, escape everything else. */
void
repl_print_text(FILE *f, const char *s)
{
	struct buf	 b;
	const char	*nl;
	size_t		 len;

	buf_init(&b);
	while (*s != '\0') {
		nl = strchr(s, '\n');
		len = nl != NULL ? (size_t)(nl - s) : strlen(s);
		buf_reset(&b);
		util_sanitize(&b, s, len);
		fprintf(f, "%s\n", b.data != NULL ? b.data : "");
		s += len;
		if (*s == '\n')
			s++;
	}
	buf_free(&b);
}

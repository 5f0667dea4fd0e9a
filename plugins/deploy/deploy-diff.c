/*
 * A unified diff of two texts, for plans: lines compared after the common
 * head and tail are cut off, the middle by longest common subsequence.
 * Config files are small; a middle too large for the table is shown as
 * one hunk that replaces it all, which is still a correct diff.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy.h"

#define DEPLOY_DIFF_CONTEXT	3
#define DEPLOY_DIFF_MAX_CELLS	(16u * 1024 * 1024)	/* LCS table size limit */

struct deploy_line {
	const char	*s;
	size_t		 len;		/* with its newline, if any */
};

/* One edit-script entry: ' ' kept, '-' from a, '+' from b. */
struct deploy_edit {
	char		 op;
	size_t		 ai;
	size_t		 bi;
};

/* Split into lines, keeping each line's newline so a missing one shows. */
static struct deploy_line *
deploy_diff_lines(const char *t, size_t len, size_t *n)
{
	struct deploy_line	*l = NULL;
	const char		*p = t, *nl, *end = t + len;

	*n = 0;
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		l = xreallocarray(l, *n + 1, sizeof *l);
		l[*n].s = p;
		l[*n].len = nl != NULL ? (size_t)(nl - p + 1) : (size_t)(end - p);
		p += l[*n].len;
		(*n)++;
	}
	return (l);
}

static int
deploy_diff_eq(const struct deploy_line *a, const struct deploy_line *b)
{
	return (a->len == b->len && memcmp(a->s, b->s, a->len) == 0);
}

/* The edit script of a and b: common head, LCS of the middle, common tail. */
static struct deploy_edit *
deploy_diff_script(struct deploy_line *a, size_t na, struct deploy_line *b,
    size_t nb, size_t *ne)
{
	struct deploy_edit	*e;
	size_t			 head = 0, tail = 0, ma, mb, i, j, k = 0;
	uint32_t		*t;

	while (head < na && head < nb && deploy_diff_eq(&a[head], &b[head]))
		head++;
	while (tail < na - head && tail < nb - head &&
	    deploy_diff_eq(&a[na - 1 - tail], &b[nb - 1 - tail]))
		tail++;
	ma = na - head - tail;
	mb = nb - head - tail;
	e = xreallocarray(NULL, na + nb + 1, sizeof *e);
	for (i = 0; i < head; i++)
		e[k++] = (struct deploy_edit){ ' ', i, i };
	if ((ma + 1) * (mb + 1) <= DEPLOY_DIFF_MAX_CELLS && ma > 0 && mb > 0) {
		/* t[i][j]: LCS length of a[head+i..] and b[head+j..]. */
		t = xcalloc((ma + 1) * (mb + 1), sizeof *t);
#define T(x, y) t[(x) * (mb + 1) + (y)]
		for (i = ma; i-- > 0;) {
			for (j = mb; j-- > 0;) {
				if (deploy_diff_eq(&a[head + i], &b[head + j]))
					T(i, j) = T(i + 1, j + 1) + 1;
				else
					T(i, j) = T(i + 1, j) >= T(i, j + 1) ?
					    T(i + 1, j) : T(i, j + 1);
			}
		}
		i = j = 0;
		while (i < ma || j < mb) {
			if (i < ma && j < mb &&
			    deploy_diff_eq(&a[head + i], &b[head + j])) {
				e[k++] = (struct deploy_edit){ ' ', head + i, head + j };
				i++, j++;
			} else if (i < ma && (j == mb || T(i + 1, j) >= T(i, j + 1))) {
				/* Removals first within a change, as diff -u shows. */
				e[k++] = (struct deploy_edit){ '-', head + i, head + j };
				i++;
			} else {
				e[k++] = (struct deploy_edit){ '+', head + i, head + j };
				j++;
			}
		}
#undef T
		free(t);
	} else {
		for (i = 0; i < ma; i++)
			e[k++] = (struct deploy_edit){ '-', head + i, head };
		for (j = 0; j < mb; j++)
			e[k++] = (struct deploy_edit){ '+', head + ma, head + j };
	}
	for (i = 0; i < tail; i++)
		e[k++] = (struct deploy_edit){ ' ', na - tail + i, nb - tail + i };
	*ne = k;
	return (e);
}

static void
deploy_diff_line(struct buf *out, char op, const struct deploy_line *l)
{
	buf_addc(out, op);
	buf_add(out, l->s, l->len);
	if (l->len == 0 || l->s[l->len - 1] != '\n')
		buf_adds(out, "\n\\ No newline at end of file\n");
}

/* "-l,s": GNU diff writes the line before an empty range, and omits ",1". */
static void
deploy_diff_range(struct buf *out, char sign, size_t start, size_t count)
{
	if (count == 0)
		buf_printf(out, "%c%zu,0", sign, start);
	else if (count == 1)
		buf_printf(out, "%c%zu", sign, start + 1);
	else
		buf_printf(out, "%c%zu,%zu", sign, start + 1, count);
}

int
deploy_diff(const char *at, size_t alen, const char *bt, size_t blen,
    const char *label_a, const char *label_b, struct buf *out)
{
	struct deploy_line	*a, *b;
	struct deploy_edit	*e;
	size_t			 na, nb, ne, i, first, last, h0, h1, ac, bc, k;
	int			 changed = 0;

	a = deploy_diff_lines(at, alen, &na);
	b = deploy_diff_lines(bt, blen, &nb);
	e = deploy_diff_script(a, na, b, nb, &ne);
	for (i = 0; i < ne && !changed; i++)
		changed = e[i].op != ' ';
	if (changed)
		buf_printf(out, "--- %s\n+++ %s\n", label_a, label_b);
	i = 0;
	while (changed && i < ne) {
		while (i < ne && e[i].op == ' ')
			i++;
		if (i == ne)
			break;
		/* A hunk: from this change to the last one less than 2*C kept lines away. */
		first = i;
		last = i;
		for (k = i; k < ne; k++) {
			if (e[k].op != ' ')
				last = k;
			else if (k - last > 2 * DEPLOY_DIFF_CONTEXT)
				break;
		}
		h0 = first > DEPLOY_DIFF_CONTEXT ? first - DEPLOY_DIFF_CONTEXT : 0;
		h1 = last + DEPLOY_DIFF_CONTEXT + 1 < ne ? last + DEPLOY_DIFF_CONTEXT + 1 : ne;
		for (ac = bc = 0, k = h0; k < h1; k++) {
			ac += e[k].op != '+';
			bc += e[k].op != '-';
		}
		buf_adds(out, "@@ ");
		deploy_diff_range(out, '-', e[h0].ai, ac);
		buf_addc(out, ' ');
		deploy_diff_range(out, '+', e[h0].bi, bc);
		buf_adds(out, " @@\n");
		for (k = h0; k < h1; k++) {
			if (e[k].op == '+')
				deploy_diff_line(out, '+', &b[e[k].bi]);
			else
				deploy_diff_line(out, e[k].op, &a[e[k].ai]);
		}
		i = h1;
	}
	free(e);
	free(a);
	free(b);
	return (changed);
}

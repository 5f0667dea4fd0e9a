/*
 * The incremental parser of TabSeparatedWithNamesAndTypes. Bytes come in
 * chunks of any size; a row is handed on as soon as its newline arrives,
 * unescaped into one reused buffer, so memory is bounded by the longest row.
 *
 * An HTTP 200 stream may end in the server's exception instead of a row
 * ("Code: 395, e.displayText() = DB::Exception: ..." on 18.16, "Code: 395.
 * DB::Exception: ..." later, "__exception__" framing in recent releases).
 * A line that looks like one is held back until the next line proves it a
 * row; if the stream ends on it, ch_tsv_end reports it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backends/clickhouse.h"
#include "core/buf.h"
#include "core/xmalloc.h"

#define CH_TSV_MAX_ROW	(256 * 1024 * 1024)	/* a longer row is refused */

enum ch_tsv_state {
	CH_TSV_NAMES,		/* waiting for the names row */
	CH_TSV_TYPES,		/* waiting for the types row */
	CH_TSV_ROWS,
	CH_TSV_EXCEPTION,	/* the rest of the stream is the server's error */
	CH_TSV_FAILED,		/* malformed: nothing more is accepted */
};

struct ch_tsv {
	const struct ch_callbacks *cb;
	void			*arg;
	enum ch_tsv_state	 state;
	struct buf		 pend;		/* the incomplete line so far */
	struct buf		 held;		/* a line that may be an exception */
	int			 holding;	/* held is set */
	struct buf		 exc;		/* the exception's text */
	struct buf		 work;		/* unescaped fields, NUL after each */
	struct ch_column	*cols;		/* owned */
	size_t			 ncols;
	int			*raw;		/* per column: Array, Tuple, Map stay as text */
	char			**names;	/* the names row, until the types come */
	size_t			 nnames;
	char			**fields;	/* per row, into work */
	size_t			*lens;
	size_t			 fieldcap;
	uint64_t		 line;		/* lines seen, for messages */
};

/* Which bytes stop the copy loop: a tab ends a field, a backslash escapes. */
static const unsigned char ch_tsv_special[256] = { ['\t'] = 1, ['\\'] = 1 };

/* Returns the byte an escape stands for, as ClickHouse reads it; -1 for \x. */
static int
ch_tsv_unescape_char(unsigned char c)
{
	switch (c) {
	case 'b':
		return ('\b');
	case 'f':
		return ('\f');
	case 'n':
		return ('\n');
	case 'r':
		return ('\r');
	case 't':
		return ('\t');
	case '0':
		return ('\0');
	case 'a':
		return ('\a');
	case 'v':
		return ('\v');
	case 'e':
		return (0x1b);
	case 'x':
		return (-1);
	default:
		return (c);
	}
}

static int
ch_tsv_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Arrays, tuples and maps are written as text with their own quoting inside. */
static int
ch_tsv_composite(const char *type)
{
	for (;;) {
		if (strncmp(type, "Nullable(", 9) == 0)
			type += 9;
		else if (strncmp(type, "LowCardinality(", 15) == 0)
			type += 15;
		else
			break;
	}
	return (strncmp(type, "Array(", 6) == 0 || strncmp(type, "Tuple(", 6) == 0 ||
	    strncmp(type, "Map(", 4) == 0 || strncmp(type, "Nested(", 7) == 0);
}

/* Room for n fields in the per-row arrays. */
static void
ch_tsv_grow_fields(struct ch_tsv *t, size_t n)
{
	if (n <= t->fieldcap)
		return;
	t->fieldcap = n < 16 ? 16 : n * 2;
	t->fields = xreallocarray(t->fields, t->fieldcap, sizeof *t->fields);
	t->lens = xreallocarray(t->lens, t->fieldcap, sizeof *t->lens);
}

/*
 * Split one line into unescaped fields in t->work; fields[i] point into it
 * (NULL for \N). Returns the field count, or -1 and *cause.
 */
static ssize_t
ch_tsv_split(struct ch_tsv *t, const char *line, size_t len, char **cause)
{
	const unsigned char	*p = (const unsigned char *)line, *end = p + len, *q;
	char			*out, *field;
	size_t			 n = 0;
	int			 c, hi, lo, raw;

	/* Unescaping never grows a field: len + 2 holds every field and its NUL. */
	if (t->work.cap < len + 2) {
		t->work.data = xrealloc(t->work.data, len + 2);
		t->work.cap = len + 2;
	}
	out = field = t->work.data;
	for (;;) {
		raw = t->raw != NULL && n < t->ncols && t->raw[n];
		q = p;
		while (q < end && !ch_tsv_special[*q])
			q++;
		memcpy(out, p, (size_t)(q - p));
		out += q - p;
		p = q;
		if (p < end && *p == '\\') {
			if (++p == end) {
				xasprintf(cause, "line %llu: a backslash at the end of the line",
				    (unsigned long long)t->line);
				return (-1);
			}
			/* \N alone is NULL; elsewhere it is an N. */
			if (*p == 'N' && out == field && (p + 1 == end || p[1] == '\t')) {
				ch_tsv_grow_fields(t, n + 1);
				t->fields[n] = NULL;
				t->lens[n++] = 0;
				if (++p == end)
					break;
				p++;
				if (p == end)
					goto trailing;
				continue;
			}
			if (raw) {
				/* The server's own text: keep the escape as it is. */
				*out++ = '\\';
				*out++ = (char)*p++;
				continue;
			}
			c = ch_tsv_unescape_char(*p++);
			if (c == -1) {
				if (end - p >= 2 && (hi = ch_tsv_hex(p[0])) != -1 &&
				    (lo = ch_tsv_hex(p[1])) != -1) {
					c = hi * 16 + lo;
					p += 2;
				} else
					c = 'x';
			}
			*out++ = (char)c;
			continue;
		}
		/* A tab or the end: the field is complete. */
		ch_tsv_grow_fields(t, n + 1);
		t->fields[n] = field;
		t->lens[n++] = (size_t)(out - field);
		*out++ = '\0';
		field = out;
		if (p == end)
			break;
		if (++p == end)
			goto trailing;
	}
	return ((ssize_t)n);

trailing:
	/* A tab at the very end: one more, empty field. */
	ch_tsv_grow_fields(t, n + 1);
	*out = '\0';
	t->fields[n] = out;
	t->lens[n++] = 0;
	return ((ssize_t)n);
}

/* "Code: 123" at the start, or the framing of recent releases. */
static int
ch_tsv_looks_exception(const char *line, size_t len)
{
	if (len >= 7 && memcmp(line, "Code: ", 6) == 0 &&
	    line[6] >= '0' && line[6] <= '9')
		return (1);
	return (len >= 13 && memcmp(line, "__exception__", 13) == 0);
}

/* Where "Code: N" starts inside a line, or NULL. */
static const char *
ch_tsv_find_code(const char *line, size_t len)
{
	const char	*p = line, *end = line + len;

	while (p < end && (p = memmem(p, (size_t)(end - p), "Code: ", 6)) != NULL) {
		if (end - p > 6 && p[6] >= '0' && p[6] <= '9')
			return (p);
		p += 6;
	}
	return (NULL);
}

/* Keeps the server's error text, bounded: it is for a person to read. */
static void
ch_tsv_exc_add(struct ch_tsv *t, const char *s, size_t len)
{
	const char	*code;

	if (len >= 13 && memcmp(s, "__exception__", 13) == 0 &&
	    ch_tsv_find_code(s, len) == NULL)
		return;		/* recent releases' framing, not the message */
	if (t->exc.len == 0) {
		/* Recent framing: skip to the message itself. */
		if ((code = ch_tsv_find_code(s, len)) != NULL) {
			len -= (size_t)(code - s);
			s = code;
		}
	} else
		buf_addc(&t->exc, '\n');
	if (t->exc.len + len > 65536)
		len = t->exc.len < 65536 ? 65536 - t->exc.len : 0;
	buf_add(&t->exc, s, len);
}

static void
ch_tsv_free_names(struct ch_tsv *t)
{
	size_t	i;

	for (i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->names);
	t->names = NULL;
	t->nnames = 0;
}

/* One complete line that is not held back: names, types, or a row. */
static int
ch_tsv_row(struct ch_tsv *t, const char *line, size_t len, char **cause)
{
	struct ch_row	 row;
	const char	*code;
	ssize_t		 n;
	size_t		 i;

	if ((n = ch_tsv_split(t, line, len, cause)) < 0)
		return (-1);
	switch (t->state) {
	case CH_TSV_NAMES:
		t->names = xcalloc((size_t)n, sizeof *t->names);
		for (i = 0; i < (size_t)n; i++)
			t->names[i] = t->fields[i] != NULL ? xstrdup(t->fields[i]) : xstrdup("");
		t->nnames = (size_t)n;
		t->state = CH_TSV_TYPES;
		return (0);
	case CH_TSV_TYPES:
		if ((size_t)n != t->nnames) {
			xasprintf(cause, "line %llu: %zd types for %zu columns",
			    (unsigned long long)t->line, n, t->nnames);
			return (-1);
		}
		t->cols = xcalloc((size_t)n, sizeof *t->cols);
		t->raw = xcalloc((size_t)n, sizeof *t->raw);
		for (i = 0; i < (size_t)n; i++) {
			t->cols[i].name = t->names[i];
			t->cols[i].type = t->fields[i] != NULL ? xstrdup(t->fields[i]) :
			    xstrdup("");
			t->raw[i] = ch_tsv_composite(t->cols[i].type);
		}
		free(t->names);
		t->names = NULL;
		t->nnames = 0;
		t->ncols = (size_t)n;
		t->state = CH_TSV_ROWS;
		if (t->cb->header != NULL)
			t->cb->header(t->cols, t->ncols, t->arg);
		return (0);
	case CH_TSV_ROWS:
		if ((size_t)n != t->ncols) {
			/* An exception written after part of a row. */
			if ((code = ch_tsv_find_code(line, len)) != NULL) {
				t->state = CH_TSV_EXCEPTION;
				ch_tsv_exc_add(t, code, len - (size_t)(code - line));
				return (0);
			}
			xasprintf(cause, "line %llu: %zd fields, expected %zu",
			    (unsigned long long)t->line, n, t->ncols);
			return (-1);
		}
		row.fields = t->fields;
		row.lens = t->lens;
		row.n = t->ncols;
		row.raw = line;
		row.rawlen = len;
		if (t->cb->row != NULL)
			t->cb->row(&row, t->arg);
		return (0);
	default:
		xasprintf(cause, "line %llu: unexpected", (unsigned long long)t->line);
		return (-1);
	}
}

/* One complete line, without its newline. */
static int
ch_tsv_line(struct ch_tsv *t, const char *line, size_t len, char **cause)
{
	struct buf	 held;
	int		 rc;

	t->line++;
	if (t->state == CH_TSV_EXCEPTION) {
		ch_tsv_exc_add(t, line, len);
		return (0);
	}
	if (t->holding) {
		/* Another line came: the held one was data after all, or a long exception. */
		t->holding = 0;
		held = t->held;
		buf_init(&t->held);
		if (held.len >= 13 && memcmp(held.data, "__exception__", 13) == 0) {
			t->state = CH_TSV_EXCEPTION;
			rc = 0;
		} else
			rc = ch_tsv_row(t, held.data, held.len, cause);
		buf_free(&held);
		if (rc != 0)
			return (-1);
		if (t->state == CH_TSV_EXCEPTION) {
			ch_tsv_exc_add(t, line, len);
			return (0);
		}
	}
	if (ch_tsv_looks_exception(line, len)) {
		buf_reset(&t->held);
		buf_add(&t->held, line, len);
		t->holding = 1;
		return (0);
	}
	return (ch_tsv_row(t, line, len, cause));
}

/* The parser; callbacks header and row are used, the others are the caller's. */
struct ch_tsv *
ch_tsv_new(const struct ch_callbacks *cb, void *arg)
{
	struct ch_tsv	*t;

	t = xcalloc(1, sizeof *t);
	t->cb = cb;
	t->arg = arg;
	t->state = CH_TSV_NAMES;
	buf_init(&t->pend);
	buf_init(&t->held);
	buf_init(&t->exc);
	buf_init(&t->work);
	return (t);
}

/* Whole lines go straight from the chunk; only a line split across chunks is copied. */
int
ch_tsv_feed(struct ch_tsv *t, const char *data, size_t len, char **cause)
{
	const char	*nl;
	size_t		 n;
	int		 rc;

	if (t->state == CH_TSV_FAILED) {
		xasprintf(cause, "the stream was already malformed");
		return (-1);
	}
	while (len > 0) {
		if ((nl = memchr(data, '\n', len)) == NULL) {
			if (t->pend.len + len > CH_TSV_MAX_ROW) {
				xasprintf(cause, "line %llu: a row longer than %d MiB",
				    (unsigned long long)t->line + 1, CH_TSV_MAX_ROW >> 20);
				t->state = CH_TSV_FAILED;
				return (-1);
			}
			buf_add(&t->pend, data, len);
			return (0);
		}
		n = (size_t)(nl - data);
		if (t->pend.len != 0) {
			buf_add(&t->pend, data, n);
			rc = ch_tsv_line(t, t->pend.data, t->pend.len, cause);
			buf_reset(&t->pend);
		} else
			rc = ch_tsv_line(t, data, n, cause);
		if (rc != 0) {
			t->state = CH_TSV_FAILED;
			return (-1);
		}
		data += n + 1;
		len -= n + 1;
	}
	return (0);
}

/*
 * The stream ended. An exception's cause starts with "Code: N" (the server's
 * text); any other cause is a malformed or cut stream.
 */
int
ch_tsv_end(struct ch_tsv *t, char **cause)
{
	const char	*code;

	if (t->state == CH_TSV_FAILED) {
		xasprintf(cause, "the stream was malformed");
		return (-1);
	}
	if (t->pend.len != 0) {
		if (t->state == CH_TSV_EXCEPTION || t->holding)
			;
		else if ((code = ch_tsv_find_code(t->pend.data, t->pend.len)) != NULL) {
			/* An exception written after part of a row, without a newline. */
			t->state = CH_TSV_EXCEPTION;
			ch_tsv_exc_add(t, code, t->pend.len - (size_t)(code - t->pend.data));
			buf_reset(&t->pend);
		} else {
			xasprintf(cause, "the stream ended inside line %llu",
			    (unsigned long long)t->line + 1);
			return (-1);
		}
	}
	if (t->holding) {
		t->holding = 0;
		t->state = CH_TSV_EXCEPTION;
		ch_tsv_exc_add(t, t->held.data, t->held.len);
	}
	if (t->pend.len != 0) {
		ch_tsv_exc_add(t, t->pend.data, t->pend.len);
		buf_reset(&t->pend);
	}
	if (t->state == CH_TSV_EXCEPTION) {
		while (t->exc.len > 0 && (t->exc.data[t->exc.len - 1] == '\n' ||
		    t->exc.data[t->exc.len - 1] == '\r' || t->exc.data[t->exc.len - 1] == ' '))
			t->exc.data[--t->exc.len] = '\0';
		if (t->exc.len == 0 || strncmp(t->exc.data, "Code: ", 6) != 0)
			xasprintf(cause, "Code: 0. %s", t->exc.len ? t->exc.data :
			    "the server sent an exception without a message");
		else
			*cause = xstrdup(t->exc.data);
		return (-1);
	}
	if (t->state == CH_TSV_TYPES) {
		xasprintf(cause, "the stream ended after the names row");
		return (-1);
	}
	return (0);
}

void
ch_tsv_free(struct ch_tsv *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].type);
	}
	free(t->cols);
	free(t->raw);
	ch_tsv_free_names(t);
	free(t->fields);
	free(t->lens);
	buf_free(&t->pend);
	buf_free(&t->held);
	buf_free(&t->exc);
	buf_free(&t->work);
	free(t);
}

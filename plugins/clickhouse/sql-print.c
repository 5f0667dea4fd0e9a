/*
 * Rows of a ClickHouse result written as they come. TSV re-escapes every
 * field exactly as ClickHouse's TabSeparated output does, so the bytes are
 * those of clickhouse-client; the table buffers only its first rows.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backends/clickhouse.h"
#include "core/buf.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "plugins/clickhouse/sql-print.h"

enum sql_kind {
	SQL_KIND_STRING,	/* quoted in JSON */
	SQL_KIND_NUMBER,	/* bare in JSON when finite, right-aligned in a table */
	SQL_KIND_BIGNUMBER,	/* quoted in JSON as ClickHouse does, right-aligned */
};

struct sql_print {
	FILE			*f;
	enum sql_print_format	 format;
	size_t			 ncols;
	char			**names;	/* owned */
	enum sql_kind		*kinds;
	uint64_t		 rows;
	int			 header_done;	/* header printed (csv, json, table) */

	/* The table's first rows, sanitized, until the widths are known. */
	char			**cells;	/* rows * ncols; NULL cells print NULL */
	size_t			 nbuffered;
	size_t			*widths;
	int			 measured;
};

int
sql_print_parse(const char *s, enum sql_print_format *f)
{
	if (strcmp(s, "tsv") == 0)
		*f = SQL_PRINT_TSV;
	else if (strcmp(s, "csv") == 0)
		*f = SQL_PRINT_CSV;
	else if (strcmp(s, "json") == 0)
		*f = SQL_PRINT_JSON;
	else if (strcmp(s, "table") == 0)
		*f = SQL_PRINT_TABLE;
	else
		return (-1);
	return (0);
}

struct sql_print *
sql_print_new(FILE *f, enum sql_print_format format)
{
	struct sql_print	*p;

	p = xcalloc(1, sizeof *p);
	p->f = f;
	p->format = format;
	return (p);
}

/* Nullable(X) and LowCardinality(X) print as X does. */
static enum sql_kind
sql_print_kind(const char *type)
{
	static const char *const small[] = { "UInt8", "UInt16", "UInt32", "Int8",
	    "Int16", "Int32", "Float32", "Float64", NULL };
	static const char *const big[] = { "UInt64", "Int64", "UInt128", "Int128",
	    "UInt256", "Int256", NULL };
	size_t		 i, len;

	for (;;) {
		if (strncmp(type, "Nullable(", 9) == 0)
			type += 9;
		else if (strncmp(type, "LowCardinality(", 15) == 0)
			type += 15;
		else
			break;
	}
	len = strcspn(type, ")");
	for (i = 0; small[i] != NULL; i++) {
		if (strlen(small[i]) == len && strncmp(type, small[i], len) == 0)
			return (SQL_KIND_NUMBER);
	}
	for (i = 0; big[i] != NULL; i++) {
		if (strlen(big[i]) == len && strncmp(type, big[i], len) == 0)
			return (SQL_KIND_BIGNUMBER);
	}
	if (strncmp(type, "Decimal", 7) == 0)
		return (SQL_KIND_BIGNUMBER);
	return (SQL_KIND_STRING);
}

/* What ClickHouse's writeEscapedString writes for each byte; NULL = as is. */
static const char *const sql_tsv_escape[256] = {
	['\\'] = "\\\\", ['\t'] = "\\t", ['\n'] = "\\n", ['\0'] = "\\0",
	['\b'] = "\\b", ['\f'] = "\\f", ['\r'] = "\\r", ['\''] = "\\'",
};

static void
sql_print_tsv_field(FILE *f, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s, *end = u + len, *q;
	const char		*e;

	if (s == NULL) {
		fwrite_unlocked("\\N", 1, 2, f);
		return;
	}
	while (u < end) {
		q = u;
		while (q < end && sql_tsv_escape[*q] == NULL)
			q++;
		if (q != u)
			fwrite_unlocked(u, 1, (size_t)(q - u), f);
		if (q == end)
			break;
		e = sql_tsv_escape[*q];
		fwrite_unlocked(e, 1, 2, f);
		u = q + 1;
	}
}

static void
sql_print_csv_field(FILE *f, const char *s, size_t len)
{
	size_t	i;

	if (s == NULL)
		return;
	if (len != 0 && strpbrk(s, ",\"\r\n") == NULL && memchr(s, '\0', len) == NULL &&
	    s[0] != ' ' && s[len - 1] != ' ') {
		fwrite_unlocked(s, 1, len, f);
		return;
	}
	if (len == 0)
		return;
	putc_unlocked('"', f);
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			putc_unlocked('"', f);
		putc_unlocked(s[i], f);
	}
	putc_unlocked('"', f);
}

/* The length of one valid UTF-8 sequence at s, or 0. */
static size_t
sql_utf8_len(const unsigned char *s, size_t left)
{
	size_t		n, i;
	unsigned	cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return (0);
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (left < n)
		return (0);
	cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (n);
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD. */
static void
sql_print_json_string(FILE *f, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, n;

	putc_unlocked('"', f);
	while (i < len) {
		if (u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' && u[i] != '\\') {
			putc_unlocked(u[i++], f);
			continue;
		}
		if (u[i] < 0x80) {
			switch (u[i]) {
			case '"':
				fputs("\\\"", f);
				break;
			case '\\':
				fputs("\\\\", f);
				break;
			case '\n':
				fputs("\\n", f);
				break;
			case '\t':
				fputs("\\t", f);
				break;
			case '\r':
				fputs("\\r", f);
				break;
			default:
				fprintf(f, "\\u%04x", u[i]);
				break;
			}
			i++;
			continue;
		}
		if ((n = sql_utf8_len(u + i, len - i)) == 0) {
			fputs("\xef\xbf\xbd", f);
			i++;
			continue;
		}
		fwrite_unlocked(u + i, 1, n, f);
		i += n;
	}
	putc_unlocked('"', f);
}

/* Bare only when JSON can read it back: not nan, inf or an empty string. */
static int
sql_json_number_ok(const char *s, size_t len)
{
	size_t	i = 0;

	if (len == 0)
		return (0);
	if (s[0] == '-')
		i++;
	if (i == len || s[i] < '0' || s[i] > '9')
		return (0);
	for (; i < len; i++) {
		if (strchr("0123456789.eE+-", s[i]) == NULL)
			return (0);
	}
	return (1);
}

/* The names and types: kept for JSON keys and the table; printed for csv. */
void
sql_print_header(struct sql_print *p, const struct ch_column *cols, size_t n)
{
	size_t	i;

	p->ncols = n;
	p->names = xcalloc(n, sizeof *p->names);
	p->kinds = xcalloc(n, sizeof *p->kinds);
	for (i = 0; i < n; i++) {
		p->names[i] = xstrdup(cols[i].name);
		p->kinds[i] = sql_print_kind(cols[i].type);
	}
	if (p->format == SQL_PRINT_CSV) {
		for (i = 0; i < n; i++) {
			if (i != 0)
				putc_unlocked(',', p->f);
			sql_print_csv_field(p->f, p->names[i], strlen(p->names[i]));
		}
		putc_unlocked('\n', p->f);
	} else if (p->format == SQL_PRINT_JSON)
		fputs("[", p->f);
	p->header_done = 1;
}

static char *
sql_print_cell(const char *s, size_t len)
{
	struct buf	b;

	if (s == NULL)
		return (NULL);
	buf_init(&b);
	util_sanitize(&b, s, len);
	if (b.data == NULL)
		return (xstrdup(""));
	return (buf_steal(&b));
}

static void
sql_print_table_line(struct sql_print *p, char **cells)
{
	const char	*s;
	size_t		 i, w, pad;

	for (i = 0; i < p->ncols; i++) {
		s = cells[i] != NULL ? cells[i] : "NULL";
		w = util_width(s);
		pad = p->widths[i] > w ? p->widths[i] - w : 0;
		if (p->kinds[i] != SQL_KIND_STRING)
			while (pad-- > 0)
				putc_unlocked(' ', p->f);
		fputs(s, p->f);
		if (i + 1 < p->ncols) {
			if (p->kinds[i] == SQL_KIND_STRING)
				while (pad-- > 0)
					putc_unlocked(' ', p->f);
			fputs("  ", p->f);
		}
	}
	putc_unlocked('\n', p->f);
}

/* The widths from the buffered rows; then the header and those rows go out. */
static void
sql_print_table_flush(struct sql_print *p)
{
	size_t	r, i, w;

	if (p->measured || p->ncols == 0)
		return;
	p->measured = 1;
	p->widths = xcalloc(p->ncols, sizeof *p->widths);
	for (i = 0; i < p->ncols; i++)
		p->widths[i] = util_width(p->names[i]);
	for (r = 0; r < p->nbuffered; r++) {
		for (i = 0; i < p->ncols; i++) {
			const char *s = p->cells[r * p->ncols + i];

			w = util_width(s != NULL ? s : "NULL");
			if (w > p->widths[i])
				p->widths[i] = w;
		}
	}
	sql_print_table_line(p, p->names);
	for (r = 0; r < p->nbuffered; r++) {
		sql_print_table_line(p, &p->cells[r * p->ncols]);
		for (i = 0; i < p->ncols; i++)
			free(p->cells[r * p->ncols + i]);
	}
	free(p->cells);
	p->cells = NULL;
	p->nbuffered = 0;
}

static void
sql_print_table_row(struct sql_print *p, const struct ch_row *row)
{
	char	**cells;
	size_t	  i;

	if (!p->measured) {
		if (p->cells == NULL)
			p->cells = xcalloc(SQL_PRINT_TABLE_ROWS * p->ncols, sizeof *p->cells);
		cells = &p->cells[p->nbuffered++ * p->ncols];
		for (i = 0; i < p->ncols; i++)
			cells[i] = sql_print_cell(row->fields[i], row->lens[i]);
		if (p->nbuffered == SQL_PRINT_TABLE_ROWS)
			sql_print_table_flush(p);
		return;
	}
	cells = xcalloc(p->ncols, sizeof *cells);
	for (i = 0; i < p->ncols; i++)
		cells[i] = sql_print_cell(row->fields[i], row->lens[i]);
	sql_print_table_line(p, cells);
	for (i = 0; i < p->ncols; i++)
		free(cells[i]);
	free(cells);
}

void
sql_print_row(struct sql_print *p, const struct ch_row *row)
{
	FILE	*f = p->f;
	size_t	 i;

	if (row->n != p->ncols)
		return;
	switch (p->format) {
	case SQL_PRINT_TSV:
		for (i = 0; i < row->n; i++) {
			if (i != 0)
				putc_unlocked('\t', f);
			sql_print_tsv_field(f, row->fields[i], row->lens[i]);
		}
		putc_unlocked('\n', f);
		break;
	case SQL_PRINT_CSV:
		for (i = 0; i < row->n; i++) {
			if (i != 0)
				putc_unlocked(',', f);
			sql_print_csv_field(f, row->fields[i], row->lens[i]);
		}
		putc_unlocked('\n', f);
		break;
	case SQL_PRINT_JSON:
		fputs(p->rows == 0 ? "\n{" : ",\n{", f);
		for (i = 0; i < row->n; i++) {
			if (i != 0)
				putc_unlocked(',', f);
			sql_print_json_string(f, p->names[i], strlen(p->names[i]));
			putc_unlocked(':', f);
			if (row->fields[i] == NULL)
				fputs("null", f);
			else if (p->kinds[i] == SQL_KIND_NUMBER &&
			    sql_json_number_ok(row->fields[i], row->lens[i]))
				fwrite_unlocked(row->fields[i], 1, row->lens[i], f);
			else
				sql_print_json_string(f, row->fields[i], row->lens[i]);
		}
		putc_unlocked('}', f);
		break;
	case SQL_PRINT_TABLE:
		sql_print_table_row(p, row);
		break;
	}
	p->rows++;
}

void
sql_print_end(struct sql_print *p)
{
	if (!p->header_done)
		return;
	if (p->format == SQL_PRINT_JSON)
		fputs(p->rows == 0 ? "]\n" : "\n]\n", p->f);
	else if (p->format == SQL_PRINT_TABLE)
		sql_print_table_flush(p);
	p->header_done = 0;
}

void
sql_print_free(struct sql_print *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; p->cells != NULL && i < p->nbuffered * p->ncols; i++)
		free(p->cells[i]);
	free(p->cells);
	for (i = 0; i < p->ncols; i++)
		free(p->names[i]);
	free(p->names);
	free(p->kinds);
	free(p->widths);
	free(p);
}

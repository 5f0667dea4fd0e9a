/*
 * Rows of a ClickHouse result written as they come. TSV re-escapes every
 * field exactly as ClickHouse's TabSeparated output does, so the bytes are
 * those of clickhouse-client; the table buffers only its first rows.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#define SQL_PRINT_BUF	65536	/* bytes gathered before one write(2) */

struct sql_print {
	int			 fd;
	char			*ob;		/* output not yet written */
	size_t			 olen;
	int			 failed;	/* a write failed: EPIPE, disk full */
	enum sql_print_format	 format;
	size_t			 ncols;
	char			**names;	/* owned */
	enum sql_kind		*kinds;
	int			*raw;		/* Array, Tuple, Map: the server's text */
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
	fflush(f);
	p->fd = fileno(f);
	p->ob = xmalloc(SQL_PRINT_BUF);
	p->format = format;
	return (p);
}

/* Writes n bytes, going on after signals; a failure sticks. */
static void
sql_write(struct sql_print *p, const char *s, size_t len)
{
	ssize_t	n;

	while (len > 0 && !p->failed) {
		if ((n = write(p->fd, s, len)) < 0) {
			if (errno != EINTR && errno != EAGAIN)
				p->failed = 1;
			continue;
		}
		s += n;
		len -= (size_t)n;
	}
}

/* Writes what is gathered; 0, or -1 once a write has failed. */
int
sql_print_flush(struct sql_print *p)
{
	sql_write(p, p->ob, p->olen);
	p->olen = 0;
	return (p->failed ? -1 : 0);
}

/* Room for n more bytes in the buffer, when they fit at all. */
static int
sql_room(struct sql_print *p, size_t n)
{
	if (p->olen + n > SQL_PRINT_BUF)
		sql_print_flush(p);
	return (n <= SQL_PRINT_BUF);
}

static void
sql_out(struct sql_print *p, const void *s, size_t n)
{
	if (sql_room(p, n)) {
		memcpy(p->ob + p->olen, s, n);
		p->olen += n;
		return;
	}
	sql_print_flush(p);
	sql_write(p, s, n);	/* larger than the buffer: straight out */
}

static void
sql_outc(struct sql_print *p, char c)
{
	if (p->olen == SQL_PRINT_BUF)
		sql_print_flush(p);
	p->ob[p->olen++] = c;
}

static void
sql_outs(struct sql_print *p, const char *s)
{
	sql_out(p, s, strlen(s));
}

int
sql_print_failed(const struct sql_print *p)
{
	return (p->failed);
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

/* Arrays, tuples and maps come as text that TSV does not escape again. */
static int
sql_print_composite(const char *type)
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

/* What ClickHouse's writeEscapedString writes for each byte; NULL = as is. */

/* The escape letter for each byte ClickHouse escapes in TSV, else 0. */
static const char sql_tsv_letter[256] = {
	['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\0'] = '0',
	['\b'] = 'b', ['\f'] = 'f', ['\r'] = 'r', ['\''] = '\'',
};

static void
sql_print_tsv_field(struct sql_print *p, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s, *end;
	char			*o;
	size_t			 chunk;

	if (s == NULL) {
		sql_out(p, "\\N", 2);
		return;
	}
	/* At most twice its length, a buffer's worth at a time. */
	while (len > 0) {
		chunk = len < SQL_PRINT_BUF / 2 ? len : SQL_PRINT_BUF / 2;
		sql_room(p, chunk * 2);
		o = p->ob + p->olen;
		for (end = u + chunk; u < end; u++) {
			if (sql_tsv_letter[*u] != 0) {
				*o++ = '\\';
				*o++ = sql_tsv_letter[*u];
			} else
				*o++ = (char)*u;
		}
		p->olen = (size_t)(o - p->ob);
		len -= chunk;
	}
}

static void
sql_print_csv_field(struct sql_print *p, const char *s, size_t len)
{
	size_t	i;

	if (s == NULL)
		return;
	if (len != 0 && strpbrk(s, ",\"\r\n") == NULL && memchr(s, '\0', len) == NULL &&
	    s[0] != ' ' && s[len - 1] != ' ') {
		sql_out(p, s, len);
		return;
	}
	if (len == 0)
		return;
	sql_outc(p, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			sql_outc(p, '"');
		sql_outc(p, s[i]);
	}
	sql_outc(p, '"');
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
sql_print_json_string(struct sql_print *p, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, n;
	char			 hex[8];

	sql_outc(p, '"');
	while (i < len) {
		if (u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' && u[i] != '\\') {
			sql_outc(p, u[i++]);
			continue;
		}
		if (u[i] < 0x80) {
			switch (u[i]) {
			case '"':
				sql_outs(p, "\\\"");
				break;
			case '\\':
				sql_outs(p, "\\\\");
				break;
			case '\n':
				sql_outs(p, "\\n");
				break;
			case '\t':
				sql_outs(p, "\\t");
				break;
			case '\r':
				sql_outs(p, "\\r");
				break;
			default:
				snprintf(hex, sizeof hex, "\\u%04x", u[i]);
				sql_outs(p, hex);
				break;
			}
			i++;
			continue;
		}
		if ((n = sql_utf8_len(u + i, len - i)) == 0) {
			sql_outs(p, "\xef\xbf\xbd");
			i++;
			continue;
		}
		sql_out(p, u + i, n);
		i += n;
	}
	sql_outc(p, '"');
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
	p->raw = xcalloc(n, sizeof *p->raw);
	for (i = 0; i < n; i++) {
		p->names[i] = xstrdup(cols[i].name);
		p->kinds[i] = sql_print_kind(cols[i].type);
		p->raw[i] = sql_print_composite(cols[i].type);
	}
	if (p->format == SQL_PRINT_CSV) {
		for (i = 0; i < n; i++) {
			if (i != 0)
				sql_outc(p, ',');
			sql_print_csv_field(p, p->names[i], strlen(p->names[i]));
		}
		sql_outc(p, '\n');
	} else if (p->format == SQL_PRINT_JSON)
		sql_outs(p, "[");
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
				sql_outc(p, ' ');
		sql_outs(p, s);
		if (i + 1 < p->ncols) {
			if (p->kinds[i] == SQL_KIND_STRING)
				while (pad-- > 0)
					sql_outc(p, ' ');
			sql_outs(p, "  ");
		}
	}
	sql_outc(p, '\n');
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
	size_t	 i;

	if (row->n != p->ncols)
		return;
	switch (p->format) {
	case SQL_PRINT_TSV:
		/* The server's own escaping is ClickHouse's TSV: the bytes as they came. */
		if (row->raw != NULL) {
			sql_out(p, row->raw, row->rawlen);
			sql_outc(p, '\n');
			break;
		}
		for (i = 0; i < row->n; i++) {
			if (i != 0)
				sql_outc(p, '\t');
			if (p->raw[i] && row->fields[i] != NULL)
				sql_out(p, row->fields[i], row->lens[i]);
			else
				sql_print_tsv_field(p, row->fields[i], row->lens[i]);
		}
		sql_outc(p, '\n');
		break;
	case SQL_PRINT_CSV:
		for (i = 0; i < row->n; i++) {
			if (i != 0)
				sql_outc(p, ',');
			sql_print_csv_field(p, row->fields[i], row->lens[i]);
		}
		sql_outc(p, '\n');
		break;
	case SQL_PRINT_JSON:
		sql_outs(p, p->rows == 0 ? "\n{" : ",\n{");
		for (i = 0; i < row->n; i++) {
			if (i != 0)
				sql_outc(p, ',');
			sql_print_json_string(p, p->names[i], strlen(p->names[i]));
			sql_outc(p, ':');
			if (row->fields[i] == NULL)
				sql_outs(p, "null");
			else if (p->kinds[i] == SQL_KIND_NUMBER &&
			    sql_json_number_ok(row->fields[i], row->lens[i]))
				sql_out(p, row->fields[i], row->lens[i]);
			else
				sql_print_json_string(p, row->fields[i], row->lens[i]);
		}
		sql_outc(p, '}');
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
	if (!p->header_done) {
		sql_print_flush(p);
		return;
	}
	if (p->format == SQL_PRINT_JSON)
		sql_outs(p, p->rows == 0 ? "]\n" : "\n]\n");
	else if (p->format == SQL_PRINT_TABLE)
		sql_print_table_flush(p);
	p->header_done = 0;
	sql_print_flush(p);
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
	free(p->raw);
	free(p->widths);
	free(p->ob);
	free(p);
}

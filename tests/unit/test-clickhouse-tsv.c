/*
 * Unit tests for the TabSeparatedWithNamesAndTypes parser: every escape,
 * \N, every chunk boundary, long values, a trailing exception, malformed
 * input; and the TSV printer giving back the server's exact bytes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/clickhouse.h"
#include "core/buf.h"
#include "core/xmalloc.h"
#include "plugins/clickhouse/sql-print.h"
#include "tests/unit/tap.h"

/* What the parser delivered, as one comparable string. */
static void
rec_header(const struct ch_column *cols, size_t n, void *arg)
{
	struct buf	*b = arg;
	size_t		 i;

	buf_adds(b, "H");
	for (i = 0; i < n; i++)
		buf_printf(b, "[%s:%s]", cols[i].name, cols[i].type);
	buf_addc(b, '\n');
}

static void
rec_row(const struct ch_row *row, void *arg)
{
	struct buf	*b = arg;
	size_t		 i, j;

	buf_adds(b, "R");
	for (i = 0; i < row->n; i++) {
		if (row->fields[i] == NULL) {
			buf_adds(b, "<NULL>");
			continue;
		}
		if (row->fields[i][row->lens[i]] != '\0')
			buf_adds(b, "<NOTNUL>");
		buf_addc(b, '[');
		for (j = 0; j < row->lens[i]; j++) {
			if (row->fields[i][j] == '\0')
				buf_adds(b, "<0>");
			else
				buf_addc(b, row->fields[i][j]);
		}
		buf_addc(b, ']');
	}
	buf_addc(b, '\n');
}

static const struct ch_callbacks rec_callbacks = {
	.header = rec_header,
	.row = rec_row,
};

/* Feeds input in pieces of at most step bytes, the first one first bytes long. */
static char *
run(const char *in, size_t len, size_t first, size_t step)
{
	struct buf	 b;
	struct ch_tsv	*t;
	char		*cause = NULL;
	size_t		 off = 0, n;
	int		 rc = 0;

	buf_init(&b);
	t = ch_tsv_new(&rec_callbacks, &b);
	while (off < len && rc == 0) {
		n = off == 0 ? first : step;
		if (n > len - off)
			n = len - off;
		rc = ch_tsv_feed(t, in + off, n, &cause);
		off += n;
	}
	if (rc == 0)
		rc = ch_tsv_end(t, &cause);
	if (rc == 0)
		buf_adds(&b, "END OK");
	else
		buf_printf(&b, "END ERR %s", cause);
	free(cause);
	ch_tsv_free(t);
	return (buf_steal(&b));
}

static char *
run_s(const char *in)
{
	return (run(in, strlen(in), strlen(in), strlen(in)));
}

/* The same result whatever the chunk boundaries: each split point, and byte by byte. */
static void
check_splits(const char *name, const char *in, size_t len, const char *want)
{
	char	*got;
	size_t	 i;
	int	 bad = 0;

	for (i = 0; i <= len && !bad; i++) {
		got = run(in, len, i == 0 ? len : i, len);
		if (strcmp(got, want) != 0) {
			printf("# split at %zu:\n# got  %s\n# want %s\n", i, got, want);
			bad = 1;
		}
		free(got);
	}
	got = run(in, len, 1, 1);
	if (!bad && strcmp(got, want) != 0) {
		printf("# byte by byte:\n# got  %s\n# want %s\n", got, want);
		bad = 1;
	}
	free(got);
	ok(!bad, "%s: the same at every chunk boundary", name);
}

static void
test_escapes(void)
{
	static const char in[] =
	    "s\tn\ta\n"
	    "String\tNullable(String)\tArray(String)\n"
	    "a\\\\b\\tc\\nd\\0e\\bf\\fg\\rh\\'i\\\"j\\ak\\vl\\em\\x41\\xzz\t\\N\t['a\\tb','c\\'d']\n"
	    "\t\\\\N\t[]\n"
	    "N\\N\t\t\n";
	static const char want[] =
	    "H[s:String][n:Nullable(String)][a:Array(String)]\n"
	    "R[a\\b\tc\nd<0>e\bf\fg\rh'i\"j\ak\vl\033mAxzz]<NULL>[['a\\tb','c\\'d']]\n"
	    "R[][\\N][[]]\n"
	    "R[NN][][]\n"
	    "END OK";
	char	*got;

	got = run_s(in);
	is_str(got, want, "every escape undone; \\N alone is NULL; arrays keep the server's text");
	free(got);
	check_splits("escapes", in, sizeof in - 1, want);
}

static void
test_shapes(void)
{
	char	*got;

	got = run_s("");
	is_str(got, "END OK", "an empty body (INSERT, SET) is a complete result");
	free(got);
	got = run_s("a\tb\nUInt8\tString\n");
	is_str(got, "H[a:UInt8][b:String]\nEND OK", "no rows: the header alone");
	free(got);
	got = run_s("a\nUInt8\n1\n2");
	is_str(got, "H[a:UInt8]\nR[1]\nEND ERR the stream ended inside line 4",
	    "a stream cut inside a row is an error");
	free(got);
	got = run_s("a\tb\n");
	is_str(got, "END ERR the stream ended after the names row", "names without types");
	free(got);
	got = run_s("a\tb\nUInt8\n");
	ok(strstr(got, "END ERR line 2: 1 types for 2 columns") != NULL,
	    "types must match the names");
	free(got);
	got = run_s("a\tb\nUInt8\tUInt8\n1\t2\t3\n");
	ok(strstr(got, "END ERR line 3: 3 fields, expected 2") != NULL,
	    "a row with too many fields is malformed");
	free(got);
	got = run_s("a\nString\nx\\\n");
	ok(strstr(got, "END ERR line 3: a backslash at the end") != NULL,
	    "a dangling backslash is malformed");
	free(got);
	got = run_s("a\tb\nString\tString\nx\t\n");
	is_str(got, "H[a:String][b:String]\nR[x][]\nEND OK", "a trailing tab is an empty field");
	free(got);
}

static void
test_exceptions(void)
{
	static const char old[] = "n\nUInt64\n1\n2\nCode: 395, e.displayText() = "
	    "DB::Exception: Value passed to 'throwIf' function is non zero, e.what() = "
	    "DB::Exception\n";
	static const char new[] = "n\tm\nUInt64\tString\n1\tx\nCode: 395. DB::Exception: "
	    "Value passed to 'throwIf' function is non zero. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO) "
	    "(version 24.3.2.23 (official build))\n";
	static const char mid[] = "n\tm\nUInt64\tString\n1\tx\n2\tyyCode: 241. DB::Exception: "
	    "Memory limit exceeded";
	static const char framed[] = "n\nUInt64\n1\n__exception__\r\nCode: 60. DB::Exception: "
	    "Unknown table\n42 abcdefgh\r\n__exception__\n";
	static const char data[] = "s\nString\nCode: 1 is a string\nmore\n";
	char	*got;

	got = run_s(old);
	is_str(got, "H[n:UInt64]\nR[1]\nR[2]\nEND ERR Code: 395, e.displayText() = "
	    "DB::Exception: Value passed to 'throwIf' function is non zero, e.what() = "
	    "DB::Exception", "18.16's exception after rows is an error, not a short result");
	check_splits("old exception", old, sizeof old - 1, got);
	free(got);
	got = run_s(new);
	ok(strstr(got, "END ERR Code: 395. DB::Exception: Value passed") != NULL &&
	    strstr(got, "R[1][x]\n") != NULL, "a current release's exception too");
	free(got);
	got = run_s(mid);
	ok(strstr(got, "END ERR Code: 241. DB::Exception: Memory limit exceeded") != NULL,
	    "an exception after half a row, without a newline");
	check_splits("mid-row exception", mid, sizeof mid - 1, got);
	free(got);
	got = run_s(framed);
	ok(strncmp(got, "H[n:UInt64]\nR[1]\nEND ERR Code: 60. DB::Exception: Unknown table",
	    60) == 0, "the __exception__ framing of recent releases");
	free(got);
	got = run_s(data);
	is_str(got, "H[s:String]\nR[Code: 1 is a string]\nR[more]\nEND OK",
	    "a row that only looks like an exception is data when more follows");
	free(got);
	got = run_s("Code: 516. DB::Exception: default: Authentication failed\n");
	is_str(got, "END ERR Code: 516. DB::Exception: default: Authentication failed",
	    "an exception before any header");
	free(got);
}

static void
test_long(void)
{
	struct buf	 in, want;
	char		*got;
	size_t		 i;

	buf_init(&in);
	buf_init(&want);
	buf_adds(&in, "v\tn\nString\tUInt8\n");
	buf_adds(&want, "H[v:String][n:UInt8]\nR[");
	for (i = 0; i < 3 * 1024 * 1024; i++) {
		buf_addc(&in, i % 1000 == 999 ? '\\' : 'x');
		if (i % 1000 == 999) {
			buf_addc(&in, 't');
			buf_addc(&want, '\t');
		} else
			buf_addc(&want, 'x');
	}
	buf_adds(&in, "\t7\n");
	buf_adds(&want, "][7]\nEND OK");
	got = run(in.data, in.len, 100, 16384);
	ok(strcmp(got, want.data) == 0, "a 3 MiB value across 16 KiB chunks");
	free(got);
	got = run(in.data, in.len, in.len, in.len);
	ok(strcmp(got, want.data) == 0, "a 3 MiB value in one chunk");
	free(got);
	buf_free(&in);
	buf_free(&want);
}

static void
test_version(void)
{
	is_int(ch_version_number("18.16.1.54405"), 18016001L, "18.16.1");
	is_int(ch_version_number("24.3.2.23\n"), 24003002L, "24.3.2");
	ok(ch_version_number("18.16.1") < ch_version_number("19.1.0"), "versions compare");
	is_int(ch_version_number("garbage"), 0, "garbage is 0");
	is_int(ch_version_number(NULL), 0, "NULL is 0");
}

/* The printer's row callback, for the round trip. */
static void
print_header(const struct ch_column *cols, size_t n, void *arg)
{
	sql_print_header(arg, cols, n);
}

static int	print_no_raw;	/* make the printer re-escape the fields */

static void
print_row(const struct ch_row *row, void *arg)
{
	struct ch_row	r = *row;

	if (print_no_raw)
		r.raw = NULL;
	sql_print_row(arg, &r);
}

static void
test_roundtrip(int no_raw)
{
	/* Data rows as ClickHouse 18.16 writes them (see tests/lab/sql.sh). */
	static const char body[] =
	    "f\ta\tt\tn\tb\n"
	    "String\tArray(String)\tTuple(String, Nullable(UInt8))\tNullable(String)\tString\n"
	    "a\\\\b\\nc\\0\\b\\f\\r\\'\\t\t['a\\tb','q\\'\\\\']\t('x\\ny',NULL)\t\\N\t\xc3\xa9\x01\x7f\x07\n"
	    "\t[]\t('',1)\tx\t\n";
	const char	*rows = strchr(strchr(body, '\n') + 1, '\n') + 1;
	struct ch_callbacks cb = { .header = print_header, .row = print_row };
	struct sql_print *p;
	struct ch_tsv	*t;
	FILE		*f;
	char		 out[1024], *cause = NULL;
	size_t		 n;

	if ((f = tmpfile()) == NULL) {
		ok(0, "tmpfile");
		return;
	}
	print_no_raw = no_raw;
	p = sql_print_new(f, SQL_PRINT_TSV);
	t = ch_tsv_new(&cb, p);
	ok(ch_tsv_feed(t, body, sizeof body - 1, &cause) == 0 && ch_tsv_end(t, &cause) == 0,
	    "the round trip's input parses");
	sql_print_end(p);
	ch_tsv_free(t);
	sql_print_free(p);
	rewind(f);
	n = fread(out, 1, sizeof out, f);
	fclose(f);
	ok(n == strlen(rows) && memcmp(out, rows, n) == 0,
	    "tsv output gives back the server's bytes (%s)", no_raw ? "re-escaped fields" :
	    "the raw line");
	free(cause);
}

int
main(void)
{
	test_escapes();
	test_shapes();
	test_exceptions();
	test_long();
	test_version();
	test_roundtrip(0);
	test_roundtrip(1);
	return (tap_done());
}

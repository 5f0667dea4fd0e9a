/*
 * libFuzzer target for the ClickHouse TSV parser: any bytes, cut anywhere,
 * must give the same rows and the same outcome as in one piece, and never
 * a crash, a leak or a read out of bounds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/clickhouse.h"
#include "core/buf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_header(const struct ch_column *cols, size_t n, void *arg)
{
	struct buf	*b = arg;
	size_t		 i;

	for (i = 0; i < n; i++)
		buf_printf(b, "%s:%s|", cols[i].name, cols[i].type);
	buf_addc(b, '\n');
}

static void
fuzz_row(const struct ch_row *row, void *arg)
{
	struct buf	*b = arg;
	size_t		 i;

	for (i = 0; i < row->n; i++) {
		if (row->fields[i] == NULL)
			buf_adds(b, "<N>");
		else {
			if (row->fields[i][row->lens[i]] != '\0')
				abort();
			buf_add(b, row->fields[i], row->lens[i]);
		}
		buf_addc(b, '|');
	}
	buf_addc(b, '\n');
}

static const struct ch_callbacks fuzz_callbacks = {
	.header = fuzz_header,
	.row = fuzz_row,
};

/* Parse in pieces of step bytes; the record ends with the outcome. */
static void
fuzz_run(const char *data, size_t len, size_t step, struct buf *b)
{
	struct ch_tsv	*t;
	char		*cause = NULL;
	size_t		 off, n;
	int		 rc = 0;

	t = ch_tsv_new(&fuzz_callbacks, b);
	for (off = 0; off < len && rc == 0; off += n) {
		n = len - off < step ? len - off : step;
		rc = ch_tsv_feed(t, data + off, n, &cause);
	}
	if (rc == 0)
		rc = ch_tsv_end(t, &cause);
	if ((rc != 0) != (cause != NULL))
		abort();
	buf_printf(b, "rc=%d %s", rc, cause != NULL ? cause : "");
	free(cause);
	ch_tsv_free(t);
}

/* The first byte picks the chunk size of the second run. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 whole, cut;
	size_t		 step;

	if (size == 0)
		return (0);
	step = (size_t)data[0] % 17 + 1;
	buf_init(&whole);
	buf_init(&cut);
	fuzz_run((const char *)data + 1, size - 1, size, &whole);
	fuzz_run((const char *)data + 1, size - 1, step, &cut);
	/* Line numbers in messages may differ only if the parse failed the same way. */
	if (whole.len != cut.len || (whole.len != 0 && memcmp(whole.data, cut.data, whole.len) != 0))
		abort();
	buf_free(&whole);
	buf_free(&cut);
	return (0);
}

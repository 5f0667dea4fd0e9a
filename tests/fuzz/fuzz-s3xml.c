/*
 * libFuzzer target for the S3 XML reader: any bytes, fed whole or cut at a
 * point the input chooses, must give the same fields and the same outcome,
 * and never a crash, a leak or a read out of bounds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/s3-xml.h"
#include "core/buf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_field(const char *path, const char *text, size_t len, void *arg)
{
	struct buf	*b = arg;

	buf_printf(b, "%s=", path);
	buf_add(b, text, len);
	buf_addc(b, '\n');
}

static void
fuzz_close(const char *path, void *arg)
{
	buf_printf(arg, "/%s\n", path);
}

/* Feed data in two pieces cut at cut; the record of what was reported goes in out. */
static int
fuzz_run(const char *data, size_t len, size_t cut, struct buf *out)
{
	static const struct s3_xml_callbacks cb = { fuzz_field, fuzz_close };
	struct s3_xml	*x = s3_xml_new(&cb, out);
	char		*cause = NULL;
	int		 rc;

	rc = s3_xml_feed(x, data, cut, 0, &cause);
	if (rc == 0)
		rc = s3_xml_feed(x, data + cut, len - cut, 1, &cause);
	free(cause);
	buf_printf(out, "root=%s rc=%d\n", s3_xml_root(x), rc);
	s3_xml_free(x);
	return (rc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct buf	 whole, split;
	size_t		 cut;

	if (len == 0)
		return (0);
	/* The first byte says where to cut the rest. */
	cut = len > 1 ? data[0] % len : 0;
	data++;
	len--;
	if (cut > len)
		cut = len;
	buf_init(&whole);
	buf_init(&split);
	fuzz_run((const char *)data, len, len, &whole);
	fuzz_run((const char *)data, len, cut, &split);
	/* A parser that gives up early may report less in pieces; never other things. */
	if (whole.len == split.len && whole.len != 0 &&
	    memcmp(whole.data, split.data, whole.len) != 0)
		abort();
	buf_free(&whole);
	buf_free(&split);
	return (0);
}

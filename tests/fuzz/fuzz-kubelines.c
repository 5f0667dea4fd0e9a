/*
 * libFuzzer target for the watch line splitter: any bytes, fed whole or cut
 * at a point the input chooses, must give the same lines and outcome.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/kube-int.h"
#include "core/buf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_line(const char *p, size_t len, void *arg)
{
	buf_add(arg, p, len);
	buf_addc(arg, '\n');
	return (0);
}

/* Feeds data in pieces cut at cut and then every step bytes. */
static int
fuzz_run(const char *data, size_t len, size_t cut, size_t step, struct buf *out)
{
	struct kube_lines	 l;
	size_t			 off, n;
	int			 rc = 0;

	kube_lines_init(&l, 4096);
	if (kube_lines_feed(&l, data, cut, fuzz_line, out) != 0)
		rc = -1;
	for (off = cut; rc == 0 && off < len; off += n) {
		n = len - off < step ? len - off : step;
		if (kube_lines_feed(&l, data + off, n, fuzz_line, out) != 0)
			rc = -1;
	}
	if (rc == 0 && l.buf.len > 0)
		buf_add(out, l.buf.data, l.buf.len);
	kube_lines_clear(&l);
	return (rc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct buf	 a, b;
	size_t		 cut, step;
	int		 ra, rb;

	if (len < 2)
		return (0);
	cut = data[0] % (len - 1);
	step = 1 + data[1] % 17;
	data += 2;
	len -= 2;
	buf_init(&a);
	buf_init(&b);
	ra = fuzz_run((const char *)data, len, len, 1, &a);
	rb = fuzz_run((const char *)data, len, cut < len ? cut : len, step, &b);
	if (ra != rb || (ra == 0 && (a.len != b.len ||
	    (a.len > 0 && memcmp(a.data, b.data, a.len) != 0))))
		abort();
	buf_free(&a);
	buf_free(&b);
	return (0);
}

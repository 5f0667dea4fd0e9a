/*
 * A watch is one JSON object per line, but the chunks the server sends and
 * the pieces curl hands us fall anywhere: this cuts the stream into lines.
 */
#include "config.h"

#include <string.h>

#include "backends/kube-int.h"

/* An empty splitter that refuses lines longer than max. */
void
kube_lines_init(struct kube_lines *l, size_t max)
{
	buf_init(&l->buf);
	l->max = max;
}

/* Drops a partial line, for a stream that ended or restarts. */
void
kube_lines_clear(struct kube_lines *l)
{
	buf_free(&l->buf);
	buf_init(&l->buf);
}

/* One line without its CR; empty lines (keep-alives) are skipped. */
static int
kube_lines_emit(const char *p, size_t len, kube_line_cb cb, void *arg)
{
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len == 0)
		return (0);
	return (cb(p, len, arg));
}

/* Most chunks hold whole lines: only the tail is copied. */
int
kube_lines_feed(struct kube_lines *l, const char *data, size_t len,
    kube_line_cb cb, void *arg)
{
	const char	*nl, *end = data + len;

	while (data < end && (nl = memchr(data, '\n', end - data)) != NULL) {
		if (l->buf.len > 0) {
			if (l->buf.len + (nl - data) > l->max)
				return (-1);
			buf_add(&l->buf, data, nl - data);
			if (kube_lines_emit(l->buf.data, l->buf.len, cb, arg) != 0)
				return (-1);
			buf_reset(&l->buf);
		} else if ((size_t)(nl - data) > l->max)
			return (-1);
		else if (kube_lines_emit(data, nl - data, cb, arg) != 0)
			return (-1);
		data = nl + 1;
	}
	if (data < end) {
		if (l->buf.len + (end - data) > l->max)
			return (-1);
		buf_add(&l->buf, data, end - data);
	}
	return (0);
}

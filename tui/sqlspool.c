/*
 * The spool of a query result. Each row is a varint of its length, then per
 * field a varint of length + 1 (0 for NULL) and the bytes. Writes go through
 * a buffer; a read flushes it first and preads from the nearest indexed row.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "core/xmalloc.h"
#include "tui/sqlspool.h"

#define SQLSPOOL_STRIDE	64		/* rows per index entry */
#define SQLSPOOL_WBUF	(256 * 1024)	/* bytes buffered before a write */

struct sqlspool {
	int		 fd;		/* the unlinked file */
	size_t		 nfields;
	uint64_t	 nrows;
	uint64_t	 size;		/* bytes in the file and in wbuf */
	uint64_t	*index;		/* owned: offset of row i * STRIDE */
	size_t		 nindex;
	size_t		 indexcap;
	char		*wbuf;		/* owned: bytes not yet written */
	size_t		 wlen;
	char		*row;		/* owned: the row being encoded */
	size_t		 rowcap;
};

/* A spool lives in an unlinked file, so nothing is left if the console dies. */
struct sqlspool *
sqlspool_new(const char *dir, size_t nfields, char **cause)
{
	struct sqlspool	*s;
	char		*path;
	int		 fd;

	util_mkdir_p(dir, 0700);
	path = xprintf("%s/sql-spool.XXXXXX", dir);
	if ((fd = mkstemp(path)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(path);
		return (NULL);
	}
	unlink(path);
	free(path);
	s = xcalloc(1, sizeof *s);
	s->fd = fd;
	s->nfields = nfields;
	s->wbuf = xmalloc(SQLSPOOL_WBUF);
	return (s);
}

void
sqlspool_free(struct sqlspool *s)
{
	if (s == NULL)
		return;
	close(s->fd);
	free(s->index);
	free(s->wbuf);
	free(s->row);
	free(s);
}

/* Write what is buffered; a short write is the disk being full. */
static int
sqlspool_flush(struct sqlspool *s, char **cause)
{
	size_t	done = 0;
	ssize_t	n;

	while (done < s->wlen) {
		n = pwrite(s->fd, s->wbuf + done, s->wlen - done,
		    (off_t)(s->size - s->wlen + done));
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			xasprintf(cause, "spool: %s", n == 0 ? "short write" : strerror(errno));
			return (-1);
		}
		done += (size_t)n;
	}
	s->wlen = 0;
	return (0);
}

static size_t
sqlspool_varint(char *out, uint64_t v)
{
	size_t	n = 0;

	while (v >= 0x80) {
		out[n++] = (char)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (char)v;
	return (n);
}

/* Read a varint; 0 when it runs past end. */
static size_t
sqlspool_unvarint(const char *p, const char *end, uint64_t *v)
{
	size_t	n = 0;
	int	shift = 0;

	*v = 0;
	while (p + n < end && shift < 64) {
		*v |= (uint64_t)((unsigned char)p[n] & 0x7f) << shift;
		if (!((unsigned char)p[n++] & 0x80))
			return (n);
		shift += 7;
	}
	return (0);
}

static void
sqlspool_row_room(struct sqlspool *s, size_t need)
{
	if (need <= s->rowcap)
		return;
	s->rowcap = need + need / 2;
	s->row = xrealloc(s->row, s->rowcap);
}

int
sqlspool_add(struct sqlspool *s, const char *const *fields, const size_t *lens,
    size_t nfields, char **cause)
{
	char	 head[10];
	size_t	 i, len = 0, hl;

	sqlspool_row_room(s, nfields * 10);
	for (i = 0; i < s->nfields; i++) {
		if (i >= nfields || fields[i] == NULL) {
			s->row[len++] = 0;
			continue;
		}
		sqlspool_row_room(s, len + 10 + lens[i] + (nfields - i) * 10);
		len += sqlspool_varint(s->row + len, (uint64_t)lens[i] + 1);
		memcpy(s->row + len, fields[i], lens[i]);
		len += lens[i];
	}
	if (s->nrows % SQLSPOOL_STRIDE == 0) {
		if (s->nindex == s->indexcap) {
			s->indexcap = s->indexcap == 0 ? 1024 : s->indexcap * 2;
			s->index = xreallocarray(s->index, s->indexcap, sizeof *s->index);
		}
		s->index[s->nindex++] = s->size;
	}
	hl = sqlspool_varint(head, len);
	if (s->wlen + hl + len > SQLSPOOL_WBUF && sqlspool_flush(s, cause) != 0)
		return (-1);
	if (hl + len > SQLSPOOL_WBUF) {
		/* A huge row goes straight to the file. */
		memcpy(s->wbuf, head, hl);
		s->wlen = hl;
		s->size += hl;
		if (sqlspool_flush(s, cause) != 0)
			return (-1);
		if (pwrite(s->fd, s->row, len, (off_t)s->size) != (ssize_t)len) {
			xasprintf(cause, "spool: %s", strerror(errno));
			return (-1);
		}
		s->size += len;
	} else {
		memcpy(s->wbuf + s->wlen, head, hl);
		memcpy(s->wbuf + s->wlen + hl, s->row, len);
		s->wlen += hl + len;
		s->size += hl + len;
	}
	s->nrows++;
	return (0);
}

uint64_t
sqlspool_rows(const struct sqlspool *s)
{
	return (s != NULL ? s->nrows : 0);
}

uint64_t
sqlspool_bytes(const struct sqlspool *s)
{
	return (s != NULL ? s->size : 0);
}

size_t
sqlspool_fields(const struct sqlspool *s)
{
	return (s->nfields);
}

/* Decode the rows of one stretch of the file and hand over those asked for. */
static int
sqlspool_decode(struct sqlspool *s, const char *p, const char *end, uint64_t row,
    uint64_t from, uint64_t to, sqlspool_cb cb, void *arg, char **cause)
{
	struct sqlspool_row	 r;
	const char		**fields;
	size_t			 *lens, i, n;
	uint64_t		  len, flen;
	int			  rc = 0;

	fields = xcalloc(s->nfields + 1, sizeof *fields);
	lens = xcalloc(s->nfields + 1, sizeof *lens);
	for (; row < to && p < end; row++) {
		if ((n = sqlspool_unvarint(p, end, &len)) == 0 || len > (uint64_t)(end - p - n))
			goto corrupt;
		p += n;
		if (row < from) {
			p += len;
			continue;
		}
		const char *rend = p + len;
		for (i = 0; i < s->nfields; i++) {
			if ((n = sqlspool_unvarint(p, rend, &flen)) == 0 ||
			    (flen > 0 && flen - 1 > (uint64_t)(rend - p - n)))
				goto corrupt;
			p += n;
			fields[i] = flen == 0 ? NULL : p;
			lens[i] = flen == 0 ? 0 : (size_t)flen - 1;
			p += lens[i];
		}
		r.n = row;
		r.fields = fields;
		r.lens = lens;
		r.nfields = s->nfields;
		if (cb(&r, arg) != 0)
			break;
	}
	goto out;
corrupt:
	xasprintf(cause, "spool: row %llu is damaged", (unsigned long long)row);
	rc = -1;
out:
	free(fields);
	free(lens);
	return (rc);
}

int
sqlspool_read(struct sqlspool *s, uint64_t from, uint64_t n, sqlspool_cb cb, void *arg,
    char **cause)
{
	uint64_t	 to, start, stop, first;
	size_t		 got = 0, len;
	ssize_t		 r;
	char		*buf;
	int		 rc;

	if (from >= s->nrows || n == 0)
		return (0);
	to = from + n < s->nrows ? from + n : s->nrows;
	if (s->wlen != 0 && sqlspool_flush(s, cause) != 0)
		return (-1);
	first = from / SQLSPOOL_STRIDE;
	start = s->index[first];
	stop = (to + SQLSPOOL_STRIDE - 1) / SQLSPOOL_STRIDE < s->nindex ?
	    s->index[(to + SQLSPOOL_STRIDE - 1) / SQLSPOOL_STRIDE] : s->size;
	len = (size_t)(stop - start);
	buf = xmalloc(len + 1);
	while (got < len) {
		r = pread(s->fd, buf + got, len - got, (off_t)(start + got));
		if (r <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			xasprintf(cause, "spool: %s", r == 0 ? "short read" : strerror(errno));
			free(buf);
			return (-1);
		}
		got += (size_t)r;
	}
	rc = sqlspool_decode(s, buf, buf + len, first * SQLSPOOL_STRIDE, from, to, cb, arg,
	    cause);
	free(buf);
	return (rc);
}

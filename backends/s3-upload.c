/*
 * s3_put_file: one PUT for a small file, else a multipart upload that
 * resumes an unfinished upload of the same key (ListMultipartUploads, then
 * ListParts, then only the missing parts). One part in memory at a time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/s3-int.h"
#include "core/xmalloc.h"

#define S3_MIN_PART	(5ULL * 1024 * 1024)
#define S3_DEF_PART	(8ULL * 1024 * 1024)
#define S3_MAX_PARTS	10000

static void	s3_upload_part(struct s3_op *);
static void	s3_upload_list_parts(struct s3_op *);

/* Read [off, off+len) of the file; NULL and errno on a short read. */
static char *
s3_upload_read(struct s3_op *op, uint64_t off, size_t len)
{
	char	*p = xmalloc(len > 0 ? len : 1);
	size_t	 got = 0;
	ssize_t	 n;

	while (got < len) {
		n = pread(op->fd, p + got, len - got, (off_t)(off + got));
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			free(p);
			return (NULL);
		}
		got += (size_t)n;
	}
	return (p);
}

/* The file was sent in one PUT. */
static void
s3_upload_single_done(struct s3_op *op)
{
	op->count = op->fsize;
	op->cur.size = op->fsize;
	op->cur.key = xstrndup(op->key, op->keylen);
	op->cur.keylen = op->keylen;
	if (op->progress != NULL)
		op->progress(op->fsize, op->fsize, op->arg);
	s3_op_finish(op, S3_OK, NULL);
}

/* The fields of the multipart answers. */
static void
s3_upload_field(const char *path, const char *text, size_t len, void *arg)
{
	struct s3_op	*op = arg;
	char		*t;
	size_t		 n;

	if (strcmp(path, "UploadId") == 0 && op->upload_id == NULL)
		op->upload_id = xstrndup(text, len);
	else if (strcmp(path, "Upload/Key") == 0) {
		free(op->found_key);
		op->found_key = xstrndup(text, len);
	} else if (strcmp(path, "Upload/UploadId") == 0 && op->found_key != NULL &&
	    strlen(op->found_key) == op->keylen &&
	    memcmp(op->found_key, op->key, op->keylen) == 0) {
		free(op->upload_id);
		op->upload_id = xstrndup(text, len);
	} else if (strcmp(path, "Part/PartNumber") == 0) {
		t = xstrndup(text, len);
		op->cur_part = atoi(t);
		free(t);
	} else if (strcmp(path, "Part/Size") == 0 && op->cur_part >= 1 &&
	    (size_t)op->cur_part <= op->nparts) {
		t = xstrndup(text, len);
		if (strtoull(t, NULL, 10) == op->parts[op->cur_part - 1].size)
			op->parts[op->cur_part - 1].done |= 2;
		free(t);
	} else if (strcmp(path, "Part/ETag") == 0 && op->cur_part >= 1 &&
	    (size_t)op->cur_part <= op->nparts) {
		n = len < sizeof op->parts[0].etag - 1 ? len : sizeof op->parts[0].etag - 1;
		memcpy(op->parts[op->cur_part - 1].etag, text, n);
		op->parts[op->cur_part - 1].etag[n] = '\0';
		op->parts[op->cur_part - 1].done |= 4;
	} else if (strcmp(path, "IsTruncated") == 0)
		op->truncated = len == 4 && strncmp(text, "true", 4) == 0;
	else if (strcmp(path, "NextPartNumberMarker") == 0) {
		t = xstrndup(text, len);
		op->part_marker = atoi(t);
		free(t);
	} else if (strcmp(path, "Code") == 0) {
		free(op->code);
		op->code = xstrndup(text, len);
	} else if (strcmp(path, "Message") == 0) {
		free(op->message);
		op->message = xstrndup(text, len);
	}
}

static const struct s3_xml_callbacks s3_upload_cb = { s3_upload_field, NULL };

/* A new parser for the next answer. */
static void
s3_upload_xml(struct s3_op *op)
{
	s3_xml_free(op->xml);
	op->xml = s3_xml_new(&s3_upload_cb, op);
}

/* The upload is complete on the server. */
static void
s3_upload_complete_done(struct s3_op *op)
{
	s3_upload_single_done(op);
}

/* POST ?uploadId= with every part's number and ETag. */
static void
s3_upload_complete(struct s3_op *op)
{
	struct buf	 b;
	char		*q, *e;
	size_t		 i;

	buf_init(&b);
	buf_adds(&b, "<CompleteMultipartUpload>");
	for (i = 0; i < op->nparts; i++)
		buf_printf(&b, "<Part><PartNumber>%zu</PartNumber><ETag>%s</ETag></Part>",
		    i + 1, op->parts[i].etag);
	buf_adds(&b, "</CompleteMultipartUpload>");
	e = s3_encode(op->upload_id, strlen(op->upload_id), 0);
	q = xprintf("uploadId=%s", e);
	op->next = s3_upload_complete_done;
	s3_upload_xml(op);
	s3_op_send(op, "POST", op->bucket, op->key, op->keylen, q, b.data, b.len, NULL, 0);
	free(e);
	free(q);
	buf_free(&b);
}

/* A part is on the server: keep its ETag, go on. */
static void
s3_upload_part_done(struct s3_op *op)
{
	struct s3_part	*p = &op->parts[op->part_at];

	snprintf(p->etag, sizeof p->etag, "\"%s\"", op->cur.etag != NULL ? op->cur.etag : "");
	p->done = 1;
	op->count += p->size;
	if (op->progress != NULL)
		op->progress(op->count, op->fsize, op->arg);
	op->part_at++;
	s3_upload_part(op);
}

/* Send the next missing part, or complete. */
static void
s3_upload_part(struct s3_op *op)
{
	struct s3_part	*p;
	char		*data, *q, *e;

	while (op->part_at < op->nparts && op->parts[op->part_at].done)
		op->part_at++;
	if (op->part_at == op->nparts) {
		s3_upload_complete(op);
		return;
	}
	p = &op->parts[op->part_at];
	data = s3_upload_read(op, op->part_at * op->part_size, (size_t)p->size);
	if (data == NULL) {
		s3_op_finish(op, S3_ERR_LOCAL, "%s: %s", op->path, strerror(errno));
		return;
	}
	e = s3_encode(op->upload_id, strlen(op->upload_id), 0);
	q = xprintf("partNumber=%zu&uploadId=%s", op->part_at + 1, e);
	op->next = s3_upload_part_done;
	s3_xml_free(op->xml);
	op->xml = NULL;
	free((char *)op->cur.etag);
	op->cur.etag = NULL;
	s3_op_send(op, "PUT", op->bucket, op->key, op->keylen, q, data, (size_t)p->size,
	    NULL, 0);
	free(data);
	free(e);
	free(q);
}

/* ListParts answered: parts with the right size and an ETag are done. */
static void
s3_upload_parts_listed(struct s3_op *op)
{
	size_t i;

	for (i = 0; i < op->nparts; i++) {
		if (op->parts[i].done == 6) {
			op->parts[i].done = 1;
			op->count += op->parts[i].size;
		} else
			op->parts[i].done = 0;
	}
	if (op->truncated) {
		for (i = 0; i < op->nparts; i++)
			if (op->parts[i].done)
				op->parts[i].done = 6;
		s3_upload_list_parts(op);
		return;
	}
	op->part_at = 0;
	s3_upload_part(op);
}

/* GET ?uploadId= : which parts the server has. */
static void
s3_upload_list_parts(struct s3_op *op)
{
	char *q, *e, mk[32];

	e = s3_encode(op->upload_id, strlen(op->upload_id), 0);
	snprintf(mk, sizeof mk, "%d", op->part_marker);
	if (op->part_marker > 0)
		q = xprintf("part-number-marker=%s&uploadId=%s", mk, e);
	else
		q = xprintf("uploadId=%s", e);
	op->truncated = 0;
	op->next = s3_upload_parts_listed;
	s3_upload_xml(op);
	s3_op_send(op, "GET", op->bucket, op->key, op->keylen, q, NULL, 0, NULL, 0);
	free(e);
	free(q);
}

/* POST ?uploads= answered with an UploadId. */
static void
s3_upload_created(struct s3_op *op)
{
	if (op->upload_id == NULL) {
		s3_op_finish(op, S3_ERR_PROTOCOL, "%s: no UploadId in the answer",
		    op->s3->name);
		return;
	}
	op->part_at = 0;
	s3_upload_part(op);
}

/* ListMultipartUploads answered: resume the last unfinished one, or start. */
static void
s3_upload_found(struct s3_op *op)
{
	if (op->upload_id != NULL) {
		s3_upload_list_parts(op);
		return;
	}
	op->next = s3_upload_created;
	s3_upload_xml(op);
	s3_op_send(op, "POST", op->bucket, op->key, op->keylen, "uploads=", NULL, 0,
	    NULL, 0);
}

/* Upload a file; see s3.h. */
struct s3_op *
s3_put_file(struct s3 *s3, const char *bucket, const char *key, size_t keylen,
    const char *path, uint64_t part_size, s3_progress_cb progress,
    s3_done_cb done, void *arg)
{
	struct s3_op	*op;
	struct stat	 st;
	char		*data, *q, *e;
	size_t		 i;

	op = s3_op_new(s3, S3_KIND_UPLOAD, done, arg);
	op->progress = progress;
	op->bucket = xstrdup(bucket);
	op->key = xstrndup(key, keylen);
	op->keylen = keylen;
	op->path = xstrdup(path);
	if ((op->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fstat(op->fd, &st) != 0) {
		s3_op_finish(op, S3_ERR_LOCAL, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	op->fd_open = 1;
	op->fsize = (uint64_t)st.st_size;
	op->part_size = part_size == 0 ? S3_DEF_PART : part_size < S3_MIN_PART ?
	    S3_MIN_PART : part_size;
	while ((op->fsize + op->part_size - 1) / op->part_size > S3_MAX_PARTS)
		op->part_size *= 2;
	if (op->fsize <= op->part_size) {
		if ((data = s3_upload_read(op, 0, (size_t)op->fsize)) == NULL) {
			s3_op_finish(op, S3_ERR_LOCAL, "%s: %s", path, strerror(errno));
			return (NULL);
		}
		op->next = s3_upload_single_done;
		s3_op_send(op, "PUT", bucket, key, keylen, "", data, (size_t)op->fsize,
		    NULL, 0);
		free(data);
		return (op);
	}
	op->nparts = (size_t)((op->fsize + op->part_size - 1) / op->part_size);
	op->parts = xcalloc(op->nparts, sizeof *op->parts);
	for (i = 0; i < op->nparts; i++)
		op->parts[i].size = i + 1 < op->nparts ? op->part_size :
		    op->fsize - (uint64_t)i * op->part_size;
	e = s3_encode(key, keylen, 0);
	q = xprintf("prefix=%s&uploads=", e);
	op->next = s3_upload_found;
	s3_upload_xml(op);
	s3_op_send(op, "GET", bucket, NULL, 0, q, NULL, 0, NULL, 0);
	free(e);
	free(q);
	return (op);
}

/* The S3 operations but multipart: listings, HEAD, GET, PUT, delete, copy. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/s3-int.h"
#include "core/digest.h"
#include "core/xmalloc.h"

static void	s3_list_send(struct s3_op *);

/* Append the record being built to the page. */
static void
s3_page_push(struct s3_op *op)
{
	if (op->cur.key == NULL)
		op->cur.key = xstrdup("");
	if (op->nobjs == op->objcap) {
		op->objcap = op->objcap == 0 ? 256 : op->objcap * 2;
		op->objs = xreallocarray(op->objs, op->objcap, sizeof *op->objs);
	}
	op->objs[op->nobjs++] = op->cur;
	memset(&op->cur, 0, sizeof op->cur);
	op->count++;
}

/* Set the record's key from encoded text (listings) or as is (buckets). */
static void
s3_cur_key(struct s3_op *op, const char *text, size_t len, int encoded)
{
	free((char *)op->cur.key);
	if (encoded)
		op->cur.key = s3_decode(text, len, &op->cur.keylen);
	else {
		op->cur.key = xstrndup(text, len);
		op->cur.keylen = len;
	}
}

/* The fields of ListBucketResult and ListAllMyBucketsResult. */
static void
s3_list_field(const char *path, const char *text, size_t len, void *arg)
{
	struct s3_op	*op = arg;
	char		*t;

	if (strcmp(path, "Contents/Key") == 0)
		s3_cur_key(op, text, len, 1);
	else if (strcmp(path, "CommonPrefixes/Prefix") == 0) {
		s3_cur_key(op, text, len, 1);
		op->cur.is_prefix = 1;
	} else if (strcmp(path, "Buckets/Bucket/Name") == 0)
		s3_cur_key(op, text, len, 0);
	else if (strcmp(path, "Contents/Size") == 0) {
		t = xstrndup(text, len);
		op->cur.size = strtoull(t, NULL, 10);
		free(t);
	} else if (strcmp(path, "Contents/LastModified") == 0 ||
	    strcmp(path, "Buckets/Bucket/CreationDate") == 0) {
		t = xstrndup(text, len);
		op->cur.mtime = s3_parse_iso(t);
		free(t);
	} else if (strcmp(path, "Contents/ETag") == 0) {
		free((char *)op->cur.etag);
		if (len >= 2 && text[0] == '"' && text[len - 1] == '"')
			op->cur.etag = xstrndup(text + 1, len - 2);
		else
			op->cur.etag = xstrndup(text, len);
	} else if (strcmp(path, "Contents/StorageClass") == 0) {
		free((char *)op->cur.storage_class);
		op->cur.storage_class = xstrndup(text, len);
	} else if (strcmp(path, "IsTruncated") == 0)
		op->truncated = len == 4 && strncmp(text, "true", 4) == 0;
	else if (strcmp(path, "NextContinuationToken") == 0) {
		free(op->token);
		op->token = xstrndup(text, len);
	}
}

/* A record ended: an object, a prefix or a bucket. */
static void
s3_list_close(const char *path, void *arg)
{
	struct s3_op *op = arg;

	if (strcmp(path, "Contents") == 0 || strcmp(path, "CommonPrefixes") == 0 ||
	    strcmp(path, "Buckets/Bucket") == 0)
		s3_page_push(op);
}

static const struct s3_xml_callbacks s3_list_cb = { s3_list_field, s3_list_close };

/* A page arrived whole: hand it over, then ask for the next one. */
static void
s3_list_next(struct s3_op *op)
{
	struct s3_page	pg;
	int		stop;

	memset(&pg, 0, sizeof pg);
	pg.objects = op->objs;
	pg.n = op->nobjs;
	pg.truncated = op->truncated && op->kind == S3_KIND_LIST;
	pg.next_token = pg.truncated ? op->token : NULL;
	pg.page_no = op->page_no++;
	stop = op->page != NULL && op->page(&pg, op->arg) != 0;
	s3_op_clear_page(op);
	if (stop || !pg.truncated || op->one_page || op->token == NULL) {
		s3_op_finish(op, S3_OK, NULL);
		return;
	}
	s3_list_send(op);
}

/* GET / on the endpoint. */
struct s3_op *
s3_list_buckets(struct s3 *s3, s3_page_cb page, s3_done_cb done, void *arg)
{
	struct s3_op *op;

	op = s3_op_new(s3, S3_KIND_BUCKETS, done, arg);
	op->page = page;
	op->next = s3_list_next;
	op->xml = s3_xml_new(&s3_list_cb, op);
	s3_op_send(op, "GET", NULL, NULL, 0, "", NULL, 0, NULL, 0);
	return (op);
}

/* Add "name=encoded-value" to a query being built in sorted order. */
static void
s3_query_add(struct buf *q, const char *name, const char *value)
{
	char *e;

	if (value == NULL)
		return;
	e = s3_encode(value, strlen(value), 0);
	buf_printf(q, "%s%s=%s", q->len > 0 ? "&" : "", name, e);
	free(e);
}

/* One ListObjectsV2 request; parameters in sorted order for the signature. */
static void
s3_list_send(struct s3_op *op)
{
	struct buf	q;
	char		mk[16];

	buf_init(&q);
	snprintf(mk, sizeof mk, "%d", op->max_keys > 0 ? op->max_keys : 1000);
	s3_query_add(&q, "continuation-token", op->page_no > 0 ? op->token : NULL);
	s3_query_add(&q, "delimiter", op->delimiter);
	s3_query_add(&q, "encoding-type", "url");
	s3_query_add(&q, "list-type", "2");
	s3_query_add(&q, "max-keys", mk);
	s3_query_add(&q, "prefix", op->prefix);
	s3_query_add(&q, "start-after", op->page_no > 0 ? NULL : op->start_after);
	op->truncated = 0;
	s3_xml_free(op->xml);
	op->xml = s3_xml_new(&s3_list_cb, op);
	s3_op_send(op, "GET", op->bucket, NULL, 0, buf_str(&q), NULL, 0, NULL, 0);
	buf_free(&q);
}

/* ListObjectsV2, one request per page, each page handed over as it ends. */
struct s3_op *
s3_list(struct s3 *s3, const char *bucket, const struct s3_list_options *o,
    s3_page_cb page, s3_done_cb done, void *arg)
{
	struct s3_op *op;

	op = s3_op_new(s3, S3_KIND_LIST, done, arg);
	op->page = page;
	op->next = s3_list_next;
	op->bucket = xstrdup(bucket);
	if (o != NULL) {
		op->prefix = o->prefix != NULL && *o->prefix ? xstrdup(o->prefix) : NULL;
		op->delimiter = o->delimiter != NULL ? xstrdup(o->delimiter) : NULL;
		op->start_after = o->start_after != NULL ? xstrdup(o->start_after) : NULL;
		op->token = o->continuation != NULL ? xstrdup(o->continuation) : NULL;
		op->max_keys = o->max_keys;
		op->one_page = o->one_page;
		if (op->token != NULL)
			op->page_no = 1;	/* send the token on the first request */
	}
	s3_list_send(op);
	if (o != NULL && o->continuation != NULL)
		op->page_no = 0;
	return (op);
}

/* The object's key for messages and as the HEAD answer's key. */
static void
s3_op_key(struct s3_op *op, const char *bucket, const char *key, size_t keylen)
{
	op->bucket = xstrdup(bucket);
	op->key = xmalloc(keylen + 1);
	memcpy(op->key, key, keylen);
	op->key[keylen] = '\0';
	op->keylen = keylen;
}

/* A successful HEAD, GET or PUT: the headers already filled cur. */
static void
s3_op_ok(struct s3_op *op)
{
	op->cur.key = xstrndup(op->key != NULL ? op->key : "", op->keylen);
	op->cur.keylen = op->keylen;
	if (op->kind == S3_KIND_PUT)
		op->cur.size = op->count;
	s3_op_finish(op, S3_OK, NULL);
}

/* HEAD: the answer is all headers; errors have no body. */
struct s3_op *
s3_head(struct s3 *s3, const char *bucket, const char *key, size_t keylen,
    s3_done_cb done, void *arg)
{
	struct s3_op *op;

	op = s3_op_new(s3, S3_KIND_HEAD, done, arg);
	op->next = s3_op_ok;
	s3_op_key(op, bucket, key, keylen);
	s3_op_send(op, "HEAD", bucket, key, keylen, "", NULL, 0, NULL, 0);
	return (op);
}

/* GET, possibly ranged, streamed to the data callback. */
struct s3_op *
s3_get(struct s3 *s3, const char *bucket, const char *key, size_t keylen,
    uint64_t offset, uint64_t length, s3_data_cb data, s3_progress_cb progress,
    s3_done_cb done, void *arg)
{
	struct s3_op	*op;
	char		*range = NULL;
	const char	*extra[1];

	op = s3_op_new(s3, S3_KIND_GET, done, arg);
	op->next = s3_op_ok;
	op->data = data;
	op->progress = progress;
	s3_op_key(op, bucket, key, keylen);
	if (offset > 0 || length > 0) {
		if (length > 0)
			range = xprintf("range:bytes=%llu-%llu", (unsigned long long)offset,
			    (unsigned long long)(offset + length - 1));
		else
			range = xprintf("range:bytes=%llu-", (unsigned long long)offset);
		extra[0] = range;
	}
	s3_op_send(op, "GET", bucket, key, keylen, "", NULL, 0, extra, range != NULL);
	free(range);
	return (op);
}

/* PUT of a buffer in one request. */
struct s3_op *
s3_put(struct s3 *s3, const char *bucket, const char *key, size_t keylen,
    const void *data, size_t len, const char *content_type, s3_done_cb done, void *arg)
{
	struct s3_op *op;

	op = s3_op_new(s3, S3_KIND_PUT, done, arg);
	op->next = s3_op_ok;
	op->count = len;
	if (content_type != NULL)
		op->content_type = xstrdup(content_type);
	s3_op_key(op, bucket, key, keylen);
	s3_op_send(op, "PUT", bucket, key, keylen, "", data, len, NULL, 0);
	return (op);
}

/* DeleteResult: count Deleted, keep the first Error. */
static void
s3_delete_field(const char *path, const char *text, size_t len, void *arg)
{
	struct s3_op *op = arg;

	if (strcmp(path, "Deleted/Key") == 0)
		op->count++;
	else if (strcmp(path, "Error/Code") == 0 && op->code == NULL)
		op->code = xstrndup(text, len);
	else if (strcmp(path, "Error/Message") == 0 && op->message == NULL)
		op->message = xstrndup(text, len);
	else if (strcmp(path, "Error/Key") == 0 && op->key == NULL)
		op->key = s3_decode(text, len, &op->keylen);
	else if (strcmp(path, "Code") == 0 && op->code == NULL)
		op->code = xstrndup(text, len);
	else if (strcmp(path, "Message") == 0 && op->message == NULL)
		op->message = xstrndup(text, len);
}

/* Some keys may have failed inside a 200. */
static void
s3_delete_next(struct s3_op *op)
{
	if (op->code != NULL)
		s3_op_finish(op, S3_ERR_SERVER, "%s: %s: %s%s%s", op->s3->name,
		    op->code, op->message != NULL ? op->message : "",
		    op->key != NULL ? " (for one key)" : "", "");
	else
		s3_op_finish(op, S3_OK, NULL);
}

/* XML-escape text for the bodies we send. */
static void
s3_xml_escape(struct buf *b, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '&': buf_adds(b, "&amp;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&apos;"); break;
		default:
			if ((unsigned char)s[i] < 0x20)
				buf_printf(b, "&#%d;", s[i]);
			else
				buf_addc(b, s[i]);
		}
	}
}

/* POST ?delete with the key list and its Content-MD5. */
struct s3_op *
s3_delete(struct s3 *s3, const char *bucket, const char *const *keys,
    const size_t *keylens, size_t n, s3_done_cb done, void *arg)
{
	static const struct s3_xml_callbacks cb = { s3_delete_field, NULL };
	struct s3_op		*op;
	struct buf		 b;
	struct digest_md5	 md5;
	unsigned char		 d[DIGEST_MD5_LEN];
	char			 b64[32], *h;
	const char		*extra[1];
	size_t			 i;

	op = s3_op_new(s3, S3_KIND_DELETE, done, arg);
	op->next = s3_delete_next;
	if (n == 1) {
		/* One key: a plain DELETE, which also takes keys XML cannot carry. */
		op->count = 1;
		op->bucket = xstrdup(bucket);
		s3_op_send(op, "DELETE", bucket, keys[0], keylens[0], "", NULL, 0, NULL, 0);
		return (op);
	}
	op->xml = s3_xml_new(&cb, op);
	op->content_type = xstrdup("application/xml");
	buf_init(&b);
	buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<Delete><Quiet>false</Quiet>");
	for (i = 0; i < n; i++) {
		buf_adds(&b, "<Object><Key>");
		s3_xml_escape(&b, keys[i], keylens[i]);
		buf_adds(&b, "</Key></Object>");
	}
	buf_adds(&b, "</Delete>");
	digest_md5_init(&md5);
	digest_md5_update(&md5, b.data, b.len);
	digest_md5_final(&md5, d);
	digest_base64(d, sizeof d, b64);
	h = xprintf("content-md5:%s", b64);
	extra[0] = h;
	op->bucket = xstrdup(bucket);
	s3_op_send(op, "POST", bucket, NULL, 0, "delete=", b.data, b.len, extra, 1);
	free(h);
	buf_free(&b);
	return (op);
}

/* CopyObjectResult's ETag; an <Error> root is caught by s3.c. */
static void
s3_copy_field(const char *path, const char *text, size_t len, void *arg)
{
	struct s3_op *op = arg;

	if (strcmp(path, "ETag") == 0) {
		free((char *)op->cur.etag);
		if (len >= 2 && text[0] == '"')
			op->cur.etag = xstrndup(text + 1, len - 2);
		else
			op->cur.etag = xstrndup(text, len);
	} else if (strcmp(path, "Code") == 0) {
		free(op->code);
		op->code = xstrndup(text, len);
	} else if (strcmp(path, "Message") == 0) {
		free(op->message);
		op->message = xstrndup(text, len);
	}
}

/* Server-side copy: x-amz-copy-source names the source, encoded. */
struct s3_op *
s3_copy(struct s3 *s3, const char *src_bucket, const char *src_key, size_t src_keylen,
    const char *bucket, const char *key, size_t keylen, s3_done_cb done, void *arg)
{
	static const struct s3_xml_callbacks cb = { s3_copy_field, NULL };
	struct s3_op	*op;
	char		*src, *h;
	const char	*extra[1];

	op = s3_op_new(s3, S3_KIND_COPY, done, arg);
	op->next = s3_op_ok;
	op->xml = s3_xml_new(&cb, op);
	s3_op_key(op, bucket, key, keylen);
	src = s3_path(src_bucket, src_key, src_keylen);
	h = xprintf("x-amz-copy-source:%s", src);
	extra[0] = h;
	s3_op_send(op, "PUT", bucket, key, keylen, "", NULL, 0, extra, 1);
	free(src);
	free(h);
	return (op);
}

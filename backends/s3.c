/*
 * S3 requests on the event loop: SigV4 signing, path-style URLs, listings
 * parsed by expat as they stream, errors from the XML body. Multipart
 * uploads are in s3-upload.c.
 */
#include "config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/http.h"
#include "backends/s3-int.h"
#include "core/digest.h"
#include "core/xmalloc.h"

#define S3_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_MAX_ERRBODY	(64 * 1024)

static void	s3_op_request_done(struct http_req *, const struct http_result *, void *);

/* Copy the target; the host header is derived once from the URL. */
struct s3 *
s3_new(struct loop *loop, struct http *http, const struct s3_target *t)
{
	struct s3	*s3;
	const char	*h, *e;
	size_t		 n;

	s3 = xcalloc(1, sizeof *s3);
	s3->loop = loop;
	s3->http = http;
	s3->name = xstrdup(t->name != NULL ? t->name : "s3");
	n = strlen(t->url);
	while (n > 0 && t->url[n - 1] == '/')
		n--;
	s3->url = xstrndup(t->url, n);
	s3->region = xstrdup(t->region != NULL && *t->region ? t->region : "us-east-1");
	s3->access_key = xstrdup(t->access_key != NULL ? t->access_key : "");
	s3->secret_key = xstrdup(t->secret_key != NULL ? t->secret_key : "");
	s3->ca_file = t->ca_file != NULL ? xstrdup(t->ca_file) : NULL;
	s3->timeout_ms = t->timeout_ms;
	h = strstr(s3->url, "://");
	h = h != NULL ? h + 3 : s3->url;
	e = strchr(h, '/');
	s3->host = e != NULL ? xstrndup(h, (size_t)(e - h)) : xstrdup(h);
	return (s3);
}

/* Free the copies; operations must be finished or cancelled. */
void
s3_free(struct s3 *s3)
{
	if (s3 == NULL)
		return;
	free(s3->name);
	free(s3->url);
	free(s3->region);
	free(s3->access_key);
	free(s3->secret_key);
	free(s3->ca_file);
	free(s3->host);
	free(s3);
}

/* The region signatures use. */
const char *
s3_region(const struct s3 *s3)
{
	return (s3->region);
}

/* RFC 3986 unreserved characters pass, everything else is %XX. */
char *
s3_encode(const char *s, size_t len, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf	 b;
	size_t		 i;
	unsigned char	 c;

	buf_init(&b);
	buf_adds(&b, "");
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
		    (keep_slash && c == '/'))
			buf_addc(&b, (char)c);
		else {
			buf_addc(&b, '%');
			buf_addc(&b, hex[c >> 4]);
			buf_addc(&b, hex[c & 15]);
		}
	}
	return (buf_steal(&b));
}

/* One hex digit's value, or -1. */
static int
s3_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* encoding-type=url answers: %XX, and '+' for a space (Swift does that). */
char *
s3_decode(const char *s, size_t len, size_t *outlen)
{
	char	*out, *o;
	size_t	 i;
	int	 h, l;

	o = out = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%' && i + 2 < len &&
		    (h = s3_hexval(s[i + 1])) >= 0 && (l = s3_hexval(s[i + 2])) >= 0) {
			*o++ = (char)(h << 4 | l);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return (out);
}

/* The canonical request of SigV4 (AWS's "Task 1"). */
char *
s3_sign_canonical(const struct s3_sign *sg)
{
	struct buf	b;
	size_t		i;
	const char	*c;

	buf_init(&b);
	buf_printf(&b, "%s\n%s\n%s\n", sg->method, sg->path, sg->query);
	for (i = 0; i < sg->nheaders; i++)
		buf_printf(&b, "%s\n", sg->headers[i]);
	buf_addc(&b, '\n');
	for (i = 0; i < sg->nheaders; i++) {
		c = strchr(sg->headers[i], ':');
		if (i > 0)
			buf_addc(&b, ';');
		buf_add(&b, sg->headers[i], c != NULL ? (size_t)(c - sg->headers[i]) :
		    strlen(sg->headers[i]));
	}
	buf_printf(&b, "\n%s", sg->payload_hash);
	return (buf_steal(&b));
}

/* The string to sign ("Task 2"): algorithm, date, scope, hash of the request. */
char *
s3_sign_string_to_sign(const struct s3_sign *sg)
{
	unsigned char	 h[DIGEST_SHA256_LEN];
	char		 hex[2 * DIGEST_SHA256_LEN + 1], *canon;

	canon = s3_sign_canonical(sg);
	digest_sha256(canon, strlen(canon), h);
	free(canon);
	digest_hex(h, sizeof h, hex);
	return (xprintf("AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s",
	    sg->amz_date, sg->amz_date, sg->region, sg->service, hex));
}

/* The signature ("Task 3"): the derived key's HMAC of the string to sign. */
char *
s3_sign_signature(const struct s3_sign *sg)
{
	unsigned char	 k[DIGEST_SHA256_LEN];
	char		*key, *sts, hex[2 * DIGEST_SHA256_LEN + 1];

	key = xprintf("AWS4%s", sg->secret_key);
	digest_hmac_sha256(key, strlen(key), sg->amz_date, 8, k);
	free(key);
	digest_hmac_sha256(k, sizeof k, sg->region, strlen(sg->region), k);
	digest_hmac_sha256(k, sizeof k, sg->service, strlen(sg->service), k);
	digest_hmac_sha256(k, sizeof k, "aws4_request", 12, k);
	sts = s3_sign_string_to_sign(sg);
	digest_hmac_sha256(k, sizeof k, sts, strlen(sts), k);
	free(sts);
	digest_hex(k, sizeof k, hex);
	return (xstrdup(hex));
}

/* Headers sort by name only: "x-amz-date" before "x-amz-date-x". */
static int
s3_header_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strcspn(x, ":"), ly = strcspn(y, ":");
	int r = strncmp(x, y, lx < ly ? lx : ly);

	if (r != 0)
		return (r);
	return (lx < ly ? -1 : lx > ly);
}

/* The X-Amz-Date of now. */
static void
s3_amz_date(time_t now, char out[17])
{
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* "/bucket/encoded-key", or "/" without a bucket. */
char *
s3_path(const char *bucket, const char *key, size_t keylen)
{
	char *k, *p;

	if ((bucket == NULL || *bucket == '\0') && (key == NULL || keylen == 0))
		return (xstrdup("/"));
	if (bucket == NULL || *bucket == '\0') {	/* virtual-host style (tests) */
		k = s3_encode(key, keylen, 1);
		p = xprintf("/%s", k);
		free(k);
		return (p);
	}
	if (key == NULL || keylen == 0)
		return (xprintf("/%s", bucket));
	k = s3_encode(key, keylen, 1);
	p = xprintf("/%s/%s", bucket, k);
	free(k);
	return (p);
}

/* An operation, with its callbacks; the kind-specific parts are the caller's. */
struct s3_op *
s3_op_new(struct s3 *s3, enum s3_kind kind, s3_done_cb done, void *arg)
{
	struct s3_op *op;

	op = xcalloc(1, sizeof *op);
	op->s3 = s3;
	op->kind = kind;
	op->done = done;
	op->arg = arg;
	op->started_ms = s3_now_ms();
	op->fd = -1;
	buf_init(&op->errbody);
	return (op);
}

/* Wall time in milliseconds, for elapsed_ms. */
uint64_t
s3_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Forget the page's objects and the record being built. */
void
s3_op_clear_page(struct s3_op *op)
{
	size_t i;

	for (i = 0; i < op->nobjs; i++) {
		free((char *)op->objs[i].key);
		free((char *)op->objs[i].etag);
		free((char *)op->objs[i].storage_class);
	}
	op->nobjs = 0;
	free((char *)op->cur.key);
	free((char *)op->cur.etag);
	free((char *)op->cur.storage_class);
	memset(&op->cur, 0, sizeof op->cur);
}

/* Free everything an operation holds (not its request: that frees itself). */
static void
s3_op_free(struct s3_op *op)
{
	s3_op_clear_page(op);
	free(op->objs);
	s3_xml_free(op->xml);
	buf_free(&op->errbody);
	free(op->code);
	free(op->message);
	free(op->token);
	free(op->bucket);
	free(op->key);
	free(op->prefix);
	free(op->delimiter);
	free(op->start_after);
	free(op->content_type);
	free(op->upload_id);
	free(op->path);
	free(op->parts);
	free(op->found_key);
	if (op->fd >= 0 && op->fd_open)
		close(op->fd);
	free(op);
}

/* Report once and free: done may start other operations. */
void
s3_op_finish(struct s3_op *op, enum s3_status st, const char *fmt, ...)
{
	struct s3_result	 r;
	char			*msg = NULL;
	va_list			 ap;

	memset(&r, 0, sizeof r);
	r.status = st;
	r.http_status = op->status;
	r.code = op->code;
	if (fmt != NULL) {
		va_start(ap, fmt);
		xvasprintf(&msg, fmt, ap);
		va_end(ap);
	}
	r.message = st == S3_OK ? NULL : msg;
	if (op->kind == S3_KIND_HEAD || op->kind == S3_KIND_PUT ||
	    op->kind == S3_KIND_COPY || op->kind == S3_KIND_UPLOAD)
		r.object = st == S3_OK ? &op->cur : NULL;
	r.count = op->count;
	r.elapsed_ms = s3_now_ms() - op->started_ms;
	if (op->done != NULL)
		op->done(&r, op->arg);
	free(msg);
	s3_op_free(op);
}

/* Stop: cancel the request in flight, no callback. */
void
s3_op_cancel(struct s3_op *op)
{
	if (op == NULL)
		return;
	if (op->req != NULL)
		http_req_cancel(op->req);
	op->req = NULL;
	s3_op_free(op);
}

/* Status line and the headers HEAD, GET and PUT report. */
static void
s3_op_header(const char *line, size_t len, void *arg)
{
	struct s3_op	*op = arg;
	char		*v, *l = xstrndup(line, len), *e;
	size_t		 n;
	struct tm	 tm;

	if (strncmp(l, "HTTP/", 5) == 0) {
		if ((v = strchr(l, ' ')) != NULL)
			op->status = strtol(v + 1, NULL, 10);
		goto out;
	}
	if ((v = strchr(l, ':')) == NULL || op->kind == S3_KIND_LIST ||
	    op->kind == S3_KIND_BUCKETS)
		goto out;
	*v++ = '\0';
	while (*v == ' ' || *v == '\t')
		v++;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		v[--n] = '\0';
	if (strcasecmp(l, "content-length") == 0)
		op->cur.size = strtoull(v, NULL, 10);
	else if (strcasecmp(l, "content-range") == 0 && (e = strchr(v, '/')) != NULL)
		op->total = strtoull(e + 1, NULL, 10);
	else if (strcasecmp(l, "etag") == 0) {
		free((char *)op->cur.etag);
		if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
			op->cur.etag = xstrndup(v + 1, n - 2);
		else
			op->cur.etag = xstrdup(v);
	} else if (strcasecmp(l, "content-type") == 0) {
		free(op->content_type);
		op->content_type = xstrdup(v);
		op->cur.content_type = op->content_type;
	} else if (strcasecmp(l, "last-modified") == 0) {
		memset(&tm, 0, sizeof tm);
		if (strptime(v, "%a, %d %b %Y %H:%M:%S", &tm) != NULL)
			op->cur.mtime = (int64_t)timegm(&tm);
	}
out:
	free(l);
}

/* ISO 8601 of listings: 2024-05-01T10:00:00.000Z. */
int64_t
s3_parse_iso(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return (0);
	return ((int64_t)timegm(&tm));
}

/* The body: the GET's bytes go out, everything else goes to the parser. */
static int
s3_op_data(const char *p, size_t len, void *arg)
{
	struct s3_op	*op = arg;
	char		*cause = NULL;

	if (op->status >= 300 || op->status < 200) {
		if (op->errbody.len < S3_MAX_ERRBODY)
			buf_add(&op->errbody, p, len);
		return (0);
	}
	if (op->kind == S3_KIND_GET) {
		op->count += len;
		if (op->data != NULL && op->data(p, len, op->arg) != 0) {
			op->stopped = 1;
			return (-1);
		}
		if (op->progress != NULL)
			op->progress(op->count, op->total != 0 ? op->total : op->cur.size,
			    op->arg);
		return (0);
	}
	if (op->xml == NULL)
		return (0);
	if (s3_xml_feed(op->xml, p, len, 0, &cause) != 0) {
		free(op->message);
		op->message = cause;
		op->bad_xml = 1;
		return (-1);
	}
	return (op->stopped ? -1 : 0);
}

/* An <Error> body's Code and Message. */
static void
s3_err_field(const char *path, const char *text, size_t len, void *arg)
{
	struct s3_op *op = arg;

	if (strcmp(path, "Code") == 0) {
		free(op->code);
		op->code = xstrndup(text, len);
	} else if (strcmp(path, "Message") == 0) {
		free(op->message);
		op->message = xstrndup(text, len);
	}
}

/* Classify a failed answer from its status and its <Error>, and finish. */
void
s3_op_fail_status(struct s3_op *op)
{
	static const struct s3_xml_callbacks cb = { s3_err_field, NULL };
	struct s3_xml	*x;
	char		*cause = NULL;
	enum s3_status	 st;

	if (op->errbody.len > 0) {
		x = s3_xml_new(&cb, op);
		(void)s3_xml_feed(x, op->errbody.data, op->errbody.len, 1, &cause);
		free(cause);
		s3_xml_free(x);
	}
	if (op->status == 403 || op->status == 401)
		st = S3_ERR_AUTH;
	else if (op->status == 404)
		st = S3_ERR_NOTFOUND;
	else
		st = S3_ERR_SERVER;
	if (op->code != NULL)
		s3_op_finish(op, st, "%s: %s%s%s", op->s3->name, op->code,
		    op->message != NULL ? ": " : "", op->message != NULL ? op->message : "");
	else
		s3_op_finish(op, st, "%s: HTTP %ld%s", op->s3->name, op->status,
		    st == S3_ERR_AUTH ? " (access denied)" : st == S3_ERR_NOTFOUND ?
		    " (not found)" : "");
}

/*
 * Sign and start one request. query is already encoded and sorted; extra
 * headers are "name:value" with lower-case names. The body is copied.
 */
void
s3_op_send(struct s3_op *op, const char *method, const char *bucket, const char *key,
    size_t keylen, const char *query, const void *body, size_t bodylen,
    const char *const *extra, size_t nextra)
{
	struct s3	*s3 = op->s3;
	struct s3_sign	 sg;
	struct http_req	*req;
	const char	*hdrs[16];
	char		 date[17], hash[2 * DIGEST_SHA256_LEN + 1], *path, *url, *sig;
	char		*h_host, *h_hash, *h_date, *auth, *signed_names, *c;
	unsigned char	 d[DIGEST_SHA256_LEN];
	struct buf	 sn;
	size_t		 i, n = 0;

	s3_amz_date(time(NULL), date);
	if (body != NULL && bodylen > 0) {
		digest_sha256(body, bodylen, d);
		digest_hex(d, sizeof d, hash);
	} else
		snprintf(hash, sizeof hash, "%s", S3_EMPTY_SHA256);
	path = s3_path(bucket, key, keylen);
	h_host = xprintf("host:%s", s3->host);
	h_hash = xprintf("x-amz-content-sha256:%s", hash);
	h_date = xprintf("x-amz-date:%s", date);
	hdrs[n++] = h_host;
	hdrs[n++] = h_hash;
	hdrs[n++] = h_date;
	for (i = 0; i < nextra && n < 16; i++)
		hdrs[n++] = extra[i];
	qsort(hdrs, n, sizeof hdrs[0], s3_header_cmp);

	memset(&sg, 0, sizeof sg);
	sg.method = method;
	sg.path = path;
	sg.query = query != NULL ? query : "";
	sg.headers = hdrs;
	sg.nheaders = n;
	sg.payload_hash = hash;
	sg.amz_date = date;
	sg.region = s3->region;
	sg.service = "s3";
	sg.access_key = s3->access_key;
	sg.secret_key = s3->secret_key;
	sig = s3_sign_signature(&sg);
	buf_init(&sn);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(&sn, ';');
		buf_add(&sn, hdrs[i], strcspn(hdrs[i], ":"));
	}
	signed_names = buf_steal(&sn);
	auth = xprintf("AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/s3/aws4_request, "
	    "SignedHeaders=%s, Signature=%s", s3->access_key, date, s3->region,
	    signed_names, sig);

	url = xprintf("%s%s%s%s", s3->url, path, *sg.query ? "?" : "", sg.query);
	req = http_req_new(s3->http, url);
	http_req_method(req, method);
	for (i = 0; i < n; i++) {
		c = strchr(hdrs[i], ':');
		if (strncmp(hdrs[i], "host:", 5) == 0)
			continue;
		{
			char *name = xstrndup(hdrs[i], (size_t)(c - hdrs[i]));
			http_req_header(req, name, c + 1);
			free(name);
		}
	}
	http_req_header(req, "Host", s3->host);
	http_req_header(req, "Authorization", auth);
	http_req_header(req, "Expect", NULL);
	if (body != NULL || strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) {
		http_req_body(req, body != NULL ? body : "", bodylen);
		http_req_header(req, "Content-Type", op->content_type != NULL ?
		    op->content_type : "application/octet-stream");
	}
	if (s3->ca_file != NULL)
		http_req_cainfo(req, s3->ca_file);
	if (s3->timeout_ms > 0)
		http_req_connect_timeout(req, s3->timeout_ms);
	http_req_timeout(req, 0);
	curl_easy_setopt(http_req_curl(req), CURLOPT_PATH_AS_IS, 1L);
	http_req_on_header(req, s3_op_header, op);
	http_req_on_data(req, s3_op_data, op);
	op->status = 0;
	buf_reset(&op->errbody);
	op->req = req;
	http_req_start(req, s3_op_request_done, op);

	free(path);
	free(url);
	free(sig);
	free(auth);
	free(signed_names);
	free(h_host);
	free(h_hash);
	free(h_date);
}

/* A request ended: transport errors, HTTP errors, else the kind's next step. */
static void
s3_op_request_done(struct http_req *req, const struct http_result *res, void *arg)
{
	struct s3_op	*op = arg;
	char		*cause = NULL;

	op->req = NULL;
	if (op->bad_xml) {
		s3_op_finish(op, S3_ERR_PROTOCOL, "%s: %s", op->s3->name, op->message);
		return;
	}
	if (op->stopped && res->error != HTTP_OK) {
		s3_op_finish(op, S3_OK, NULL);
		return;
	}
	if (res->error != HTTP_OK) {
		s3_op_finish(op, res->error == HTTP_ERR_TIMEOUT ? S3_ERR_TIMEOUT :
		    res->error == HTTP_ERR_PROTOCOL ? S3_ERR_PROTOCOL : S3_ERR_CONNECT,
		    "%s: %s", op->s3->name, res->message != NULL ? res->message :
		    http_error_string(res->error));
		return;
	}
	op->status = res->status;
	if (res->status < 200 || res->status >= 300) {
		s3_op_fail_status(op);
		return;
	}
	if (op->xml != NULL && s3_xml_feed(op->xml, "", 0, 1, &cause) != 0) {
		s3_op_finish(op, S3_ERR_PROTOCOL, "%s: %s", op->s3->name, cause);
		free(cause);
		return;
	}
	if (op->xml != NULL && strcmp(s3_xml_root(op->xml), "Error") == 0) {
		/* A 200 that is an error (CompleteMultipartUpload, copy). */
		s3_op_finish(op, S3_ERR_SERVER, "%s: %s: %s", op->s3->name,
		    op->code != NULL ? op->code : "Error",
		    op->message != NULL ? op->message : "");
		return;
	}
	op->next(op);
}

/* "s3://bucket/key" into its parts. */
int
s3_parse_uri(const char *uri, char **bucket, char **key, char **cause)
{
	const char *p, *s;

	if (strncmp(uri, "s3://", 5) != 0) {
		*cause = xprintf("not an s3:// URI: %s", uri);
		return (-1);
	}
	p = uri + 5;
	s = strchr(p, '/');
	if (s == p || *p == '\0') {
		*cause = xprintf("no bucket in %s", uri);
		return (-1);
	}
	*bucket = s != NULL ? xstrndup(p, (size_t)(s - p)) : xstrdup(p);
	*key = xstrdup(s != NULL ? s + 1 : "");
	return (0);
}

/* Presigned URL: the query carries the credential, the payload is unsigned. */
char *
s3_presign(const struct s3 *s3, const char *method, const char *bucket, const char *key,
    size_t keylen, long expires, time_t now, char **cause)
{
	struct s3_sign	 sg;
	char		 date[17], *cred, *ecred, *query, *path, *sig, *url, *h;
	const char	*hdrs[1];

	if (expires < 1 || expires > 604800) {
		*cause = xprintf("expiry of %ld s is not between 1 s and 7 days", expires);
		return (NULL);
	}
	s3_amz_date(now, date);
	cred = xprintf("%s/%.8s/%s/s3/aws4_request", s3->access_key, date, s3->region);
	ecred = s3_encode(cred, strlen(cred), 0);
	query = xprintf("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s"
	    "&X-Amz-Date=%s&X-Amz-Expires=%ld&X-Amz-SignedHeaders=host",
	    ecred, date, expires);
	path = s3_path(bucket, key, keylen);
	h = xprintf("host:%s", s3->host);
	hdrs[0] = h;
	memset(&sg, 0, sizeof sg);
	sg.method = method;
	sg.path = path;
	sg.query = query;
	sg.headers = hdrs;
	sg.nheaders = 1;
	sg.payload_hash = "UNSIGNED-PAYLOAD";
	sg.amz_date = date;
	sg.region = s3->region;
	sg.service = "s3";
	sg.access_key = s3->access_key;
	sg.secret_key = s3->secret_key;
	sig = s3_sign_signature(&sg);
	url = xprintf("%s%s?%s&X-Amz-Signature=%s", s3->url, path, query, sig);
	free(cred);
	free(ecred);
	free(query);
	free(path);
	free(sig);
	free(h);
	return (url);
}

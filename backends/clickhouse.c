/*
 * ClickHouse over its HTTP interface, on the event loop. A query is one POST
 * whose body streams through the TSV parser (clickhouse-tsv.c); progress
 * comes from X-ClickHouse-Progress headers on servers that send them, else
 * from polling system.processes on a second connection; cancel sends KILL
 * QUERY to every shard and then checks system.processes until it is gone.
 *
 * The server's version is asked once per URL (SELECT version()) and kept,
 * but only when a feature depends on it: progress headers and {name:Type}
 * parameters, which 18.16 lacks and which are substituted here instead.
 */
#include "config.h"

#include <curl/curl.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "backends/clickhouse.h"
#include "backends/clickhouse-int.h"
#include "backends/clickhouse-params.h"
#include "backends/http.h"
#include "core/buf.h"
#include "core/loop.h"
#include "core/xmalloc.h"

#define CH_POLL_MS		500	/* system.processes, while the query runs */
#define CH_ERRBODY_MAX		65536	/* of a non-200 answer, kept */
#define CH_VERSION_PROGRESS	19001000L	/* sends X-ClickHouse-Progress */
#define CH_VERSION_PARAMS	19006000L	/* knows {name:Type} parameters */

/* Versions seen, one per URL, for the life of the process. */
struct ch_version {
	char		*url;
	long		 number;
};
static struct ch_version	*ch_versions;
static size_t			 ch_nversions;


/* "18.16.1.54405" is 18016001: major, minor and patch, three digits each. */
long
ch_version_number(const char *s)
{
	long	part[3] = { 0, 0, 0 };
	int	i;
	char	*end;

	if (s == NULL)
		return (0);
	while (*s == ' ' || *s == '\t')
		s++;
	for (i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*s))
			break;
		part[i] = strtol(s, &end, 10);
		if (part[i] > 999)
			part[i] = 999;
		s = end;
		if (*s != '.')
			break;
		s++;
	}
	if (i == 0 && part[0] == 0)
		return (0);
	return (part[0] * 1000000L + part[1] * 1000L + part[2]);
}

static long
ch_version_lookup(const char *url)
{
	size_t	i;

	for (i = 0; i < ch_nversions; i++) {
		if (strcmp(ch_versions[i].url, url) == 0)
			return (ch_versions[i].number);
	}
	return (-1);
}

static void
ch_version_store(const char *url, long number)
{
	if (ch_version_lookup(url) != -1)
		return;
	ch_versions = xreallocarray(ch_versions, ch_nversions + 1, sizeof *ch_versions);
	ch_versions[ch_nversions].url = xstrdup(url);
	ch_versions[ch_nversions].number = number;
	ch_nversions++;
}

void
ch_conn_copy(struct ch_conn *c, const struct ch_target *t)
{
	size_t	len;

	c->name = xstrdup(t->name != NULL ? t->name : t->url);
	c->url = xstrdup(t->url);
	/* "http://host:8123/" and "http://host:8123" are the same server. */
	len = strlen(c->url);
	while (len > 0 && c->url[len - 1] == '/')
		c->url[--len] = '\0';
	c->user = t->user != NULL ? xstrdup(t->user) : NULL;
	c->password = t->password != NULL ? xstrdup(t->password) : NULL;
	c->database = t->database != NULL ? xstrdup(t->database) : NULL;
	c->ca_file = t->ca_file != NULL ? xstrdup(t->ca_file) : NULL;
	c->timeout_ms = t->timeout_ms;
}

void
ch_conn_free(struct ch_conn *c)
{
	free(c->name);
	free(c->url);
	free(c->user);
	if (c->password != NULL) {
		explicit_bzero(c->password, strlen(c->password));
		free(c->password);
	}
	free(c->database);
	free(c->ca_file);
}

/* Percent-encodes a URL parameter's value. */
static void
ch_url_add(struct buf *b, const char *name, const char *value)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;

	buf_addc(b, b->len != 0 && strchr(b->data, '?') != NULL ? '&' : '?');
	buf_adds(b, name);
	buf_addc(b, '=');
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			buf_addc(b, (char)*p);
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[*p >> 4]);
			buf_addc(b, hex[*p & 15]);
		}
	}
}

/* A request to one server with its auth and TLS settings; the URL gets the parameters. */
static struct http_req *
ch_request(struct http *http, const struct ch_conn *c, struct buf *url, const char *body,
    int whole_timeout)
{
	struct http_req	*req;

	req = http_req_new(http, buf_str(url));
	http_req_method(req, "POST");
	http_req_body(req, body, strlen(body));
	/* Curl would wait for "100 Continue" before a long query. */
	http_req_header(req, "Expect", NULL);
	if (c->user != NULL)
		http_req_header(req, "X-ClickHouse-User", c->user);
	if (c->password != NULL)
		http_req_header(req, "X-ClickHouse-Key", c->password);
	if (c->ca_file != NULL)
		http_req_cainfo(req, c->ca_file);
	if (c->timeout_ms > 0)
		http_req_connect_timeout(req, c->timeout_ms);
	http_req_timeout(req, whole_timeout);
	return (req);
}

/* A short query on the side (version, progress, kill): small body, whole-request limit. */
struct http_req *
ch_aux_request(struct http *http, const struct ch_conn *c, const char *sql)
{
	struct buf	 url;
	struct http_req	*req;

	buf_init(&url);
	buf_adds(&url, c->url);
	buf_addc(&url, '/');
	ch_url_add(&url, "default_format", "TabSeparated");
	req = ch_request(http, c, &url, sql, c->timeout_ms > 0 ?
	    c->timeout_ms + CH_AUX_TIMEOUT : CH_AUX_TIMEOUT);
	buf_free(&url);
	return (req);
}

/* A random version-4 UUID: unique across shards and clients. */
static void
ch_make_id(char *out, size_t len)
{
	unsigned char	r[16];
	size_t		i;
	static unsigned	counter;

	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		srandom((unsigned)time(NULL) ^ (unsigned)getpid() ^ ++counter);
		for (i = 0; i < sizeof r; i++)
			r[i] = (unsigned char)random();
	}
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	snprintf(out, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5], r[6],
	    r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

/* "Code: 62, e.displayText() = ..." or "Code: 62. DB::Exception: ..." gives 62. */
static int
ch_error_code(const char *s)
{
	const char	*p;

	if (s == NULL || (p = strstr(s, "Code: ")) == NULL)
		return (0);
	return (atoi(p + 6));
}

/* Unknown user, wrong password, required password, authentication failed. */
static int
ch_auth_code(int code)
{
	return (code == 192 || code == 193 || code == 194 || code == 516);
}

/* Stops everything the query waits on, without callbacks. */
void
ch_query_stop(struct ch_query *q)
{
	size_t	i;

	if (q->req != NULL)
		http_req_cancel(q->req);
	if (q->version_req != NULL)
		http_req_cancel(q->version_req);
	if (q->poll_req != NULL)
		http_req_cancel(q->poll_req);
	q->req = q->version_req = q->poll_req = NULL;
	loop_timer_stop(&q->poll_timer);
	loop_timer_stop(&q->kill_timer);
	for (i = 0; i < q->nkills; i++) {
		if (q->kills[i].req != NULL)
			http_req_cancel(q->kills[i].req);
		q->kills[i].req = NULL;
		loop_timer_stop(&q->kills[i].timer);
	}
}

static void
ch_query_free(struct ch_query *q)
{
	size_t	i;

	ch_query_stop(q);
	ch_conn_free(&q->conn);
	free(q->sql);
	free(q->session_id);
	for (i = 0; i < q->nparams; i++) {
		free((char *)q->params[i].name);
		free((char *)q->params[i].value);
	}
	free(q->params);
	buf_free(&q->errbody);
	buf_free(&q->message);
	ch_tsv_free(q->tsv);
	for (i = 0; i < q->nkills; i++) {
		ch_conn_free(&q->kills[i].conn);
		free(q->kills[i].error);
	}
	free(q->kills);
	free(q);
}

/* The one way a query ends: stop, report once, free. */
void
ch_query_finish(struct ch_query *q, enum ch_status status, int code, const char *msg)
{
	struct ch_result	res;

	ch_query_stop(q);
	memset(&res, 0, sizeof res);
	res.status = status;
	res.code = code;
	if (status != CH_OK) {
		if (msg != NULL && msg != q->message.data) {
			buf_reset(&q->message);
			buf_adds(&q->message, msg);
		}
		res.message = buf_str(&q->message);
	}
	res.rows = q->rows;
	res.elapsed_ms = loop_now(q->loop) - q->start;
	if (status == CH_ERR_CANCELLED) {
		size_t i;

		res.kill_confirmed = q->nkills > 0;
		for (i = 0; i < q->nkills; i++)
			res.kill_confirmed &= q->kills[i].confirmed;
	}
	if (q->cb.done != NULL)
		q->cb.done(&res, q->arg);
	ch_query_free(q);
}

static void
ch_report_progress(struct ch_query *q)
{
	q->progress.rows_out = q->rows;
	q->progress.elapsed_ms = loop_now(q->loop) - q->start;
	if (q->cb.progress != NULL)
		q->cb.progress(&q->progress, q->arg);
}

/* The parser's header: handed on as it is. */
static void
ch_on_header(const struct ch_column *cols, size_t n, void *arg)
{
	struct ch_query	*q = arg;

	if (!q->cancelling && q->cb.header != NULL)
		q->cb.header(cols, n, q->arg);
}

/* Each parsed row: counted, cut at max_rows, not delivered once cancelling. */
static void
ch_on_row(const struct ch_row *row, void *arg)
{
	struct ch_query	*q = arg;

	if (q->cancelling || (q->max_rows != 0 && q->rows >= q->max_rows))
		return;
	q->rows++;
	if (q->cb.row != NULL)
		q->cb.row(row, q->arg);
}

static const struct ch_callbacks ch_tsv_callbacks = {
	.header = ch_on_header,
	.row = ch_on_row,
};

/* A number after "key": in the progress header's JSON, quoted or not. */
static uint64_t
ch_json_number(const char *s, size_t len, const char *key)
{
	char		 pat[64];
	const char	*p, *end = s + len;
	uint64_t	 v = 0;

	snprintf(pat, sizeof pat, "\"%s\"", key);
	if ((p = memmem(s, len, pat, strlen(pat))) == NULL)
		return (0);
	p += strlen(pat);
	while (p < end && (*p == ':' || *p == ' ' || *p == '"'))
		p++;
	while (p < end && *p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	return (v);
}

/* Status lines and X-ClickHouse-Progress; both come before the body. */
static void
ch_header_line(const char *line, size_t len, void *arg)
{
	struct ch_query	*q = arg;
	static const char progress[] = "X-ClickHouse-Progress:";

	if (len > 9 && strncmp(line, "HTTP/", 5) == 0) {
		const char *sp = memchr(line, ' ', len);

		if (sp != NULL)
			q->status = strtol(sp + 1, NULL, 10);
		return;
	}
	if (len > sizeof progress - 1 && strncasecmp(line, progress, sizeof progress - 1) == 0) {
		q->progress.rows_read = ch_json_number(line, len, "read_rows");
		q->progress.bytes_read = ch_json_number(line, len, "read_bytes");
		q->progress.total_rows = ch_json_number(line, len, "total_rows_to_read");
		ch_report_progress(q);
	}
}

/* The body: rows through the parser after a 200, an error text otherwise. */
static int
ch_data(const char *data, size_t len, void *arg)
{
	struct ch_query	*q = arg;
	char		*cause = NULL;

	if (q->cancelling)
		return (-1);
	if (!q->body_started) {
		q->body_started = 1;
		/* No header can follow now: poll for the rest of the query. */
		if (q->header_progress && q->cb.progress != NULL)
			loop_timer_start(&q->poll_timer, CH_POLL_MS);
	}
	if (q->status != 200) {
		if (q->errbody.len < CH_ERRBODY_MAX)
			buf_add(&q->errbody, data, len < CH_ERRBODY_MAX ? len : CH_ERRBODY_MAX);
		return (0);
	}
	if (ch_tsv_feed(q->tsv, data, len, &cause) != 0) {
		/* Reported from ch_done: no user callback runs inside curl's. */
		buf_reset(&q->message);
		buf_printf(&q->message, "%s: malformed result after %llu rows: %s",
		    q->conn.name, (unsigned long long)q->rows, cause);
		free(cause);
		q->malformed = 1;
		return (-1);
	}
	return (0);
}

/* Trims what a person does not need: trailing newlines, ", e.what() = ...". */
static void
ch_clean_message(struct buf *b)
{
	char	*p;

	if (b->data == NULL)
		return;
	if ((p = strstr(b->data, ", e.what() = ")) != NULL) {
		*p = '\0';
		b->len = (size_t)(p - b->data);
	}
	while (b->len > 0 && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == '\r' ||
	    b->data[b->len - 1] == ' '))
		b->data[--b->len] = '\0';
}

static void
ch_done(struct http_req *req, const struct http_result *res, void *arg)
{
	struct ch_query	*q = arg;
	char		*cause = NULL;
	int		 code;

	q->req = NULL;
	if (q->malformed) {
		ch_query_finish(q, CH_ERR_PROTOCOL, 0, buf_str(&q->message));
		return;
	}
	switch (res->error) {
	case HTTP_OK:
		break;
	case HTTP_ERR_RESOLVE:
	case HTTP_ERR_CONNECT:
	case HTTP_ERR_TLS:
		buf_printf(&q->message, "%s (%s): %s", q->conn.name, q->conn.url, res->message);
		ch_query_finish(q, CH_ERR_CONNECT, 0, buf_str(&q->message));
		return;
	case HTTP_ERR_TIMEOUT:
		buf_printf(&q->message, "%s (%s): %s", q->conn.name, q->conn.url, res->message);
		ch_query_finish(q, CH_ERR_TIMEOUT, 0, buf_str(&q->message));
		return;
	default:
		/* A 200 cut short, or an error body cut short: say how far it got. */
		if (q->status == 200 || q->status == 0)
			buf_printf(&q->message, "%s: the connection dropped after %llu rows "
			    "(the server may have died): %s", q->conn.name,
			    (unsigned long long)q->rows, res->message);
		else
			buf_printf(&q->message, "%s: HTTP %ld, then the connection dropped: %s",
			    q->conn.name, q->status, res->message);
		ch_query_finish(q, CH_ERR_PROTOCOL, 0, buf_str(&q->message));
		return;
	}
	if (res->status != 200) {
		ch_clean_message(&q->errbody);
		code = ch_error_code(buf_str(&q->errbody));
		if (q->errbody.len == 0)
			buf_printf(&q->message, "%s: HTTP %ld", q->conn.name, res->status);
		else
			buf_add(&q->message, q->errbody.data, q->errbody.len);
		ch_query_finish(q, res->status == 401 || res->status == 403 ||
		    ch_auth_code(code) ? CH_ERR_AUTH : CH_ERR_SERVER, code,
		    buf_str(&q->message));
		return;
	}
	if (ch_tsv_end(q->tsv, &cause) != 0) {
		if (strncmp(cause, "Code: ", 6) == 0) {
			buf_adds(&q->message, cause);
			ch_clean_message(&q->message);
			code = ch_error_code(cause);
			free(cause);
			ch_query_finish(q, ch_auth_code(code) ? CH_ERR_AUTH : CH_ERR_SERVER,
			    code, buf_str(&q->message));
			return;
		}
		buf_printf(&q->message, "%s: %s after %llu rows", q->conn.name, cause,
		    (unsigned long long)q->rows);
		free(cause);
		ch_query_finish(q, CH_ERR_PROTOCOL, 0, buf_str(&q->message));
		return;
	}
	ch_query_finish(q, CH_OK, 0, NULL);
}

/* One answer from system.processes: the largest figures among the query's parts. */
static void
ch_poll_done(struct http_req *req, const struct http_result *res, void *arg)
{
	struct ch_query		*q = arg;
	unsigned long long	 rows, bytes, total;
	double			 elapsed;

	q->poll_req = NULL;
	if (res->error == HTTP_OK && res->status == 200 &&
	    sscanf(buf_str(res->body), "%llu\t%llu\t%llu\t%lf", &rows, &bytes, &total,
	    &elapsed) == 4) {
		q->progress.rows_read = rows;
		q->progress.bytes_read = bytes;
		q->progress.total_rows = total;
	}
	ch_report_progress(q);
	loop_timer_start(&q->poll_timer, CH_POLL_MS);
}

static void
ch_poll(void *arg)
{
	struct ch_query	*q = arg;
	char		*sql;

	if (q->poll_req != NULL || q->cancelling)
		return;
	sql = xprintf("SELECT max(read_rows), max(read_bytes), max(total_rows_approx), "
	    "max(elapsed) FROM system.processes WHERE query_id = '%s' OR "
	    "initial_query_id = '%s'", q->id, q->id);
	q->poll_req = ch_aux_request(q->http, &q->conn, sql);
	free(sql);
	http_req_start(q->poll_req, ch_poll_done, q);
}

/* Sends the query itself, with the features the server's version allows. */
static void
ch_query_send(struct ch_query *q)
{
	struct buf	 url;
	long		 version = ch_version_lookup(q->conn.url);
	const char	*sql = q->sql;
	char		*subst = NULL, *name, num[32];
	size_t		 i;
	int		 server_params = version >= CH_VERSION_PARAMS;

	buf_init(&url);
	buf_adds(&url, q->conn.url);
	buf_addc(&url, '/');
	ch_url_add(&url, "query_id", q->id);
	ch_url_add(&url, "default_format", "TabSeparatedWithNamesAndTypes");
	if (q->conn.database != NULL)
		ch_url_add(&url, "database", q->conn.database);
	if (q->session_id != NULL)
		ch_url_add(&url, "session_id", q->session_id);
	if (q->nparams > 0 && server_params) {
		for (i = 0; i < q->nparams; i++) {
			name = xprintf("param_%s", q->params[i].name);
			ch_url_add(&url, name, q->params[i].value);
			free(name);
		}
	} else if (q->nparams > 0)
		sql = subst = ch_params_substitute(q->sql, q->params, q->nparams);
	if (q->gzip)
		ch_url_add(&url, "enable_http_compression", "1");
	if (q->max_rows != 0) {
		snprintf(num, sizeof num, "%llu", (unsigned long long)q->max_rows);
		ch_url_add(&url, "max_result_rows", num);
		ch_url_add(&url, "result_overflow_mode", "break");
	}
	if (q->cb.progress != NULL && version >= CH_VERSION_PROGRESS) {
		q->header_progress = 1;
		ch_url_add(&url, "send_progress_in_http_headers", "1");
	}
	/* Last: readonly=1 forbids changing settings after it. */
	if (q->readonly)
		ch_url_add(&url, "readonly", "1");

	/* No whole-request limit: a result may stream for hours. */
	q->req = ch_request(q->http, &q->conn, &url, sql, 0);
	buf_free(&url);
	free(subst);
	/* Bigger reads: fewer trips through poll and curl for a long result. */
	curl_easy_setopt(http_req_curl(q->req), CURLOPT_BUFFERSIZE, 512L * 1024);
	if (q->gzip)
		curl_easy_setopt(http_req_curl(q->req), CURLOPT_ACCEPT_ENCODING, "gzip");
	http_req_on_header(q->req, ch_header_line, q);
	http_req_on_data(q->req, ch_data, q);
	http_req_start(q->req, ch_done, q);
	if (q->cb.progress != NULL && !q->header_progress)
		loop_timer_start(&q->poll_timer, CH_POLL_MS);
}

/* The version is known (or could not be had: then the oldest features are used). */
static void
ch_version_done(struct http_req *req, const struct http_result *res, void *arg)
{
	struct ch_query	*q = arg;

	q->version_req = NULL;
	if (res->error == HTTP_OK && res->status == 200)
		ch_version_store(q->conn.url, ch_version_number(buf_str(res->body)));
	else if (res->error != HTTP_OK) {
		/* The query would fail the same way: say so now. */
		buf_printf(&q->message, "%s (%s): %s", q->conn.name, q->conn.url, res->message);
		ch_query_finish(q, res->error == HTTP_ERR_TIMEOUT ? CH_ERR_TIMEOUT :
		    res->error == HTTP_ERR_PROTOCOL || res->error == HTTP_ERR_OTHER ?
		    CH_ERR_PROTOCOL : CH_ERR_CONNECT, 0, buf_str(&q->message));
		return;
	}
	ch_query_send(q);
}

/*
 * Starts a query; every outcome comes through done, never before this
 * returns. The version is asked first only when a feature depends on it.
 */
struct ch_query *
ch_query_start(struct loop *loop, struct http *http, const struct ch_target *target,
    const char *sql, const struct ch_options *opts, const struct ch_callbacks *cb,
    void *arg, char **cause)
{
	struct ch_query	*q;
	const char	*p;
	size_t		 i;

	if (target == NULL || target->url == NULL || (strncmp(target->url, "http://", 7) != 0 &&
	    strncmp(target->url, "https://", 8) != 0)) {
		xasprintf(cause, "a ClickHouse target needs an http:// or https:// URL");
		return (NULL);
	}
	for (p = sql; p != NULL && isspace((unsigned char)*p); p++)
		;
	if (p == NULL || *p == '\0') {
		xasprintf(cause, "the query is empty");
		return (NULL);
	}
	if (opts != NULL && opts->nparams > 0) {
		for (i = 0; i < opts->nparams; i++) {
			for (p = opts->params[i].name; *p != '\0'; p++) {
				if (!isalnum((unsigned char)*p) && *p != '_')
					break;
			}
			if (*p != '\0' || *opts->params[i].name == '\0') {
				xasprintf(cause, "bad parameter name '%s'", opts->params[i].name);
				return (NULL);
			}
		}
		if (ch_params_check(sql, opts->params, opts->nparams, cause) != 0)
			return (NULL);
	}

	q = xcalloc(1, sizeof *q);
	q->loop = loop;
	q->http = http;
	ch_conn_copy(&q->conn, target);
	q->sql = xstrdup(sql);
	ch_make_id(q->id, sizeof q->id);
	if (cb != NULL)
		q->cb = *cb;
	q->arg = arg;
	if (opts != NULL) {
		q->session_id = opts->session_id != NULL ? xstrdup(opts->session_id) : NULL;
		q->nparams = opts->nparams;
		q->params = xcalloc(q->nparams + 1, sizeof *q->params);
		for (i = 0; i < q->nparams; i++) {
			q->params[i].name = xstrdup(opts->params[i].name);
			q->params[i].value = xstrdup(opts->params[i].value != NULL ?
			    opts->params[i].value : "");
		}
		q->gzip = opts->gzip;
		q->max_rows = opts->max_rows;
		q->readonly = opts->readonly;
	}
	buf_init(&q->errbody);
	buf_init(&q->message);
	q->tsv = ch_tsv_new(&ch_tsv_callbacks, q);
	q->start = loop_now(loop);
	loop_timer_init(&q->poll_timer, loop, ch_poll, q);
	loop_timer_init(&q->kill_timer, loop, ch_kill_start, q);

	if ((q->cb.progress != NULL || q->nparams > 0) &&
	    ch_version_lookup(q->conn.url) == -1) {
		q->version_req = ch_aux_request(http, &q->conn, "SELECT version()");
		http_req_start(q->version_req, ch_version_done, q);
	} else
		ch_query_send(q);
	return (q);
}

const char *
ch_query_id(const struct ch_query *q)
{
	return (q->id);
}

/*
 * Unit tests for the HTTP backend against a tiny HTTP/1.1 server that runs
 * on the same loop (127.0.0.1, ephemeral port): bodies, streaming, status,
 * refused, timeout, cancel, concurrency, Basic auth and re-entrancy.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/loop.h"
#include "core/xmalloc.h"
#include "backends/http.h"
#include "tests/unit/tap.h"

/* The server: one listener, a state machine per accepted connection. */
struct srv_conn {
	int			 fd;
	struct loop_io		 io;
	struct loop_timer	 delay;		/* for /slow */
	struct buf		 in;
	struct buf		 out;
	int			 answered;
	struct srv_conn		*next;
};

static struct loop	*loop;
static int		 srv_fd = -1;
static struct loop_io	 srv_io;
static int		 srv_port;
static struct srv_conn	*srv_conns;
static char		 srv_last_auth[256];
static char		 srv_last_ua[256];

static void	srv_conn_io(int, short, void *);

/* Copies one request header's value into dst, or "" when absent. */
static void
srv_header(const char *req, const char *name, char *dst, size_t len)
{
	const char	*p, *e;
	size_t		 n = strlen(name);

	dst[0] = '\0';
	for (p = strstr(req, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
			p += 2 + n + 1;
			while (*p == ' ')
				p++;
			e = strstr(p, "\r\n");
			if (e == NULL || (size_t)(e - p) >= len)
				return;
			memcpy(dst, p, e - p);
			dst[e - p] = '\0';
			return;
		}
	}
}

/* Queues a complete response and starts writing it. */
static void
srv_respond(struct srv_conn *c, int status, const char *reason,
    const char *body, size_t len)
{
	buf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, reason,
	    len);
	buf_add(&c->out, body, len);
	c->answered = 1;
	loop_io_start(&c->io, POLLOUT);
}

static void
srv_slow_cb(void *arg)
{
	srv_respond(arg, 200, "OK", "slow", 4);
}

/* Answers by path once the whole request has arrived. */
static void
srv_dispatch(struct srv_conn *c)
{
	char		 path[128], clen[32], *end, *big;
	size_t		 hlen, blen = 0, i;

	if ((end = strstr(c->in.data, "\r\n\r\n")) == NULL)
		return;
	hlen = end - c->in.data + 4;
	srv_header(c->in.data, "Content-Length", clen, sizeof clen);
	if (clen[0] != '\0')
		blen = strtoul(clen, NULL, 10);
	if (c->in.len < hlen + blen)
		return;
	if (sscanf(c->in.data, "%*s %127s", path) != 1)
		strcpy(path, "/");
	srv_header(c->in.data, "Authorization", srv_last_auth, sizeof srv_last_auth);
	srv_header(c->in.data, "User-Agent", srv_last_ua, sizeof srv_last_ua);

	if (strcmp(path, "/hello") == 0)
		srv_respond(c, 200, "OK", "hello world", 11);
	else if (strcmp(path, "/missing") == 0)
		srv_respond(c, 404, "Not Found", "no such thing", 13);
	else if (strcmp(path, "/echo") == 0)
		srv_respond(c, 200, "OK", c->in.data + hlen, blen);
	else if (strcmp(path, "/big") == 0) {
		big = xmalloc(256 * 1024);
		for (i = 0; i < 256 * 1024; i++)
			big[i] = 'a' + i % 26;
		srv_respond(c, 200, "OK", big, 256 * 1024);
		free(big);
	} else if (strcmp(path, "/slow") == 0) {
		c->answered = 1;
		loop_io_start(&c->io, 0);
		loop_timer_start(&c->delay, 500);
	} else if (strcmp(path, "/hang") == 0) {
		c->answered = 1;	/* read and never answer */
		loop_io_start(&c->io, 0);
	} else
		srv_respond(c, 400, "Bad Request", "", 0);
}

/* Frees one server connection. */
static void
srv_conn_close(struct srv_conn *c)
{
	struct srv_conn	**pp;

	for (pp = &srv_conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	loop_io_stop(&c->io);
	loop_timer_stop(&c->delay);
	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

/* Reads the request, then writes the response out and closes. */
static void
srv_conn_io(int fd, short revents, void *arg)
{
	struct srv_conn	*c = arg;
	char		 tmp[4096];
	ssize_t		 n;

	if (!c->answered) {
		n = read(fd, tmp, sizeof tmp);
		if (n == 0 || (n == -1 && errno != EAGAIN)) {
			srv_conn_close(c);
			return;
		}
		if (n > 0) {
			buf_add(&c->in, tmp, n);
			srv_dispatch(c);
		}
		return;
	}
	if (c->out.len == 0)
		return;
	n = write(fd, c->out.data, c->out.len);
	if (n == -1 && errno == EAGAIN)
		return;
	if (n <= 0) {
		srv_conn_close(c);
		return;
	}
	buf_consume(&c->out, n);
	if (c->out.len == 0)
		srv_conn_close(c);
}

static void
srv_accept(int fd, short revents, void *arg)
{
	struct srv_conn	*c;
	int		 cfd;

	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK|SOCK_CLOEXEC)) != -1) {
		c = xcalloc(1, sizeof *c);
		c->fd = cfd;
		buf_init(&c->in);
		buf_init(&c->out);
		loop_io_init(&c->io, loop, cfd, srv_conn_io, c);
		loop_io_start(&c->io, POLLIN);
		loop_timer_init(&c->delay, loop, srv_slow_cb, c);
		c->next = srv_conns;
		srv_conns = c;
	}
}

/* Listens on 127.0.0.1 with a port the kernel picks; returns the port. */
static int
listen_loopback(int backlog, int *portp)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, backlog) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		perror("listen");
		exit(1);
	}
	*portp = ntohs(sin.sin_port);
	return (fd);
}

static void
srv_start(void)
{
	srv_fd = listen_loopback(16, &srv_port);
	loop_io_init(&srv_io, loop, srv_fd, srv_accept, NULL);
	loop_io_start(&srv_io, POLLIN);
}

static void
srv_stop(void)
{
	while (srv_conns != NULL)
		srv_conn_close(srv_conns);
	loop_io_stop(&srv_io);
	close(srv_fd);
}

static char *
url(const char *path)
{
	return (xprintf("http://127.0.0.1:%d%s", srv_port, path));
}

/* What a done callback saw. */
struct outcome {
	int		 done;
	enum http_error	 error;
	long		 status;
	char		*body;
	char		*ctype;
	char		*message;
	int		 order;
};

static int	done_seq;

static void
outcome_cb(struct http_req *req, const struct http_result *res, void *arg)
{
	struct outcome	*o = arg;

	o->done++;
	o->error = res->error;
	o->status = res->status;
	o->body = xstrdup(buf_str(res->body));
	o->ctype = res->content_type != NULL ? xstrdup(res->content_type) : NULL;
	o->message = res->message != NULL ? xstrdup(res->message) : NULL;
	o->order = ++done_seq;
}

static void
outcome_free(struct outcome *o)
{
	free(o->body);
	free(o->ctype);
	free(o->message);
	memset(o, 0, sizeof *o);
}

/* Runs the loop until *flag is set or max_ms passed. */
static void
run_until(int *flag, int max_ms)
{
	uint64_t	end = loop_now(loop) + max_ms;

	while ((flag == NULL || !*flag) && loop_now(loop) < end)
		loop_run_once(loop, 20);
}

static struct http_req *
get(struct http *http, const char *path)
{
	struct http_req	*req;
	char		*u = url(path);

	req = http_req_new(http, u);
	free(u);
	return (req);
}

static void
test_basic(struct http *http)
{
	struct outcome	 o = { 0 };
	struct http_req	*req;

	req = get(http, "/hello");
	http_req_start(req, outcome_cb, &o);
	is_int(http_pending(http), 1, "one request pending");
	run_until(&o.done, 5000);
	is_int(o.done, 1, "200: done callback ran once");
	is_int(o.error, HTTP_OK, "200: no error");
	is_int(o.status, 200, "200: status");
	is_str(o.body, "hello world", "200: body collected");
	is_str(o.ctype, "text/plain", "200: content type");
	is_str(srv_last_ua, "platform-tui/" PACKAGE_VERSION, "User-Agent sent");
	is_int(http_pending(http), 0, "nothing pending after");
	outcome_free(&o);

	req = get(http, "/missing");
	http_req_start(req, outcome_cb, &o);
	run_until(&o.done, 5000);
	is_int(o.error, HTTP_OK, "404: transfer ok");
	is_int(o.status, 404, "404: status");
	is_str(o.body, "no such thing", "404: body kept");
	outcome_free(&o);

	req = get(http, "/echo");
	http_req_method(req, "PUT");
	http_req_body(req, "{\"a\":1}", 7);
	http_req_header(req, "Content-Type", "application/json");
	http_req_start(req, outcome_cb, &o);
	run_until(&o.done, 5000);
	is_int(o.status, 200, "PUT with body: status");
	is_str(o.body, "{\"a\":1}", "PUT with body: body echoed");
	outcome_free(&o);
}

struct stream {
	int	chunks;
	size_t	total;
	int	bad;
	int	abort_after;	/* return -1 at this chunk, 0 = never */
	int	cancel;		/* cancel the request from the callback */
	struct http_req *req;
	int	headers_seen;
	int	ctype_seen;
};

static int
stream_cb(const char *data, size_t len, void *arg)
{
	struct stream	*s = arg;
	size_t		 i;

	for (i = 0; i < len; i++) {
		if (data[i] != (char)('a' + (s->total + i) % 26))
			s->bad = 1;
	}
	s->total += len;
	s->chunks++;
	if (s->cancel) {
		http_req_cancel(s->req);
		return (0);
	}
	if (s->abort_after != 0 && s->chunks >= s->abort_after)
		return (-1);
	return (0);
}

static void
header_cb(const char *line, size_t len, void *arg)
{
	struct stream	*s = arg;

	s->headers_seen++;
	if (len == strlen("Content-Type: text/plain") &&
	    strncasecmp(line, "Content-Type: text/plain", len) == 0)
		s->ctype_seen = 1;
	if (memchr(line, '\r', len) != NULL || memchr(line, '\n', len) != NULL)
		s->bad = 1;
}

static void
test_stream(struct http *http)
{
	struct outcome	 o = { 0 };
	struct stream	 s = { 0 };
	struct http_req	*req;

	req = get(http, "/big");
	http_req_on_data(req, stream_cb, &s);
	http_req_on_header(req, header_cb, &s);
	http_req_start(req, outcome_cb, &o);
	run_until(&o.done, 5000);
	is_int(o.error, HTTP_OK, "stream: no error");
	ok(s.chunks > 1, "stream: body came in %d chunks", s.chunks);
	is_int(s.total, 256 * 1024, "stream: every byte arrived");
	ok(!s.bad, "stream: bytes in order, header lines without CRLF");
	is_str(o.body, "", "stream: nothing collected");
	ok(s.ctype_seen, "header callback saw Content-Type");
	outcome_free(&o);

	memset(&s, 0, sizeof s);
	s.abort_after = 1;
	req = get(http, "/big");
	http_req_on_data(req, stream_cb, &s);
	http_req_start(req, outcome_cb, &o);
	run_until(&o.done, 5000);
	is_int(o.done, 1, "abort from data callback: reported");
	is_int(o.error, HTTP_ERR_OTHER, "abort from data callback: HTTP_ERR_OTHER");
	is_int(s.chunks, 1, "abort from data callback: no more data");
	outcome_free(&o);

	memset(&s, 0, sizeof s);
	s.cancel = 1;
	req = get(http, "/big");
	s.req = req;
	http_req_on_data(req, stream_cb, &s);
	http_req_start(req, outcome_cb, &o);
	run_until(NULL, 500);
	is_int(o.done, 0, "cancel from own data callback: no done callback");
	is_int(s.chunks, 1, "cancel from own data callback: no more data");
	is_int(http_pending(http), 0, "cancel from own data callback: nothing pending");
}

static void
test_errors(struct http *http)
{
	struct outcome	 o = { 0 };
	struct http_req	*req;
	uint64_t	 start;
	char		*u;
	int		 fd, port;

	/* A port that was just free: bind, note it, close. */
	fd = listen_loopback(1, &port);
	close(fd);
	u = xprintf("http://127.0.0.1:%d/", port);
	req = http_req_new(http, u);
	free(u);
	http_req_start(req, outcome_cb, &o);
	run_until(&o.done, 5000);
	is_int(o.error, HTTP_ERR_CONNECT, "refused: HTTP_ERR_CONNECT");
	is_int(o.status, 0, "refused: status 0");
	ok(o.message != NULL && *o.message != '\0', "refused: message '%s'",
	    o.message != NULL ? o.message : "");
	outcome_free(&o);

	req = get(http, "/hang");
	http_req_timeout(req, 300);
	start = loop_now(loop);
	http_req_start(req, outcome_cb, &o);
	run_until(&o.done, 10000);
	is_int(o.done, 1, "no answer: request ended");
	is_int(o.error, HTTP_ERR_TIMEOUT, "no answer: HTTP_ERR_TIMEOUT");
	ok(loop_now(loop) - start >= 250, "no answer: waited about the timeout");
	outcome_free(&o);

	req = get(http, "/hang");
	http_req_start(req, outcome_cb, &o);
	run_until(NULL, 100);
	http_req_cancel(req);
	is_int(http_pending(http), 0, "cancel: nothing pending");
	run_until(NULL, 300);
	is_int(o.done, 0, "cancel: no callback");

	req = get(http, "/hello");
	http_req_cancel(req);
	ok(1, "cancel before start frees the request");
}

static void
test_concurrent(struct http *http)
{
	struct outcome	 slow = { 0 }, fast = { 0 };
	struct http_req	*req;

	req = get(http, "/slow");
	http_req_start(req, outcome_cb, &slow);
	req = get(http, "/hello");
	http_req_start(req, outcome_cb, &fast);
	is_int(http_pending(http), 2, "two requests pending");
	run_until(&fast.done, 5000);
	is_int(fast.done, 1, "the fast one finished");
	is_int(slow.done, 0, "while the slow one still runs");
	run_until(&slow.done, 5000);
	is_str(slow.body, "slow", "then the slow one finished");
	ok(fast.order < slow.order, "in that order");
	outcome_free(&slow);
	outcome_free(&fast);
}

static void
test_auth(struct http *http)
{
	struct outcome	 o = { 0 };
	struct http_req	*req;

	req = get(http, "/hello");
	http_req_auth_basic(req, "svc:account", "pa:ss");
	http_req_start(req, outcome_cb, &o);
	run_until(&o.done, 5000);
	/* base64("svc:account:pa:ss") */
	is_str(srv_last_auth, "Basic c3ZjOmFjY291bnQ6cGE6c3M=",
	    "Basic auth: user with ':' sent whole");
	outcome_free(&o);
}

/* A done callback that cancels its sibling, or frees the whole client. */
struct reentry {
	struct http	*http;
	struct http_req	*other;
	int		 free_http;
	int		 calls;
};

static void
reentry_cb(struct http_req *req, const struct http_result *res, void *arg)
{
	struct reentry	*r = arg;

	r->calls++;
	if (r->other != NULL)
		http_req_cancel(r->other);
	r->other = NULL;
	if (r->free_http)
		http_free(r->http);
}

static void
test_reentry(void)
{
	struct http	*http = http_new(loop);
	struct reentry	 a = { 0 }, b = { 0 };
	struct http_req	*ra, *rb;

	/* Both finish in the same round; whichever is reported first cancels the other. */
	ra = get(http, "/hello");
	rb = get(http, "/hello");
	a.other = rb;
	b.other = ra;
	http_req_start(ra, reentry_cb, &a);
	http_req_start(rb, reentry_cb, &b);
	run_until(NULL, 1000);
	is_int(a.calls + b.calls, 1, "done callback cancelling its sibling: one callback");
	is_int(http_pending(http), 0, "and nothing pending");

	/* A done callback frees the client with another request in flight. */
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.http = http;
	a.free_http = 1;
	ra = get(http, "/hello");
	rb = get(http, "/hang");
	http_req_start(ra, reentry_cb, &a);
	http_req_start(rb, reentry_cb, &b);
	run_until(&a.calls, 5000);
	run_until(NULL, 200);
	is_int(a.calls, 1, "http_free from a done callback: that callback ran");
	is_int(b.calls, 0, "and the other request was dropped silently");
}

static char *
route_reason(const char *ip, long port)
{
	return (xprintf("route %s:%ld is down", ip, port));
}

/* Routes: a request to another name lands on our server; failures get a reason. */
static void
test_connect_to(struct http *http)
{
	struct outcome	 o = { 0 };
	struct http_req	*req;
	char		 port[16], *u;
	int		 fd, dead;

	snprintf(port, sizeof port, "%d", srv_port);
	http_connect_to("db.internal", "8123", "127.0.0.1", port);
	req = http_req_new(http, "http://db.internal:8123/hello");
	http_req_start(req, outcome_cb, &o);
	run_until(&o.done, 5000);
	is_int(o.status, 200, "connect-to: a request to db.internal:8123 reached the server");
	is_str(o.body, "hello world", "connect-to: its body");
	outcome_free(&o);

	/* A route whose listener is gone: the route's reason, not curl's. */
	fd = listen_loopback(1, &dead);
	close(fd);
	snprintf(port, sizeof port, "%d", dead);
	http_connect_to("gone.internal", "80", "127.0.0.1", port);
	http_set_route_reason(route_reason);
	u = xprintf("http://gone.internal/");
	req = http_req_new(http, u);
	free(u);
	http_req_start(req, outcome_cb, &o);
	run_until(&o.done, 5000);
	is_int(o.error, HTTP_ERR_CONNECT, "connect-to: a dead route is a connect error");
	u = xprintf("route 127.0.0.1:%d is down", dead);
	is_str(o.message, u, "connect-to: with the route's reason");
	free(u);
	outcome_free(&o);
	http_set_route_reason(NULL);
	http_connect_to_clear();
}

int
main(void)
{
	struct http	*http;

	loop = loop_new();
	srv_start();
	http = http_new(loop);

	test_basic(http);
	test_stream(http);
	test_errors(http);
	test_concurrent(http);
	test_auth(http);
	test_connect_to(http);
	is_str(http_error_string(HTTP_ERR_TIMEOUT), "timed out", "error strings");

	/* http_free with a request in flight cancels it. */
	http_req_start(get(http, "/hang"), outcome_cb, NULL);
	run_until(NULL, 100);
	http_free(http);
	ok(1, "http_free with a request in flight");

	test_reentry();

	srv_stop();
	loop_free(loop);
	return (tap_done());
}

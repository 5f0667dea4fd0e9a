/*
 * HTTP client on the event loop. libcurl's multi interface tells us which
 * sockets to watch (one struct loop_io each) and when to wake it (one struct
 * loop_timer); we hand readiness back with curl_multi_socket_action and
 * collect finished transfers with curl_multi_info_read.
 *
 * Re-entrancy: user code runs from curl's write and header callbacks (inside
 * curl_multi_socket_action, where curl forbids curl_multi_remove_handle) and
 * from done callbacks (outside curl). A request cancelled while curl is on
 * the stack is only marked and reaped once curl has returned; http_free
 * called from any callback is deferred until the outermost entry returns.
 * Done callbacks are called one at a time off a list, so a callback may
 * cancel or free anything, including requests that finished in the same
 * round but have not been reported yet.
 */
#include "config.h"

#include <sys/queue.h>

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/loop.h"
#include "core/xmalloc.h"
#include "backends/http.h"
#include "backends/http-route.h"

#define HTTP_USER_AGENT		"platform-tui/" PACKAGE_VERSION
#define HTTP_CONNECT_TIMEOUT	10000	/* default connect timeout, ms */
#define HTTP_TIMEOUT		60000	/* default whole-request timeout, ms */

enum http_req_state {
	HTTP_REQ_NEW,		/* built, not started; on http->reqs */
	HTTP_REQ_RUNNING,	/* in the multi handle; on http->reqs */
	HTTP_REQ_FINISHED,	/* out of the multi, to be reported; on http->finished */
	HTTP_REQ_REPORTING,	/* its done callback is running; on no list */
};

TAILQ_HEAD(http_reqs, http_req);

struct http_sock {
	struct http		*http;
	curl_socket_t		 fd;
	struct loop_io		 io;
	LIST_ENTRY(http_sock)	 entry;
};

struct http {
	struct loop		*loop;
	CURLM			*multi;
	struct loop_timer	 timer;		/* curl's one timeout */
	struct http_reqs	 reqs;		/* new and running requests */
	struct http_reqs	 finished;	/* done, callback not yet called */
	LIST_HEAD(, http_sock)	 socks;		/* sockets curl asked us to watch */
	int			 pending;	/* started and not yet reported */
	int			 busy;		/* depth of our own entry points */
	int			 in_curl;	/* inside curl_multi_socket_action */
	int			 dead;		/* http_free was called while busy */
};

struct http_req {
	struct http		*http;
	CURL			*easy;
	enum http_req_state	 state;
	int			 cancelled;	/* cancelled while curl was running */
	int			 aborted;	/* the data callback returned -1 */

	char			*method;
	struct curl_slist	*headers;
	char			*body;
	size_t			 bodylen;
	int			 has_body;
	long			 timeout_ms;
	long			 connect_timeout_ms;

	http_data_cb		 data_cb;
	void			*data_arg;
	http_header_cb		 header_cb;
	void			*header_arg;
	http_done_cb		 done_cb;
	void			*done_arg;

	CURLcode		 code;		/* result of the transfer */
	struct buf		 resp;		/* collected body */
	uint64_t		 start;		/* loop_now() at http_req_start */
	char			 errbuf[CURL_ERROR_SIZE];
	TAILQ_ENTRY(http_req)	 entry;
};

static int	http_global_done;

static void	http_process(struct http *);

/* Names for the errors, for status lines and scripted output. */
const char *
http_error_string(enum http_error error)
{
	switch (error) {
	case HTTP_OK:
		return ("ok");
	case HTTP_ERR_RESOLVE:
		return ("name did not resolve");
	case HTTP_ERR_CONNECT:
		return ("could not connect");
	case HTTP_ERR_TIMEOUT:
		return ("timed out");
	case HTTP_ERR_TLS:
		return ("TLS error");
	case HTTP_ERR_CANCELLED:
		return ("cancelled");
	case HTTP_ERR_PROTOCOL:
		return ("protocol error");
	case HTTP_ERR_OTHER:
		break;
	}
	return ("error");
}

/* Callers think in the exit codes of DESIGN.md section 6, not in CURLcode. */
static enum http_error
http_map_error(CURLcode code)
{
	switch (code) {
	case CURLE_OK:
		return (HTTP_OK);
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return (HTTP_ERR_RESOLVE);
	case CURLE_COULDNT_CONNECT:
		return (HTTP_ERR_CONNECT);
	case CURLE_OPERATION_TIMEDOUT:
		return (HTTP_ERR_TIMEOUT);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		return (HTTP_ERR_TLS);
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_HTTP_RETURNED_ERROR:
		return (HTTP_ERR_PROTOCOL);
	default:
		return (HTTP_ERR_OTHER);
	}
}

/* One place frees a request, whatever state it ended in. */
static void
http_req_destroy(struct http_req *req)
{
	if (req->easy != NULL)
		curl_easy_cleanup(req->easy);
	curl_slist_free_all(req->headers);
	free(req->method);
	free(req->body);
	buf_free(&req->resp);
	free(req);
}

/* Takes a request off whichever list holds it and frees it, without a callback. */
static void
http_req_discard(struct http_req *req)
{
	struct http	*http = req->http;

	switch (req->state) {
	case HTTP_REQ_NEW:
		TAILQ_REMOVE(&http->reqs, req, entry);
		break;
	case HTTP_REQ_RUNNING:
		curl_multi_remove_handle(http->multi, req->easy);
		TAILQ_REMOVE(&http->reqs, req, entry);
		if (!req->cancelled)
			http->pending--;
		break;
	case HTTP_REQ_FINISHED:
		TAILQ_REMOVE(&http->finished, req, entry);
		http->pending--;
		break;
	case HTTP_REQ_REPORTING:
		return;		/* freed once its callback returns */
	}
	http_req_destroy(req);
}

/* Curl may not lose a handle while it is on the stack: reap the marked ones after. */
static void
http_reap(struct http *http)
{
	struct http_req	*req, *next;

	for (req = TAILQ_FIRST(&http->reqs); req != NULL; req = next) {
		next = TAILQ_NEXT(req, entry);
		if (req->cancelled)
			http_req_discard(req);
	}
}

/* Tears the multi handle down; only called when nothing of ours is on the stack. */
static void
http_destroy(struct http *http)
{
	struct http_req		*req;
	struct http_sock	*hs;

	while ((req = TAILQ_FIRST(&http->reqs)) != NULL)
		http_req_discard(req);
	while ((req = TAILQ_FIRST(&http->finished)) != NULL)
		http_req_discard(req);
	curl_multi_cleanup(http->multi);
	loop_timer_stop(&http->timer);
	while ((hs = LIST_FIRST(&http->socks)) != NULL) {
		loop_io_stop(&hs->io);
		LIST_REMOVE(hs, entry);
		free(hs);
	}
	free(http);
}

/* Marks the start of a call that may run user code. */
static void
http_enter(struct http *http)
{
	http->busy++;
}

/* Ends such a call; the outermost one carries out a deferred http_free. */
static void
http_leave(struct http *http)
{
	if (--http->busy == 0 && http->dead)
		http_destroy(http);
}

/* Curl tells us which sockets to watch; each gets a loop_io of its own. */
static void
http_sock_cb(int fd, short revents, void *arg)
{
	struct http_sock	*hs = arg;
	struct http		*http = hs->http;
	int			 flags = 0, running;

	if (revents & (POLLIN|POLLHUP))
		flags |= CURL_CSELECT_IN;
	if (revents & POLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (revents & (POLLERR|POLLNVAL))
		flags |= CURL_CSELECT_ERR;

	http_enter(http);
	http->in_curl++;
	curl_multi_socket_action(http->multi, fd, flags, &running);
	http->in_curl--;
	http_process(http);
	http_leave(http);
}

/* CURLMOPT_SOCKETFUNCTION: start, change or stop watching one socket. */
static int
http_socket_fn(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http		*http = userp;
	struct http_sock	*hs = socketp;
	short			 events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (hs != NULL) {
			loop_io_stop(&hs->io);
			LIST_REMOVE(hs, entry);
			free(hs);
			curl_multi_assign(http->multi, fd, NULL);
		}
		return (0);
	}
	if (hs == NULL) {
		hs = xcalloc(1, sizeof *hs);
		hs->http = http;
		hs->fd = fd;
		loop_io_init(&hs->io, http->loop, fd, http_sock_cb, hs);
		LIST_INSERT_HEAD(&http->socks, hs, entry);
		curl_multi_assign(http->multi, fd, hs);
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= POLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= POLLOUT;
	loop_io_start(&hs->io, events);
	return (0);
}

/* Curl's timeout expired: let it run its timers and retries. */
static void
http_timer_cb(void *arg)
{
	struct http	*http = arg;
	int		 running;

	http_enter(http);
	http->in_curl++;
	curl_multi_socket_action(http->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http->in_curl--;
	http_process(http);
	http_leave(http);
}

/* CURLMOPT_TIMERFUNCTION: one loop timer; curl must not be called from here. */
static int
http_timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
	struct http	*http = userp;

	if (timeout_ms < 0)
		loop_timer_stop(&http->timer);
	else
		loop_timer_start(&http->timer, (uint64_t)timeout_ms);
	return (0);
}

/* Builds the result of a finished request and calls its done callback once. */
static void
http_req_report(struct http_req *req)
{
	struct http		*http = req->http;
	struct http_result	 res;
	char			*ctype = NULL, *why;

	memset(&res, 0, sizeof res);
	res.error = http_map_error(req->code);
	res.body = &req->resp;
	res.elapsed_ms = loop_now(http->loop) - req->start;
	if (req->aborted) {
		res.error = HTTP_ERR_OTHER;
		res.message = "transfer aborted by the receiver";
	} else if (res.error != HTTP_OK) {
		if (req->errbuf[0] != '\0')
			res.message = req->errbuf;
		else
			res.message = curl_easy_strerror(req->code);
		if ((why = http_route_explain(req->easy)) != NULL) {
			snprintf(req->errbuf, sizeof req->errbuf, "%s", why);
			free(why);
			res.message = req->errbuf;
		}
	} else
		curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &res.status);
	curl_easy_getinfo(req->easy, CURLINFO_CONTENT_TYPE, &ctype);
	res.content_type = ctype;

	http->pending--;
	req->state = HTTP_REQ_REPORTING;
	req->done_cb(req, &res, req->done_arg);
	http_req_destroy(req);
}

/* After curl ran: free cancelled handles, collect finished ones, report them. */
static void
http_process(struct http *http)
{
	struct http_req	*req;
	CURLMsg		*msg;
	char		*priv;
	int		 left;

	if (http->in_curl != 0)
		return;
	http_reap(http);
	if (http->dead)
		return;

	while ((msg = curl_multi_info_read(http->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		priv = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		if ((req = (struct http_req *)priv) == NULL)
			continue;
		req->code = msg->data.result;
		curl_multi_remove_handle(http->multi, req->easy);
		TAILQ_REMOVE(&http->reqs, req, entry);
		req->state = HTTP_REQ_FINISHED;
		TAILQ_INSERT_TAIL(&http->finished, req, entry);
	}

	/* One at a time: any callback may cancel the rest or free http. */
	while (!http->dead && (req = TAILQ_FIRST(&http->finished)) != NULL) {
		TAILQ_REMOVE(&http->finished, req, entry);
		http_req_report(req);
	}
}

/* Creates the client; curl's global state is set up on first use. */
struct http *
http_new(struct loop *loop)
{
	struct http	*http;

	if (!http_global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			fatal("curl_global_init failed");
		http_global_done = 1;
	}

	http = xcalloc(1, sizeof *http);
	http->loop = loop;
	TAILQ_INIT(&http->reqs);
	TAILQ_INIT(&http->finished);
	LIST_INIT(&http->socks);
	loop_timer_init(&http->timer, loop, http_timer_cb, http);

	if ((http->multi = curl_multi_init()) == NULL)
		fatal("curl_multi_init failed");
	curl_multi_setopt(http->multi, CURLMOPT_SOCKETFUNCTION, http_socket_fn);
	curl_multi_setopt(http->multi, CURLMOPT_SOCKETDATA, http);
	curl_multi_setopt(http->multi, CURLMOPT_TIMERFUNCTION, http_timer_fn);
	curl_multi_setopt(http->multi, CURLMOPT_TIMERDATA, http);
	return (http);
}

/* Cancels every request without callbacks; deferred if called from one. */
void
http_free(struct http *http)
{
	struct http_req	*req, *next;

	if (http == NULL || http->dead)
		return;
	if (http->busy == 0) {
		http_destroy(http);
		return;
	}
	http->dead = 1;
	for (req = TAILQ_FIRST(&http->reqs); req != NULL; req = next) {
		next = TAILQ_NEXT(req, entry);
		http_req_cancel(req);
	}
	while ((req = TAILQ_FIRST(&http->finished)) != NULL)
		http_req_discard(req);
}

/* Started requests whose callback has not run yet. */
int
http_pending(struct http *http)
{
	return (http->pending);
}

/* Curl's write callback: hand the bytes on, or keep them for the result. */
static size_t
http_write_fn(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_req	*req = arg;
	size_t		 len = size * nmemb;

	if (req->cancelled || req->http->dead)
		return (0);
	if (req->data_cb == NULL) {
		buf_add(&req->resp, ptr, len);
		return (len);
	}
	if (req->data_cb(ptr, len, req->data_arg) != 0) {
		req->aborted = 1;
		return (0);
	}
	if (req->cancelled)
		return (0);
	return (len);
}

/* Curl's header callback: one line at a time, without its CRLF. */
static size_t
http_header_fn(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_req	*req = arg;
	size_t		 len = size * nmemb, n = len;

	if (req->cancelled || req->http->dead)
		return (0);
	while (n > 0 && (ptr[n - 1] == '\n' || ptr[n - 1] == '\r'))
		n--;
	if (n > 0 && req->header_cb != NULL)
		req->header_cb(ptr, n, req->header_arg);
	if (req->cancelled)
		return (0);
	return (len);
}

/* A new request with safe defaults: TLS verified, no redirects, http(s) only. */
struct http_req *
http_req_new(struct http *http, const char *url)
{
	struct http_req	*req;
	CURL		*easy;

	if ((easy = curl_easy_init()) == NULL)
		fatal("curl_easy_init failed");
	req = xcalloc(1, sizeof *req);
	req->http = http;
	req->easy = easy;
	req->state = HTTP_REQ_NEW;
	req->timeout_ms = HTTP_TIMEOUT;
	req->connect_timeout_ms = HTTP_CONNECT_TIMEOUT;
	buf_init(&req->resp);

	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, req);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, req->errbuf);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, HTTP_USER_AGENT);
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP|CURLPROTO_HTTPS));
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP|CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, http_write_fn);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, http_header_fn);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, req);
	http_route_apply(easy);

	TAILQ_INSERT_TAIL(&http->reqs, req, entry);
	return (req);
}

/* GET unless told otherwise; applied at start so call order does not matter. */
void
http_req_method(struct http_req *req, const char *method)
{
	free(req->method);
	req->method = xstrdup(method);
}

/* Adds one request header; a NULL value removes a header curl would send. */
void
http_req_header(struct http_req *req, const char *name, const char *value)
{
	struct curl_slist	*l;
	char			*line;

	if (value == NULL)
		line = xprintf("%s:", name);
	else if (*value == '\0')
		line = xprintf("%s;", name);
	else
		line = xprintf("%s: %s", name, value);
	if ((l = curl_slist_append(req->headers, line)) == NULL)
		fatal("curl_slist_append failed");
	req->headers = l;
	free(line);
}

/* The request body is copied so the caller's buffer may go at once. */
void
http_req_body(struct http_req *req, const void *data, size_t len)
{
	free(req->body);
	req->body = xmalloc(len + 1);
	if (len != 0)
		memcpy(req->body, data, len);
	req->body[len] = '\0';
	req->bodylen = len;
	req->has_body = 1;
}

/* USERNAME and PASSWORD separately: a user or key may contain ':'. */
void
http_req_auth_basic(struct http_req *req, const char *user, const char *pass)
{
	curl_easy_setopt(req->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(req->easy, CURLOPT_USERNAME, user);
	curl_easy_setopt(req->easy, CURLOPT_PASSWORD, pass != NULL ? pass : "");
}

/* Whole-request limit in milliseconds; 0 means none (for watches and follows). */
void
http_req_timeout(struct http_req *req, int ms)
{
	req->timeout_ms = ms < 0 ? 0 : ms;
}

/* Limit on reaching the server, so a dead host fails fast. */
void
http_req_connect_timeout(struct http_req *req, int ms)
{
	req->connect_timeout_ms = ms < 0 ? 0 : ms;
}

/* Only for lab servers with self-signed certificates, on the operator's word. */
void
http_req_insecure(struct http_req *req)
{
	curl_easy_setopt(req->easy, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(req->easy, CURLOPT_SSL_VERIFYHOST, 0L);
}

/* A private CA bundle, verification stays on. */
void
http_req_cainfo(struct http_req *req, const char *path)
{
	curl_easy_setopt(req->easy, CURLOPT_CAINFO, path);
}

/* Streams the body to cb instead of collecting it (logs, watches, downloads). */
void
http_req_on_data(struct http_req *req, http_data_cb cb, void *arg)
{
	req->data_cb = cb;
	req->data_arg = arg;
}

/* Shows each response header line to cb (the status line included). */
void
http_req_on_header(struct http_req *req, http_header_cb cb, void *arg)
{
	req->header_cb = cb;
	req->header_arg = arg;
}

/* The easy handle, for options this file does not wrap. */
void *
http_req_curl(struct http_req *req)
{
	return (req->easy);
}

/* Applies the method and body in one place, as curl wants them paired. */
static void
http_req_apply(struct http_req *req)
{
	CURL		*easy = req->easy;
	const char	*m = req->method;

	if (req->headers != NULL)
		curl_easy_setopt(easy, CURLOPT_HTTPHEADER, req->headers);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);

	if (m != NULL && strcmp(m, "HEAD") == 0) {
		curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
		return;
	}
	if (req->has_body || (m != NULL && strcmp(m, "POST") == 0)) {
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->bodylen);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS,
		    req->body != NULL ? req->body : "");
	}
	if (m != NULL && strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0)
		curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, m);
}

/* Hands the request to curl; cb runs exactly once unless it is cancelled. */
void
http_req_start(struct http_req *req, http_done_cb cb, void *arg)
{
	struct http	*http = req->http;
	CURLMcode	 mc;

	if (req->state != HTTP_REQ_NEW)
		fatal("http_req_start: request already started");
	req->done_cb = cb;
	req->done_arg = arg;
	req->start = loop_now(http->loop);
	http_req_apply(req);

	if ((mc = curl_multi_add_handle(http->multi, req->easy)) != CURLM_OK)
		fatal("curl_multi_add_handle: %s", curl_multi_strerror(mc));
	req->state = HTTP_REQ_RUNNING;
	http->pending++;
}

/* Forgets a request: no callback, freed now or once curl is off the stack. */
void
http_req_cancel(struct http_req *req)
{
	if (req == NULL || req->cancelled)
		return;
	if (req->state == HTTP_REQ_RUNNING && req->http->in_curl != 0) {
		req->cancelled = 1;
		req->http->pending--;
		return;
	}
	http_req_discard(req);
}

/*
 * HTTP client on the event loop: libcurl's multi interface driven by the
 * loop's watchers and one timer. Every HTTP service uses this file.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct loop;
struct http;
struct http_req;

/* What went wrong, in the terms the exit codes of DESIGN.md section 6 use. */
enum http_error {
	HTTP_OK = 0,		/* transfer done; look at status */
	HTTP_ERR_RESOLVE,	/* name did not resolve */
	HTTP_ERR_CONNECT,	/* refused, unreachable */
	HTTP_ERR_TIMEOUT,	/* no answer within the timeout */
	HTTP_ERR_TLS,		/* certificate or handshake */
	HTTP_ERR_CANCELLED,	/* http_req_cancel was called (never reported) */
	HTTP_ERR_PROTOCOL,	/* malformed reply, connection dropped */
	HTTP_ERR_OTHER,
};

struct http_result {
	enum http_error	 error;
	long		 status;	/* HTTP status, 0 when error != HTTP_OK */
	const char	*message;	/* human-readable cause when error != HTTP_OK */
	struct buf	*body;		/* collected body (empty when streamed) */
	const char	*content_type;	/* NULL if none */
	uint64_t	 elapsed_ms;
};

/* Streaming callback: return 0 to go on, -1 to abort the transfer. */
typedef int (*http_data_cb)(const char *, size_t, void *arg);
/* Header callback: one header line without CRLF. */
typedef void (*http_header_cb)(const char *, size_t, void *arg);
/* Called once per request unless it was cancelled; the request is freed after. */
typedef void (*http_done_cb)(struct http_req *, const struct http_result *, void *arg);

struct http	*http_new(struct loop *);
void		 http_free(struct http *);	/* cancels everything pending */
int		 http_pending(struct http *);

struct http_req	*http_req_new(struct http *, const char *url);
void		 http_req_method(struct http_req *, const char *);
void		 http_req_header(struct http_req *, const char *name, const char *value);
void		 http_req_body(struct http_req *, const void *, size_t);	/* copied */
void		 http_req_auth_basic(struct http_req *, const char *user, const char *pass);
/* Defaults: 60 s for the whole request, 10 s to connect; 0 means no limit. */
void		 http_req_timeout(struct http_req *, int ms);		/* whole request */
void		 http_req_connect_timeout(struct http_req *, int ms);
void		 http_req_insecure(struct http_req *);	/* skip TLS verification */
void		 http_req_cainfo(struct http_req *, const char *path);
void		 http_req_on_data(struct http_req *, http_data_cb, void *);
void		 http_req_on_header(struct http_req *, http_header_cb, void *);
void		*http_req_curl(struct http_req *);	/* the CURL * for rare options */
void		 http_req_start(struct http_req *, http_done_cb, void *);
void		 http_req_cancel(struct http_req *);	/* no callback; freed */

const char	*http_error_string(enum http_error);

/*
 * Routes (backends/route.c): every request to HOST:PORT connects to
 * TO_HOST:TO_PORT instead, URL and TLS name unchanged. Process-wide.
 */
void		 http_connect_to(const char *host, const char *port,
		     const char *to_host, const char *to_port);
void		 http_connect_to_clear(void);
/* Why a route's connection (to IP:PORT) failed, or NULL; the caller frees. */
typedef char *(*http_reason_fn)(const char *ip, long port);
void		 http_set_route_reason(http_reason_fn);

#endif

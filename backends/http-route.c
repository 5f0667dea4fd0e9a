/*
 * Routes for libcurl: the process-wide CONNECT_TO list every request
 * connects by (backends/route.c fills it), and the route's reason when a
 * request it carried fails. Kept apart from http.c, which only applies it.
 */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/http.h"
#include "backends/http-route.h"
#include "core/xmalloc.h"

/* Routes: HOST:PORT:TO_HOST:TO_PORT lines every request connects by. */
static struct curl_slist	*http_connect_list;
static http_reason_fn		 http_route_reason;
struct http_route {
	char		*host;		/* as URLs name it */
	char		*port;
	char		*to_host;	/* where requests really go: the listener */
	long		 to_port;
};
static struct http_route	*http_routes;	/* the same, to explain failures */
static size_t			 http_nroutes;

/* An IPv6 address goes in brackets in a CONNECT_TO line. */
static const char *
http_bracket(const char *host, char *out, size_t len)
{
	if (strchr(host, ':') == NULL)
		return (host);
	snprintf(out, len, "[%s]", host);
	return (out);
}

/*
 * From now on a request to HOST:PORT connects to TO_HOST:TO_PORT instead,
 * keeping its URL (and so its Host header and TLS name checks).
 */
void
http_connect_to(const char *host, const char *port, const char *to_host,
    const char *to_port)
{
	struct curl_slist	*l;
	char			 a[64], b[64], *line;

	line = xprintf("%s:%s:%s:%s", http_bracket(host, a, sizeof a), port,
	    http_bracket(to_host, b, sizeof b), to_port);
	if ((l = curl_slist_append(http_connect_list, line)) == NULL)
		fatal("curl_slist_append failed");
	http_connect_list = l;
	free(line);
	http_routes = xreallocarray(http_routes, http_nroutes + 1,
	    sizeof *http_routes);
	http_routes[http_nroutes].host = xstrdup(host);
	http_routes[http_nroutes].port = xstrdup(port);
	http_routes[http_nroutes].to_host = xstrdup(to_host);
	http_routes[http_nroutes].to_port = strtol(to_port, NULL, 10);
	http_nroutes++;
}

/* Routes explain failures of the connections they carry. */
void
http_set_route_reason(http_reason_fn fn)
{
	http_route_reason = fn;
}

/* Forget the routes (at exit, and in tests). */
void
http_connect_to_clear(void)
{
	size_t	i;

	curl_slist_free_all(http_connect_list);
	http_connect_list = NULL;
	for (i = 0; i < http_nroutes; i++) {
		free(http_routes[i].host);
		free(http_routes[i].port);
		free(http_routes[i].to_host);
	}
	free(http_routes);
	http_routes = NULL;
	http_nroutes = 0;
}

/* Every new request connects by the list (curl keeps a pointer, not a copy). */
void
http_route_apply(void *easy)
{
	if (http_connect_list != NULL)
		curl_easy_setopt(easy, CURLOPT_CONNECT_TO, http_connect_list);
}

/* Why a failed transfer failed, when a route carried it; NULL otherwise. */
char *
http_route_explain(void *easy)
{
	char	*url = NULL, *host = NULL, *port = NULL, *why = NULL;
	CURLU	*u;
	size_t	 i;

	if (http_route_reason == NULL || http_nroutes == 0 ||
	    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url) !=
	    CURLE_OK || url == NULL || (u = curl_url()) == NULL)
		return (NULL);
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK) {
		/* The URL's host has brackets when it is IPv6; routes do not. */
		if (host[0] == '[')
			memmove(host, host + 1, strlen(host));
		if (*host != '\0' && host[strlen(host) - 1] == ']')
			host[strlen(host) - 1] = '\0';
		for (i = 0; i < http_nroutes && why == NULL; i++) {
			if (strcmp(http_routes[i].host, host) == 0 &&
			    strcmp(http_routes[i].port, port) == 0)
				why = http_route_reason(http_routes[i].to_host,
				    http_routes[i].to_port);
		}
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return (why);
}

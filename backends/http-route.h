/* Routes inside the HTTP client: see http-route.c. Internal to backends/http*.c. */
#ifndef HTTP_ROUTE_H
#define HTTP_ROUTE_H

void	 http_route_apply(void *curl_easy);
char	*http_route_explain(void *curl_easy);	/* caller frees */

#endif

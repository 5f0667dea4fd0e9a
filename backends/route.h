/*
 * Routes: how each endpoint is reached, set up once per process after the
 * inventory loads. An endpoint with via = ssh[:node] gets a listener on
 * 127.0.0.1 whose connections are forwarded through the node's SSH session
 * (direct-tcpip) to the endpoint's host and port; its connect_host and
 * connect_port then name that listener, and libcurl requests keep their
 * URL (TLS still checks the real name) with CURLOPT_CONNECT_TO. Backends
 * never know. An endpoint with via = vpn waits for its tunnel.
 */
#ifndef ROUTE_H
#define ROUTE_H

struct cmd_env;
struct inv_endpoint;

/* Listen for every via = ssh endpoint of env's inventory; once per process. */
void		 route_setup(struct cmd_env *);
void		 route_free_all(void);

/*
 * Why an endpoint cannot be tried now, or NULL: "waiting for VPN office
 * (RECONNECTING)", "via ssh gateway: connecting". Caller frees.
 */
char		*route_blocked(struct cmd_env *, const struct inv_endpoint *);
/* After an attempt failed: the route's reason ("via ssh gateway: lost ..."), or NULL. */
char		*route_failed(struct cmd_env *, const struct inv_endpoint *);

/* Called when an SSH session a route uses changes state (the console redraws). */
void		 route_set_changed(void (*)(void *), void *);

/* The VPN layer says how a tunnel stands: NULL when up (or unknown), else why not. */
void		 route_set_vpn_check(char *(*)(const char *vpn_name));

#endif

/*
 * Routes to the endpoints: for via = ssh, one listener on 127.0.0.1 per
 * (node, host, port), made at start; each connection it accepts is pumped
 * through the node's SSH session to host:port (the session connects on
 * first use and reconnects by itself). And the question the probes ask
 * first: can this endpoint be tried now?
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/http.h"
#include "backends/route.h"
#include "backends/ssh.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/xmalloc.h"

struct route;

/* One accepted connection while SSH carries it. */
struct route_conn {
	struct route		*route;
	struct ssh_fwd		*fwd;
	TAILQ_ENTRY(route_conn)	 entry;
};

/* A listener for one node, host and port; endpoints that share them share it. */
struct route {
	struct cmd_env		*env;
	char			*node;		/* the SSH session's node */
	char			*host;		/* as the node sees it */
	char			*port;
	int			 fd;
	char			 lport[8];	/* where we listen on 127.0.0.1 */
	struct loop_io		 io;
	char			*error;		/* the last forward's failure, or NULL */
	struct ssh_session	*watched;	/* the session we watch, or NULL */
	TAILQ_HEAD(, route_conn) conns;
};

static struct route	**route_list;
static size_t		  route_count;
static int		  route_done;
static char		*(*route_vpn_check)(const char *);
static void		(*route_changed)(void *);
static void		 *route_changed_arg;

static char	*route_http_reason(const char *, long);

void
route_set_vpn_check(char *(*fn)(const char *))
{
	route_vpn_check = fn;
}

void
route_set_changed(void (*cb)(void *), void *arg)
{
	route_changed = cb;
	route_changed_arg = arg;
}

/* A session went up or down: whoever shows route states looks again. */
static void
route_session_changed(struct ssh_session *s, enum ssh_state state, void *arg)
{
	(void)s;
	(void)state;
	(void)arg;
	if (route_changed != NULL)
		route_changed(route_changed_arg);
}

/* The forward ended: remember why if it failed, for the status line. */
static void
route_fwd_done(struct ssh_fwd *fwd, enum ssh_error err, const char *msg,
    void *arg)
{
	struct route_conn	*rc = arg;
	struct route		*r = rc->route;

	(void)fwd;
	if (err != SSH_OK) {
		free(r->error);
		r->error = xprintf("%s", msg != NULL ? msg :
		    ssh_error_string(err));
	} else {
		free(r->error);
		r->error = NULL;
	}
	TAILQ_REMOVE(&r->conns, rc, entry);
	free(rc);
}

/* A client connected: hand its socket to a direct-tcpip channel. */
static void
route_accept(int fd, short revents, void *arg)
{
	struct route		*r = arg;
	struct ssh_session	*s;
	struct route_conn	*rc;
	char			*cause = NULL;
	int			 c;

	(void)revents;
	while ((c = accept(fd, NULL, NULL)) != -1) {
		fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
		fcntl(c, F_SETFD, FD_CLOEXEC);
		if ((s = ssh_node_session(r->env, r->node, &cause)) == NULL) {
			free(r->error);
			r->error = cause;
			cause = NULL;
			close(c);
			continue;
		}
		if (r->watched == NULL) {
			ssh_session_watch(s, route_session_changed, r);
			r->watched = s;
		}
		rc = xcalloc(1, sizeof *rc);
		rc->route = r;
		TAILQ_INSERT_TAIL(&r->conns, rc, entry);
		rc->fwd = ssh_forward_fd(s, c, r->host, atoi(r->port),
		    route_fwd_done, rc);
		if (rc->fwd == NULL) {
			TAILQ_REMOVE(&r->conns, rc, entry);
			free(rc);
			close(c);
		}
	}
}

/* A listener on 127.0.0.1:0; the kernel picks the port. */
static int
route_listen(struct route *r)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;

	if ((r->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(r->fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(r->fd, 64) == -1 ||
	    getsockname(r->fd, (struct sockaddr *)&sin, &len) == -1) {
		close(r->fd);
		r->fd = -1;
		return (-1);
	}
	snprintf(r->lport, sizeof r->lport, "%u", ntohs(sin.sin_port));
	loop_io_init(&r->io, r->env->loop, r->fd, route_accept, r);
	loop_io_start(&r->io, POLLIN);
	return (0);
}

/* The listener for this node and address, made on first need. */
static struct route *
route_get(struct cmd_env *env, const char *node, const struct inv_endpoint *ep)
{
	struct route	*r;
	size_t		 i;

	for (i = 0; i < route_count; i++) {
		r = route_list[i];
		if (strcmp(r->node, node) == 0 && strcmp(r->host, ep->host) == 0 &&
		    strcmp(r->port, ep->port) == 0)
			return (r);
	}
	r = xcalloc(1, sizeof *r);
	r->env = env;
	r->node = xstrdup(node);
	r->host = xstrdup(ep->host);
	r->port = xstrdup(ep->port);
	TAILQ_INIT(&r->conns);
	if (route_listen(r) != 0) {
		log_warn("route to %s:%s via ssh %s: cannot listen: %s",
		    ep->host, ep->port, node, strerror(errno));
		free(r->node);
		free(r->host);
		free(r->port);
		free(r);
		return (NULL);
	}
	route_list = xreallocarray(route_list, route_count + 1,
	    sizeof *route_list);
	route_list[route_count++] = r;
	/* Requests keep their URL; curl connects to the listener instead. */
	http_connect_to(ep->host, ep->port, "127.0.0.1", r->lport);
	return (r);
}

/* Every via = ssh endpoint gets its local address; once per process. */
void
route_setup(struct cmd_env *env)
{
	struct inventory	*inv = env->inv;
	struct inv_endpoint	*ep;
	struct route		*r;
	size_t			 i, j;

	if (route_done || inv == NULL)
		return;
	route_done = 1;
	http_set_route_reason(route_http_reason);
	for (i = 0; i < inv->nservices; i++) {
		for (j = 0; j < inv->services[i].nendpoints; j++) {
			ep = &inv->services[i].endpoints[j];
			if (ep->via != INV_VIA_SSH || ep->via_name == NULL)
				continue;
			if ((r = route_get(env, ep->via_name, ep)) == NULL)
				continue;
			free(ep->connect_host);
			free(ep->connect_port);
			ep->connect_host = xstrdup("127.0.0.1");
			ep->connect_port = xstrdup(r->lport);
		}
	}
}

void
route_free_all(void)
{
	struct route_conn	*rc;
	size_t			 i;

	for (i = 0; i < route_count; i++) {
		while ((rc = TAILQ_FIRST(&route_list[i]->conns)) != NULL) {
			TAILQ_REMOVE(&route_list[i]->conns, rc, entry);
			ssh_forward_close(rc->fwd);
			free(rc);
		}
		if (route_list[i]->watched != NULL)
			ssh_session_unwatch(route_list[i]->watched,
			    route_session_changed, route_list[i]);
		loop_io_stop(&route_list[i]->io);
		close(route_list[i]->fd);
		free(route_list[i]->node);
		free(route_list[i]->host);
		free(route_list[i]->port);
		free(route_list[i]->error);
		free(route_list[i]);
	}
	free(route_list);
	route_list = NULL;
	route_count = 0;
	route_done = 0;
	http_set_route_reason(NULL);
	http_connect_to_clear();
}

/*
 * How a route's SSH session stands when it is not ready ("via ssh gateway:
 * connecting", "... lost: connection refused (retry in 4 s)"); after a
 * failure also a refused channel. NULL when there is nothing to say.
 */
static char *
route_reason(struct route *r, int failed)
{
	struct ssh_session	*s;
	const char		*err;
	uint64_t		 next, now;

	if (r->env->ssh == NULL ||
	    (s = ssh_session_find(r->env->ssh, r->node)) == NULL)
		return (NULL);
	err = ssh_session_error(s);
	switch (ssh_session_state(s)) {
	case SSH_STATE_CONNECTING:
		return (xprintf("via ssh %s: connecting", r->node));
	case SSH_STATE_BACKOFF:
		next = ssh_session_next_retry(s);
		now = loop_now(r->env->loop);
		return (xprintf("via ssh %s: lost%s%s (retry in %llu s)",
		    r->node, err != NULL ? ": " : "", err != NULL ? err : "",
		    next > now ? (unsigned long long)((next - now + 999) / 1000) :
		    0ULL));
	case SSH_STATE_FAILED:
		return (xprintf("via ssh %s: %s", r->node,
		    err != NULL ? err : "failed"));
	default:
		break;
	}
	if (failed && r->error != NULL)
		return (xprintf("via ssh %s: %s", r->node, r->error));
	return (NULL);
}

/* The route of an endpoint, if it has one. */
static struct route *
route_find(const struct inv_endpoint *ep)
{
	size_t	i;

	for (i = 0; i < route_count; i++) {
		if (strcmp(route_list[i]->node, ep->via_name) == 0 &&
		    strcmp(route_list[i]->host, ep->host) == 0 &&
		    strcmp(route_list[i]->port, ep->port) == 0)
			return (route_list[i]);
	}
	return (NULL);
}

/* For http.c: a failed request that went to one of our listeners. */
static char *
route_http_reason(const char *ip, long port)
{
	char	lport[8];
	size_t	i;

	if (strcmp(ip, "127.0.0.1") != 0)
		return (NULL);
	snprintf(lport, sizeof lport, "%ld", port);
	for (i = 0; i < route_count; i++) {
		if (strcmp(route_list[i]->lport, lport) == 0)
			return (route_reason(route_list[i], 1));
	}
	return (NULL);
}

/* How the SSH gateway of an endpoint stands, when it is not ready. */
static char *
route_ssh_blocked(struct cmd_env *env, const struct inv_endpoint *ep,
    int failed)
{
	struct route	*r;

	(void)env;
	if ((r = route_find(ep)) == NULL)
		return (NULL);
	return (route_reason(r, failed));
}

/* A tunnel that is not up, or an SSH gateway that is not connected. */
char *
route_blocked(struct cmd_env *env, const struct inv_endpoint *ep)
{
	if (ep->via == INV_VIA_VPN && ep->via_name != NULL &&
	    route_vpn_check != NULL)
		return (route_vpn_check(ep->via_name));
	if (ep->via == INV_VIA_SSH && ep->via_name != NULL)
		return (route_ssh_blocked(env, ep, 0));
	return (NULL);
}

/* After a failed attempt: the route's own reason, if it has one. */
char *
route_failed(struct cmd_env *env, const struct inv_endpoint *ep)
{
	if (ep->via == INV_VIA_SSH && ep->via_name != NULL)
		return (route_ssh_blocked(env, ep, 1));
	return (NULL);
}

/*
 * A non-blocking TCP connect on the loop: the name is resolved on the loop's
 * worker thread, then each address is tried in turn with a non-blocking
 * connect that completes on POLLOUT and is judged by SO_ERROR. One timer
 * bounds the whole attempt, resolution included.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/loop.h"
#include "core/xmalloc.h"
#include "backends/tcp.h"

#define TCP_MAXADDRS	16

struct tcp_addr {
	int			 family;
	int			 protocol;
	socklen_t		 len;
	struct sockaddr_storage	 ss;
};

struct tcp_connect {
	struct loop		*loop;
	char			*host;
	char			*port;
	int			 timeout_ms;
	tcp_connect_cb		 cb;
	void			*arg;

	struct loop_resolve	*resolve;	/* while resolving */
	struct loop_timer	 timer;
	struct loop_io		 io;
	int			 fd;		/* the connect in progress, or -1 */

	struct tcp_addr		 addrs[TCP_MAXADDRS];
	int			 naddrs;
	int			 next;		/* the next address to try */
	int			 last_errno;	/* why the last address failed */
	int			 reporting;	/* the callback is running */
};

static void	tcp_connect_next(struct tcp_connect *);

/* The one way out: stop everything, call back once, free. */
static void
tcp_connect_finish(struct tcp_connect *tc, enum tcp_error error, const char *msg)
{
	int	fd = -1;

	if (tc->resolve != NULL) {
		loop_resolve_cancel(tc->resolve);
		tc->resolve = NULL;
	}
	loop_timer_stop(&tc->timer);
	loop_io_stop(&tc->io);
	if (error == TCP_OK)
		fd = tc->fd;
	else if (tc->fd != -1)
		close(tc->fd);
	tc->fd = -1;

	tc->reporting = 1;
	tc->cb(fd, error, msg, tc->arg);
	free(tc->host);
	free(tc->port);
	free(tc);
}

/* Reports the failure of the last address tried, naming the endpoint. */
static void
tcp_connect_fail(struct tcp_connect *tc)
{
	char	*msg;

	msg = xprintf("connect to %s port %s: %s", tc->host, tc->port,
	    strerror(tc->last_errno != 0 ? tc->last_errno : ECONNREFUSED));
	tcp_connect_finish(tc, TCP_ERR_CONNECT, msg);
	free(msg);
}

/* The socket became writable: the connect is done, SO_ERROR says how. */
static void
tcp_connect_io_cb(int fd, short revents, void *arg)
{
	struct tcp_connect	*tc = arg;
	int			 error = 0;
	socklen_t		 len = sizeof error;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
		error = errno;
	if (error == 0 && (revents & (POLLERR|POLLHUP|POLLNVAL)))
		error = ECONNREFUSED;
	if (error == EINPROGRESS || error == EALREADY)
		return;		/* spurious wakeup; keep waiting */
	if (error == 0) {
		tcp_connect_finish(tc, TCP_OK, NULL);
		return;
	}
	tc->last_errno = error;
	loop_io_stop(&tc->io);
	close(tc->fd);
	tc->fd = -1;
	tcp_connect_next(tc);
}

/* Tries addresses until one is in progress or connected; fails when none is left. */
static void
tcp_connect_next(struct tcp_connect *tc)
{
	struct tcp_addr	*a;
	int		 fd;

	while (tc->next < tc->naddrs) {
		a = &tc->addrs[tc->next++];
		fd = socket(a->family, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC,
		    a->protocol);
		if (fd == -1) {
			tc->last_errno = errno;
			continue;
		}
		tc->fd = fd;
		if (connect(fd, (struct sockaddr *)&a->ss, a->len) == 0) {
			tcp_connect_finish(tc, TCP_OK, NULL);
			return;
		}
		if (errno == EINPROGRESS || errno == EINTR) {
			loop_io_init(&tc->io, tc->loop, fd, tcp_connect_io_cb, tc);
			loop_io_start(&tc->io, POLLOUT);
			return;
		}
		tc->last_errno = errno;
		close(fd);
		tc->fd = -1;
	}
	tcp_connect_fail(tc);
}

/* The worker answered: keep the addresses, then start connecting. */
static void
tcp_connect_resolved(struct addrinfo *ai, int gai_error, void *arg)
{
	struct tcp_connect	*tc = arg;
	struct tcp_addr		*a;
	char			*msg;

	tc->resolve = NULL;
	if (ai == NULL) {
		msg = xprintf("%s: %s", tc->host, gai_error != 0 ?
		    gai_strerror(gai_error) : "no address");
		tcp_connect_finish(tc, TCP_ERR_RESOLVE, msg);
		free(msg);
		return;
	}
	for (; ai != NULL && tc->naddrs < TCP_MAXADDRS; ai = ai->ai_next) {
		if (ai->ai_socktype != SOCK_STREAM ||
		    ai->ai_addrlen > sizeof a->ss)
			continue;
		a = &tc->addrs[tc->naddrs++];
		a->family = ai->ai_family;
		a->protocol = ai->ai_protocol;
		a->len = ai->ai_addrlen;
		memcpy(&a->ss, ai->ai_addr, ai->ai_addrlen);
	}
	tcp_connect_next(tc);
}

/* The deadline passed, whether still resolving or connecting. */
static void
tcp_connect_timer_cb(void *arg)
{
	struct tcp_connect	*tc = arg;
	char			*msg;

	msg = xprintf("connect to %s port %s: timed out after %d ms", tc->host,
	    tc->port, tc->timeout_ms);
	tcp_connect_finish(tc, TCP_ERR_TIMEOUT, msg);
	free(msg);
}

/*
 * Starts a connect; cb runs exactly once, never before this returns, unless
 * tcp_connect_cancel is called first. The handle is freed after the callback.
 */
struct tcp_connect *
tcp_connect_start(struct loop *loop, const char *host, const char *port,
    int timeout_ms, tcp_connect_cb cb, void *arg)
{
	struct tcp_connect	*tc;

	tc = xcalloc(1, sizeof *tc);
	tc->loop = loop;
	tc->host = xstrdup(host);
	tc->port = xstrdup(port);
	tc->timeout_ms = timeout_ms;
	tc->cb = cb;
	tc->arg = arg;
	tc->fd = -1;
	loop_io_init(&tc->io, loop, -1, tcp_connect_io_cb, tc);
	loop_timer_init(&tc->timer, loop, tcp_connect_timer_cb, tc);
	if (timeout_ms > 0)
		loop_timer_start(&tc->timer, (uint64_t)timeout_ms);
	tc->resolve = loop_resolve_start(loop, host, port, SOCK_STREAM,
	    tcp_connect_resolved, tc);
	return (tc);
}

/* Abandons a connect: no callback, the socket is closed. */
void
tcp_connect_cancel(struct tcp_connect *tc)
{
	if (tc == NULL || tc->reporting)
		return;
	if (tc->resolve != NULL)
		loop_resolve_cancel(tc->resolve);
	loop_timer_stop(&tc->timer);
	loop_io_stop(&tc->io);
	if (tc->fd != -1)
		close(tc->fd);
	free(tc->host);
	free(tc->port);
	free(tc);
}

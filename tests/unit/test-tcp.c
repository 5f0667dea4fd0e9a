/*
 * Unit tests for the TCP connect probe, on loopback only: connected,
 * refused, a service that does not resolve, a timeout against a listener
 * whose accept queue is full, and cancel in each phase.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/loop.h"
#include "core/xmalloc.h"
#include "backends/tcp.h"
#include "tests/unit/tap.h"

static struct loop	*loop;

struct outcome {
	int		 done;
	int		 fd;
	enum tcp_error	 error;
	char		*msg;
};

static void
outcome_cb(int fd, enum tcp_error error, const char *msg, void *arg)
{
	struct outcome	*o = arg;

	o->done++;
	o->fd = fd;
	o->error = error;
	free(o->msg);
	o->msg = msg != NULL ? xstrdup(msg) : NULL;
}

/* Runs the loop until *flag is set or max_ms passed. */
static void
run_until(int *flag, int max_ms)
{
	uint64_t	end = loop_now(loop) + max_ms;

	while ((flag == NULL || !*flag) && loop_now(loop) < end)
		loop_run_once(loop, 20);
}

/* Listens on 127.0.0.1 with a port the kernel picks. */
static int
listen_loopback(int backlog, char *port, size_t len)
{
	struct sockaddr_in	sin;
	socklen_t		slen = sizeof sin;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, backlog) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) != 0) {
		perror("listen");
		exit(1);
	}
	snprintf(port, len, "%d", ntohs(sin.sin_port));
	return (fd);
}

/*
 * Fills a backlog-0 listener's accept queue so that further SYNs are dropped
 * and connects hang. Returns how many fillers it needed, 0 if it could not.
 */
static int
fill_backlog(const char *port, int *fillers, int max)
{
	struct sockaddr_in	sin;
	struct pollfd		pfd;
	int			n, fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(atoi(port));
	for (n = 0; n < max; n++) {
		fd = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0);
		if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0 &&
		    errno != EINPROGRESS) {
			close(fd);
			return (0);
		}
		fillers[n] = fd;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 200) == 0)
			return (n + 1);	/* this one hangs: the queue is full */
	}
	return (0);
}

/* Names are only looked up when /etc/hosts answers: no DNS from a test. */
static int
hosts_has_localhost(void)
{
	FILE	*f;
	char	 line[512];
	int	 found = 0;

	if ((f = fopen("/etc/hosts", "r")) == NULL)
		return (0);
	while (!found && fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "127.", 4) == 0 &&
		    strstr(line, "localhost") != NULL)
			found = 1;
	}
	fclose(f);
	return (found);
}

static void
test_ok(void)
{
	struct outcome	 o = { 0 };
	char		 port[16];
	int		 lfd, afd;

	lfd = listen_loopback(8, port, sizeof port);
	tcp_connect_start(loop, "127.0.0.1", port, 2000, outcome_cb, &o);
	is_int(o.done, 0, "no callback before the loop runs");
	run_until(&o.done, 5000);
	is_int(o.done, 1, "connect: one callback");
	is_int(o.error, TCP_OK, "connect: TCP_OK");
	ok(o.fd >= 0, "connect: the caller gets the fd");
	afd = accept(lfd, NULL, NULL);
	ok(afd >= 0, "connect: the server sees the connection");
	if (o.fd >= 0)
		close(o.fd);
	if (afd >= 0)
		close(afd);

	/* "localhost" goes through the resolver and maybe ::1 first. */
	memset(&o, 0, sizeof o);
	if (!hosts_has_localhost())
		ok(1, "connect by name # SKIP no localhost in /etc/hosts");
	else {
		tcp_connect_start(loop, "localhost", port, 2000, outcome_cb, &o);
		run_until(&o.done, 5000);
		is_int(o.error, TCP_OK, "connect by name: TCP_OK (%s)",
		    o.msg != NULL ? o.msg : "");
		if (o.fd >= 0)
			close(o.fd);
	}
	close(lfd);
	free(o.msg);
}

static void
test_refused(void)
{
	struct outcome	 o = { 0 };
	char		 port[16];
	int		 lfd;

	lfd = listen_loopback(1, port, sizeof port);
	close(lfd);
	tcp_connect_start(loop, "127.0.0.1", port, 2000, outcome_cb, &o);
	run_until(&o.done, 5000);
	is_int(o.error, TCP_ERR_CONNECT, "refused: TCP_ERR_CONNECT");
	is_int(o.fd, -1, "refused: no fd");
	ok(o.msg != NULL && strstr(o.msg, "refused") != NULL,
	    "refused: message '%s'", o.msg != NULL ? o.msg : "");
	free(o.msg);

	/* A service name /etc/services does not know fails without any DNS. */
	memset(&o, 0, sizeof o);
	tcp_connect_start(loop, "127.0.0.1", "no-such-service-pt", 2000,
	    outcome_cb, &o);
	run_until(&o.done, 5000);
	is_int(o.error, TCP_ERR_RESOLVE, "unknown service: TCP_ERR_RESOLVE");
	free(o.msg);
}

static void
test_timeout_cancel(void)
{
	struct outcome		 o = { 0 };
	struct tcp_connect	*tc;
	char			 port[16];
	int			 lfd, fillers[16], n, i;
	uint64_t		 start;

	lfd = listen_loopback(0, port, sizeof port);
	n = fill_backlog(port, fillers, 16);
	if (n == 0) {
		ok(1, "full accept queue: timeout # SKIP could not fill the queue");
		ok(1, "full accept queue: waited # SKIP could not fill the queue");
	} else {
		start = loop_now(loop);
		tcp_connect_start(loop, "127.0.0.1", port, 300, outcome_cb, &o);
		run_until(&o.done, 5000);
		is_int(o.error, TCP_ERR_TIMEOUT, "full accept queue: TCP_ERR_TIMEOUT");
		ok(loop_now(loop) - start >= 250,
		    "full accept queue: waited about the timeout");
	}

	/* Cancel while connecting: nothing comes back. */
	free(o.msg);
	memset(&o, 0, sizeof o);
	tc = tcp_connect_start(loop, "127.0.0.1", port, 300, outcome_cb, &o);
	run_until(NULL, 100);
	tcp_connect_cancel(tc);
	run_until(NULL, 400);
	is_int(o.done, 0, "cancel while connecting: no callback");

	/* Cancel before the resolver answered (a numeric host still goes there). */
	tc = tcp_connect_start(loop, "127.0.0.1", port, 300, outcome_cb, &o);
	tcp_connect_cancel(tc);
	run_until(NULL, 400);
	is_int(o.done, 0, "cancel while resolving: no callback");

	for (i = 0; i < n; i++)
		close(fillers[i]);
	close(lfd);
	free(o.msg);
}

int
main(void)
{
	loop = loop_new();
	test_ok();
	test_refused();
	test_timeout_cancel();
	loop_free(loop);
	return (tap_done());
}

/*
 * Fetching WireGuard status on the loop: the UAPI socket of a userspace
 * implementation (wireguard-go) when it exists, else `wg show all dump`
 * as a child; both end in the parsers of wg-parse.c.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/wg.h"
#include "core/buf.h"
#include "core/loop.h"
#include "core/xmalloc.h"

#define WG_UAPI_DIR	"/var/run/wireguard"
#define WG_MAX_REPLY	(4 * 1024 * 1024)

struct wg_fetch {
	struct loop		*loop;
	char			*ifname;	/* or NULL: every interface */
	int			 fd;		/* the socket or the child's stdout */
	struct loop_io		 io;
	struct loop_child	 child;
	struct loop_timer	 timer;
	struct buf		 reply;
	int			 uapi;
	int			 eof;
	int			 exited;
	int			 status;
	wg_done_cb		 cb;
	void			*arg;
};

/* Stop everything the fetch waits on and free it. */
static void
wg_fetch_free(struct wg_fetch *f)
{
	loop_io_stop(&f->io);
	loop_timer_stop(&f->timer);
	if (f->child.pid > 0)
		loop_child_forget(&f->child);
	if (f->fd != -1)
		close(f->fd);
	buf_free(&f->reply);
	free(f->ifname);
	free(f);
}

/* No callback after this. */
void
wg_fetch_cancel(struct wg_fetch *f)
{
	if (f != NULL)
		wg_fetch_free(f);
}

/* Report once, then free. */
static void
wg_fetch_done(struct wg_fetch *f, const struct wg_status *st, const char *error)
{
	f->cb(st, error, f->arg);
	wg_fetch_free(f);
}

/* Keep only IFNAME's interface and peers from an all-interfaces dump. */
static void
wg_fetch_filter(struct wg_status *st, const char *ifname)
{
	size_t	i, n;

	for (i = n = 0; i < st->nifaces; i++) {
		if (strcmp(st->ifaces[i].name, ifname) == 0)
			st->ifaces[n++] = st->ifaces[i];
	}
	st->nifaces = n;
	for (i = n = 0; i < st->npeers; i++) {
		if (strcmp(st->peers[i].ifname, ifname) == 0)
			st->peers[n++] = st->peers[i];
	}
	st->npeers = n;
}

/* Everything is in: parse and report. */
static void
wg_fetch_finish(struct wg_fetch *f)
{
	struct wg_status	 st;
	char			*cause = NULL;
	int			 ret;

	if (!f->uapi && WIFEXITED(f->status) && WEXITSTATUS(f->status) == 127) {
		wg_fetch_done(f, NULL, "wg is not installed (wireguard-tools)");
		return;
	}
	if (!f->uapi && (!WIFEXITED(f->status) || WEXITSTATUS(f->status) != 0)) {
		cause = xprintf("wg show all dump failed (exit %d%s)",
		    WIFEXITED(f->status) ? WEXITSTATUS(f->status) : -1,
		    geteuid() != 0 ? "; it needs root or CAP_NET_ADMIN" : "");
		wg_fetch_done(f, NULL, cause);
		free(cause);
		return;
	}
	if (f->uapi)
		ret = wg_parse_uapi(f->ifname, buf_str(&f->reply), f->reply.len,
		    &st, &cause);
	else
		ret = wg_parse_dump(buf_str(&f->reply), f->reply.len, &st,
		    &cause);
	if (ret != 0) {
		wg_fetch_done(f, NULL, cause);
		free(cause);
		return;
	}
	if (!f->uapi && f->ifname != NULL)
		wg_fetch_filter(&st, f->ifname);
	if (f->ifname != NULL && st.nifaces == 0) {
		cause = xprintf("no WireGuard interface %s", f->ifname);
		wg_fetch_done(f, NULL, cause);
		free(cause);
	} else
		wg_fetch_done(f, &st, NULL);
	wg_status_clear(&st);
}

/* The UAPI reply ends with "errno=N" and a blank line; a dump at EOF. */
static void
wg_fetch_read(int fd, short revents, void *arg)
{
	struct wg_fetch	*f = arg;
	char		 tmp[8192];
	ssize_t		 n;

	(void)revents;
	for (;;) {
		n = read(fd, tmp, sizeof tmp);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			f->eof = 1;
			break;
		}
		buf_add(&f->reply, tmp, (size_t)n);
		if (f->reply.len > WG_MAX_REPLY) {
			wg_fetch_done(f, NULL, "the WireGuard status is too large");
			return;
		}
	}
	if (f->uapi && f->reply.len >= 2 && strstr(buf_str(&f->reply),
	    "errno=") != NULL && memcmp(f->reply.data + f->reply.len - 2,
	    "\n\n", 2) == 0)
		f->eof = 1;
	if (f->eof)
		loop_io_stop(&f->io);
	if (f->eof && (f->uapi || f->exited))
		wg_fetch_finish(f);
}

/* wg exited: finish once its output has also ended. */
static void
wg_fetch_exited(pid_t pid, int status, void *arg)
{
	struct wg_fetch	*f = arg;

	(void)pid;
	f->exited = 1;
	f->status = status;
	if (f->eof)
		wg_fetch_finish(f);
}

/* Too slow; also reports a wg that could not be started. */
static void
wg_fetch_timeout(void *arg)
{
	struct wg_fetch	*f = arg;

	if (!f->uapi && f->fd == -1 && f->exited) {
		wg_fetch_finish(f);	/* spawning failed: "not installed" */
		return;
	}
	wg_fetch_done(f, NULL, "the WireGuard status did not come in time");
}

/* The UAPI socket, if a userspace implementation serves IFNAME; -1 if none. */
static int
wg_fetch_uapi(const char *ifname)
{
	struct sockaddr_un	 sun;
	int			 fd;
	static const char	 get[] = "get=1\n\n";

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/%s.sock", WG_UAPI_DIR,
	    ifname);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    write(fd, get, sizeof get - 1) != (ssize_t)(sizeof get - 1)) {
		close(fd);
		return (-1);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return (fd);
}

/* The UAPI socket first (userspace), else wg show all dump. */
struct wg_fetch *
wg_fetch_start(struct loop *loop, const char *ifname, int timeout_ms,
    wg_done_cb cb, void *arg)
{
	struct wg_fetch	*f;
	char		*argv[] = { "wg", "show", "all", "dump", NULL };
	char		*cause = NULL;

	f = xcalloc(1, sizeof *f);
	f->loop = loop;
	f->ifname = ifname != NULL ? xstrdup(ifname) : NULL;
	f->cb = cb;
	f->arg = arg;
	f->fd = -1;
	f->child.pid = -1;
	buf_init(&f->reply);
	loop_timer_init(&f->timer, loop, wg_fetch_timeout, f);
	loop_timer_start(&f->timer, timeout_ms > 0 ? timeout_ms : 5000);
	if (ifname != NULL && (f->fd = wg_fetch_uapi(ifname)) != -1)
		f->uapi = 1;
	else if (loop_child_spawn(&f->child, loop, argv, LOOP_CHILD_STDOUT,
	    wg_fetch_exited, f, &cause) == 0) {
		f->fd = f->child.out_fd;
		f->child.out_fd = -1;
	} else {
		/* Reported from the loop, never from inside the start call. */
		f->exited = f->eof = 1;
		f->status = 127 << 8;
		free(cause);
		loop_timer_start(&f->timer, 0);
	}
	loop_io_init(&f->io, loop, f->fd, wg_fetch_read, f);
	if (f->fd != -1)
		loop_io_start(&f->io, POLLIN);
	return (f);
}

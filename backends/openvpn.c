/*
 * A client of OpenVPN's management socket on the loop. Commands are sent
 * in order and their replies matched in order; asynchronous '>' lines are
 * handled wherever they arrive, even between the lines of a reply.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/openvpn.h"
#include "core/buf.h"
#include "core/loop.h"
#include "core/xmalloc.h"

#define OVPN_MAX_LINE	(64 * 1024)	/* a longer line is a protocol error */
#define OVPN_MAX_LINES	100000		/* lines of one reply */

struct ovpn_cmd {
	ovpn_reply_cb		 cb;
	void			*arg;
	TAILQ_ENTRY(ovpn_cmd)	 entry;
};
TAILQ_HEAD(ovpn_cmds, ovpn_cmd);

struct ovpn {
	struct loop		*loop;
	int			 fd;
	struct loop_io		 io;
	struct buf		 in;		/* bytes not yet a whole line */
	struct buf		 out;		/* bytes not yet written */
	struct ovpn_cmds	 sent;		/* waiting for their replies */
	char			**lines;	/* the reply being collected */
	size_t			 nlines;
	struct ovpn_state	 state;
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
	int			 held;
	int			 closed;
	const struct ovpn_events *ev;
	void			*arg;
	int			 busy;		/* inside a callback */
	int			 dead;		/* freed while busy */
};

static void	ovpn_io(int, short, void *);

/* Connect now: a unix socket connect either works or fails at once. */
struct ovpn *
ovpn_connect(struct loop *loop, const char *path, const struct ovpn_events *ev,
    void *arg, char **cause)
{
	struct sockaddr_un	 sun;
	struct ovpn		*o;
	int			 fd, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "%s: the socket path is too long", path);
		return (NULL);
	}
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (NULL);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		saved = errno;
		xasprintf(cause, "%s: %s", path, strerror(saved));
		close(fd);
		errno = saved;	/* the caller tells refused from other errors */
		return (NULL);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	o = xcalloc(1, sizeof *o);
	o->loop = loop;
	o->fd = fd;
	o->ev = ev;
	o->arg = arg;
	buf_init(&o->in);
	buf_init(&o->out);
	TAILQ_INIT(&o->sent);
	loop_io_init(&o->io, loop, fd, ovpn_io, o);
	loop_io_start(&o->io, POLLIN);
	return (o);
}

/* Drop the collected reply lines. */
static void
ovpn_clear_lines(struct ovpn *o)
{
	size_t	i;

	for (i = 0; i < o->nlines; i++)
		free(o->lines[i]);
	free(o->lines);
	o->lines = NULL;
	o->nlines = 0;
}

/* Everything goes: callers learn nothing more. */
static void
ovpn_destroy(struct ovpn *o)
{
	struct ovpn_cmd	*c;

	loop_io_stop(&o->io);
	if (o->fd != -1)
		close(o->fd);
	while ((c = TAILQ_FIRST(&o->sent)) != NULL) {
		TAILQ_REMOVE(&o->sent, c, entry);
		free(c);
	}
	ovpn_clear_lines(o);
	buf_free(&o->in);
	buf_free(&o->out);
	free(o);
}

/* Free now, or after the callback we are inside of returns. */
void
ovpn_free(struct ovpn *o)
{
	if (o == NULL)
		return;
	if (o->busy) {
		o->dead = 1;
		loop_io_stop(&o->io);
		return;
	}
	ovpn_destroy(o);
}

/* The socket is gone: tell the owner once; it frees us. */
static void
ovpn_lost(struct ovpn *o, const char *why)
{
	if (o->closed)
		return;
	o->closed = 1;
	loop_io_stop(&o->io);
	if (o->ev != NULL && o->ev->closed != NULL)
		o->ev->closed(o, why, o->arg);
}

/* Write what we can; wait for POLLOUT for the rest. */
static void
ovpn_flush(struct ovpn *o)
{
	ssize_t	n;

	while (o->out.len > 0) {
		n = write(o->fd, o->out.data, o->out.len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			ovpn_lost(o, strerror(errno));
			return;
		}
		buf_consume(&o->out, (size_t)n);
	}
	if (!o->closed)
		loop_io_start(&o->io, POLLIN | (o->out.len > 0 ? POLLOUT : 0));
}

/* Commands go out at once; replies come back in the same order. */
void
ovpn_command(struct ovpn *o, const char *line, ovpn_reply_cb cb, void *arg)
{
	struct ovpn_cmd	*c;

	if (o->closed || o->dead)
		return;
	if (strcmp(line, "hold release") == 0)
		o->held = 0;
	c = xcalloc(1, sizeof *c);
	c->cb = cb;
	c->arg = arg;
	TAILQ_INSERT_TAIL(&o->sent, c, entry);
	buf_adds(&o->out, line);
	buf_adds(&o->out, "\r\n");
	ovpn_flush(o);
}

/* A quoted argument: backslash and double quote escaped, as OpenVPN reads them. */
static void
ovpn_quote(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n')
			continue;
		if (*s == '\\' || *s == '"')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* Two commands; the lines are wiped from our buffer once written. */
void
ovpn_password(struct ovpn *o, const char *realm, const char *user,
    const char *pass)
{
	struct buf	b;

	buf_init(&b);
	if (user != NULL) {
		buf_adds(&b, "username ");
		ovpn_quote(&b, realm);
		buf_addc(&b, ' ');
		ovpn_quote(&b, user);
		ovpn_command(o, buf_str(&b), NULL, NULL);
		buf_reset(&b);
	}
	buf_adds(&b, "password ");
	ovpn_quote(&b, realm);
	buf_addc(&b, ' ');
	ovpn_quote(&b, pass);
	ovpn_command(o, buf_str(&b), NULL, NULL);
	if (b.data != NULL)
		explicit_bzero(b.data, b.cap);
	buf_free(&b);
}

/* The reply at the head of the queue is complete. */
static void
ovpn_reply(struct ovpn *o, int ok, const char *text)
{
	struct ovpn_cmd	*c;

	if ((c = TAILQ_FIRST(&o->sent)) == NULL) {
		ovpn_clear_lines(o);
		return;
	}
	TAILQ_REMOVE(&o->sent, c, entry);
	if (c->cb != NULL)
		c->cb(o, ok, text, o->lines, o->nlines, c->arg);
	free(c);
	if (!o->dead)
		ovpn_clear_lines(o);
}

/* One whole line from the socket. */
static void
ovpn_line(struct ovpn *o, const char *s, size_t len)
{
	struct ovpn_line	 l;
	char			*copy;

	if (ovpn_parse_line(s, len, &l) != 0) {
		/* A malformed known line is shown as a data line, not trusted. */
		l.type = s[0] == '>' ? OVPN_LINE_ASYNC : OVPN_LINE_DATA;
		l.has_state = 0;
	}
	switch (l.type) {
	case OVPN_LINE_STATE:
		o->state = l.state;
		if (o->held && strcmp(l.state.name, "CONNECTING") != 0)
			o->held = 0;
		break;
	case OVPN_LINE_BYTECOUNT:
		o->bytes_in = l.bytes_in;
		o->bytes_out = l.bytes_out;
		break;
	case OVPN_LINE_HOLD:
		o->held = 1;
		break;
	case OVPN_LINE_PASSWORD:
	case OVPN_LINE_PASSWORD_FAILED:
		if (o->ev != NULL && o->ev->password != NULL)
			o->ev->password(o, l.realm,
			    l.type == OVPN_LINE_PASSWORD_FAILED, o->arg);
		return;
	case OVPN_LINE_SUCCESS:
	case OVPN_LINE_ERROR:
		copy = xstrndup(l.text, len - (l.text - s));
		ovpn_reply(o, l.type == OVPN_LINE_SUCCESS, copy);
		free(copy);
		return;
	case OVPN_LINE_END:
		ovpn_reply(o, 1, "");
		return;
	case OVPN_LINE_DATA:
		if (TAILQ_EMPTY(&o->sent) || o->nlines >= OVPN_MAX_LINES)
			return;
		o->lines = xreallocarray(o->lines, o->nlines + 1,
		    sizeof *o->lines);
		o->lines[o->nlines++] = xstrndup(s, len);
		return;
	default:
		return;
	}
	if (o->ev != NULL && o->ev->changed != NULL)
		o->ev->changed(o, o->arg);
}

/* Split what arrived into lines; stop when a callback frees us. */
static void
ovpn_read(struct ovpn *o)
{
	char	 tmp[8192], *nl;
	ssize_t	 n;
	size_t	 len;

	for (;;) {
		n = read(o->fd, tmp, sizeof tmp);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			ovpn_lost(o, n == 0 ? "the management socket closed" :
			    strerror(errno));
			return;
		}
		buf_add(&o->in, tmp, (size_t)n);
		while (!o->dead && !o->closed && o->in.len > 0 &&
		    (nl = memchr(o->in.data, '\n', o->in.len)) != NULL) {
			len = nl - o->in.data;
			if (len > 0 && o->in.data[len - 1] == '\r')
				len--;
			ovpn_line(o, o->in.data, len);
			if (!o->dead)
				buf_consume(&o->in, nl + 1 - o->in.data);
		}
		if (o->dead || o->closed)
			return;
		if (o->in.len > OVPN_MAX_LINE) {
			ovpn_lost(o, "a management line is too long");
			return;
		}
	}
}

/* The loop's callback: write what waits, then read; free late if asked to. */
static void
ovpn_io(int fd, short revents, void *arg)
{
	struct ovpn	*o = arg;

	(void)fd;
	o->busy++;
	if (revents & POLLOUT)
		ovpn_flush(o);
	if (!o->dead && !o->closed && (revents & (POLLIN | POLLHUP | POLLERR)))
		ovpn_read(o);
	o->busy--;
	if (o->dead && o->busy == 0)
		ovpn_destroy(o);
}

/* The accessors read what the asynchronous lines said last. */
const struct ovpn_state *
ovpn_state(const struct ovpn *o)
{
	return (&o->state);
}

uint64_t
ovpn_bytes_in(const struct ovpn *o)
{
	return (o->bytes_in);
}

uint64_t
ovpn_bytes_out(const struct ovpn *o)
{
	return (o->bytes_out);
}

int
ovpn_held(const struct ovpn *o)
{
	return (o->held);
}

int
ovpn_closed(const struct ovpn *o)
{
	return (o->closed);
}

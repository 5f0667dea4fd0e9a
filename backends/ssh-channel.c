/*
 * Channels on a ready session: exec (a command with streamed stdout and
 * stderr, optional input, and its exit status) and direct-tcpip forwards
 * that pump a local socket through the session. Each is an operation the
 * session steps on every socket event; none blocks.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/ssh-int.h"
#include "core/buf.h"
#include "core/xmalloc.h"

#define SSH_CHANNEL_BUF		16384

enum ssh_exec_phase {
	SSH_EXEC_OPEN,
	SSH_EXEC_START,
	SSH_EXEC_RUN,
	SSH_EXEC_CLOSE,
	SSH_EXEC_WAIT_CLOSED,
};

struct ssh_exec {
	struct ssh_op		 op;		/* first: the session's list holds this */
	char			*command;
	LIBSSH2_CHANNEL		*ch;
	enum ssh_exec_phase	 phase;
	ssh_data_cb		 out;
	ssh_data_cb		 err;
	ssh_exec_done_cb	 done;
	void			*arg;
	struct buf		 in;		/* input not yet written */
	int			 in_eof;	/* ssh_exec_eof was called */
	int			 eof_sent;
	int			 paused;
};

struct ssh_fwd {
	struct ssh_op		 op;		/* first */
	int			 fd;
	struct loop_io		 io;
	char			*host;
	int			 port;
	LIBSSH2_CHANNEL		*ch;
	int			 open;		/* the channel is open */
	ssh_fwd_done_cb		 done;
	void			*arg;
	char			 up[SSH_CHANNEL_BUF];	/* from fd, to the channel */
	size_t			 uplen, upoff;
	char			 down[SSH_CHANNEL_BUF];	/* from the channel, to fd */
	size_t			 downlen, downoff;
	int			 fd_eof;	/* fd said EOF */
	int			 ch_eof;	/* the channel said EOF */
	int			 eof_sent;
	int			 fd_shut;
};

/* Why a channel call failed: the session's last message. */
static enum ssh_step
ssh_channel_error(struct ssh_op *op, int rc, enum ssh_error err, const char *what)
{
	char	*msg;

	if (ssh_session_broken_rc(rc))
		return (SSH_STEP_BROKEN);
	msg = ssh_session_last_error(op->s, what);
	op->type->fail(op, err, msg, SSH_FAIL_REPORT);
	free(msg);
	return (SSH_STEP_DONE);
}

/* Release an exec: the channel goes to the session to be freed without blocking. */
static void
ssh_exec_free(struct ssh_exec *e)
{
	ssh_session_dispose(e->op.s, e->ch, NULL);
	buf_free(&e->in);
	free(e->command);
	free(e);
}

/* End an exec with an error (see struct ssh_op_type for HOW). */
static void
ssh_exec_fail(struct ssh_op *op, enum ssh_error err, const char *msg, int how)
{
	struct ssh_exec	*e = (struct ssh_exec *)op;

	if (how == SSH_FAIL_DETACH) {
		if (!op->orphan)
			e->done(e, -1, err, msg, e->arg);
		return;
	}
	ssh_session_remove_op(op);
	if (how == SSH_FAIL_REPORT && !op->orphan)
		e->done(e, -1, err, msg, e->arg);
	ssh_exec_free(e);
}

/* Read one stream until it would block; -1 on error, 1 at EOF. */
static int
ssh_exec_read(struct ssh_exec *e, int stream, int *rc)
{
	char	buf[SSH_CHANNEL_BUF];
	ssize_t	n;

	for (;;) {
		n = libssh2_channel_read_ex(e->ch, stream, buf, sizeof buf);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return (0);
		if (n < 0) {
			*rc = (int)n;
			return (-1);
		}
		if (n == 0)
			return (1);
		e->op.s->again = 1;
		if (stream == 0 && e->out != NULL)
			e->out(buf, (size_t)n, e->arg);
		else if (stream != 0 && e->err != NULL)
			e->err(buf, (size_t)n, e->arg);
		if (e->op.cancelled || e->paused)
			return (0);
	}
}

/* Feed input and send EOF after it once asked to. */
static int
ssh_exec_write_input(struct ssh_exec *e)
{
	ssize_t	n;
	int	rc;

	while (e->in.len > 0) {
		n = libssh2_channel_write(e->ch, e->in.data, e->in.len);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return (0);
		if (n < 0)
			return ((int)n);
		buf_consume(&e->in, (size_t)n);
		e->op.s->again = 1;
	}
	if (e->in_eof && !e->eof_sent) {
		rc = libssh2_channel_send_eof(e->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return (0);
		if (rc < 0)
			return (rc);
		e->eof_sent = 1;
	}
	return (0);
}

static enum ssh_step
ssh_exec_step(struct ssh_op *op)
{
	struct ssh_exec	*e = (struct ssh_exec *)op;
	LIBSSH2_SESSION	*sess = op->s->sess;
	char		*sig = NULL;
	int		 rc = 0, r1, r2, status;
	size_t		 siglen = 0;

	switch (e->phase) {
	case SSH_EXEC_OPEN:
		e->ch = libssh2_channel_open_session(sess);
		if (e->ch == NULL) {
			rc = libssh2_session_last_errno(sess);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return (SSH_STEP_AGAIN);
			return (ssh_channel_error(op, rc, SSH_ERR_CHANNEL,
			    "opening a session channel"));
		}
		ssh_op_opened(op);
		if (op->orphan) {
			ssh_exec_fail(op, SSH_ERR_CANCELLED, NULL, SSH_FAIL_QUIET);
			return (SSH_STEP_DONE);
		}
		e->phase = SSH_EXEC_START;
		/* FALLTHROUGH */
	case SSH_EXEC_START:
		rc = libssh2_channel_exec(e->ch, e->command);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return (SSH_STEP_AGAIN);
		if (rc < 0)
			return (ssh_channel_error(op, rc, SSH_ERR_CHANNEL,
			    "starting the command"));
		e->phase = SSH_EXEC_RUN;
		op->s->again = 1;
		/* FALLTHROUGH */
	case SSH_EXEC_RUN:
		if ((rc = ssh_exec_write_input(e)) < 0)
			return (ssh_channel_error(op, rc, SSH_ERR_CHANNEL,
			    "writing to the command"));
		op->paused = e->paused && e->in.len == 0 &&
		    (!e->in_eof || e->eof_sent);
		if (e->paused)
			return (SSH_STEP_AGAIN);
		r1 = ssh_exec_read(e, 0, &rc);
		if (r1 < 0)
			return (ssh_channel_error(op, rc, SSH_ERR_CHANNEL,
			    "reading the command's output"));
		if (e->op.cancelled || e->paused)
			return (SSH_STEP_AGAIN);
		r2 = ssh_exec_read(e, SSH_EXTENDED_DATA_STDERR, &rc);
		if (r2 < 0)
			return (ssh_channel_error(op, rc, SSH_ERR_CHANNEL,
			    "reading the command's errors"));
		if (e->op.cancelled)
			return (SSH_STEP_AGAIN);
		if (r1 != 1 || r2 != 1 || !libssh2_channel_eof(e->ch))
			return (SSH_STEP_AGAIN);
		e->phase = SSH_EXEC_CLOSE;
		/* FALLTHROUGH */
	case SSH_EXEC_CLOSE:
		rc = libssh2_channel_close(e->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return (SSH_STEP_AGAIN);
		if (ssh_session_broken_rc(rc))
			return (SSH_STEP_BROKEN);
		e->phase = SSH_EXEC_WAIT_CLOSED;
		/* FALLTHROUGH */
	case SSH_EXEC_WAIT_CLOSED:
		rc = libssh2_channel_wait_closed(e->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return (SSH_STEP_AGAIN);
		if (ssh_session_broken_rc(rc))
			return (SSH_STEP_BROKEN);
		break;
	}
	status = libssh2_channel_get_exit_status(e->ch);
	if (libssh2_channel_get_exit_signal(e->ch, &sig, &siglen, NULL, NULL,
	    NULL, NULL) == 0 && sig != NULL) {
		status = 255;	/* killed by a signal, as ssh reports it */
		libssh2_free(sess, sig);
	}
	ssh_session_remove_op(op);
	e->done(e, status, SSH_OK, NULL, e->arg);
	ssh_exec_free(e);
	return (SSH_STEP_DONE);
}

static const struct ssh_op_type ssh_exec_type = {
	.name = "exec",
	.step = ssh_exec_step,
	.fail = ssh_exec_fail,
};

struct ssh_exec *
ssh_exec_start(struct ssh_session *s, const char *command, int timeout_ms,
    ssh_data_cb out, ssh_data_cb err, ssh_exec_done_cb done, void *arg)
{
	struct ssh_exec	*e;

	e = xcalloc(1, sizeof *e);
	e->command = xstrdup(command);
	e->out = out;
	e->err = err;
	e->done = done;
	e->arg = arg;
	buf_init(&e->in);
	e->op.opening = 1;
	ssh_session_add_op(s, &e->op, &ssh_exec_type, timeout_ms);
	return (e);
}

int
ssh_exec_write(struct ssh_exec *e, const void *data, size_t len)
{
	if (e->in_eof)
		return (-1);
	buf_add(&e->in, data, len);
	ssh_session_kick(e->op.s);
	return (0);
}

void
ssh_exec_eof(struct ssh_exec *e)
{
	e->in_eof = 1;
	ssh_session_kick(e->op.s);
}

void
ssh_exec_pause(struct ssh_exec *e, int paused)
{
	e->paused = paused;
	if (!paused)
		e->op.paused = 0;
	if (!paused)
		ssh_session_kick(e->op.s);
}

void
ssh_exec_cancel(struct ssh_exec *e)
{
	ssh_op_cancel(&e->op);
}

/* Release a forward: its socket closes, its channel is freed later. */
static void
ssh_fwd_fail(struct ssh_op *op, enum ssh_error err, const char *msg, int how)
{
	struct ssh_fwd	*f = (struct ssh_fwd *)op;

	loop_io_stop(&f->io);
	if (f->fd != -1) {
		close(f->fd);
		f->fd = -1;
	}
	if (how != SSH_FAIL_QUIET && !op->orphan && f->done != NULL)
		f->done(f, err, msg, f->arg);
	if (how == SSH_FAIL_DETACH)
		return;
	ssh_session_remove_op(op);
	ssh_session_dispose(op->s, f->ch, NULL);
	free(f->host);
	free(f);
}

/* The local socket is ready: let the session step the forward. */
static void
ssh_fwd_io(int fd, short revents, void *arg)
{
	struct ssh_fwd	*f = arg;

	(void)fd;
	(void)revents;
	loop_io_stop(&f->io);	/* re-armed by the step, so a skipped op cannot spin */
	ssh_session_kick(f->op.s);
}

/* Local socket to channel; returns a libssh2 error or 0. */
static int
ssh_fwd_up(struct ssh_fwd *f)
{
	ssize_t	n;
	int	rc;

	for (;;) {
		if (f->upoff == f->uplen && !f->fd_eof) {
			n = read(f->fd, f->up, sizeof f->up);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n <= 0) {
				f->fd_eof = 1;
				break;
			}
			f->uplen = (size_t)n;
			f->upoff = 0;
		}
		if (f->upoff == f->uplen)
			break;
		n = libssh2_channel_write(f->ch, f->up + f->upoff,
		    f->uplen - f->upoff);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return (0);
		if (n < 0)
			return ((int)n);
		f->upoff += (size_t)n;
		f->op.s->again = 1;
	}
	if (f->fd_eof && f->upoff == f->uplen && !f->eof_sent) {
		rc = libssh2_channel_send_eof(f->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return (0);
		if (rc < 0)
			return (rc);
		f->eof_sent = 1;
	}
	return (0);
}

/* Channel to local socket; returns a libssh2 error, 0, or 1 when fd is gone. */
static int
ssh_fwd_down(struct ssh_fwd *f)
{
	ssize_t	n;

	for (;;) {
		if (f->downoff == f->downlen && !f->ch_eof) {
			n = libssh2_channel_read(f->ch, f->down, sizeof f->down);
			if (n == LIBSSH2_ERROR_EAGAIN)
				break;
			if (n < 0)
				return ((int)n);
			if (n == 0) {
				f->ch_eof = 1;
				break;
			}
			f->downlen = (size_t)n;
			f->downoff = 0;
			f->op.s->again = 1;
		}
		if (f->downoff == f->downlen)
			break;
		n = send(f->fd, f->down + f->downoff, f->downlen - f->downoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n < 0)
			return (1);
		f->downoff += (size_t)n;
	}
	if (f->ch_eof && f->downoff == f->downlen && !f->fd_shut) {
		shutdown(f->fd, SHUT_WR);
		f->fd_shut = 1;
	}
	return (0);
}

static enum ssh_step
ssh_fwd_step(struct ssh_op *op)
{
	struct ssh_fwd	*f = (struct ssh_fwd *)op;
	LIBSSH2_SESSION	*sess = op->s->sess;
	char		*what;
	short		 events = 0;
	int		 rc;

	if (!f->open) {
		f->ch = libssh2_channel_direct_tcpip_ex(sess, f->host, f->port,
		    "127.0.0.1", 0);
		if (f->ch == NULL) {
			rc = libssh2_session_last_errno(sess);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return (SSH_STEP_AGAIN);
			what = xprintf("forward to %s:%d", f->host, f->port);
			ssh_channel_error(op, rc, SSH_ERR_CHANNEL, what);
			free(what);
			return (ssh_session_broken_rc(rc) ? SSH_STEP_BROKEN :
			    SSH_STEP_DONE);
		}
		ssh_op_opened(op);
		if (op->orphan) {
			ssh_fwd_fail(op, SSH_ERR_CANCELLED, NULL, SSH_FAIL_QUIET);
			return (SSH_STEP_DONE);
		}
		f->open = 1;
		op->s->again = 1;
		loop_timer_stop(&op->timer);	/* the timeout was for opening */
	}
	if ((rc = ssh_fwd_up(f)) < 0 || (rc = ssh_fwd_down(f)) < 0) {
		if (ssh_session_broken_rc(rc))
			return (SSH_STEP_BROKEN);
		rc = 1;		/* the channel closed under us: the forward ends */
	}
	if (rc == 1 || (f->fd_eof && f->ch_eof && f->fd_shut && f->eof_sent) ||
	    libssh2_channel_eof(f->ch) < 0) {
		ssh_fwd_fail(op, SSH_OK, NULL, SSH_FAIL_REPORT);
		return (SSH_STEP_DONE);
	}
	if (f->upoff == f->uplen && !f->fd_eof)
		events |= POLLIN;
	if (f->downoff < f->downlen)
		events |= POLLOUT;
	if (events != 0)
		loop_io_start(&f->io, events);
	else
		loop_io_stop(&f->io);
	return (SSH_STEP_AGAIN);
}

static const struct ssh_op_type ssh_fwd_type = {
	.name = "forward",
	.step = ssh_fwd_step,
	.fail = ssh_fwd_fail,
};

struct ssh_fwd *
ssh_forward_fd(struct ssh_session *s, int fd, const char *host, int port,
    ssh_fwd_done_cb done, void *arg)
{
	struct ssh_fwd	*f;
	int		 flags;

	f = xcalloc(1, sizeof *f);
	f->fd = fd;
	f->host = xstrdup(host);
	f->port = port;
	f->done = done;
	f->arg = arg;
	if ((flags = fcntl(fd, F_GETFL)) != -1)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	loop_io_init(&f->io, s->ssh->loop, fd, ssh_fwd_io, f);
	f->op.opening = 1;
	ssh_session_add_op(s, &f->op, &ssh_fwd_type, s->timeout_ms);
	return (f);
}

void
ssh_forward_close(struct ssh_fwd *f)
{
	ssh_op_cancel(&f->op);
}

/* The liveness check ends: its answer came, or the session went. */
static void
ssh_ping_fail(struct ssh_op *op, enum ssh_error err, const char *msg, int how)
{
	(void)err;
	(void)msg;
	if (how == SSH_FAIL_DETACH)
		return;
	if (op->s->ping == op)
		op->s->ping = NULL;
	ssh_session_remove_op(op);
	free(op);
}

/*
 * Open a channel of a type no server knows: the refusal (consumed by
 * libssh2, unlike a keepalive's reply, which 1.10 keeps in its packet
 * list for ever) proves the server process still answers.
 */
static enum ssh_step
ssh_ping_step(struct ssh_op *op)
{
	static const char	 type[] = "ping@platform-tui";
	LIBSSH2_CHANNEL		*ch;
	int			 rc;

	ch = libssh2_channel_open_ex(op->s->sess, type, sizeof type - 1,
	    LIBSSH2_CHANNEL_WINDOW_DEFAULT, LIBSSH2_CHANNEL_PACKET_DEFAULT,
	    NULL, 0);
	if (ch == NULL) {
		rc = libssh2_session_last_errno(op->s->sess);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return (SSH_STEP_AGAIN);
		if (ssh_session_broken_rc(rc))
			return (SSH_STEP_BROKEN);
	}
	ssh_op_opened(op);
	if (ch != NULL)
		ssh_session_dispose(op->s, ch, NULL);
	ssh_ping_fail(op, SSH_OK, NULL, SSH_FAIL_QUIET);
	return (SSH_STEP_DONE);
}

static const struct ssh_op_type ssh_ping_type = {
	.name = "liveness check",
	.step = ssh_ping_step,
	.fail = ssh_ping_fail,
};

/* Ask the server for an answer; the keepalive tick judges how long it takes. */
void
ssh_channel_ping(struct ssh_session *s)
{
	struct ssh_op	*op;

	op = xcalloc(1, sizeof *op);
	op->opening = 1;
	s->ping = op;
	s->ping_at = loop_now(s->ssh->loop);
	ssh_session_add_op(s, op, &ssh_ping_type, 0);
}

/*
 * A ready session's work: every socket event steps its operations (exec,
 * SFTP, forwards) until none progresses, frees closed channels without
 * blocking, opens SFTP for whoever needs it, and watches an idle socket
 * for the peer going away.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/ssh-int.h"
#include "core/log.h"
#include "core/xmalloc.h"

static void	ssh_run(struct ssh_session *);


/* Are there operations, and is every one of them a paused reader? */
static int
ssh_run_all_paused(struct ssh_session *s)
{
	struct ssh_op	*op;

	if (TAILQ_EMPTY(&s->ops) || !TAILQ_EMPTY(&s->disposes))
		return (0);
	TAILQ_FOREACH(op, &s->ops, entry) {
		if (!op->paused)
			return (0);
	}
	return (1);
}

/* Wait on what libssh2 is blocked on; a ready session always reads. */
void
ssh_run_update_io(struct ssh_session *s)
{
	short	events = 0;
	int	dirs;

	if (s->fd == -1)
		return;
	if (s->state == SSH_STATE_CONNECTING && s->step == SSH_CONN_ASK) {
		loop_io_stop(&s->io);
		return;
	}
	if (s->sess != NULL) {
		dirs = libssh2_session_block_directions(s->sess);
		if (dirs & LIBSSH2_SESSION_BLOCK_INBOUND)
			events |= POLLIN;
		if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
			events |= POLLOUT;
	}
	if (s->state == SSH_STATE_READY && !s->idle_data)
		events |= POLLIN;
	/* Paused readers leave data unread: waiting for more would spin. */
	if (s->state == SSH_STATE_READY && ssh_run_all_paused(s))
		events &= ~POLLIN;
	if (events == 0 && s->state == SSH_STATE_CONNECTING)
		events = POLLIN;
	if (events == 0)
		loop_io_stop(&s->io);
	else
		loop_io_start(&s->io, events);
}

/* Bytes arrived while nothing reads: EOF means the peer went away. */
static int
ssh_run_idle_read(struct ssh_session *s)
{
	char	c;
	ssize_t	n;

	n = recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0) {
		ssh_session_drop(s, "closed by the server");
		return (-1);
	}
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		ssh_session_drop(s, strerror(errno));
		return (-1);
	}
	if (n > 0)
		s->idle_data = 1;	/* read by the next operation or keepalive */
	return (0);
}

void
ssh_run_io(int fd, short revents, void *arg)
{
	struct ssh_session	*s = arg;

	(void)fd;
	if (s->state == SSH_STATE_CONNECTING) {
		ssh_connect_step(s);
		return;
	}
	if (s->state != SSH_STATE_READY)
		return;
	if (TAILQ_EMPTY(&s->ops) && TAILQ_EMPTY(&s->disposes)) {
		if ((revents & (POLLIN | POLLHUP | POLLERR)) &&
		    ssh_run_idle_read(s) != 0)
			return;
		ssh_run_update_io(s);
		return;
	}
	ssh_run(s);
}

/*
 * Free closed channels and handles without blocking, oldest first. A
 * handle's close resets the SFTP session's read state (sftp_close_handle
 * in libssh2 1.10), so it waits while an SFTP op holds the SFTP turn.
 */
static int
ssh_run_disposes(struct ssh_session *s)
{
	struct ssh_dispose	*d, *next;
	int			 rc;

	for (d = TAILQ_FIRST(&s->disposes); d != NULL; d = next) {
		next = TAILQ_NEXT(d, entry);
		if (d->handle != NULL) {
			if (s->sftp_owner != NULL)
				continue;
			s->sftp_closing = 1;
			rc = libssh2_sftp_close_handle(d->handle);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return (0);
			s->sftp_closing = 0;
			s->again = 1;
			d->handle = NULL;
		}
		if (d->channel != NULL) {
			rc = libssh2_channel_free(d->channel);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return (0);
			if (ssh_session_broken_rc(rc))
				return (-1);
			d->channel = NULL;
		}
		TAILQ_REMOVE(&s->disposes, d, entry);
		free(d);
	}
	return (0);
}

/* Open the SFTP subsystem for whoever needs it; 1 when it is there. */
static int
ssh_run_sftp(struct ssh_session *s)
{
	struct ssh_op	*op, *next;
	char		*msg;
	int		 rc;

	if (s->sftp != NULL)
		return (1);
	/* libssh2_sftp_init opens a channel: it takes the open turn too. */
	if (s->sftp_failed || s->sender != NULL ||
	    (s->chan_owner != NULL && !s->sftp_starting))
		return (0);
	TAILQ_FOREACH(op, &s->ops, entry) {
		if (op->needs_sftp)
			break;
	}
	if (op == NULL)
		return (0);
	s->sftp_starting = 1;
	s->sftp = libssh2_sftp_init(s->sess);
	if (s->sftp != NULL) {
		s->sftp_starting = 0;
		s->again = 1;
		return (1);
	}
	rc = libssh2_session_last_errno(s->sess);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return (0);
	s->sftp_starting = 0;
	s->again = 1;
	if (ssh_session_broken_rc(rc)) {
		ssh_session_drop(s, "SFTP start failed");
		return (0);
	}
	msg = ssh_session_last_error(s, "SFTP subsystem");
	for (op = TAILQ_FIRST(&s->ops); op != NULL; op = next) {
		next = TAILQ_NEXT(op, entry);
		if (op->needs_sftp)
			op->type->fail(op, SSH_ERR_SFTP, msg, SSH_FAIL_REPORT);
	}
	free(msg);
	return (0);
}

/* Which of the session's turns OP holds, as bits. */
static int
ssh_run_held(struct ssh_session *s, struct ssh_op *op)
{
	return ((s->chan_owner == op) | (s->sftp_owner == op) << 1);
}

/*
 * May OP run now? An SFTP op waits for the SFTP channel and then for the
 * SFTP turn (held until it ends); an op about to open a channel waits for
 * the open turn. The first in the list that asks gets a free turn.
 */
static int
ssh_run_may_step(struct ssh_session *s, struct ssh_op *op)
{
	if (op->fail_now)
		return (0);
	if (op->needs_sftp) {
		if (s->sftp == NULL)
			return (0);
		if (s->sftp_owner == NULL && !s->sftp_closing)
			s->sftp_owner = op;
		if (s->sftp_owner != op)
			return (0);
	}
	if (op->opening) {
		if (s->chan_owner == NULL && !s->sftp_starting)
			s->chan_owner = op;
		if (s->chan_owner != op)
			return (0);
	}
	return (1);
}

/* Step one operation; returns 1 when the list or the turns changed. */
static int
ssh_run_op(struct ssh_session *s, struct ssh_op *op)
{
	enum ssh_step	r;
	int		dirs, held = ssh_run_held(s, op);

	op->in_step = 1;
	r = op->type->step(op);
	if (r == SSH_STEP_DONE)
		return (1);
	op->in_step = 0;
	if (op->cancelled) {
		op->cancelled = 0;
		ssh_op_end(op, SSH_ERR_CANCELLED, NULL);
		return (1);
	}
	if (r == SSH_STEP_BROKEN) {
		ssh_session_drop(s, s->sess != NULL ? "channel error" : "closed");
		return (1);
	}
	dirs = libssh2_session_block_directions(s->sess);
	if ((dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND) && s->sender == NULL)
		s->sender = op;
	else if (s->sender == op && !(dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND))
		s->sender = NULL;
	/* A turn came free: start again from the oldest waiter. */
	return (ssh_run_held(s, op) != held);
}

/*
 * Run every operation until none makes progress: a channel's data may be
 * read from the socket by another channel's call, so one pass is not enough.
 * Only the op blocked mid-packet may run while the socket is full.
 */
static void
ssh_run(struct ssh_session *s)
{
	struct ssh_op	*op;
	int		 passes = 0;
	char		*why;

	if (s->state != SSH_STATE_READY)
		return;
	if (s->running) {
		s->again = 1;
		return;
	}
	s->running = 1;
	s->idle_data = 0;
	do {
		s->again = 0;
		if (ssh_run_disposes(s) != 0) {
			s->lost = 1;
			break;
		}
		ssh_run_sftp(s);
		if (s->sender != NULL) {
			if (ssh_run_op(s, s->sender))
				s->again = 1;
			if (s->lost || s->sender != NULL)
				break;
		}
		TAILQ_FOREACH(op, &s->ops, entry) {
			if (!ssh_run_may_step(s, op))
				continue;
			if (ssh_run_op(s, op)) {
				s->again = 1;
				break;
			}
			if (s->lost || s->sender != NULL)
				break;
		}
	} while (s->again && !s->lost && ++passes < 64);
	s->running = 0;
	if (s->again && !s->lost)
		ssh_session_kick(s);
	if (s->lost) {
		why = xstrdup(s->errmsg != NULL ? s->errmsg : "connection broken");
		s->lost = 0;
		ssh_session_drop(s, why);
		free(why);
		return;
	}
	ssh_run_update_io(s);
}

void
ssh_run_kick_cb(void *arg)
{
	struct ssh_session	*s = arg;

	ssh_run(s);
}

/* Run the session's operations soon, from the loop (never from inside a caller). */
void
ssh_session_kick(struct ssh_session *s)
{
	if (s->state == SSH_STATE_READY && !loop_timer_pending(&s->kick))
		loop_timer_start(&s->kick, 0);
}

static void
ssh_run_op_timeout(void *arg)
{
	struct ssh_op		*op = arg;
	struct ssh_session	*s = op->s;
	char			*msg;

	if (op->fail_now) {
		op->type->fail(op, s->err != SSH_OK ? s->err : SSH_ERR_CONNECT,
		    s->errmsg != NULL ? s->errmsg : "not connected",
		    SSH_FAIL_REPORT);
		return;
	}
	if (op->orphan) {
		/* Its call never returned: the shared state is stuck for good. */
		ssh_session_drop(s, "no answer to a request");
		return;
	}
	msg = xprintf("%s: %s timed out", s->name, op->type->name);
	ssh_op_end(op, SSH_ERR_TIMEOUT, msg);
	free(msg);
}

/*
 * End an op from outside (cancel, timeout). One inside a libssh2 call
 * on shared state (it holds a turn) cannot just stop: the next caller
 * would take its answer. Its owner hears now (unless cancelled); the op
 * lives on as an orphan until that call returns, for one more timeout.
 */
void
ssh_op_end(struct ssh_op *op, enum ssh_error err, const char *msg)
{
	struct ssh_session	*s = op->s;

	if (ssh_run_held(s, op) == 0) {
		op->type->fail(op, err, msg, err == SSH_ERR_CANCELLED ?
		    SSH_FAIL_QUIET : SSH_FAIL_REPORT);
		return;
	}
	if (op->orphan)
		return;
	log_debug("ssh: %s: %s %s inside a call: it ends when the call returns",
	    s->name, op->type->name, err == SSH_ERR_CANCELLED ? "cancelled" :
	    "timed out");
	if (err != SSH_ERR_CANCELLED)
		op->type->fail(op, err, msg, SSH_FAIL_DETACH);
	op->orphan = 1;
	op->paused = 0;
	loop_timer_start(&op->timer, (uint64_t)(s->timeout_ms > 0 ?
	    s->timeout_ms : SSH_DEFAULT_TIMEOUT_MS));
	ssh_session_kick(s);
}

/* The op's channel open returned: the next opener may go. */
void
ssh_op_opened(struct ssh_op *op)
{
	struct ssh_session	*s = op->s;

	op->opening = 0;
	if (s->chan_owner == op) {
		s->chan_owner = NULL;
		s->again = 1;
	}
}

/* Queue an operation: it starts once the session is ready. */
void
ssh_session_add_op(struct ssh_session *s, struct ssh_op *op,
    const struct ssh_op_type *type, int timeout_ms)
{
	op->type = type;
	op->s = s;
	loop_timer_init(&op->timer, s->ssh->loop, ssh_run_op_timeout, op);
	TAILQ_INSERT_TAIL(&s->ops, op, entry);
	if (s->state == SSH_STATE_BACKOFF) {
		/* Fail now with the last error rather than wait for the retry. */
		op->fail_now = 1;
		loop_timer_start(&op->timer, 0);
		return;
	}
	if (timeout_ms > 0)
		loop_timer_start(&op->timer, (uint64_t)timeout_ms);
	/* Connecting may fail at once and free the op: touch it no more. */
	if (s->state == SSH_STATE_IDLE || s->state == SSH_STATE_FAILED)
		ssh_session_connect(s);
	else if (s->state == SSH_STATE_READY)
		ssh_session_kick(s);
}

void
ssh_session_remove_op(struct ssh_op *op)
{
	struct ssh_session	*s = op->s;

	loop_timer_stop(&op->timer);
	if (s->sender == op)
		s->sender = NULL;
	if (s->chan_owner == op)
		s->chan_owner = NULL;
	if (s->sftp_owner == op)
		s->sftp_owner = NULL;
	TAILQ_REMOVE(&s->ops, op, entry);
	s->again = 1;
}

/* A channel or handle to close; freed later without blocking. */
void
ssh_session_dispose(struct ssh_session *s, LIBSSH2_CHANNEL *ch,
    LIBSSH2_SFTP_HANDLE *h)
{
	struct ssh_dispose	*d;

	/* Without a libssh2 session they went with it. */
	if ((ch == NULL && h == NULL) || s->sess == NULL)
		return;
	d = xcalloc(1, sizeof *d);
	d->channel = ch;
	d->handle = h;
	TAILQ_INSERT_TAIL(&s->disposes, d, entry);
	ssh_session_kick(s);
}

/* Cancel from outside: at once, or after the step that is running it. */
void
ssh_op_cancel(struct ssh_op *op)
{
	if (op->in_step) {
		op->cancelled = 1;
		return;
	}
	ssh_op_end(op, SSH_ERR_CANCELLED, NULL);
}

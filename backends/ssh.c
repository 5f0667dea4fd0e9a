/*
 * The SSH pool and its sessions: one libssh2 session per host in
 * non-blocking mode, driven by the loop. This file has the sessions'
 * lifecycle: made, watched, kept alive, failed or dropped, retried with
 * backoff while someone watches, closed. Connecting is ssh-connect.c, the
 * operations on a ready session ssh-run.c, ssh-channel.c and ssh-sftp.c.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/ssh-int.h"
#include "core/log.h"
#include "core/util.h"
#include "core/xmalloc.h"

static int	ssh_libssh2_ready;

static void	ssh_session_keepalive(void *);

/* libssh2 is initialised once, on the first pool. */
struct ssh *
ssh_new(struct loop *loop, int flags)
{
	struct ssh	*ssh;

	if (!ssh_libssh2_ready) {
		if (libssh2_init(0) != 0)
			fatal("libssh2_init failed");
		ssh_libssh2_ready = 1;
	}
	ssh = xcalloc(1, sizeof *ssh);
	ssh->loop = loop;
	ssh->flags = flags;
	ssh->known_hosts = util_expand_home("~/.ssh/known_hosts");
	ssh->config = util_expand_home("~/.ssh/config");
	ssh->ka_interval = 15;
	ssh->ka_count = 3;
	TAILQ_INIT(&ssh->sessions);
	return (ssh);
}

void
ssh_set_known_hosts(struct ssh *ssh, const char *path)
{
	free(ssh->known_hosts);
	ssh->known_hosts = util_expand_home(path);
}

void
ssh_set_config(struct ssh *ssh, const char *path)
{
	free(ssh->config);
	ssh->config = *path == '\0' ? xstrdup("") : util_expand_home(path);
}

void
ssh_set_ask(struct ssh *ssh, ssh_ask_cb cb, void *arg)
{
	ssh->ask = cb;
	ssh->ask_arg = arg;
}

void
ssh_set_keepalive(struct ssh *ssh, int interval_s, int count)
{
	ssh->ka_interval = interval_s > 0 ? interval_s : 15;
	ssh->ka_count = count > 0 ? count : 3;
}

/* Find a session, or make one with what ~/.ssh/config adds to the target. */
struct ssh_session *
ssh_session(struct ssh *ssh, const struct ssh_target *t)
{
	struct ssh_session	*s;
	struct ssh_config_host	 cfg;

	if ((s = ssh_session_find(ssh, t->name)) != NULL)
		return (s);
	memset(&cfg, 0, sizeof cfg);
	if (*ssh->config != '\0')
		ssh_config_lookup_file(ssh->config, t->name, &cfg);

	s = xcalloc(1, sizeof *s);
	s->ssh = ssh;
	s->name = xstrdup(t->name);
	s->host = xstrdup(t->host != NULL ? t->host : cfg.hostname != NULL ?
	    cfg.hostname : t->name);
	s->port = t->port != 0 ? t->port : cfg.port != 0 ? cfg.port : 22;
	s->user = xstrdup(t->user != NULL ? t->user : cfg.user != NULL ?
	    cfg.user : util_user());
	if (t->key != NULL)
		s->key = util_expand_home(t->key);
	else if (cfg.identity != NULL)
		s->key = util_expand_home(cfg.identity);
	if (t->jump != NULL)
		s->jump = xstrdup(t->jump);
	else if (cfg.proxyjump != NULL && strcmp(cfg.proxyjump, "none") != 0)
		s->jump = xstrdup(cfg.proxyjump);
	s->timeout_ms = t->timeout_ms > 0 ? t->timeout_ms : SSH_DEFAULT_TIMEOUT_MS;
	ssh_config_host_free(&cfg);

	s->fd = -1;
	s->state = SSH_STATE_IDLE;
	loop_io_init(&s->io, ssh->loop, -1, ssh_run_io, s);
	loop_timer_init(&s->timer, ssh->loop, ssh_connect_timeout, s);
	loop_timer_init(&s->keepalive, ssh->loop, ssh_session_keepalive, s);
	loop_timer_init(&s->kick, ssh->loop, ssh_run_kick_cb, s);
	TAILQ_INIT(&s->ops);
	TAILQ_INIT(&s->disposes);
	TAILQ_INIT(&s->watches);
	TAILQ_INSERT_TAIL(&ssh->sessions, s, entry);
	log_debug("ssh: session %s: %s@%s:%d%s%s", s->name, s->user, s->host,
	    s->port, s->jump != NULL ? " via " : "", s->jump != NULL ? s->jump : "");
	return (s);
}

struct ssh_session *
ssh_session_find(struct ssh *ssh, const char *name)
{
	struct ssh_session	*s;

	TAILQ_FOREACH(s, &ssh->sessions, entry) {
		if (strcmp(s->name, name) == 0)
			return (s);
	}
	return (NULL);
}

enum ssh_state
ssh_session_state(const struct ssh_session *s)
{
	return (s->state);
}

const char *
ssh_session_error(const struct ssh_session *s)
{
	return (s->state == SSH_STATE_READY ? NULL : s->errmsg);
}

enum ssh_error
ssh_session_error_code(const struct ssh_session *s)
{
	return (s->state == SSH_STATE_READY ? SSH_OK : s->err);
}

uint64_t
ssh_session_next_retry(const struct ssh_session *s)
{
	return (s->state == SSH_STATE_BACKOFF ? s->next_retry : 0);
}

uint64_t
ssh_session_bytes_in(const struct ssh_session *s)
{
	return (s->bytes_in);
}

uint64_t
ssh_session_bytes_out(const struct ssh_session *s)
{
	return (s->bytes_out);
}

void
ssh_session_watch(struct ssh_session *s, ssh_state_cb cb, void *arg)
{
	struct ssh_watch	*w;

	w = xcalloc(1, sizeof *w);
	w->cb = cb;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&s->watches, w, entry);
}

void
ssh_session_unwatch(struct ssh_session *s, ssh_state_cb cb, void *arg)
{
	struct ssh_watch	*w;

	TAILQ_FOREACH(w, &s->watches, entry) {
		if (w->cb == cb && w->arg == arg) {
			TAILQ_REMOVE(&s->watches, w, entry);
			free(w);
			return;
		}
	}
}

/* Tell every watcher; a watcher may remove itself while being told. */
void
ssh_session_set_state(struct ssh_session *s, enum ssh_state state)
{
	struct ssh_watch	*w, *next;

	if (s->state == state)
		return;
	log_debug("ssh: %s: %s -> %s", s->name, ssh_state_string(s->state),
	    ssh_state_string(state));
	s->state = state;
	for (w = TAILQ_FIRST(&s->watches); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		w->cb(s, state, w->arg);
	}
}

void
ssh_session_set_error(struct ssh_session *s, enum ssh_error err, const char *msg)
{
	free(s->errmsg);
	s->err = err;
	s->errmsg = msg != NULL ? xstrdup(msg) : NULL;
}

/* The libssh2 codes that mean the connection itself is gone or corrupt. */
int
ssh_session_broken_rc(int rc)
{
	switch (rc) {
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
	case LIBSSH2_ERROR_TIMEOUT:
	case LIBSSH2_ERROR_DECRYPT:
	case LIBSSH2_ERROR_ENCRYPT:
	case LIBSSH2_ERROR_PROTO:
	case LIBSSH2_ERROR_INVALID_MAC:
	case LIBSSH2_ERROR_KEX_FAILURE:
	case LIBSSH2_ERROR_KEY_EXCHANGE_FAILURE:
	case LIBSSH2_ERROR_BANNER_RECV:
	case LIBSSH2_ERROR_BANNER_SEND:
	case LIBSSH2_ERROR_BAD_SOCKET:
	case LIBSSH2_ERROR_BAD_USE:
		return (1);
	}
	return (0);
}

/* libssh2's last message, prefixed with what we were doing. */
char *
ssh_session_last_error(struct ssh_session *s, const char *what)
{
	char	*msg = NULL;
	int	 len;

	if (s->sess == NULL)
		return (xprintf("%s: no session", what));
	libssh2_session_last_error(s->sess, &msg, &len, 0);
	if (msg == NULL || *msg == '\0')
		return (xprintf("%s failed", what));
	return (xprintf("%s: %s", what, msg));
}

/* Release the connection: sends nothing when the link is already broken. */
void
ssh_session_teardown(struct ssh_session *s, int graceful)
{
	struct ssh_dispose	*d;

	loop_io_stop(&s->io);
	loop_timer_stop(&s->timer);
	loop_timer_stop(&s->keepalive);
	loop_timer_stop(&s->kick);
	if (s->resolve != NULL) {
		loop_resolve_cancel(s->resolve);
		s->resolve = NULL;
	}
	if (s->ask != NULL) {
		s->ask->s = NULL;
		s->ask = NULL;
	}
	if (s->auth != NULL) {
		ssh_auth_free(s->auth);
		s->auth = NULL;
	}
	if (graceful && s->sess != NULL && s->step == SSH_CONN_NONE &&
	    s->state == SSH_STATE_READY)
		libssh2_session_disconnect(s->sess, "closed by platform-tui");
	if (s->fd != -1)
		shutdown(s->fd, SHUT_RDWR);
	/* With the socket shut, every call below fails at once instead of EAGAIN. */
	while ((d = TAILQ_FIRST(&s->disposes)) != NULL) {
		TAILQ_REMOVE(&s->disposes, d, entry);
		if (d->handle != NULL)
			libssh2_sftp_close_handle(d->handle);
		if (d->channel != NULL)
			libssh2_channel_free(d->channel);
		free(d);
	}
	ssh_sftp_close(s);
	if (s->sess != NULL) {
		libssh2_session_free(s->sess);
		s->sess = NULL;
	}
	if (s->fd != -1) {
		close(s->fd);
		s->fd = -1;
	}
	if (s->jump_fwd != NULL) {
		ssh_forward_close(s->jump_fwd);
		s->jump_fwd = NULL;
	}
	s->sender = NULL;
	s->chan_owner = NULL;
	s->sftp_owner = NULL;
	s->sftp_starting = 0;
	s->sftp_closing = 0;
	s->idle_data = 0;
	s->lost = 0;
	s->step = SSH_CONN_NONE;
}

/* End every operation with the same error; quiet ones call nobody back. */
void
ssh_session_fail_ops(struct ssh_session *s, enum ssh_error err, const char *msg,
    int quiet)
{
	struct ssh_op	*op;

	while ((op = TAILQ_FIRST(&s->ops)) != NULL)
		op->type->fail(op, err, msg, quiet);
}

/* After a failure or a drop: retry later if someone watches, else rest. */
static void
ssh_session_rest(struct ssh_session *s, int retry)
{
	uint64_t	now = loop_now(s->ssh->loop);

	if (!retry || TAILQ_EMPTY(&s->watches)) {
		ssh_session_set_state(s, s->err == SSH_ERR_HOSTKEY_CHANGED ||
		    s->err == SSH_ERR_HOSTKEY_UNKNOWN || s->err == SSH_ERR_AUTH ||
		    !retry ? SSH_STATE_FAILED : SSH_STATE_IDLE);
		return;
	}
	if (s->backoff_ms == 0)
		s->backoff_ms = SSH_BACKOFF_MIN_MS;
	else if ((s->backoff_ms *= 2) > SSH_BACKOFF_MAX_MS)
		s->backoff_ms = SSH_BACKOFF_MAX_MS;
	s->next_retry = now + (uint64_t)s->backoff_ms;
	loop_timer_start(&s->timer, (uint64_t)s->backoff_ms);
	ssh_session_set_state(s, SSH_STATE_BACKOFF);
}

/* Connecting failed: everyone waiting hears why. */
void
ssh_session_fail(struct ssh_session *s, enum ssh_error err, const char *msg)
{
	int	retry;

	log_debug("ssh: %s: %s", s->name, msg);
	ssh_session_teardown(s, 0);
	ssh_session_set_error(s, err, msg);
	ssh_session_fail_ops(s, err, msg, 0);
	retry = err != SSH_ERR_HOSTKEY_CHANGED && err != SSH_ERR_HOSTKEY_UNKNOWN &&
	    err != SSH_ERR_AUTH;
	ssh_session_rest(s, retry);
}

/* A ready session broke: fail what ran on it, reconnect if watched. */
void
ssh_session_drop(struct ssh_session *s, const char *why)
{
	char	*msg;

	if (s->running) {
		if (!s->lost) {
			s->lost = 1;
			ssh_session_set_error(s, SSH_ERR_CONNECT, why);
		}
		return;
	}
	msg = xprintf("connection to %s lost: %s", s->name, why);
	log_debug("ssh: %s", msg);
	ssh_session_teardown(s, 0);
	ssh_session_set_error(s, SSH_ERR_CONNECT, msg);
	ssh_session_fail_ops(s, SSH_ERR_CONNECT, msg, 0);
	free(msg);
	s->backoff_ms = 0;
	ssh_session_rest(s, 1);
}

void
ssh_session_close(struct ssh_session *s)
{
	ssh_session_fail_ops(s, SSH_ERR_CONNECT, "session closed", 0);
	ssh_session_teardown(s, 1);
	ssh_session_set_error(s, SSH_OK, NULL);
	s->backoff_ms = 0;
	ssh_session_set_state(s, SSH_STATE_IDLE);
}

/* Cancel everything quietly, close every session, free the pool. */
void
ssh_free(struct ssh *ssh)
{
	struct ssh_session	*s;
	struct ssh_watch	*w;

	if (ssh == NULL)
		return;
	/* Pumps through jump hosts first: their ops are about to go quietly. */
	TAILQ_FOREACH(s, &ssh->sessions, entry) {
		if (s->jump_fwd != NULL) {
			ssh_forward_close(s->jump_fwd);
			s->jump_fwd = NULL;
		}
	}
	TAILQ_FOREACH_REVERSE(s, &ssh->sessions, ssh_sessions, entry) {
		ssh_session_fail_ops(s, SSH_ERR_CANCELLED, NULL, 1);
		ssh_session_teardown(s, 1);
	}
	while ((s = TAILQ_FIRST(&ssh->sessions)) != NULL) {
		TAILQ_REMOVE(&ssh->sessions, s, entry);
		while ((w = TAILQ_FIRST(&s->watches)) != NULL) {
			TAILQ_REMOVE(&s->watches, w, entry);
			free(w);
		}
		free(s->name);
		free(s->host);
		free(s->user);
		free(s->key);
		free(s->jump);
		free(s->errmsg);
		free(s);
	}
	free(ssh->known_hosts);
	free(ssh->config);
	free(ssh);
}

/*
 * A keepalive every interval; TCP_USER_TIMEOUT turns missing ACKs into a
 * drop. A server whose kernel ACKs but whose process is stopped is caught
 * by a liveness check while the session has users: no answer in
 * interval * count seconds drops it.
 */
static void
ssh_session_keepalive(void *arg)
{
	struct ssh_session	*s = arg;
	uint64_t		 now = loop_now(s->ssh->loop);
	int			 next = 0;

	if (s->state != SSH_STATE_READY)
		return;
	if (s->ping != NULL && now - s->ping_at >=
	    (uint64_t)s->ssh->ka_interval * (uint64_t)s->ssh->ka_count * 1000) {
		ssh_session_drop(s, "the server stopped answering");
		return;
	}
	if (s->ping == NULL && (!TAILQ_EMPTY(&s->watches) ||
	    !TAILQ_EMPTY(&s->ops)))
		ssh_channel_ping(s);
	if (s->sender == NULL && !(libssh2_session_block_directions(s->sess) &
	    LIBSSH2_SESSION_BLOCK_OUTBOUND)) {
		if (libssh2_keepalive_send(s->sess, &next) != 0 &&
		    libssh2_session_last_errno(s->sess) != LIBSSH2_ERROR_EAGAIN) {
			ssh_session_drop(s, "keepalive could not be sent");
			return;
		}
	}
	s->idle_data = 0;
	loop_timer_start(&s->keepalive, (uint64_t)s->ssh->ka_interval * 1000);
	ssh_run_update_io(s);
}

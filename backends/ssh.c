/*
 * The SSH pool and its sessions: one libssh2 session per host in
 * non-blocking mode, driven by the loop. Connecting is a state machine
 * (resolve, TCP, handshake, host key, auth); a ready session runs its
 * operations (exec, SFTP, forwards: ssh-channel.c, ssh-sftp.c) on every
 * socket event, keeps the link alive and reconnects with backoff while
 * someone watches it.
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

/* The operator's answer travels back through this, which outlives a freed session. */
struct ssh_ask {
	struct ssh_session	*s;		/* NULL once the session is gone */
};

static int	ssh_libssh2_ready;

static void	ssh_session_io(int, short, void *);
static void	ssh_session_timeout(void *);
static void	ssh_session_keepalive(void *);
static void	ssh_session_step_connect(struct ssh_session *);
static void	ssh_session_update_io(struct ssh_session *);
static void	ssh_session_run(struct ssh_session *);
static void	ssh_session_kick_cb(void *);
static void	ssh_session_fail(struct ssh_session *, enum ssh_error, const char *);
static void	ssh_session_drop(struct ssh_session *, const char *);

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

/* Every byte on the wire passes here, so the sessions can count them. */
static ssize_t
ssh_session_send(libssh2_socket_t fd, const void *buf, size_t len, int flags,
    void **abstract)
{
	struct ssh_session	*s = *abstract;
	ssize_t			 n;

	n = send(fd, buf, len, flags | MSG_NOSIGNAL);
	if (n < 0)
		return (-errno);
	s->bytes_out += (uint64_t)n;
	return (n);
}

static ssize_t
ssh_session_recv(libssh2_socket_t fd, void *buf, size_t len, int flags,
    void **abstract)
{
	struct ssh_session	*s = *abstract;
	ssize_t			 n;

	n = recv(fd, buf, len, flags);
	if (n < 0)
		return (-errno);
	s->bytes_in += (uint64_t)n;
	return (n);
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
	loop_io_init(&s->io, ssh->loop, -1, ssh_session_io, s);
	loop_timer_init(&s->timer, ssh->loop, ssh_session_timeout, s);
	loop_timer_init(&s->keepalive, ssh->loop, ssh_session_keepalive, s);
	loop_timer_init(&s->kick, ssh->loop, ssh_session_kick_cb, s);
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
static void
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

static void
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
static void
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
	s->idle_data = 0;
	s->lost = 0;
	s->step = SSH_CONN_NONE;
}

/* End every operation with the same error; quiet ones call nobody back. */
static void
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
static void
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
static void
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
	/* Sessions reached through a jump go first, before the jump host's. */
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

/* Connect attempts end at the target's timeout; a backoff ends in a retry. */
static void
ssh_session_timeout(void *arg)
{
	struct ssh_session	*s = arg;
	char			*msg;

	if (s->state == SSH_STATE_BACKOFF) {
		ssh_session_connect(s);
		return;
	}
	if (s->state != SSH_STATE_CONNECTING)
		return;
	msg = xprintf("%s: no answer from %s:%d within %d s", s->name, s->host,
	    s->port, s->timeout_ms / 1000);
	ssh_session_fail(s, SSH_ERR_TIMEOUT, msg);
	free(msg);
}

/* A keepalive every interval; TCP_USER_TIMEOUT turns missing ACKs into a drop. */
static void
ssh_session_keepalive(void *arg)
{
	struct ssh_session	*s = arg;
	int			 next = 0;

	if (s->state != SSH_STATE_READY)
		return;
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
	ssh_session_update_io(s);
}

static void
ssh_session_resolved(struct addrinfo *ai, int gai_error, void *arg)
{
	struct ssh_session	*s = arg;
	struct addrinfo		*a;
	char			*msg;

	s->resolve = NULL;
	if (ai == NULL) {
		msg = xprintf("%s: cannot resolve %s: %s", s->name, s->host,
		    gai_strerror(gai_error));
		ssh_session_fail(s, SSH_ERR_RESOLVE, msg);
		free(msg);
		return;
	}
	s->naddrs = 0;
	for (a = ai; a != NULL && s->naddrs < (int)(sizeof s->addrs /
	    sizeof s->addrs[0]); a = a->ai_next) {
		if (a->ai_addrlen > sizeof s->addrs[0])
			continue;
		memcpy(&s->addrs[s->naddrs], a->ai_addr, a->ai_addrlen);
		s->addrlens[s->naddrs++] = a->ai_addrlen;
	}
	s->addr_next = 0;
	s->step = SSH_CONN_TCP;
	ssh_session_step_connect(s);
}

/* Start a non-blocking connect to the next address; -1 when none is left. */
static int
ssh_session_tcp_start(struct ssh_session *s, char **cause)
{
	struct sockaddr_storage	*sa;
	int			 fd, one = 1;

	while (s->addr_next < s->naddrs) {
		sa = &s->addrs[s->addr_next++];
		fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1) {
			free(*cause);
			*cause = xprintf("socket: %s", strerror(errno));
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(fd, (struct sockaddr *)sa,
		    s->addrlens[s->addr_next - 1]) == 0 || errno == EINPROGRESS) {
			s->fd = fd;
			return (0);
		}
		free(*cause);
		*cause = xprintf("connect to %s port %d: %s", s->host, s->port,
		    strerror(errno));
		close(fd);
	}
	return (-1);
}

/* A jump session's pump for our socket ended: that is our connection. */
static void
ssh_session_jump_done(struct ssh_fwd *fwd, enum ssh_error err, const char *msg,
    void *arg)
{
	struct ssh_session	*s = arg;
	char			*m;

	(void)fwd;
	s->jump_fwd = NULL;
	if (s->state == SSH_STATE_CONNECTING) {
		m = xprintf("%s: through %s: %s", s->name, s->jump,
		    msg != NULL ? msg : "forward closed");
		ssh_session_fail(s, err != SSH_OK ? err : SSH_ERR_CONNECT, m);
		free(m);
	} else if (s->state == SSH_STATE_READY)
		ssh_session_drop(s, msg != NULL ? msg : "jump forward closed");
}

/* Our end of a socketpair, pumped through a direct-tcpip channel of the jump host. */
static int
ssh_session_jump_start(struct ssh_session *s, char **cause)
{
	struct ssh_session	*js;
	struct ssh_target	 t;
	int			 sp[2];

	if ((js = ssh_session_find(s->ssh, s->jump)) == NULL) {
		memset(&t, 0, sizeof t);
		t.name = s->jump;
		js = ssh_session(s->ssh, &t);
	}
	if (js == s) {
		*cause = xprintf("%s: jumps through itself", s->name);
		return (-1);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sp) != 0) {
		*cause = xprintf("socketpair: %s", strerror(errno));
		return (-1);
	}
	s->fd = sp[0];
	s->jump_fwd = ssh_forward_fd(js, sp[1], s->host, s->port,
	    ssh_session_jump_done, s);
	return (0);
}

/* Begin (or retry) connecting: from IDLE, FAILED or the end of a backoff. */
void
ssh_session_connect(struct ssh_session *s)
{
	char	 port[16];
	char	*cause = NULL;

	if (s->state == SSH_STATE_CONNECTING || s->state == SSH_STATE_READY)
		return;
	ssh_session_teardown(s, 0);
	ssh_session_set_state(s, SSH_STATE_CONNECTING);
	loop_timer_start(&s->timer, (uint64_t)s->timeout_ms);
	if (s->jump != NULL) {
		if (ssh_session_jump_start(s, &cause) != 0) {
			ssh_session_fail(s, SSH_ERR_CONNECT, cause);
			free(cause);
			return;
		}
		s->step = SSH_CONN_HANDSHAKE;
		ssh_session_step_connect(s);
		return;
	}
	s->step = SSH_CONN_RESOLVE;
	snprintf(port, sizeof port, "%d", s->port);
	s->resolve = loop_resolve_start(s->ssh->loop, s->host, port,
	    SOCK_STREAM, ssh_session_resolved, s);
}

/* The operator answered the host key question. */
static void
ssh_session_answer(void *ctx, int yes)
{
	struct ssh_ask		*a = ctx;
	struct ssh_session	*s = a->s;
	char			*cause = NULL, *msg;

	free(a);
	if (s == NULL)
		return;
	s->ask = NULL;
	if (!yes) {
		msg = xprintf("host key for %s not accepted", s->host);
		ssh_session_fail(s, SSH_ERR_HOSTKEY_UNKNOWN, msg);
		free(msg);
		return;
	}
	if (ssh_hostkey_add(s, &cause) != 0) {
		log_debug("ssh: %s", cause);
		free(cause);	/* accepted for this run even if not saved */
	}
	loop_timer_start(&s->timer, (uint64_t)s->timeout_ms);
	s->step = SSH_CONN_AUTH;
	ssh_session_step_connect(s);
}

/* Check the host key: known, asked about, accepted by flag, or refused. */
static int
ssh_session_hostkey(struct ssh_session *s)
{
	const char	*key;
	char		*cause = NULL, *fp, *msg;
	size_t		 len;
	int		 type;

	switch (ssh_hostkey_check(s, &cause)) {
	case SSH_HOSTKEY_MATCH:
		return (0);
	case SSH_HOSTKEY_CHANGED:
		ssh_session_fail(s, SSH_ERR_HOSTKEY_CHANGED, cause);
		free(cause);
		return (-1);
	case SSH_HOSTKEY_ERROR:
		ssh_session_fail(s, SSH_ERR_OTHER, cause);
		free(cause);
		return (-1);
	case SSH_HOSTKEY_UNKNOWN:
		break;
	}
	free(cause);
	cause = NULL;
	key = libssh2_session_hostkey(s->sess, &len, &type);
	fp = ssh_hostkey_fingerprint(s->sess);
	if (s->ssh->ask != NULL) {
		loop_timer_stop(&s->timer);	/* the operator takes their time */
		s->step = SSH_CONN_ASK;
		s->ask = xcalloc(1, sizeof *s->ask);
		s->ask->s = s;
		ssh_session_update_io(s);
		s->ssh->ask(s->host, ssh_hostkey_type_name(type), fp,
		    ssh_session_answer, s->ask, s->ssh->ask_arg);
		free(fp);
		return (1);
	}
	if (!(s->ssh->flags & SSH_ACCEPT_NEW)) {
		msg = xprintf("host key for %s is not known (%s %s): accept it"
		    " with --accept-new-host-keys or add it to %s", s->host,
		    ssh_hostkey_type_name(type), fp, s->ssh->known_hosts);
		free(fp);
		ssh_session_fail(s, SSH_ERR_HOSTKEY_UNKNOWN, msg);
		free(msg);
		return (-1);
	}
	(void)key;
	free(fp);
	if (ssh_hostkey_add(s, &cause) != 0) {
		ssh_session_fail(s, SSH_ERR_OTHER, cause);
		free(cause);
		return (-1);
	}
	return (0);
}

/* Set the socket options that make a dead peer show up as an error. */
static void
ssh_session_socket_options(struct ssh_session *s)
{
	unsigned	ms;
	int		one = 1;

	if (s->jump != NULL)
		return;
	ms = (unsigned)s->ssh->ka_interval * (unsigned)s->ssh->ka_count * 1000;
	setsockopt(s->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	setsockopt(s->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
}

/* The connection is up and authenticated. */
static void
ssh_session_ready(struct ssh_session *s)
{
	s->step = SSH_CONN_NONE;
	loop_timer_stop(&s->timer);
	ssh_auth_free(s->auth);
	s->auth = NULL;
	s->backoff_ms = 0;
	s->sftp_failed = 0;
	ssh_session_set_error(s, SSH_OK, NULL);
	libssh2_keepalive_config(s->sess, 0, (unsigned)s->ssh->ka_interval);
	loop_timer_start(&s->keepalive, (uint64_t)s->ssh->ka_interval * 1000);
	ssh_session_set_state(s, SSH_STATE_READY);
	ssh_session_kick(s);
}

/* Advance the connect state machine as far as the socket allows. */
static void
ssh_session_step_connect(struct ssh_session *s)
{
	enum ssh_error	 err;
	char		*cause = NULL;
	int		 rc, soerr;
	socklen_t	 slen;

	switch (s->step) {
	case SSH_CONN_TCP:
		if (s->fd != -1) {
			slen = sizeof soerr;
			soerr = 0;
			getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &slen);
			if (soerr == 0)
				goto handshake_init;
			cause = xprintf("connect to %s port %d: %s", s->host,
			    s->port, strerror(soerr));
			close(s->fd);
			s->fd = -1;
		}
		if (ssh_session_tcp_start(s, &cause) != 0) {
			if (cause == NULL)
				cause = xprintf("%s: no address", s->host);
			ssh_session_fail(s, SSH_ERR_CONNECT, cause);
			free(cause);
			return;
		}
		free(cause);
		loop_io_stop(&s->io);
		loop_io_init(&s->io, s->ssh->loop, s->fd, ssh_session_io, s);
		loop_io_start(&s->io, POLLOUT);
		return;
	handshake_init:
		s->step = SSH_CONN_HANDSHAKE;
		/* FALLTHROUGH */
	case SSH_CONN_HANDSHAKE:
		if (s->sess == NULL) {
			ssh_session_socket_options(s);
			s->sess = libssh2_session_init_ex(NULL, NULL, NULL, s);
			if (s->sess == NULL) {
				ssh_session_fail(s, SSH_ERR_OTHER,
				    "libssh2_session_init failed");
				return;
			}
			libssh2_session_set_blocking(s->sess, 0);
			libssh2_session_callback_set(s->sess, LIBSSH2_CALLBACK_SEND,
			    (void *)ssh_session_send);
			libssh2_session_callback_set(s->sess, LIBSSH2_CALLBACK_RECV,
			    (void *)ssh_session_recv);
			loop_io_stop(&s->io);
			loop_io_init(&s->io, s->ssh->loop, s->fd, ssh_session_io, s);
		}
		rc = libssh2_session_handshake(s->sess, s->fd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			break;
		if (rc != 0) {
			cause = ssh_session_last_error(s, "SSH handshake");
			ssh_session_fail(s, SSH_ERR_CONNECT, cause);
			free(cause);
			return;
		}
		if ((rc = ssh_session_hostkey(s)) != 0)
			return;		/* failed, or asking */
		s->step = SSH_CONN_AUTH;
		/* FALLTHROUGH */
	case SSH_CONN_AUTH:
		if (s->auth == NULL)
			s->auth = ssh_auth_new(s);
		rc = ssh_auth_step(s->auth, &err, &cause);
		if (rc == 0)
			break;
		if (rc < 0) {
			ssh_session_fail(s, err, cause);
			free(cause);
			return;
		}
		ssh_session_ready(s);
		return;
	default:
		return;
	}
	ssh_session_update_io(s);
}

/* Wait on what libssh2 is blocked on; a ready session always reads. */
static void
ssh_session_update_io(struct ssh_session *s)
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
	if (events == 0 && s->state == SSH_STATE_CONNECTING)
		events = POLLIN;
	if (events == 0)
		loop_io_stop(&s->io);
	else
		loop_io_start(&s->io, events);
}

/* Bytes arrived while nothing reads: EOF means the peer went away. */
static int
ssh_session_idle_read(struct ssh_session *s)
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

static void
ssh_session_io(int fd, short revents, void *arg)
{
	struct ssh_session	*s = arg;

	(void)fd;
	if (s->state == SSH_STATE_CONNECTING) {
		ssh_session_step_connect(s);
		return;
	}
	if (s->state != SSH_STATE_READY)
		return;
	if (TAILQ_EMPTY(&s->ops) && TAILQ_EMPTY(&s->disposes)) {
		if ((revents & (POLLIN | POLLHUP | POLLERR)) &&
		    ssh_session_idle_read(s) != 0)
			return;
		ssh_session_update_io(s);
		return;
	}
	ssh_session_run(s);
}

/* Free closed channels and handles without blocking, oldest first. */
static int
ssh_session_run_disposes(struct ssh_session *s)
{
	struct ssh_dispose	*d;
	int			 rc;

	while ((d = TAILQ_FIRST(&s->disposes)) != NULL) {
		if (d->handle != NULL) {
			rc = libssh2_sftp_close_handle(d->handle);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return (0);
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
ssh_session_run_sftp(struct ssh_session *s)
{
	struct ssh_op	*op, *next;
	char		*msg;
	int		 rc;

	if (s->sftp != NULL)
		return (1);
	if (s->sftp_failed || s->sender != NULL)
		return (0);
	TAILQ_FOREACH(op, &s->ops, entry) {
		if (op->needs_sftp)
			break;
	}
	if (op == NULL)
		return (0);
	s->sftp = libssh2_sftp_init(s->sess);
	if (s->sftp != NULL) {
		s->again = 1;
		return (1);
	}
	rc = libssh2_session_last_errno(s->sess);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return (0);
	if (ssh_session_broken_rc(rc)) {
		ssh_session_drop(s, "SFTP start failed");
		return (0);
	}
	msg = ssh_session_last_error(s, "SFTP subsystem");
	for (op = TAILQ_FIRST(&s->ops); op != NULL; op = next) {
		next = TAILQ_NEXT(op, entry);
		if (op->needs_sftp)
			op->type->fail(op, SSH_ERR_SFTP, msg, 0);
	}
	free(msg);
	return (0);
}

/* Step one operation; returns 1 when the list changed under us. */
static int
ssh_session_run_op(struct ssh_session *s, struct ssh_op *op)
{
	enum ssh_step	r;
	int		dirs;

	op->in_step = 1;
	r = op->type->step(op);
	if (r == SSH_STEP_DONE)
		return (1);
	op->in_step = 0;
	if (op->cancelled) {
		op->type->fail(op, SSH_ERR_CANCELLED, NULL, 1);
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
	return (0);
}

/*
 * Run every operation until none makes progress: a channel's data may be
 * read from the socket by another channel's call, so one pass is not enough.
 * Only the op blocked mid-packet may run while the socket is full.
 */
static void
ssh_session_run(struct ssh_session *s)
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
		if (ssh_session_run_disposes(s) != 0) {
			s->lost = 1;
			break;
		}
		ssh_session_run_sftp(s);
		if (s->sender != NULL) {
			if (ssh_session_run_op(s, s->sender))
				s->again = 1;
			if (s->lost || s->sender != NULL)
				break;
		}
		TAILQ_FOREACH(op, &s->ops, entry) {
			if (op->needs_sftp && s->sftp == NULL)
				continue;
			if (op->fail_now)
				continue;
			if (ssh_session_run_op(s, op)) {
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
	ssh_session_update_io(s);
}

static void
ssh_session_kick_cb(void *arg)
{
	struct ssh_session	*s = arg;

	ssh_session_run(s);
}

/* Run the session's operations soon, from the loop (never from inside a caller). */
void
ssh_session_kick(struct ssh_session *s)
{
	if (s->state == SSH_STATE_READY && !loop_timer_pending(&s->kick))
		loop_timer_start(&s->kick, 0);
}

static void
ssh_op_timeout(void *arg)
{
	struct ssh_op		*op = arg;
	struct ssh_session	*s = op->s;
	char			*msg;

	if (op->fail_now) {
		op->type->fail(op, s->err != SSH_OK ? s->err : SSH_ERR_CONNECT,
		    s->errmsg != NULL ? s->errmsg : "not connected", 0);
		return;
	}
	msg = xprintf("%s: %s timed out", s->name, op->type->name);
	if (s->sender == op)
		s->sender = NULL;
	op->type->fail(op, SSH_ERR_TIMEOUT, msg, 0);
	free(msg);
}

/* Queue an operation: it starts once the session is ready. */
void
ssh_session_add_op(struct ssh_session *s, struct ssh_op *op,
    const struct ssh_op_type *type, int timeout_ms)
{
	op->type = type;
	op->s = s;
	loop_timer_init(&op->timer, s->ssh->loop, ssh_op_timeout, op);
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
	op->type->fail(op, SSH_ERR_CANCELLED, NULL, 1);
}

/*
 * Connecting a session without blocking: resolve on the loop's worker,
 * a non-blocking TCP connect (or a socketpair pumped through the jump
 * host's direct-tcpip channel), the SSH handshake, the host key check
 * (asking the operator, or accepting by flag) and authentication.
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


/* Every byte on the wire passes here, so the sessions can count them. */
static ssize_t
ssh_connect_send(libssh2_socket_t fd, const void *buf, size_t len, int flags,
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
ssh_connect_recv(libssh2_socket_t fd, void *buf, size_t len, int flags,
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

/* Connect attempts end at the target's timeout; a backoff ends in a retry. */
void
ssh_connect_timeout(void *arg)
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

static void
ssh_connect_resolved(struct addrinfo *ai, int gai_error, void *arg)
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
	ssh_connect_step(s);
}

/* Start a non-blocking connect to the next address; -1 when none is left. */
static int
ssh_connect_tcp(struct ssh_session *s, char **cause)
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
ssh_connect_jump_done(struct ssh_fwd *fwd, enum ssh_error err, const char *msg,
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
ssh_connect_jump(struct ssh_session *s, char **cause)
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
	    ssh_connect_jump_done, s);
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
		if (ssh_connect_jump(s, &cause) != 0) {
			ssh_session_fail(s, SSH_ERR_CONNECT, cause);
			free(cause);
			return;
		}
		s->step = SSH_CONN_HANDSHAKE;
		ssh_connect_step(s);
		return;
	}
	s->step = SSH_CONN_RESOLVE;
	snprintf(port, sizeof port, "%d", s->port);
	s->resolve = loop_resolve_start(s->ssh->loop, s->host, port,
	    SOCK_STREAM, ssh_connect_resolved, s);
}

/* The operator answered the host key question. */
static void
ssh_connect_answer(void *ctx, int yes)
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
	ssh_connect_step(s);
}

/* Check the host key: known, asked about, accepted by flag, or refused. */
static int
ssh_connect_hostkey(struct ssh_session *s)
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
		ssh_run_update_io(s);
		s->ssh->ask(s->host, ssh_hostkey_type_name(type), fp,
		    ssh_connect_answer, s->ask, s->ssh->ask_arg);
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
ssh_connect_socket_options(struct ssh_session *s)
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
ssh_connect_ready(struct ssh_session *s)
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
void
ssh_connect_step(struct ssh_session *s)
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
		if (ssh_connect_tcp(s, &cause) != 0) {
			if (cause == NULL)
				cause = xprintf("%s: no address", s->host);
			ssh_session_fail(s, SSH_ERR_CONNECT, cause);
			free(cause);
			return;
		}
		free(cause);
		loop_io_stop(&s->io);
		loop_io_init(&s->io, s->ssh->loop, s->fd, ssh_run_io, s);
		loop_io_start(&s->io, POLLOUT);
		return;
	handshake_init:
		s->step = SSH_CONN_HANDSHAKE;
		/* FALLTHROUGH */
	case SSH_CONN_HANDSHAKE:
		if (s->sess == NULL) {
			ssh_connect_socket_options(s);
			s->sess = libssh2_session_init_ex(NULL, NULL, NULL, s);
			if (s->sess == NULL) {
				ssh_session_fail(s, SSH_ERR_OTHER,
				    "libssh2_session_init failed");
				return;
			}
			libssh2_session_set_blocking(s->sess, 0);
			libssh2_session_callback_set(s->sess, LIBSSH2_CALLBACK_SEND,
			    (void *)ssh_connect_send);
			libssh2_session_callback_set(s->sess, LIBSSH2_CALLBACK_RECV,
			    (void *)ssh_connect_recv);
			loop_io_stop(&s->io);
			loop_io_init(&s->io, s->ssh->loop, s->fd, ssh_run_io, s);
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
		if ((rc = ssh_connect_hostkey(s)) != 0)
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
		ssh_connect_ready(s);
		return;
	default:
		return;
	}
	ssh_run_update_io(s);
}

/*
 * Inside the SSH backend: the pool, the session state machine and the
 * operations (exec, SFTP, forwards) that run on a ready session. Not for
 * use outside backends/ssh*.c.
 */
#ifndef SSH_INT_H
#define SSH_INT_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <libssh2.h>
#include <libssh2_sftp.h>

#include "backends/ssh.h"
#include "core/loop.h"

#define SSH_DEFAULT_TIMEOUT_MS	10000
#define SSH_BACKOFF_MIN_MS	1000
#define SSH_BACKOFF_MAX_MS	60000

struct ssh_op;

/* What a step says: wait for the socket, finished (op gone), or the session broke. */
enum ssh_step {
	SSH_STEP_AGAIN,
	SSH_STEP_DONE,
	SSH_STEP_BROKEN,
};

/* One kind of operation: how to advance it and how to end it with an error. */
struct ssh_op_type {
	const char	*name;
	enum ssh_step	(*step)(struct ssh_op *);
	/*
	 * Report the error to the owner (unless SSH_FAIL_QUIET), release
	 * everything, free; SSH_FAIL_DETACH reports and releases what the
	 * owner gave but keeps the op, which ends later as an orphan.
	 */
	void		(*fail)(struct ssh_op *, enum ssh_error, const char *, int how);
};

#define SSH_FAIL_REPORT	0
#define SSH_FAIL_QUIET	1
#define SSH_FAIL_DETACH	2

struct ssh_op {
	const struct ssh_op_type *type;
	struct ssh_session	*s;
	struct loop_timer	 timer;		/* the op's own timeout */
	int			 in_step;	/* inside step: cancel is deferred */
	int			 cancelled;	/* cancel came during step */
	int			 needs_sftp;	/* waits for the session's SFTP channel */
	int			 fail_now;	/* the timer reports the session's error */
	int			 paused;	/* reads nothing until resumed */
	int			 opening;	/* its next call opens a channel */
	int			 orphan;	/* owner gone: only ends its libssh2 call */
	TAILQ_ENTRY(ssh_op)	 entry;
};
TAILQ_HEAD(ssh_ops, ssh_op);

/* A channel being closed and freed without blocking, owned by the session. */
struct ssh_dispose {
	LIBSSH2_CHANNEL		*channel;	/* or NULL */
	LIBSSH2_SFTP_HANDLE	*handle;	/* or NULL */
	TAILQ_ENTRY(ssh_dispose) entry;
};
TAILQ_HEAD(ssh_disposes, ssh_dispose);

struct ssh_watch {
	ssh_state_cb		 cb;
	void			*arg;
	TAILQ_ENTRY(ssh_watch)	 entry;
};
TAILQ_HEAD(ssh_watches, ssh_watch);

enum ssh_connect_step {
	SSH_CONN_NONE,
	SSH_CONN_RESOLVE,	/* worker thread */
	SSH_CONN_TCP,		/* non-blocking connect */
	SSH_CONN_HANDSHAKE,
	SSH_CONN_ASK,		/* waiting for the operator's yes */
	SSH_CONN_AUTH,
};

struct ssh_ask;
struct ssh_auth;

struct ssh_session {
	struct ssh		*ssh;
	char			*name;
	char			*host;		/* resolved from ~/.ssh/config */
	int			 port;
	char			*user;
	char			*key;		/* or NULL */
	char			*jump;		/* or NULL */
	int			 timeout_ms;

	enum ssh_state		 state;
	enum ssh_connect_step	 step;
	enum ssh_error		 err;
	char			*errmsg;
	uint64_t		 next_retry;
	int			 backoff_ms;
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;

	LIBSSH2_SESSION		*sess;
	LIBSSH2_SFTP		*sftp;
	int			 sftp_failed;
	int			 fd;
	struct loop_io		 io;
	struct loop_timer	 timer;		/* connect timeout, or backoff */
	struct loop_timer	 keepalive;
	struct loop_timer	 kick;		/* runs the operations from the loop */
	struct loop_resolve	*resolve;
	struct sockaddr_storage	 addrs[8];	/* resolved, tried in order */
	socklen_t		 addrlens[8];
	int			 naddrs;
	int			 addr_next;	/* the next one to try */
	struct ssh_ask		*ask;
	struct ssh_auth		*auth;
	struct ssh_fwd		*jump_fwd;	/* our socket's pump through the jump host */

	struct ssh_ops		 ops;
	struct ssh_disposes	 disposes;
	struct ssh_watches	 watches;
	int			 running;	/* inside ssh_session_run */
	int			 again;		/* run again after the current pass */
	int			 idle_data;	/* bytes arrived with nobody reading */
	int			 lost;		/* broke during a run: drop after it */
	struct ssh_op		*sender;	/* blocked mid-packet: only it may send */
	/*
	 * libssh2 1.10 keeps a channel open's state in the session and an SFTP
	 * request's in the SFTP session: one of each at a time, in list order.
	 */
	struct ssh_op		*chan_owner;	/* opening a channel, or NULL */
	struct ssh_op		*sftp_owner;	/* between SFTP open and close, or NULL */
	int			 sftp_starting;	/* libssh2_sftp_init opens a channel too */
	int			 sftp_closing;	/* a disposed handle's close is running */
	struct ssh_op		*ping;		/* liveness check waiting for its answer */
	uint64_t		 ping_at;	/* when it was sent (loop_now ms) */
	TAILQ_ENTRY(ssh_session) entry;
};
TAILQ_HEAD(ssh_sessions, ssh_session);

struct ssh {
	struct loop		*loop;
	int			 flags;
	char			*known_hosts;
	char			*config;	/* "" = none */
	ssh_ask_cb		 ask;
	void			*ask_arg;
	int			 ka_interval;
	int			 ka_count;
	struct ssh_sessions	 sessions;
};

/* The operator's answer travels back through this, which outlives a freed session. */
struct ssh_ask {
	struct ssh_session	*s;		/* NULL once the session is gone */
};

/* ssh.c */
void		 ssh_session_set_state(struct ssh_session *, enum ssh_state);
void		 ssh_session_set_error(struct ssh_session *, enum ssh_error, const char *);
void		 ssh_session_teardown(struct ssh_session *, int graceful);
void		 ssh_session_fail_ops(struct ssh_session *, enum ssh_error,
		     const char *, int quiet);
void		 ssh_session_fail(struct ssh_session *, enum ssh_error, const char *);
void		 ssh_session_drop(struct ssh_session *, const char *);
void		 ssh_session_add_op(struct ssh_session *, struct ssh_op *,
		     const struct ssh_op_type *, int timeout_ms);
void		 ssh_session_remove_op(struct ssh_op *);
void		 ssh_session_dispose(struct ssh_session *, LIBSSH2_CHANNEL *,
		     LIBSSH2_SFTP_HANDLE *);
void		 ssh_session_kick(struct ssh_session *);
int		 ssh_session_broken_rc(int rc);
char		*ssh_session_last_error(struct ssh_session *, const char *what);
void		 ssh_op_cancel(struct ssh_op *);
void		 ssh_op_end(struct ssh_op *, enum ssh_error, const char *);
void		 ssh_op_opened(struct ssh_op *);

/* ssh-connect.c */
void		 ssh_connect_step(struct ssh_session *);
void		 ssh_connect_timeout(void *);

/* ssh-run.c */
void		 ssh_run_io(int, short, void *);
void		 ssh_run_update_io(struct ssh_session *);
void		 ssh_run_kick_cb(void *);

/* ssh-auth.c */
struct ssh_auth	*ssh_auth_new(struct ssh_session *);
void		 ssh_auth_free(struct ssh_auth *);
/* 1 done, 0 again, -1 failed (*cause, err set). */
int		 ssh_auth_step(struct ssh_auth *, enum ssh_error *, char **cause);
int		 ssh_auth_key_is_rsa(const char *path);

/* ssh-hostkey.c */
enum ssh_hostkey_result {
	SSH_HOSTKEY_MATCH,
	SSH_HOSTKEY_UNKNOWN,
	SSH_HOSTKEY_CHANGED,
	SSH_HOSTKEY_ERROR,
};
enum ssh_hostkey_result ssh_hostkey_check(struct ssh_session *, char **cause);
int		 ssh_hostkey_add(struct ssh_session *, char **cause);
char		*ssh_hostkey_fingerprint(LIBSSH2_SESSION *);
const char	*ssh_hostkey_type_name(int libssh2_type);
char		*ssh_hostkey_hostname(const char *host, int port);
int		 ssh_hostkey_find_line(const char *path, const char *host, int port,
		     const char *key, size_t keylen, int type, char **stored_type);

/* ssh-config.c: what ~/.ssh/config says about one host alias. */
struct ssh_config_host {
	char		*hostname;	/* or NULL */
	char		*user;
	int		 port;		/* 0 = not set */
	char		*identity;
	char		*proxyjump;
};
int		 ssh_config_lookup(const char *text, size_t len, const char *alias,
		     struct ssh_config_host *);
int		 ssh_config_lookup_file(const char *path, const char *alias,
		     struct ssh_config_host *);
void		 ssh_config_host_free(struct ssh_config_host *);

/* ssh-channel.c */
void		 ssh_channel_ping(struct ssh_session *);

/* ssh-sftp.c */
void		 ssh_sftp_close(struct ssh_session *);

#endif

/*
 * SSH on the event loop: libssh2 sessions in non-blocking mode, one per
 * host and shared by every user of that host, kept alive and reconnected
 * with backoff. Everything returns at once; results come by callback.
 * Users: the route layer (direct-tcpip forwards), the Nodes pane's
 * samplers, node exec/logs, and deploy (exec and SFTP).
 */
#ifndef SSH_H
#define SSH_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct loop;
struct ssh;		/* the pool: one per process */
struct ssh_session;	/* one host */
struct ssh_exec;
struct ssh_xfer;
struct ssh_fwd;

enum ssh_error {
	SSH_OK = 0,
	SSH_ERR_RESOLVE,
	SSH_ERR_CONNECT,	/* refused, unreachable, dropped */
	SSH_ERR_TIMEOUT,
	SSH_ERR_HOSTKEY_UNKNOWN,	/* not in known_hosts and not accepted */
	SSH_ERR_HOSTKEY_CHANGED,	/* refused: message names file and line */
	SSH_ERR_AUTH,		/* no key or agent identity was accepted */
	SSH_ERR_CHANNEL,	/* channel open refused (forwarding off, no such host) */
	SSH_ERR_SFTP,
	SSH_ERR_CANCELLED,	/* never reported to a callback */
	SSH_ERR_OTHER,
};

enum ssh_state {
	SSH_STATE_IDLE,		/* not connected, nobody asked yet */
	SSH_STATE_CONNECTING,	/* resolve, TCP, handshake, host key, auth */
	SSH_STATE_READY,
	SSH_STATE_BACKOFF,	/* lost or failed; retries at next_retry */
	SSH_STATE_FAILED,	/* will not retry by itself (host key, auth) */
};

/* Where and how to reach one host; strings are copied. */
struct ssh_target {
	const char	*name;		/* inventory node name or ~/.ssh/config alias */
	const char	*host;		/* address; NULL = name (after ~/.ssh/config) */
	int		 port;		/* 0 = 22 or ~/.ssh/config */
	const char	*user;		/* NULL = ~/.ssh/config, then $USER */
	const char	*key;		/* identity file, or NULL: agent, then defaults */
	const char	*jump;		/* reach it through this session's name, or NULL */
	int		 timeout_ms;	/* connect+auth; 0 = 10 s */
};

/*
 * An unknown host key: the pool asks here (the TUI shows a yes/no prompt
 * with the fingerprint). Call answer(ctx, yes) once, now or later. Without
 * an ask hook unknown keys are refused unless SSH_ACCEPT_NEW is set.
 */
typedef void (*ssh_answer_fn)(void *ctx, int yes);
typedef void (*ssh_ask_cb)(const char *host, const char *keytype,
		    const char *fingerprint_sha256, ssh_answer_fn answer, void *ctx,
		    void *arg);

#define SSH_ACCEPT_NEW	0x1	/* --accept-new-host-keys: add unknown keys */

struct ssh	*ssh_new(struct loop *, int flags);
void		 ssh_free(struct ssh *);	/* closes every session, cancels all */
void		 ssh_set_known_hosts(struct ssh *, const char *path);	/* default ~/.ssh/known_hosts */
void		 ssh_set_config(struct ssh *, const char *path);	/* default ~/.ssh/config; "" = none */
void		 ssh_set_ask(struct ssh *, ssh_ask_cb, void *);
/* Keepalive interval (default 15 s) and how many missed before a drop (3). */
void		 ssh_set_keepalive(struct ssh *, int interval_s, int count);

/*
 * The shared session for a target: found by name or created (not yet
 * connected: it connects on the first use, or ssh_session_connect).
 */
struct ssh_session *ssh_session(struct ssh *, const struct ssh_target *);
struct ssh_session *ssh_session_find(struct ssh *, const char *name);
void		 ssh_session_connect(struct ssh_session *);
void		 ssh_session_close(struct ssh_session *);	/* drop now; reconnects on next use */
enum ssh_state	 ssh_session_state(const struct ssh_session *);
/* Why it is not READY ("connection refused", "host key changed: FILE:LINE"), or NULL. */
const char	*ssh_session_error(const struct ssh_session *);
enum ssh_error	 ssh_session_error_code(const struct ssh_session *);
uint64_t	 ssh_session_next_retry(const struct ssh_session *);	/* loop_now ms, or 0 */
uint64_t	 ssh_session_bytes_in(const struct ssh_session *);	/* on the wire */
uint64_t	 ssh_session_bytes_out(const struct ssh_session *);
/* Called on every state change (several watchers allowed); remove with the same pair. */
typedef void (*ssh_state_cb)(struct ssh_session *, enum ssh_state, void *arg);
void		 ssh_session_watch(struct ssh_session *, ssh_state_cb, void *);
void		 ssh_session_unwatch(struct ssh_session *, ssh_state_cb, void *);

/*
 * Exec: runs COMMAND on the host (waits for the session if it is not
 * ready). Output streams to the callbacks as it arrives; done is called
 * once with the exit status (or -1 and an error), unless cancelled.
 * Input, if any, is written with ssh_exec_write and closed with
 * ssh_exec_eof.
 */
typedef void (*ssh_data_cb)(const char *, size_t, void *arg);
typedef void (*ssh_exec_done_cb)(struct ssh_exec *, int exit_status,
		    enum ssh_error, const char *msg, void *arg);
struct ssh_exec	*ssh_exec_start(struct ssh_session *, const char *command,
		     int timeout_ms, ssh_data_cb out, ssh_data_cb err,
		     ssh_exec_done_cb, void *arg);
int		 ssh_exec_write(struct ssh_exec *, const void *, size_t);
void		 ssh_exec_eof(struct ssh_exec *);
void		 ssh_exec_pause(struct ssh_exec *, int paused);	/* stop reading (flow control) */
void		 ssh_exec_cancel(struct ssh_exec *);	/* closes the channel; no callback */

/*
 * SFTP: one subsystem channel per session, opened on first use. put writes
 * to PATH.tmp-XXXX then renames over PATH (atomic) with MODE; get reads a
 * whole file (also /proc files, which report size 0) into memory.
 */
typedef void (*ssh_xfer_done_cb)(struct ssh_xfer *, enum ssh_error,
		    const char *msg, const char *data, size_t len, void *arg);
struct ssh_xfer	*ssh_sftp_put(struct ssh_session *, const char *path,
		     const void *data, size_t len, int mode, int timeout_ms,
		     ssh_xfer_done_cb, void *arg);
struct ssh_xfer	*ssh_sftp_get(struct ssh_session *, const char *path,
		     size_t max_len, int timeout_ms, ssh_xfer_done_cb, void *arg);
/* statvfs@openssh.com of PATH: sizes in bytes, through the same callback (data NULL). */
struct ssh_statvfs {
	uint64_t	 total;
	uint64_t	 free;
	uint64_t	 avail;
	uint64_t	 files;
	uint64_t	 ffree;
};
typedef void (*ssh_statvfs_cb)(const struct ssh_statvfs *, enum ssh_error,
		    const char *msg, void *arg);
struct ssh_xfer	*ssh_sftp_statvfs(struct ssh_session *, const char *path,
		     int timeout_ms, ssh_statvfs_cb, void *arg);
void		 ssh_xfer_cancel(struct ssh_xfer *);

/*
 * Forward: pumps a connected socket FD (owned by the forward from now on)
 * through a direct-tcpip channel to HOST:PORT as seen from the session's
 * host. done is called once when either side closes or on error.
 */
typedef void (*ssh_fwd_done_cb)(struct ssh_fwd *, enum ssh_error,
		    const char *msg, void *arg);
struct ssh_fwd	*ssh_forward_fd(struct ssh_session *, int fd, const char *host,
		     int port, ssh_fwd_done_cb, void *arg);
void		 ssh_forward_close(struct ssh_fwd *);	/* no callback */

/*
 * The session for an inventory node (address, ssh-user, ssh-port, ssh-key,
 * jump), from the command environment's pool, created on first use with
 * CMD_ENV_ACCEPT_NEW_KEYS honoured. NULL and *cause if NODE is unknown.
 */
struct cmd_env;
struct ssh_session *ssh_node_session(struct cmd_env *, const char *node, char **cause);
/* The environment's pool, made now if it is not yet (the TUI sets its ask hook). */
struct ssh	*ssh_node_pool(struct cmd_env *);

const char	*ssh_error_string(enum ssh_error);
const char	*ssh_state_string(enum ssh_state);

/* Exit status of DESIGN.md section 6 for an ssh_error (3 unreachable, 4 auth ...). */
int		 ssh_error_exit(enum ssh_error);

#endif

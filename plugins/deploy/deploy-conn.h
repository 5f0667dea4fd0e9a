/*
 * The transport deploy runs through: exec with exit status and output,
 * and whole-file put (temp + rename, with a mode) and get. Over SSH in
 * production; local processes for tests that need no lab. One operation
 * at a time per connection: the engine is sequential per node.
 */
#ifndef DEPLOY_CONN_H
#define DEPLOY_CONN_H

#include <stddef.h>

struct cmd_env;
struct deploy_conn;
struct loop;

/* status: the exit status, or -1 and msg when the transport failed. */
typedef void (*deploy_exec_cb)(int status, const char *out, size_t outlen,
		    const char *msg, void *arg);
/* error: 0, or -1 and msg; data for get only. */
typedef void (*deploy_xfer_cb)(int error, const char *msg, const char *data,
		    size_t len, void *arg);

struct deploy_conn	*deploy_conn_local(struct loop *, const char *name);
/* The node's SSH session; NULL and *cause when unknown. */
struct deploy_conn	*deploy_conn_ssh(struct cmd_env *, const char *node, char **cause);
/* deploy_conn_local or deploy_conn_ssh. */
struct deploy_conn	*deploy_conn_open(struct cmd_env *, const char *node, int local,
			     char **cause);
void			 deploy_conn_free(struct deploy_conn *);	/* cancels */
const char		*deploy_conn_name(const struct deploy_conn *);
/* Exit status of DESIGN.md section 6 for the last transport failure (3, 4 ...). */
int			 deploy_conn_exit(const struct deploy_conn *);

void	deploy_conn_exec(struct deploy_conn *, const char *command, int timeout_ms,
	    deploy_exec_cb, void *);
void	deploy_conn_put(struct deploy_conn *, const char *path, const void *,
	    size_t, int mode, int timeout_ms, deploy_xfer_cb, void *);
void	deploy_conn_get(struct deploy_conn *, const char *path, int timeout_ms,
	    deploy_xfer_cb, void *);

/* 'text' quoted for sh into b. */
struct buf;
void	deploy_conn_quote(struct buf *, const char *text);

/* Another transport (SSH) fills these slots; NULL ops means local. */
struct deploy_conn_ops {
	void	(*exec)(struct deploy_conn *, const char *, int, deploy_exec_cb, void *);
	void	(*put)(struct deploy_conn *, const char *, const void *, size_t, int,
		    int, deploy_xfer_cb, void *);
	void	(*get)(struct deploy_conn *, const char *, int, deploy_xfer_cb, void *);
	void	(*free)(struct deploy_conn *);	/* cancel and free data */
};

#include "core/buf.h"
#include "core/loop.h"

struct deploy_conn {
	char			*name;
	struct loop		*loop;
	int			 exit;		/* of the last failure */
	const struct deploy_conn_ops *ops;	/* NULL: local */
	void			*data;		/* the transport's own */

	/* The one running operation. */
	deploy_exec_cb		 exec_cb;
	deploy_xfer_cb		 xfer_cb;
	void			*arg;
	struct buf		 out;
	struct loop_child	 child;
	struct loop_io		 out_io;
	struct loop_io		 err_io;
	int			 open_fds;	/* pipes not at EOF yet */
	int			 exited;
	int			 status;
	int			 timed_out;
	struct loop_timer	 timer;		/* timeout, or deferral of local results */
	int			 xfer_error;
	char			*xfer_msg;
};

#endif

/*
 * The SSH transport of deploy: exec channels and SFTP on the node's
 * shared session from the pool (backends/ssh.h). Host keys, jump hosts
 * and reconnects are the pool's business; this only adapts callbacks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backends/ssh.h"
#include "core/cmd.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy-conn.h"

#define DEPLOY_SSH_MAX_OUT	(4 * 1024 * 1024)	/* output kept per exec */
#define DEPLOY_SSH_MAX_FILE	(16 * 1024 * 1024)	/* largest file read back */

struct deploy_ssh {
	struct ssh_session	*session;	/* the pool's, not ours */
	struct ssh_exec		*exec;
	struct ssh_xfer		*xfer;
};

static void
deploy_ssh_data(const char *data, size_t len, void *arg)
{
	struct deploy_conn	*c = arg;

	if (c->out.len < DEPLOY_SSH_MAX_OUT)
		buf_add(&c->out, data, len);
}

static void
deploy_ssh_exec_done(struct ssh_exec *e, int status, enum ssh_error err,
    const char *msg, void *arg)
{
	struct deploy_conn	*c = arg;
	struct deploy_ssh	*s = c->data;
	deploy_exec_cb		 cb = c->exec_cb;
	struct buf		 out = c->out;

	(void)e;
	s->exec = NULL;
	c->exec_cb = NULL;
	buf_init(&c->out);
	if (err != SSH_OK) {
		c->exit = ssh_error_exit(err);
		cb(-1, out.data != NULL ? out.data : "", out.len, msg != NULL ? msg :
		    ssh_error_string(err), c->arg);
	} else
		cb(status, out.data != NULL ? out.data : "", out.len, NULL, c->arg);
	buf_free(&out);
}

static void
deploy_ssh_exec(struct deploy_conn *c, const char *command, int timeout_ms,
    deploy_exec_cb cb, void *arg)
{
	struct deploy_ssh	*s = c->data;

	c->exec_cb = cb;
	c->arg = arg;
	buf_reset(&c->out);
	s->exec = ssh_exec_start(s->session, command, timeout_ms, deploy_ssh_data,
	    deploy_ssh_data, deploy_ssh_exec_done, c);
	/* Nothing is ever typed in: a command that reads stdin gets EOF, as locally. */
	if (s->exec != NULL)
		ssh_exec_eof(s->exec);
}

static void
deploy_ssh_xfer_done(struct ssh_xfer *x, enum ssh_error err, const char *msg,
    const char *data, size_t len, void *arg)
{
	struct deploy_conn	*c = arg;
	struct deploy_ssh	*s = c->data;
	deploy_xfer_cb		 cb = c->xfer_cb;

	(void)x;
	s->xfer = NULL;
	c->xfer_cb = NULL;
	if (err != SSH_OK) {
		c->exit = ssh_error_exit(err);
		cb(-1, msg != NULL ? msg : ssh_error_string(err), NULL, 0, c->arg);
	} else
		cb(0, NULL, data, len, c->arg);
}

static void
deploy_ssh_put(struct deploy_conn *c, const char *path, const void *data,
    size_t len, int mode, int timeout_ms, deploy_xfer_cb cb, void *arg)
{
	struct deploy_ssh	*s = c->data;

	c->xfer_cb = cb;
	c->arg = arg;
	s->xfer = ssh_sftp_put(s->session, path, data, len, mode, timeout_ms,
	    deploy_ssh_xfer_done, c);
}

static void
deploy_ssh_get(struct deploy_conn *c, const char *path, int timeout_ms,
    deploy_xfer_cb cb, void *arg)
{
	struct deploy_ssh	*s = c->data;

	c->xfer_cb = cb;
	c->arg = arg;
	s->xfer = ssh_sftp_get(s->session, path, DEPLOY_SSH_MAX_FILE, timeout_ms,
	    deploy_ssh_xfer_done, c);
}

static void
deploy_ssh_free(struct deploy_conn *c)
{
	struct deploy_ssh	*s = c->data;

	if (s->exec != NULL)
		ssh_exec_cancel(s->exec);
	if (s->xfer != NULL)
		ssh_xfer_cancel(s->xfer);
	free(s);
}

static const struct deploy_conn_ops deploy_ssh_ops = {
	.exec = deploy_ssh_exec,
	.put = deploy_ssh_put,
	.get = deploy_ssh_get,
	.free = deploy_ssh_free,
};

struct deploy_conn *
deploy_conn_ssh(struct cmd_env *env, const char *node, char **cause)
{
	struct ssh_session	*session;
	struct deploy_conn	*c;
	struct deploy_ssh	*s;

	if ((session = ssh_node_session(env, node, cause)) == NULL)
		return (NULL);
	c = xcalloc(1, sizeof *c);
	s = xcalloc(1, sizeof *s);
	s->session = session;
	c->name = xstrdup(node);
	c->loop = env->loop;
	c->ops = &deploy_ssh_ops;
	c->data = s;
	buf_init(&c->out);
	loop_timer_init(&c->timer, env->loop, NULL, NULL);
	return (c);
}

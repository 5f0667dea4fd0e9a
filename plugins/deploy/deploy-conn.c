/*
 * The deploy transports. Local: sh -c children on the loop, files written
 * in-process (temp + rename); other transports (SSH) plug in through
 * struct deploy_conn_ops. Callbacks never run inside the call
 * that started the operation, so the engine is never re-entered.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cmd.h"
#include "core/loop.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy-conn.h"

#define DEPLOY_CONN_MAX_OUT	(4 * 1024 * 1024)	/* output kept per exec */
#define DEPLOY_CONN_MAX_FILE	(16 * 1024 * 1024)	/* largest file read back */


void
deploy_conn_quote(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *s);
	}
	buf_addc(b, '\'');
}

const char *
deploy_conn_name(const struct deploy_conn *c)
{
	return (c->name);
}

int
deploy_conn_exit(const struct deploy_conn *c)
{
	return (c->exit);
}

/* The local child is done when it exited and both pipes reached EOF. */
static void
deploy_conn_local_maybe_done(struct deploy_conn *c)
{
	deploy_exec_cb	cb = c->exec_cb;
	int		st;
	struct buf	out;

	if (!c->exited || c->open_fds > 0)
		return;
	loop_timer_stop(&c->timer);
	c->exec_cb = NULL;
	out = c->out;
	buf_init(&c->out);
	if (c->timed_out) {
		c->exit = CMD_EXIT_UNREACHABLE;
		cb(-1, out.data, out.len, "timed out", c->arg);
	} else {
		st = WIFEXITED(c->status) ? WEXITSTATUS(c->status) :
		    128 + WTERMSIG(c->status);
		cb(st, out.data != NULL ? out.data : "", out.len, NULL, c->arg);
	}
	buf_free(&out);
}

static void
deploy_conn_local_read(int fd, short revents, void *arg)
{
	struct deploy_conn	*c = arg;
	char			 tmp[8192];
	ssize_t			 n;

	n = read(fd, tmp, sizeof tmp);
	if (n > 0) {
		if (c->out.len < DEPLOY_CONN_MAX_OUT)
			buf_add(&c->out, tmp, n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (fd == c->child.out_fd) {
		loop_io_stop(&c->out_io);
		close(c->child.out_fd);
		c->child.out_fd = -1;
	} else {
		loop_io_stop(&c->err_io);
		close(c->child.err_fd);
		c->child.err_fd = -1;
	}
	c->open_fds--;
	deploy_conn_local_maybe_done(c);
}

static void
deploy_conn_local_exited(pid_t pid, int status, void *arg)
{
	struct deploy_conn	*c = arg;

	(void)pid;
	c->exited = 1;
	c->status = status;
	deploy_conn_local_maybe_done(c);
}

static void
deploy_conn_local_timeout(void *arg)
{
	struct deploy_conn	*c = arg;

	c->timed_out = 1;
	loop_child_kill(&c->child, SIGKILL);
}

/* A result kept until the loop runs again. */
static void
deploy_conn_deferred(void *arg)
{
	struct deploy_conn	*c = arg;
	deploy_xfer_cb		 cb = c->xfer_cb;
	struct buf		 data = c->out;
	char			*msg = c->xfer_msg;

	c->xfer_cb = NULL;
	c->xfer_msg = NULL;
	buf_init(&c->out);
	cb(c->xfer_error, msg, data.data, data.len, c->arg);
	if (data.data != NULL)
		explicit_bzero(data.data, data.len);
	buf_free(&data);
	free(msg);
}

static void
deploy_conn_defer(struct deploy_conn *c, deploy_xfer_cb cb, void *arg, int error,
    char *msg)
{
	c->xfer_cb = cb;
	c->arg = arg;
	c->xfer_error = error;
	c->xfer_msg = msg;
	loop_timer_init(&c->timer, c->loop, deploy_conn_deferred, c);
	loop_timer_start(&c->timer, 0);
}

static void
deploy_conn_local_exec(struct deploy_conn *c, const char *command, int timeout_ms,
    deploy_exec_cb cb, void *arg)
{
	char	*argv[] = { "sh", "-c", (char *)command, NULL };
	char	*cause = NULL;

	c->exec_cb = cb;
	c->arg = arg;
	c->exited = c->timed_out = 0;
	buf_reset(&c->out);
	if (loop_child_spawn(&c->child, c->loop, argv, LOOP_CHILD_STDOUT |
	    LOOP_CHILD_STDERR, deploy_conn_local_exited, c, &cause) != 0) {
		c->exited = 1;
		c->status = 127 << 8;
		buf_adds(&c->out, cause);
		free(cause);
		c->open_fds = 0;
		loop_timer_init(&c->timer, c->loop, (loop_timer_cb)
		    deploy_conn_local_maybe_done, c);
		loop_timer_start(&c->timer, 0);
		return;
	}
	c->open_fds = 2;
	loop_io_init(&c->out_io, c->loop, c->child.out_fd, deploy_conn_local_read, c);
	loop_io_start(&c->out_io, POLLIN);
	loop_io_init(&c->err_io, c->loop, c->child.err_fd, deploy_conn_local_read, c);
	loop_io_start(&c->err_io, POLLIN);
	loop_timer_init(&c->timer, c->loop, deploy_conn_local_timeout, c);
	loop_timer_start(&c->timer, timeout_ms > 0 ? (uint64_t)timeout_ms : 60000);
}

/* Local put: the same temp + rename a SFTP put does. */
static void
deploy_conn_local_put(struct deploy_conn *c, const char *path, const void *data,
    size_t len, int mode, deploy_xfer_cb cb, void *arg)
{
	char	*tmp, *msg = NULL;
	int	 fd, error = 0;

	xasprintf(&tmp, "%s.tmp-%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || fchmod(fd, mode) != 0 ||
	    write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		xasprintf(&msg, "%s: %s", tmp, strerror(errno));
		error = -1;
	}
	if (fd >= 0 && close(fd) != 0 && error == 0) {
		xasprintf(&msg, "%s: %s", tmp, strerror(errno));
		error = -1;
	}
	if (error == 0 && rename(tmp, path) != 0) {
		xasprintf(&msg, "%s: %s", path, strerror(errno));
		error = -1;
	}
	if (error != 0)
		unlink(tmp);
	free(tmp);
	deploy_conn_defer(c, cb, arg, error, msg);
}

static void
deploy_conn_local_get(struct deploy_conn *c, const char *path, deploy_xfer_cb cb,
    void *arg)
{
	char	 tmp[8192], *msg = NULL;
	int	 fd, error = 0;
	ssize_t	 n;

	buf_reset(&c->out);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		xasprintf(&msg, "%s: %s", path, strerror(errno));
		error = -1;
	} else {
		while ((n = read(fd, tmp, sizeof tmp)) > 0 &&
		    c->out.len < DEPLOY_CONN_MAX_FILE)
			buf_add(&c->out, tmp, n);
		if (n < 0) {
			xasprintf(&msg, "%s: %s", path, strerror(errno));
			error = -1;
		}
		close(fd);
		explicit_bzero(tmp, sizeof tmp);
	}
	deploy_conn_defer(c, cb, arg, error, msg);
}

struct deploy_conn *
deploy_conn_local(struct loop *loop, const char *name)
{
	struct deploy_conn	*c = xcalloc(1, sizeof *c);

	c->name = xstrdup(name);
	c->loop = loop;
	c->child.pid = -1;
	c->child.out_fd = c->child.err_fd = -1;
	buf_init(&c->out);
	loop_timer_init(&c->timer, loop, deploy_conn_deferred, c);
	return (c);
}

void
deploy_conn_free(struct deploy_conn *c)
{
	if (c == NULL)
		return;
	loop_timer_stop(&c->timer);
	if (c->ops != NULL) {
		c->ops->free(c);
		goto out;
	}
	if (c->exec_cb != NULL) {
		loop_io_stop(&c->out_io);
		loop_io_stop(&c->err_io);
		if (c->child.out_fd != -1)
			close(c->child.out_fd);
		if (c->child.err_fd != -1)
			close(c->child.err_fd);
		if (!c->exited) {
			loop_child_kill(&c->child, SIGKILL);
			loop_child_forget(&c->child);
		}
	}
out:
	if (c->out.data != NULL)
		explicit_bzero(c->out.data, c->out.len);
	buf_free(&c->out);
	free(c->xfer_msg);
	free(c->name);
	free(c);
}

void
deploy_conn_exec(struct deploy_conn *c, const char *command, int timeout_ms,
    deploy_exec_cb cb, void *arg)
{
	if (c->ops != NULL)
		c->ops->exec(c, command, timeout_ms, cb, arg);
	else
		deploy_conn_local_exec(c, command, timeout_ms, cb, arg);
}

void
deploy_conn_put(struct deploy_conn *c, const char *path, const void *data,
    size_t len, int mode, int timeout_ms, deploy_xfer_cb cb, void *arg)
{
	if (c->ops != NULL)
		c->ops->put(c, path, data, len, mode, timeout_ms, cb, arg);
	else
		deploy_conn_local_put(c, path, data, len, mode, cb, arg);
}

void
deploy_conn_get(struct deploy_conn *c, const char *path, int timeout_ms,
    deploy_xfer_cb cb, void *arg)
{
	if (c->ops != NULL)
		c->ops->get(c, path, timeout_ms, cb, arg);
	else
		deploy_conn_local_get(c, path, cb, arg);
}

/* Local when asked (tests, or deploying the machine we run on), else SSH. */
struct deploy_conn *
deploy_conn_open(struct cmd_env *env, const char *node, int local, char **cause)
{
	if (local)
		return (deploy_conn_local(env->loop, node));
	return (deploy_conn_ssh(env, node, cause));
}

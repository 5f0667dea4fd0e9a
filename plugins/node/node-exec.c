/*
 * node exec, put and get: one command, one file up or down, over the
 * node's shared SSH session. In scripted mode exec streams the remote
 * stdout and stderr as they come; elsewhere the output becomes the
 * command's message. A hidden ssh-watch command prints a session's state
 * changes, for the reconnect tests.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/ssh.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/loop.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "plugins/node/node.h"

#define NODE_GET_MAX		(256 * 1024 * 1024)
#define NODE_PUT_MAX		(256 * 1024 * 1024)
#define NODE_MESSAGE_MAX	(64 * 1024)

struct node_run {
	struct cmd		*c;
	struct ssh_session	*s;
	struct ssh_exec		*exec;
	struct ssh_xfer		*xfer;
	int			 stream;	/* scripted: output goes straight out */
	struct buf		 out;		/* otherwise collected here */
	char			*local;		/* get: where to, or NULL for stdout */
	/* ssh-watch */
	struct loop_timer	 end;
	struct loop_timer	 tick;
	int			 interval_ms;
};

static void
node_run_free(struct node_run *r)
{
	if (r->exec != NULL)
		ssh_exec_cancel(r->exec);
	if (r->xfer != NULL)
		ssh_xfer_cancel(r->xfer);
	loop_timer_stop(&r->end);
	loop_timer_stop(&r->tick);
	buf_free(&r->out);
	free(r->local);
	free(r);
}

/* ^C or a closed pane: the channel closes, nothing calls back. */
static void
node_cancel(struct cmd *c)
{
	struct node_run	*r = c->state;

	c->state = NULL;
	if (r != NULL)
		node_run_free(r);
}

/* The node's session, or an error on the command. */
static struct node_run *
node_start(struct cmd *c)
{
	struct node_run	*r;
	char		*cause = NULL;

	r = xcalloc(1, sizeof *r);
	r->c = c;
	buf_init(&r->out);
	if (cmd_flag(c, "accept-new-host-keys") && c->env->ssh == NULL)
		c->env->flags |= CMD_ENV_ACCEPT_NEW_KEYS;
	r->s = ssh_node_session(c->env, c->argv[0], &cause);
	if (r->s == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s", cause);
		free(cause);
		free(r);
		return (NULL);
	}
	r->stream = c->env->confirm == NULL && !(c->env->flags & CMD_ENV_BATCH);
	loop_timer_init(&r->end, c->env->loop, NULL, NULL);
	c->state = r;
	c->cancel = node_cancel;
	return (r);
}

/* The one way out of an asynchronous node command. */
static void
node_end(struct node_run *r)
{
	struct cmd	*c = r->c;

	c->state = NULL;
	c->cancel = NULL;
	r->exec = NULL;
	r->xfer = NULL;
	node_run_free(r);
	cmd_finish(c);
}

/* Output that cannot stream is kept (bounded) for the message. */
static void
node_collect(struct node_run *r, const char *data, size_t len)
{
	if (r->out.len + len > NODE_MESSAGE_MAX)
		len = r->out.len < NODE_MESSAGE_MAX ? NODE_MESSAGE_MAX - r->out.len : 0;
	buf_add(&r->out, data, len);
}

static void
node_exec_out(const char *data, size_t len, void *arg)
{
	struct node_run	*r = arg;

	if (!r->stream) {
		node_collect(r, data, len);
		return;
	}
	fwrite(data, 1, len, stdout);
	fflush(stdout);
}

static void
node_exec_err(const char *data, size_t len, void *arg)
{
	struct node_run	*r = arg;

	if (!r->stream) {
		node_collect(r, data, len);
		return;
	}
	fwrite(data, 1, len, stderr);
	fflush(stderr);
}

static void
node_exec_done(struct ssh_exec *e, int status, enum ssh_error err,
    const char *msg, void *arg)
{
	struct node_run	*r = arg;
	struct cmd	*c = r->c;
	struct buf	 clean;

	(void)e;
	r->exec = NULL;
	if (!r->stream && r->out.len > 0) {
		buf_init(&clean);
		util_sanitize(&clean, r->out.data, r->out.len);
		cmd_message(c, "%s", buf_str(&clean));
		buf_free(&clean);
	}
	if (err != SSH_OK)
		cmd_error(c, ssh_error_exit(err), "%s", msg);
	else if (status != 0)
		cmd_error(c, CMD_EXIT_FAIL, "%s: command exited with status %d",
		    c->argv[0], status);
	node_end(r);
}

/* The words after the node are the remote command, joined as ssh joins them. */
static enum cmd_retval
node_exec(struct cmd *c)
{
	struct node_run	*r;
	struct buf	 b;
	int		 i, timeout_ms = 0;
	const char	*t;
	char		*cause = NULL;

	if ((t = cmd_opt(c, "timeout")) != NULL &&
	    util_parse_duration(t, &timeout_ms, &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "--timeout: %s", cause);
		free(cause);
		return (CMD_RETURN_NORMAL);
	}
	if ((r = node_start(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	buf_init(&b);
	for (i = 1; i < c->argc; i++)
		buf_printf(&b, "%s%s", i == 1 ? "" : " ", c->argv[i]);
	r->exec = ssh_exec_start(r->s, buf_str(&b), timeout_ms, node_exec_out,
	    node_exec_err, node_exec_done, r);
	buf_free(&b);
	return (CMD_RETURN_WAIT);
}

static void
node_put_done(struct ssh_xfer *x, enum ssh_error err, const char *msg,
    const char *data, size_t len, void *arg)
{
	struct node_run	*r = arg;
	struct cmd	*c = r->c;

	(void)x;
	(void)data;
	if (err != SSH_OK)
		cmd_error(c, ssh_error_exit(err), "%s", msg);
	else
		cmd_message(c, "%s:%s: %zu bytes written", c->argv[0],
		    c->argv[2], len);
	node_end(r);
}

/* Read a whole local file; -1 and an error on the command. */
static int
node_read_file(struct cmd *c, const char *path, struct buf *b, mode_t *mode)
{
	struct stat	 st;
	char		 chunk[65536];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &st) != 0) {
		cmd_error(c, CMD_EXIT_FAIL, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	*mode = st.st_mode & 07777;
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		if (b->len + (size_t)n > NODE_PUT_MAX) {
			cmd_error(c, CMD_EXIT_FAIL, "%s: larger than %d MB",
			    path, NODE_PUT_MAX >> 20);
			close(fd);
			return (-1);
		}
		buf_add(b, chunk, (size_t)n);
	}
	close(fd);
	if (n < 0) {
		cmd_error(c, CMD_EXIT_FAIL, "%s: %s", path, strerror(errno));
		return (-1);
	}
	return (0);
}

/* Upload: the local file's mode unless --mode says otherwise. */
static enum cmd_retval
node_put(struct cmd *c)
{
	struct node_run	*r;
	struct buf	 data;
	const char	*m;
	char		*end;
	mode_t		 mode;
	long		 v;

	buf_init(&data);
	if (node_read_file(c, c->argv[1], &data, &mode) != 0) {
		buf_free(&data);
		return (CMD_RETURN_NORMAL);
	}
	if ((m = cmd_opt(c, "mode")) != NULL) {
		v = strtol(m, &end, 8);
		if (*m == '\0' || *end != '\0' || v < 0 || v > 07777) {
			cmd_error(c, CMD_EXIT_USAGE, "bad --mode '%s' (octal,"
			    " like 0600)", m);
			buf_free(&data);
			return (CMD_RETURN_NORMAL);
		}
		mode = (mode_t)v;
	}
	if ((r = node_start(c)) == NULL) {
		buf_free(&data);
		return (CMD_RETURN_NORMAL);
	}
	r->xfer = ssh_sftp_put(r->s, c->argv[2], data.data != NULL ? data.data :
	    "", data.len, (int)mode, c->env->timeout_ms > 0 ?
	    c->env->timeout_ms * 12 : 60000, node_put_done, r);
	buf_free(&data);
	return (CMD_RETURN_WAIT);
}

/* Write what was downloaded: to stdout, or atomically to the local file. */
static int
node_write_local(struct cmd *c, const char *path, const char *data, size_t len)
{
	char	*tmp;
	int	 fd;

	if (path == NULL) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
			cmd_error(c, CMD_EXIT_FAIL, "stdout: %s", strerror(errno));
			return (-1);
		}
		return (0);
	}
	tmp = xprintf("%s.tmp-%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1 || (len > 0 && write(fd, data, len) != (ssize_t)len) ||
	    fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		cmd_error(c, CMD_EXIT_FAIL, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return (-1);
	}
	free(tmp);
	return (0);
}

static void
node_get_done(struct ssh_xfer *x, enum ssh_error err, const char *msg,
    const char *data, size_t len, void *arg)
{
	struct node_run	*r = arg;
	struct cmd	*c = r->c;
	struct buf	 clean;

	(void)x;
	r->xfer = NULL;
	if (err != SSH_OK)
		cmd_error(c, ssh_error_exit(err), "%s", msg);
	else if (r->local == NULL && !r->stream) {
		/* The console has no stdout: the text (escaped) is the message. */
		buf_init(&clean);
		util_sanitize(&clean, data, len > NODE_MESSAGE_MAX ?
		    NODE_MESSAGE_MAX : len);
		cmd_message(c, "%s", buf_str(&clean));
		buf_free(&clean);
	} else if (node_write_local(c, r->local, data, len) == 0 &&
	    r->local != NULL)
		cmd_message(c, "%s: %zu bytes", r->local, len);
	node_end(r);
}

static enum cmd_retval
node_get(struct cmd *c)
{
	struct node_run	*r;

	if ((r = node_start(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	if (c->argc > 2 && strcmp(c->argv[2], "-") != 0)
		r->local = xstrdup(c->argv[2]);
	r->xfer = ssh_sftp_get(r->s, c->argv[1], NODE_GET_MAX,
	    c->env->timeout_ms > 0 ? c->env->timeout_ms * 12 : 60000,
	    node_get_done, r);
	return (CMD_RETURN_WAIT);
}

/* ssh-watch: one line per state change, with the error when there is one. */
static void
node_watch_state(struct ssh_session *s, enum ssh_state state, void *arg)
{
	struct node_run	*r = arg;
	const char	*e = ssh_session_error(s);

	printf("%s %s%s%s\n", r->c->argv[0], ssh_state_string(state),
	    e != NULL ? ": " : "", e != NULL ? e : "");
	fflush(stdout);
}

static void
node_watch_exec_done(struct ssh_exec *e, int status, enum ssh_error err,
    const char *msg, void *arg)
{
	struct node_run	*r = arg;

	(void)e;
	r->exec = NULL;
	if (err == SSH_OK)
		printf("%s exec %d\n", r->c->argv[0], status);
	else
		printf("%s exec failed: %s\n", r->c->argv[0], msg);
	fflush(stdout);
}

/* Each tick runs `true` when the session is ready, as a user of it would. */
static void
node_watch_tick(void *arg)
{
	struct node_run	*r = arg;

	if (r->exec == NULL && ssh_session_state(r->s) == SSH_STATE_READY)
		r->exec = ssh_exec_start(r->s, "true", 5000, NULL, NULL,
		    node_watch_exec_done, r);
	loop_timer_start(&r->tick, (uint64_t)r->interval_ms);
}

static void
node_watch_end(void *arg)
{
	struct node_run	*r = arg;

	loop_timer_stop(&r->tick);
	ssh_session_unwatch(r->s, node_watch_state, r);
	node_end(r);
}

static void
node_watch_cancel(struct cmd *c)
{
	struct node_run	*r = c->state;

	loop_timer_stop(&r->tick);
	ssh_session_unwatch(r->s, node_watch_state, r);
	node_cancel(c);
}

static enum cmd_retval
node_ssh_watch(struct cmd *c)
{
	struct node_run	*r;
	const char	*o;
	int		 seconds = 10, ka = 0;

	if ((o = cmd_opt(c, "seconds")) != NULL)
		seconds = atoi(o);
	if ((o = cmd_opt(c, "keepalive")) != NULL)
		ka = atoi(o);
	if ((r = node_start(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	c->cancel = node_watch_cancel;
	if (ka > 0)
		ssh_set_keepalive(c->env->ssh, ka, 2);
	r->interval_ms = 500;
	ssh_session_watch(r->s, node_watch_state, r);
	loop_timer_init(&r->end, c->env->loop, node_watch_end, r);
	loop_timer_start(&r->end, (uint64_t)(seconds > 0 ? seconds : 10) * 1000);
	loop_timer_init(&r->tick, c->env->loop, node_watch_tick, r);
	ssh_session_connect(r->s);
	loop_timer_start(&r->tick, (uint64_t)r->interval_ms);
	return (CMD_RETURN_WAIT);
}

const struct cmd_entry node_exec_entry = {
	.name = "node exec",
	.args = { "timeout=", 2, -1 },
	.usage = "[--timeout DURATION] NODE -- COMMAND [ARG ...]",
	.help = "Run a command on a node over SSH; its exit status becomes ours.",
	.flags = CMD_INVENTORY | CMD_CHANGES | CMD_DESTRUCTIVE,
	.exec = node_exec,
};

const struct cmd_entry node_put_entry = {
	.name = "node put",
	.args = { "mode=", 3, 3 },
	.usage = "[--mode MODE] NODE LOCAL REMOTE",
	.help = "Upload a file to a node over SFTP (atomic rename, mode kept or given).",
	.flags = CMD_INVENTORY | CMD_CHANGES,
	.exec = node_put,
};

const struct cmd_entry node_get_entry = {
	.name = "node get",
	.args = { "", 2, 3 },
	.usage = "NODE REMOTE [LOCAL|-]",
	.help = "Download a file from a node over SFTP, to stdout without LOCAL.",
	.flags = CMD_INVENTORY,
	.exec = node_get,
};

const struct cmd_entry node_ssh_watch_entry = {
	.name = "node ssh-watch",
	.args = { "seconds= keepalive=", 1, 1 },
	.usage = "[--seconds N] [--keepalive SECONDS] NODE",
	.help = "Print a node's SSH session state changes (for tests).",
	.flags = CMD_INVENTORY | CMD_HIDDEN,
	.exec = node_ssh_watch,
};

/*
 * node ssh-stress: a hidden test driver that starts many SSH operations
 * at once on one node's session (SFTP gets, statvfs, exec, direct-tcpip
 * forwards) and checks every answer, since libssh2 keeps the state of a
 * channel open and of an SFTP request per session, not per request.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/ssh.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/loop.h"
#include "core/xmalloc.h"
#include "plugins/node/node.h"

#define NODE_STRESS_MAX		65536
#define NODE_STRESS_TIMEOUT	30000

/* Files whose content does not change between two reads. */
static const char *const node_stress_files[] = {
	"/proc/sys/kernel/ostype",
	"/proc/sys/kernel/hostname",
	"/etc/hostname",
	"/proc/version",
	"/etc/os-release",
};
#define NODE_STRESS_NFILES \
	(sizeof node_stress_files / sizeof node_stress_files[0])

enum node_stress_kind {
	NODE_STRESS_GET,
	NODE_STRESS_STATVFS,
	NODE_STRESS_EXEC,
	NODE_STRESS_FORWARD,
};

struct node_stress;

struct node_stress_op {
	struct node_stress	*st;
	enum node_stress_kind	 kind;
	int			 file;		/* index in node_stress_files */
	struct ssh_xfer		*xfer;
	struct ssh_exec		*exec;
	struct ssh_fwd		*fwd;
	int			 fd;		/* forward: our end of the pair */
	struct loop_io		 io;
	struct buf		 out;
	struct loop_timer	 cancel;	/* --cancel: ends it early */
	int			 done;
};

struct node_stress {
	struct cmd		*c;
	struct ssh_session	*s;
	char			*fwd_host;	/* or NULL: no forwards */
	int			 fwd_port;
	struct buf		 ref[NODE_STRESS_NFILES];	/* read one at a time first */
	struct ssh_xfer		*ref_xfer;	/* the reference read running */
	int			 nref;
	struct node_stress_op	*ops;
	int			 nops;
	int			 cancel_every;	/* cancel every Nth op, or 0 */
	int			 ncancelled;
	int			 left;
	int			 failed;
};

static void	node_stress_start(struct node_stress *);

/* Release everything still running; nothing calls back afterwards. */
static void
node_stress_free(struct node_stress *st)
{
	struct node_stress_op	*o;
	size_t			 i;
	int			 n;

	for (n = 0; st->ops != NULL && n < st->nops; n++) {
		o = &st->ops[n];
		loop_timer_stop(&o->cancel);
		if (o->xfer != NULL)
			ssh_xfer_cancel(o->xfer);
		if (o->exec != NULL)
			ssh_exec_cancel(o->exec);
		if (o->fwd != NULL)
			ssh_forward_close(o->fwd);
		if (o->fd != -1) {
			loop_io_stop(&o->io);
			close(o->fd);
		}
		buf_free(&o->out);
	}
	if (st->ref_xfer != NULL)
		ssh_xfer_cancel(st->ref_xfer);
	for (i = 0; i < NODE_STRESS_NFILES; i++)
		buf_free(&st->ref[i]);
	free(st->ops);
	free(st->fwd_host);
	free(st);
}

static void
node_stress_cancel(struct cmd *c)
{
	struct node_stress	*st = c->state;

	c->state = NULL;
	if (st != NULL)
		node_stress_free(st);
}

static void
node_stress_end(struct node_stress *st)
{
	struct cmd	*c = st->c;

	if (st->failed > 0)
		cmd_error(c, CMD_EXIT_FAIL, "%d of %d operations failed",
		    st->failed, st->nops);
	else
		cmd_message(c, "ok %d operations, %d cancelled", st->nops,
		    st->ncancelled);
	c->state = NULL;
	c->cancel = NULL;
	node_stress_free(st);
	cmd_finish(c);
}

/* One operation's verdict, printed at once so a failure names itself. */
static void
node_stress_result(struct node_stress_op *o, const char *fmt, ...)
{
	static const char *const kinds[] = { "get", "statvfs", "exec", "forward" };
	struct node_stress	*st = o->st;
	va_list			 ap;

	if (o->done)
		return;
	o->done = 1;
	if (fmt != NULL) {
		st->failed++;
		printf("FAIL %d %s", (int)(o - st->ops), kinds[o->kind]);
		if (o->kind == NODE_STRESS_GET || o->kind == NODE_STRESS_EXEC)
			printf(" %s", node_stress_files[o->file]);
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		fflush(stdout);
	}
	if (--st->left == 0)
		node_stress_end(st);
}

/* Is what came back the file we read alone beforehand? */
static int
node_stress_same(struct node_stress_op *o, const char *data, size_t len)
{
	struct buf	*ref = &o->st->ref[o->file];

	return (len == ref->len && (len == 0 || memcmp(data, ref->data, len) == 0));
}

static void
node_stress_get_done(struct ssh_xfer *x, enum ssh_error err, const char *msg,
    const char *data, size_t len, void *arg)
{
	struct node_stress_op	*o = arg;

	(void)x;
	o->xfer = NULL;
	if (err != SSH_OK)
		node_stress_result(o, "%s", msg);
	else if (!node_stress_same(o, data, len))
		node_stress_result(o, "wrong content (%zu bytes: %.20s)", len, data);
	else
		node_stress_result(o, NULL);
}

static void
node_stress_vfs_done(const struct ssh_statvfs *vfs, enum ssh_error err,
    const char *msg, void *arg)
{
	struct node_stress_op	*o = arg;

	o->xfer = NULL;
	if (err != SSH_OK)
		node_stress_result(o, "%s", msg);
	else if (vfs->total == 0 || vfs->avail > vfs->total)
		node_stress_result(o, "odd sizes %llu/%llu",
		    (unsigned long long)vfs->avail,
		    (unsigned long long)vfs->total);
	else
		node_stress_result(o, NULL);
}

static void
node_stress_exec_out(const char *data, size_t len, void *arg)
{
	struct node_stress_op	*o = arg;

	if (o->out.len + len <= NODE_STRESS_MAX)
		buf_add(&o->out, data, len);
}

static void
node_stress_exec_done(struct ssh_exec *e, int status, enum ssh_error err,
    const char *msg, void *arg)
{
	struct node_stress_op	*o = arg;

	(void)e;
	o->exec = NULL;
	if (err != SSH_OK)
		node_stress_result(o, "%s", msg);
	else if (status != 0)
		node_stress_result(o, "exit status %d", status);
	else if (!node_stress_same(o, o->out.data, o->out.len))
		node_stress_result(o, "wrong output (%zu bytes)", o->out.len);
	else
		node_stress_result(o, NULL);
}

/* The forward's far end speaks first (an SSH banner): wait for "SSH-". */
static void
node_stress_fwd_io(int fd, short revents, void *arg)
{
	struct node_stress_op	*o = arg;
	char			 buf[256];
	ssize_t			 n;

	(void)revents;
	n = read(fd, buf, sizeof buf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		buf_add(&o->out, buf, (size_t)n);
	if (o->out.len >= 4 || n <= 0) {
		loop_io_stop(&o->io);
		if (o->out.len >= 4 && memcmp(o->out.data, "SSH-", 4) == 0)
			node_stress_result(o, NULL);
		else
			node_stress_result(o, "no banner through the forward");
		/* Closing our end ends the forward; its callback sees that. */
		close(o->fd);
		o->fd = -1;
	}
}

static void
node_stress_fwd_done(struct ssh_fwd *f, enum ssh_error err, const char *msg,
    void *arg)
{
	struct node_stress_op	*o = arg;

	(void)f;
	o->fwd = NULL;
	if (err != SSH_OK)
		node_stress_result(o, "%s", msg);
	else if (!o->done)
		node_stress_result(o, "forward closed before the banner");
}

/* --cancel: the op goes while queued or in the middle of its call. */
static void
node_stress_cancel_one(void *arg)
{
	struct node_stress_op	*o = arg;

	if (o->done)
		return;
	if (o->xfer != NULL)
		ssh_xfer_cancel(o->xfer);
	if (o->exec != NULL)
		ssh_exec_cancel(o->exec);
	if (o->fwd != NULL)
		ssh_forward_close(o->fwd);
	o->xfer = NULL;
	o->exec = NULL;
	o->fwd = NULL;
	if (o->fd != -1) {
		loop_io_stop(&o->io);
		close(o->fd);
		o->fd = -1;
	}
	o->st->ncancelled++;
	node_stress_result(o, NULL);
}

/* The reference reads, one at a time, then everything at once. */
static void
node_stress_ref_done(struct ssh_xfer *x, enum ssh_error err, const char *msg,
    const char *data, size_t len, void *arg)
{
	struct node_stress	*st = arg;
	struct cmd		*c = st->c;

	(void)x;
	st->ref_xfer = NULL;
	if (err != SSH_OK) {
		cmd_error(c, ssh_error_exit(err), "%s", msg);
		c->state = NULL;
		c->cancel = NULL;
		node_stress_free(st);
		cmd_finish(c);
		return;
	}
	buf_add(&st->ref[st->nref], data, len);
	if (++st->nref < (int)NODE_STRESS_NFILES) {
		st->ref_xfer = ssh_sftp_get(st->s, node_stress_files[st->nref],
		    NODE_STRESS_MAX,
		    NODE_STRESS_TIMEOUT, node_stress_ref_done, st);
		return;
	}
	node_stress_start(st);
}

static void
node_stress_start_one(struct node_stress *st, struct node_stress_op *o)
{
	char	*cmd;
	int	 sv[2];

	switch (o->kind) {
	case NODE_STRESS_GET:
		o->xfer = ssh_sftp_get(st->s, node_stress_files[o->file],
		    NODE_STRESS_MAX, NODE_STRESS_TIMEOUT, node_stress_get_done, o);
		break;
	case NODE_STRESS_STATVFS:
		o->xfer = ssh_sftp_statvfs(st->s, "/", NODE_STRESS_TIMEOUT,
		    node_stress_vfs_done, o);
		break;
	case NODE_STRESS_EXEC:
		cmd = xprintf("cat %s", node_stress_files[o->file]);
		o->exec = ssh_exec_start(st->s, cmd, NODE_STRESS_TIMEOUT,
		    node_stress_exec_out, NULL, node_stress_exec_done, o);
		free(cmd);
		break;
	case NODE_STRESS_FORWARD:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0) {
			node_stress_result(o, "socketpair: %s", strerror(errno));
			break;
		}
		o->fd = sv[0];
		loop_io_init(&o->io, st->c->env->loop, o->fd, node_stress_fwd_io, o);
		loop_io_start(&o->io, POLLIN);
		o->fwd = ssh_forward_fd(st->s, sv[1], st->fwd_host, st->fwd_port,
		    node_stress_fwd_done, o);
		break;
	}
}

/* Every operation at once, in a fixed mix, on the one session. */
static void
node_stress_start(struct node_stress *st)
{
	struct node_stress_op	*o;
	int			 n, kinds = st->fwd_host != NULL ? 4 : 3;

	st->ops = xcalloc((size_t)st->nops, sizeof *st->ops);
	st->left = st->nops;
	for (n = 0; n < st->nops; n++) {
		o = &st->ops[n];
		o->st = st;
		o->fd = -1;
		o->kind = (enum node_stress_kind)(n % 7 < 3 ? NODE_STRESS_GET :
		    n % 7 == 3 ? NODE_STRESS_STATVFS : n % 7 < 6 ?
		    NODE_STRESS_EXEC : kinds == 4 ? NODE_STRESS_FORWARD :
		    NODE_STRESS_GET);
		o->file = (n / 2) % (int)NODE_STRESS_NFILES;
		buf_init(&o->out);
		loop_timer_init(&o->cancel, st->c->env->loop,
		    node_stress_cancel_one, o);
	}
	for (n = 0; n < st->nops; n++) {
		o = &st->ops[n];
		node_stress_start_one(st, o);
		/* Spread over the first milliseconds: queued ones and running ones. */
		if (st->cancel_every > 0 && n % st->cancel_every == 0)
			loop_timer_start(&o->cancel, (uint64_t)(n % 7));
	}
}

static enum cmd_retval
node_ssh_stress(struct cmd *c)
{
	struct node_stress	*st;
	const char		*o, *colon;
	char			*cause = NULL;
	size_t			 i;

	st = xcalloc(1, sizeof *st);
	st->c = c;
	st->nops = 50;
	if ((o = cmd_opt(c, "ops")) != NULL && (st->nops = atoi(o)) <= 0)
		st->nops = 50;
	if ((o = cmd_opt(c, "cancel")) != NULL)
		st->cancel_every = atoi(o);
	if ((o = cmd_opt(c, "forward")) != NULL) {
		if ((colon = strrchr(o, ':')) == NULL || atoi(colon + 1) <= 0) {
			cmd_error(c, CMD_EXIT_USAGE, "--forward wants HOST:PORT");
			free(st);
			return (CMD_RETURN_NORMAL);
		}
		st->fwd_host = xstrndup(o, (size_t)(colon - o));
		st->fwd_port = atoi(colon + 1);
	}
	for (i = 0; i < NODE_STRESS_NFILES; i++)
		buf_init(&st->ref[i]);
	if ((st->s = ssh_node_session(c->env, c->argv[0], &cause)) == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s", cause);
		free(cause);
		node_stress_free(st);
		return (CMD_RETURN_NORMAL);
	}
	c->state = st;
	c->cancel = node_stress_cancel;
	st->ref_xfer = ssh_sftp_get(st->s, node_stress_files[0], NODE_STRESS_MAX,
	    NODE_STRESS_TIMEOUT, node_stress_ref_done, st);
	return (CMD_RETURN_WAIT);
}

const struct cmd_entry node_ssh_stress_entry = {
	.name = "node ssh-stress",
	.args = { "ops= forward= cancel=", 1, 1 },
	.usage = "[--ops N] [--forward HOST:PORT] [--cancel EVERY] NODE",
	.help = "Run many SSH operations at once on a node's session (for tests).",
	.flags = CMD_INVENTORY | CMD_HIDDEN,
	.exec = node_ssh_stress,
};

/*
 * SFTP on a ready session: one subsystem channel per session, opened by
 * the first transfer. put writes a temporary file, sets its mode and
 * renames it over the target; get reads until EOF (so /proc files, which
 * say size 0, work); statvfs uses OpenSSH's statvfs@openssh.com.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/ssh-int.h"
#include "core/buf.h"
#include "core/xmalloc.h"

#define SSH_SFTP_CHUNK	32768

enum ssh_xfer_kind {
	SSH_XFER_PUT,
	SSH_XFER_GET,
	SSH_XFER_STATVFS,
};

enum ssh_xfer_phase {
	SSH_XFER_OPEN,
	SSH_XFER_IO,
	SSH_XFER_SETSTAT,
	SSH_XFER_CLOSE,
	SSH_XFER_RENAME,
	SSH_XFER_UNLINK,	/* rename refused over an existing file (SFTP v3) */
	SSH_XFER_RENAME_AGAIN,
	SSH_XFER_DONE,
};

struct ssh_xfer {
	struct ssh_op		 op;		/* first */
	enum ssh_xfer_kind	 kind;
	enum ssh_xfer_phase	 phase;
	char			*path;
	char			*tmp;		/* put: PATH.tmp-XXXX */
	struct buf		 data;		/* put: what to write; get: what was read */
	size_t			 off;
	size_t			 max_len;
	int			 mode;
	LIBSSH2_SFTP_HANDLE	*h;
	ssh_xfer_done_cb	 done;
	ssh_statvfs_cb		 vfs_done;
	void			*arg;
};

/* SFTP status codes as words. */
static const char *
ssh_sftp_status(unsigned long code)
{
	switch (code) {
	case LIBSSH2_FX_NO_SUCH_FILE:
	case LIBSSH2_FX_NO_SUCH_PATH:
		return ("no such file or directory");
	case LIBSSH2_FX_PERMISSION_DENIED:
		return ("permission denied");
	case LIBSSH2_FX_FAILURE:
		return ("failure");
	case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM:
	case LIBSSH2_FX_QUOTA_EXCEEDED:
		return ("no space left");
	case LIBSSH2_FX_FILE_ALREADY_EXISTS:
		return ("file exists");
	case LIBSSH2_FX_WRITE_PROTECT:
		return ("read-only file system");
	case LIBSSH2_FX_OP_UNSUPPORTED:
		return ("operation not supported");
	}
	return ("error");
}

static void
ssh_xfer_free(struct ssh_xfer *x)
{
	ssh_session_dispose(x->op.s, NULL, x->h);
	buf_free(&x->data);
	free(x->path);
	free(x->tmp);
	free(x);
}

/* End a transfer with an error (see struct ssh_op_type for HOW). */
static void
ssh_xfer_fail(struct ssh_op *op, enum ssh_error err, const char *msg, int how)
{
	struct ssh_xfer	*x = (struct ssh_xfer *)op;

	if (how != SSH_FAIL_DETACH)
		ssh_session_remove_op(op);
	if (how != SSH_FAIL_QUIET && !op->orphan) {
		if (x->kind == SSH_XFER_STATVFS)
			x->vfs_done(NULL, err, msg, x->arg);
		else
			x->done(x, err, msg, NULL, 0, x->arg);
	}
	if (how != SSH_FAIL_DETACH)
		ssh_xfer_free(x);
}

/*
 * Between two SFTP calls: an orphan (cancelled or timed out while its
 * call ran) stops here, its libssh2 call done; its handle is closed later.
 */
static int
ssh_xfer_orphan_done(struct ssh_xfer *x)
{
	if (!x->op.orphan)
		return (0);
	ssh_xfer_fail(&x->op, SSH_ERR_CANCELLED, NULL, SSH_FAIL_QUIET);
	return (1);
}

/* A failed SFTP call: EAGAIN waits, a broken session drops, else the op fails. */
static enum ssh_step
ssh_xfer_error(struct ssh_xfer *x, const char *what, const char *path)
{
	struct ssh_session	*s = x->op.s;
	char			*msg;
	int			 rc;

	rc = libssh2_session_last_errno(s->sess);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return (SSH_STEP_AGAIN);
	if (ssh_session_broken_rc(rc))
		return (SSH_STEP_BROKEN);
	if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL) {
		msg = xprintf("%s: %s %s: %s", s->name, what, path,
		    ssh_sftp_status(libssh2_sftp_last_error(s->sftp)));
	} else {
		msg = ssh_session_last_error(s, what);
	}
	ssh_xfer_fail(&x->op, SSH_ERR_SFTP, msg, SSH_FAIL_REPORT);
	free(msg);
	return (SSH_STEP_DONE);
}

/* Upload: temp file, write, mode, close, rename over the target. */
static enum ssh_step
ssh_xfer_put_step(struct ssh_xfer *x)
{
	LIBSSH2_SFTP		*sftp = x->op.s->sftp;
	LIBSSH2_SFTP_ATTRIBUTES	 attrs;
	unsigned long		 fx;
	ssize_t			 n;
	int			 rc;

	switch (x->phase) {
	case SSH_XFER_OPEN:
		x->h = libssh2_sftp_open_ex(sftp, x->tmp, (unsigned)strlen(x->tmp),
		    LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC,
		    x->mode & 0700, LIBSSH2_SFTP_OPENFILE);
		if (x->h == NULL)
			return (ssh_xfer_error(x, "cannot create", x->tmp));
		x->phase = SSH_XFER_IO;
		if (ssh_xfer_orphan_done(x))
			return (SSH_STEP_DONE);
		/* FALLTHROUGH */
	case SSH_XFER_IO:
		while (x->off < x->data.len) {
			n = libssh2_sftp_write(x->h, x->data.data + x->off,
			    x->data.len - x->off);
			if (n < 0)
				return (n == LIBSSH2_ERROR_EAGAIN ? SSH_STEP_AGAIN :
				    ssh_xfer_error(x, "cannot write", x->tmp));
			x->off += (size_t)n;
			x->op.s->again = 1;
			if (ssh_xfer_orphan_done(x))
				return (SSH_STEP_DONE);
		}
		x->phase = SSH_XFER_SETSTAT;
		/* FALLTHROUGH */
	case SSH_XFER_SETSTAT:
		memset(&attrs, 0, sizeof attrs);
		attrs.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
		attrs.permissions = (unsigned long)x->mode & 07777;
		if (libssh2_sftp_fsetstat(x->h, &attrs) != 0)
			return (ssh_xfer_error(x, "cannot set the mode of", x->tmp));
		x->phase = SSH_XFER_CLOSE;
		if (ssh_xfer_orphan_done(x))
			return (SSH_STEP_DONE);
		/* FALLTHROUGH */
	case SSH_XFER_CLOSE:
		rc = libssh2_sftp_close_handle(x->h);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return (SSH_STEP_AGAIN);
		x->h = NULL;
		if (rc != 0)
			return (ssh_xfer_error(x, "cannot close", x->tmp));
		x->phase = SSH_XFER_RENAME;
		if (ssh_xfer_orphan_done(x))
			return (SSH_STEP_DONE);
		/* FALLTHROUGH */
	case SSH_XFER_RENAME:
	case SSH_XFER_RENAME_AGAIN:
		rc = libssh2_sftp_rename_ex(sftp, x->tmp, (unsigned)strlen(x->tmp),
		    x->path, (unsigned)strlen(x->path),
		    LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC |
		    LIBSSH2_SFTP_RENAME_NATIVE);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return (SSH_STEP_AGAIN);
		if (rc == 0) {
			x->phase = SSH_XFER_DONE;
			break;
		}
		/* OpenSSH speaks SFTP v3: rename will not replace a file. */
		fx = libssh2_sftp_last_error(sftp);
		if (rc != LIBSSH2_ERROR_SFTP_PROTOCOL || fx != LIBSSH2_FX_FAILURE ||
		    x->phase == SSH_XFER_RENAME_AGAIN)
			return (ssh_xfer_error(x, "cannot rename to", x->path));
		x->phase = SSH_XFER_UNLINK;
		if (ssh_xfer_orphan_done(x))
			return (SSH_STEP_DONE);
		/* FALLTHROUGH */
	case SSH_XFER_UNLINK:
		rc = libssh2_sftp_unlink_ex(sftp, x->path, (unsigned)strlen(x->path));
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return (SSH_STEP_AGAIN);
		if (rc != 0)
			return (ssh_xfer_error(x, "cannot replace", x->path));
		x->phase = SSH_XFER_RENAME_AGAIN;
		if (ssh_xfer_orphan_done(x))
			return (SSH_STEP_DONE);
		return (ssh_xfer_put_step(x));
	default:
		break;
	}
	if (ssh_xfer_orphan_done(x))
		return (SSH_STEP_DONE);
	ssh_session_remove_op(&x->op);
	x->done(x, SSH_OK, NULL, NULL, x->data.len, x->arg);
	ssh_xfer_free(x);
	return (SSH_STEP_DONE);
}

/* Download: read until the server says EOF, never trusting the size. */
static enum ssh_step
ssh_xfer_get_step(struct ssh_xfer *x)
{
	LIBSSH2_SFTP	*sftp = x->op.s->sftp;
	char		 chunk[SSH_SFTP_CHUNK], *msg;
	ssize_t		 n;
	int		 rc;

	switch (x->phase) {
	case SSH_XFER_OPEN:
		x->h = libssh2_sftp_open_ex(sftp, x->path,
		    (unsigned)strlen(x->path), LIBSSH2_FXF_READ, 0,
		    LIBSSH2_SFTP_OPENFILE);
		if (x->h == NULL)
			return (ssh_xfer_error(x, "cannot open", x->path));
		x->phase = SSH_XFER_IO;
		if (ssh_xfer_orphan_done(x))
			return (SSH_STEP_DONE);
		/* FALLTHROUGH */
	case SSH_XFER_IO:
		for (;;) {
			n = libssh2_sftp_read(x->h, chunk, sizeof chunk);
			if (n == LIBSSH2_ERROR_EAGAIN)
				return (SSH_STEP_AGAIN);
			if (n < 0)
				return (ssh_xfer_error(x, "cannot read", x->path));
			if (n == 0)
				break;
			x->op.s->again = 1;
			if (ssh_xfer_orphan_done(x))
				return (SSH_STEP_DONE);
			if (x->max_len > 0 && x->data.len + (size_t)n > x->max_len) {
				msg = xprintf("%s: %s is larger than %zu bytes",
				    x->op.s->name, x->path, x->max_len);
				ssh_xfer_fail(&x->op, SSH_ERR_SFTP, msg,
				    SSH_FAIL_REPORT);
				free(msg);
				return (SSH_STEP_DONE);
			}
			buf_add(&x->data, chunk, (size_t)n);
		}
		x->phase = SSH_XFER_CLOSE;
		/* FALLTHROUGH */
	case SSH_XFER_CLOSE:
		rc = libssh2_sftp_close_handle(x->h);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return (SSH_STEP_AGAIN);
		x->h = NULL;
		break;
	default:
		break;
	}
	if (ssh_xfer_orphan_done(x))
		return (SSH_STEP_DONE);
	ssh_session_remove_op(&x->op);
	x->done(x, SSH_OK, NULL, x->data.data != NULL ? x->data.data : "",
	    x->data.len, x->arg);
	ssh_xfer_free(x);
	return (SSH_STEP_DONE);
}

static enum ssh_step
ssh_xfer_statvfs_step(struct ssh_xfer *x)
{
	LIBSSH2_SFTP_STATVFS	st;
	struct ssh_statvfs	vfs;

	if (libssh2_sftp_statvfs(x->op.s->sftp, x->path, strlen(x->path),
	    &st) != 0)
		return (ssh_xfer_error(x, "cannot statvfs", x->path));
	if (ssh_xfer_orphan_done(x))
		return (SSH_STEP_DONE);
	vfs.total = st.f_blocks * st.f_frsize;
	vfs.free = st.f_bfree * st.f_frsize;
	vfs.avail = st.f_bavail * st.f_frsize;
	vfs.files = st.f_files;
	vfs.ffree = st.f_ffree;
	ssh_session_remove_op(&x->op);
	x->vfs_done(&vfs, SSH_OK, NULL, x->arg);
	ssh_xfer_free(x);
	return (SSH_STEP_DONE);
}

static enum ssh_step
ssh_xfer_step(struct ssh_op *op)
{
	struct ssh_xfer	*x = (struct ssh_xfer *)op;

	switch (x->kind) {
	case SSH_XFER_PUT:
		return (ssh_xfer_put_step(x));
	case SSH_XFER_GET:
		return (ssh_xfer_get_step(x));
	case SSH_XFER_STATVFS:
		return (ssh_xfer_statvfs_step(x));
	}
	return (SSH_STEP_AGAIN);
}

static const struct ssh_op_type ssh_xfer_type = {
	.name = "SFTP transfer",
	.step = ssh_xfer_step,
	.fail = ssh_xfer_fail,
};

static struct ssh_xfer *
ssh_xfer_new(enum ssh_xfer_kind kind, const char *path, void *arg)
{
	struct ssh_xfer	*x;

	x = xcalloc(1, sizeof *x);
	x->kind = kind;
	x->path = xstrdup(path);
	x->arg = arg;
	x->op.needs_sftp = 1;
	buf_init(&x->data);
	return (x);
}

struct ssh_xfer *
ssh_sftp_put(struct ssh_session *s, const char *path, const void *data,
    size_t len, int mode, int timeout_ms, ssh_xfer_done_cb done, void *arg)
{
	struct ssh_xfer	*x;

	x = ssh_xfer_new(SSH_XFER_PUT, path, arg);
	x->tmp = xprintf("%s.tmp-%04x", path, (unsigned)arc4random() & 0xffff);
	buf_add(&x->data, data, len);
	x->mode = mode;
	x->done = done;
	ssh_session_add_op(s, &x->op, &ssh_xfer_type, timeout_ms);
	return (x);
}

struct ssh_xfer *
ssh_sftp_get(struct ssh_session *s, const char *path, size_t max_len,
    int timeout_ms, ssh_xfer_done_cb done, void *arg)
{
	struct ssh_xfer	*x;

	x = ssh_xfer_new(SSH_XFER_GET, path, arg);
	x->max_len = max_len;
	x->done = done;
	ssh_session_add_op(s, &x->op, &ssh_xfer_type, timeout_ms);
	return (x);
}

struct ssh_xfer *
ssh_sftp_statvfs(struct ssh_session *s, const char *path, int timeout_ms,
    ssh_statvfs_cb done, void *arg)
{
	struct ssh_xfer	*x;

	x = ssh_xfer_new(SSH_XFER_STATVFS, path, arg);
	x->vfs_done = done;
	ssh_session_add_op(s, &x->op, &ssh_xfer_type, timeout_ms);
	return (x);
}

void
ssh_xfer_cancel(struct ssh_xfer *x)
{
	ssh_op_cancel(&x->op);
}

/* Shut the session's SFTP subsystem down with the connection. */
void
ssh_sftp_close(struct ssh_session *s)
{
	if (s->sftp != NULL) {
		libssh2_sftp_shutdown(s->sftp);
		s->sftp = NULL;
	}
}

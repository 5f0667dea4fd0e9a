/*
 * The S3 pane's commands and their keys, and the background jobs they
 * start: download and upload of objects and whole prefixes, delete with a
 * confirmation naming the count and size, du of a prefix. A job is the
 * command that started it, waiting (CMD_RETURN_WAIT): C-c cancels it like
 * any other, and its progress is drawn on the pane's footer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cmd.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/keys.h"
#include "tui/pane-s3.h"

#define S3_DELETE_BATCH	1000	/* keys per multi-object delete */

enum s3_job_kind {
	S3_JOB_DOWNLOAD,
	S3_JOB_UPLOAD,
	S3_JOB_DELETE,
	S3_JOB_DU,
};

struct s3_job {
	struct cmd		*cmd;		/* the command it belongs to */
	struct s3pane		*st;
	enum s3_job_kind	 kind;
	char			*bucket;	/* owned */
	char			*base;		/* owned: the folder keys are relative to */
	char			*dest;		/* owned: download: the local file or directory */
	int			 dest_dir;	/* dest is a directory */

	struct s3_item		*roots;		/* owned: what was chosen; prefixes expand */
	size_t			 nroots;
	size_t			 root;		/* the next to expand */

	struct s3_item		*items;		/* owned: the objects to work on */
	char			**local;	/* owned: their local paths (transfers) */
	size_t			 nitems;
	size_t			 next;		/* the next to transfer or delete */

	uint64_t		 bytes_total;
	uint64_t		 bytes_done;	/* of finished items */
	uint64_t		 cur_done;	/* of the one moving */
	uint64_t		 deleted;
	uint64_t		 started;
	int			 listing;	/* still expanding prefixes */

	struct s3_op		*op;		/* the request running, or NULL */
	int			 fd;		/* the file being downloaded, or -1 */
	int			 werr;		/* errno of a failed write */
	struct loop_timer	 step;		/* starts the next request */
};

static void	s3_job_next(void *);

/* The pane's state, or an error on the command. */
static struct s3pane *
s3_cmd_pane(struct cmd *c)
{
	struct s3pane	*st = s3_pane(tui_self);

	if (st == NULL || st->s3 == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: the S3 pane is not connected",
		    c->entry->name);
		return (NULL);
	}
	return (st);
}

/* ------------------------------------------------------------ jobs */

static void
s3_job_add(struct s3_job *j, const char *key, size_t keylen, uint64_t size)
{
	j->items = xreallocarray(j->items, j->nitems + 1, sizeof *j->items);
	j->local = xreallocarray(j->local, j->nitems + 1, sizeof *j->local);
	j->items[j->nitems].key = xstrndup(key, keylen);
	j->items[j->nitems].size = size;
	j->items[j->nitems].is_prefix = 0;
	j->local[j->nitems] = NULL;
	j->nitems++;
	j->bytes_total += size;
}

static void
s3_job_destroy(struct s3_job *j)
{
	size_t	i;

	if (j->op != NULL)
		s3_op_cancel(j->op);
	loop_timer_stop(&j->step);
	if (j->fd != -1) {
		close(j->fd);
		if (j->next < j->nitems && j->local[j->next] != NULL)
			unlink(j->local[j->next]);	/* a partial download is no file */
	}
	for (i = 0; i < j->nroots; i++)
		s3_item_free(&j->roots[i]);
	for (i = 0; i < j->nitems; i++) {
		s3_item_free(&j->items[i]);
		free(j->local[i]);
	}
	free(j->roots);
	free(j->items);
	free(j->local);
	free(j->bucket);
	free(j->base);
	free(j->dest);
	if (j->st->job == j)
		j->st->job = NULL;
	free(j);
}

/* The job ends: its command reports and is finished (and freed by the console). */
static void
s3_job_end(struct s3_job *j, enum cmd_exit ex, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
s3_job_end(struct s3_job *j, enum cmd_exit ex, const char *fmt, ...)
{
	struct cmd	*c = j->cmd;
	struct s3pane	*st = j->st;
	int		 reload = j->kind == S3_JOB_UPLOAD || j->kind == S3_JOB_DELETE;
	va_list		 ap;
	char		*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	if (ex == CMD_EXIT_OK)
		cmd_message(c, "%s", s);
	else
		cmd_error(c, ex, "%s", s);
	free(s);
	c->state = NULL;
	c->cancel = NULL;
	s3_job_destroy(j);
	if (reload && st->s3 != NULL)
		s3_pane_reload(tui_self, st);
	cmd_finish(c);
}

static void
s3_job_cancel(struct cmd *c)
{
	struct s3_job	*j = c->state;

	c->state = NULL;
	if (j != NULL)
		s3_job_destroy(j);
}

void
s3_job_free(struct s3pane *st)
{
	if (st->job != NULL)
		cmd_cancel(st->job->cmd);
}

char *
s3_job_status(struct tui *t, struct s3pane *st)
{
	static const char *const verbs[] = { "download", "upload", "delete", "du" };
	struct s3_job	*j = st->job;
	char		 a[32], b[32], r[32], eta[32];
	uint64_t	 ms, done, rate;

	if (j == NULL)
		return (NULL);
	ms = loop_now(t->env->loop) - j->started;
	done = j->bytes_done + j->cur_done;
	util_format_bytes(a, sizeof a, (int64_t)done);
	util_format_bytes(b, sizeof b, (int64_t)j->bytes_total);
	if (j->listing)
		return (xprintf("%s: listing, %zu objects, %s so far  (C-c cancels)",
		    verbs[j->kind], j->nitems, b));
	if (j->kind == S3_JOB_DELETE && j->cmd->env != NULL && tui_self->confirming == j->cmd)
		return (xprintf("delete: %zu objects, %s: y deletes them", j->nitems, b));
	if (j->kind == S3_JOB_DELETE)
		return (xprintf("delete: %llu of %zu objects  (C-c cancels)",
		    (unsigned long long)j->deleted, j->nitems));
	rate = ms > 0 ? done * 1000 / ms : 0;
	util_format_bytes(r, sizeof r, (int64_t)rate);
	if (rate > 0 && j->bytes_total > done)
		util_format_duration(eta, sizeof eta,
		    (int64_t)((j->bytes_total - done) * 1000 / rate));
	else
		snprintf(eta, sizeof eta, "-");
	return (xprintf("%s: %zu/%zu files, %s of %s, %s/s, ETA %s  (C-c cancels)",
	    verbs[j->kind], j->next, j->nitems, a, b, r, eta));
}

static void
s3_job_progress(uint64_t done, uint64_t total, void *arg)
{
	struct s3_job	*j = arg;

	(void)total;
	j->cur_done = done;
	tui_self->dirty = 1;
}

/* A key's local path below dest: ".", ".." and empty parts become "_". */
static char *
s3_job_local(struct s3_job *j, const char *key)
{
	struct buf	 b;
	const char	*rel = key, *s, *e;
	size_t		 n;

	if (!j->dest_dir)
		return (xstrdup(j->dest));
	if (strncmp(key, j->base, strlen(j->base)) == 0)
		rel = key + strlen(j->base);
	buf_init(&b);
	buf_adds(&b, j->dest);
	for (s = rel; ; s = e + 1) {
		e = strchr(s, '/');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if (e == NULL && n == 0)
			break;
		buf_addc(&b, '/');
		if (n == 0 || (n == 1 && *s == '.') || (n == 2 && strncmp(s, "..", 2) == 0))
			buf_addc(&b, '_');
		else
			buf_add(&b, s, n);
		if (e == NULL)
			break;
	}
	buf_addc(&b, '\0');
	return (buf_steal(&b));
}

static int
s3_job_data(const char *data, size_t len, void *arg)
{
	struct s3_job	*j = arg;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(j->fd, data, len)) < 0) {
			if (errno == EINTR)
				continue;
			j->werr = errno;
			return (-1);
		}
		data += n;
		len -= (size_t)n;
		j->cur_done += (uint64_t)n;
	}
	return (0);
}

/* One request done: the next one starts from the loop, not from inside this. */
static void
s3_job_done(const struct s3_result *res, void *arg)
{
	struct s3_job	*j = arg;
	struct s3_item	*it = &j->items[j->next];

	j->op = NULL;
	if (j->fd != -1) {
		if (close(j->fd) != 0 && j->werr == 0)
			j->werr = errno;
		j->fd = -1;
		if (j->werr != 0 || res->status != S3_OK)
			unlink(j->local[j->next]);
		if (j->werr != 0) {
			s3_job_end(j, CMD_EXIT_FAIL, "s3 download: %s: %s", j->local[j->next],
			    strerror(j->werr));
			return;
		}
	}
	if (res->status != S3_OK) {
		s3_job_end(j, res->status == S3_ERR_AUTH ? CMD_EXIT_AUTH : CMD_EXIT_FAIL,
		    "%s", res->message != NULL ? res->message : "failed");
		return;
	}
	if (j->kind == S3_JOB_DELETE) {
		j->deleted = j->next = j->next + S3_DELETE_BATCH > j->nitems ? j->nitems :
		    j->next + S3_DELETE_BATCH;
	} else {
		j->bytes_done += it->size > j->cur_done ? it->size : j->cur_done;
		j->cur_done = 0;
		j->next++;
	}
	loop_timer_start(&j->step, 0);
}

/* A page of a prefix being expanded: its objects join the work. */
static int
s3_job_page(const struct s3_page *pg, void *arg)
{
	struct s3_job	*j = arg;
	size_t		 i;

	for (i = 0; i < pg->n; i++) {
		if (!pg->objects[i].is_prefix)
			s3_job_add(j, pg->objects[i].key, pg->objects[i].keylen,
			    pg->objects[i].size);
	}
	tui_self->dirty = 1;
	return (0);
}

static void
s3_job_listed(const struct s3_result *res, void *arg)
{
	struct s3_job	*j = arg;

	j->op = NULL;
	if (res->status != S3_OK) {
		s3_job_end(j, CMD_EXIT_FAIL, "%s", res->message != NULL ? res->message :
		    "listing failed");
		return;
	}
	j->root++;
	loop_timer_start(&j->step, 0);
}

static void
s3_job_confirmed(struct cmd *c, int yes)
{
	struct s3_job	*j = c->state;

	if (j == NULL)
		return;
	if (!yes) {
		s3_job_end(j, CMD_EXIT_REFUSED, "s3 delete: not confirmed, nothing deleted");
		return;
	}
	j->started = loop_now(c->env->loop);
	loop_timer_start(&j->step, 0);
}

/* Ask with the count and size, naming what goes. */
static void
s3_job_ask(struct s3_job *j)
{
	char	 size[32], *where, *q;

	util_format_bytes(size, sizeof size, (int64_t)j->bytes_total);
	where = xprintf("s3://%s/%s", j->bucket, j->roots[0].key);
	if (j->nroots > 1)
		q = xprintf("Delete %zu objects (%s): %s and %zu more?", j->nitems, size, where,
		    j->nroots - 1);
	else
		q = xprintf("Delete %zu object%s (%s)%s %s?", j->nitems,
		    j->nitems == 1 ? "" : "s", size, j->roots[0].is_prefix ? " under" : ":",
		    where);
	free(where);
	j->cmd->env->confirm(j->cmd, q, s3_job_confirmed);
	free(q);
}

/* The next step: expand a prefix, ask, then transfer or delete the next items. */
static void
s3_job_next(void *arg)
{
	struct s3_job		*j = arg;
	struct s3pane		*st = j->st;
	struct s3_list_options	 opt;
	struct s3_item		*it;
	const char		*keys[S3_DELETE_BATCH];
	size_t			 lens[S3_DELETE_BATCH], i, n;
	char			 size[32], *dir;

	if (j->listing) {
		while (j->root < j->nroots && !j->roots[j->root].is_prefix)
			j->root++;
		if (j->root < j->nroots) {
			memset(&opt, 0, sizeof opt);
			opt.prefix = *j->roots[j->root].key != '\0' ? j->roots[j->root].key : NULL;
			j->op = s3_list(st->s3, j->bucket, &opt, s3_job_page, s3_job_listed, j);
			return;
		}
		j->listing = 0;
		util_format_bytes(size, sizeof size, (int64_t)j->bytes_total);
		if (j->kind == S3_JOB_DU) {
			s3_job_end(j, CMD_EXIT_OK, "s3://%s/%s: %zu objects, %s", j->bucket,
			    j->roots[0].key, j->nitems, size);
			return;
		}
		if (j->nitems == 0) {
			s3_job_end(j, CMD_EXIT_OK, "nothing to %s: no objects",
			    j->kind == S3_JOB_DELETE ? "delete" : "download");
			return;
		}
		if (j->kind == S3_JOB_DELETE) {
			s3_job_ask(j);
			return;
		}
		j->started = loop_now(tui_self->env->loop);
	}
	if (j->next >= j->nitems) {
		util_format_bytes(size, sizeof size, (int64_t)j->bytes_total);
		if (j->kind == S3_JOB_DELETE)
			s3_job_end(j, CMD_EXIT_OK, "deleted %zu objects (%s)", j->nitems, size);
		else
			s3_job_end(j, CMD_EXIT_OK, "%s %zu file%s (%s)%s%s",
			    j->kind == S3_JOB_UPLOAD ? "uploaded" : "downloaded", j->nitems,
			    j->nitems == 1 ? "" : "s", size, j->kind == S3_JOB_DOWNLOAD ?
			    " to " : "", j->kind == S3_JOB_DOWNLOAD ? j->dest : "");
		return;
	}
	it = &j->items[j->next];
	switch (j->kind) {
	case S3_JOB_DELETE:
		n = j->nitems - j->next < S3_DELETE_BATCH ? j->nitems - j->next :
		    S3_DELETE_BATCH;
		for (i = 0; i < n; i++) {
			keys[i] = j->items[j->next + i].key;
			lens[i] = strlen(keys[i]);
		}
		j->op = s3_delete(st->s3, j->bucket, keys, lens, n, s3_job_done, j);
		break;
	case S3_JOB_UPLOAD:
		j->op = s3_put_file(st->s3, j->bucket, it->key, strlen(it->key), j->local[j->next],
		    0, s3_job_progress, s3_job_done, j);
		break;
	case S3_JOB_DOWNLOAD:
		j->local[j->next] = s3_job_local(j, it->key);
		dir = xstrdup(j->local[j->next]);
		if (util_mkdir_p(dirname(dir), 0755) != 0 ||
		    (j->fd = open(j->local[j->next], O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, 0644)) == -1) {
			free(dir);
			s3_job_end(j, CMD_EXIT_FAIL, "s3 download: %s: %s", j->local[j->next],
			    strerror(errno));
			return;
		}
		free(dir);
		j->werr = 0;
		j->op = s3_get(st->s3, j->bucket, it->key, strlen(it->key), 0, 0, s3_job_data,
		    NULL, s3_job_done, j);
		break;
	default:
		break;
	}
	if (j->op == NULL)
		s3_job_end(j, CMD_EXIT_FAIL, "%s: could not start the request", j->cmd->line);
}

/* A job for a command, on the pane's bucket; the command waits for it. */
static struct s3_job *
s3_job_new(struct cmd *c, struct s3pane *st, enum s3_job_kind kind, const char *bucket)
{
	struct s3_job	*j;

	if (st->job != NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: another transfer is running (C-c cancels it)",
		    c->entry->name);
		return (NULL);
	}
	j = xcalloc(1, sizeof *j);
	j->cmd = c;
	j->st = st;
	j->kind = kind;
	j->fd = -1;
	j->bucket = xstrdup(bucket);
	j->base = xstrdup(st->prefix);
	j->listing = 1;
	j->started = loop_now(c->env->loop);
	loop_timer_init(&j->step, c->env->loop, s3_job_next, j);
	return (j);
}

/* Start: the items chosen are the roots; the objects among them are work at once. */
static enum cmd_retval
s3_job_start(struct cmd *c, struct s3_job *j, struct s3_item *items, size_t n)
{
	size_t	i;

	j->roots = items;
	j->nroots = n;
	for (i = 0; i < n; i++) {
		if (!items[i].is_prefix)
			s3_job_add(j, items[i].key, strlen(items[i].key), items[i].size);
	}
	j->st->job = j;
	c->state = j;
	c->cancel = s3_job_cancel;
	loop_timer_start(&j->step, 0);
	loop_timer_start(&j->st->tick, 250);
	return (CMD_RETURN_WAIT);
}

/* ------------------------------------------------------------ commands */

static struct s3_item *
s3_cmd_selection(struct cmd *c, struct s3pane *st, size_t *n)
{
	struct s3_item	*items;

	if (st->bucket == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: open a bucket first", c->entry->name);
		return (NULL);
	}
	if ((*n = s3_pane_selection(st, &items)) == 0) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: nothing under the cursor", c->entry->name);
		return (NULL);
	}
	return (items);
}

static void
s3_cmd_items_free(struct s3_item *items, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		s3_item_free(&items[i]);
	free(items);
}

/* s3 download [PATH]: the marked objects and folders, or the cursor's. */
static enum cmd_retval
s3_cmd_download(struct cmd *c)
{
	struct s3pane	*st = s3_cmd_pane(c);
	struct s3_item	*items;
	struct s3_job	*j;
	struct stat	 sb;
	size_t		 n;
	char		*dest;

	if (st == NULL || (items = s3_cmd_selection(c, st, &n)) == NULL)
		return (CMD_RETURN_NORMAL);
	if ((j = s3_job_new(c, st, S3_JOB_DOWNLOAD, st->bucket)) == NULL) {
		s3_cmd_items_free(items, n);
		return (CMD_RETURN_NORMAL);
	}
	dest = util_expand_home(c->argc > 0 && *c->argv[0] != '\0' ? c->argv[0] : ".");
	j->dest_dir = n > 1 || items[0].is_prefix || (stat(dest, &sb) == 0 &&
	    S_ISDIR(sb.st_mode)) || dest[strlen(dest) - 1] == '/';
	while (strlen(dest) > 1 && dest[strlen(dest) - 1] == '/')
		dest[strlen(dest) - 1] = '\0';
	j->dest = dest;
	return (s3_job_start(c, j, items, n));
}

/* nftw has no argument: the upload being walked. */
static struct s3_job	*s3_walk_job;
static size_t		 s3_walk_skip;

static int
s3_cmd_walk(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	struct s3_job	*j = s3_walk_job;
	char		*key;

	if (flag != FTW_F || !S_ISREG(sb->st_mode))
		return (0);
	key = xprintf("%s%s", j->dest, path + s3_walk_skip);
	s3_job_add(j, key, strlen(key), (uint64_t)sb->st_size);
	j->local[j->nitems - 1] = xstrdup(path);
	free(key);
	(void)ftw;
	return (0);
}

/* s3 upload PATH: a file, or a directory with everything under it, into the folder shown. */
static enum cmd_retval
s3_cmd_upload(struct cmd *c)
{
	struct s3pane	*st = s3_cmd_pane(c);
	struct s3_job	*j;
	struct stat	 sb;
	char		*path, *copy;
	size_t		 len;

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	if (st->bucket == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "s3 upload: open a bucket first");
		return (CMD_RETURN_NORMAL);
	}
	path = util_expand_home(c->argv[0]);
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (stat(path, &sb) != 0 || (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))) {
		cmd_error(c, CMD_EXIT_USAGE, "s3 upload: %s: %s", path,
		    errno != 0 ? strerror(errno) : "not a file or directory");
		free(path);
		return (CMD_RETURN_NORMAL);
	}
	if ((j = s3_job_new(c, st, S3_JOB_UPLOAD, st->bucket)) == NULL) {
		free(path);
		return (CMD_RETURN_NORMAL);
	}
	copy = xstrdup(path);
	/* "dir" goes to PREFIX/dir/..., "file" to PREFIX/file. */
	j->dest = xprintf("%s%s", st->prefix, basename(copy));
	free(copy);
	s3_walk_job = j;
	s3_walk_skip = strlen(path);
	if (S_ISREG(sb.st_mode)) {
		s3_job_add(j, j->dest, strlen(j->dest), (uint64_t)sb.st_size);
		j->local[0] = xstrdup(path);
	} else if (nftw(path, s3_cmd_walk, 16, FTW_PHYS) != 0) {
		cmd_error(c, CMD_EXIT_FAIL, "s3 upload: %s: %s", path, strerror(errno));
		s3_job_destroy(j);
		free(path);
		return (CMD_RETURN_NORMAL);
	}
	free(path);
	j->listing = 0;
	if (j->nitems == 0) {
		s3_job_destroy(j);
		cmd_error(c, CMD_EXIT_USAGE, "s3 upload: no files to upload");
		return (CMD_RETURN_NORMAL);
	}
	return (s3_job_start(c, j, NULL, 0));
}

/* s3 delete: the marked objects and folders, or the cursor's; asks with count and size. */
static enum cmd_retval
s3_cmd_delete(struct cmd *c)
{
	struct s3pane	*st = s3_cmd_pane(c);
	struct s3_item	*items;
	struct s3_job	*j;
	size_t		 n;

	if (st == NULL || (items = s3_cmd_selection(c, st, &n)) == NULL)
		return (CMD_RETURN_NORMAL);
	if (c->env->confirm == NULL) {
		cmd_error(c, CMD_EXIT_REFUSED, "s3 delete: only in the console (s3 rm --yes"
		    " in scripts)");
		s3_cmd_items_free(items, n);
		return (CMD_RETURN_NORMAL);
	}
	if ((j = s3_job_new(c, st, S3_JOB_DELETE, st->bucket)) == NULL) {
		s3_cmd_items_free(items, n);
		return (CMD_RETURN_NORMAL);
	}
	return (s3_job_start(c, j, items, n));
}

/* s3 usage: objects and bytes under the cursor's folder, or the folder shown. */
static enum cmd_retval
s3_cmd_usage(struct cmd *c)
{
	struct s3pane	*st = s3_cmd_pane(c);
	struct s3_item	*item;
	struct s3_job	*j;
	const char	*bucket = st != NULL ? st->bucket : NULL;
	size_t		 r;

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	item = xcalloc(1, sizeof *item);
	r = table_current(&st->pane->table);
	if (st->bucket == NULL) {
		if (r == SIZE_MAX || st->pane->own == NULL ||
		    (bucket = view_cell(st->pane->own, r, 0)->text) == NULL) {
			free(item);
			cmd_error(c, CMD_EXIT_USAGE, "s3 usage: no bucket under the cursor");
			return (CMD_RETURN_NORMAL);
		}
		item->key = xstrdup("");
	} else if (!s3_pane_item(st, r, item) || !item->is_prefix) {
		s3_item_free(item);
		item->key = xstrdup(st->prefix);
	}
	item->is_prefix = 1;
	if ((j = s3_job_new(c, st, S3_JOB_DU, bucket)) == NULL) {
		s3_cmd_items_free(item, 1);
		return (CMD_RETURN_NORMAL);
	}
	return (s3_job_start(c, j, item, 1));
}

/* C-c: the job, else the listing or preview loading, else the console's command. */
static enum cmd_retval
s3_cmd_cancel(struct cmd *c)
{
	struct s3pane	*st = s3_pane(tui_self);

	if (st != NULL && st->job != NULL)
		cmd_cancel(st->job->cmd);
	else if (st != NULL && st->get != NULL && tui_self->cur == &st->preview) {
		s3_op_cancel(st->get);
		st->get = NULL;
		free(st->preview.why);
		st->preview.why = xstrdup("cancelled");
	} else if (st != NULL && st->list != NULL) {
		s3_op_cancel(st->list);
		st->list = NULL;
		free(st->list_error);
		st->list_error = xstrdup("listing cancelled: the rows shown are not all");
	} else if (tui_self->running != NULL)
		cmd_cancel(tui_self->running);
	else
		cmd_message(c, "nothing is running");
	tui_self->dirty = 1;
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
s3_cmd_up(struct cmd *c)
{
	struct s3pane	*st = s3_pane(tui_self);

	if (st == NULL || tui_self->cur != st->pane || s3_pane_up(tui_self, st) != 0) {
		if (tui_back(tui_self) != 0 && cmd_flag(c, "or-quit"))
			tui_quit(tui_self);
	}
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
s3_cmd_preview(struct cmd *c)
{
	struct s3pane	*st = s3_cmd_pane(c);
	char		*cause = NULL;

	if (st != NULL && s3_pane_preview(tui_self, st, &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "s3 preview: %s", cause);
		free(cause);
	}
	return (CMD_RETURN_NORMAL);
}

/* s3 go s3://BUCKET/PREFIX/: straight to a folder. */
static enum cmd_retval
s3_cmd_go(struct cmd *c)
{
	struct s3pane	*st = s3_cmd_pane(c);
	char		*bucket = NULL, *key = NULL, *cause = NULL, *slash;

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	if (s3_parse_uri(c->argv[0], &bucket, &key, &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "s3 go: %s", cause);
		free(cause);
		return (CMD_RETURN_NORMAL);
	}
	/* A key not ending in '/' names the folder it is in. */
	if ((slash = strrchr(key, '/')) != NULL)
		slash[1] = '\0';
	else
		*key = '\0';
	s3_pane_go(tui_self, st, *bucket != '\0' ? bucket : NULL, key, NULL);
	if (tui_self->cur != st->pane)
		tui_show(tui_self, st->pane, 1);
	free(bucket);
	free(key);
	return (CMD_RETURN_NORMAL);
}


/* s3 link [--expires D]: a presigned GET of the cursor's object, to the clipboard. */
static enum cmd_retval
s3_cmd_link(struct cmd *c)
{
	struct s3pane	*st = s3_cmd_pane(c);
	struct s3_item	 it;
	const char	*exp = cmd_opt(c, "expires");
	char		*url, *cause = NULL, dur[32];
	int		 ms = 3600 * 1000;

	if (st == NULL)
		return (CMD_RETURN_NORMAL);
	if (exp != NULL && util_parse_duration(exp, &ms, &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "s3 link: %s", cause);
		free(cause);
		return (CMD_RETURN_NORMAL);
	}
	if (st->bucket == NULL || !s3_pane_item(st, table_current(&st->pane->table), &it) ||
	    it.is_prefix) {
		if (st->bucket != NULL)
			s3_item_free(&it);
		cmd_error(c, CMD_EXIT_USAGE, "s3 link: no object under the cursor");
		return (CMD_RETURN_NORMAL);
	}
	url = s3_presign(st->s3, "GET", st->bucket, it.key, strlen(it.key), ms / 1000,
	    time(NULL), &cause);
	s3_item_free(&it);
	if (url == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "s3 link: %s", cause);
		free(cause);
		return (CMD_RETURN_NORMAL);
	}
	tui_osc52(url, strlen(url));
	util_format_duration(dur, sizeof dur, (int64_t)ms);
	cmd_message(c, "copied, valid %s: %s", dur, url);
	free(url);
	return (CMD_RETURN_NORMAL);
}

static const struct cmd_entry s3_cmds[] = {
	{ .name = "s3 go", .args = { "", 1, 1 }, .usage = "s3://BUCKET/PREFIX/",
	  .help = "Show a bucket's folder in the S3 pane.", .exec = s3_cmd_go },
	{ .name = "s3 up", .args = { "or-quit", 0, 0 }, .usage = "[--or-quit]",
	  .help = "Go up to the parent folder in the S3 pane, then back.",
	  .exec = s3_cmd_up },
	{ .name = "s3 preview", .args = { "", 0, 0 }, .usage = "",
	  .help = "Preview the first 64 KiB of the object under the cursor.",
	  .exec = s3_cmd_preview },
	{ .name = "s3 download", .args = { "", 0, 1 }, .usage = "[PATH]",
	  .help = "Download the marked objects and folders (or the cursor's) to PATH or here.",
	  .flags = CMD_INVENTORY, .exec = s3_cmd_download },
	{ .name = "s3 upload", .args = { "", 1, 1 }, .usage = "PATH",
	  .help = "Upload a local file or directory into the folder shown.",
	  .flags = CMD_INVENTORY | CMD_CHANGES, .exec = s3_cmd_upload },
	{ .name = "s3 delete", .args = { "", 0, 0 }, .usage = "",
	  .help = "Delete the marked objects and folders (or the cursor's), after asking.",
	  .flags = CMD_INVENTORY | CMD_CHANGES, .exec = s3_cmd_delete },
	{ .name = "s3 usage", .args = { "", 0, 0 }, .usage = "",
	  .help = "Count the objects and bytes under a folder, in the background.",
	  .flags = CMD_INVENTORY, .exec = s3_cmd_usage },
	{ .name = "s3 link", .args = { "expires=|e", 0, 0 }, .usage = "[--expires 1h]",
	  .help = "Copy a presigned link to the object under the cursor (OSC 52).",
	  .exec = s3_cmd_link },
	{ .name = "s3 cancel", .args = { "", 0, 0 }, .usage = "",
	  .help = "Cancel the S3 pane's transfer, count or listing.", .exec = s3_cmd_cancel },
};

/* Default keys: pane, key, command. A binding the config made already stays. */
static const char *const s3_keys[][3] = {
	{ "S3", "Esc", "s3 up" }, { "S3", "BSpace", "s3 up" },
	{ "S3", "q", "s3 up --or-quit" },
	{ "S3", "p", "s3 preview" },
	{ "S3", "d", "prompt \"s3 download \"" },
	{ "S3", "u", "prompt \"s3 upload \"" },
	{ "S3", "D", "s3 delete" },
	{ "S3", "U", "s3 usage" },
	{ "S3", "y", "s3 link" },
	{ "S3", "C-c", "s3 cancel" },
	{ "Preview", "C-c", "s3 cancel" },
};

/* Register the commands and bind the keys, once, when the panes are made. */
void
pane_s3_register(void)
{
	static int			 done;
	const struct keys_binding	*b;
	size_t				 i, k;
	char				*cause = NULL;
	int				 code, taken;

	if (!done) {
		for (i = 0; i < sizeof s3_cmds / sizeof s3_cmds[0]; i++)
			cmd_register(&s3_cmds[i]);
		done = 1;
	}
	for (i = 0; i < sizeof s3_keys / sizeof s3_keys[0]; i++) {
		code = keys_code(s3_keys[i][1]);
		taken = 0;
		for (k = 0; (b = keys_at(k)) != NULL; k++) {
			if (b->key == code && b->pane != NULL && strcmp(b->pane, s3_keys[i][0]) == 0)
				taken = 1;
		}
		if (!taken && keys_bind(s3_keys[i][1], s3_keys[i][0], s3_keys[i][2],
		    &cause) != 0) {
			free(cause);	/* the table above is ours: cannot happen */
			cause = NULL;
		}
	}
}

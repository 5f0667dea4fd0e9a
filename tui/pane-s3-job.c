/*
 * The S3 pane's background jobs: download and upload of objects and whole
 * prefixes, delete with a confirmation naming the count and size, du of a
 * prefix. A job is the command that started it, waiting (CMD_RETURN_WAIT):
 * C-c cancels it like any other, and its progress is drawn on the pane's
 * footer.
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

static void	s3_job_next(void *);

/* ------------------------------------------------------------ jobs */

void
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

void
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
struct s3_job *
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
enum cmd_retval
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


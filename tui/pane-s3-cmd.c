/*
 * The S3 pane's commands and their keys. Transfers, deletes and du run as
 * background jobs (tui/pane-s3-job.c).
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

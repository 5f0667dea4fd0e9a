/*
 * s3 cp -r: every object under a prefix down into a directory, or every
 * file of a directory up under a prefix, one transfer at a time on the
 * loop. Keys may hold any byte: a path component that is empty, "." or
 * ".." is written as "_" so nothing lands outside the target directory.
 */
#include "config.h"

#define _XOPEN_SOURCE_EXTENDED 1
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/s3.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "plugins/s3/s3-cmd.h"

struct s3_copy {
	int		 down;		/* s3 -> local */
	char		*prefix;	/* the keys' common start ("" or ends in /) */
	char		*dir;		/* the local directory */
	char		**items;	/* keys (down) or relative paths (up) */
	size_t		  n;
	size_t		  at;		/* the one in flight */
	uint64_t	  bytes;
};

static void	s3copy_next(struct s3_run *);

void
s3copy_free(struct s3_copy *cp)
{
	size_t	i;

	if (cp == NULL)
		return;
	for (i = 0; i < cp->n; i++)
		free(cp->items[i]);
	free(cp->items);
	free(cp->prefix);
	free(cp->dir);
	free(cp);
}

static void
s3copy_add(struct s3_copy *cp, const char *s, size_t len)
{
	cp->items = xreallocarray(cp->items, cp->n + 1, sizeof *cp->items);
	cp->items[cp->n] = xmalloc(len + 1);
	memcpy(cp->items[cp->n], s, len);
	cp->items[cp->n][len] = '\0';
	cp->n++;
}

/* The local path of a key below the prefix: no component may climb out. */
static char *
s3copy_local(const struct s3_copy *cp, const char *rel)
{
	struct buf	 b;
	const char	*p = rel, *e;
	size_t		 n;

	buf_init(&b);
	buf_adds(&b, cp->dir);
	for (;;) {
		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		buf_addc(&b, '/');
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			buf_addc(&b, '_');
		else
			buf_add(&b, p, n);
		if (e == NULL)
			break;
		p = e + 1;
	}
	return (b.data);
}

/* One object or file is done: the next, or the end. */
static void
s3copy_item_done(const struct s3_result *res, void *arg)
{
	struct s3_run	*r = arg;
	struct s3_copy	*cp = r->copy;

	r->op = NULL;
	if (r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	}
	if (res->status != S3_OK) {
		s3cmd_end(r, res);
		return;
	}
	cp->bytes += res->count;
	cp->at++;
	s3copy_next(r);
}

/* Start the next transfer, or finish with a summary. */
static void
s3copy_next(struct s3_run *r)
{
	struct s3_copy	*cp = r->copy;
	char		*path, *key, *slash;

	if (cp->at >= cp->n) {
		cmd_message(r->cmd, "copied %zu %s, %llu bytes", cp->n,
		    cp->n == 1 ? "object" : "objects", (unsigned long long)cp->bytes);
		s3cmd_end(r, NULL);
		return;
	}
	if (cp->down) {
		path = s3copy_local(cp, cp->items[cp->at] + strlen(cp->prefix));
		if ((slash = strrchr(path, '/')) != NULL) {
			*slash = '\0';
			(void)util_mkdir_p(path, 0755);
			*slash = '/';
		}
		r->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (r->fd < 0) {
			cmd_error(r->cmd, CMD_EXIT_FAIL, "%s: %s", path, strerror(errno));
			free(path);
			s3cmd_end(r, NULL);
			return;
		}
		free(path);
		key = cp->items[cp->at];
		r->op = s3_get(r->s3, r->bucket, key, strlen(key), 0, 0, s3cmd_get_data,
		    s3cmd_progress, s3copy_item_done, r);
		return;
	}
	path = xprintf("%s/%s", cp->dir, cp->items[cp->at]);
	key = xprintf("%s%s", cp->prefix, cp->items[cp->at]);
	r->op = s3_put_file(r->s3, r->bucket, key, strlen(key), path, 0, s3cmd_progress,
	    s3copy_item_done, r);
	free(path);
	free(key);
}

/* Collect the keys of the listing: objects only, in listing order. */
static int
s3copy_page(const struct s3_page *pg, void *arg)
{
	struct s3_run	*r = arg;
	size_t		 i;

	for (i = 0; i < pg->n; i++) {
		if (!pg->objects[i].is_prefix)
			s3copy_add(r->copy, pg->objects[i].key, pg->objects[i].keylen);
	}
	return (0);
}

static void
s3copy_listed(const struct s3_result *res, void *arg)
{
	struct s3_run	*r = arg;

	r->op = NULL;
	if (res->status != S3_OK) {
		s3cmd_end(r, res);
		return;
	}
	if (util_mkdir_p(r->copy->dir, 0755) != 0) {
		cmd_error(r->cmd, CMD_EXIT_FAIL, "%s: %s", r->copy->dir, strerror(errno));
		s3cmd_end(r, NULL);
		return;
	}
	s3copy_next(r);
}

/* nftw has no argument: the copy being filled, while it walks. */
static struct s3_copy	*s3copy_walking;
static size_t		 s3copy_root;

static int
s3copy_walk(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_F && strlen(path) > s3copy_root)
		s3copy_add(s3copy_walking, path + s3copy_root, strlen(path + s3copy_root));
	return (0);
}

/* Start cp -r; -1 with the error set on the command. */
int
s3copy_start(struct s3_run *r, const char *src, const char *dst)
{
	struct s3_copy	*cp;
	struct s3_list_options o;
	const char	*dir, *uri;
	size_t		 n;

	cp = r->copy = xcalloc(1, sizeof *cp);
	cp->down = strncmp(src, "s3://", 5) == 0;
	if (cp->down == (strncmp(dst, "s3://", 5) == 0)) {
		cmd_error(r->cmd, CMD_EXIT_USAGE, "s3 cp: one side must be s3:// and the other local");
		return (-1);
	}
	uri = cp->down ? src : dst;
	dir = cp->down ? dst : src;
	if (s3cmd_uri(r, uri, 0) != 0)
		return (-1);
	n = strlen(r->key);
	cp->prefix = n == 0 || r->key[n - 1] == '/' ? xstrdup(r->key) : xprintf("%s/", r->key);
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	cp->dir = xprintf("%.*s", (int)n, dir);
	if (cp->down) {
		memset(&o, 0, sizeof o);
		o.prefix = cp->prefix;
		r->op = s3_list(r->s3, r->bucket, &o, s3copy_page, s3copy_listed, r);
		return (0);
	}
	s3copy_walking = cp;
	s3copy_root = strlen(cp->dir) + 1;
	if (nftw(cp->dir, s3copy_walk, 16, FTW_PHYS) != 0) {
		cmd_error(r->cmd, CMD_EXIT_FAIL, "%s: %s", cp->dir, strerror(errno));
		return (-1);
	}
	s3copy_next(r);
	return (0);
}

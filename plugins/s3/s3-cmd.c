/*
 * The scripted s3 commands: ls, du, stat, cat, cp, rm, presign. Listings
 * print page by page in scripted mode (-o tsv), so memory stays bounded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/http.h"
#include "backends/s3.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/options.h"
#include "core/secret.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"

#include "plugins/s3/s3-cmd.h"

/* Free a run and what it holds. */
void
s3cmd_free(struct s3_run *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (r->op != NULL)
		s3_op_cancel(r->op);
	s3_free(r->s3);
	if (r->http != NULL)
		http_free(r->http);
	secret_free(r->secret);
	free(r->url);
	free(r->bucket);
	free(r->key);
	free(r->local);
	for (i = 0; i < r->nkeys; i++)
		free(r->keys[i]);
	free(r->keys);
	free(r->keylens);
	if (r->fd >= 0)
		close(r->fd);
	s3copy_free(r->copy);
	free(r);
}

/* Read a key of ~/.aws/credentials for a profile. */
static char *
s3cmd_aws_file(const char *profile, const char *name)
{
	char	*path, line[1024], *v, *k, *e, *out = NULL;
	FILE	*f;
	int	 in = 0;

	if ((v = getenv("AWS_SHARED_CREDENTIALS_FILE")) != NULL)
		path = xstrdup(v);
	else
		path = util_expand_home("~/.aws/credentials");
	f = path != NULL ? fopen(path, "r") : NULL;
	free(path);
	if (f == NULL)
		return (NULL);
	while (out == NULL && fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		k = line + strspn(line, " \t");
		if (*k == '[') {
			e = strchr(k, ']');
			in = e != NULL && (size_t)(e - k - 1) == strlen(profile) &&
			    strncmp(k + 1, profile, strlen(profile)) == 0;
			continue;
		}
		if (!in || (v = strchr(k, '=')) == NULL)
			continue;
		e = v;
		while (e > k && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - k) != strlen(name) || strncmp(k, name, strlen(name)) != 0)
			continue;
		v++;
		v += strspn(v, " \t");
		out = xstrdup(v);
	}
	fclose(f);
	return (out);
}

/* The s3 service (--service or the first of kind s3) and its credentials. */
struct s3_run *
s3cmd_open(struct cmd *c)
{
	const struct inventory		*inv = c->env->inv;
	const struct inv_service	*svc = NULL;
	const struct inv_endpoint	*ep;
	const char			*want = cmd_opt(c, "service"), *user = NULL, *p;
	struct s3_target		 t;
	struct s3_run			*r;
	char				*cause = NULL, *akey = NULL;
	size_t				 i;

	if (cmd_inventory(c) != 0)
		return (NULL);
	inv = c->env->inv;
	for (i = 0; inv != NULL && i < inv->nservices; i++) {
		if (want != NULL ? strcmp(inv->services[i].name, want) == 0 :
		    strcmp(inv->services[i].kind, "s3") == 0) {
			svc = &inv->services[i];
			break;
		}
	}
	if (svc == NULL || svc->nendpoints == 0) {
		cmd_error(c, CMD_EXIT_USAGE, want != NULL ? "no service named '%s' with an "
		    "endpoint in the inventory" : "no service of kind s3%s in the inventory",
		    want != NULL ? want : "");
		return (NULL);
	}
	r = xcalloc(1, sizeof *r);
	r->cmd = c;
	r->fd = -1;
	ep = &svc->endpoints[0];
	r->url = xprintf("%s://%s%s%s:%s", ep->scheme, strchr(ep->host, ':') ? "[" : "",
	    ep->host, strchr(ep->host, ':') ? "]" : "", ep->port);
	if (svc->user != NULL && svc->secret != NULL) {
		user = svc->user;
		if ((r->secret = secret_resolve(svc->secret, &cause)) == NULL) {
			cmd_error(c, CMD_EXIT_AUTH, "%s: %s", svc->name, cause);
			free(cause);
			s3cmd_free(r);
			return (NULL);
		}
	} else if (getenv("AWS_ACCESS_KEY_ID") != NULL &&
	    getenv("AWS_SECRET_ACCESS_KEY") != NULL) {
		user = getenv("AWS_ACCESS_KEY_ID");
		r->secret = xstrdup(getenv("AWS_SECRET_ACCESS_KEY"));
	} else {
		p = getenv("AWS_PROFILE") != NULL ? getenv("AWS_PROFILE") : "default";
		akey = s3cmd_aws_file(p, "aws_access_key_id");
		r->secret = s3cmd_aws_file(p, "aws_secret_access_key");
		user = akey;
		if (akey == NULL || r->secret == NULL) {
			cmd_error(c, CMD_EXIT_AUTH, "%s: no credentials (user and secret in "
			    "the inventory, AWS_ACCESS_KEY_ID, or ~/.aws/credentials)", svc->name);
			free(akey);
			s3cmd_free(r);
			return (NULL);
		}
	}
	memset(&t, 0, sizeof t);
	t.name = svc->name;
	t.url = r->url;
	t.region = getenv("AWS_REGION");
	t.access_key = user;
	t.secret_key = r->secret;
	t.ca_file = svc->ca_file;
	t.timeout_ms = svc->timeout_ms > 0 ? svc->timeout_ms : c->env->timeout_ms;
	r->http = http_new(c->env->loop);
	r->s3 = s3_new(c->env->loop, r->http, &t);
	free(akey);
	return (r);
}

/* Parse the s3:// argument into the run. */
int
s3cmd_uri(struct s3_run *r, const char *arg, int need_key)
{
	char *cause = NULL;

	if (s3_parse_uri(arg, &r->bucket, &r->key, &cause) != 0) {
		cmd_error(r->cmd, CMD_EXIT_USAGE, "%s", cause);
		free(cause);
		return (-1);
	}
	if (need_key && *r->key == '\0') {
		cmd_error(r->cmd, CMD_EXIT_USAGE, "%s: no key", arg);
		return (-1);
	}
	return (0);
}

/* Map a backend status onto the exit codes. */
static enum cmd_exit
s3cmd_exit(enum s3_status st)
{
	switch (st) {
	case S3_OK:
		return (CMD_EXIT_OK);
	case S3_ERR_AUTH:
		return (CMD_EXIT_AUTH);
	case S3_ERR_CONNECT:
	case S3_ERR_TIMEOUT:
		return (CMD_EXIT_UNREACHABLE);
	default:
		return (CMD_EXIT_FAIL);
	}
}

/* End the command: the error if any, then free. */
void
s3cmd_end(struct s3_run *r, const struct s3_result *res)
{
	struct cmd *c = r->cmd;

	r->op = NULL;
	if (res != NULL && res->status != S3_OK)
		cmd_error(c, s3cmd_exit(res->status), "%s", res->message);
	c->state = NULL;
	c->cancel = NULL;
	fflush(stdout);
	s3cmd_free(r);
	cmd_finish(c);
}

/* Cancel from the front end (^C, a closed pane). */
void
s3cmd_cancel(struct cmd *c)
{
	struct s3_run *r = c->state;

	c->state = NULL;
	s3cmd_free(r);
}

/* Write a key (or any text) escaped: hostile bytes never reach the terminal. */
static void
s3cmd_print_text(FILE *f, const char *s, size_t len)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "");
	util_sanitize(&b, s, len);
	fwrite(b.data, 1, b.len, f);
	buf_free(&b);
}

/* A listing's columns. */
static void
s3cmd_ls_columns(struct view *v)
{
	view_add_column(v, "key", VIEW_TEXT);
	view_add_column(v, "size", VIEW_BYTES);
	view_add_column(v, "modified", VIEW_TIME);
	view_add_column(v, "etag", VIEW_TEXT);
}

/* One page: printed at once when streaming, else into the view. */
static int
s3cmd_ls_page(const struct s3_page *pg, void *arg)
{
	struct s3_run	*r = arg;
	struct view	*v = r->cmd->view;
	size_t		 i, row;
	char		*k;

	for (i = 0; i < pg->n; i++) {
		const struct s3_object *o = &pg->objects[i];

		r->objects++;
		r->bytes += o->size;
		if (r->du)
			continue;
		if (r->stream) {
			if (r->bucket == NULL)
				fputs("s3://", stdout);
			s3cmd_print_text(stdout, o->key, o->keylen);
			if (o->is_prefix)
				printf("\t\t\t\n");
			else
				printf("\t%llu\t%lld\t%s\n", (unsigned long long)o->size,
				    (long long)o->mtime, o->etag != NULL ? o->etag : "");
			continue;
		}
		row = view_add_row(v);
		k = xstrndup(o->key, o->keylen);	/* the printers escape it */
		view_set_text(v, row, 0, k);
		free(k);
		if (!o->is_prefix) {
			view_set_num(v, row, 1, (int64_t)o->size);
			if (o->mtime != 0)
				view_set_num(v, row, 2, o->mtime);
			if (o->etag != NULL)
				view_set_text(v, row, 3, o->etag);
		}
	}
	if (r->stream && fflush(stdout) != 0)
		return (-1);	/* a closed pipe stops the listing */
	return (0);
}

/* The listing ended: du's one row. */
static void
s3cmd_ls_done(const struct s3_result *res, void *arg)
{
	struct s3_run	*r = arg;
	struct view	*v = r->cmd->view;
	size_t		 row;

	if (r->du && res->status == S3_OK) {
		row = view_add_row(v);
		view_set_num(v, row, 0, (int64_t)r->objects);
		view_set_num(v, row, 1, (int64_t)r->bytes);
	}
	s3cmd_end(r, res);
}

/* Scripted mode with -o tsv (or the default off a terminal) streams. */
static int
s3cmd_streams(struct cmd *c)
{
	const char *o = cmd_opt(c, "output");

	if ((c->env->flags & CMD_ENV_BATCH) || c->env->confirm != NULL)
		return (0);
	if (o == NULL)
		o = options_get("output");
	return (o != NULL && strcmp(o, "tsv") == 0);
}

/* s3 ls [-r] [s3://bucket/prefix], and s3 du. */
static enum cmd_retval
s3cmd_ls_exec(struct cmd *c)
{
	struct s3_list_options	 o;
	struct s3_run		*r;
	int			 du = strcmp(c->entry->name, "s3 du") == 0;

	if ((r = s3cmd_open(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	r->du = du;
	if (c->argc > 0 && s3cmd_uri(r, c->argv[0], 0) != 0) {
		s3cmd_free(r);
		return (CMD_RETURN_NORMAL);
	}
	r->stream = !du && s3cmd_streams(c);
	if (!r->stream) {
		c->view = view_new(du ? "S3 usage" : r->bucket == NULL ? "Buckets" : "Objects");
		if (du) {
			view_add_column(c->view, "objects", VIEW_NUMBER);
			view_add_column(c->view, "bytes", VIEW_BYTES);
		} else
			s3cmd_ls_columns(c->view);
	}
	memset(&o, 0, sizeof o);
	o.prefix = r->key;
	o.delimiter = du || cmd_flag(c, "recursive") ? NULL : "/";
	if (r->bucket == NULL)
		r->op = s3_list_buckets(r->s3, s3cmd_ls_page, s3cmd_ls_done, r);
	else
		r->op = s3_list(r->s3, r->bucket, &o, s3cmd_ls_page, s3cmd_ls_done, r);
	c->state = r;
	c->cancel = s3cmd_cancel;
	return (CMD_RETURN_WAIT);
}

/* HEAD answered: one row. */
static void
s3cmd_stat_done(const struct s3_result *res, void *arg)
{
	struct s3_run	*r = arg;
	struct view	*v;
	const struct s3_object *o = res->object;
	size_t		 row;

	if (res->status == S3_OK && o != NULL) {
		v = r->cmd->view = view_new("Object");
		view_add_column(v, "key", VIEW_TEXT);
		view_add_column(v, "size", VIEW_BYTES);
		view_add_column(v, "modified", VIEW_TIME);
		view_add_column(v, "etag", VIEW_TEXT);
		view_add_column(v, "content_type", VIEW_TEXT);
		row = view_add_row(v);
		view_set_text(v, row, 0, r->key);
		view_set_num(v, row, 1, (int64_t)o->size);
		if (o->mtime != 0)
			view_set_num(v, row, 2, o->mtime);
		if (o->etag != NULL)
			view_set_text(v, row, 3, o->etag);
		if (o->content_type != NULL)
			view_set_text(v, row, 4, o->content_type);
	}
	s3cmd_end(r, res);
}

/* s3 stat s3://bucket/key */
static enum cmd_retval
s3cmd_stat_exec(struct cmd *c)
{
	struct s3_run *r;

	if ((r = s3cmd_open(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	if (s3cmd_uri(r, c->argv[0], 1) != 0) {
		s3cmd_free(r);
		return (CMD_RETURN_NORMAL);
	}
	r->op = s3_head(r->s3, r->bucket, r->key, strlen(r->key), s3cmd_stat_done, r);
	c->state = r;
	c->cancel = s3cmd_cancel;
	return (CMD_RETURN_WAIT);
}

/* GET bytes: to stdout (cat) or the local file (cp). */
int
s3cmd_get_data(const char *p, size_t len, void *arg)
{
	struct s3_run	*r = arg;
	ssize_t		 n;

	if (r->fd < 0)
		return (fwrite(p, 1, len, stdout) == len ? 0 : -1);
	while (len > 0) {
		if ((n = write(r->fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Progress of cp on stderr when it is a terminal. */
void
s3cmd_progress(uint64_t done, uint64_t total, void *arg)
{
	char a[32], b[32];

	if (!isatty(STDERR_FILENO))
		return;
	util_format_bytes(a, sizeof a, (int64_t)done);
	util_format_bytes(b, sizeof b, (int64_t)total);
	fprintf(stderr, "\r%s / %s ", a, b);
}

/* A transfer ended. */
static void
s3cmd_xfer_done(const struct s3_result *res, void *arg)
{
	struct s3_run *r = arg;

	if (isatty(STDERR_FILENO) && r->fd >= -1)
		fputc('\n', stderr);
	if (res->status == S3_OK && r->local != NULL)
		cmd_message(r->cmd, "copied %llu bytes",
		    (unsigned long long)res->count);
	if (res->status != S3_OK && r->fd >= 0 && r->local != NULL)
		(void)unlink(r->local);
	s3cmd_end(r, res);
}

/* s3 cat [--range A-B] s3://bucket/key */
static enum cmd_retval
s3cmd_cat_exec(struct cmd *c)
{
	struct s3_run	*r;
	const char	*rg = cmd_opt(c, "range");
	unsigned long long a = 0, b = 0;
	uint64_t	 len = 0;

	if (rg != NULL && (sscanf(rg, "%llu-%llu", &a, &b) != 2 || b < a)) {
		cmd_error(c, CMD_EXIT_USAGE, "s3 cat: --range wants FIRST-LAST (bytes)");
		return (CMD_RETURN_NORMAL);
	}
	if (rg != NULL)
		len = b - a + 1;
	if ((r = s3cmd_open(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	if (s3cmd_uri(r, c->argv[0], 1) != 0) {
		s3cmd_free(r);
		return (CMD_RETURN_NORMAL);
	}
	r->op = s3_get(r->s3, r->bucket, r->key, strlen(r->key), a, len, s3cmd_get_data,
	    NULL, s3cmd_xfer_done, r);
	c->state = r;
	c->cancel = s3cmd_cancel;
	return (CMD_RETURN_WAIT);
}

/* s3 cp SRC DST: one object down, or one file up (multipart when large). */
static enum cmd_retval
s3cmd_cp_exec(struct cmd *c)
{
	struct s3_run	*r;
	const char	*src = c->argv[0], *dst = c->argv[1], *base;
	char		*k;

	if ((r = s3cmd_open(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	c->state = r;
	c->cancel = s3cmd_cancel;
	if (cmd_flag(c, "recursive")) {
		if (s3copy_start(r, src, dst) != 0)
			goto fail;
		return (CMD_RETURN_WAIT);
	}
	if (strncmp(src, "s3://", 5) == 0 && strncmp(dst, "s3://", 5) != 0) {
		if (s3cmd_uri(r, src, 1) != 0)
			goto fail;
		r->local = xstrdup(dst);
		if ((r->fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0) {
			cmd_error(c, CMD_EXIT_FAIL, "%s: %s", dst, strerror(errno));
			goto fail;
		}
		r->op = s3_get(r->s3, r->bucket, r->key, strlen(r->key), 0, 0,
		    s3cmd_get_data, s3cmd_progress, s3cmd_xfer_done, r);
		return (CMD_RETURN_WAIT);
	}
	if (strncmp(src, "s3://", 5) != 0 && strncmp(dst, "s3://", 5) == 0) {
		if (s3cmd_uri(r, dst, 0) != 0)
			goto fail;
		if (*r->key == '\0' || r->key[strlen(r->key) - 1] == '/') {
			base = strrchr(src, '/') != NULL ? strrchr(src, '/') + 1 : src;
			k = xprintf("%s%s", r->key, base);
			free(r->key);
			r->key = k;
		}
		r->local = NULL;
		r->fd = -1;
		r->op = s3_put_file(r->s3, r->bucket, r->key, strlen(r->key), src, 0,
		    s3cmd_progress, s3cmd_xfer_done, r);
		return (r->op != NULL || c->state == NULL ? CMD_RETURN_WAIT : CMD_RETURN_WAIT);
	}
	cmd_error(c, CMD_EXIT_USAGE, "s3 cp: one side must be s3:// and the other local");
fail:
	c->state = NULL;
	s3cmd_free(r);
	return (CMD_RETURN_NORMAL);
}

static void	s3cmd_rm_more(struct s3_run *);
static int	s3cmd_rm_page(const struct s3_page *, void *);
static void	s3cmd_rm_listed(const struct s3_result *, void *);

/* A batch was deleted: the next, or the end. */
static void
s3cmd_rm_deleted(const struct s3_result *res, void *arg)
{
	struct s3_run	*r = arg;
	size_t		 i;

	r->op = NULL;
	if (res->status == S3_OK && r->singly && ++r->at < r->nkeys) {
		r->objects += res->count;
		r->op = s3_delete(r->s3, r->bucket, (const char *const *)&r->keys[r->at],
		    &r->keylens[r->at], 1, s3cmd_rm_deleted, r);
		return;
	}
	for (i = 0; i < r->nkeys; i++)
		free(r->keys[i]);
	r->nkeys = 0;
	if (res->status != S3_OK) {
		s3cmd_end(r, res);
		return;
	}
	r->objects += res->count;
	if (r->listing_done == 0 && cmd_flag(r->cmd, "recursive")) {
		/* The batch was full: list again from the start, what is left. */
		struct s3_list_options o;

		memset(&o, 0, sizeof o);
		o.prefix = r->key;
		r->listing_done = 1;
		r->op = s3_list(r->s3, r->bucket, &o, s3cmd_rm_page, s3cmd_rm_listed, r);
		return;
	}
	cmd_message(r->cmd, "deleted %llu objects", (unsigned long long)r->objects);
	s3cmd_end(r, res);
}

/* Collect keys of the listing; delete them all at once at the end. */
static int
s3cmd_rm_page(const struct s3_page *pg, void *arg)
{
	struct s3_run	*r = arg;
	size_t		 i;

	for (i = 0; i < pg->n; i++) {
		if (pg->objects[i].is_prefix)
			continue;
		r->keys = xreallocarray(r->keys, r->nkeys + 1, sizeof *r->keys);
		r->keylens = xreallocarray(r->keylens, r->nkeys + 1, sizeof *r->keylens);
		r->keys[r->nkeys] = xstrndup(pg->objects[i].key, pg->objects[i].keylen);
		r->keylens[r->nkeys++] = pg->objects[i].keylen;
	}
	if (r->nkeys >= 1000) {
		r->listing_done = 0;	/* more may follow */
		return (-1);
	}
	return (0);
}

/* The listing of one batch ended. */
static void
s3cmd_rm_listed(const struct s3_result *res, void *arg)
{
	struct s3_run *r = arg;

	r->op = NULL;
	if (res->status != S3_OK) {
		s3cmd_end(r, res);
		return;
	}
	if (r->nkeys == 0 && r->objects > 0) {
		cmd_message(r->cmd, "deleted %llu objects", (unsigned long long)r->objects);
		s3cmd_end(r, NULL);
		return;
	}
	s3cmd_rm_more(r);
}

/* Delete what was collected. */
static void
s3cmd_rm_more(struct s3_run *r)
{
	size_t i, j;

	if (r->nkeys == 0) {
		cmd_message(r->cmd, "nothing to delete");
		s3cmd_end(r, NULL);
		return;
	}
	/* XML 1.0 cannot carry most control characters: such keys go one by one. */
	r->singly = 0;
	r->at = 0;
	for (i = 0; i < r->nkeys; i++)
		for (j = 0; j < r->keylens[i]; j++)
			if ((unsigned char)r->keys[i][j] < 0x20)
				r->singly = 1;
	r->op = s3_delete(r->s3, r->bucket, (const char *const *)r->keys, r->keylens,
	    r->singly ? 1 : r->nkeys, s3cmd_rm_deleted, r);
}

/* s3 rm [-r] s3://bucket/key-or-prefix */
static enum cmd_retval
s3cmd_rm_exec(struct cmd *c)
{
	struct s3_list_options	 o;
	struct s3_run		*r;

	if ((r = s3cmd_open(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	if (s3cmd_uri(r, c->argv[0], !cmd_flag(c, "recursive")) != 0) {
		s3cmd_free(r);
		return (CMD_RETURN_NORMAL);
	}
	c->state = r;
	c->cancel = s3cmd_cancel;
	if (cmd_flag(c, "recursive")) {
		memset(&o, 0, sizeof o);
		o.prefix = r->key;
		r->listing_done = 1;
		r->op = s3_list(r->s3, r->bucket, &o, s3cmd_rm_page, s3cmd_rm_listed, r);
		return (CMD_RETURN_WAIT);
	}
	r->keys = xcalloc(1, sizeof *r->keys);
	r->keylens = xcalloc(1, sizeof *r->keylens);
	r->keys[0] = xstrdup(r->key);
	r->keylens[0] = strlen(r->key);
	r->nkeys = 1;
	s3cmd_rm_more(r);
	return (CMD_RETURN_WAIT);
}

/* s3 presign [--put] [--expires 1h] s3://bucket/key */
static enum cmd_retval
s3cmd_presign_exec(struct cmd *c)
{
	struct s3_run	*r;
	const char	*e = cmd_opt(c, "expires");
	char		*url, *cause = NULL;
	int		 ms = 3600 * 1000;

	if (e != NULL && util_parse_duration(e, &ms, &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "s3 presign: --expires: %s", cause);
		free(cause);
		return (CMD_RETURN_NORMAL);
	}
	if ((r = s3cmd_open(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	if (s3cmd_uri(r, c->argv[0], 1) == 0) {
		url = s3_presign(r->s3, cmd_flag(c, "put") ? "PUT" : "GET", r->bucket, r->key,
		    strlen(r->key), (long)(ms / 1000), time(NULL), &cause);
		if (url == NULL) {
			cmd_error(c, CMD_EXIT_USAGE, "s3 presign: %s", cause);
			free(cause);
		} else {
			cmd_message(c, "%s", url);
			free(url);
		}
	}
	s3cmd_free(r);
	return (CMD_RETURN_NORMAL);
}

static const struct cmd_entry s3cmd_ls = {
	.name = "s3 ls",
	.args = { "service= recursive|r", 0, 1 },
	.usage = "[-r] [--service NAME] [s3://BUCKET/PREFIX]",
	.help = "List buckets, or the objects under a prefix (-r: recursively).",
	.flags = CMD_INVENTORY,
	.exec = s3cmd_ls_exec,
};
static const struct cmd_entry s3cmd_du = {
	.name = "s3 du",
	.args = { "service=", 1, 1 },
	.usage = "[--service NAME] s3://BUCKET/PREFIX",
	.help = "Count the objects and bytes under a prefix.",
	.flags = CMD_INVENTORY,
	.exec = s3cmd_ls_exec,
};
static const struct cmd_entry s3cmd_stat = {
	.name = "s3 stat",
	.args = { "service=", 1, 1 },
	.usage = "[--service NAME] s3://BUCKET/KEY",
	.help = "Show an object's size, date, ETag and content type.",
	.flags = CMD_INVENTORY,
	.exec = s3cmd_stat_exec,
};
static const struct cmd_entry s3cmd_cat = {
	.name = "s3 cat",
	.args = { "service= range=", 1, 1 },
	.usage = "[--range FIRST-LAST] [--service NAME] s3://BUCKET/KEY",
	.help = "Write an object (or a byte range of it) to stdout.",
	.flags = CMD_INVENTORY,
	.exec = s3cmd_cat_exec,
};
static const struct cmd_entry s3cmd_cp = {
	.name = "s3 cp",
	.args = { "service= recursive|r", 2, 2 },
	.usage = "[-r] [--service NAME] SRC DST",
	.help = "Copy an object or (-r) a prefix to local files, or local files to S3 (multipart, resumable).",
	.flags = CMD_INVENTORY | CMD_CHANGES,
	.exec = s3cmd_cp_exec,
};
static const struct cmd_entry s3cmd_rm = {
	.name = "s3 rm",
	.args = { "service= recursive|r", 1, 1 },
	.usage = "[-r] [--service NAME] s3://BUCKET/KEY",
	.help = "Delete an object, or with -r every object under a prefix.",
	.flags = CMD_INVENTORY | CMD_CHANGES | CMD_DESTRUCTIVE,
	.exec = s3cmd_rm_exec,
};
static const struct cmd_entry s3cmd_presign = {
	.name = "s3 presign",
	.args = { "service= put expires=", 1, 1 },
	.usage = "[--put] [--expires DURATION] [--service NAME] s3://BUCKET/KEY",
	.help = "Print a presigned GET (or PUT) URL, valid 1h by default, at most 7 days.",
	.flags = CMD_INVENTORY,
	.exec = s3cmd_presign_exec,
};

const struct cmd_entry *const s3_commands[] = {
	&s3cmd_ls, &s3cmd_du, &s3cmd_stat, &s3cmd_cat, &s3cmd_cp, &s3cmd_rm,
	&s3cmd_presign, NULL,
};

/*
 * The S3 pane: the buckets of an S3 service of the inventory, then the
 * prefixes of a bucket as folders (delimiter '/') and its objects, listed
 * page by page so the first page shows at once and the rest arrives while
 * the operator reads. Enter opens a bucket or folder, Esc goes up; an
 * object opens in the preview (tui/pane-s3-preview.c); transfers and
 * deletes are the commands of tui/pane-s3-cmd.c.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/http.h"
#include "backends/s3.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/secret.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/keys.h"
#include "tui/pane-s3.h"

/* Columns of an object listing; the buckets have name and created only. */
enum {
	S3_COL_NAME,
	S3_COL_SIZE,
	S3_COL_MODIFIED,
	S3_COL_ETAG,
	S3_COL_CLASS,
};

/* The S3 pane's state, wherever the command comes from (the preview too). */
struct s3pane *
s3_pane(struct tui *t)
{
	size_t	i;

	for (i = 0; t != NULL && i < t->npanes; i++) {
		if (t->panes[i].type == &pane_s3)
			return (t->panes[i].data);
	}
	return (NULL);
}

char *
s3_pane_location(const struct s3pane *st, const char *key)
{
	if (st->bucket == NULL)
		return (xprintf("s3://%s", key != NULL ? key : ""));
	return (xprintf("s3://%s/%s", st->bucket, key != NULL ? key : st->prefix));
}

void
s3_item_free(struct s3_item *it)
{
	free(it->key);
	it->key = NULL;
}

/* ------------------------------------------------------------ connection */

static void
s3_pane_disconnect(struct s3pane *st)
{
	if (st->list != NULL)
		s3_op_cancel(st->list);
	st->list = NULL;
	if (st->get != NULL)
		s3_op_cancel(st->get);
	st->get = NULL;
	s3_job_free(st);
	if (st->s3 != NULL)
		s3_free(st->s3);
	st->s3 = NULL;
	if (st->secret != NULL)
		secret_free(st->secret);
	st->secret = NULL;
	free(st->service);
	st->service = NULL;
}

/*
 * Connect to an S3 service of the inventory (the first one when none is
 * named). The access key is the service's user, the secret its reference;
 * AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY fill in what it leaves out.
 */
int
s3_pane_connect(struct tui *t, struct s3pane *st, const char *service, char **cause)
{
	struct cmd_env			*env = t->env;
	const struct inv_service	*svc = NULL;
	const struct inv_endpoint	*ep;
	struct s3_target		 tg;
	const char			*region, *user;
	char				*url;
	size_t				 i;

	if (env->inv == NULL) {
		if (env->inv_path == NULL)
			env->inv_path = inventory_default_path();
		if ((env->inv = inventory_load(env->inv_path, 0, cause)) == NULL)
			return (-1);
	}
	for (i = 0; i < env->inv->nservices; i++) {
		const struct inv_service *s = &env->inv->services[i];

		if (service != NULL ? strcmp(s->name, service) == 0 :
		    (strcmp(s->kind, "s3") == 0 || strcmp(s->kind, "minio") == 0)) {
			svc = s;
			break;
		}
	}
	if (svc == NULL) {
		if (service != NULL)
			xasprintf(cause, "no service '%s' in the inventory", service);
		else
			xasprintf(cause, "no S3 service in the inventory");
		return (-1);
	}
	if (strcmp(svc->kind, "s3") != 0 && strcmp(svc->kind, "minio") != 0) {
		xasprintf(cause, "%s is a %s service, not S3", svc->name, svc->kind);
		return (-1);
	}
	if (st->service != NULL && strcmp(st->service, svc->name) == 0)
		return (0);
	if (svc->nendpoints == 0) {
		xasprintf(cause, "%s has no endpoint", svc->name);
		return (-1);
	}
	s3_pane_disconnect(st);
	ep = &svc->endpoints[0];
	user = svc->user != NULL ? svc->user : ep->user != NULL ? ep->user :
	    getenv("AWS_ACCESS_KEY_ID");
	if (svc->secret != NULL) {
		if ((st->secret = secret_resolve(svc->secret, cause)) == NULL)
			return (-1);
	} else if (getenv("AWS_SECRET_ACCESS_KEY") != NULL)
		st->secret = xstrdup(getenv("AWS_SECRET_ACCESS_KEY"));
	if (user == NULL || st->secret == NULL) {
		xasprintf(cause, "%s: no access key or secret (user and secret in the"
		    " inventory, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)", svc->name);
		s3_pane_disconnect(st);
		return (-1);
	}
	if ((region = getenv("AWS_REGION")) == NULL)
		region = getenv("AWS_DEFAULT_REGION");
	url = xprintf("%s://%s:%s", ep->scheme, ep->host, ep->port);
	memset(&tg, 0, sizeof tg);
	tg.name = svc->name;
	tg.url = url;
	tg.region = region;
	tg.access_key = user;
	tg.secret_key = st->secret;
	tg.ca_file = svc->ca_file;
	tg.timeout_ms = svc->timeout_ms;
	st->s3 = s3_new(env->loop, st->http, &tg);
	free(url);
	st->service = xstrdup(svc->name);
	free(st->why);
	st->why = NULL;
	return (0);
}

/* ------------------------------------------------------------ listing */

static struct view *
s3_pane_view_new(struct s3pane *st)
{
	struct view	*v;
	char		*title = s3_pane_location(st, NULL);

	v = view_new(title);
	free(title);
	view_add_column(v, "name", VIEW_TEXT);
	if (st->bucket == NULL) {
		view_add_column(v, "created", VIEW_TIME);
		return (v);
	}
	view_add_column(v, "size", VIEW_BYTES);
	view_add_column(v, "modified", VIEW_TIME);
	view_add_column(v, "etag", VIEW_TEXT);
	view_add_column(v, "class", VIEW_TEXT);
	return (v);
}

/* Each page's rows go to the view shown; the widget takes them in when drawn. */
static int
s3_pane_page(const struct s3_page *pg, void *arg)
{
	struct s3pane		*st = arg;
	struct view		*v = st->pane->own;
	const struct s3_object	*o;
	size_t			 i, row, plen = strlen(st->prefix);
	char			*name;

	if (v == NULL)
		return (-1);
	for (i = 0; i < pg->n; i++) {
		o = &pg->objects[i];
		if (st->bucket != NULL && !o->is_prefix && o->keylen == plen)
			continue;	/* the folder's own marker object */
		if (st->bucket != NULL && o->keylen >= plen)
			name = xstrndup(o->key + plen, o->keylen - plen);
		else
			name = xstrndup(o->key, o->keylen);
		row = view_add_row(v);
		view_set_text(v, row, S3_COL_NAME, name);
		if (st->select != NULL && strcmp(name, st->select) == 0) {
			table_model_changed(&st->pane->table.model, 0);
			table_model_move_to(&st->pane->table.model, row);
			free(st->select);
			st->select = NULL;
		}
		free(name);
		if (st->bucket == NULL) {
			if (o->mtime != 0)
				view_set_num(v, row, 1, o->mtime);
			continue;
		}
		if (o->is_prefix) {
			/* Blank, not "not known yet": a folder has no size or date. */
			view_set_text(v, row, S3_COL_SIZE, "");
			view_set_text(v, row, S3_COL_MODIFIED, "");
			view_set_text(v, row, S3_COL_ETAG, "");
			view_set_text(v, row, S3_COL_CLASS, "");
			continue;
		}
		view_set_num(v, row, S3_COL_SIZE, (int64_t)o->size);
		if (o->mtime != 0)
			view_set_num(v, row, S3_COL_MODIFIED, o->mtime);
		if (o->etag != NULL)
			view_set_text(v, row, S3_COL_ETAG, o->etag);
		if (o->storage_class != NULL)
			view_set_text(v, row, S3_COL_CLASS, o->storage_class);
	}
	st->pages = pg->page_no + 1;
	tui_self->dirty = 1;
	return (0);
}

static void
s3_pane_listed(const struct s3_result *res, void *arg)
{
	struct s3pane	*st = arg;

	st->list = NULL;
	free(st->list_error);
	st->list_error = NULL;
	if (res->status != S3_OK)
		st->list_error = xstrdup(res->message != NULL ? res->message : "failed");
	free(st->select);
	st->select = NULL;
	tui_self->dirty = 1;
}

/* Show a bucket's folder (bucket NULL: the buckets), listing it from the start. */
void
s3_pane_go(struct tui *t, struct s3pane *st, const char *bucket, const char *prefix,
    const char *select)
{
	struct s3_list_options	 opt;
	char			*b = bucket != NULL ? xstrdup(bucket) : NULL;
	char			*p = xstrdup(bucket != NULL && prefix != NULL ? prefix : "");

	if (st->list != NULL)
		s3_op_cancel(st->list);
	st->list = NULL;
	free(st->bucket);
	free(st->prefix);
	st->bucket = b;
	st->prefix = p;
	free(st->select);
	st->select = select != NULL ? xstrdup(select) : NULL;
	free(st->list_error);
	st->list_error = NULL;
	st->pages = 0;
	pane_set_view(t, st->pane, s3_pane_view_new(st));
	if (st->s3 == NULL)
		return;
	st->started = loop_now(t->env->loop);
	if (st->bucket == NULL) {
		st->list = s3_list_buckets(st->s3, s3_pane_page, s3_pane_listed, st);
		return;
	}
	memset(&opt, 0, sizeof opt);
	opt.prefix = *st->prefix != '\0' ? st->prefix : NULL;
	opt.delimiter = "/";
	st->list = s3_list(st->s3, st->bucket, &opt, s3_pane_page, s3_pane_listed, st);
}

void
s3_pane_reload(struct tui *t, struct s3pane *st)
{
	char	*b = st->bucket != NULL ? xstrdup(st->bucket) : NULL;
	char	*p = xstrdup(st->prefix != NULL ? st->prefix : "");
	size_t	 r = table_current(&st->pane->table);
	char	*sel = NULL;

	if (r != SIZE_MAX && st->pane->own != NULL &&
	    view_cell(st->pane->own, r, S3_COL_NAME)->text != NULL)
		sel = xstrdup(view_cell(st->pane->own, r, S3_COL_NAME)->text);
	s3_pane_go(t, st, b, p, sel);
	free(sel);
	free(b);
	free(p);
}

/* Up a level: the parent folder, the buckets, then back out of the pane (-1). */
int
s3_pane_up(struct tui *t, struct s3pane *st)
{
	char	*b, *p, *sel, *slash;
	size_t	 len;

	if (table_filtered(&st->pane->table)) {
		table_filter(&st->pane->table, "", NULL);
		t->dirty = 1;
		return (0);
	}
	if (st->bucket == NULL)
		return (-1);
	b = xstrdup(st->bucket);
	p = xstrdup(st->prefix);
	if (*p == '\0') {
		s3_pane_go(t, st, NULL, NULL, b);
		free(b);
		free(p);
		return (0);
	}
	/* "a/b/c/": the parent is "a/b/", the row to land on "c/". */
	len = strlen(p);
	p[len - 1] = '\0';
	slash = strrchr(p, '/');
	sel = xprintf("%s/", slash != NULL ? slash + 1 : p);
	if (slash != NULL)
		slash[1] = '\0';
	else
		*p = '\0';
	s3_pane_go(t, st, b, p, sel);
	free(sel);
	free(b);
	free(p);
	return (0);
}

int
s3_pane_item(struct s3pane *st, size_t row, struct s3_item *it)
{
	const struct view	*v = st->pane->own;
	const struct view_cell	*name, *size;

	memset(it, 0, sizeof *it);
	if (v == NULL || row == SIZE_MAX || row >= v->nrows || st->bucket == NULL)
		return (0);
	name = view_cell(v, row, S3_COL_NAME);
	size = view_cell(v, row, S3_COL_SIZE);
	if (name->text == NULL)
		return (0);
	it->key = xprintf("%s%s", st->prefix, name->text);
	it->is_prefix = !size->isnum;
	it->size = size->isnum ? (uint64_t)size->num : 0;
	return (1);
}

size_t
s3_pane_selection(struct s3pane *st, struct s3_item **items)
{
	size_t	*rows = NULL, n, i, k = 0;

	*items = NULL;
	n = table_marked(&st->pane->table, &rows);
	if (n == 0) {
		*items = xcalloc(1, sizeof **items);
		if (!s3_pane_item(st, table_current(&st->pane->table), &(*items)[0])) {
			free(*items);
			*items = NULL;
			free(rows);
			return (0);
		}
		free(rows);
		return (1);
	}
	*items = xcalloc(n, sizeof **items);
	for (i = 0; i < n; i++) {
		if (s3_pane_item(st, rows[i], &(*items)[k]))
			k++;
	}
	free(rows);
	return (k);
}

/* ------------------------------------------------------------ preview */

static int
s3_pane_preview_data(const char *data, size_t len, void *arg)
{
	struct s3pane	*st = arg;

	if (st->plen + len > S3_PREVIEW_MAX)
		len = S3_PREVIEW_MAX - st->plen;
	memcpy(st->pbuf + st->plen, data, len);
	st->plen += len;
	return (st->plen >= S3_PREVIEW_MAX ? -1 : 0);
}

static void
s3_pane_preview_done(const struct s3_result *res, void *arg)
{
	struct s3pane	*st = arg;
	char		*key = st->preview_title;

	st->get = NULL;
	if (res->status != S3_OK) {
		free(st->preview.why);
		st->preview.why = xstrdup(res->message != NULL ? res->message : "failed");
		tui_self->dirty = 1;
		return;
	}
	s3_preview_render(tui_self, st, key, NULL);
}

/* p, or Enter on an object: a ranged GET of its first 64 KiB, shown when in. */
int
s3_pane_preview(struct tui *t, struct s3pane *st, char **cause)
{
	struct s3_item	it;

	if (!s3_pane_item(st, table_current(&st->pane->table), &it) || it.is_prefix) {
		s3_item_free(&it);
		xasprintf(cause, "no object under the cursor");
		return (-1);
	}
	if (st->get != NULL)
		s3_op_cancel(st->get);
	st->get = NULL;
	free(st->preview_title);
	st->preview_title = it.key;
	st->psize = it.size;
	st->plen = 0;
	if (st->pbuf == NULL)
		st->pbuf = xmalloc(S3_PREVIEW_MAX);
	free(st->preview.why);
	st->preview.why = NULL;
	pane_set_view(t, &st->preview, NULL);
	st->get = s3_get(st->s3, st->bucket, it.key, strlen(it.key), 0,
	    it.size < S3_PREVIEW_MAX ? 0 : S3_PREVIEW_MAX, s3_pane_preview_data, NULL,
	    s3_pane_preview_done, st);
	if (t->cur != &st->preview)
		tui_show(t, &st->preview, 1);
	return (0);
}

/* ------------------------------------------------------------ the pane */

static void
s3_pane_tick(void *arg)
{
	struct s3pane	*st = arg;

	tui_self->dirty = 1;
	if (st->job != NULL)
		loop_timer_start(&st->tick, 250);
}

static struct s3pane *
s3_pane_state(struct tui *t, struct pane *p)
{
	struct s3pane	*st = p->data;

	if (st != NULL)
		return (st);
	st = xcalloc(1, sizeof *st);
	st->pane = p;
	st->http = http_new(t->env->loop);
	st->prefix = xstrdup("");
	loop_timer_init(&st->tick, t->env->loop, s3_pane_tick, st);
	pane_init(&st->preview, &pane_s3_preview);
	p->data = st;
	return (st);
}

/*
 * Shown: connect on first use, to the service Enter was pressed on in the
 * Overview when that is how it came, else to the first S3 service.
 */
static void
s3_pane_show(struct tui *t, struct pane *p)
{
	static const char *const kinds[] = { "s3", "minio", NULL };
	struct s3pane		*st = s3_pane_state(t, p);
	const char		*want = pane_opened_for(t, kinds);
	char			*cause = NULL;

	if (want == NULL && st->s3 != NULL)
		return;
	if (want != NULL && st->service != NULL && strcmp(want, st->service) == 0)
		return;
	if (s3_pane_connect(t, st, want, &cause) != 0) {
		free(st->why);
		st->why = cause;
		t->dirty = 1;
		return;
	}
	s3_pane_go(t, st, NULL, NULL, NULL);
}

static void
s3_pane_reload_cb(struct tui *t, struct pane *p)
{
	struct s3pane	*st = s3_pane_state(t, p);

	if (st->s3 == NULL)
		s3_pane_show(t, p);
	else
		s3_pane_reload(t, st);
}

/* Enter: into a bucket or folder, or the preview of an object. */
static void
s3_pane_open(struct tui *t, struct pane *p, size_t row)
{
	struct s3pane		*st = s3_pane_state(t, p);
	const struct view_cell	*name;
	struct s3_item		 it;
	char			*cause = NULL, *b;

	if (p->own == NULL || row >= p->own->nrows)
		return;
	name = view_cell(p->own, row, S3_COL_NAME);
	if (name->text == NULL)
		return;
	if (st->bucket == NULL) {
		b = xstrdup(name->text);
		s3_pane_go(t, st, b, "", NULL);
		free(b);
		return;
	}
	if (!s3_pane_item(st, row, &it))
		return;
	if (it.is_prefix)
		s3_pane_go(t, st, st->bucket, it.key, NULL);
	else if (s3_pane_preview(t, st, &cause) != 0) {
		tui_message(t, THEME_ERROR, "%s", cause);
		free(cause);
	}
	s3_item_free(&it);
}

/* Backspace's other codes (127, C-h) run the pane's BSpace binding, not the global one. */
static int
s3_pane_key(struct tui *t, struct pane *p, int key)
{
	const char	*line;

	(void)p;
	if ((key != 127 && key != 8) || (line = keys_lookup("S3", KEY_BACKSPACE)) == NULL)
		return (0);
	tui_run_line(t, line);
	return (1);
}

/* The footer: how many rows, and whether more are arriving. */
static void
s3_pane_draw_footer(struct tui *t, struct s3pane *st, int y)
{
	const struct view	*v = st->pane->own;
	char			 line[256], *job;
	size_t			 n = v != NULL ? v->nrows : 0, marked;
	int			 x = 0;

	attrset(theme_attr(THEME_MUTED));
	mvhline(y, 0, ' ', COLS);
	marked = table_marked(&st->pane->table, NULL);
	snprintf(line, sizeof line, "%zu %s%s", n, st->bucket == NULL ? "bucket" : "entr",
	    st->bucket == NULL ? (n == 1 ? "" : "s") : (n == 1 ? "y" : "ies"));
	if (marked > 0)
		snprintf(line + strlen(line), sizeof line - strlen(line), ", %zu marked",
		    marked);
	if (st->list != NULL)
		snprintf(line + strlen(line), sizeof line - strlen(line),
		    ", more arriving (page %llu)", (unsigned long long)st->pages + 1);
	if ((job = s3_job_status(t, st)) != NULL) {
		attrset(theme_attr(THEME_WARN));
		x = table_put_text_at(y, 0, job, COLS - (int)strlen(line) - 3) + 2;
		free(job);
		attrset(theme_attr(THEME_MUTED));
	}
	if (COLS - (int)strlen(line) - 1 > x)
		mvaddstr(y, COLS - (int)strlen(line) - 1, line);
	attrset(A_NORMAL);
}

static void
s3_pane_draw(struct tui *t, struct pane *p, int y, int h)
{
	struct s3pane	*st = s3_pane_state(t, p);
	char		*loc;

	attrset(theme_attr(THEME_TITLE));
	mvhline(y, 0, ' ', COLS);
	move(y, 0);
	loc = s3_pane_location(st, NULL);
	table_put_text(" ", 1);
	table_put_text(st->service != NULL ? st->service : "(no S3 service)", COLS / 3);
	table_put_text("  ", 2);
	table_put_text(loc, COLS - getcurx(stdscr) - 1);
	free(loc);
	attrset(A_NORMAL);
	if (h < 3)
		return;
	if (p->own != NULL && p->own->nrows > 0) {
		table_draw(&p->table, y + 1, 0, h - 2, COLS);
	} else {
		attrset(theme_attr(st->why != NULL || st->list_error != NULL ? THEME_ERROR :
		    THEME_MUTED));
		if (st->why != NULL)
			table_put_text_at(y + 2, 2, st->why, COLS - 3);
		else if (st->list_error != NULL)
			table_put_text_at(y + 2, 2, st->list_error, COLS - 3);
		else if (st->list != NULL)
			mvaddnstr(y + 2, 2, "listing...", COLS - 3);
		else
			mvaddnstr(y + 2, 2, st->bucket == NULL ? "No buckets." :
			    "Nothing here.", COLS - 3);
		attrset(A_NORMAL);
	}
	if (p->own != NULL && p->own->nrows > 0 && st->list_error != NULL) {
		attrset(theme_attr(THEME_ERROR));
		table_put_text_at(y + h - 2, 0, st->list_error, COLS - 1);
		attrset(A_NORMAL);
	}
	s3_pane_draw_footer(t, st, y + h - 1);
}

static void
s3_pane_free(struct pane *p)
{
	struct s3pane	*st = p->data;

	if (st == NULL)
		return;
	s3_pane_disconnect(st);
	loop_timer_stop(&st->tick);
	http_free(st->http);
	pane_free(&st->preview);
	free(st->preview_title);
	free(st->pbuf);
	free(st->bucket);
	free(st->prefix);
	free(st->select);
	free(st->list_error);
	free(st->why);
	free(st);
	p->data = NULL;
}

static const char *const pane_s3_kinds[] = { "s3", "minio", NULL };

const struct pane_type pane_s3 = {
	.name = "S3",
	.kinds = pane_s3_kinds,
	.empty = "No S3 storage in the inventory.",
	.hints = "Enter open  p preview  d download  u upload  D delete  U du  y link",
	.show = s3_pane_show,
	.reload = s3_pane_reload_cb,
	.open = s3_pane_open,
	.free = s3_pane_free,
	.draw = s3_pane_draw,
	.key = s3_pane_key,
};

/*
 * A view kept current from an informer one row at a time: 10,000 pods and
 * a watch event changes one row, found through an open-addressing hash of
 * namespace/name (linear probing, the rows' own cells are the keys). A
 * deleted object's row is filled with the last row, so the view stays dense.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/pane-spark.h"

#define SPARK_ROWS_GONE	SIZE_MAX	/* a slot whose row was deleted */

void
spark_rows_init(struct spark_rows *sr, struct pane *p,
    void (*fill)(struct view *, size_t, json_t *))
{
	memset(sr, 0, sizeof *sr);
	sr->pane = p;
	sr->fill = fill;
	sr->changed = SIZE_MAX;
}

void
spark_rows_free(struct spark_rows *sr)
{
	free(sr->keep_ns);
	free(sr->keep_name);
	sr->keep_ns = sr->keep_name = NULL;
	free(sr->slots);
	sr->slots = NULL;
	sr->nslots = sr->used = 0;
}

/* FNV-1a of namespace/name: the key of a row. */
static size_t
spark_rows_hash(const char *ns, const char *name)
{
	uint64_t	h = 14695981039346656037ULL;
	const char	*s;

	for (s = ns != NULL ? ns : ""; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ '/') * 1099511628211ULL;
	for (s = name != NULL ? name : ""; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return ((size_t)h);
}

/* A view row's key cells. */
static void
spark_rows_key(const struct view *v, size_t row, const char **ns, const char **name)
{
	ssize_t	nc = view_column_index(v, "namespace"), mc = view_column_index(v, "name");

	*ns = nc >= 0 ? view_cell(v, row, (size_t)nc)->text : NULL;
	*name = mc >= 0 ? view_cell(v, row, (size_t)mc)->text : NULL;
	if (*ns == NULL)
		*ns = "";
	if (*name == NULL)
		*name = "";
}

/* The slot holding a key's row, or the empty slot where it would go. */
static size_t
spark_rows_slot(const struct spark_rows *sr, const char *ns, const char *name,
    int *found)
{
	const struct view	*v = sr->pane->own;
	const char		*rns, *rname;
	size_t			 i, s, mask = sr->nslots - 1, tomb = SIZE_MAX;

	*found = 0;
	for (i = spark_rows_hash(ns, name) & mask; ; i = (i + 1) & mask) {
		s = sr->slots[i];
		if (s == 0)
			return (tomb != SIZE_MAX ? tomb : i);
		if (s == SPARK_ROWS_GONE) {
			if (tomb == SIZE_MAX)
				tomb = i;
			continue;
		}
		spark_rows_key(v, s - 1, &rns, &rname);
		if (strcmp(rns, ns) == 0 && strcmp(rname, name) == 0) {
			*found = 1;
			return (i);
		}
	}
}

/* Index every row again in a table twice the rows (and at least 64 slots). */
static void
spark_rows_rehash(struct spark_rows *sr)
{
	const struct view	*v = sr->pane->own;
	const char		*ns, *name;
	size_t			 n = 64, r, slot;
	int			 found;

	while (n < (v != NULL ? v->nrows : 0) * 2 + 64)
		n *= 2;
	free(sr->slots);
	sr->slots = xcalloc(n, sizeof *sr->slots);
	sr->nslots = n;
	sr->used = 0;
	for (r = 0; v != NULL && r < v->nrows; r++) {
		spark_rows_key(v, r, &ns, &name);
		slot = spark_rows_slot(sr, ns, name, &found);
		sr->slots[slot] = r + 1;
		sr->used++;
	}
}

void
spark_rows_reset(struct tui *t, struct spark_rows *sr, struct view *v)
{
	pane_set_view(t, sr->pane, v);
	spark_rows_rehash(sr);
	sr->changed = SIZE_MAX;
}

ssize_t
spark_rows_find(const struct spark_rows *sr, const char *ns, const char *name)
{
	size_t	slot;
	int	found;

	if (sr->slots == NULL || sr->pane->own == NULL)
		return (-1);
	slot = spark_rows_slot(sr, ns != NULL ? ns : "", name != NULL ? name : "", &found);
	return (found ? (ssize_t)(sr->slots[slot] - 1) : -1);
}

static void
spark_rows_touch(struct spark_rows *sr, size_t row)
{
	if (sr->changed == SIZE_MAX || row < sr->changed)
		sr->changed = row;
	tui_self->dirty = 1;
}

static void
spark_rows_obj_key(json_t *obj, const char **ns, const char **name)
{
	json_t	*md = json_object_get(obj, "metadata");

	*ns = json_string_value(json_object_get(md, "namespace"));
	*name = json_string_value(json_object_get(md, "name"));
	if (*ns == NULL)
		*ns = "";
	if (*name == NULL)
		*name = "";
}

/* An added or modified object: its row filled again, or a new row at the end. */
void
spark_rows_put(struct spark_rows *sr, json_t *obj)
{
	struct view	*v = sr->pane->own;
	const char	*ns, *name;
	size_t		 slot, row;
	int		 found;

	if (v == NULL)
		return;
	if (sr->slots == NULL || (sr->used + 1) * 2 > sr->nslots)
		spark_rows_rehash(sr);
	spark_rows_obj_key(obj, &ns, &name);
	slot = spark_rows_slot(sr, ns, name, &found);
	if (found)
		row = sr->slots[slot] - 1;
	else {
		row = view_add_row(v);
		if (sr->slots[slot] == 0)
			sr->used++;
		sr->slots[slot] = row + 1;
	}
	sr->fill(v, row, obj);
	spark_rows_touch(sr, row);
}

/* A deleted object: the last row takes its place. */
void
spark_rows_remove(struct spark_rows *sr, json_t *obj)
{
	struct view	*v = sr->pane->own;
	const char	*ns, *name;
	size_t		 slot, row, last, c, cur;
	int		 found;

	if (v == NULL || sr->slots == NULL)
		return;
	spark_rows_obj_key(obj, &ns, &name);
	slot = spark_rows_slot(sr, ns, name, &found);
	if (!found)
		return;
	row = sr->slots[slot] - 1;
	last = v->nrows - 1;
	/* Rows move: remember the cursor's object to put the cursor back on it. */
	cur = table_model_current(&sr->pane->table.model);
	if (sr->keep_name == NULL && cur != SIZE_MAX && cur < v->nrows && cur != row) {
		spark_rows_key(v, cur, &ns, &name);
		sr->keep_ns = xstrdup(ns);
		sr->keep_name = xstrdup(name);
	}
	sr->slots[slot] = SPARK_ROWS_GONE;
	for (c = 0; c < v->ncols; c++)
		free(v->cells[row * v->ncols + c].text);
	if (row != last) {
		memcpy(&v->cells[row * v->ncols], &v->cells[last * v->ncols],
		    v->ncols * sizeof *v->cells);
		spark_rows_key(v, row, &ns, &name);
		slot = spark_rows_slot(sr, ns, name, &found);
		if (found)
			sr->slots[slot] = row + 1;
	}
	v->nrows--;
	spark_rows_touch(sr, 0);	/* the model counts rows again */
}

/* After a (re)list: the store's objects, the rows of ones gone removed. */
void
spark_rows_load(struct spark_rows *sr, struct kube_informer *inf)
{
	struct view	*v = sr->pane->own;
	const char	*ns, *name;
	size_t		 i, n = kube_informer_size(inf), r;

	if (v == NULL)
		return;
	for (r = v->nrows; r > 0; r--) {
		spark_rows_key(v, r - 1, &ns, &name);
		if (kube_informer_get(inf, ns, name) == NULL) {
			json_t *gone = json_pack("{s{s:s,s:s}}", "metadata", "namespace", ns,
			    "name", name);

			spark_rows_remove(sr, gone);
			json_decref(gone);
		}
	}
	for (i = 0; i < n; i++)
		spark_rows_put(sr, kube_informer_at(inf, i));
}

/* Before drawing: the model takes in the rows changed since the last time. */
void
spark_rows_sync(struct spark_rows *sr)
{
	struct table_model	*m = &sr->pane->table.model;
	ssize_t			 row;
	size_t			 pos;

	if (sr->pane->own == NULL)
		return;
	if (sr->changed == SIZE_MAX && m->nrows == sr->pane->own->nrows)
		return;
	table_model_changed(m, sr->changed == SIZE_MAX ? m->nrows : sr->changed);
	sr->changed = SIZE_MAX;
	if (sr->keep_name == NULL)
		return;
	if ((row = spark_rows_find(sr, sr->keep_ns, sr->keep_name)) >= 0 &&
	    table_model_current(m) != (size_t)row) {
		for (pos = 0; pos < m->nshown; pos++)
			if (table_model_row(m, pos) == (size_t)row) {
				table_model_move_to(m, pos);
				break;
			}
	}
	free(sr->keep_ns);
	free(sr->keep_name);
	sr->keep_ns = sr->keep_name = NULL;
}

/*
 * Informers: list a collection in pages, then watch it from the list's
 * resourceVersion so the store stays current without polling. A watch the
 * server closes is reopened from the last version seen (bookmarks keep it
 * recent); a 410 Expired lists again and reports the difference; errors
 * retry with a doubling backoff. client-go's reflector is the model.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/loop.h"
#include "core/xmalloc.h"
#include "backends/kube-int.h"

#define KUBE_INF_LIMIT		500	/* objects per list page */
#define KUBE_INF_TIMEOUT	300	/* watch timeoutSeconds */
#define KUBE_INF_BACKOFF_MIN	500	/* ms */
#define KUBE_INF_BACKOFF_MAX	30000

struct kube_informer {
	struct kube		*kube;
	char			*path;
	char			*selector;	/* escaped labelSelector, or NULL */
	kube_informer_cb	 cb;
	void			*arg;
	kube_transform_cb	 transform;	/* or NULL: objects kept whole */
	void			*transform_arg;

	json_t			*index;		/* "ns/name" -> integer slot */
	json_t			**items;	/* the store, owned references */
	size_t			 nitems;
	size_t			 capitems;
	json_t			*fresh;		/* a list in progress: "ns/name" -> object */

	char			*rv;		/* last resourceVersion seen */
	char			*cont;		/* continue token of the next page */
	struct kube_req		*req;		/* the list page or watch running */
	struct loop_timer	 timer;		/* backoff */
	struct loop_timer	 drain;		/* applies queued watch events */
	json_t			*queue;		/* watch events not applied yet */
	int			 backoff;	/* ms, 0 = none yet */
	int			 timeout_s;	/* watch timeoutSeconds */
	int			 synced;
	int			 watching;
	unsigned		 relists;
	unsigned		 restarts;
	int			 busy;		/* inside a callback */
	int			 stopped;	/* stop was called while busy */
	LIST_ENTRY(kube_informer) entry;
};

static void	kube_informer_list(struct kube_informer *);
static void	kube_informer_watch(struct kube_informer *);

/* "ns/name" of an object, the store's key; NULL without a name. */
static char *
kube_informer_key(json_t *obj)
{
	json_t		*md = json_object_get(obj, "metadata");
	const char	*ns = json_string_value(json_object_get(md, "namespace"));
	const char	*name = json_string_value(json_object_get(md, "name"));

	if (name == NULL)
		return (NULL);
	return (xprintf("%s/%s", ns != NULL ? ns : "", name));
}

/* Calls the user; returns -1 when the informer was stopped meanwhile (and frees it). */
static int
kube_informer_notify(struct kube_informer *inf, enum kube_event ev, json_t *obj,
    const struct kube_error *e)
{
	inf->busy++;
	inf->cb(inf, ev, obj, e, inf->arg);
	inf->busy--;
	if (!inf->stopped)
		return (0);
	if (inf->busy == 0)
		kube_informer_stop(inf);
	return (-1);
}

/* What the store keeps of obj: a new reference. */
static json_t *
kube_informer_keep(struct kube_informer *inf, json_t *obj)
{
	if (inf->transform == NULL)
		return (json_incref(obj));
	return (inf->transform(obj, inf->transform_arg));
}

/* Puts obj (a new reference is taken) in the store; 1 if it replaced one. */
static int
kube_informer_put(struct kube_informer *inf, const char *key, json_t *obj)
{
	json_t	*slot = json_object_get(inf->index, key);
	size_t	 i;

	json_incref(obj);
	if (slot != NULL) {
		i = (size_t)json_integer_value(slot);
		json_decref(inf->items[i]);
		inf->items[i] = obj;
		return (1);
	}
	if (inf->nitems == inf->capitems) {
		inf->capitems = inf->capitems == 0 ? 64 : inf->capitems * 2;
		inf->items = xreallocarray(inf->items, inf->capitems, sizeof *inf->items);
	}
	inf->items[inf->nitems] = obj;
	json_object_set_new(inf->index, key, json_integer((json_int_t)inf->nitems));
	inf->nitems++;
	return (0);
}

/* Takes key out of the store; the caller gets the store's reference, or NULL. */
static json_t *
kube_informer_take(struct kube_informer *inf, const char *key)
{
	json_t	*slot = json_object_get(inf->index, key), *obj, *last;
	size_t	 i;
	char	*lkey;

	if (slot == NULL)
		return (NULL);
	i = (size_t)json_integer_value(slot);
	obj = inf->items[i];
	json_object_del(inf->index, key);
	inf->nitems--;
	if (i != inf->nitems) {
		last = inf->items[inf->nitems];
		inf->items[i] = last;
		if ((lkey = kube_informer_key(last)) != NULL) {
			json_object_set_new(inf->index, lkey, json_integer((json_int_t)i));
			free(lkey);
		}
	}
	return (obj);
}

/* Remembers the newest resourceVersion, from an object or a list. */
static void
kube_informer_set_rv(struct kube_informer *inf, json_t *holder)
{
	const char	*rv = json_string_value(json_object_get(
	    json_object_get(holder, "metadata"), "resourceVersion"));

	if (rv != NULL && *rv != '\0') {
		free(inf->rv);
		inf->rv = xstrdup(rv);
	}
}

/* The next attempt after an error, later each time up to the maximum. */
static void
kube_informer_retry(struct kube_informer *inf)
{
	inf->backoff = inf->backoff == 0 ? KUBE_INF_BACKOFF_MIN : inf->backoff * 2;
	if (inf->backoff > KUBE_INF_BACKOFF_MAX)
		inf->backoff = KUBE_INF_BACKOFF_MAX;
	loop_timer_start(&inf->timer, (uint64_t)inf->backoff);
}

/* Backoff over: watch again when there is a version to watch from, else list. */
static void
kube_informer_timer(void *arg)
{
	struct kube_informer	*inf = arg;

	if (inf->synced && inf->rv != NULL)
		kube_informer_watch(inf);
	else
		kube_informer_list(inf);
}

/* A failed list or watch: tell the user, then retry later. */
static void
kube_informer_error(struct kube_informer *inf, const struct kube_error *e)
{
	if (kube_informer_notify(inf, KUBE_EV_ERROR, NULL, e) != 0)
		return;
	kube_informer_retry(inf);
}

/* Lists again from scratch: after 410 Expired the watch cannot resume. */
static void
kube_informer_relist(struct kube_informer *inf)
{
	inf->relists++;
	inf->synced = 0;
	json_array_clear(inf->queue);
	loop_timer_stop(&inf->drain);
	free(inf->cont);
	inf->cont = NULL;
	kube_informer_list(inf);
}

/* The whole list is in: apply the difference to the store, then SYNCED. */
static void
kube_informer_synced_list(struct kube_informer *inf)
{
	json_t		*fresh = inf->fresh, *obj, *old;
	const char	*key, *orv, *nrv;
	char		*k;
	void		*tmp;
	size_t		 i;

	inf->fresh = NULL;
	for (i = inf->nitems; i-- > 0;) {
		if (i >= inf->nitems || (k = kube_informer_key(inf->items[i])) == NULL)
			continue;
		if (json_object_get(fresh, k) == NULL) {
			old = kube_informer_take(inf, k);
			if (kube_informer_notify(inf, KUBE_EV_DELETED, old, NULL) != 0) {
				json_decref(old);
				free(k);
				json_decref(fresh);
				return;
			}
			json_decref(old);
		}
		free(k);
	}
	json_object_foreach_safe(fresh, tmp, key, obj) {
		old = json_object_get(inf->index, key) != NULL ? inf->items[
		    json_integer_value(json_object_get(inf->index, key))] : NULL;
		if (old != NULL) {
			orv = json_string_value(json_object_get(json_object_get(old,
			    "metadata"), "resourceVersion"));
			nrv = json_string_value(json_object_get(json_object_get(obj,
			    "metadata"), "resourceVersion"));
			if (orv != NULL && nrv != NULL && strcmp(orv, nrv) == 0)
				continue;
		}
		kube_informer_put(inf, key, obj);
		if (kube_informer_notify(inf, old != NULL ? KUBE_EV_MODIFIED :
		    KUBE_EV_ADDED, obj, NULL) != 0) {
			json_decref(fresh);
			return;
		}
	}
	json_decref(fresh);
	inf->synced = 1;
	if (kube_informer_notify(inf, KUBE_EV_SYNCED, NULL, NULL) != 0)
		return;
	kube_informer_watch(inf);
}

/* One page of the list arrived. */
static void
kube_informer_listed(struct kube_req *r, const struct kube_error *e, json_t *body,
    void *arg)
{
	struct kube_informer	*inf = arg;
	json_t			*items, *obj;
	const char		*cont;
	char			*key;
	size_t			 i;

	(void)r;
	inf->req = NULL;
	if (e != NULL) {
		json_decref(inf->fresh);
		inf->fresh = NULL;
		free(inf->cont);
		inf->cont = NULL;
		if (e->status == 410) {		/* the continue token expired */
			kube_informer_relist(inf);
			return;
		}
		kube_informer_error(inf, e);
		return;
	}
	items = json_object_get(body, "items");
	json_array_foreach(items, i, obj) {
		if ((key = kube_informer_key(obj)) != NULL) {
			json_object_set_new(inf->fresh, key, kube_informer_keep(inf, obj));
			free(key);
		}
	}
	free(inf->cont);
	inf->cont = NULL;
	cont = json_string_value(json_object_get(json_object_get(body, "metadata"),
	    "continue"));
	if (cont != NULL && *cont != '\0') {
		inf->cont = kube_escape(cont);
		kube_informer_list(inf);
		return;
	}
	kube_informer_set_rv(inf, body);
	inf->backoff = 0;
	kube_informer_synced_list(inf);
}

/* Lists one page (the first, or the one inf->cont names). */
static void
kube_informer_list(struct kube_informer *inf)
{
	struct buf	 p;

	inf->watching = 0;
	if (inf->cont == NULL) {
		json_decref(inf->fresh);
		inf->fresh = json_object();
	}
	buf_init(&p);
	buf_printf(&p, "%s%climit=%d", inf->path, strchr(inf->path, '?') ? '&' : '?',
	    KUBE_INF_LIMIT);
	if (inf->selector != NULL)
		buf_printf(&p, "&labelSelector=%s", inf->selector);
	if (inf->cont != NULL)
		buf_printf(&p, "&continue=%s", inf->cont);
	inf->req = kube_get(inf->kube, p.data, kube_informer_listed, inf);
	buf_free(&p);
}

/*
 * A watch line arrives inside curl's write callback, where no request may
 * start or stop: queue it, and apply the queue from a timer (or from the
 * watch's done callback) where callbacks may do anything.
 */
static int
kube_informer_line(const char *line, size_t len, void *arg)
{
	struct kube_informer	*inf = arg;
	json_error_t		 jerr;
	json_t			*ev;

	if (inf->stopped || !inf->watching)
		return (-1);
	if ((ev = json_loadb(line, len, 0, &jerr)) == NULL)
		ev = json_pack("{s:s, s:{s:s}}", "type", "ERROR", "object", "message",
		    "a watch event is not JSON");
	json_array_append_new(inf->queue, ev);
	if (!loop_timer_pending(&inf->drain))
		loop_timer_start(&inf->drain, 0);
	return (0);
}

/* One queued event: 0 to go on, 1 when the watch was given up, -1 when stopped. */
static int
kube_informer_apply(struct kube_informer *inf, json_t *ev)
{
	struct kube_error	 e;
	json_t			*obj = json_object_get(ev, "object"), *old;
	const char		*type = json_string_value(json_object_get(ev, "type"));
	char			*key;
	int			 replaced, rc = 0;

	if (type == NULL || !json_is_object(obj))
		return (0);
	if (strcmp(type, "ERROR") == 0) {
		kube_error_status(&e, 0, obj);
		if (e.status == 0)
			e.exit = 1;
		kube_req_cancel(inf->req);
		inf->req = NULL;
		inf->watching = 0;
		json_array_clear(inf->queue);
		if (e.status == 410) {
			kube_informer_relist(inf);
			return (1);
		}
		if (kube_informer_notify(inf, KUBE_EV_ERROR, NULL, &e) != 0)
			return (-1);
		kube_informer_retry(inf);
		return (1);
	}
	kube_informer_set_rv(inf, obj);
	inf->backoff = 0;
	if (strcmp(type, "BOOKMARK") == 0 || (key = kube_informer_key(obj)) == NULL)
		return (0);
	if (strcmp(type, "DELETED") == 0) {
		old = kube_informer_take(inf, key);
		json_decref(old);
		rc = kube_informer_notify(inf, KUBE_EV_DELETED, obj, NULL);
	} else if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0) {
		obj = kube_informer_keep(inf, obj);
		replaced = kube_informer_put(inf, key, obj);
		rc = kube_informer_notify(inf, replaced ? KUBE_EV_MODIFIED :
		    KUBE_EV_ADDED, obj, NULL);
		json_decref(obj);
	}
	free(key);
	return (rc);
}

/* Applies the queued events in order; the result of the last as above. */
static int
kube_informer_drain_queue(struct kube_informer *inf)
{
	json_t	*ev;
	int	 rc = 0;

	loop_timer_stop(&inf->drain);
	while (rc == 0 && json_array_size(inf->queue) > 0) {
		ev = json_incref(json_array_get(inf->queue, 0));
		json_array_remove(inf->queue, 0);
		rc = kube_informer_apply(inf, ev);
		json_decref(ev);
	}
	return (rc);
}

/* The drain timer. */
static void
kube_informer_drain(void *arg)
{
	kube_informer_drain_queue(arg);
}

/* The watch ended: reopen from the last version, list on 410, back off on errors. */
static void
kube_informer_watch_done(struct kube_req *r, const struct kube_error *e,
    json_t *body, void *arg)
{
	struct kube_informer	*inf = arg;

	(void)r;
	(void)body;
	inf->req = NULL;
	if (kube_informer_drain_queue(inf) != 0)
		return;
	inf->watching = 0;
	if (e == NULL) {
		inf->restarts++;
		kube_informer_watch(inf);
	} else if (e->status == 410)
		kube_informer_relist(inf);
	else
		kube_informer_error(inf, e);
}

/* Watches from inf->rv with bookmarks until the server closes the stream. */
static void
kube_informer_watch(struct kube_informer *inf)
{
	struct buf	 p;
	char		*rv = kube_escape(inf->rv != NULL ? inf->rv : "0");

	buf_init(&p);
	buf_printf(&p, "%s%cwatch=1&resourceVersion=%s&allowWatchBookmarks=true"
	    "&timeoutSeconds=%d", inf->path, strchr(inf->path, '?') ? '&' : '?', rv,
	    inf->timeout_s);
	if (inf->selector != NULL)
		buf_printf(&p, "&labelSelector=%s", inf->selector);
	inf->watching = 1;
	inf->req = kube_watch(inf->kube, p.data, (inf->timeout_s + 30) * 1000,
	    kube_informer_line, kube_informer_watch_done, inf);
	buf_free(&p);
	free(rv);
}

/* Starts listing now; callbacks come from the loop. */
struct kube_informer *
kube_informer_start(struct kube *k, const char *path, const char *label_selector,
    kube_informer_cb cb, void *arg)
{
	struct kube_informer	*inf = xcalloc(1, sizeof *inf);

	inf->kube = k;
	inf->path = xstrdup(path);
	if (label_selector != NULL && *label_selector != '\0')
		inf->selector = kube_escape(label_selector);
	inf->cb = cb;
	inf->arg = arg;
	inf->index = json_object();
	inf->timeout_s = KUBE_INF_TIMEOUT;
	inf->queue = json_array();
	loop_timer_init(&inf->timer, k->loop, kube_informer_timer, inf);
	loop_timer_init(&inf->drain, k->loop, kube_informer_drain, inf);
	LIST_INSERT_HEAD(&k->informers, inf, entry);
	kube_informer_list(inf);
	return (inf);
}

/* A smaller copy of each object for the store (see kube.h). */
void
kube_informer_set_transform(struct kube_informer *inf, kube_transform_cb fn, void *arg)
{
	inf->transform = fn;
	inf->transform_arg = arg;
}

/* The server closes each watch after this many seconds (tests use a few). */
void
kube_informer_set_timeout(struct kube_informer *inf, int seconds)
{
	inf->timeout_s = seconds > 0 ? seconds : KUBE_INF_TIMEOUT;
}

/* Stops and frees; from inside its own callback the free waits for the return. */
void
kube_informer_stop(struct kube_informer *inf)
{
	size_t	i;

	if (inf == NULL)
		return;
	if (!inf->stopped) {
		inf->stopped = 1;
		LIST_REMOVE(inf, entry);
		kube_req_cancel(inf->req);
		inf->req = NULL;
		loop_timer_stop(&inf->timer);
		loop_timer_stop(&inf->drain);
	}
	if (inf->busy > 0)
		return;
	for (i = 0; i < inf->nitems; i++)
		json_decref(inf->items[i]);
	free(inf->items);
	json_decref(inf->index);
	json_decref(inf->fresh);
	json_decref(inf->queue);
	free(inf->path);
	free(inf->selector);
	free(inf->rv);
	free(inf->cont);
	free(inf);
}

/* kube_free stops what the user did not. */
void
kube_informers_free(struct kube *k)
{
	while (!LIST_EMPTY(&k->informers))
		kube_informer_stop(LIST_FIRST(&k->informers));
}

/* How many objects the store holds now. */
size_t
kube_informer_size(const struct kube_informer *inf)
{
	return (inf->nitems);
}

/* The store by position, for a pane that walks it; order unspecified. */
json_t *
kube_informer_at(const struct kube_informer *inf, size_t i)
{
	return (i < inf->nitems ? inf->items[i] : NULL);
}

/* One object by namespace and name ("" namespace for cluster objects). */
json_t *
kube_informer_get(const struct kube_informer *inf, const char *ns, const char *name)
{
	char	*key = xprintf("%s/%s", ns != NULL ? ns : "", name);
	json_t	*slot = json_object_get(inf->index, key);

	free(key);
	return (slot != NULL ? inf->items[json_integer_value(slot)] : NULL);
}

/* Whether the last list completed, so the store is whole. */
int
kube_informer_synced(const struct kube_informer *inf)
{
	return (inf->synced);
}

/* Lists after 410 Expired, for tests and the status line. */
unsigned
kube_informer_relists(const struct kube_informer *inf)
{
	return (inf->relists);
}

/* Watches reopened after the server closed them. */
unsigned
kube_informer_restarts(const struct kube_informer *inf)
{
	return (inf->restarts);
}

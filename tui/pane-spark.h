/*
 * The Spark pane: SparkApplications kept current by an informer, then an
 * application's driver and executor pods (another informer), a pod's log
 * followed live, events, a describe view and the Spark UI's jobs and stages
 * through the service proxy. Shared by the tui/pane-spark*.c files.
 */
#ifndef PANE_SPARK_H
#define PANE_SPARK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "backends/kube.h"
#include "core/buf.h"
#include "core/loop.h"
#include "tui/pane-log.h"
#include "tui/tui.h"

/*
 * A view kept current row by row from an informer's events: a watch event
 * changes one row (found through a hash of namespace/name), never the
 * whole view; the table model takes in the change when the pane is drawn.
 */
struct spark_rows {
	struct pane	*pane;		/* whose own view it is */
	size_t		*slots;		/* owned: row + 1 per slot, 0 empty, SIZE_MAX gone */
	size_t		 nslots;	/* a power of two */
	size_t		 used;		/* slots not empty (rows and gone ones) */
	size_t		 changed;	/* the first row changed since drawn; SIZE_MAX none */
	char		*keep_ns;	/* owned: the cursor's object when rows moved */
	char		*keep_name;
	void		(*fill)(struct view *, size_t row, json_t *obj);
};

/* The informer of a view and how it fares. */
struct spark_watch {
	struct kube_informer	*inf;		/* or NULL */
	char			*error;		/* owned: the last failure, or NULL */
	time_t			 error_at;	/* the first failure in a row */
	uint64_t		 retry_at;	/* loop_now() of the informer's next try */
	unsigned		 errors;	/* failures in a row */
	int			 synced;	/* the first list is in */
};

struct spark_pane {
	char			*service;	/* owned: the inventory service, or NULL */
	struct kube		*kube;		/* NULL until connected */
	char			*why;		/* owned: why there is no connection */
	char			*apps_path;	/* owned: the SparkApplications collection */

	struct pane		*apps_pane;	/* the tab */
	struct spark_watch	 apps;
	struct spark_rows	 app_rows;
	struct loop_timer	 tick;		/* running durations tick */
	char			*want_app;	/* owned: ns/name to put the cursor on */
	char			*want_task[3];	/* owned: dag, run, task labels looked for */

	struct pane		 pods;		/* an application's pods */
	struct spark_watch	 podw;
	struct spark_rows	 pod_rows;
	char			*app_ns;	/* owned: whose pods */
	char			*app_name;	/* owned, or NULL: pods by selector */
	char			*pod_sel;	/* owned: the label selector watched */

	struct pane		 log;		/* a pod's log */
	struct pane_log_text	 text;
	struct kube_req		*logreq;	/* streaming, or NULL */
	struct buf		 partial;	/* a line not ended yet */
	char			*log_ns;	/* owned */
	char			*log_pod;	/* owned */
	int			 log_previous;	/* the previous container's */
	char			*log_error;	/* owned: how the stream ended badly */
	int			 log_ended;

	struct pane		 doc;		/* describe: lines of JSON */
	struct pane_log_text	 doc_text;
	char			*doc_title;	/* owned */
	int			 doc_json;	/* JSON rather than YAML */
	struct kube_req		*docreq;

	struct pane		 events;	/* events of an object, a table */
	char			*events_title;	/* owned */
	struct kube_req		*evreq;

	struct pane		 ui;		/* Spark UI jobs and stages */
	char			*ui_base;	/* owned: .../proxy/api/v1/applications/ID */
	char			*ui_title;	/* owned */
	struct kube_req		*uireq;
	json_t			*ui_jobs;	/* the last answers */
	json_t			*ui_stages;
	char			*ui_error;	/* owned */
	struct loop_timer	 ui_timer;	/* asks again while the driver runs */
};

extern const struct pane_type pane_spark;
extern const struct pane_type pane_spark_pods;
extern const struct pane_type pane_spark_log;
extern const struct pane_type pane_spark_doc;
extern const struct pane_type pane_spark_events;
extern const struct pane_type pane_spark_ui;

/* tui/pane-spark.c */
struct spark_pane *spark_pane_get(void);
int		 spark_pane_connect(struct tui *, const char *service, char **cause);
/* The application row under the cursor in the Applications view. */
json_t		*spark_pane_app(struct tui *);
/* The application a DAG task launched: cursor on it and shown, or a message. */
void		 spark_pane_find_task(struct tui *, const char *dag, const char *run,
		     const char *task);
int		 spark_pane_state_role(const char *state);
void		 spark_watch_failed(struct spark_watch *, const struct kube_error *);
void		 spark_watch_stop(struct spark_watch *);
/* Where a watch stands, for a pane's title line: into out. */
const char	*spark_watch_status(const struct spark_watch *, char *out, size_t len);

/* tui/pane-spark-rows.c */
void		 spark_rows_init(struct spark_rows *, struct pane *,
		     void (*fill)(struct view *, size_t, json_t *));
void		 spark_rows_free(struct spark_rows *);
/* Start again from a new empty view (columns added by the caller). */
void		 spark_rows_reset(struct tui *, struct spark_rows *, struct view *);
void		 spark_rows_put(struct spark_rows *, json_t *obj);
void		 spark_rows_remove(struct spark_rows *, json_t *obj);
/* Every object of an informer's store, after a (re)list. */
void		 spark_rows_load(struct spark_rows *, struct kube_informer *);
/* The table model takes in what changed: call before drawing. */
void		 spark_rows_sync(struct spark_rows *);
ssize_t		 spark_rows_find(const struct spark_rows *, const char *ns,
		     const char *name);

/* tui/pane-spark-pods.c */
/* An application's pods, or (app NULL) the pods a label selector picks. */
void		 spark_pods_open(struct tui *, const char *ns, const char *app,
		     const char *selector);
/* The pod under the cursor in the pods view: namespace and name. */
int		 spark_pods_current(struct tui *, const char **ns, const char **name);

/* tui/pane-spark-log.c */
void		 spark_log_open(struct tui *, const char *ns, const char *pod, int previous);
void		 spark_doc_open(struct tui *, const char *title, const char *path,
		     int json);
void		 spark_events_open(struct tui *, const char *ns, const char *kind,
		     const char *name);
void		 spark_ui_open(struct tui *, json_t *app);
void		 spark_log_free(struct spark_pane *);
void		 spark_log_register(void);

/* tui/pane-spark-cmd.c */
void		 pane_spark_register(void);

#endif

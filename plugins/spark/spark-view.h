/*
 * The applications and pods views of the spark commands and the Spark pane:
 * each lists the fields it shows in its own order and one function per row
 * kind fills them, so the CLI and the pane show a row alike.
 */
#ifndef SPARK_VIEW_H
#define SPARK_VIEW_H

#include <stddef.h>

#include <jansson.h>

struct view;

/* How many fields a list of them has. */
#define SPARK_VIEW_NCOLS(list)	(sizeof (list) / sizeof (list)[0])

/* A field of a SparkApplication's row (struct kube_app_row). */
enum spark_view_app {
	SPARK_VIEW_APP_NAME,
	SPARK_VIEW_APP_NAMESPACE,
	SPARK_VIEW_APP_STATE,		/* "" shown as NEW */
	SPARK_VIEW_APP_SUBMITTED,
	SPARK_VIEW_APP_DURATION,	/* up to the finish, or to now */
	SPARK_VIEW_APP_DRIVER,
	SPARK_VIEW_APP_EXECUTORS,	/* running/total */
	SPARK_VIEW_APP_DAG,
	SPARK_VIEW_APP_RUN,
	SPARK_VIEW_APP_TASK,
	SPARK_VIEW_APP_ERROR,
	SPARK_VIEW_APP_FINISHED
};

/* A field of a pod's row (struct kube_pod_row). */
enum spark_view_pod {
	SPARK_VIEW_POD_NAME,
	SPARK_VIEW_POD_NAMESPACE,
	SPARK_VIEW_POD_PHASE,
	SPARK_VIEW_POD_READY,		/* ready/containers */
	SPARK_VIEW_POD_RESTARTS,
	SPARK_VIEW_POD_NODE,
	SPARK_VIEW_POD_CREATED,
	SPARK_VIEW_POD_AGE,		/* the creation time under the name "age" */
	SPARK_VIEW_POD_REASON,
	SPARK_VIEW_POD_ROLE,
	SPARK_VIEW_POD_APP
};

/* A "Spark applications" view whose columns are these fields, in order. */
struct view	*spark_view_apps(const enum spark_view_app *, size_t);
/*
 * Set (or reset) a row's cells from an application; an absent field is
 * empty: NULL for the CLI (null in -o json), "" for the pane (where NULL
 * is a value not known yet).
 */
void		 spark_view_app_row(struct view *, size_t row, json_t *app,
		     const enum spark_view_app *, size_t, const char *empty);

/* A "Spark pods" view whose columns are these fields, in order. */
struct view	*spark_view_pods(const enum spark_view_pod *, size_t);
/* Set (or reset) a row's cells from a pod; an absent field is empty, as above. */
void		 spark_view_pod_row(struct view *, size_t row, json_t *pod,
		     const enum spark_view_pod *, size_t, const char *empty);

#endif

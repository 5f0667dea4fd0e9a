/*
 * The applications and pods views, shared by the spark commands
 * (plugins/spark/spark-cmd.c) and the Spark pane (tui/pane-spark*.c).
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "backends/kube.h"
#include "core/view.h"
#include "plugins/spark/spark-view.h"

/* A field's column: its name and type. */
struct spark_view_col {
	const char	*name;		/* the column's name, as -o json keys it */
	enum view_type	 type;		/* how it is shown and sorted */
};

static const struct spark_view_col spark_view_app_cols[] = {
	[SPARK_VIEW_APP_NAME] = { "name", VIEW_TEXT },
	[SPARK_VIEW_APP_NAMESPACE] = { "namespace", VIEW_TEXT },
	[SPARK_VIEW_APP_STATE] = { "state", VIEW_STATE },
	[SPARK_VIEW_APP_SUBMITTED] = { "submitted", VIEW_TIME },
	[SPARK_VIEW_APP_DURATION] = { "duration", VIEW_DURATION },
	[SPARK_VIEW_APP_DRIVER] = { "driver", VIEW_TEXT },
	[SPARK_VIEW_APP_EXECUTORS] = { "executors", VIEW_TEXT },
	[SPARK_VIEW_APP_DAG] = { "dag", VIEW_TEXT },
	[SPARK_VIEW_APP_RUN] = { "run", VIEW_TEXT },
	[SPARK_VIEW_APP_TASK] = { "task", VIEW_TEXT },
	[SPARK_VIEW_APP_ERROR] = { "error", VIEW_TEXT },
	[SPARK_VIEW_APP_FINISHED] = { "finished", VIEW_TIME },
};

static const struct spark_view_col spark_view_pod_cols[] = {
	[SPARK_VIEW_POD_NAME] = { "name", VIEW_TEXT },
	[SPARK_VIEW_POD_NAMESPACE] = { "namespace", VIEW_TEXT },
	[SPARK_VIEW_POD_PHASE] = { "phase", VIEW_STATE },
	[SPARK_VIEW_POD_READY] = { "ready", VIEW_TEXT },
	[SPARK_VIEW_POD_RESTARTS] = { "restarts", VIEW_NUMBER },
	[SPARK_VIEW_POD_NODE] = { "node", VIEW_TEXT },
	[SPARK_VIEW_POD_CREATED] = { "created", VIEW_TIME },
	[SPARK_VIEW_POD_AGE] = { "age", VIEW_TIME },
	[SPARK_VIEW_POD_REASON] = { "reason", VIEW_TEXT },
	[SPARK_VIEW_POD_ROLE] = { "role", VIEW_TEXT },
	[SPARK_VIEW_POD_APP] = { "app", VIEW_TEXT },
};

/* A text cell; an absent field is the caller's empty (NULL is "unknown" to the TUI). */
static void
spark_view_set_text(struct view *v, size_t row, size_t col, const char *text,
    const char *empty)
{
	view_set_text(v, row, col, text != NULL ? text : empty);
}

/* A time cell, empty for 0, so that a reused row also loses its old value. */
static void
spark_view_set_time(struct view *v, size_t row, size_t col, int64_t t,
    const char *empty)
{
	if (t != 0)
		view_set_num(v, row, col, t);
	else
		view_set_text(v, row, col, empty);
}

/* The CLI and the pane both list applications with these columns. */
struct view *
spark_view_apps(const enum spark_view_app *f, size_t n)
{
	struct view	*v = view_new("Spark applications");
	size_t		 i;

	for (i = 0; i < n; i++)
		view_add_column(v, spark_view_app_cols[f[i]].name,
		    spark_view_app_cols[f[i]].type);
	return (v);
}

/* One place says how an application's fields read, for every view of them. */
void
spark_view_app_row(struct view *v, size_t row, json_t *app,
    const enum spark_view_app *f, size_t n, const char *empty)
{
	struct kube_app_row	 a;
	int64_t			 end;
	char			 ex[32];
	size_t			 i;

	kube_app_row(app, &a);
	end = a.finished != 0 ? a.finished : (int64_t)time(NULL);
	for (i = 0; i < n; i++) {
		switch (f[i]) {
		case SPARK_VIEW_APP_NAME:
			spark_view_set_text(v, row, i, a.name, empty);
			break;
		case SPARK_VIEW_APP_NAMESPACE:
			spark_view_set_text(v, row, i, a.namespace, empty);
			break;
		case SPARK_VIEW_APP_STATE:
			view_set_text(v, row, i, a.state != NULL && *a.state != '\0' ?
			    a.state : "NEW");
			break;
		case SPARK_VIEW_APP_SUBMITTED:
			spark_view_set_time(v, row, i, a.submitted, empty);
			break;
		case SPARK_VIEW_APP_DURATION:
			if (a.submitted != 0 && end >= a.submitted)
				view_set_num(v, row, i, (end - a.submitted) * 1000);
			else
				view_set_text(v, row, i, empty);
			break;
		case SPARK_VIEW_APP_DRIVER:
			spark_view_set_text(v, row, i, a.driver_pod, empty);
			break;
		case SPARK_VIEW_APP_EXECUTORS:
			snprintf(ex, sizeof ex, "%d/%d", a.executors_running,
			    a.executors_total);
			view_set_text(v, row, i, ex);
			break;
		case SPARK_VIEW_APP_DAG:
			spark_view_set_text(v, row, i, a.dag_id, empty);
			break;
		case SPARK_VIEW_APP_RUN:
			spark_view_set_text(v, row, i, a.run_id, empty);
			break;
		case SPARK_VIEW_APP_TASK:
			spark_view_set_text(v, row, i, a.task_id, empty);
			break;
		case SPARK_VIEW_APP_ERROR:
			spark_view_set_text(v, row, i, a.error, empty);
			break;
		case SPARK_VIEW_APP_FINISHED:
			spark_view_set_time(v, row, i, a.finished, empty);
			break;
		}
	}
}

/* The CLI and the pane both list pods with these columns. */
struct view *
spark_view_pods(const enum spark_view_pod *f, size_t n)
{
	struct view	*v = view_new("Spark pods");
	size_t		 i;

	for (i = 0; i < n; i++)
		view_add_column(v, spark_view_pod_cols[f[i]].name,
		    spark_view_pod_cols[f[i]].type);
	return (v);
}

/* One place says how a pod's fields read, for every view of them. */
void
spark_view_pod_row(struct view *v, size_t row, json_t *pod,
    const enum spark_view_pod *f, size_t n, const char *empty)
{
	struct kube_pod_row	 p;
	char			 ready[32];
	size_t			 i;

	kube_pod_row(pod, &p);
	for (i = 0; i < n; i++) {
		switch (f[i]) {
		case SPARK_VIEW_POD_NAME:
			spark_view_set_text(v, row, i, p.name, empty);
			break;
		case SPARK_VIEW_POD_NAMESPACE:
			spark_view_set_text(v, row, i, p.namespace, empty);
			break;
		case SPARK_VIEW_POD_PHASE:
			spark_view_set_text(v, row, i, p.phase, empty);
			break;
		case SPARK_VIEW_POD_READY:
			snprintf(ready, sizeof ready, "%d/%d", p.ready, p.containers);
			view_set_text(v, row, i, ready);
			break;
		case SPARK_VIEW_POD_RESTARTS:
			view_set_num(v, row, i, p.restarts);
			break;
		case SPARK_VIEW_POD_NODE:
			spark_view_set_text(v, row, i, p.node, empty);
			break;
		case SPARK_VIEW_POD_CREATED:
		case SPARK_VIEW_POD_AGE:
			spark_view_set_time(v, row, i, p.created, empty);
			break;
		case SPARK_VIEW_POD_REASON:
			spark_view_set_text(v, row, i, p.reason, empty);
			break;
		case SPARK_VIEW_POD_ROLE:
			spark_view_set_text(v, row, i, p.role, empty);
			break;
		case SPARK_VIEW_POD_APP:
			spark_view_set_text(v, row, i, p.app, empty);
			break;
		}
	}
}

/*
 * The spark commands that list: apps (also by the DAG, run and task that
 * launched them), pods, and a hidden watch that prints informer events for
 * the tests. Listing goes through an informer that stops once synced, so
 * pages of `limit` objects and their continue tokens are handled once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cmd.h"
#include "core/loop.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "backends/kube.h"
#include "plugins/spark/spark-cmd.h"
#include "plugins/spark/spark-view.h"

/* spark watch: what to print and when to stop. */
struct spark_watch {
	int			 apps;		/* watching applications, not pods */
	int			 quiet;		/* only SYNCED and the summary */
	const char		*until;		/* end when NAME reaches this state */
	int			 done;
};

/* A client for the named or default service, and the namespace to use. */
struct spark_run *
spark_open(struct cmd *c)
{
	struct spark_run	*r;
	struct kube		*k;
	char			*cause = NULL;
	const char		*ns;

	if (cmd_inventory(c) != 0)
		return (NULL);
	if ((k = kube_for_service(c->env, cmd_opt(c, "service"), &cause)) == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s", cause);
		free(cause);
		return (NULL);
	}
	r = xcalloc(1, sizeof *r);
	r->cmd = c;
	r->kube = k;
	if ((ns = cmd_opt(c, "namespace")) == NULL)
		ns = kube_namespace(k);
	if (!cmd_flag(c, "all-namespaces"))
		r->ns = xstrdup(ns);
	if (c->argc > 0)
		r->name = xstrdup(c->argv[0]);
	c->state = r;
	c->cancel = spark_cancel;
	return (r);
}

/* Frees everything a run holds (the kube client cancels what is in flight). */
static void
spark_free(struct spark_run *r)
{
	if (r == NULL)
		return;
	if (r->inf != NULL)
		kube_informer_stop(r->inf);
	if (r->timer != NULL)
		loop_timer_stop(r->timer);
	free(r->timer);
	kube_free(r->kube);
	json_decref(r->app);
	json_decref(r->names);
	free(r->ns);
	free(r->name);
	free(r->pod);
	free(r->extra);
	free(r);
}

/* The command is over: report it and let go of the client. */
void
spark_end(struct spark_run *r)
{
	struct cmd	*c = r->cmd;

	c->state = NULL;
	c->cancel = NULL;
	fflush(stdout);
	spark_free(r);
	cmd_finish(c);
}

/* ^C or a closed pane. */
void
spark_cancel(struct cmd *c)
{
	struct spark_run	*r = c->state;

	c->state = NULL;
	spark_free(r);
}

/* A failed request ends the command with its exit code. */
void
spark_fail(struct spark_run *r, const struct kube_error *e, const char *what)
{
	cmd_error(r->cmd, e->exit != 0 ? e->exit : CMD_EXIT_FAIL, "%s: %s", what,
	    e->message);
	spark_end(r);
}

/* Collection or object path of SparkApplications. */
char *
spark_apps_path(const struct spark_run *r, const char *name)
{
	if (r->ns == NULL)
		return (xstrdup(KUBE_SPARK_GROUP "/sparkapplications"));
	if (name == NULL)
		return (xprintf(KUBE_SPARK_GROUP "/namespaces/%s/sparkapplications", r->ns));
	return (xprintf(KUBE_SPARK_GROUP "/namespaces/%s/sparkapplications/%s", r->ns, name));
}

/* Collection or object path of pods. */
char *
spark_pods_path(const struct spark_run *r, const char *name)
{
	if (r->ns == NULL)
		return (xstrdup("/api/v1/pods"));
	if (name == NULL)
		return (xprintf("/api/v1/namespaces/%s/pods", r->ns));
	return (xprintf("/api/v1/namespaces/%s/pods/%s", r->ns, name));
}

/* The lab's Airflow writes label values this way; the man page asks deployers to. */
char *
spark_label_safe(const char *s)
{
	char	*out = xstrdup(s), *p, *start;
	size_t	 n;

	for (p = out; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '_';
	}
	if (strlen(out) > 63)
		out[63] = '\0';
	for (start = out; *start == '.' || *start == '_' || *start == '-'; start++)
		;
	n = strlen(start);
	while (n > 0 && (start[n - 1] == '.' || start[n - 1] == '_' || start[n - 1] == '-'))
		n--;
	memmove(out, start, n);
	out[n] = '\0';
	if (n == 0) {
		free(out);
		out = xstrdup("x");
	}
	return (out);
}

/* GET the application named by the argument; next sees it in r->app. */
static void
spark_got_app(struct kube_req *req, const struct kube_error *e, json_t *body, void *arg)
{
	struct spark_run	*r = arg;

	(void)req;
	r->req = NULL;
	if (e == NULL)
		r->app = json_incref(body);
	r->next(r, e);
}

void
spark_get_app(struct spark_run *r, void (*next)(struct spark_run *,
    const struct kube_error *))
{
	char	*path;

	if (r->ns == NULL)
		r->ns = xstrdup(kube_namespace(r->kube));
	path = spark_apps_path(r, r->name);
	r->next = next;
	r->req = kube_get(r->kube, path, spark_got_app, r);
	free(path);
}

/* The columns of spark apps, in order. */
static const enum spark_view_app spark_apps_cols[] = {
	SPARK_VIEW_APP_NAME, SPARK_VIEW_APP_NAMESPACE, SPARK_VIEW_APP_STATE,
	SPARK_VIEW_APP_SUBMITTED, SPARK_VIEW_APP_DURATION, SPARK_VIEW_APP_DRIVER,
	SPARK_VIEW_APP_EXECUTORS, SPARK_VIEW_APP_DAG, SPARK_VIEW_APP_RUN,
	SPARK_VIEW_APP_TASK, SPARK_VIEW_APP_ERROR
};

/* The columns of spark pods, in order: name, namespace and phase as kubectl's JSON has them. */
static const enum spark_view_pod spark_pods_cols[] = {
	SPARK_VIEW_POD_NAME, SPARK_VIEW_POD_NAMESPACE, SPARK_VIEW_POD_PHASE,
	SPARK_VIEW_POD_READY, SPARK_VIEW_POD_RESTARTS, SPARK_VIEW_POD_NODE,
	SPARK_VIEW_POD_CREATED, SPARK_VIEW_POD_REASON, SPARK_VIEW_POD_ROLE,
	SPARK_VIEW_POD_APP
};

/* The list is whole: build the view (sorted by namespace, then name) and end. */
static void
spark_listed(struct kube_informer *inf, enum kube_event ev, json_t *obj,
    const struct kube_error *e, void *arg)
{
	struct spark_run	*r = arg;
	struct view		*v;
	int			 apps = r->apps;
	size_t			 i;

	(void)obj;
	if (ev == KUBE_EV_ERROR) {
		kube_informer_stop(inf);
		r->inf = NULL;
		spark_fail(r, e, apps ? "listing applications" : "listing pods");
		return;
	}
	if (ev != KUBE_EV_SYNCED)
		return;
	v = apps ? spark_view_apps(spark_apps_cols, SPARK_VIEW_NCOLS(spark_apps_cols)) :
	    spark_view_pods(spark_pods_cols, SPARK_VIEW_NCOLS(spark_pods_cols));
	for (i = 0; i < kube_informer_size(inf); i++) {
		if (apps)
			spark_view_app_row(v, view_add_row(v), kube_informer_at(inf, i),
			    spark_apps_cols, SPARK_VIEW_NCOLS(spark_apps_cols), NULL);
		else
			spark_view_pod_row(v, view_add_row(v), kube_informer_at(inf, i),
			    spark_pods_cols, SPARK_VIEW_NCOLS(spark_pods_cols), NULL);
	}
	view_sort(v, 0, 0);
	view_sort(v, 1, 0);
	r->cmd->view = v;
	kube_informer_stop(inf);
	r->inf = NULL;
	spark_end(r);
}

/* The label selector of --dag/--run/--task (values made label-safe). */
static char *
spark_selector(struct cmd *c, const char *dag, const char *run, const char *task)
{
	const char *const	 keys[] = { KUBE_LABEL_DAG, KUBE_LABEL_RUN, KUBE_LABEL_TASK };
	const char		*vals[] = { dag, run, task };
	char			*sel = NULL, *v, *old;
	size_t			 i;

	(void)c;
	for (i = 0; i < 3; i++) {
		if (vals[i] == NULL)
			continue;
		v = spark_label_safe(vals[i]);
		old = sel;
		sel = old == NULL ? xprintf("%s=%s", keys[i], v) :
		    xprintf("%s,%s=%s", old, keys[i], v);
		free(old);
		free(v);
	}
	return (sel);
}

/* Starts the listing informer for apps or pods. */
static enum cmd_retval
spark_list(struct cmd *c, int apps, const char *selector)
{
	struct spark_run	*r;
	char			*path;

	if ((r = spark_open(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	r->apps = apps;
	path = apps ? spark_apps_path(r, NULL) : spark_pods_path(r, NULL);
	r->inf = kube_informer_start(r->kube, path, selector, spark_listed, r);
	if (!apps)
		kube_informer_set_transform(r->inf, kube_pod_trim, NULL);
	free(path);
	return (CMD_RETURN_WAIT);
}

/* spark apps [-A] [--namespace N] [--dag D] [--run R] [--task T] */
static enum cmd_retval
spark_apps_exec(struct cmd *c)
{
	char		*sel = spark_selector(c, cmd_opt(c, "dag"), cmd_opt(c, "run"),
			    cmd_opt(c, "task"));
	enum cmd_retval	 rv = spark_list(c, 1, sel);

	free(sel);
	return (rv);
}

/* spark app-for DAG RUN TASK: the applications a task launched. */
static enum cmd_retval
spark_app_for_exec(struct cmd *c)
{
	char		*sel = spark_selector(c, c->argv[0], c->argv[1], c->argv[2]);
	enum cmd_retval	 rv;

	/* The argument is not an application name for spark_open. */
	c->argc = 0;
	rv = spark_list(c, 1, sel);
	free(sel);
	return (rv);
}

/* spark pods [APP]: all pods of the namespace, or the application's. */
static enum cmd_retval
spark_pods_exec(struct cmd *c)
{
	char		*sel = NULL;
	enum cmd_retval	 rv;

	if (c->argc > 0)
		sel = xprintf("sparkoperator.k8s.io/app-name=%s", c->argv[0]);
	rv = spark_list(c, 0, sel);
	free(sel);
	return (rv);
}

/* The state or phase an event line shows. */
static const char *
spark_watch_state(struct spark_watch *w, json_t *obj)
{
	struct kube_app_row	 a;
	struct kube_pod_row	 p;

	if (obj == NULL)
		return ("");
	if (w->apps) {
		kube_app_row(obj, &a);
		return (*a.state != '\0' ? a.state : "NEW");
	}
	kube_pod_row(obj, &p);
	return (p.phase);
}

/* Prints the counters and ends the watch. */
static void
spark_watch_finish(struct spark_run *r)
{
	printf("END restarts=%u relists=%u size=%zu\n", kube_informer_restarts(r->inf),
	    kube_informer_relists(r->inf), kube_informer_size(r->inf));
	kube_informer_stop(r->inf);
	r->inf = NULL;
	spark_end(r);
}

/* --for elapsed. */
static void
spark_watch_timer(void *arg)
{
	spark_watch_finish(arg);
}

/* One informer event as one line: TYPE ns/name STATE [error]. */
static void
spark_watch_event(struct kube_informer *inf, enum kube_event ev, json_t *obj,
    const struct kube_error *e, void *arg)
{
	static const char *const names[] = { "ADDED", "MODIFIED", "DELETED", "SYNCED", "ERROR" };
	struct spark_run	*r = arg;
	struct spark_watch	*w = r->extra;
	struct kube_app_row	 a;
	const char		*state, *name = NULL, *ns = NULL;

	if (ev == KUBE_EV_SYNCED) {
		printf("SYNCED %zu relists=%u\n", kube_informer_size(inf),
		    kube_informer_relists(inf));
		fflush(stdout);
		return;
	}
	if (ev == KUBE_EV_ERROR) {
		printf("ERROR %ld %s\n", e->status, e->message);
		fflush(stdout);
		return;
	}
	if (w->quiet)
		return;
	state = spark_watch_state(w, obj);
	name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	ns = json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));
	if (r->name != NULL && (name == NULL || strcmp(name, r->name) != 0))
		return;
	printf("%s %s/%s %s", names[ev], ns ? ns : "", name ? name : "", state);
	if (w->apps) {
		kube_app_row(obj, &a);
		if (a.error != NULL)
			printf(" error=%s", a.error);
	}
	printf(" restarts=%u\n", kube_informer_restarts(inf));
	fflush(stdout);
	if (w->until != NULL && r->name != NULL && ev != KUBE_EV_DELETED &&
	    strcmp(state, w->until) == 0)
		spark_watch_finish(r);
	else if (w->until != NULL && strcmp(w->until, "DELETED") == 0 &&
	    ev == KUBE_EV_DELETED)
		spark_watch_finish(r);
}

/* spark watch apps|pods [NAME]: the hidden test driver of the informer. */
static enum cmd_retval
spark_watch_exec(struct cmd *c)
{
	struct spark_run	*r;
	struct spark_watch	*w;
	const char		*o, *kind = c->argv[0];
	char			*path, *cause = NULL;
	int			 ms;

	if (strcmp(kind, "apps") != 0 && strcmp(kind, "pods") != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "spark watch: apps or pods, not '%s'", kind);
		return (CMD_RETURN_NORMAL);
	}
	c->argc--;
	c->argv++;
	r = spark_open(c);
	c->argc++;
	c->argv--;
	if (r == NULL)
		return (CMD_RETURN_NORMAL);
	w = xcalloc(1, sizeof *w);
	r->extra = w;
	w->apps = strcmp(kind, "apps") == 0;
	w->quiet = cmd_flag(c, "quiet");
	w->until = cmd_opt(c, "until");
	path = w->apps ? spark_apps_path(r, NULL) : spark_pods_path(r, NULL);
	r->inf = kube_informer_start(r->kube, path, cmd_opt(c, "selector"),
	    spark_watch_event, r);
	if (!w->apps && !cmd_flag(c, "whole"))
		kube_informer_set_transform(r->inf, kube_pod_trim, NULL);
	free(path);
	if ((o = cmd_opt(c, "timeout")) != NULL)
		kube_informer_set_timeout(r->inf, atoi(o));
	r->timer = xcalloc(1, sizeof *r->timer);
	loop_timer_init(r->timer, c->env->loop, spark_watch_timer, r);
	ms = 60000;
	if ((o = cmd_opt(c, "for")) != NULL && util_parse_duration(o, &ms, &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "spark watch: --for: %s", cause);
		free(cause);
		spark_end(r);
		return (CMD_RETURN_WAIT);
	}
	loop_timer_start(r->timer, (uint64_t)ms);
	return (CMD_RETURN_WAIT);
}

static const struct cmd_entry spark_cmd_apps = {
	.name = "spark apps",
	.args = { "all-namespaces|A namespace=|n service= dag= run= task=", 0, 0 },
	.usage = "[-A] [--namespace N] [--dag D] [--run R] [--task T]",
	.help = "List SparkApplications: state, submission, duration, driver, executors, "
	    "the DAG task that launched each, error.",
	.flags = CMD_INVENTORY,
	.exec = spark_apps_exec,
};

static const struct cmd_entry spark_cmd_app_for = {
	.name = "spark app-for",
	.args = { "namespace=|n service=", 3, 3 },
	.usage = "DAG RUN TASK",
	.help = "Find the SparkApplication an Airflow task launched, by its "
	    "platform-tui/dag-id, run-id and task-id labels.",
	.flags = CMD_INVENTORY,
	.exec = spark_app_for_exec,
};

static const struct cmd_entry spark_cmd_pods = {
	.name = "spark pods",
	.args = { "all-namespaces|A namespace=|n service=", 0, 1 },
	.usage = "[-A] [--namespace N] [APP]",
	.help = "List pods (an application's driver and executors): phase, ready, "
	    "restarts, node, age, last termination reason.",
	.flags = CMD_INVENTORY,
	.exec = spark_pods_exec,
};

static const struct cmd_entry spark_cmd_watch = {
	.name = "spark watch",
	.args = { "all-namespaces|A namespace=|n service= selector= timeout= for= "
	    "until= quiet whole", 1, 2 },
	.usage = "apps|pods [NAME] [--timeout S] [--for DURATION] [--until STATE] [--quiet] "
	    "[--whole]",
	.help = "Print the events of an informer (a test driver).",
	.flags = CMD_INVENTORY | CMD_HIDDEN,
	.exec = spark_watch_exec,
};

const struct cmd_entry *const spark_commands[] = {
	&spark_cmd_apps, &spark_cmd_pods, &spark_cmd_logs, &spark_cmd_describe,
	&spark_cmd_events, &spark_cmd_delete, &spark_cmd_restart, &spark_cmd_ui,
	&spark_cmd_app_for, &spark_cmd_watch, NULL,
};

/*
 * The spark commands about one application or pod: logs (its driver's by
 * default), describe, events, delete, restart (delete, then create the same
 * spec: the operator has no restart verb) and the Spark UI's REST API
 * through the API server's service proxy while the driver runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cmd.h"
#include "core/jsonyaml.h"
#include "core/loop.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "backends/kube.h"
#include "plugins/spark/spark-cmd.h"

#define SPARK_RESTART_TRIES	20	/* creates refused while the old one goes */

/* Log text to stdout, control characters but newline and tab made harmless. */
static int
spark_logs_data(const char *p, size_t len, void *arg)
{
	struct buf	 b;
	size_t		 i, start = 0;

	(void)arg;
	buf_init(&b);
	for (i = 0; i <= len; i++) {
		if (i == len || p[i] == '\n' || p[i] == '\t') {
			util_sanitize(&b, p + start, i - start);
			if (i < len)
				buf_addc(&b, p[i]);
			start = i + 1;
		}
	}
	if (b.len > 0 && fwrite(b.data, 1, b.len, stdout) != b.len) {
		buf_free(&b);
		return (-1);
	}
	buf_free(&b);
	fflush(stdout);
	return (0);
}

/* The log ended (a followed one when the container stopped). */
static void
spark_logs_done(struct kube_req *req, const struct kube_error *e, json_t *body, void *arg)
{
	struct spark_run	*r = arg;
	char			*what;

	(void)req;
	(void)body;
	r->req = NULL;
	if (e != NULL) {
		what = xprintf("logs of %s/%s", r->ns, r->pod);
		spark_fail(r, e, what);
		free(what);
		return;
	}
	spark_end(r);
}

/* Starts the log of r->pod with the command's options. */
static void
spark_logs_start(struct spark_run *r)
{
	struct cmd		*c = r->cmd;
	struct kube_log_opts	 o;
	const char		*tail = cmd_opt(c, "tail");

	memset(&o, 0, sizeof o);
	o.container = cmd_opt(c, "container");
	o.follow = cmd_flag(c, "follow");
	o.previous = cmd_flag(c, "previous");
	o.tail_lines = tail != NULL ? strtol(tail, NULL, 10) : -1;
	r->req = kube_logs(r->kube, r->ns, r->pod, &o, spark_logs_data, spark_logs_done, r);
}

/* An application name gives its driver pod; anything else is taken for a pod. */
static void
spark_logs_app(struct spark_run *r, const struct kube_error *e)
{
	struct kube_app_row	a;

	if (e != NULL && e->status != 404) {
		spark_fail(r, e, r->name);
		return;
	}
	if (r->app != NULL) {
		kube_app_row(r->app, &a);
		r->pod = a.driver_pod != NULL ? xstrdup(a.driver_pod) :
		    xprintf("%s-driver", r->name);
	} else
		r->pod = xstrdup(r->name);
	spark_logs_start(r);
}

/* spark logs APP|POD [--follow] [--previous] [--container C] [--tail N] */
static enum cmd_retval
spark_logs_exec(struct cmd *c)
{
	struct spark_run	*r;
	const char		*tail = cmd_opt(c, "tail");
	char			*end;

	if (tail != NULL && (strtol(tail, &end, 10) < 0 || *end != '\0' || *tail == '\0')) {
		cmd_error(c, CMD_EXIT_USAGE, "spark logs: --tail wants a number of lines");
		return (CMD_RETURN_NORMAL);
	}
	if ((r = spark_open(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	spark_get_app(r, spark_logs_app);
	return (CMD_RETURN_WAIT);
}

/* The application as kubectl get -o yaml|json shows it, without managedFields. */
static void
spark_describe_app(struct spark_run *r, const struct kube_error *e)
{
	const char	*o = cmd_opt(r->cmd, "output");

	if (e != NULL) {
		spark_fail(r, e, r->name);
		return;
	}
	json_object_del(json_object_get(r->app, "metadata"), "managedFields");
	if (o != NULL && strcmp(o, "json") == 0) {
		json_dumpf(r->app, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else if (jsonyaml_dump(stdout, r->app) != 0)
		cmd_error(r->cmd, CMD_EXIT_FAIL, "spark describe: cannot write YAML");
	spark_end(r);
}

/* spark describe APP [-o json|yaml] */
static enum cmd_retval
spark_describe_exec(struct cmd *c)
{
	struct spark_run	*r;
	const char		*o = cmd_opt(c, "output");

	if (o != NULL && strcmp(o, "json") != 0 && strcmp(o, "yaml") != 0 &&
	    strcmp(o, "table") != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "spark describe: -o json or yaml");
		return (CMD_RETURN_NORMAL);
	}
	if ((r = spark_open(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	spark_get_app(r, spark_describe_app);
	return (CMD_RETURN_WAIT);
}

/* The events whose object is one of r->names, oldest first. */
static void
spark_events_listed(struct kube_req *req, const struct kube_error *e, json_t *body,
    void *arg)
{
	struct spark_run	*r = arg;
	struct view		*v;
	json_t			*ev, *io;
	const char		*name, *t;
	size_t			 i, row;
	int64_t			 when;

	(void)req;
	r->req = NULL;
	if (e != NULL) {
		spark_fail(r, e, "events");
		return;
	}
	v = view_new("Events");
	view_add_column(v, "last", VIEW_TIME);
	view_add_column(v, "type", VIEW_TEXT);
	view_add_column(v, "reason", VIEW_TEXT);
	view_add_column(v, "object", VIEW_TEXT);
	view_add_column(v, "count", VIEW_NUMBER);
	view_add_column(v, "message", VIEW_TEXT);
	json_array_foreach(json_object_get(body, "items"), i, ev) {
		io = json_object_get(ev, "involvedObject");
		name = json_string_value(json_object_get(io, "name"));
		if (name == NULL || json_object_get(r->names, name) == NULL)
			continue;
		row = view_add_row(v);
		t = json_string_value(json_object_get(ev, "lastTimestamp"));
		if (t == NULL)
			t = json_string_value(json_object_get(ev, "eventTime"));
		if (t == NULL)
			t = json_string_value(json_object_get(json_object_get(ev,
			    "metadata"), "creationTimestamp"));
		if ((when = kube_time(t)) != 0)
			view_set_num(v, row, 0, when);
		view_set_text(v, row, 1, json_string_value(json_object_get(ev, "type")));
		view_set_text(v, row, 2, json_string_value(json_object_get(ev, "reason")));
		{
			char *obj = xprintf("%s/%s", json_string_value(json_object_get(io,
			    "kind")) ?: "?", name);

			view_set_text(v, row, 3, obj);
			free(obj);
		}
		if (json_is_integer(json_object_get(ev, "count")))
			view_set_num(v, row, 4, json_integer_value(json_object_get(ev, "count")));
		view_set_text(v, row, 5, json_string_value(json_object_get(ev, "message")));
	}
	view_sort(v, 0, 0);
	r->cmd->view = v;
	spark_end(r);
}

/* Lists the namespace's events once the names are known. */
static void
spark_events_list(struct spark_run *r)
{
	char	*path = xprintf("/api/v1/namespaces/%s/events", r->ns);

	r->req = kube_get(r->kube, path, spark_events_listed, r);
	free(path);
}

/* The application's pods: their events go with the application's. */
static void
spark_events_pods(struct kube_req *req, const struct kube_error *e, json_t *body,
    void *arg)
{
	struct spark_run	*r = arg;
	json_t			*pod;
	const char		*name;
	size_t			 i;

	(void)req;
	r->req = NULL;
	if (e != NULL) {
		spark_fail(r, e, "pods");
		return;
	}
	json_array_foreach(json_object_get(body, "items"), i, pod) {
		name = json_string_value(json_object_get(json_object_get(pod, "metadata"),
		    "name"));
		if (name != NULL)
			json_object_set_new(r->names, name, json_true());
	}
	spark_events_list(r);
}

/* An application: its events and its pods'; otherwise the pod's alone. */
static void
spark_events_app(struct spark_run *r, const struct kube_error *e)
{
	char	*path, *sel;

	if (e != NULL && e->status != 404) {
		spark_fail(r, e, r->name);
		return;
	}
	r->names = json_object();
	json_object_set_new(r->names, r->name, json_true());
	if (r->app == NULL) {
		spark_events_list(r);
		return;
	}
	sel = kube_escape(r->name);
	path = xprintf("/api/v1/namespaces/%s/pods?labelSelector="
	    "sparkoperator.k8s.io%%2Fapp-name%%3D%s", r->ns, sel);
	r->req = kube_get(r->kube, path, spark_events_pods, r);
	free(path);
	free(sel);
}

/* spark events APP|POD */
static enum cmd_retval
spark_events_exec(struct cmd *c)
{
	struct spark_run	*r;

	if ((r = spark_open(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	spark_get_app(r, spark_events_app);
	return (CMD_RETURN_WAIT);
}

/* The application is gone (delete) or going (restart: create it again). */
static void spark_restart_create(struct spark_run *);

static void
spark_deleted(struct kube_req *req, const struct kube_error *e, json_t *body, void *arg)
{
	struct spark_run	*r = arg;

	(void)req;
	(void)body;
	r->req = NULL;
	if (e != NULL) {
		spark_fail(r, e, r->name);
		return;
	}
	if (r->app != NULL) {
		spark_restart_create(r);
		return;
	}
	cmd_message(r->cmd, "deleted sparkapplication %s/%s", r->ns, r->name);
	spark_end(r);
}

/* DELETE the application (the operator removes its pods and UI service). */
static void
spark_delete_start(struct spark_run *r)
{
	char	*path;

	if (r->ns == NULL)
		r->ns = xstrdup(kube_namespace(r->kube));
	path = spark_apps_path(r, r->name);
	r->req = kube_delete(r->kube, path, spark_deleted, r);
	free(path);
}

/* spark delete APP */
static enum cmd_retval
spark_delete_exec(struct cmd *c)
{
	struct spark_run	*r;

	if ((r = spark_open(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	spark_delete_start(r);
	return (CMD_RETURN_WAIT);
}

/* Retry a create the server refused because the old object is still there. */
static void
spark_restart_timer(void *arg)
{
	spark_restart_create(arg);
}

/* The create answered: done, or again a little later while the old one goes. */
static void
spark_created(struct kube_req *req, const struct kube_error *e, json_t *body, void *arg)
{
	struct spark_run	*r = arg;
	struct loop_timer	*t;

	(void)req;
	(void)body;
	r->req = NULL;
	if (e != NULL && e->status == 409 && ++r->tries < SPARK_RESTART_TRIES) {
		if ((t = r->timer) == NULL) {
			t = r->timer = xcalloc(1, sizeof *t);
			loop_timer_init(t, r->cmd->env->loop, spark_restart_timer, r);
		}
		loop_timer_start(t, 500);
		return;
	}
	if ((t = r->timer) != NULL)
		loop_timer_stop(t);
	if (e != NULL) {
		spark_fail(r, e, "creating it again");
		return;
	}
	cmd_message(r->cmd, "restarted sparkapplication %s/%s", r->ns, r->name);
	spark_end(r);
}

/* POST the saved spec again. */
static void
spark_restart_create(struct spark_run *r)
{
	char	*path = spark_apps_path(r, NULL);

	r->req = kube_post(r->kube, path, r->app, spark_created, r);
	free(path);
}

/* The spec to create again: no status, and none of the server's metadata. */
static void
spark_restart_app(struct spark_run *r, const struct kube_error *e)
{
	static const char *const drop[] = { "resourceVersion", "uid", "creationTimestamp",
	    "generation", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds",
	    "selfLink", "ownerReferences", "finalizers", NULL };
	json_t		*md;
	size_t		 i;

	if (e != NULL) {
		spark_fail(r, e, r->name);
		return;
	}
	json_object_del(r->app, "status");
	md = json_object_get(r->app, "metadata");
	for (i = 0; drop[i] != NULL; i++)
		json_object_del(md, drop[i]);
	spark_delete_start(r);
}

/* spark restart APP */
static enum cmd_retval
spark_restart_exec(struct cmd *c)
{
	struct spark_run	*r;

	if ((r = spark_open(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	spark_get_app(r, spark_restart_app);
	return (CMD_RETURN_WAIT);
}

/* A JSON array of flat objects as a view: scalar members become columns. */
static struct view *
spark_ui_view(const char *title, json_t *arr)
{
	struct view	*v = view_new(title);
	json_t		*first = json_array_get(arr, 0), *o, *m;
	const char	*k;
	size_t		 i, row, col;
	ssize_t		 ci;

	json_object_foreach(first, k, m) {
		if (json_is_string(m) || json_is_boolean(m))
			view_add_column(v, k, VIEW_TEXT);
		else if (json_is_integer(m))
			view_add_column(v, k, VIEW_NUMBER);
	}
	json_array_foreach(arr, i, o) {
		row = view_add_row(v);
		json_object_foreach(o, k, m) {
			if ((ci = view_column_index(v, k)) < 0)
				continue;
			col = (size_t)ci;
			if (json_is_string(m))
				view_set_text(v, row, col, json_string_value(m));
			else if (json_is_boolean(m))
				view_set_text(v, row, col, json_is_true(m) ? "true" : "false");
			else if (json_is_integer(m))
				view_set_num(v, row, col, json_integer_value(m));
		}
	}
	return (v);
}

/* The Spark UI answered. */
static void
spark_ui_got(struct kube_req *req, const struct kube_error *e, json_t *body, void *arg)
{
	struct spark_run	*r = arg;
	char			*title;

	(void)req;
	r->req = NULL;
	if (e != NULL) {
		spark_fail(r, e, "Spark UI");
		return;
	}
	if (!json_is_array(body)) {
		cmd_error(r->cmd, CMD_EXIT_FAIL, "Spark UI: the answer is not a list");
		spark_end(r);
		return;
	}
	title = xprintf("Spark UI %s of %s", r->pod, r->name);
	r->cmd->view = spark_ui_view(title, body);
	free(title);
	spark_end(r);
}

/* GET the UI's REST API through the service proxy while the driver runs. */
static void
spark_ui_app(struct spark_run *r, const struct kube_error *e)
{
	struct kube_app_row	 a;
	char			*path;

	if (e != NULL) {
		spark_fail(r, e, r->name);
		return;
	}
	kube_app_row(r->app, &a);
	if (a.ui_service == NULL || a.app_id == NULL ||
	    (strcmp(a.state, "RUNNING") != 0 && strcmp(a.state, "SUBMITTED") != 0)) {
		cmd_error(r->cmd, CMD_EXIT_FAIL, "%s is %s: the Spark UI is there only "
		    "while the driver runs", r->name, *a.state != '\0' ? a.state : "NEW");
		spark_end(r);
		return;
	}
	path = xprintf("/api/v1/namespaces/%s/services/%s:%ld/proxy/api/v1/applications/%s/%s",
	    r->ns, a.ui_service, a.ui_port > 0 ? a.ui_port : 4040L, a.app_id, r->pod);
	r->req = kube_get(r->kube, path, spark_ui_got, r);
	free(path);
}

/* spark ui APP [jobs|stages|executors] */
static enum cmd_retval
spark_ui_exec(struct cmd *c)
{
	struct spark_run	*r;
	const char		*what = c->argc > 1 ? c->argv[1] : "jobs";

	if (strcmp(what, "jobs") != 0 && strcmp(what, "stages") != 0 &&
	    strcmp(what, "executors") != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "spark ui: jobs, stages or executors, not '%s'",
		    what);
		return (CMD_RETURN_NORMAL);
	}
	if ((r = spark_open(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	r->pod = xstrdup(what);		/* what to fetch */
	spark_get_app(r, spark_ui_app);
	return (CMD_RETURN_WAIT);
}

const struct cmd_entry spark_cmd_logs = {
	.name = "spark logs",
	.args = { "namespace=|n service= follow|f previous|p container=|c tail=", 1, 1 },
	.usage = "[--follow] [--previous] [--container C] [--tail N] APP|POD",
	.help = "Write a pod's log (an application's driver) to stdout, following it "
	    "while it runs with --follow.",
	.flags = CMD_INVENTORY,
	.exec = spark_logs_exec,
};

const struct cmd_entry spark_cmd_describe = {
	.name = "spark describe",
	.args = { "namespace=|n service=", 1, 1 },
	.usage = "APP [-o yaml|json]",
	.help = "Write a SparkApplication, spec and status, as YAML or JSON.",
	.flags = CMD_INVENTORY,
	.exec = spark_describe_exec,
};

const struct cmd_entry spark_cmd_events = {
	.name = "spark events",
	.args = { "namespace=|n service=", 1, 1 },
	.usage = "APP|POD",
	.help = "List the events of an application and its pods, or of one pod.",
	.flags = CMD_INVENTORY,
	.exec = spark_events_exec,
};

const struct cmd_entry spark_cmd_delete = {
	.name = "spark delete",
	.args = { "namespace=|n service=", 1, 1 },
	.usage = "APP",
	.help = "Delete a SparkApplication; the operator removes its pods.",
	.flags = CMD_INVENTORY | CMD_CHANGES | CMD_DESTRUCTIVE,
	.exec = spark_delete_exec,
};

const struct cmd_entry spark_cmd_restart = {
	.name = "spark restart",
	.args = { "namespace=|n service=", 1, 1 },
	.usage = "APP",
	.help = "Run a SparkApplication again: delete it, then create the same spec.",
	.flags = CMD_INVENTORY | CMD_CHANGES | CMD_DESTRUCTIVE,
	.exec = spark_restart_exec,
};

const struct cmd_entry spark_cmd_ui = {
	.name = "spark ui",
	.args = { "namespace=|n service=", 1, 2 },
	.usage = "APP [jobs|stages|executors]",
	.help = "Show a running application's jobs, stages or executors from the Spark UI.",
	.flags = CMD_INVENTORY,
	.exec = spark_ui_exec,
};

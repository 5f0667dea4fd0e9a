/*
 * The commands the Spark pane's keys run. Each finds the application or pod
 * under the cursor; delete and restart hand a command line to the spark
 * commands (plugins/spark), so the console and scripts share one
 * implementation with its confirmation and audit. Also the Airflow grid's
 * way to the SparkApplication a task launched.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backends/kube.h"
#include "core/cmd.h"
#include "core/cmdline.h"
#include "core/xmalloc.h"
#include "tui/pane-airflow.h"
#include "tui/pane-spark.h"
#include "tui/tui.h"

/* What the keys act on, from the view shown. */
struct spark_target {
	json_t		*app;		/* borrowed from the store, or NULL */
	const char	*ns;		/* a pod's, or NULL */
	const char	*pod;
};

static int
spark_cmd_target(struct cmd *c, struct spark_target *to)
{
	struct tui		*t = tui_self;
	struct spark_pane	*s = spark_pane_get();
	struct pane		*p = t->cur;

	memset(to, 0, sizeof *to);
	if (s->kube == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: not connected (the Spark pane shows why)",
		    c->entry->name);
		return (-1);
	}
	if (p->type == &pane_spark)
		to->app = spark_pane_app(t);
	else if (p->type == &pane_spark_pods || p->type == &pane_spark_log ||
	    p->type == &pane_spark_events || p->type == &pane_spark_ui) {
		if (s->apps.inf != NULL && s->app_ns != NULL)
			to->app = kube_informer_get(s->apps.inf, s->app_ns, s->app_name);
		if (p->type == &pane_spark_pods)
			spark_pods_current(t, &to->ns, &to->pod);
		else if (p->type == &pane_spark_log) {
			to->ns = s->log_ns;
			to->pod = s->log_pod;
		}
	}
	if (to->app == NULL && to->pod == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: no application or pod under the cursor",
		    c->entry->name);
		return (-1);
	}
	return (0);
}

static int
spark_cmd_app(struct cmd *c, struct spark_target *to, struct kube_app_row *a)
{
	if (spark_cmd_target(c, to) != 0)
		return (-1);
	if (to->app == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: no application here", c->entry->name);
		return (-1);
	}
	kube_app_row(to->app, a);
	return (0);
}

/* spark-pane log: the pod's log; on an application its driver's. */
static enum cmd_retval
spark_cmd_log(struct cmd *c)
{
	struct tui		*t = tui_self;
	struct spark_pane	*s = spark_pane_get();
	struct spark_target	 to;
	struct kube_app_row	 a;
	int			 previous = cmd_flag(c, "previous");
	char			*driver;

	if (spark_cmd_target(c, &to) != 0)
		return (CMD_RETURN_NORMAL);
	if (t->cur == &s->log) {
		/* p in the log: the other container's log of the same pod. */
		spark_log_open(t, s->log_ns, s->log_pod, previous ? !s->log_previous : 0);
		return (CMD_RETURN_NORMAL);
	}
	if (to.pod != NULL) {
		spark_log_open(t, to.ns, to.pod, previous);
		return (CMD_RETURN_NORMAL);
	}
	kube_app_row(to.app, &a);
	driver = a.driver_pod != NULL ? xstrdup(a.driver_pod) : xprintf("%s-driver", a.name);
	spark_log_open(t, a.namespace, driver, previous);
	free(driver);
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
spark_cmd_events(struct cmd *c)
{
	struct spark_target	to;
	struct kube_app_row	a;

	if (spark_cmd_target(c, &to) != 0)
		return (CMD_RETURN_NORMAL);
	if (to.pod != NULL)
		spark_events_open(tui_self, to.ns, "pod", to.pod);
	else {
		kube_app_row(to.app, &a);
		spark_events_open(tui_self, a.namespace, "SparkApplication", a.name);
	}
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
spark_cmd_describe(struct cmd *c)
{
	struct spark_target	 to;
	struct kube_app_row	 a;
	char			*path, *title;

	if (spark_cmd_target(c, &to) != 0)
		return (CMD_RETURN_NORMAL);
	if (to.pod != NULL) {
		path = xprintf("/api/v1/namespaces/%s/pods/%s", to.ns, to.pod);
		title = xprintf("pod %s/%s", to.ns, to.pod);
	} else {
		kube_app_row(to.app, &a);
		path = xprintf("%s/namespaces/%s/sparkapplications/%s", KUBE_SPARK_GROUP,
		    a.namespace, a.name);
		title = xprintf("SparkApplication %s/%s", a.namespace, a.name);
	}
	spark_doc_open(tui_self, title, path, cmd_flag(c, "json"));
	free(title);
	free(path);
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
spark_cmd_ui(struct cmd *c)
{
	struct spark_target	to;
	struct kube_app_row	a;

	if (spark_cmd_app(c, &to, &a) == 0)
		spark_ui_open(tui_self, to.app);
	return (CMD_RETURN_NORMAL);
}

static void
spark_cmd_confirmed(struct cmd *c, int yes)
{
	char	*line = xstrdup(c->line);

	cmd_free(c);
	if (yes)
		tui_run_line(tui_self, line);
	free(line);
}

/* The spark command on the application; asked first unless it asks itself. */
static enum cmd_retval
spark_cmd_run(struct cmd *c, const char *verb)
{
	struct tui		*t = tui_self;
	struct spark_pane	*s = spark_pane_get();
	struct spark_target	 to;
	struct kube_app_row	 a;
	struct cmd		*run;
	char			*line, *question, **argv, *cause = NULL;
	int			 argc;

	if (spark_cmd_app(c, &to, &a) != 0)
		return (CMD_RETURN_NORMAL);
	line = xprintf("spark %s --service %s --namespace %s %s", verb, s->service,
	    a.namespace, a.name);
	if (t->env->confirm == NULL ||
	    (argc = cmdline_split(line, strlen(line), &argv, &cause)) < 0) {
		free(cause);
		tui_run_line(t, line);
		free(line);
		return (CMD_RETURN_NORMAL);
	}
	run = cmd_parse(t->env, argc, argv, &cause);
	cmdline_free(argv);
	if (run == NULL || (run->entry->flags & CMD_DESTRUCTIVE)) {
		cmd_free(run);
		free(cause);
		tui_run_line(t, line);	/* its own confirmation names the command */
		free(line);
		return (CMD_RETURN_NORMAL);
	}
	question = xprintf("%s the SparkApplication %s/%s? (%s)", verb, a.namespace,
	    a.name, line);
	t->env->confirm(run, question, spark_cmd_confirmed);
	free(question);
	free(line);
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
spark_cmd_delete(struct cmd *c)
{
	return (spark_cmd_run(c, "delete"));
}

static enum cmd_retval
spark_cmd_restart(struct cmd *c)
{
	return (spark_cmd_run(c, "restart"));
}

/* In the Airflow grid: the SparkApplication the task under the cursor launched. */
static enum cmd_retval
spark_cmd_task(struct cmd *c)
{
	struct tui	*t = tui_self;
	struct pane_af	*af = pane_af_get();
	const char	*run = NULL, *task = NULL;

	if (t->cur != &af->grid || pane_grid_cursor(&run, &task) != 0 || task == NULL ||
	    af->dag == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: put the cursor on a task of the Grid pane",
		    c->entry->name);
		return (CMD_RETURN_NORMAL);
	}
	spark_pane_find_task(t, af->dag, run, task);
	return (CMD_RETURN_NORMAL);
}

/* spark-pane pods NS APP|--selector SEL: pods of an application, or any by label. */
static enum cmd_retval
spark_cmd_pods(struct cmd *c)
{
	struct tui	*t = tui_self;
	const char	*sel = cmd_opt(c, "selector");
	char		*cause = NULL;

	if (spark_pane_get()->kube == NULL && spark_pane_connect(t, NULL, &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: %s", c->entry->name, cause);
		free(cause);
		return (CMD_RETURN_NORMAL);
	}
	if (c->argc < 2 && sel == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: an application or --selector",
		    c->entry->name);
		return (CMD_RETURN_NORMAL);
	}
	spark_pods_open(t, c->argv[0], c->argc > 1 ? c->argv[1] : NULL, sel);
	return (CMD_RETURN_NORMAL);
}

static const struct cmd_entry spark_cmds[] = {
	{ .name = "spark-pane pods", .args = { "selector=", 1, 2 },
	  .usage = "NAMESPACE [APP] [--selector LABELS]",
	  .help = "In the console: the pods of a SparkApplication, or the pods a label"
	    " selector picks, watched.", .exec = spark_cmd_pods },
	{ .name = "spark-pane log", .args = { "previous", 0, 0 }, .usage = "[--previous]",
	  .help = "In the Spark pane: the log of the pod under the cursor (of an"
	    " application: its driver), followed; --previous: the last container's.",
	  .exec = spark_cmd_log },
	{ .name = "spark-pane events", .args = { "", 0, 0 }, .usage = "",
	  .help = "In the Spark pane: the events of the application or pod.",
	  .exec = spark_cmd_events },
	{ .name = "spark-pane describe", .args = { "json", 0, 0 }, .usage = "[--json]",
	  .help = "In the Spark pane: the application or pod as YAML (or JSON), to scroll"
	    " and search.",
	  .exec = spark_cmd_describe },
	{ .name = "spark-pane ui", .args = { "", 0, 0 }, .usage = "",
	  .help = "In the Spark pane: the running application's jobs and stages from"
	    " the Spark UI.", .exec = spark_cmd_ui },
	{ .name = "spark-pane delete", .args = { "", 0, 0 }, .usage = "",
	  .help = "In the Spark pane: spark delete on the application (asked first).",
	  .exec = spark_cmd_delete },
	{ .name = "spark-pane restart", .args = { "", 0, 0 }, .usage = "",
	  .help = "In the Spark pane: spark restart on the application (asked first).",
	  .exec = spark_cmd_restart },
	{ .name = "spark-pane task", .args = { "", 0, 0 }, .usage = "",
	  .help = "In the Grid pane: the pods of the SparkApplication the task under the"
	    " cursor launched (by its platform-tui/ labels).", .exec = spark_cmd_task },
};

/* Register the Spark pane's commands once. */
void
pane_spark_register(void)
{
	static int	done;
	size_t		i;

	if (done)
		return;
	done = 1;
	for (i = 0; i < sizeof spark_cmds / sizeof spark_cmds[0]; i++)
		cmd_register(&spark_cmds[i]);
	spark_log_register();
}

/*
 * The commands the Airflow panes' keys run. Each finds the DAG, run or task
 * under the cursor and hands a command line to the Airflow commands (or to
 * the prompt, for the operator to finish), so one implementation serves the
 * console and scripts; pausing asks first even where the command does not.
 */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cmd.h"
#include "core/cmdline.h"
#include "core/inventory.h"
#include "core/loop.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/pane-airflow.h"
#include "tui/tui.h"

/* The DAG, run and task the keys act on, from the pane shown. */
struct pane_af_target {
	const char	*dag;
	const char	*run;		/* or NULL */
	const char	*task;		/* or NULL */
};

static int
pane_af_target(struct cmd *c, struct pane_af_target *to)
{
	struct tui	*t = tui_self;
	struct pane_af	*af = pane_af_get();
	struct pane	*p = t->cur;
	size_t		 row = table_current(&p->table);

	memset(to, 0, sizeof *to);
	if (p->type == &pane_dags) {
		to->dag = pane_af_cell(p->table.view, row, "dag_id");
	} else if (p->type == &pane_af_runs) {
		to->dag = af->dag;
		to->run = pane_af_cell(p->table.view, row, "run_id");
	} else if (p->type == &pane_af_grid) {
		to->dag = af->dag;
		pane_grid_cursor(&to->run, &to->task);
	} else if (p->type == &pane_af_log) {
		to->dag = af->dag;
		to->run = af->run;
		to->task = af->task;
	}
	if (to->dag == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: no DAG under the cursor (DAGs, Runs, Grid"
		    " or Task log)", c->entry->name);
		return (-1);
	}
	return (0);
}

/* A word for a command line: bare when it is safe, else in single quotes. */
static char *
pane_af_quote(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		if (strchr(" \t'\"\\#;$`", *p) != NULL)
			return (xprintf("'%s'", s));
	}
	return (xstrdup(s));
}

static void
pane_af_confirmed(struct cmd *c, int yes)
{
	char	*line = xstrdup(c->line);

	cmd_free(c);
	if (yes)
		tui_run_line(tui_self, line);
	free(line);
	pane_dags_poke();
}

/* Run a command line; ask first with a question unless the command asks itself. */
static void
pane_af_run(struct tui *t, const char *line, const char *question)
{
	struct cmd	*c;
	char		**argv, *cause = NULL;
	int		  argc;

	if (question == NULL || t->env->confirm == NULL ||
	    (argc = cmdline_split(line, strlen(line), &argv, &cause)) < 0) {
		free(cause);
		tui_run_line(t, line);
		pane_dags_poke();
		return;
	}
	c = cmd_parse(t->env, argc, argv, &cause);
	cmdline_free(argv);
	if (c == NULL || (c->entry->flags & CMD_DESTRUCTIVE)) {
		cmd_free(c);
		free(cause);
		tui_run_line(t, line);	/* its own confirmation names the command */
		pane_dags_poke();
		return;
	}
	t->env->confirm(c, question, pane_af_confirmed);
}

/* ------------------------------------------------------------ trigger */

/* A JSON text with a quote goes to the prompt as @FILE: write it to one. */
static char *
pane_af_conf_file(const char *json)
{
	const char	*tmp = getenv("TMPDIR");
	char		*path;
	size_t		 len = strlen(json);
	int		 fd;

	path = xprintf("%s/platform-tui-conf-XXXXXX.json",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if ((fd = mkstemps(path, 5)) == -1) {
		free(path);
		return (NULL);
	}
	if (write(fd, json, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		free(path);
		return (NULL);
	}
	close(fd);
	return (path);
}

/* The conf came back from $EDITOR: check it, then offer the trigger line. */
static void
pane_af_editor_done(struct tui *t, int status, const char *text, size_t len,
    void *arg)
{
	char		*dag_id = arg;
	json_t		*conf;
	json_error_t	 jerr;
	char		*json, *dag, *line, *path;

	if (status != 0) {
		tui_message(t, THEME_WARN, "the editor failed (status %d): not triggered",
		    status);
		goto out;
	}
	if ((conf = json_loadb(text, len, 0, &jerr)) == NULL) {
		tui_message(t, THEME_ERROR, "conf: line %d: %s (not triggered; T edits it"
		    " again)", jerr.line, jerr.text);
		goto out;
	}
	if (!json_is_object(conf)) {
		json_decref(conf);
		tui_message(t, THEME_ERROR, "conf must be a JSON object (not triggered)");
		goto out;
	}
	json = json_dumps(conf, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(conf);
	dag = pane_af_quote(dag_id);
	/* The exact line on the prompt: Enter sends it, Esc drops it. */
	if (strchr(json, '\'') == NULL)
		line = xprintf("dag trigger %s --conf '%s'", dag, json);
	else if ((path = pane_af_conf_file(json)) != NULL) {
		line = xprintf("dag trigger %s --conf @%s", dag, path);
		free(path);
	} else
		line = NULL;
	if (line != NULL)
		tui_open_prompt(t, line);
	else
		tui_message(t, THEME_ERROR, "conf: cannot write a temporary file");
	free(line);
	free(dag);
	free(json);
out:
	free(dag_id);
}

/* Open the editor on an empty conf for DAG; the loop keeps running meanwhile. */
static int
pane_af_edit(struct cmd *c, const char *dag)
{
	char	*cause = NULL, *arg = xstrdup(dag);

	if (tui_edit(tui_self, "{\n}\n", ".json", pane_af_editor_done, arg,
	    &cause) != 0) {
		cmd_error(c, CMD_EXIT_FAIL, "editor: %s", cause);
		free(cause);
		free(arg);
		return (-1);
	}
	return (0);
}

/* airflow trigger [--edit]: the prompt with the trigger command, conf {} or edited. */
static enum cmd_retval
pane_af_cmd_trigger(struct cmd *c)
{
	struct pane_af_target	 to;
	char			*dag, *line;

	if (pane_af_target(c, &to) != 0)
		return (CMD_RETURN_NORMAL);
	if (cmd_flag(c, "edit")) {
		pane_af_edit(c, to.dag);
		return (CMD_RETURN_NORMAL);
	}
	dag = pane_af_quote(to.dag);
	line = xprintf("dag trigger %s --conf '{}'", dag);
	tui_open_prompt(tui_self, line);
	free(line);
	free(dag);
	return (CMD_RETURN_NORMAL);
}

/* airflow pause: pause the DAG (asked first) or unpause it, by what the list says. */
static enum cmd_retval
pane_af_cmd_pause(struct cmd *c)
{
	struct tui		*t = tui_self;
	struct pane_af_target	 to;
	const char		*paused;
	char			*dag, *line, *question;

	if (pane_af_target(c, &to) != 0)
		return (CMD_RETURN_NORMAL);
	paused = pane_dags_paused(t, to.dag);
	dag = pane_af_quote(to.dag);
	if (paused != NULL && (strcmp(paused, "yes") == 0 || strcmp(paused, "true") == 0 ||
	    strcmp(paused, "1") == 0 || strcmp(paused, "paused") == 0)) {
		line = xprintf("dag unpause %s", dag);
		pane_af_run(t, line, NULL);
	} else {
		line = xprintf("dag pause %s", dag);
		question = xprintf("pause DAG %s? no new runs are scheduled until it is"
		    " unpaused", to.dag);
		pane_af_run(t, line, question);
		free(question);
	}
	free(line);
	free(dag);
	return (CMD_RETURN_NORMAL);
}

/* airflow mark success|failed: the run under the cursor, asked first. */
static enum cmd_retval
pane_af_cmd_mark(struct cmd *c)
{
	struct tui		*t = tui_self;
	struct pane_af_target	 to;
	const char		*state = c->argv[0];
	char			*dag, *run, *line, *question;

	if (strcmp(state, "success") != 0 && strcmp(state, "failed") != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "airflow mark: '%s' is not success or failed",
		    state);
		return (CMD_RETURN_NORMAL);
	}
	if (pane_af_target(c, &to) != 0)
		return (CMD_RETURN_NORMAL);
	if (to.run == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "airflow mark: no run under the cursor");
		return (CMD_RETURN_NORMAL);
	}
	dag = pane_af_quote(to.dag);
	run = pane_af_quote(to.run);
	line = xprintf("run mark %s %s %s", dag, run, state);
	question = xprintf("mark run %s of DAG %s %s?", to.run, to.dag, state);
	pane_af_run(t, line, question);
	free(question);
	free(line);
	free(run);
	free(dag);
	return (CMD_RETURN_NORMAL);
}

/* airflow clear: the run (or the grid's task) under the cursor; "task clear" lists, then asks. */
static enum cmd_retval
pane_af_cmd_clear(struct cmd *c)
{
	struct tui		*t = tui_self;
	struct pane_af_target	 to;
	char			*dag, *run, *task = NULL, *line;

	if (pane_af_target(c, &to) != 0)
		return (CMD_RETURN_NORMAL);
	if (to.run == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "airflow clear: no run under the cursor");
		return (CMD_RETURN_NORMAL);
	}
	dag = pane_af_quote(to.dag);
	run = pane_af_quote(to.run);
	if (to.task != NULL)
		task = pane_af_quote(to.task);
	line = xprintf("task clear %s %s%s%s%s", dag, run, task != NULL ? " " : "",
	    task != NULL ? task : "", cmd_flag(c, "only-failed") ? " --only-failed" : "");
	pane_af_run(t, line, NULL);
	free(line);
	free(task);
	free(run);
	free(dag);
	return (CMD_RETURN_NORMAL);
}

/* airflow service [NAME]: the Airflow panes show another service (none: the next). */
static enum cmd_retval
pane_af_cmd_service(struct cmd *c)
{
	struct tui			*t = tui_self;
	struct pane_af			*af = pane_af_get();
	const struct inventory		*inv;
	const char			*want = c->argc > 0 ? c->argv[0] : NULL;
	size_t				 i, at = SIZE_MAX, first = SIZE_MAX;

	if (cmd_inventory(c) != 0)
		return (CMD_RETURN_NORMAL);
	inv = t->env->inv;
	for (i = 0; want == NULL && i < inv->nservices; i++) {
		if (strcmp(inv->services[i].kind, "airflow") != 0)
			continue;
		if (first == SIZE_MAX)
			first = i;
		if (at != SIZE_MAX) {
			want = inv->services[i].name;
			break;
		}
		if (af->service != NULL && strcmp(inv->services[i].name, af->service) == 0)
			at = i;
	}
	if (want == NULL && first != SIZE_MAX)
		want = inv->services[first].name;
	if (want == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "airflow service: no airflow in the inventory");
		return (CMD_RETURN_NORMAL);
	}
	free(af->service);
	af->service = xstrdup(want);
	pane_af_reset_client();
	for (i = 0; i < t->npanes; i++) {
		if (t->panes[i].type == &pane_dags) {
			pane_set_view(t, &t->panes[i], NULL);
			if (t->panes[i].data != NULL)
				pane_af_live_restart(t->panes[i].data);
			tui_show(t, &t->panes[i], 0);
			t->panes[i].type->reload(t, &t->panes[i]);
		}
	}
	cmd_message(c, "Airflow panes: service %s", want);
	return (CMD_RETURN_NORMAL);
}

static const struct cmd_entry pane_af_cmds[] = {
	{ .name = "airflow trigger", .args = { "edit", 0, 0 }, .usage = "[--edit]",
	  .help = "Trigger the DAG under the cursor: the prompt with its command, or the"
	    " conf in $EDITOR first.", .exec = pane_af_cmd_trigger },
	{ .name = "airflow pause", .args = { "", 0, 0 }, .usage = "",
	  .help = "Pause the DAG under the cursor (asked first), or unpause it.",
	  .exec = pane_af_cmd_pause },
	{ .name = "airflow mark", .args = { "", 1, 1 }, .usage = "success|failed",
	  .help = "Mark the run under the cursor success or failed (asked first).",
	  .exec = pane_af_cmd_mark },
	{ .name = "airflow clear", .args = { "only-failed", 0, 0 },
	  .usage = "[--only-failed]",
	  .help = "Clear the run or task under the cursor: what would be cleared, then"
	    " the question.", .exec = pane_af_cmd_clear },
	{ .name = "airflow service", .args = { "", 0, 1 }, .usage = "[NAME]",
	  .help = "Show another Airflow service in the Airflow panes (none: the next).",
	  .exec = pane_af_cmd_service },
};

/* Register the Airflow panes' commands once, with the grid's and the log's. */
void
pane_dags_register(void)
{
	static int	done;
	size_t		i;

	if (done)
		return;
	done = 1;
	for (i = 0; i < sizeof pane_af_cmds / sizeof pane_af_cmds[0]; i++)
		cmd_register(&pane_af_cmds[i]);
	for (i = 0; i < pane_grid_ncmds; i++)
		cmd_register(&pane_grid_cmds[i]);
	for (i = 0; i < pane_log_ncmds; i++)
		cmd_register(&pane_log_cmds[i]);
}

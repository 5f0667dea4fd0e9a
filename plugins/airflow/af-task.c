/*
 * task log (continuation tokens, --follow until the task ends) and task
 * clear (a dry run first, then confirmation, then the real clear).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/airflow.h"
#include "core/buf.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/airflow/af-cmd.h"

#define AF_LOG_POLL_MS	1000	/* --follow asks for more this often */

static void	af_task_log_more(void *);

/* Print lines now (scripted --follow) or keep them for the result. */
static void
af_task_log_lines(struct afc *a, struct af_result *r)
{
	size_t			 i;
	int			 now = cmd_flag(a->cmd, "follow") && a->cmd->env->confirm == NULL;

	for (i = 0; i < r->nlines; i++) {
		if (now)
			printf("%s\n", r->lines[i]);
		else
			buf_printf(&a->text, "%s%s", a->text.len ? "\n" : "", r->lines[i]);
	}
	if (now)
		fflush(stdout);
}

/* Ends the command with what was collected. */
static void
af_task_log_end(struct afc *a)
{
	if (a->text.len > 0)
		a->cmd->message = buf_steal(&a->text);
	afc_end(a);
}

/* --follow: is the task still running? */
static void
af_task_log_state(struct af_result *r, void *arg)
{
	struct afc	*a = arg;
	const char	*state;

	a->op = NULL;
	if (r->error != AF_OK) {
		afc_fail(a, r);
		return;
	}
	state = json_string_value(json_object_get(r->json, "state"));
	if (af_state_final(state) || (state != NULL && strcmp(state, "up_for_retry") == 0)) {
		af_task_log_end(a);
		return;
	}
	a->timer.cb = af_task_log_more;
	loop_timer_start(&a->timer, AF_LOG_POLL_MS);
}

/* A chunk: keep the token; with --follow, go on until the task has ended. */
static void
af_task_log_chunk(struct af_result *r, void *arg)
{
	struct afc	*a = arg;
	struct cmd	*c = a->cmd;
	char		*d, *run, *t, *path;

	a->op = NULL;
	if (r->error != AF_OK) {
		afc_fail(a, r);
		return;
	}
	af_task_log_lines(a, r);
	a->try_number = r->try_number;
	free(a->token);
	a->token = r->token != NULL ? xstrdup(r->token) : NULL;
	if (!cmd_flag(c, "follow")) {
		af_task_log_end(a);
		return;
	}
	if (r->nlines > 0) {
		a->timer.cb = af_task_log_more;
		loop_timer_start(&a->timer, 0);
		return;
	}
	d = af_escape_path(c->argv[0]);
	run = af_escape_path(c->argv[1]);
	t = af_escape_path(c->argv[2]);
	path = xprintf("/dags/%s/dagRuns/%s/taskInstances/%s", d, run, t);
	a->op = af_request(a->client, "GET", path, NULL, NULL, af_task_log_state, a);
	free(path);
	free(t);
	free(run);
	free(d);
}

/* The next chunk, from the token. */
static void
af_task_log_more(void *arg)
{
	struct afc	*a = arg;
	struct cmd	*c = a->cmd;

	a->op = af_log_fetch(a->client, c->argv[0], c->argv[1], c->argv[2], a->try_number,
	    a->token, af_task_log_chunk, a);
}

/* task log DAG RUN TASK [--try N] [--follow] */
static enum cmd_retval
af_task_log_exec(struct cmd *c)
{
	struct afc	*a;
	const char	*s;
	char		*end;
	long		 n = 0;

	if ((s = cmd_opt(c, "try")) != NULL) {
		n = strtol(s, &end, 10);
		if (*s == '\0' || *end != '\0' || n < 1 || n > 1000) {
			cmd_error(c, CMD_EXIT_USAGE, "task log: bad --try '%s'", s);
			return (CMD_RETURN_NORMAL);
		}
	}
	if ((a = afc_new(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	a->try_number = (int)n;
	af_task_log_more(a);
	return (afc_wait(a));
}

/* What a clear answers: task instances, as a view (both versions). */
static struct view *
af_task_clear_view(json_t *tis, const char *title)
{
	struct view	*v = view_new(title);
	json_t		*o;
	size_t		 i, row;
	const char	*s;

	view_add_column(v, "task_id", VIEW_TEXT);
	view_add_column(v, "run_id", VIEW_TEXT);
	view_add_column(v, "state", VIEW_STATE);
	json_array_foreach(tis, i, o) {
		row = view_add_row(v);
		view_set_text(v, row, 0, json_string_value(json_object_get(o, "task_id")));
		if ((s = json_string_value(json_object_get(o, "dag_run_id"))) == NULL)
			s = json_string_value(json_object_get(o, "run_id"));
		view_set_text(v, row, 1, s);
		view_set_text(v, row, 2, json_string_value(json_object_get(o, "state")));
	}
	return (v);
}

/* The real clear is done. */
static void
af_task_clear_done(struct af_result *r, void *arg)
{
	struct afc	*a = arg;
	struct cmd	*c = a->cmd;

	a->op = NULL;
	if (r->error != AF_OK) {
		afc_fail(a, r);
		return;
	}
	cmd_message(c, "cleared %zu task instance%s of %s %s", c->view != NULL ?
	    c->view->nrows : 0, c->view != NULL && c->view->nrows == 1 ? "" : "s",
	    c->argv[0], c->argv[1]);
	afc_end(a);
}

/* Send the same request with dry_run false. */
static void
af_task_clear_go(struct afc *a)
{
	struct cmd	*c = a->cmd;
	char		*d, *path;

	json_object_set_new(a->body, "dry_run", json_false());
	d = af_escape_path(c->argv[0]);
	path = xprintf("/dags/%s/clearTaskInstances", d);
	a->op = af_request(a->client, "POST", path, NULL, a->body, af_task_clear_done, a);
	free(path);
	free(d);
}

/* The console's answer to the question. */
static void
af_task_clear_answer(struct cmd *c, int yes)
{
	struct afc	*a = c->state;

	if (a == NULL)
		return;
	if (!yes) {
		cmd_error(c, CMD_EXIT_REFUSED, "task clear: not confirmed");
		afc_end(a);
		return;
	}
	af_task_clear_go(a);
}

/* The dry run's list: show it, then ask (console), go (--yes) or refuse. */
static void
af_task_clear_preview(struct af_result *r, void *arg)
{
	struct afc	*a = arg;
	struct cmd	*c = a->cmd;
	json_t		*tis;
	struct buf	 q;
	size_t		 i, n;

	a->op = NULL;
	if (r->error != AF_OK) {
		afc_fail(a, r);
		return;
	}
	tis = json_object_get(r->json, "task_instances");
	c->view = af_task_clear_view(tis, "Task instances to clear");
	n = c->view->nrows;
	if (n == 0) {
		cmd_message(c, "nothing to clear in %s %s", c->argv[0], c->argv[1]);
		afc_end(a);
		return;
	}
	if (cmd_flag(c, "dry-run")) {
		afc_end(a);
		return;
	}
	if ((c->env->flags & CMD_ENV_YES) || cmd_flag(c, "yes")) {
		af_task_clear_go(a);
		return;
	}
	if (c->env->confirm == NULL) {
		cmd_error(c, CMD_EXIT_REFUSED, "task clear: %zu task instance%s would be "
		    "cleared (listed): add --yes to clear them", n, n == 1 ? "" : "s");
		afc_end(a);
		return;
	}
	buf_init(&q);
	buf_printf(&q, "Clear %zu task instance%s of %s (", n, n == 1 ? "" : "s", c->argv[1]);
	for (i = 0; i < n && i < 5; i++)
		buf_printf(&q, "%s%s", i ? ", " : "", view_cell(c->view, i, 0)->text);
	buf_printf(&q, "%s)?", n > 5 ? ", ..." : "");
	c->env->confirm(c, buf_str(&q), af_task_clear_answer);
	buf_free(&q);
}

/* task clear DAG RUN [TASK...] [--downstream] [--only-failed] [--dry-run] */
static enum cmd_retval
af_task_clear_exec(struct cmd *c)
{
	struct afc	*a;
	json_t		*ids;
	char		*d, *path;
	int		 i;

	if ((a = afc_new(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	a->body = json_pack("{s:b, s:s, s:b, s:b, s:b}", "dry_run", 1, "dag_run_id",
	    c->argv[1], "only_failed", cmd_flag(c, "only-failed"), "include_downstream",
	    cmd_flag(c, "downstream"), "reset_dag_runs", 1);
	if (c->argc > 2) {
		ids = json_array();
		for (i = 2; i < c->argc; i++)
			json_array_append_new(ids, json_string(c->argv[i]));
		json_object_set_new(a->body, "task_ids", ids);
	}
	d = af_escape_path(c->argv[0]);
	path = xprintf("/dags/%s/clearTaskInstances", d);
	a->op = af_request(a->client, "POST", path, NULL, a->body, af_task_clear_preview, a);
	free(path);
	free(d);
	return (afc_wait(a));
}

const struct cmd_entry af_task_log_entry = {
	.name = "task log",
	.args = { AFC_SPEC " try= follow|f", 3, 3 },
	.usage = "[--service S] [--try N] [--follow] DAG RUN TASK",
	.help = "Show a task's log; with --follow, go on until the task ends.",
	.flags = CMD_INVENTORY,
	.exec = af_task_log_exec,
};

/* Destructive, but it confirms itself: the dry run's list comes before the question. */
const struct cmd_entry af_task_clear_entry = {
	.name = "task clear",
	.args = { AFC_SPEC " downstream only-failed dry-run", 2, -1 },
	.usage = "[--service S] [--downstream] [--only-failed] [--dry-run] DAG RUN [TASK ...]",
	.help = "List the task instances a clear would reset, confirm, then clear them.",
	.flags = CMD_INVENTORY | CMD_CHANGES,
	.exec = af_task_clear_exec,
};

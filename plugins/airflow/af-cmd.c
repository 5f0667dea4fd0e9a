/*
 * The Airflow commands that read and pause: dag list, dag runs, dag grid,
 * dag pause and dag unpause; and what every Airflow command shares.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/airflow.h"
#include "backends/http.h"
#include "core/inventory.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/airflow/af-cmd.h"

/* Everything the command holds; the command itself stays. */
static void
afc_free(struct afc *a)
{
	loop_timer_stop(&a->timer);
	af_client_free(a->client);
	http_free(a->http);
	free(a->run);
	free(a->token);
	free(a->state);
	json_decref(a->body);
	buf_free(&a->text);
	a->cmd->state = NULL;
	a->cmd->cancel = NULL;
	free(a);
}

/* cmd_cancel: stop what is in flight; cmd_cancel finishes. */
static void
afc_cancel(struct cmd *c)
{
	if (c->state != NULL)
		afc_free(c->state);
}

/* The service of --service (or the first airflow one) and a client for it. */
struct afc *
afc_new(struct cmd *c)
{
	const struct inv_service	*svc;
	struct afc			*a;
	char				*cause = NULL;

	if ((svc = af_service_find(c->env->inv, cmd_opt(c, "service"), &cause)) == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s: %s", c->entry->name, cause);
		free(cause);
		return (NULL);
	}
	a = xcalloc(1, sizeof *a);
	a->cmd = c;
	buf_init(&a->text);
	a->http = http_new(c->env->loop);
	if ((a->client = af_client_new(c->env->loop, a->http, c->env->inv, svc,
	    &cause)) == NULL) {
		cmd_error(c, CMD_EXIT_AUTH, "%s: %s: %s", c->entry->name, svc->name, cause);
		free(cause);
		http_free(a->http);
		free(a);
		return (NULL);
	}
	if (svc->timeout_ms <= 0 && c->env->inv->timeout_ms <= 0 && c->env->timeout_ms > 0)
		af_client_timeout(a->client, c->env->timeout_ms);
	loop_timer_init(&a->timer, c->env->loop, NULL, a);
	c->state = a;
	c->cancel = afc_cancel;
	return (a);
}

/* The one way out of an Airflow command. */
void
afc_end(struct afc *a)
{
	struct cmd	*c = a->cmd;

	afc_free(a);
	cmd_finish(c);
}

/* An error result ends the command with its exit status. */
void
afc_fail(struct afc *a, const struct af_result *r)
{
	cmd_error(a->cmd, af_exit_code(r), "%s: %s", a->cmd->entry->name,
	    r->message != NULL ? r->message : "failed");
	afc_end(a);
}

/* Progress for a person: stderr in scripted mode, nothing in the console. */
void
afc_note(struct afc *a, const char *fmt, ...)
{
	va_list	ap;

	if (a->cmd->env->confirm != NULL)
		return;
	va_start(ap, fmt);
	fputs("platform-tui: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* exec's return: the command may have ended already. */
enum cmd_retval
afc_wait(struct afc *a)
{
	(void)a;
	return (CMD_RETURN_WAIT);
}

/* Rows of a later page go after the first page's. */
static void
afc_append(struct view *to, const struct view *from)
{
	const struct view_cell	*cell;
	size_t			 i, k, row;

	for (i = 0; i < from->nrows; i++) {
		row = view_add_row(to);
		for (k = 0; k < from->ncols && k < to->ncols; k++) {
			cell = view_cell(from, i, k);
			if (cell->text != NULL)
				view_set_text(to, row, k, cell->text);
			else if (cell->isnum)
				view_set_num(to, row, k, cell->num);
		}
	}
}

/* A view result goes to the command; a database one is said to be read-only. */
void
afc_take_view(struct afc *a, struct af_result *r)
{
	if (r->from_db)
		afc_note(a, "%s is unreachable: read from the metadata database "
		    "(read-only)", af_client_name(a->client));
	if (a->cmd->view == NULL) {
		a->cmd->view = r->view;
		r->view = NULL;
	} else
		afc_append(a->cmd->view, r->view);
}

/* A page of DAGs; without --limit the next page is asked for until all are in. */
static void
afc_dags_done(struct af_result *r, void *arg)
{
	struct afc	*a = arg;
	struct cmd	*c = a->cmd;
	size_t		 n;

	a->op = NULL;
	if (r->error != AF_OK) {
		afc_fail(a, r);
		return;
	}
	n = r->view->nrows;
	afc_take_view(a, r);
	if (cmd_opt(c, "limit") == NULL && n > 0 && !r->from_db &&
	    r->offset + n < r->total) {
		a->op = af_dags_view(a->client, cmd_opt(c, "pattern"), r->offset + n, 0,
		    afc_dags_done, a);
		return;
	}
	afc_end(a);
}

/* --limit and --offset as numbers; -1 and an error on a bad one. */
static int
afc_page(struct cmd *c, size_t *offset, size_t *limit)
{
	const char	*s;
	char		*end;

	*offset = *limit = 0;
	if ((s = cmd_opt(c, "offset")) != NULL) {
		*offset = strtoul(s, &end, 10);
		if (*s == '\0' || *end != '\0') {
			cmd_error(c, CMD_EXIT_USAGE, "%s: bad --offset '%s'", c->entry->name, s);
			return (-1);
		}
	}
	if ((s = cmd_opt(c, "limit")) != NULL) {
		*limit = strtoul(s, &end, 10);
		if (*s == '\0' || *end != '\0' || *limit == 0) {
			cmd_error(c, CMD_EXIT_USAGE, "%s: bad --limit '%s'", c->entry->name, s);
			return (-1);
		}
	}
	return (0);
}

/* dag list [--pattern P] [--limit N] [--offset N] */
static enum cmd_retval
afc_dag_list(struct cmd *c)
{
	struct afc	*a;
	size_t		 offset, limit;

	if (afc_page(c, &offset, &limit) != 0 || (a = afc_new(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	a->op = af_dags_view(a->client, cmd_opt(c, "pattern"), offset, limit,
	    afc_dags_done, a);
	return (afc_wait(a));
}

/* One page of runs is the answer; --limit asks for more. */
static void
afc_view_done(struct af_result *r, void *arg)
{
	struct afc	*a = arg;

	a->op = NULL;
	if (r->error != AF_OK) {
		afc_fail(a, r);
		return;
	}
	afc_take_view(a, r);
	afc_end(a);
}

/* dag runs DAG [--limit N] [--offset N] */
static enum cmd_retval
afc_dag_runs(struct cmd *c)
{
	struct afc	*a;
	size_t		 offset, limit;

	if (afc_page(c, &offset, &limit) != 0 || (a = afc_new(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	a->op = af_runs_view(a->client, c->argv[0], offset, limit, afc_view_done, a);
	return (afc_wait(a));
}

/* dag grid DAG [--runs N] */
static enum cmd_retval
afc_dag_grid(struct cmd *c)
{
	struct afc	*a;
	const char	*s;
	char		*end;
	size_t		 n = 25;

	if ((s = cmd_opt(c, "runs")) != NULL) {
		n = strtoul(s, &end, 10);
		if (*s == '\0' || *end != '\0' || n == 0) {
			cmd_error(c, CMD_EXIT_USAGE, "dag grid: bad --runs '%s'", s);
			return (CMD_RETURN_NORMAL);
		}
	}
	if ((a = afc_new(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	a->op = af_grid_view(a->client, c->argv[0], n, afc_view_done, a);
	return (afc_wait(a));
}

/* The DAG as the API answers it after the change. */
static void
afc_pause_done(struct af_result *r, void *arg)
{
	struct afc	*a = arg;
	json_t		*p;

	a->op = NULL;
	if (r->error != AF_OK) {
		afc_fail(a, r);
		return;
	}
	p = json_object_get(r->json, "is_paused");
	cmd_message(a->cmd, "%s: %s", a->cmd->argv[0], json_is_true(p) ? "paused" :
	    json_is_false(p) ? "unpaused" : "done");
	afc_end(a);
}

/* PATCH /dags/{id}?update_mask=is_paused with the wanted state. */
static enum cmd_retval
afc_dag_pause_set(struct cmd *c, int paused)
{
	struct afc	*a;
	json_t		*body;
	char		*d, *path;

	if ((a = afc_new(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	d = af_escape_path(c->argv[0]);
	path = xprintf("/dags/%s", d);
	body = json_pack("{s:b}", "is_paused", paused);
	a->op = af_request(a->client, "PATCH", path, "update_mask=is_paused", body,
	    afc_pause_done, a);
	json_decref(body);
	free(path);
	free(d);
	return (afc_wait(a));
}

static enum cmd_retval
afc_dag_pause(struct cmd *c)
{
	return (afc_dag_pause_set(c, 1));
}

static enum cmd_retval
afc_dag_unpause(struct cmd *c)
{
	return (afc_dag_pause_set(c, 0));
}

static const struct cmd_entry afc_dag_list_entry = {
	.name = "dag list",
	.args = { AFC_SPEC " pattern= limit= offset=", 0, 0 },
	.usage = "[--service S] [--pattern P] [--limit N] [--offset N]",
	.help = "List the DAGs with their schedule, last run state and recent runs.",
	.flags = CMD_INVENTORY,
	.exec = afc_dag_list,
};

static const struct cmd_entry afc_dag_runs_entry = {
	.name = "dag runs",
	.args = { AFC_SPEC " limit= offset=", 1, 1 },
	.usage = "[--service S] [--limit N] [--offset N] DAG",
	.help = "List a DAG's runs, newest first.",
	.flags = CMD_INVENTORY,
	.exec = afc_dag_runs,
};

static const struct cmd_entry afc_dag_grid_entry = {
	.name = "dag grid",
	.args = { AFC_SPEC " runs=", 1, 1 },
	.usage = "[--service S] [--runs N] DAG",
	.help = "Show the state of every task in a DAG's last runs: runs across, tasks down.",
	.flags = CMD_INVENTORY,
	.exec = afc_dag_grid,
};

static const struct cmd_entry afc_dag_pause_entry = {
	.name = "dag pause",
	.args = { AFC_SPEC, 1, 1 },
	.usage = "[--service S] DAG",
	.help = "Pause a DAG: the scheduler creates no new runs for it.",
	.flags = CMD_INVENTORY | CMD_CHANGES,
	.exec = afc_dag_pause,
};

static const struct cmd_entry afc_dag_unpause_entry = {
	.name = "dag unpause",
	.args = { AFC_SPEC, 1, 1 },
	.usage = "[--service S] DAG",
	.help = "Unpause a DAG.",
	.flags = CMD_INVENTORY | CMD_CHANGES,
	.exec = afc_dag_unpause,
};


extern const struct cmd_entry af_trigger_entry, af_run_mark_entry;
extern const struct cmd_entry af_task_log_entry, af_task_clear_entry;

const struct cmd_entry *const af_commands[] = {
	&afc_dag_list_entry,
	&afc_dag_runs_entry,
	&afc_dag_grid_entry,
	&afc_dag_pause_entry,
	&afc_dag_unpause_entry,
	&af_trigger_entry,
	&af_run_mark_entry,
	&af_task_log_entry,
	&af_task_clear_entry,
	NULL
};

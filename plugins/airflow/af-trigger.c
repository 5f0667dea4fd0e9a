/*
 * dag trigger (conf checked before it is sent, --wait follows the run to its
 * end) and run mark (set a run's state, confirmed first).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/airflow.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/airflow/af-cmd.h"

#define AF_TRIGGER_POLL_MS	1000	/* --wait asks for the run's state this often */

static void	af_trigger_poll(void *);

/* --conf JSON or @file, which must be an object; NULL and an error otherwise. */
static json_t *
af_trigger_conf(struct cmd *c)
{
	const char	*s = cmd_opt(c, "conf");
	json_error_t	 e;
	json_t		*conf;

	if (s == NULL)
		return (json_object());
	if (s[0] == '@')
		conf = json_load_file(s + 1, JSON_REJECT_DUPLICATES, &e);
	else
		conf = json_loads(s, JSON_REJECT_DUPLICATES, &e);
	if (conf == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "dag trigger: --conf is not valid JSON: %s "
		    "(line %d, column %d)", e.text, e.line, e.column);
		return (NULL);
	}
	if (!json_is_object(conf)) {
		cmd_error(c, CMD_EXIT_USAGE, "dag trigger: --conf must be a JSON object "
		    "({\"key\": value}), not %s", json_is_array(conf) ? "an array" : "a scalar");
		json_decref(conf);
		return (NULL);
	}
	return (conf);
}

/* A JSON schema type name matches a value? Unknown types pass. */
static int
af_trigger_type_ok(const char *type, json_t *v)
{
	if (strcmp(type, "string") == 0)
		return (json_is_string(v));
	if (strcmp(type, "integer") == 0)
		return (json_is_integer(v));
	if (strcmp(type, "number") == 0)
		return (json_is_number(v));
	if (strcmp(type, "boolean") == 0)
		return (json_is_boolean(v));
	if (strcmp(type, "object") == 0)
		return (json_is_object(v));
	if (strcmp(type, "array") == 0)
		return (json_is_array(v));
	if (strcmp(type, "null") == 0)
		return (json_is_null(v));
	return (1);
}

/* Check conf against the DAG's params ({name: {value, schema: {type}}}); NULL if fine. */
static char *
af_trigger_check_params(json_t *params, json_t *conf)
{
	const char	*key;
	json_t		*p, *schema, *type, *t, *v;
	size_t		 i;
	int		 ok;

	if (!json_is_object(params))
		return (NULL);
	json_object_foreach(params, key, p) {
		v = json_object_get(conf, key);
		schema = json_object_get(p, "schema");
		type = json_object_get(schema, "type");
		if (v == NULL) {
			/* A param without a default must be given. */
			if (json_is_object(p) && json_object_get(p, "value") != NULL &&
			    json_is_null(json_object_get(p, "value")) && type != NULL &&
			    !af_trigger_type_ok(json_is_string(type) ? json_string_value(type) :
			    "x", json_null()))
				return (xprintf("conf lacks the required param '%s'", key));
			continue;
		}
		if (json_is_string(type))
			ok = af_trigger_type_ok(json_string_value(type), v);
		else if (json_is_array(type)) {
			ok = 0;
			json_array_foreach(type, i, t) {
				if (json_is_string(t) && af_trigger_type_ok(json_string_value(t), v))
					ok = 1;
			}
		} else
			ok = 1;
		if (!ok)
			return (xprintf("conf '%s' must be of type %s", key,
			    json_is_string(type) ? json_string_value(type) : "(see the DAG)"));
	}
	return (NULL);
}

/* The run's state now; prints changes; ends on a final state. */
static void
af_trigger_state(struct af_result *r, void *arg)
{
	struct afc	*a = arg;
	struct cmd	*c = a->cmd;
	const char	*state;
	json_t		*one;

	a->op = NULL;
	if (r->error != AF_OK) {
		afc_fail(a, r);
		return;
	}
	state = json_string_value(json_object_get(r->json, "state"));
	if (state == NULL)
		state = "none";
	if (a->state == NULL || strcmp(a->state, state) != 0) {
		afc_note(a, "%s %s: %s", c->argv[0], a->run, state);
		free(a->state);
		a->state = xstrdup(state);
	}
	if (!af_state_final(state)) {
		a->timer.cb = af_trigger_poll;
		loop_timer_start(&a->timer, AF_TRIGGER_POLL_MS);
		return;
	}
	view_free(c->view);
	c->view = af_view_new("runs", "Run");
	one = json_pack("[O]", r->json);
	af_view_add_json(c->view, "runs", one, NULL);
	json_decref(one);
	if (strcmp(state, "success") != 0)
		cmd_error(c, CMD_EXIT_FAIL, "dag trigger: run %s of %s ended %s", a->run,
		    c->argv[0], state);
	afc_end(a);
}

/* --wait: ask for the run again. */
static void
af_trigger_poll(void *arg)
{
	struct afc	*a = arg;
	char		*d, *r, *path;

	d = af_escape_path(a->cmd->argv[0]);
	r = af_escape_path(a->run);
	path = xprintf("/dags/%s/dagRuns/%s", d, r);
	a->op = af_request(a->client, "GET", path, NULL, NULL, af_trigger_state, a);
	free(path);
	free(r);
	free(d);
}

/* Created: show it, or follow it with --wait. */
static void
af_trigger_created(struct af_result *r, void *arg)
{
	struct afc	*a = arg;
	struct cmd	*c = a->cmd;
	json_t		*one;
	const char	*id;

	a->op = NULL;
	if (r->error != AF_OK) {
		afc_fail(a, r);
		return;
	}
	id = json_string_value(json_object_get(r->json, "dag_run_id"));
	a->run = xstrdup(id != NULL ? id : "");
	c->view = af_view_new("runs", "Triggered run");
	one = json_pack("[O]", r->json);
	af_view_add_json(c->view, "runs", one, NULL);
	json_decref(one);
	if (!cmd_flag(c, "wait")) {
		afc_end(a);
		return;
	}
	af_trigger_state(r, a);
}

/* The DAG's details: its params say what conf may hold. */
static void
af_trigger_details(struct af_result *r, void *arg)
{
	struct afc	*a = arg;
	struct cmd	*c = a->cmd;
	json_t		*conf;
	char		*why, *d, *path;
	const char	*s;

	a->op = NULL;
	if (r->error != AF_OK) {
		afc_fail(a, r);
		return;
	}
	conf = json_object_get(a->body, "conf");
	if ((why = af_trigger_check_params(json_object_get(r->json, "params"), conf)) != NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "dag trigger: %s: not sent", why);
		free(why);
		afc_end(a);
		return;
	}
	if ((s = cmd_opt(c, "logical-date")) != NULL)
		json_object_set_new(a->body, "logical_date", json_string(s));
	else if (af_client_version(a->client) == AF_VERSION_3)
		json_object_set_new(a->body, "logical_date", json_null());	/* 3.x wants the key */
	if ((s = cmd_opt(c, "run-id")) != NULL)
		json_object_set_new(a->body, "dag_run_id", json_string(s));
	d = af_escape_path(c->argv[0]);
	path = xprintf("/dags/%s/dagRuns", d);
	a->op = af_request(a->client, "POST", path, NULL, a->body, af_trigger_created, a);
	free(path);
	free(d);
}

/* dag trigger DAG [--conf JSON|@file] [--run-id ID] [--logical-date T] [--wait] */
static enum cmd_retval
af_trigger_exec(struct cmd *c)
{
	struct afc	*a;
	json_t		*conf;
	char		*d, *path;

	if ((conf = af_trigger_conf(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	if ((a = afc_new(c)) == NULL) {
		json_decref(conf);
		return (CMD_RETURN_NORMAL);
	}
	a->body = json_pack("{s:o}", "conf", conf);
	d = af_escape_path(c->argv[0]);
	path = xprintf("/dags/%s/details", d);
	a->op = af_request(a->client, "GET", path, NULL, NULL, af_trigger_details, a);
	free(path);
	free(d);
	return (afc_wait(a));
}

/* The run after the change. */
static void
af_run_mark_done(struct af_result *r, void *arg)
{
	struct afc	*a = arg;
	struct cmd	*c = a->cmd;
	json_t		*one;

	a->op = NULL;
	if (r->error != AF_OK) {
		afc_fail(a, r);
		return;
	}
	c->view = af_view_new("runs", "Run");
	one = json_pack("[O]", r->json);
	af_view_add_json(c->view, "runs", one, NULL);
	json_decref(one);
	afc_end(a);
}

/* run mark DAG RUN success|failed */
static enum cmd_retval
af_run_mark_exec(struct cmd *c)
{
	struct afc	*a;
	json_t		*body;
	char		*d, *r, *path;

	if (strcmp(c->argv[2], "success") != 0 && strcmp(c->argv[2], "failed") != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "run mark: the state is success or failed, "
		    "not '%s'", c->argv[2]);
		return (CMD_RETURN_NORMAL);
	}
	if ((a = afc_new(c)) == NULL)
		return (CMD_RETURN_NORMAL);
	d = af_escape_path(c->argv[0]);
	r = af_escape_path(c->argv[1]);
	path = xprintf("/dags/%s/dagRuns/%s", d, r);
	body = json_pack("{s:s}", "state", c->argv[2]);
	a->op = af_request(a->client, "PATCH", path, NULL, body, af_run_mark_done, a);
	json_decref(body);
	free(path);
	free(r);
	free(d);
	return (afc_wait(a));
}

const struct cmd_entry af_trigger_entry = {
	.name = "dag trigger",
	.args = { AFC_SPEC " conf= run-id= logical-date= wait", 1, 1 },
	.usage = "[--service S] [--conf JSON|@file] [--run-id ID] [--logical-date T] "
	    "[--wait] DAG",
	.help = "Start a DAG run; with --wait follow it and exit 0 on success, 1 on failure.",
	.flags = CMD_INVENTORY | CMD_CHANGES,
	.exec = af_trigger_exec,
};

const struct cmd_entry af_run_mark_entry = {
	.name = "run mark",
	.args = { AFC_SPEC, 3, 3 },
	.usage = "[--service S] DAG RUN success|failed",
	.help = "Set a DAG run's state to success or failed.",
	.flags = CMD_INVENTORY | CMD_CHANGES | CMD_DESTRUCTIVE,
	.exec = af_run_mark_exec,
};

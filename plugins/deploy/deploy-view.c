/*
 * What a person looks at between applies, without connecting anywhere:
 * the steps of the newest saved plan (or a named one), one step's diff,
 * and the history of applies. The Deploy pane is made of these views.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/cmd.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy-int.h"

/* The newest plan by the time its file was written (two in one second differ). */
static char *
deploy_view_newest(void)
{
	char		*dir = deploy_plan_dir(), *best = NULL, *path;
	DIR		*d;
	struct dirent	*e;
	struct stat	 sb;
	struct timespec	 when = { 0, 0 };
	size_t		 len;

	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			len = strlen(e->d_name);
			if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
				continue;
			xasprintf(&path, "%s/%s", dir, e->d_name);
			if (stat(path, &sb) == 0 && (best == NULL ||
			    sb.st_mtim.tv_sec > when.tv_sec ||
			    (sb.st_mtim.tv_sec == when.tv_sec &&
			    sb.st_mtim.tv_nsec > when.tv_nsec))) {
				free(best);
				best = xstrndup(e->d_name, len - 5);
				when = sb.st_mtim;
			}
			free(path);
		}
		closedir(d);
	}
	free(dir);
	return (best);
}

static json_t *
deploy_view_load(struct cmd *c, const char *id)
{
	char		*newest = NULL, *dir, *path;
	json_t		*j;
	json_error_t	 e;

	if (id == NULL && (id = newest = deploy_view_newest()) == NULL)
		return (NULL);
	dir = deploy_plan_dir();
	xasprintf(&path, "%s/%s.json", dir, id);
	free(dir);
	if ((j = json_load_file(path, 0, &e)) == NULL)
		cmd_error(c, CMD_EXIT_FAIL, "plan %s: %s", path, e.text);
	free(path);
	free(newest);
	return (j);
}

static const char *
deploy_view_str(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

static struct view *
deploy_view_steps_new(const char *title)
{
	struct view	*v = view_new(title);

	view_add_column(v, "node", VIEW_TEXT);
	view_add_column(v, "step", VIEW_TEXT);
	view_add_column(v, "state", VIEW_STATE);
	view_add_column(v, "detail", VIEW_TEXT);
	view_add_column(v, "planned", VIEW_TIME);
	return (v);
}

static enum cmd_retval
deploy_cmd_status(struct cmd *c)
{
	json_t		*j, *nodes, *n, *st;
	struct view	*v;
	size_t		 i, k, row;
	char		*title;

	if ((j = deploy_view_load(c, c->argc > 0 ? c->argv[0] : NULL)) == NULL) {
		/* No plan yet is an empty list, not an error. */
		if (c->exit == CMD_EXIT_OK)
			c->view = deploy_view_steps_new("no plan yet");
		return (CMD_RETURN_NORMAL);
	}
	xasprintf(&title, "plan %s", deploy_view_str(j, "id"));
	v = deploy_view_steps_new(title);
	free(title);
	nodes = json_object_get(j, "nodes");
	json_array_foreach(nodes, i, n) {
		if (json_is_string(json_object_get(n, "error"))) {
			row = view_add_row(v);
			view_set_text(v, row, 0, deploy_view_str(n, "node"));
			view_set_text(v, row, 2, "failed");
			view_set_text(v, row, 3, deploy_view_str(n, "error"));
		}
		json_array_foreach(json_object_get(n, "pending"), k, st) {
			row = view_add_row(v);
			view_set_text(v, row, 0, deploy_view_str(n, "node"));
			view_set_text(v, row, 1, json_string_value(st));
			view_set_text(v, row, 2, "pending");
			view_set_text(v, row, 3, "restart left by an earlier apply");
		}
		json_array_foreach(json_object_get(n, "steps"), k, st) {
			row = view_add_row(v);
			view_set_text(v, row, 0, deploy_view_str(n, "node"));
			title = xprintf("%s/%s", deploy_view_str(st, "recipe"),
			    deploy_view_str(st, "step"));
			view_set_text(v, row, 1, title);
			free(title);
			view_set_text(v, row, 2, deploy_view_str(st, "state"));
			view_set_text(v, row, 3, deploy_view_str(st, "why"));
			view_set_num(v, row, 4, json_integer_value(json_object_get(j,
			    "created")));
		}
	}
	json_decref(j);
	c->view = v;
	return (CMD_RETURN_NORMAL);
}

/* One step's diffs as lines, for the Result pane and for scripts. */
static enum cmd_retval
deploy_cmd_diff(struct cmd *c)
{
	json_t		*j, *n, *st, *f;
	struct view	*v;
	size_t		 i, k, m, row;
	const char	*d, *nl;
	char		*label;
	struct buf	 b;

	if ((j = deploy_view_load(c, cmd_opt(c, "plan"))) == NULL) {
		if (c->exit == CMD_EXIT_OK)
			cmd_error(c, CMD_EXIT_FAIL, "no saved plan yet: run deploy plan");
		return (CMD_RETURN_NORMAL);
	}
	xasprintf(&label, "%s %s", c->argv[0], c->argv[1]);
	v = view_new(label);
	view_add_column(v, "line", VIEW_TEXT);
	json_array_foreach(json_object_get(j, "nodes"), i, n) {
		if (strcmp(deploy_view_str(n, "node"), c->argv[0]) != 0)
			continue;
		json_array_foreach(json_object_get(n, "steps"), k, st) {
			free(label);
			xasprintf(&label, "%s/%s", deploy_view_str(st, "recipe"),
			    deploy_view_str(st, "step"));
			if (strcmp(label, c->argv[1]) != 0)
				continue;
			json_array_foreach(json_object_get(st, "files"), m, f) {
				if ((d = json_string_value(json_object_get(f, "diff"))) == NULL)
					continue;
				for (; *d != '\0'; d = *nl != '\0' ? nl + 1 : nl) {
					if ((nl = strchr(d, '\n')) == NULL)
						nl = d + strlen(d);
					buf_init(&b);
					util_sanitize(&b, d, nl - d);
					row = view_add_row(v);
					view_set_text(v, row, 0, buf_str(&b));
					buf_free(&b);
				}
			}
		}
	}
	free(label);
	json_decref(j);
	if (v->nrows == 0) {
		view_free(v);
		cmd_message(c, "%s %s: no file changes in the plan", c->argv[0],
		    c->argv[1]);
		return (CMD_RETURN_NORMAL);
	}
	c->view = v;
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
deploy_cmd_history(struct cmd *c)
{
	char		*path = util_xdg_path("state", "deploy-history.jsonl");
	FILE		*f = fopen(path, "r");
	char		 line[4096];
	json_t		*j;
	struct view	*v = view_new("deploy history");
	size_t		 row;

	view_add_column(v, "time", VIEW_TIME);
	view_add_column(v, "user", VIEW_TEXT);
	view_add_column(v, "plan", VIEW_TEXT);
	view_add_column(v, "result", VIEW_STATE);
	view_add_column(v, "steps", VIEW_NUMBER);
	view_add_column(v, "duration", VIEW_DURATION);
	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		if ((j = json_loads(line, 0, NULL)) == NULL)
			continue;
		row = view_add_row(v);
		view_set_num(v, row, 0, json_integer_value(json_object_get(j, "time")));
		view_set_text(v, row, 1, deploy_view_str(j, "user"));
		view_set_text(v, row, 2, deploy_view_str(j, "plan"));
		view_set_text(v, row, 3, deploy_view_str(j, "result"));
		view_set_num(v, row, 4, json_integer_value(json_object_get(j, "steps")));
		view_set_num(v, row, 5, json_integer_value(json_object_get(j, "ms")));
		json_decref(j);
	}
	if (f != NULL)
		fclose(f);
	free(path);
	view_sort(v, 0, 1);
	c->view = v;
	return (CMD_RETURN_NORMAL);
}

const struct cmd_entry deploy_status_entry = {
	.name = "deploy status",
	.args = { "", 0, 1 },
	.usage = "[PLAN]",
	.help = "List the steps of the newest saved plan (or PLAN) with their state, without connecting.",
	.exec = deploy_cmd_status,
};

const struct cmd_entry deploy_diff_entry = {
	.name = "deploy diff",
	.args = { "plan=", 2, 2 },
	.usage = "[--plan PLAN] NODE RECIPE/STEP",
	.help = "Show the file diffs of one step of the newest saved plan (or PLAN).",
	.exec = deploy_cmd_diff,
};

const struct cmd_entry deploy_history_entry = {
	.name = "deploy history",
	.args = { "", 0, 0 },
	.usage = "",
	.help = "List past applies: when, who, plan, result, steps changed, duration.",
	.exec = deploy_cmd_history,
};

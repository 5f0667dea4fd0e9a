/*
 * Saved plans and their forms: the JSON file under the state directory
 * (facts and wanted-state hashes, steps, redacted diffs; never a secret),
 * the text a person reads, and the history of applies.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/inventory.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy-int.h"

char *
deploy_plan_dir(void)
{
	return (util_xdg_path("state", "plans"));
}

char *
deploy_plan_json(const struct deploy_plan *plan)
{
	const struct deploy_nodeplan	*np;
	const struct deploy_stepplan	*sp;
	json_t				*j, *nodes, *n, *steps, *files, *pend;
	char				*s;
	size_t				 i, k, f;
	int				 t;

	nodes = json_array();
	for (i = 0; i < plan->nnodes; i++) {
		np = &plan->nodes[i];
		steps = json_array();
		for (k = 0; k < np->nsteps; k++) {
			sp = &np->steps[k];
			files = json_array();
			for (f = 0; f < sp->nfiles; f++) {
				json_array_append_new(files, json_pack("{s:s,s:b,s:b,s:s?}",
				    "path", sp->files[f].rel, "changes",
				    sp->files[f].changed, "secret", sp->files[f].secret,
				    "diff", sp->files[f].diff));
			}
			json_array_append_new(steps, json_pack("{s:s,s:s,s:s,s:s,s:o}",
			    "recipe", sp->recipe->name, "step", sp->label, "state",
			    deploy_state_string(sp->state), "why", sp->why != NULL ?
			    sp->why : "", "files", files));
		}
		pend = json_array();
		for (k = 0; k < np->npending; k++)
			json_array_append_new(pend, json_string(np->pending[k]));
		n = json_pack("{s:s,s:s,s:s,s:s?,s:o,s:o}", "node", np->node->name,
		    "root", *np->root != '\0' ? np->root : "/", "facts_hash",
		    np->facts_hash, "error", np->error, "pending", pend, "steps", steps);
		json_array_append_new(nodes, n);
	}
	j = json_pack("{s:s,s:I,s:s,s:s,s:I,s:[],s:o}", "id", plan->id, "created",
	    (json_int_t)plan->created, "facts_hash", plan->facts_hash, "want_hash",
	    plan->want_hash, "changes", (json_int_t)plan->nchanges, "targets",
	    "nodes", nodes);
	for (t = 0; t < plan->ntargets; t++)
		json_array_append_new(json_object_get(j, "targets"),
		    json_string(plan->targets[t]));
	s = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	return (s);
}

/* Saved with temp + rename, private: a plan names hosts and paths. */
int
deploy_plan_save(const struct deploy_plan *plan, char **cause)
{
	char	*dir = deploy_plan_dir(), *path, *tmp, *text;
	FILE	*f;
	int	 rc = 0;

	if (util_mkdir_p(dir, 0700) != 0) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		free(dir);
		return (-1);
	}
	xasprintf(&path, "%s/%s.json", dir, plan->id);
	xasprintf(&tmp, "%s.tmp", path);
	text = deploy_plan_json(plan);
	if ((f = fopen(tmp, "w")) == NULL || fchmod(fileno(f), 0600) != 0 ||
	    fprintf(f, "%s\n", text) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (f != NULL && fclose(f) != 0 && rc == 0) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(text);
	free(tmp);
	free(path);
	free(dir);
	return (rc);
}

void
deploy_saved_free(struct deploy_saved *sv)
{
	size_t	i;

	if (sv == NULL)
		return;
	for (i = 0; i < (size_t)sv->ntargets; i++)
		free(sv->targets[i]);
	for (i = 0; i < sv->nnodes; i++) {
		free(sv->node_names[i]);
		free(sv->node_hashes[i]);
	}
	free(sv->targets);
	free(sv->node_names);
	free(sv->node_hashes);
	free(sv->id);
	free(sv);
}

/* A plan by id (or a path to its file). */
struct deploy_saved *
deploy_plan_load(const char *id, char **cause)
{
	struct deploy_saved	*sv;
	json_t			*j, *v;
	json_error_t		 e;
	char			*dir, *path;
	const char		*s;
	size_t			 i;

	if (strchr(id, '/') != NULL)
		path = xstrdup(id);
	else {
		dir = deploy_plan_dir();
		xasprintf(&path, "%s/%s.json", dir, id);
		free(dir);
	}
	if ((j = json_load_file(path, 0, &e)) == NULL) {
		xasprintf(cause, "plan %s: %s", path, e.text);
		free(path);
		return (NULL);
	}
	free(path);
	sv = xcalloc(1, sizeof *sv);
	sv->id = xstrdup((s = json_string_value(json_object_get(j, "id"))) ? s : id);
	snprintf(sv->facts_hash, sizeof sv->facts_hash, "%s",
	    (s = json_string_value(json_object_get(j, "facts_hash"))) ? s : "");
	snprintf(sv->want_hash, sizeof sv->want_hash, "%s",
	    (s = json_string_value(json_object_get(j, "want_hash"))) ? s : "");
	v = json_object_get(j, "targets");
	sv->ntargets = (int)json_array_size(v);
	sv->targets = xcalloc(sv->ntargets + 1, sizeof *sv->targets);
	for (i = 0; i < (size_t)sv->ntargets; i++)
		sv->targets[i] = xstrdup((s = json_string_value(json_array_get(v, i))) ?
		    s : "");
	v = json_object_get(j, "nodes");
	sv->nnodes = json_array_size(v);
	sv->node_names = xcalloc(sv->nnodes + 1, sizeof *sv->node_names);
	sv->node_hashes = xcalloc(sv->nnodes + 1, sizeof *sv->node_hashes);
	for (i = 0; i < sv->nnodes; i++) {
		s = json_string_value(json_object_get(json_array_get(v, i), "node"));
		sv->node_names[i] = xstrdup(s != NULL ? s : "");
		s = json_string_value(json_object_get(json_array_get(v, i), "facts_hash"));
		sv->node_hashes[i] = xstrdup(s != NULL ? s : "");
	}
	json_decref(j);
	return (sv);
}

/* Diff lines come from the hosts: sanitized one line at a time. */
static void
deploy_plan_sanitize(struct buf *b, const char *text)
{
	const char	*nl;

	while (*text != '\0') {
		nl = strchr(text, '\n');
		buf_adds(b, "    ");
		util_sanitize(b, text, nl != NULL ? (size_t)(nl - text) : strlen(text));
		buf_addc(b, '\n');
		if (nl == NULL)
			break;
		text = nl + 1;
	}
}

/* What a person reads: each node's steps with their state, then the diffs. */
char *
deploy_plan_text(const struct deploy_plan *plan, int color)
{
	const struct deploy_nodeplan	*np;
	const struct deploy_stepplan	*sp;
	struct buf			 b;
	size_t				 i, k, f;
	const char			*on, *off = color ? "\033[0m" : "";

	buf_init(&b);
	for (i = 0; i < plan->nnodes; i++) {
		np = &plan->nodes[i];
		buf_printf(&b, "node %s (root %s)\n", np->node->name,
		    *np->root != '\0' ? np->root : "/");
		if (np->error != NULL) {
			buf_printf(&b, "  error: %s\n", np->error);
			continue;
		}
		for (k = 0; k < np->npending; k++)
			buf_printf(&b, "  pending: %s (from an earlier apply)\n",
			    np->pending[k]);
		for (k = 0; k < np->nsteps; k++) {
			sp = &np->steps[k];
			on = !color ? "" : sp->state == DEPLOY_NO_CHANGE ? "\033[2m" :
			    sp->state == DEPLOY_WILL_CHANGE ? "\033[33m" : "\033[36m";
			buf_printf(&b, "  %s%-11s%s %s/%s%s%s\n", on,
			    deploy_state_string(sp->state), off, sp->recipe->name,
			    sp->label, sp->why != NULL && *sp->why != '\0' ?
			    ": " : "", sp->why != NULL ? sp->why : "");
			for (f = 0; f < sp->nfiles; f++) {
				if (sp->files[f].diff != NULL)
					deploy_plan_sanitize(&b, sp->files[f].diff);
			}
		}
	}
	buf_printf(&b, "plan %s: %zu step%s to change", plan->id, plan->nchanges,
	    plan->nchanges == 1 ? "" : "s");
	return (buf_steal(&b));
}

/* One JSON line per apply in the state directory. */
void
deploy_history_add(const char *plan_id, const char *result, size_t nsteps, int64_t ms)
{
	char	*path = util_xdg_path("state", "deploy-history.jsonl"), *dir;
	FILE	*f;
	json_t	*j;
	char	*line;

	dir = util_xdg_dir("state");
	util_mkdir_p(dir, 0700);
	free(dir);
	j = json_pack("{s:I,s:s,s:s,s:s,s:I,s:I}", "time", (json_int_t)time(NULL),
	    "user", util_user(), "plan", plan_id, "result", result, "steps",
	    (json_int_t)nsteps, "ms", (json_int_t)ms);
	line = json_dumps(j, JSON_COMPACT);
	if ((f = fopen(path, "a")) != NULL) {
		fprintf(f, "%s\n", line);
		fclose(f);
	}
	free(line);
	json_decref(j);
	free(path);
}

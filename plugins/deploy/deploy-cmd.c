/*
 * The deploy commands: plan, apply, lock status, unlock and rollback.
 * Each connects to the nodes it needs through the deploy transport and
 * runs on the loop; apply and rollback are confirmed and audited.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmd.h"
#include "core/inventory.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy-conn.h"
#include "plugins/deploy/deploy-int.h"
#include "plugins/plugin.h"

#define DEPLOY_LOCK_WAIT_MS	60000
#define DEPLOY_HEALTH_MS	60000

struct deploy_cmd {
	struct cmd		*cmd;
	struct deploy_run	*run;
	struct deploy_saved	*saved;
	struct deploy_conn	*conn;		/* lock status, unlock, rollback */
	struct deploy_nodeplan	 np;		/* root of that node */
	size_t			 idx;		/* rollback: file cursor */
};

/* --local, --root, --timeout, --lock-wait and --health-timeout into opts. */
static int
deploy_cmd_opts(struct cmd *c, struct deploy_opts *o)
{
	const char	*v;
	char		*cause = NULL;

	memset(o, 0, sizeof *o);
	o->local = cmd_flag(c, "local");
	o->root = cmd_opt(c, "root");
	o->timeout_ms = c->env->timeout_ms > 0 ? c->env->timeout_ms * 6 : 60000;
	o->lock_wait_ms = DEPLOY_LOCK_WAIT_MS;
	o->health_ms = DEPLOY_HEALTH_MS;
	if (o->root != NULL && *o->root != '/') {
		cmd_error(c, CMD_EXIT_USAGE, "--root %s: give an absolute path", o->root);
		return (-1);
	}
	if ((v = cmd_opt(c, "lock-wait")) != NULL &&
	    util_parse_duration(v, &o->lock_wait_ms, &cause) != 0)
		goto bad;
	if ((v = cmd_opt(c, "health-timeout")) != NULL &&
	    util_parse_duration(v, &o->health_ms, &cause) != 0)
		goto bad;
	if ((v = cmd_opt(c, "timeout")) != NULL &&
	    util_parse_duration(v, &o->timeout_ms, &cause) != 0)
		goto bad;
	return (0);
bad:
	cmd_error(c, CMD_EXIT_USAGE, "%s", cause);
	free(cause);
	return (-1);
}

static void
deploy_cmd_free(struct deploy_cmd *d)
{
	deploy_run_free(d->run);
	deploy_saved_free(d->saved);
	deploy_conn_free(d->conn);
	free(d->np.root);
	free(d);
}

static void
deploy_cmd_cancel(struct cmd *c)
{
	deploy_cmd_free(c->state);
	c->state = NULL;
}

static void
deploy_cmd_end(struct deploy_cmd *d)
{
	struct cmd	*c = d->cmd;

	c->state = NULL;
	deploy_cmd_free(d);
	cmd_finish(c);
}

/* A command's state, freed by deploy_cmd_free or deploy_cmd_end. */
static struct deploy_cmd *
deploy_cmd_new(struct cmd *c)
{
	struct deploy_cmd	*d = xcalloc(1, sizeof *d);

	d->cmd = c;
	return (d);
}

/* Hand the command its state, so that a cancel frees it. */
static void
deploy_cmd_wait(struct cmd *c, struct deploy_cmd *d)
{
	c->state = d;
	c->cancel = deploy_cmd_cancel;
}

/* The run over the targets, waiting on it; on a bad target the error is said and d freed. */
static int
deploy_cmd_run(struct cmd *c, struct deploy_cmd *d, const struct deploy_opts *o,
    int ntargets, char **targets)
{
	char	*cause = NULL;

	if ((d->run = deploy_run_new(c->env, o, ntargets, targets, &cause)) == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s", cause);
		free(cause);
		deploy_cmd_free(d);
		return (-1);
	}
	deploy_cmd_wait(c, d);
	return (0);
}

static void
deploy_plan_done(struct deploy_run *run, int exit, const char *error, void *arg)
{
	struct deploy_cmd	*d = arg;
	struct cmd		*c = d->cmd;
	struct deploy_plan	*plan = deploy_run_result(run);
	const char		*o = cmd_opt(c, "output");
	char			*cause = NULL, *text;
	size_t			 i;
	int			 failed = 0;

	if (exit != CMD_EXIT_OK) {
		cmd_error(c, exit, "%s", error);
		deploy_cmd_end(d);
		return;
	}
	for (i = 0; i < plan->nnodes; i++) {
		if (plan->nodes[i].error != NULL) {
			if (!failed)
				cmd_error(c, plan->nodes[i].conn != NULL &&
				    deploy_conn_exit(plan->nodes[i].conn) != 0 ?
				    deploy_conn_exit(plan->nodes[i].conn) : CMD_EXIT_FAIL,
				    "%s", plan->nodes[i].error);
			failed = 1;
		}
	}
	if (!failed && deploy_plan_save(plan, &cause) != 0) {
		cmd_error(c, CMD_EXIT_FAIL, "saving the plan: %s", cause);
		free(cause);
	}
	if (o != NULL && strcmp(o, "json") == 0 && c->env->confirm == NULL) {
		text = deploy_plan_json(plan);
		printf("%s\n", text);
		free(text);
	} else if (c->env->confirm != NULL)
		cmd_message(c, "plan %s: %zu step%s to change (deploy status)", plan->id,
		    plan->nchanges, plan->nchanges == 1 ? "" : "s");
	else
		c->message = deploy_plan_text(plan, (c->env->flags & CMD_ENV_COLOR) != 0);
	deploy_changed();
	deploy_cmd_end(d);
}

static enum cmd_retval
deploy_cmd_plan(struct cmd *c)
{
	struct deploy_opts	 o;
	struct deploy_cmd	*d;

	if (deploy_cmd_opts(c, &o) != 0)
		return (CMD_RETURN_NORMAL);
	d = deploy_cmd_new(c);
	if (deploy_cmd_run(c, d, &o, c->argc, c->argv) != 0)
		return (CMD_RETURN_NORMAL);
	deploy_run_plan(d->run, deploy_plan_done, d);
	return (CMD_RETURN_WAIT);
}

static void
deploy_apply_done_cmd(struct deploy_run *run, int exit, const char *error, void *arg)
{
	struct deploy_cmd	*d = arg;
	struct cmd		*c = d->cmd;
	struct deploy_plan	*plan = deploy_run_result(run);
	char			*cause = NULL;

	/* Saved with each step's outcome: the Deploy pane and deploy status show it. */
	if (plan->nnodes > 0 && plan->nodes[0].steps != NULL &&
	    deploy_plan_save(plan, &cause) != 0)
		free(cause);
	if (exit != CMD_EXIT_OK)
		cmd_error(c, exit, "%s", error);
	else if (run->nchanged == 0)
		cmd_message(c, "apply %s: nothing to change", plan->id);
	else
		cmd_message(c, "apply %s: %zu step%s changed", plan->id, run->nchanged,
		    run->nchanged == 1 ? "" : "s");
	deploy_changed();
	deploy_cmd_end(d);
}

/* apply PLAN re-plans the plan's own targets and refuses if anything moved. */
static enum cmd_retval
deploy_cmd_apply(struct cmd *c)
{
	struct deploy_opts	 o;
	struct deploy_cmd	*d;
	char			*cause = NULL;
	int			 ntargets = c->argc;
	char			**targets = c->argv;

	if (deploy_cmd_opts(c, &o) != 0)
		return (CMD_RETURN_NORMAL);
	d = deploy_cmd_new(c);
	if (c->argc == 1 && inventory_node(c->env->inv, c->argv[0]) == NULL &&
	    inventory_service(c->env->inv, c->argv[0]) == NULL &&
	    deploy_recipe_find(c->argv[0]) == NULL) {
		if ((d->saved = deploy_plan_load(c->argv[0], &cause)) == NULL) {
			cmd_error(c, CMD_EXIT_USAGE, "%s", cause);
			free(cause);
			deploy_cmd_free(d);
			return (CMD_RETURN_NORMAL);
		}
		ntargets = d->saved->ntargets;
		targets = d->saved->targets;
	}
	if (deploy_cmd_run(c, d, &o, ntargets, targets) != 0)
		return (CMD_RETURN_NORMAL);
	deploy_apply(d->run, d->saved, deploy_apply_done_cmd, d);
	return (CMD_RETURN_WAIT);
}

/* The gateway (or first) node, its root and a connection to it. */
static int
deploy_cmd_lock_node(struct cmd *c, struct deploy_cmd *d, const struct inv_node **np)
{
	struct inventory	*inv = c->env->inv;
	struct deploy_opts	 o;
	char			*cause = NULL;
	size_t			 i, j;

	if (deploy_cmd_opts(c, &o) != 0)
		return (-1);
	*np = &inv->nodes[0];
	for (i = 0; i < inv->nnodes; i++) {
		for (j = 0; inv->nodes[i].roles && inv->nodes[i].roles[j]; j++) {
			if (strcmp(inv->nodes[i].roles[j], "gateway") == 0) {
				*np = &inv->nodes[i];
				i = inv->nnodes - 1;
				break;
			}
		}
	}
	d->np.root = deploy_root_for(&o, inv, *np);
	d->np.node = *np;
	if ((d->conn = deploy_conn_open(c->env, (*np)->name, o.local, &cause)) == NULL) {
		cmd_error(c, CMD_EXIT_UNREACHABLE, "%s", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

static void
deploy_lock_status_done(int status, const char *out, size_t len, const char *msg,
    void *arg)
{
	struct deploy_cmd	*d = arg;
	struct cmd		*c = d->cmd;
	struct buf		 b;

	if (status < 0)
		cmd_error(c, deploy_conn_exit(d->conn), "%s: %s", d->np.node->name, msg);
	else if (status == 3)
		cmd_message(c, "the deploy lock on %s is free", d->np.node->name);
	else {
		buf_init(&b);
		util_sanitize(&b, out, len > 0 && out[len - 1] == '\n' ? len - 1 : len);
		cmd_message(c, "the deploy lock on %s is held:\n%s", d->np.node->name,
		    buf_str(&b));
		buf_free(&b);
	}
	deploy_cmd_end(d);
}

static void
deploy_unlock_done_cmd(int status, const char *out, size_t len, const char *msg,
    void *arg)
{
	struct deploy_cmd	*d = arg;
	struct cmd		*c = d->cmd;

	(void)out;
	(void)len;
	if (status < 0)
		cmd_error(c, deploy_conn_exit(d->conn), "%s: %s", d->np.node->name, msg);
	else if (status == 3)
		cmd_error(c, CMD_EXIT_FAIL, "the deploy lock on %s is not held by %s"
		    " (see deploy lock status)", d->np.node->name, c->argv[0]);
	else if (status != 0)
		cmd_error(c, CMD_EXIT_FAIL, "releasing the lock on %s: exit %d",
		    d->np.node->name, status);
	else
		cmd_message(c, "released the deploy lock %s on %s", c->argv[0],
		    d->np.node->name);
	deploy_cmd_end(d);
}

static enum cmd_retval
deploy_cmd_lock(struct cmd *c, int unlock)
{
	struct deploy_cmd	*d = deploy_cmd_new(c);
	const struct inv_node	*n;
	const char		*p;
	char			*script, *cmd;

	if (unlock) {
		for (p = c->argv[0]; *p != '\0'; p++) {
			if (strchr("0123456789abcdefABCDEFT-", *p) == NULL)
				break;
		}
		if (*p != '\0' || *c->argv[0] == '\0') {
			cmd_error(c, CMD_EXIT_USAGE, "'%s' is not a plan id", c->argv[0]);
			deploy_cmd_free(d);
			return (CMD_RETURN_NORMAL);
		}
	}
	if (deploy_cmd_lock_node(c, d, &n) != 0) {
		deploy_cmd_free(d);
		return (CMD_RETURN_NORMAL);
	}
	if (unlock)
		xasprintf(&script, "d=\"$ROOT%s/deploy.lock\"; grep -qx 'id=%s'"
		    " \"$d/info\" 2>/dev/null || exit 3; rm -f \"$d/info\" && rmdir \"$d\"",
		    DEPLOY_STATE_DIR, c->argv[0]);
	else
		xasprintf(&script, "cat \"$ROOT%s/deploy.lock/info\" 2>/dev/null ||"
		    " exit 3", DEPLOY_STATE_DIR);
	cmd = deploy_command(&d->np, script);
	deploy_cmd_wait(c, d);
	deploy_conn_exec(d->conn, cmd, 30000, unlock ? deploy_unlock_done_cmd :
	    deploy_lock_status_done, d);
	free(script);
	free(cmd);
	return (CMD_RETURN_WAIT);
}

static enum cmd_retval
deploy_cmd_lock_status(struct cmd *c)
{
	return (deploy_cmd_lock(c, 0));
}

static enum cmd_retval
deploy_cmd_unlock(struct cmd *c)
{
	return (deploy_cmd_lock(c, 1));
}

static void	deploy_rollback_next(struct deploy_cmd *);

static void
deploy_rollback_done(int status, const char *out, size_t len, const char *msg,
    void *arg)
{
	struct deploy_cmd	*d = arg;
	struct deploy_plan	*plan = deploy_run_result(d->run);
	struct deploy_nodeplan	*np = &plan->nodes[d->idx];
	struct buf		 b;

	buf_init(&b);
	util_sanitize(&b, out, len > 0 && out[len - 1] == '\n' ? len - 1 : len);
	if (status != 0) {
		cmd_error(d->cmd, status < 0 ? deploy_conn_exit(np->conn) : CMD_EXIT_FAIL,
		    "rollback on %s: %s", np->node->name, msg != NULL ? msg : buf_str(&b));
		buf_free(&b);
		deploy_cmd_end(d);
		return;
	}
	deploy_progress(d->cmd->env, "%s", buf_str(&b));
	buf_free(&b);
	d->idx++;
	deploy_rollback_next(d);
}

/*
 * Swap each config file with FILE.prev and run the handlers of the steps
 * that had one; stateful steps are never rolled back (their dump is).
 */
static char *
deploy_rollback_script(struct deploy_nodeplan *np, char **cause)
{
	struct deploy_stepplan		*sp;
	const struct deploy_handler	*h;
	struct buf			 b;
	char				*cmd;
	size_t				 i, k;

	buf_init(&b);
	for (i = 0; i < np->nsteps; i++) {
		sp = &np->steps[i];
		if (sp->nfiles == 0)
			continue;
		if (sp->step->flags & DEPLOY_STEP_STATEFUL) {
			buf_printf(&b, "echo '%s %s/%s: stateful, not rolled back (use"
			    " its dump)'; ", np->node->name, sp->recipe->name,
			    sp->label);
			continue;
		}
		buf_adds(&b, "n=; ");
		for (k = 0; k < sp->nfiles; k++) {
			buf_adds(&b, "f=");
			deploy_conn_quote(&b, sp->files[k].path);
			buf_printf(&b, "; if [ -f \"$f.prev\" ]; then rm -f \"$f.swap\";"
			    " [ -f \"$f\" ] && cp -p \"$f\" \"$f.swap\"; mv \"$f.prev\""
			    " \"$f\" && { [ ! -f \"$f.swap\" ] || mv \"$f.swap\""
			    " \"$f.prev\"; } || exit 1; echo \"%s restored ${f#\"$ROOT\"}\";"
			    " n=1; fi; ", np->node->name);
		}
		h = sp->handler != NULL ? deploy_handler_scope(np, sp->handler,
		    cause) : NULL;
		if (sp->handler != NULL && h == NULL) {
			buf_free(&b);
			return (NULL);
		}
		if (h != NULL && (cmd = deploy_render_command(h->name, h->command,
		    np->vars, cause)) == NULL) {
			buf_free(&b);
			return (NULL);
		}
		if (h != NULL) {
			buf_printf(&b, "if [ -n \"$n\" ]; then %s || exit 1; echo \"%s ran"
			    " %s\"; fi; ", cmd, np->node->name, sp->handler);
			free(cmd);
		}
	}
	buf_adds(&b, "true");
	return (buf_steal(&b));
}

static void
deploy_rollback_next(struct deploy_cmd *d)
{
	struct deploy_plan	*plan = deploy_run_result(d->run);
	struct deploy_nodeplan	*np;
	char			*script, *cmd, *cause = NULL;

	if (d->idx >= plan->nnodes) {
		cmd_message(d->cmd, "rolled back %s on %zu node%s", d->cmd->argv[0],
		    plan->nnodes, plan->nnodes == 1 ? "" : "s");
		deploy_cmd_end(d);
		return;
	}
	np = &plan->nodes[d->idx];
	np->conn = deploy_conn_open(d->cmd->env, np->node->name,
	    deploy_run_opts(d->run)->local, &cause);
	if (np->conn == NULL) {
		cmd_error(d->cmd, CMD_EXIT_UNREACHABLE, "%s", cause);
		free(cause);
		deploy_cmd_end(d);
		return;
	}
	if ((script = deploy_rollback_script(np, &cause)) == NULL) {
		cmd_error(d->cmd, CMD_EXIT_FAIL, "%s", cause);
		free(cause);
		deploy_cmd_end(d);
		return;
	}
	cmd = deploy_command(np, script);
	deploy_conn_exec(np->conn, cmd, deploy_run_opts(d->run)->timeout_ms,
	    deploy_rollback_done, d);
	free(script);
	free(cmd);
}

static enum cmd_retval
deploy_cmd_rollback(struct cmd *c)
{
	struct deploy_opts	 o;
	struct deploy_cmd	*d;

	if (deploy_cmd_opts(c, &o) != 0)
		return (CMD_RETURN_NORMAL);
	d = deploy_cmd_new(c);
	if (deploy_cmd_run(c, d, &o, 1, c->argv) != 0)
		return (CMD_RETURN_NORMAL);
	deploy_rollback_next(d);
	return (c->finished ? CMD_RETURN_NORMAL : CMD_RETURN_WAIT);
}

#define DEPLOY_SPEC	"local root= timeout= lock-wait= health-timeout="

static const struct cmd_entry deploy_plan_entry = {
	.name = "deploy plan",
	.args = { DEPLOY_SPEC, 0, -1 },
	.usage = "[--local] [--root DIR] [NODE|SERVICE|RECIPE ...]",
	.help = "Read the nodes' facts and show what an apply would change, with diffs; saves the plan.",
	.flags = CMD_INVENTORY,
	.exec = deploy_cmd_plan,
};

static const struct cmd_entry deploy_apply_entry = {
	.name = "deploy apply",
	.args = { DEPLOY_SPEC, 0, -1 },
	.usage = "[--local] [--root DIR] [--lock-wait DUR] [PLAN | NODE|SERVICE|RECIPE ...]",
	.help = "Take the deploy lock and make the changes of a fresh or saved plan, then run handlers and health checks.",
	.flags = CMD_INVENTORY | CMD_CHANGES | CMD_DESTRUCTIVE,
	.exec = deploy_cmd_apply,
};

static const struct cmd_entry deploy_lock_status_entry = {
	.name = "deploy lock status",
	.args = { DEPLOY_SPEC, 0, 0 },
	.usage = "[--local] [--root DIR]",
	.help = "Show who holds the deploy lock on the gateway, since when, for which plan.",
	.flags = CMD_INVENTORY,
	.exec = deploy_cmd_lock_status,
};

static const struct cmd_entry deploy_unlock_entry = {
	.name = "deploy unlock",
	.args = { DEPLOY_SPEC, 1, 1 },
	.usage = "[--local] [--root DIR] PLAN-ID",
	.help = "Release a deploy lock left by a dead apply, if PLAN-ID holds it.",
	.flags = CMD_INVENTORY | CMD_CHANGES | CMD_DESTRUCTIVE,
	.exec = deploy_cmd_unlock,
};

static const struct cmd_entry deploy_rollback_entry = {
	.name = "deploy rollback",
	.args = { DEPLOY_SPEC, 1, 1 },
	.usage = "[--local] [--root DIR] SERVICE",
	.help = "Put a service's config files back to their previous version and restart it; data is never rolled back.",
	.flags = CMD_INVENTORY | CMD_CHANGES | CMD_DESTRUCTIVE,
	.exec = deploy_cmd_rollback,
};

extern const struct cmd_entry deploy_status_entry;
extern const struct cmd_entry deploy_diff_entry;
extern const struct cmd_entry deploy_history_entry;

static const struct cmd_entry *const deploy_commands[] = {
	&deploy_plan_entry,
	&deploy_status_entry,
	&deploy_diff_entry,
	&deploy_history_entry,
	&deploy_apply_entry,
	&deploy_lock_status_entry,
	&deploy_unlock_entry,
	&deploy_rollback_entry,
	NULL
};

static const char *const deploy_kinds[] = { NULL };

const struct plugin plugin_deploy = {
	.api_version = PLUGIN_API_VERSION,
	.name = "deploy",
	.version = PACKAGE_VERSION,
	.description = "Bootstrap and deploy the platform's services over SSH",
	.kinds = deploy_kinds,
	.commands = deploy_commands,
};

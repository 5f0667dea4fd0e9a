/*
 * Apply: take the lock on the gateway, re-read the facts and refuse a
 * plan they no longer match, then run each step that changes (packages,
 * files put atomically keeping FILE.prev, the change, its check), mark
 * its handler pending on the host before anything changes, and run the
 * pending handlers with their health checks at the end of each node. A
 * failure leaves the markers, so the next apply still restarts.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cmd.h"
#include "core/inventory.h"
#include "core/loop.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy-conn.h"
#include "plugins/deploy/deploy-int.h"

enum {
	DEPLOY_A_TEST,		/* may change: ask the test again */
	DEPLOY_A_MARK,		/* handler marker on the host */
	DEPLOY_A_DUMP,
	DEPLOY_A_PACKAGES,
	DEPLOY_A_PREV,		/* keep FILE.prev, make the directory */
	DEPLOY_A_PUT,		/* to FILE.new */
	DEPLOY_A_MOVE,		/* mv FILE.new FILE: rename(2), atomic */
	DEPLOY_A_CHANGE,
	DEPLOY_A_CHECK,
	DEPLOY_A_STEP_DONE,
	DEPLOY_A_HANDLER,
	DEPLOY_A_HEALTH,
	DEPLOY_A_FETCH,		/* a file the handler's service made, read back */
	DEPLOY_A_CLEAR,
	DEPLOY_A_UNLOCK,
};

#define DEPLOY_TAIL_LINES	5	/* of a failed command's output */

static void	deploy_apply_next(struct deploy_run *);
static void	deploy_apply_unlock(struct deploy_run *);

/* Unreachable and auth failures keep their exit status (3, 4). */
static int
deploy_conn_exit_of(const struct deploy_nodeplan *np)
{
	int	e = np->conn != NULL ? deploy_conn_exit(np->conn) : 0;

	return (e != 0 ? e : CMD_EXIT_FAIL);
}

static struct deploy_nodeplan *
deploy_apply_np(struct deploy_run *run)
{
	return (&run->plan->nodes[run->node]);
}

/* The last lines of a command's output, one line, for a progress report. */
static char *
deploy_apply_tail(const char *out, size_t len)
{
	const char	*p = out + len;
	struct buf	 b;
	int		 n = 0;

	while (p > out && (p[-1] == '\n' || p[-1] == ' '))
		p--;
	len = p - out;
	while (p > out && n < DEPLOY_TAIL_LINES) {
		p--;
		if (*p == '\n')
			n++;
	}
	if (*p == '\n')
		p++;
	buf_init(&b);
	util_sanitize(&b, p, out + len - p);
	return (buf_steal(&b));
}

/* Stop here: remember why, then release the lock. */
static void
deploy_apply_fail(struct deploy_run *run, int exit, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
deploy_apply_fail(struct deploy_run *run, int exit, const char *fmt, ...)
{
	va_list	ap;

	if (run->error == NULL) {
		va_start(ap, fmt);
		xvasprintf(&run->error, fmt, ap);
		va_end(ap);
		run->exit = exit;
	}
	deploy_apply_unlock(run);
}

static void
deploy_apply_end(struct deploy_run *run)
{
	int64_t	ms = (int64_t)(loop_now(run->env->loop) - run->lock_start);

	deploy_history_add(run->plan->id, run->error != NULL ? "failed" : "ok",
	    run->nchanged, ms);
	run->apply_cb(run, run->exit, run->error, run->apply_arg);
}

static void
deploy_unlock_done(int status, const char *out, size_t len, const char *msg,
    void *arg)
{
	struct deploy_run	*run = arg;

	(void)out;
	(void)len;
	if (status != 0 && run->error == NULL) {
		xasprintf(&run->error, "releasing the deploy lock on %s: %s",
		    run->lock_node->name, msg != NULL ? msg : "failed");
		run->exit = CMD_EXIT_FAIL;
	}
	run->locked = 0;
	deploy_apply_end(run);
}

static void
deploy_apply_unlock(struct deploy_run *run)
{
	char	*cmd, *script;

	if (!run->locked) {
		deploy_apply_end(run);
		return;
	}
	run->phase = DEPLOY_A_UNLOCK;
	xasprintf(&script, "d=\"$ROOT%s/deploy.lock\"; grep -qx 'id=%s' \"$d/info\" &&"
	    " rm -f \"$d/info\" && rmdir \"$d\"", DEPLOY_STATE_DIR, run->plan->id);
	cmd = deploy_command(&(struct deploy_nodeplan){ .root = run->lock_root }, script);
	deploy_conn_exec(run->lock_conn, cmd, run->opts.timeout_ms, deploy_unlock_done,
	    run);
	free(script);
	free(cmd);
}

static int
deploy_apply_stale(struct deploy_run *run)
{
	const struct deploy_saved	*sv = run->saved;
	struct deploy_nodeplan		*np;
	size_t				 i, j;

	if (sv == NULL)
		return (0);
	if (strcmp(sv->want_hash, run->plan->want_hash) != 0) {
		deploy_apply_fail(run, CMD_EXIT_FAIL, "plan %s is stale: the recipes,"
		    " templates, inventory or secrets changed since it was made;"
		    " run deploy plan again", sv->id);
		return (1);
	}
	for (i = 0; i < run->plan->nnodes; i++) {
		np = &run->plan->nodes[i];
		for (j = 0; j < sv->nnodes; j++) {
			if (strcmp(sv->node_names[j], np->node->name) == 0)
				break;
		}
		if (j == sv->nnodes || strcmp(sv->node_hashes[j], np->facts_hash) != 0) {
			deploy_apply_fail(run, CMD_EXIT_FAIL, "plan %s is stale: the"
			    " facts of %s changed since it was made; run deploy plan"
			    " again", sv->id, np->node->name);
			return (1);
		}
	}
	return (0);
}

static void
deploy_apply_planned(struct deploy_run *run, int exit, const char *error, void *arg)
{
	struct deploy_nodeplan	*np;
	size_t			 i, npending = 0;

	(void)arg;
	if (exit != CMD_EXIT_OK) {
		deploy_apply_fail(run, exit, "%s", error);
		return;
	}
	for (i = 0; i < run->plan->nnodes; i++) {
		np = &run->plan->nodes[i];
		if (np->error != NULL) {
			deploy_apply_fail(run, deploy_conn_exit_of(np), "%s", np->error);
			return;
		}
		npending += np->npending;
	}
	if (deploy_apply_stale(run))
		return;
	if (run->plan->nchanges == 0 && npending == 0) {
		deploy_progress(run->env, "nothing to change");
		deploy_apply_unlock(run);
		return;
	}
	run->node = run->step = run->file = 0;
	run->phase = DEPLOY_A_TEST;
	deploy_apply_next(run);
}

static void	deploy_lock_try(void *);

static void
deploy_lock_done(int status, const char *out, size_t len, const char *msg,
    void *arg)
{
	struct deploy_run	*run = arg;
	uint64_t		 now = loop_now(run->env->loop);
	char			*holder;

	if (status == 0) {
		run->locked = 1;
		deploy_progress(run->env, "lock taken on %s (%s)", run->lock_node->name,
		    run->plan->id);
		deploy_run_plan(run, deploy_apply_planned, NULL);
		return;
	}
	if (status < 0) {
		deploy_apply_fail(run, deploy_conn_exit(run->lock_conn), "%s: %s",
		    run->lock_node->name, msg);
		return;
	}
	holder = deploy_apply_tail(out, len);
	if (now - run->lock_start >= (uint64_t)run->opts.lock_wait_ms) {
		deploy_apply_fail(run, CMD_EXIT_FAIL, "the deploy lock on %s is held"
		    " (%s); waited %d ms: wait for that apply, or release a dead"
		    " one with deploy unlock ID", run->lock_node->name, holder,
		    run->opts.lock_wait_ms);
		free(holder);
		return;
	}
	if (run->health_delay == 0)
		deploy_progress(run->env, "waiting for the deploy lock on %s (%s)",
		    run->lock_node->name, holder);
	free(holder);
	run->health_delay = 1;
	loop_timer_init(&run->timer, run->env->loop, deploy_lock_try, run);
	loop_timer_start(&run->timer, 500);
}

/* mkdir is atomic: whoever makes the directory holds the lock. */
static void
deploy_lock_try(void *arg)
{
	struct deploy_run	*run = arg;
	char			*script, *cmd, stamp[32];
	time_t			 now = time(NULL);

	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	xasprintf(&script, "d=\"$ROOT%s/deploy.lock\"; mkdir -p \"${d%%/*}\" &&"
	    " if mkdir \"$d\" 2>/dev/null; then printf '%%s\\n' 'id=%s' 'user=%s'"
	    " 'since=%s' 'pid=%ld' > \"$d/info\"; else tr '\\n' ' ' < \"$d/info\""
	    " 2>/dev/null || echo 'no details'; exit 3; fi", DEPLOY_STATE_DIR,
	    run->plan->id, util_user(), stamp, (long)getpid());
	cmd = deploy_command(&(struct deploy_nodeplan){ .root = run->lock_root }, script);
	deploy_conn_exec(run->lock_conn, cmd, run->opts.timeout_ms, deploy_lock_done,
	    run);
	free(script);
	free(cmd);
}

static int
deploy_pending_has(const struct deploy_nodeplan *np, const char *name)
{
	size_t	i;

	for (i = 0; i < np->npending; i++) {
		if (strcmp(np->pending[i], name) == 0)
			return (1);
	}
	return (0);
}

static void
deploy_step_report(struct deploy_run *run, const char *what, int status,
    const char *out, size_t len)
{
	struct deploy_nodeplan	*np = deploy_apply_np(run);
	struct deploy_stepplan	*sp = &np->steps[run->step];
	char			 dur[32], *tail = NULL;

	util_format_duration(dur, sizeof dur,
	    (int64_t)(loop_now(run->env->loop) - run->started));
	if (status != 0 && out != NULL)
		tail = deploy_apply_tail(out, len);
	deploy_progress(run->env, "%-10s %s/%s: %s (%s, exit %d)%s%s", np->node->name,
	    sp->recipe->name, sp->label, what, dur, status,
	    tail != NULL && *tail != '\0' ? ": " : "", tail != NULL ? tail : "");
	free(tail);
}

/* Every command of a step ends here: the next phase, or the failure. */
static void
deploy_apply_done(int status, const char *out, size_t len, const char *msg,
    void *arg)
{
	struct deploy_run	*run = arg;
	struct deploy_nodeplan	*np = deploy_apply_np(run);
	struct deploy_stepplan	*sp = run->step < np->nsteps ? &np->steps[run->step] :
				    NULL;
	char			*tail;
	static const char *const what[] = {
		[DEPLOY_A_TEST] = "test", [DEPLOY_A_MARK] = "pending marker",
		[DEPLOY_A_DUMP] = "dump", [DEPLOY_A_PACKAGES] = "apt-get install",
		[DEPLOY_A_PREV] = "keeping the previous file", [DEPLOY_A_PUT] = "put",
		[DEPLOY_A_MOVE] = "rename into place",
		[DEPLOY_A_CHANGE] = "change", [DEPLOY_A_CHECK] = "check",
		[DEPLOY_A_HANDLER] = "handler", [DEPLOY_A_CLEAR] = "clearing the marker",
	};

	if (run->phase == DEPLOY_A_TEST && status >= 0) {
		if (status == 0)
			sp->state = DEPLOY_NO_CHANGE;
		run->phase = DEPLOY_A_MARK;
		deploy_apply_next(run);
		return;
	}
	if (status != 0) {
		if (sp != NULL && run->phase <= DEPLOY_A_CHECK) {
			deploy_step_report(run, "failed", status, msg != NULL ? msg : out,
			    msg != NULL ? strlen(msg) : len);
			sp->state = DEPLOY_FAILED;
		}
		tail = msg != NULL ? xstrdup(msg) : deploy_apply_tail(out, len);
		if (sp != NULL && run->phase <= DEPLOY_A_CHECK)
			deploy_apply_fail(run, status < 0 ? deploy_conn_exit_of(np) :
			    CMD_EXIT_FAIL, "%s: %s/%s: %s failed (exit %d): %s",
			    np->node->name, sp->recipe->name, sp->label,
			    what[run->phase], status, tail);
		else
			deploy_apply_fail(run, status < 0 ? deploy_conn_exit_of(np) :
			    CMD_EXIT_FAIL, "%s: %s %s failed (exit %d): %s",
			    np->node->name, what[run->phase],
			    np->pending[run->handler], status, tail);
		free(tail);
		return;
	}
	switch (run->phase) {
	case DEPLOY_A_MOVE:
		run->file++;
		run->phase = DEPLOY_A_PREV;
		break;
	case DEPLOY_A_CLEAR:
		run->handler++;
		run->phase = DEPLOY_A_HANDLER;
		break;
	case DEPLOY_A_HANDLER:
		run->phase = DEPLOY_A_HEALTH;
		run->health_delay = 250;
		run->started = loop_now(run->env->loop);
		break;
	default:
		run->phase++;
		break;
	}
	deploy_apply_next(run);
}

static void
deploy_apply_put_done(int error, const char *msg, const char *data, size_t len,
    void *arg)
{
	(void)data;
	(void)len;
	deploy_apply_done(error, NULL, 0, error != 0 ? msg : NULL, arg);
}

static void
deploy_apply_exec(struct deploy_run *run, const char *script)
{
	struct deploy_nodeplan	*np = deploy_apply_np(run);
	char			*cmd = deploy_command(np, script);

	deploy_conn_exec(np->conn, cmd, run->opts.timeout_ms, deploy_apply_done, run);
	free(cmd);
}

static void	deploy_health_try(void *);

static void
deploy_health_done(int status, const char *out, size_t len, const char *msg,
    void *arg)
{
	struct deploy_run		*run = arg;
	struct deploy_nodeplan		*np = deploy_apply_np(run);
	const struct deploy_handler	*h = deploy_handler_find(np,
					    np->pending[run->handler]);
	const char			*want = run->expect != NULL ? run->expect : "";
	char				*got;
	uint64_t			 now = loop_now(run->env->loop);

	if (status == 0 && len == strlen(want) && memcmp(out, want, len) == 0) {
		deploy_progress(run->env, "%-10s %s: healthy", np->node->name,
		    np->pending[run->handler]);
		(void)h;
		run->phase = DEPLOY_A_FETCH;
		deploy_apply_next(run);
		return;
	}
	if (now - run->started + run->health_delay > (uint64_t)run->opts.health_ms) {
		got = msg != NULL ? xstrdup(msg) : deploy_apply_tail(out, len);
		deploy_apply_fail(run, CMD_EXIT_FAIL, "%s: %s: not healthy after %d ms"
		    " (exit %d, answer '%s'); it stays pending for the next apply",
		    np->node->name, np->pending[run->handler], run->opts.health_ms,
		    status, got);
		free(got);
		return;
	}
	loop_timer_init(&run->timer, run->env->loop, deploy_health_try, run);
	loop_timer_start(&run->timer, run->health_delay);
	if (run->health_delay < 4000)
		run->health_delay *= 2;
}

static void
deploy_health_try(void *arg)
{
	struct deploy_run		*run = arg;
	struct deploy_nodeplan		*np = deploy_apply_np(run);
	const struct deploy_handler	*h;
	char				*cmd, *r, *cause = NULL;

	if ((h = deploy_handler_scope(np, np->pending[run->handler], &cause)) == NULL ||
	    (r = deploy_render_command(h->name, h->health, np->vars, &cause)) == NULL) {
		deploy_apply_fail(run, CMD_EXIT_FAIL, "%s", cause);
		free(cause);
		return;
	}
	free(run->expect);
	if ((run->expect = deploy_render_command(h->name, h->expect != NULL ? h->expect :
	    "", np->vars, &cause)) == NULL) {
		free(r);
		deploy_apply_fail(run, CMD_EXIT_FAIL, "%s", cause);
		free(cause);
		return;
	}
	cmd = deploy_command(np, r);
	free(r);
	deploy_conn_exec(np->conn, cmd, run->opts.timeout_ms, deploy_health_done, run);
	free(cmd);
}

/* The recipe a handler belongs to, or NULL. */
static const struct deploy_recipe *
deploy_handler_recipe(const struct deploy_nodeplan *np, const struct deploy_handler *h)
{
	const struct deploy_handler	*k;
	size_t				 i;

	for (i = 0; h != NULL && i < np->nsteps; i++) {
		for (k = np->steps[i].recipe->handlers; k != NULL && k->name != NULL; k++) {
			if (k == h)
				return (np->steps[i].recipe);
		}
	}
	return (NULL);
}

/* The file a healthy service made, handed to its recipe: a kubeconfig saved here. */
static void
deploy_fetch_done(int error, const char *msg, const char *data, size_t len,
    void *arg)
{
	struct deploy_run		*run = arg;
	struct deploy_nodeplan		*np = deploy_apply_np(run);
	const struct deploy_recipe	*r = deploy_handler_recipe(np,
					    deploy_handler_find(np, np->pending[run->handler]));
	char				*saved = NULL, *cause = NULL;

	if (error != 0) {
		deploy_apply_fail(run, deploy_conn_exit_of(np), "%s: %s: reading %s:"
		    " %s; it stays pending for the next apply", np->node->name,
		    np->pending[run->handler], r->fetch, msg);
		return;
	}
	if (r->fetched(run->env->inv, np->node, data != NULL ? data : "", len, &saved,
	    &cause) != 0) {
		deploy_apply_fail(run, CMD_EXIT_FAIL, "%s: %s: %s", np->node->name,
		    np->pending[run->handler], cause);
		free(cause);
		return;
	}
	deploy_progress(run->env, "%-10s %s: %s saved to %s (mode 0600)",
	    np->node->name, np->pending[run->handler], r->fetch, saved);
	free(saved);
	run->phase = DEPLOY_A_CLEAR;
	deploy_apply_next(run);
}

/* The handlers a node has pending, each with its health check, then the marker goes. */
static int
deploy_apply_handlers(struct deploy_run *run)
{
	struct deploy_nodeplan		*np = deploy_apply_np(run);
	const struct deploy_handler	*h;
	const struct deploy_recipe	*r;
	char				*script, *cmd, *cause = NULL;

	if (run->handler >= np->npending)
		return (0);
	h = deploy_handler_find(np, np->pending[run->handler]);
	switch (run->phase) {
	case DEPLOY_A_HANDLER:
		if (h == NULL) {
			deploy_progress(run->env, "%-10s %s: no recipe has this handler"
			    " now; marker cleared", np->node->name,
			    np->pending[run->handler]);
			run->phase = DEPLOY_A_CLEAR;
			return (deploy_apply_handlers(run));
		}
		if (deploy_handler_scope(np, np->pending[run->handler], &cause) == NULL ||
		    (script = deploy_render_command(h->name, h->command, np->vars,
		    &cause)) == NULL) {
			deploy_apply_fail(run, CMD_EXIT_FAIL, "%s", cause);
			free(cause);
			return (1);
		}
		deploy_progress(run->env, "%-10s %s: %s", np->node->name,
		    np->pending[run->handler], script);
		deploy_apply_exec(run, script);
		free(script);
		return (1);
	case DEPLOY_A_HEALTH:
		if (h == NULL || h->health == NULL) {
			run->phase = DEPLOY_A_FETCH;
			return (deploy_apply_handlers(run));
		}
		deploy_health_try(run);
		return (1);
	case DEPLOY_A_FETCH:
		if ((r = deploy_handler_recipe(np, h)) == NULL || r->fetch == NULL ||
		    r->fetched == NULL) {
			run->phase = DEPLOY_A_CLEAR;
			return (deploy_apply_handlers(run));
		}
		if ((script = deploy_render_command(r->name, r->fetch, np->vars,
		    &cause)) == NULL) {
			deploy_apply_fail(run, CMD_EXIT_FAIL, "%s", cause);
			free(cause);
			return (1);
		}
		cmd = xprintf("%s%s", np->root, script);
		free(script);
		deploy_conn_get(np->conn, cmd, run->opts.timeout_ms, deploy_fetch_done,
		    run);
		free(cmd);
		return (1);
	case DEPLOY_A_CLEAR:
		xasprintf(&script, "rm -f \"$ROOT%s/pending/%s\"", DEPLOY_STATE_DIR,
		    np->pending[run->handler]);
		deploy_apply_exec(run, script);
		free(script);
		return (1);
	}
	return (0);
}

/* One phase of the current step, or skip to the next one that has work. */
static int
deploy_apply_step(struct deploy_run *run)
{
	struct deploy_nodeplan	*np = deploy_apply_np(run);
	struct deploy_stepplan	*sp = &np->steps[run->step];
	struct deploy_fileplan	*fp;
	char			*script, *dir;
	size_t			 i, nchanged = 0;

	if (sp->wait != NULL)
		return (0);	/* the second pass renders it */
	for (i = 0; i < sp->nfiles; i++)
		nchanged += sp->files[i].changed;
	switch (run->phase) {
	case DEPLOY_A_TEST:
		run->started = loop_now(run->env->loop);
		run->file = 0;
		if (sp->state == DEPLOY_MAY_CHANGE && sp->cmd_test != NULL &&
		    sp->missing == NULL && nchanged == 0) {
			deploy_apply_exec(run, sp->cmd_test);
			return (1);
		}
		run->phase = DEPLOY_A_MARK;
		/* FALLTHROUGH */
	case DEPLOY_A_MARK:
		if (sp->state == DEPLOY_NO_CHANGE)
			return (0);
		run->phase = DEPLOY_A_DUMP;
		if (sp->handler != NULL && !deploy_pending_has(np, sp->handler)) {
			np->pending = xreallocarray(np->pending, np->npending + 1,
			    sizeof *np->pending);
			np->pending[np->npending++] = xstrdup(sp->handler);
			xasprintf(&script, ": > \"$ROOT%s/pending/%s\"", DEPLOY_STATE_DIR,
			    sp->handler);
			run->phase = DEPLOY_A_MARK;
			deploy_apply_exec(run, script);
			free(script);
			return (1);
		}
		/* FALLTHROUGH */
	case DEPLOY_A_DUMP:
		run->phase = DEPLOY_A_DUMP;
		if (sp->cmd_dump != NULL) {
			deploy_apply_exec(run, sp->cmd_dump);
			return (1);
		}
		/* FALLTHROUGH */
	case DEPLOY_A_PACKAGES:
		run->phase = DEPLOY_A_PACKAGES;
		if (sp->missing != NULL) {
			xasprintf(&script, "apt-get install -y -q --no-install-recommends %s",
			    sp->missing);
			deploy_apply_exec(run, script);
			free(script);
			return (1);
		}
		/* FALLTHROUGH */
	case DEPLOY_A_PREV:
		run->phase = DEPLOY_A_PREV;
		while (run->file < sp->nfiles && !sp->files[run->file].changed)
			run->file++;
		if (run->file < sp->nfiles) {
			fp = &sp->files[run->file];
			dir = xstrdup(fp->path);
			*strrchr(dir, '/') = '\0';
			struct buf b;
			buf_init(&b);
			buf_adds(&b, "mkdir -p ");
			deploy_conn_quote(&b, *dir != '\0' ? dir : "/");
			buf_adds(&b, " && if [ -f ");
			deploy_conn_quote(&b, fp->path);
			buf_adds(&b, " ]; then cp -p ");
			deploy_conn_quote(&b, fp->path);
			buf_adds(&b, " ");
			deploy_conn_quote(&b, fp->path);
			buf_adds(&b, ".prev; fi");
			free(dir);
			deploy_apply_exec(run, buf_str(&b));
			buf_free(&b);
			return (1);
		}
		run->phase = DEPLOY_A_CHANGE;
		goto change;
	case DEPLOY_A_PUT:
		/*
		 * SFTP v3 (OpenSSH) will not rename over a file, so the put
		 * goes beside it and mv renames it in one rename(2): a reader
		 * sees the old file or the new one, never none.
		 */
		fp = &sp->files[run->file];
		dir = xprintf("%s.new", fp->path);
		deploy_conn_put(np->conn, dir, buf_str(&fp->want), fp->want.len,
		    fp->mode, run->opts.timeout_ms, deploy_apply_put_done, run);
		free(dir);
		return (1);
	case DEPLOY_A_MOVE: {
		struct buf b;

		fp = &sp->files[run->file];
		buf_init(&b);
		buf_adds(&b, "mv -f ");
		dir = xprintf("%s.new", fp->path);
		deploy_conn_quote(&b, dir);
		free(dir);
		buf_adds(&b, " ");
		deploy_conn_quote(&b, fp->path);
		deploy_apply_exec(run, buf_str(&b));
		buf_free(&b);
		return (1);
	}
	case DEPLOY_A_CHANGE:
	change:
		if (sp->cmd_change != NULL) {
			deploy_apply_exec(run, sp->cmd_change);
			return (1);
		}
		/* FALLTHROUGH */
	case DEPLOY_A_CHECK:
		run->phase = DEPLOY_A_CHECK;
		if (sp->cmd_check != NULL) {
			deploy_apply_exec(run, sp->cmd_check);
			return (1);
		}
		/* FALLTHROUGH */
	case DEPLOY_A_STEP_DONE:
		run->nchanged++;
		sp->state = DEPLOY_CHANGED;
		deploy_step_report(run, sp->why != NULL && *sp->why != '\0' ? sp->why :
		    "changed", 0, NULL, 0);
		return (0);
	}
	return (0);
}

/* The first step still waiting for facts, or NULL; its node in *np. */
static const struct deploy_stepplan *
deploy_apply_waiting(struct deploy_run *run, const struct deploy_nodeplan **npp)
{
	const struct deploy_nodeplan	*np;
	size_t				 i, j;

	for (i = 0; i < run->plan->nnodes; i++) {
		np = &run->plan->nodes[i];
		for (j = 0; j < np->nsteps; j++) {
			if (np->steps[j].wait != NULL) {
				if (npp != NULL)
					*npp = np;
				return (&np->steps[j]);
			}
		}
	}
	return (NULL);
}

/* The second pass: what waited for facts is rendered now, then applied. */
static void
deploy_apply_replanned(struct deploy_run *run, int exit, const char *error,
    void *arg)
{
	const struct deploy_nodeplan	*np;
	const struct deploy_stepplan	*sp;
	size_t				 i;

	(void)arg;
	if (exit != CMD_EXIT_OK) {
		deploy_apply_fail(run, exit, "%s", error);
		return;
	}
	for (i = 0; i < run->plan->nnodes; i++) {
		np = &run->plan->nodes[i];
		if (np->error != NULL) {
			deploy_apply_fail(run, deploy_conn_exit_of(np), "%s", np->error);
			return;
		}
	}
	if ((sp = deploy_apply_waiting(run, &np)) != NULL) {
		deploy_apply_fail(run, CMD_EXIT_FAIL, "%s: %s/%s still waits for %s"
		    " after the first pass", np->node->name, sp->recipe->name,
		    sp->label, sp->wait);
		return;
	}
	run->node = run->step = run->file = 0;
	run->phase = DEPLOY_A_TEST;
	deploy_apply_next(run);
}

/* Advance: the current step's next phase, the next step, the handlers, the next node. */
static void
deploy_apply_next(struct deploy_run *run)
{
	struct deploy_nodeplan	*np;

	while (run->node < run->plan->nnodes) {
		np = deploy_apply_np(run);
		if (run->step < np->nsteps) {
			if (deploy_apply_step(run))
				return;
			run->step++;
			run->phase = DEPLOY_A_TEST;
			continue;
		}
		if (run->phase < DEPLOY_A_HANDLER) {
			run->phase = DEPLOY_A_HANDLER;
			run->handler = 0;
		}
		if (deploy_apply_handlers(run))
			return;
		run->node++;
		run->step = 0;
		run->phase = DEPLOY_A_TEST;
	}
	if (deploy_apply_waiting(run, NULL) != NULL && !run->second) {
		run->second = 1;
		deploy_progress(run->env, "reading the facts again for the steps"
		    " that waited for them");
		deploy_run_replan(run, deploy_apply_replanned, NULL);
		return;
	}
	deploy_apply_unlock(run);
}

void
deploy_apply(struct deploy_run *run, const struct deploy_saved *saved,
    deploy_run_cb cb, void *arg)
{
	struct inventory	*inv = run->env->inv;
	char			*cause = NULL;
	size_t			 i, j;

	run->saved = saved;
	run->apply_cb = cb;
	run->apply_arg = arg;
	run->lock_start = loop_now(run->env->loop);
	/* The lock lives on the gateway, or on the first node if none has that role. */
	run->lock_node = &inv->nodes[0];
	for (i = 0; i < inv->nnodes; i++) {
		for (j = 0; inv->nodes[i].roles != NULL && inv->nodes[i].roles[j] != NULL;
		    j++) {
			if (strcmp(inv->nodes[i].roles[j], "gateway") == 0)
				break;
		}
		if (inv->nodes[i].roles != NULL && inv->nodes[i].roles[j] != NULL) {
			run->lock_node = &inv->nodes[i];
			break;
		}
	}
	run->lock_root = deploy_root_for(&run->opts, inv, run->lock_node);
	run->lock_conn = deploy_conn_open(run->env, run->lock_node->name,
	    run->opts.local, &cause);
	if (run->lock_conn == NULL) {
		deploy_apply_fail(run, CMD_EXIT_UNREACHABLE, "%s", cause);
		free(cause);
		return;
	}
	deploy_lock_try(run);
}

/*
 * The plan: pick the nodes and recipes a command names, render what each
 * step wants, read the facts of every node (one script per step, then the
 * files that exist) and say for each step no change, will change or may
 * change, with a diff per file. Facts and wanted state are hashed so an
 * apply can refuse a plan made from facts that no longer hold.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cmd.h"
#include "core/digest.h"
#include "core/inventory.h"
#include "core/loop.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy-conn.h"
#include "plugins/deploy/deploy-int.h"
#include "plugins/plugin.h"

enum {
	DEPLOY_PH_PRECOND,
	DEPLOY_PH_FACTS,
	DEPLOY_PH_GET,
};

static void	deploy_run_next(struct deploy_run *);

static void
deploy_step_add(struct deploy_nodeplan *np, const struct deploy_recipe *r,
    const struct deploy_step *s, const struct inv_service *svc)
{
	struct deploy_stepplan	*sp;

	np->steps = xreallocarray(np->steps, np->nsteps + 1, sizeof *np->steps);
	sp = &np->steps[np->nsteps++];
	memset(sp, 0, sizeof *sp);
	sp->recipe = r;
	sp->step = s;
	sp->svc = svc;
	sp->test_status = -1;
	if (svc != NULL) {
		xasprintf(&sp->label, "%s@%s", s->name, svc->name);
		if (s->handler != NULL)
			xasprintf(&sp->handler, "%s@%s", s->handler, svc->name);
	} else {
		sp->label = xstrdup(s->name);
		if (s->handler != NULL)
			sp->handler = xstrdup(s->handler);
	}
}

struct deploy_nodeplan *
deploy_plan_node(struct deploy_plan *plan, size_t i)
{
	return (i < plan->nnodes ? &plan->nodes[i] : &plan->peers[i - plan->nnodes]);
}

/* Whether a recipe has a step whose files use other nodes' facts. */
static int
deploy_recipe_uses_facts(const struct deploy_recipe *r)
{
	const struct deploy_step	*s;

	for (s = r->steps; s->name != NULL; s++) {
		if (s->flags & DEPLOY_STEP_FACTS)
			return (1);
	}
	return (0);
}

/*
 * A planned node's file may need the facts of a node not planned (one
 * spoke planned alone needs the hub's key): such nodes are peers, whose
 * fact-reading steps run and nothing else.
 */
static void
deploy_run_peers(struct deploy_plan *plan, const struct deploy_opts *o,
    struct inventory *inv)
{
	struct deploy_nodeplan		*np;
	const struct deploy_recipe	*r;
	const struct deploy_step	*s;
	size_t				 i, j, k;

	for (i = 0; i < inv->nnodes; i++) {
		for (j = 0; j < plan->nnodes; j++) {
			if (plan->nodes[j].node == &inv->nodes[i])
				break;
		}
		if (j < plan->nnodes)
			continue;
		np = NULL;
		for (k = 0; (r = deploy_recipe_at(k)) != NULL; k++) {
			if (r->kind != NULL || !deploy_recipe_uses_facts(r) ||
			    !deploy_selected(inv, &inv->nodes[i], r, 0, NULL))
				continue;
			for (j = 0; j < plan->nnodes; j++) {
				if (deploy_selected(inv, plan->nodes[j].node, r,
				    plan->ntargets, plan->targets))
					break;
			}
			if (j == plan->nnodes)
				continue;
			if (np == NULL) {
				plan->peers = xreallocarray(plan->peers, plan->npeers + 1,
				    sizeof *plan->peers);
				np = &plan->peers[plan->npeers++];
				memset(np, 0, sizeof *np);
				np->node = &inv->nodes[i];
				np->root = deploy_root_for(o, inv, np->node);
				np->vars = deploy_vars_new();
				deploy_vars_inventory(np->vars, inv, np->node, np->root);
			}
			for (s = r->steps; s->name != NULL; s++) {
				if (s->facts != NULL)
					deploy_step_add(np, r, s, NULL);
			}
		}
	}
}

/* A step with a "when" variable is left out of the plan while it is empty. */
static int
deploy_step_wanted(const struct deploy_nodeplan *np, const struct deploy_step *s)
{
	const char	*v;

	if (s->when == NULL)
		return (1);
	v = deploy_vars_get(np->vars, s->when, NULL);
	return (v != NULL && *v != '\0');
}

struct deploy_run *
deploy_run_new(struct cmd_env *env, const struct deploy_opts *o, int ntargets,
    char **targets, char **cause)
{
	struct inventory		*inv = env->inv;
	struct deploy_run		*run;
	struct deploy_plan		*plan;
	struct deploy_nodeplan		*np;
	const struct deploy_recipe	*r;
	const struct deploy_step	*s;
	const struct inv_service	*svc;
	size_t				 i, k, m;
	unsigned char			 rnd[6];
	char				 hex[13], stamp[32];
	time_t				 now = time(NULL);
	int				 j;

	if (deploy_targets_known(inv, ntargets, targets, cause) != 0)
		return (NULL);
	run = xcalloc(1, sizeof *run);
	run->env = env;
	run->opts = *o;
	loop_timer_init(&run->timer, env->loop, NULL, NULL);
	plan = run->plan = xcalloc(1, sizeof *plan);
	arc4random_buf(rnd, sizeof rnd);
	digest_hex(rnd, sizeof rnd, hex);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", gmtime(&now));
	xasprintf(&plan->id, "%s-%.6s", stamp, hex);
	snprintf(run->delim, sizeof run->delim, "@@deploy-%s@@", hex);
	plan->created = now;
	plan->ntargets = ntargets;
	plan->targets = xcalloc(ntargets + 1, sizeof *plan->targets);
	for (j = 0; j < ntargets; j++)
		plan->targets[j] = xstrdup(targets[j]);
	for (i = 0; i < inv->nnodes; i++) {
		np = NULL;
		for (k = 0; (r = deploy_recipe_at(k)) != NULL; k++) {
			if (!deploy_selected(inv, &inv->nodes[i], r, ntargets, targets))
				continue;
			if (np == NULL) {
				plan->nodes = xreallocarray(plan->nodes, plan->nnodes + 1,
				    sizeof *plan->nodes);
				np = &plan->nodes[plan->nnodes++];
				memset(np, 0, sizeof *np);
				np->node = &inv->nodes[i];
				np->root = deploy_root_for(o, inv, np->node);
				np->vars = deploy_vars_new();
				deploy_vars_inventory(np->vars, inv, np->node, np->root);
			}
			if (r->vars != NULL && r->vars(np->vars, inv, np->node, cause) != 0)
				goto fail;
			for (m = 0; r->kind == NULL && m < 1; m++) {
				for (s = r->steps; s->name != NULL; s++) {
					if (deploy_step_wanted(np, s))
						deploy_step_add(np, r, s, NULL);
				}
			}
			for (m = 0; r->kind != NULL && m < inv->nservices; m++) {
				svc = &inv->services[m];
				if (strcmp(svc->kind, r->kind) != 0 ||
				    strcmp(svc->node, np->node->name) != 0)
					continue;
				for (s = r->steps; s->name != NULL; s++) {
					if (deploy_step_wanted(np, s))
						deploy_step_add(np, r, s, svc);
				}
			}
		}
	}
	if (plan->nnodes == 0) {
		xasprintf(cause, "no recipe applies to %s", ntargets == 0 ?
		    "any node of the inventory" : "the nodes named");
		goto fail;
	}
	deploy_run_peers(plan, o, inv);
	for (i = 0; i < plan->nnodes + plan->npeers; i++) {
		np = deploy_plan_node(plan, i);
		for (k = 0; k < np->nsteps; k++) {
			if (deploy_step_render(np, &np->steps[k], cause) != 0)
				goto fail;
		}
	}
	return (run);
fail:
	deploy_run_free(run);
	return (NULL);
}

static void
deploy_fileplan_free(struct deploy_fileplan *fp)
{
	if (fp->secret && fp->want.data != NULL)
		explicit_bzero(fp->want.data, fp->want.len);
	buf_free(&fp->want);
	free(fp->path);
	free(fp->rel);
	free(fp->diff);
}

static void
deploy_nodeplan_free(struct deploy_nodeplan *np)
{
	struct deploy_stepplan	*sp;
	size_t			 j, k;

	for (j = 0; j < np->nsteps; j++) {
		sp = &np->steps[j];
		for (k = 0; k < sp->nfiles; k++)
			deploy_fileplan_free(&sp->files[k]);
		free(sp->files);
		free(sp->label);
		free(sp->handler);
		free(sp->why);
		free(sp->wait);
		free(sp->facts);
		free(sp->missing);
		free(sp->cmd_facts);
		free(sp->cmd_test);
		free(sp->cmd_change);
		free(sp->cmd_check);
		free(sp->cmd_dump);
	}
	free(np->steps);
	for (j = 0; j < np->npending; j++)
		free(np->pending[j]);
	free(np->pending);
	deploy_conn_free(np->conn);
	deploy_vars_free(np->vars);
	free(np->root);
	free(np->error);
}

void
deploy_plan_free(struct deploy_plan *plan)
{
	size_t	i;

	if (plan == NULL)
		return;
	for (i = 0; i < plan->nnodes + plan->npeers; i++)
		deploy_nodeplan_free(deploy_plan_node(plan, i));
	free(plan->peers);
	free(plan->nodes);
	for (i = 0; i < (size_t)plan->ntargets; i++)
		free(plan->targets[i]);
	free(plan->targets);
	free(plan->id);
	free(plan);
}

void
deploy_run_free(struct deploy_run *run)
{
	if (run == NULL)
		return;
	loop_timer_stop(&run->timer);
	deploy_plan_free(run->plan);
	deploy_conn_free(run->lock_conn);
	free(run->lock_root);
	free(run->expect);
	free(run->error);
	free(run);
}

struct deploy_plan *
deploy_run_result(struct deploy_run *run)
{
	return (run->plan);
}

struct cmd_env *
deploy_run_env(struct deploy_run *run)
{
	return (run->env);
}

const struct deploy_opts *
deploy_run_opts(struct deploy_run *run)
{
	return (&run->opts);
}

/* Preconditions, checked before any fact: each failure says what to do. */
static const char deploy_precond_script[] =
    "echo \"os=$(. /etc/os-release 2>/dev/null; echo \"$ID $VERSION_ID\")\"; "
    "echo \"uid=$(id -u)\"; "
    "if [ \"$(id -u)\" != 0 ]; then if sudo -n true 2>/dev/null; then"
    " echo sudo=yes; else echo sudo=no; fi; fi; "
    "mkdir -p \"$ROOT" DEPLOY_STATE_DIR "/pending\" && "
    "echo \"avail=$(df -Pk \"$ROOT" DEPLOY_STATE_DIR "\" | awk 'NR==2 {print $4}')\"; "
    "if [ -e \"$ROOT/var/lib/dpkg/lock-frontend\" ] && command -v flock >/dev/null &&"
    " ! flock -n \"$ROOT/var/lib/dpkg/lock-frontend\" true 2>/dev/null; then"
    " echo dpkg=busy; fi; "
    "if [ -z \"$ROOT\" ] && command -v cloud-init >/dev/null &&"
    " cloud-init status 2>/dev/null | grep -q running; then echo dpkg=cloud-init; fi; "
    "for p in \"$ROOT" DEPLOY_STATE_DIR "/pending\"/*; do [ -e \"$p\" ] &&"
    " echo \"pending=${p##*/}\"; done; "
    "if [ -n \"$ROOT\" ]; then for c in " DEPLOY_HOST_COMMANDS "; do"
    " [ -x \"$ROOT/usr/local/sbin/$c\" ] || echo \"standin=$c\"; done; fi; true";

static void
deploy_precond_parse(struct deploy_nodeplan *np, const char *out)
{
	char		*copy = xstrdup(out), *line, *last, *v;
	const char	*user = np->node->ssh_user != NULL ? np->node->ssh_user : "the user";
	long long	 avail = -1;
	int		 debian12 = 0, uid = -1, sudo = 0;

	for (line = strtok_r(copy, "\n", &last); line != NULL;
	    line = strtok_r(NULL, "\n", &last)) {
		if ((v = strchr(line, '=')) == NULL)
			continue;
		*v++ = '\0';
		if (strcmp(line, "os") == 0)
			debian12 = strcmp(v, "debian 12") == 0;
		else if (strcmp(line, "uid") == 0)
			uid = atoi(v);
		else if (strcmp(line, "sudo") == 0)
			sudo = strcmp(v, "yes") == 0;
		else if (strcmp(line, "avail") == 0)
			avail = strtoll(v, NULL, 10);
		else if (strcmp(line, "dpkg") == 0 && np->error == NULL)
			xasprintf(&np->error, "%s: %s", np->node->name,
			    strcmp(v, "busy") == 0 ? "the apt/dpkg lock is held (an"
			    " upgrade is running?): try again when it is done" :
			    "cloud-init is still running: wait for it to finish");
		else if (strcmp(line, "standin") == 0 && np->error == NULL)
			xasprintf(&np->error, "%s: the deploy root %s confines files,"
			    " not host-wide commands: %s would change the host itself;"
			    " put recording stand-ins for " DEPLOY_HOST_COMMANDS " in"
			    " %s/usr/local/sbin, or deploy to /", np->node->name,
			    np->root, v, np->root);
		else if (strcmp(line, "pending") == 0) {
			np->pending = xreallocarray(np->pending, np->npending + 1,
			    sizeof *np->pending);
			np->pending[np->npending++] = xstrdup(v);
		}
	}
	free(copy);
	if (np->error != NULL)
		return;
	if (!debian12)
		xasprintf(&np->error, "%s: not Debian 12 (/etc/os-release): the"
		    " recipes are written for Debian 12 only", np->node->name);
	else if (uid != 0 && !sudo)
		xasprintf(&np->error, "%s: %s is not root and 'sudo -n true' failed:"
		    " give %s passwordless sudo", np->node->name, user, user);
	else if (uid != 0)
		xasprintf(&np->error, "%s: deploy connects as root for now: set"
		    " ssh-user = root for this node", np->node->name);
	else if (avail >= 0 && avail < DEPLOY_MIN_FREE_KB)
		xasprintf(&np->error, "%s: only %lld MiB free under %s/: deploy needs"
		    " at least %d MiB", np->node->name, avail / 1024, np->root,
		    DEPLOY_MIN_FREE_KB / 1024);
}

/*
 * One script per node, a section per step: facts, test status, missing
 * packages, which files exist. One round trip instead of one per step.
 */
static void
deploy_facts_script(struct deploy_run *run, const struct deploy_stepplan *sp,
    size_t idx, struct buf *out)
{
	struct buf	b;
	size_t		i;
	char		delim[64];

	snprintf(delim, sizeof delim, "%s %zu", run->delim, idx);
	buf_init(&b);
	buf_printf(&b, "echo '%s facts'; ", delim);
	if (sp->cmd_facts != NULL)
		buf_printf(&b, "( %s\n) 2>&1 </dev/null; ", sp->cmd_facts);
	buf_printf(&b, "echo '%s test'; ", delim);
	if (sp->cmd_test != NULL)
		buf_printf(&b, "( %s\n) >/dev/null 2>&1 </dev/null; echo $?; ",
		    sp->cmd_test);
	buf_printf(&b, "echo '%s packages'; ", delim);
	if (sp->step->packages != NULL)
		buf_printf(&b, "for p in %s; do dpkg-query -W -f='${Status}\\n' \"$p\""
		    " 2>/dev/null | grep -q 'install ok installed' || echo \"$p\";"
		    " done; ", sp->step->packages);
	buf_printf(&b, "echo '%s files'; ", delim);
	for (i = 0; i < sp->nfiles; i++) {
		buf_adds(&b, "if [ -f ");
		deploy_conn_quote(&b, sp->files[i].path);
		buf_adds(&b, " ]; then echo 1; else echo 0; fi; ");
	}
	buf_add(out, b.data, b.len);
	buf_free(&b);
}

/* The text of section NAME of a facts script's output, or NULL. */
static char *
deploy_facts_section(struct deploy_run *run, const char *out, size_t idx,
    const char *name)
{
	char		*mark, *p, *end;

	xasprintf(&mark, "%s %zu %s\n", run->delim, idx, name);
	p = strstr(out, mark);
	if (p == NULL) {
		free(mark);
		return (NULL);
	}
	p += strlen(mark);
	free(mark);
	end = strstr(p, run->delim);
	return (xstrndup(p, end != NULL ? (size_t)(end - p) : strlen(p)));
}

static void
deploy_facts_parse(struct deploy_run *run, struct deploy_stepplan *sp, size_t idx,
    const char *out)
{
	char	*t, *files, *p;
	size_t	 i;

	sp->facts = deploy_facts_section(run, out, idx, "facts");
	if ((t = deploy_facts_section(run, out, idx, "test")) != NULL && *t != '\0')
		sp->test_status = atoi(t);
	free(t);
	if ((t = deploy_facts_section(run, out, idx, "packages")) != NULL) {
		for (p = t; *p != '\0'; p++) {
			if (*p == '\n')
				*p = p[1] == '\0' ? '\0' : ' ';
		}
		if (*t != '\0')
			sp->missing = t;
		else
			free(t);
	}
	files = deploy_facts_section(run, out, idx, "files");
	for (i = 0, p = files; i < sp->nfiles && p != NULL && *p != '\0'; i++) {
		sp->files[i].exists = *p == '1';
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	free(files);
}

static void
deploy_facts_done(int status, const char *out, size_t len, const char *msg, void *arg)
{
	struct deploy_run	*run = arg;
	struct deploy_nodeplan	*np = deploy_plan_node(run->plan, run->node);
	size_t			 i;

	(void)len;
	if (status != 0) {
		xasprintf(&np->error, "%s: reading the facts: %s", np->node->name,
		    msg != NULL ? msg : out);
		run->step = np->nsteps;
		deploy_run_next(run);
		return;
	}
	for (i = 0; i < np->nsteps; i++)
		deploy_facts_parse(run, &np->steps[i], i, out);
	run->phase = DEPLOY_PH_GET;	/* this node's facts are in */
	deploy_run_next(run);
}

/* A file's current content against the wanted one: changed, and the diff. */
static void
deploy_file_compare(struct deploy_fileplan *fp, const char *have, size_t len)
{
	struct buf	d;
	char		*a, *b;

	if (fp->exists && len == fp->want.len &&
	    memcmp(have, fp->want.data != NULL ? fp->want.data : "", len) == 0)
		return;
	fp->changed = 1;
	if (fp->secret) {
		xasprintf(&fp->diff, "%s %s (secret: content not shown, mode 0600)\n",
		    fp->exists ? "changes" : "creates", fp->rel);
		return;
	}
	buf_init(&d);
	xasprintf(&a, fp->exists ? "a%s" : "/dev/null", fp->rel);
	xasprintf(&b, "b%s", fp->rel);
	deploy_diff(have, len, buf_str(&fp->want), fp->want.len, a, b, &d);
	free(a);
	free(b);
	fp->diff = buf_steal(&d);
}

static void
deploy_get_done(int error, const char *msg, const char *data, size_t len, void *arg)
{
	struct deploy_run	*run = arg;
	struct deploy_nodeplan	*np = &run->plan->nodes[run->node];
	struct deploy_stepplan	*sp = &np->steps[run->step];
	struct deploy_fileplan	*fp = &sp->files[run->file];
	if (error != 0) {
		xasprintf(&np->error, "%s: reading %s: %s", np->node->name,
		    fp->path, msg);
		run->step = np->nsteps;
		deploy_run_next(run);
		return;
	}
	deploy_file_compare(fp, data != NULL ? data : "", len);
	/* The facts hash sees the file by its digest only. */
	digest_sha256(data != NULL ? data : "", len, fp->have);
	run->file++;
	deploy_run_next(run);
}

/* Decide a step's state from its facts and the states before it. */
static void
deploy_step_judge(struct deploy_nodeplan *np, size_t idx)
{
	struct deploy_stepplan	*sp = &np->steps[idx];
	struct buf		 why;
	size_t			 i, nchanged = 0, earlier = 0;

	for (i = 0; i < idx; i++)
		earlier |= np->steps[i].state != DEPLOY_NO_CHANGE;
	for (i = 0; i < sp->nfiles; i++)
		nchanged += sp->files[i].changed;
	buf_init(&why);
	if (sp->wait != NULL) {
		sp->state = DEPLOY_MAY_CHANGE;
		buf_printf(&why, "%swaits for %s", sp->missing != NULL ? "install " : "",
		    sp->wait);
		if (sp->missing != NULL)
			buf_printf(&why, "; install %s", sp->missing);
		sp->why = buf_steal(&why);
		return;
	}
	if (sp->missing != NULL)
		buf_printf(&why, "install %s", sp->missing);
	if (nchanged > 0)
		buf_printf(&why, "%s%zu of %zu file%s", why.len ? "; " : "", nchanged,
		    sp->nfiles, sp->nfiles == 1 ? "" : "s");
	if (sp->test_status > 0)
		buf_printf(&why, "%stest exited %d", why.len ? "; " : "", sp->test_status);
	if (sp->missing != NULL || nchanged > 0 ||
	    (sp->test_status > 0 && sp->test_status != 127))
		sp->state = DEPLOY_WILL_CHANGE;
	else if (sp->test_status == 127 || (sp->test_status > 0 && earlier))
		sp->state = DEPLOY_MAY_CHANGE;
	else if (sp->cmd_test == NULL && sp->nfiles == 0 && sp->step->packages == NULL)
		sp->state = DEPLOY_WILL_CHANGE;	/* nothing tells: it always runs */
	else
		sp->state = DEPLOY_NO_CHANGE;
	if (sp->state == DEPLOY_MAY_CHANGE && why.len == 0)
		buf_adds(&why, "depends on an earlier step");
	sp->why = buf_steal(&why);
}

/* Hash what the plan was made from: facts per node, wanted state overall. */
static void
deploy_plan_hash(struct deploy_plan *plan)
{
	struct digest_sha256	 all, node, want;
	struct deploy_nodeplan	*np;
	struct deploy_stepplan	*sp;
	unsigned char		 h[DIGEST_SHA256_LEN];
	size_t			 i, j, k;
	char			 num[256];

	digest_sha256_init(&all);
	digest_sha256_init(&want);
	plan->nchanges = 0;
	for (i = 0; i < plan->nnodes; i++) {
		np = &plan->nodes[i];
		digest_sha256_init(&node);
		digest_sha256_update(&node, np->node->name, strlen(np->node->name) + 1);
		for (j = 0; j < np->npending; j++)
			digest_sha256_update(&node, np->pending[j], strlen(np->pending[j]) + 1);
		for (j = 0; j < np->nsteps; j++) {
			sp = &np->steps[j];
			plan->nchanges += sp->state != DEPLOY_NO_CHANGE;
			snprintf(num, sizeof num, "%s/%s %d ", sp->recipe->name,
			    sp->label, sp->test_status);
			digest_sha256_update(&node, num, strlen(num) + 1);
			if (sp->facts != NULL)
				digest_sha256_update(&node, sp->facts, strlen(sp->facts) + 1);
			if (sp->missing != NULL)
				digest_sha256_update(&node, sp->missing, strlen(sp->missing) + 1);
			for (k = 0; k < sp->nfiles; k++) {
				digest_sha256_update(&node, &sp->files[k].exists, sizeof (int));
				if (sp->files[k].exists)
					digest_sha256_update(&node, sp->files[k].have,
					    sizeof sp->files[k].have);
				digest_sha256_update(&want, sp->files[k].path,
				    strlen(sp->files[k].path) + 1);
				digest_sha256_update(&want, buf_str(&sp->files[k].want),
				    sp->files[k].want.len + 1);
			}
			if (sp->cmd_change != NULL)
				digest_sha256_update(&want, sp->cmd_change,
				    strlen(sp->cmd_change) + 1);
		}
		digest_sha256_final(&node, h);
		digest_hex(h, sizeof h, np->facts_hash);
		digest_sha256_update(&all, np->facts_hash, sizeof np->facts_hash);
	}
	digest_sha256_final(&all, h);
	digest_hex(h, sizeof h, plan->facts_hash);
	digest_sha256_final(&want, h);
	digest_hex(h, sizeof h, plan->want_hash);
}

static void
deploy_precond_done(int status, const char *out, size_t len, const char *msg,
    void *arg)
{
	struct deploy_run	*run = arg;
	struct deploy_nodeplan	*np = deploy_plan_node(run->plan, run->node);

	(void)len;
	if (status != 0)
		xasprintf(&np->error, "%s: %s", np->node->name, msg != NULL ? msg :
		    out);
	else
		deploy_precond_parse(np, out);
	if (np->error != NULL)
		run->step = np->nsteps;
	run->phase = DEPLOY_PH_FACTS;
	deploy_run_next(run);
}

/* Pass 0: preconditions and facts of every node; the files wait for all of them. */
static int
deploy_run_facts(struct deploy_run *run)
{
	struct deploy_plan	*plan = run->plan;
	struct deploy_nodeplan	*np;
	char			*cmd, *cause = NULL;
	struct buf		 b;
	size_t			 i;

	while (run->node < plan->nnodes + plan->npeers) {
		np = deploy_plan_node(plan, run->node);
		if (np->conn == NULL && np->error == NULL) {
			np->conn = deploy_conn_open(run->env, np->node->name,
			    run->opts.local, &cause);
			if (np->conn == NULL) {
				np->error = cause;
				cause = NULL;
			} else {
				run->phase = DEPLOY_PH_PRECOND;
				cmd = deploy_command(np, deploy_precond_script);
				deploy_conn_exec(np->conn, cmd, run->opts.timeout_ms,
				    deploy_precond_done, run);
				free(cmd);
				return (1);
			}
		}
		if (np->error != NULL || run->phase == DEPLOY_PH_GET) {
			run->node++;
			run->phase = DEPLOY_PH_FACTS;
			continue;
		}
		buf_init(&b);
		for (i = 0; i < np->nsteps; i++)
			deploy_facts_script(run, &np->steps[i], i, &b);
		buf_adds(&b, "true");
		cmd = deploy_command(np, buf_str(&b));
		buf_free(&b);
		deploy_conn_exec(np->conn, cmd, run->opts.timeout_ms,
		    deploy_facts_done, run);
		free(cmd);
		return (1);
	}
	return (0);
}

/* Advance the cursor: facts of every node, then per node its files and steps. */
static void
deploy_run_next(struct deploy_run *run)
{
	struct deploy_plan	*plan = run->plan;
	struct deploy_nodeplan	*np;
	struct deploy_stepplan	*sp;
	char			*cause = NULL;

	if (run->pass == 0) {
		if (deploy_run_facts(run))
			return;
		if (deploy_plan_render(run, &cause) != 0) {
			run->cb(run, CMD_EXIT_FAIL, cause, run->arg);
			free(cause);
			return;
		}
		run->pass = 1;
		run->node = run->step = run->file = 0;
	}
	while (run->node < plan->nnodes) {
		np = &plan->nodes[run->node];
		if (np->error != NULL || run->step >= np->nsteps) {
			run->node++;
			run->step = run->file = 0;
			continue;
		}
		sp = &np->steps[run->step];
		while (sp->wait == NULL && run->file < sp->nfiles &&
		    !sp->files[run->file].exists) {
			deploy_file_compare(&sp->files[run->file], "", 0);
			run->file++;
		}
		if (sp->wait == NULL && run->file < sp->nfiles) {
			deploy_conn_get(np->conn, sp->files[run->file].path,
			    run->opts.timeout_ms, deploy_get_done, run);
			return;
		}
		deploy_step_judge(np, run->step);
		run->step++;
		run->file = 0;
	}
	deploy_plan_hash(plan);
	run->cb(run, CMD_EXIT_OK, NULL, run->arg);
}

/* Forget what the last plan found, keeping connections and the lock. */
void
deploy_run_replan(struct deploy_run *run, deploy_run_cb cb, void *arg)
{
	struct deploy_nodeplan	*np;
	struct deploy_stepplan	*sp;
	struct deploy_fileplan	*fp;
	size_t			 i, j, k;

	for (i = 0; i < run->plan->nnodes + run->plan->npeers; i++) {
		np = deploy_plan_node(run->plan, i);
		for (j = 0; j < np->nsteps; j++) {
			sp = &np->steps[j];
			free(sp->why);
			free(sp->facts);
			free(sp->missing);
			sp->why = sp->facts = sp->missing = NULL;
			sp->test_status = -1;
			sp->state = DEPLOY_NO_CHANGE;
			for (k = 0; k < sp->nfiles; k++) {
				fp = &sp->files[k];
				free(fp->diff);
				fp->diff = NULL;
				fp->exists = fp->changed = 0;
			}
		}
		for (j = 0; j < np->npending; j++)
			free(np->pending[j]);
		np->npending = 0;
	}
	deploy_run_plan(run, cb, arg);
}

void
deploy_run_plan(struct deploy_run *run, deploy_run_cb cb, void *arg)
{
	run->cb = cb;
	run->arg = arg;
	run->node = run->step = run->file = 0;
	run->pass = 0;
	run->phase = DEPLOY_PH_FACTS;
	deploy_run_next(run);
}

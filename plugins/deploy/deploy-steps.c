/*
 * What each step of a plan wants, rendered for its node: commands and
 * file paths before the facts are read (the facts script needs them),
 * file contents after every node's facts are in, so that one node's file
 * can name what another node reported (a WireGuard peer's public key).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmd.h"
#include "core/inventory.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy-int.h"

/* Commands take non-secret variables only: they are seen in ps and logs. */
char *
deploy_render_command(const char *what, const char *tmpl,
    const struct deploy_vars *vars, char **cause)
{
	struct buf	 b;

	if (tmpl == NULL)
		return (NULL);
	buf_init(&b);
	if (deploy_render(what, tmpl, strlen(tmpl), vars, DEPLOY_RENDER_NO_SECRETS,
	    &b, NULL, cause) != 0) {
		buf_free(&b);
		return (NULL);
	}
	return (buf_steal(&b));
}

static int
deploy_read_template(const struct deploy_recipe *r, const char *name,
    struct buf *out, char **path, char **cause)
{
	FILE	*f;
	char	 tmp[8192];
	size_t	 n;

	xasprintf(path, "%s/%s/deploy/%s", deploy_template_dir(), r->dir, name);
	if ((f = fopen(*path, "r")) == NULL) {
		xasprintf(cause, "template %s: %s", *path, strerror(errno));
		return (-1);
	}
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(out, tmp, n);
	fclose(f);
	return (0);
}

/* Render every command and file path of a step for its node (no facts yet). */
int
deploy_step_render(struct deploy_nodeplan *np, struct deploy_stepplan *sp,
    char **cause)
{
	const struct deploy_step	*s = sp->step;
	const struct deploy_file	*f;
	struct deploy_fileplan		*fp;
	char				*path, *what;

	if (sp->svc != NULL && deploy_vars_service(np->vars, sp->svc, cause) != 0)
		return (-1);
	xasprintf(&what, "%s/%s", sp->recipe->name, sp->label);
	sp->cmd_facts = deploy_render_command(what, s->facts, np->vars, cause);
	sp->cmd_test = deploy_render_command(what, s->test, np->vars, cause);
	sp->cmd_change = deploy_render_command(what, s->change, np->vars, cause);
	sp->cmd_check = deploy_render_command(what, s->check, np->vars, cause);
	sp->cmd_dump = deploy_render_command(what, s->dump, np->vars, cause);
	if (*cause != NULL) {
		free(what);
		return (-1);
	}
	for (f = s->files; f != NULL && f->path != NULL; f++) {
		sp->files = xreallocarray(sp->files, sp->nfiles + 1, sizeof *sp->files);
		fp = &sp->files[sp->nfiles++];
		memset(fp, 0, sizeof *fp);
		fp->file = f;
		buf_init(&fp->want);
		if ((path = deploy_render_command(what, f->path, np->vars, cause)) == NULL) {
			free(what);
			return (-1);
		}
		xasprintf(&fp->path, "%s%s", np->root, path);
		fp->rel = path;
		fp->mode = f->mode;
	}
	free(what);
	return (0);
}

/* Render a step's files, once the facts of every node are known. */
static int
deploy_step_contents(struct deploy_nodeplan *np, struct deploy_stepplan *sp,
    char **cause)
{
	struct deploy_fileplan	*fp;
	struct buf		 t;
	char			*path;
	size_t			 i;
	int			 rc = 0;

	if (sp->svc != NULL && deploy_vars_service(np->vars, sp->svc, cause) != 0)
		return (-1);
	for (i = 0; i < sp->nfiles && rc == 0; i++) {
		fp = &sp->files[i];
		if (fp->secret && fp->want.data != NULL)
			explicit_bzero(fp->want.data, fp->want.len);
		buf_free(&fp->want);
		buf_init(&fp->want);
		buf_init(&t);
		deploy_vars_set(np->vars, "@scope", fp->file->scope != NULL ?
		    fp->file->scope : "", 0);
		if (deploy_read_template(sp->recipe, fp->file->tmpl, &t, &path,
		    cause) != 0 || deploy_render(path, buf_str(&t), t.len, np->vars, 0,
		    &fp->want, &fp->secret, cause) != 0)
			rc = -1;
		free(path);
		buf_free(&t);
		fp->mode = fp->secret ? 0600 : fp->file->mode;
	}
	return (rc);
}

/* The facts a step read, trimmed, as fact.NODE.RECIPE.STEP for other nodes' files. */
static void
deploy_plan_facts(struct deploy_plan *plan, struct deploy_nodeplan *to)
{
	struct deploy_nodeplan	*np;
	struct deploy_stepplan	*sp;
	char			*k, *v;
	size_t			 i, j, n;

	for (i = 0; i < plan->nnodes + plan->npeers; i++) {
		np = deploy_plan_node(plan, i);
		for (j = 0; j < np->nsteps; j++) {
			sp = &np->steps[j];
			if (sp->step->facts == NULL || sp->svc != NULL)
				continue;
			v = xstrdup(np->error == NULL && sp->facts != NULL ? sp->facts : "");
			for (n = strlen(v); n > 0 && (v[n - 1] == '\n' || v[n - 1] == ' ');)
				v[--n] = '\0';
			xasprintf(&k, "fact.%s.%s.%s", np->node->name, sp->recipe->name,
			    sp->label);
			deploy_vars_set(to->vars, k, v, 0);
			free(k);
			free(v);
		}
	}
}

/*
 * Files are rendered after every node's facts are in: a recipe's vars
 * hook sees fact.NODE.RECIPE.STEP and may set @wait to say what is still missing
 * (a peer's key not made yet); its DEPLOY_STEP_FACTS steps then wait.
 */
int
deploy_plan_render(struct deploy_run *run, char **cause)
{
	struct deploy_plan		*plan = run->plan;
	struct inventory		*inv = run->env->inv;
	struct deploy_nodeplan		*np;
	struct deploy_stepplan		*sp;
	const struct deploy_recipe	*r = NULL;
	const char			*wait = NULL;
	size_t				 i, j;

	for (i = 0; i < plan->nnodes; i++) {
		np = &plan->nodes[i];
		if (np->error != NULL)
			continue;
		deploy_plan_facts(plan, np);
		r = NULL;
		for (j = 0; j < np->nsteps; j++) {
			sp = &np->steps[j];
			if (sp->recipe != r) {
				r = sp->recipe;
				deploy_vars_set(np->vars, "@wait", "", 0);
				if (r->vars != NULL && r->vars(np->vars, inv, np->node,
				    cause) != 0)
					return (-1);
				wait = deploy_vars_get(np->vars, "@wait", NULL);
			}
			free(sp->wait);
			sp->wait = NULL;
			if ((sp->step->flags & DEPLOY_STEP_FACTS) && wait != NULL &&
			    *wait != '\0') {
				sp->wait = xstrdup(wait);
				continue;
			}
			if (deploy_step_contents(np, sp, cause) != 0)
				return (-1);
		}
	}
	return (0);
}

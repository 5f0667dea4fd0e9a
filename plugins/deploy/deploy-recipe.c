/*
 * Deploy's small shared pieces: which recipes exist and which nodes a
 * target selects, the target root, the wrapper every remote command runs
 * in, and progress lines.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmd.h"
#include "core/inventory.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy-conn.h"
#include "plugins/deploy/deploy-int.h"
#include "plugins/plugin.h"

static deploy_progress_cb	 deploy_progress_fn;
static void			*deploy_progress_arg;
static void			(*deploy_changed_fn)(void *);
static void			*deploy_changed_arg;

void
deploy_set_changed(void (*cb)(void *), void *arg)
{
	deploy_changed_fn = cb;
	deploy_changed_arg = arg;
}

/* A plan was saved or an apply ended: views of them are out of date. */
void
deploy_changed(void)
{
	if (deploy_changed_fn != NULL)
		deploy_changed_fn(deploy_changed_arg);
}

void
deploy_set_progress(deploy_progress_cb cb, void *arg)
{
	deploy_progress_fn = cb;
	deploy_progress_arg = arg;
}

/* A progress line: to the TUI's hook, or stderr in scripted mode. */
void
deploy_progress(struct cmd_env *env, const char *fmt, ...)
{
	va_list	 ap;
	char	*line;

	va_start(ap, fmt);
	xvasprintf(&line, fmt, ap);
	va_end(ap);
	if (deploy_progress_fn != NULL)
		deploy_progress_fn(line, deploy_progress_arg);
	else if (env->confirm == NULL) {
		fprintf(stderr, "%s\n", line);
		fflush(stderr);
	}
	free(line);
}

const char *
deploy_state_string(enum deploy_state s)
{
	switch (s) {
	case DEPLOY_NO_CHANGE:
		return ("no change");
	case DEPLOY_WILL_CHANGE:
		return ("will change");
	case DEPLOY_MAY_CHANGE:
		return ("may change");
	case DEPLOY_CHANGED:
		return ("changed");
	case DEPLOY_FAILED:
		return ("failed");
	}
	return ("?");
}

const char *
deploy_template_dir(void)
{
	const char	*d = getenv("PLATFORM_TUI_TEMPLATES");

	return (d != NULL && *d != '\0' ? d : PT_DATADIR "/plugins");
}

const struct deploy_recipe *
deploy_recipe_at(size_t idx)
{
	const struct plugin		*p;
	const struct deploy_recipe *const *r;
	size_t				 i, n = 0;

	for (i = 0; (p = plugin_at(i)) != NULL; i++) {
		if (!(p->caps & PLUGIN_CAP_DEPLOY) || p->deploy == NULL)
			continue;
		for (r = (const struct deploy_recipe *const *)p->deploy; *r != NULL;
		    r++) {
			if (n++ == idx)
				return (*r);
		}
	}
	return (NULL);
}

const struct deploy_recipe *
deploy_recipe_find(const char *name)
{
	const struct deploy_recipe	*r;
	size_t				 i;

	for (i = 0; (r = deploy_recipe_at(i)) != NULL; i++) {
		if (strcmp(r->name, name) == 0)
			return (r);
	}
	return (NULL);
}

static int
deploy_node_has_role(const struct inv_node *n, const char *role)
{
	size_t	i;

	if (strcmp(role, "*") == 0)
		return (1);
	for (i = 0; n->roles != NULL && n->roles[i] != NULL; i++) {
		if (strcmp(n->roles[i], role) == 0)
			return (1);
	}
	return (0);
}

/* A command wrapped for the host: ROOT set, stand-ins under the root first on PATH. */
char *
deploy_command(const struct deploy_nodeplan *np, const char *command)
{
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, "ROOT=");
	deploy_conn_quote(&b, np->root);
	buf_adds(&b, "; export ROOT; DEBIAN_FRONTEND=noninteractive;"
	    " export DEBIAN_FRONTEND; ");
	if (*np->root != '\0')
		buf_adds(&b, "PATH=\"$ROOT/usr/local/sbin:$ROOT/usr/local/bin:$PATH\";"
		    " export PATH; ");
	buf_adds(&b, command);
	return (buf_steal(&b));
}

const struct deploy_handler *
deploy_handler_find(const struct deploy_nodeplan *np, const char *marker)
{
	const struct deploy_handler	*h;
	size_t				 i, len = strcspn(marker, "@");

	for (i = 0; i < np->nsteps; i++) {
		h = np->steps[i].recipe->handlers;
		for (; h != NULL && h->name != NULL; h++) {
			if (strlen(h->name) == len && strncmp(h->name, marker, len) == 0)
				return (h);
		}
	}
	return (NULL);
}

const struct deploy_handler *
deploy_handler_scope(struct deploy_nodeplan *np, const char *marker, char **cause)
{
	const struct deploy_handler	*h = deploy_handler_find(np, marker);
	const char			*at = strchr(marker, '@');
	size_t				 i;

	if (h == NULL || at == NULL)
		return (h);
	for (i = 0; i < np->nsteps; i++) {
		if (np->steps[i].svc != NULL &&
		    strcmp(np->steps[i].svc->name, at + 1) == 0)
			break;
	}
	if (i == np->nsteps) {
		xasprintf(cause, "%s: no service '%s' here any more", np->node->name,
		    at + 1);
		return (NULL);
	}
	if (deploy_vars_service(np->vars, np->steps[i].svc, cause) != 0)
		return (NULL);
	return (h);
}

/* The root for a node: --root, the node's deploy-root, the platform's, or "/". */
char *
deploy_root_for(const struct deploy_opts *o, const struct inventory *inv,
    const struct inv_node *n)
{
	const char	*r = o->root;
	size_t		 len;

	if (r == NULL)
		r = n->deploy_root;
	if (r == NULL)
		r = inv->deploy_root;
	if (r == NULL || strcmp(r, "/") == 0)
		return (xstrdup(""));
	len = strlen(r);
	while (len > 1 && r[len - 1] == '/')
		len--;
	return (xstrndup(r, len));
}

/* Does a target (node, service or recipe name) select this node and recipe? */
int
deploy_selected(const struct inventory *inv, const struct inv_node *n,
    const struct deploy_recipe *r, int ntargets, char **targets)
{
	const struct inv_service	*s;
	int				 i;

	if (!deploy_node_has_role(n, r->role))
		return (0);
	if (ntargets == 0)
		return (1);
	for (i = 0; i < ntargets; i++) {
		if (strcmp(targets[i], n->name) == 0 || strcmp(targets[i], r->name) == 0)
			return (1);
		s = inventory_service(inv, targets[i]);
		if (s != NULL && strcmp(s->node, n->name) == 0 &&
		    (strcmp(s->kind, r->name) == 0 || strcmp(s->kind, r->dir) == 0))
			return (1);
	}
	return (0);
}

/* Every target must name something, or a typo would plan nothing. */
int
deploy_targets_known(const struct inventory *inv, int ntargets, char **targets,
    char **cause)
{
	int	i;

	for (i = 0; i < ntargets; i++) {
		if (inventory_node(inv, targets[i]) == NULL &&
		    inventory_service(inv, targets[i]) == NULL &&
		    deploy_recipe_find(targets[i]) == NULL) {
			xasprintf(cause, "'%s' is not a node, service or recipe of %s",
			    targets[i], inv->path);
			return (-1);
		}
	}
	return (0);
}

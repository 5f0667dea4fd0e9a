/*
 * Template variables and the {{ name }} renderer: no logic in templates,
 * so a recipe's lists and computed values are made in C by its vars hook.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/inventory.h"
#include "core/secret.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy.h"

struct deploy_var {
	char		*name;
	char		*value;		/* wiped on free when secret */
	int		 secret;
};

struct deploy_vars {
	struct deploy_var	*v;
	size_t			 n;
	const struct inventory	*inv;		/* for secret.SERVICE, resolved on first use */
};

struct deploy_vars *
deploy_vars_new(void)
{
	return (xcalloc(1, sizeof (struct deploy_vars)));
}

/* Secret values are overwritten before their memory goes back. */
static void
deploy_vars_wipe(struct deploy_var *v)
{
	if (v->secret)
		explicit_bzero(v->value, strlen(v->value));
	free(v->value);
}

void
deploy_vars_free(struct deploy_vars *vars)
{
	size_t	i;

	if (vars == NULL)
		return;
	for (i = 0; i < vars->n; i++) {
		free(vars->v[i].name);
		deploy_vars_wipe(&vars->v[i]);
	}
	free(vars->v);
	free(vars);
}

/* A later set of the same name replaces the value (recipe hooks override). */
void
deploy_vars_set(struct deploy_vars *vars, const char *name, const char *value,
    int secret)
{
	size_t	i;

	for (i = 0; i < vars->n; i++) {
		if (strcmp(vars->v[i].name, name) == 0) {
			deploy_vars_wipe(&vars->v[i]);
			vars->v[i].value = xstrdup(value);
			vars->v[i].secret = secret;
			return;
		}
	}
	vars->v = xreallocarray(vars->v, vars->n + 1, sizeof *vars->v);
	vars->v[vars->n].name = xstrdup(name);
	vars->v[vars->n].value = xstrdup(value);
	vars->v[vars->n].secret = secret;
	vars->n++;
}

const char *
deploy_vars_get(const struct deploy_vars *vars, const char *name, int *secret)
{
	size_t	i;

	for (i = 0; i < vars->n; i++) {
		if (strcmp(vars->v[i].name, name) == 0) {
			if (secret != NULL)
				*secret = vars->v[i].secret;
			return (vars->v[i].value);
		}
	}
	return (NULL);
}

/* The node's own address of a node by name, for peers and cluster lists. */
static void
deploy_vars_node(struct deploy_vars *vars, const char *prefix,
    const struct inv_node *n)
{
	char	*k;
	size_t	 i;
	struct buf b;

	buf_init(&b);
	for (i = 0; n->roles != NULL && n->roles[i] != NULL; i++)
		buf_printf(&b, "%s%s", i == 0 ? "" : " ", n->roles[i]);
	xasprintf(&k, "%s.name", prefix);
	deploy_vars_set(vars, k, n->name, 0);
	free(k);
	xasprintf(&k, "%s.address", prefix);
	deploy_vars_set(vars, k, n->address, 0);
	free(k);
	xasprintf(&k, "%s.public_address", prefix);
	deploy_vars_set(vars, k, n->public_address != NULL ? n->public_address :
	    n->address, 0);
	free(k);
	xasprintf(&k, "%s.roles", prefix);
	deploy_vars_set(vars, k, buf_str(&b), 0);
	free(k);
	buf_free(&b);
}

int
deploy_vars_service(struct deploy_vars *vars, const struct inv_service *s,
    char **cause)
{
	const struct inv_endpoint	*e = s->nendpoints > 0 ? &s->endpoints[0] : NULL;
	char				*pw;

	deploy_vars_set(vars, "svc.name", s->name, 0);
	deploy_vars_set(vars, "svc.host", e != NULL ? e->host : "", 0);
	deploy_vars_set(vars, "svc.port", e != NULL ? e->port : "", 0);
	deploy_vars_set(vars, "svc.user", s->user != NULL ? s->user : "", 0);
	deploy_vars_set(vars, "svc.database", s->database != NULL ? s->database : "", 0);
	if (s->secret == NULL) {
		deploy_vars_set(vars, "svc.password", "", 0);
		return (0);
	}
	if ((pw = secret_resolve(s->secret, cause)) == NULL)
		return (-1);
	deploy_vars_set(vars, "svc.password", pw, 1);
	secret_free(pw);
	return (0);
}

/*
 * node.*, platform.name, nodes.NAME.*, service.NAME.{host,port,user,
 * database} (main endpoint) and service.NAME.ENDPOINT.{host,port}.
 * Secrets are not resolved here: recipes ask for the ones they use.
 */
void
deploy_vars_inventory(struct deploy_vars *vars, const struct inventory *inv,
    const struct inv_node *node, const char *root)
{
	const struct inv_service	*s;
	const struct inv_endpoint	*e;
	char				*k, *p;
	size_t				 i, j;

	vars->inv = inv;
	deploy_vars_set(vars, "root", root, 0);
	deploy_vars_set(vars, "platform.name", inv->name != NULL ? inv->name :
	    "platform", 0);
	deploy_vars_node(vars, "node", node);
	for (i = 0; i < inv->nnodes; i++) {
		xasprintf(&p, "nodes.%s", inv->nodes[i].name);
		deploy_vars_node(vars, p, &inv->nodes[i]);
		free(p);
	}
	for (i = 0; i < inv->nservices; i++) {
		s = &inv->services[i];
		xasprintf(&k, "service.%s.user", s->name);
		deploy_vars_set(vars, k, s->user != NULL ? s->user : "", 0);
		free(k);
		xasprintf(&k, "service.%s.database", s->name);
		deploy_vars_set(vars, k, s->database != NULL ? s->database : "", 0);
		free(k);
		for (j = 0; j < s->nendpoints; j++) {
			e = &s->endpoints[j];
			if (j == 0) {
				xasprintf(&k, "service.%s.host", s->name);
				deploy_vars_set(vars, k, e->host, 0);
				free(k);
				xasprintf(&k, "service.%s.port", s->name);
				deploy_vars_set(vars, k, e->port, 0);
				free(k);
			}
			xasprintf(&k, "service.%s.%s.host", s->name, e->name);
			deploy_vars_set(vars, k, e->host, 0);
			free(k);
			xasprintf(&k, "service.%s.%s.port", s->name, e->name);
			deploy_vars_set(vars, k, e->port, 0);
			free(k);
		}
	}
}

/* secret.SERVICE: the service's secret reference, resolved now and kept wiped. */
static int
deploy_render_secret(struct deploy_vars *vars, const char *var, char **cause)
{
	const struct inv_service	*s;
	char				*value, *why = NULL;

	if (vars->inv == NULL ||
	    (s = inventory_service(vars->inv, var + 7)) == NULL || s->secret == NULL)
		return (0);	/* reported as an unknown variable */
	if ((value = secret_resolve(s->secret, &why)) == NULL) {
		xasprintf(cause, "%s: %s", var, why);
		free(why);
		return (-1);
	}
	deploy_vars_set(vars, var, value, 1);
	secret_free(value);
	return (0);
}

int
deploy_render(const char *name, const char *text, size_t len,
    const struct deploy_vars *vars, int flags, struct buf *out, int *used_secret,
    char **cause)
{
	const char	*p = text, *end = text + len, *open, *close, *value;
	const char	*s, *e, *q, *scope;
	char		*var, *scoped;
	int		 line = 1, secret;

	if (used_secret != NULL)
		*used_secret = 0;
	while (p < end) {
		open = memmem(p, end - p, "{{", 2);
		if (open == NULL) {
			buf_add(out, p, end - p);
			break;
		}
		for (q = p; q < open; q++)
			line += *q == '\n';
		buf_add(out, p, open - p);
		close = memmem(open + 2, end - open - 2, "}}", 2);
		if (close == NULL || memchr(open, '\n', close - open) != NULL) {
			xasprintf(cause, "%s:%d: '{{' without '}}' on the same line",
			    name, line);
			return (-1);
		}
		for (s = open + 2; s < close && isspace((unsigned char)*s); s++)
			;
		for (e = close; e > s && isspace((unsigned char)e[-1]); e--)
			;
		var = xstrndup(s, e - s);
		if (strncmp(var, "this.", 5) == 0 &&
		    (scope = deploy_vars_get(vars, "@scope", NULL)) != NULL) {
			xasprintf(&scoped, "%s.%s", scope, var + 5);
			free(var);
			var = scoped;
		}
		value = deploy_vars_get(vars, var, &secret);
		if (value == NULL && strncmp(var, "secret.", 7) == 0 &&
		    deploy_render_secret((struct deploy_vars *)vars, var, cause) != 0) {
			free(var);
			return (-1);
		}
		if (value == NULL)
			value = deploy_vars_get(vars, var, &secret);
		if (value == NULL) {
			xasprintf(cause, "%s:%d: unknown variable '%s'", name, line, var);
			free(var);
			return (-1);
		}
		if (secret && (flags & DEPLOY_RENDER_NO_SECRETS)) {
			xasprintf(cause, "%s:%d: secret '%s' may only go in a file,"
			    " never in a command", name, line, var);
			free(var);
			return (-1);
		}
		free(var);
		if (secret && used_secret != NULL)
			*used_secret = 1;
		buf_adds(out, value);
		p = close + 2;
	}
	return (0);
}

/*
 * MinIO on the gateway: one container from a compose file, its image
 * pinned by digest from the inventory (upstream stopped publishing
 * community images, so a tag is refused), the root credentials as 0600
 * files handed over as Docker secrets, bound to the private address.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/inventory.h"
#include "core/secret.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy.h"

static const struct deploy_file minio_files[] = {
	{ "/etc/platform/minio/{{ minio.name }}/root_user", "root_user.tmpl", 0600, NULL },
	{ "/etc/platform/minio/{{ minio.name }}/root_password", "root_password.tmpl",
	  0600, NULL },
	{ "/opt/platform/minio/{{ minio.name }}/compose.yml", "compose.yml.tmpl", 0644,
	  NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_step minio_steps[] = {
	{ .name = "stack", .files = minio_files,
	  .change = "mkdir -p \"$ROOT/var/lib/platform/minio/{{ minio.name }}\"",
	  .check = "docker compose -f \"$ROOT/opt/platform/minio/{{ minio.name }}/compose.yml\""
	      " config -q",
	  .handler = "restart-minio",
	  .flags = DEPLOY_STEP_STATEFUL },
	{ .name = NULL }
};

/* The exact answer: HTTP 200 from MinIO's liveness path, no redirects. */
static const struct deploy_handler minio_handlers[] = {
	{ "restart-minio",
	  "docker compose -f \"$ROOT/opt/platform/minio/{{ minio.name }}/compose.yml\" up -d",
	  "curl -s -o /dev/null -w '%{http_code}' --max-redirs 0 --max-time 5"
	  " 'http://{{ minio.host }}:{{ minio.port }}/minio/health/live'",
	  "200" },
	{ NULL, NULL, NULL, NULL }
};

/* REPO@sha256:<64 lower-case hex digits>, nothing after. */
static int
minio_pinned(const char *image)
{
	const char	*at = image != NULL ? strstr(image, "@sha256:") : NULL;

	return (at != NULL && at != image && strlen(at + 8) == 64 &&
	    strspn(at + 8, "0123456789abcdef") == 64);
}

/* The node's MinIO service: endpoints main (API) and console (default port 9001). */
static int
minio_vars(struct deploy_vars *vars, const struct inventory *inv,
    const struct inv_node *node, char **cause)
{
	const struct inv_service	*s = NULL;
	const char			*console = "9001";
	char				*pw;
	size_t				 i;

	for (i = 0; i < inv->nservices; i++) {
		if (strcmp(inv->services[i].kind, "minio") == 0 &&
		    strcmp(inv->services[i].node, node->name) == 0)
			s = &inv->services[i];
	}
	if (s == NULL || s->nendpoints == 0) {
		xasprintf(cause, "node %s: the minio recipe needs a minio service on"
		    " it with an endpoint", node->name);
		return (-1);
	}
	if (!minio_pinned(s->image)) {
		xasprintf(cause, "service %s: image %s%s%s is not pinned by digest;"
		    " give image = quay.io/minio/minio@sha256:<64 hex digits>"
		    " (upstream no longer publishes community images, so a tag"
		    " may move or vanish)", s->name, s->image != NULL ? "'" : "",
		    s->image != NULL ? s->image : "(none)", s->image != NULL ? "'" : "");
		return (-1);
	}
	if (s->user == NULL || s->secret == NULL) {
		xasprintf(cause, "service %s: MinIO needs user and secret (its root"
		    " credentials)", s->name);
		return (-1);
	}
	for (i = 1; i < s->nendpoints; i++) {
		if (strcmp(s->endpoints[i].name, "console") == 0)
			console = s->endpoints[i].port;
	}
	deploy_vars_set(vars, "minio.name", s->name, 0);
	deploy_vars_set(vars, "minio.image", s->image, 0);
	deploy_vars_set(vars, "minio.host", s->endpoints[0].host, 0);
	deploy_vars_set(vars, "minio.port", s->endpoints[0].port, 0);
	deploy_vars_set(vars, "minio.console", console, 0);
	deploy_vars_set(vars, "minio.user", s->user, 0);
	if ((pw = secret_resolve(s->secret, cause)) == NULL)
		return (-1);
	deploy_vars_set(vars, "minio.password", pw, 1);
	secret_free(pw);
	return (0);
}

static const struct deploy_recipe minio_recipe = {
	.name = "minio",
	.dir = "s3",
	.role = "minio",
	.steps = minio_steps,
	.handlers = minio_handlers,
	.vars = minio_vars,
};

const struct deploy_recipe *const s3_deploy_recipes[] = {
	&minio_recipe,
	NULL
};

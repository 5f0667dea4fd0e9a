/*
 * nginx with TLS in front of the web services of its node (the single-VPS
 * shape): one virtual host per HTTP service of the inventory on the node,
 * proxied by address. A self-signed certificate is made on the host until
 * a real one replaces it; nginx -t checks the whole configuration.
 */
#include "config.h"

#include <string.h>

#include "core/buf.h"
#include "core/inventory.h"
#include "plugins/deploy/deploy.h"
#include "plugins/plugin.h"

static const struct deploy_file nginx_files[] = {
	{ "/etc/nginx/nginx.conf", "nginx.conf.tmpl", 0644, NULL },
	{ "/etc/nginx/conf.d/platform.conf", "platform.conf.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_step nginx_steps[] = {
	{ .name = "packages", .packages = "nginx openssl" },
	{ .name = "certificate",
	  .test = "test -s \"$ROOT/etc/ssl/platform/fullchain.pem\"",
	  .change = "mkdir -p \"$ROOT/etc/ssl/platform\" && umask 077 && openssl req"
	      " -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days"
	      " 365 -subj '/CN={{ node.public_address }}' -keyout"
	      " \"$ROOT/etc/ssl/platform/privkey.pem\" -out"
	      " \"$ROOT/etc/ssl/platform/fullchain.pem\" 2>/dev/null",
	  .handler = "reload-nginx" },
	{ .name = "site", .files = nginx_files,
	  .change = "mkdir -p \"$ROOT/var/log/nginx\" \"$ROOT/var/lib/nginx\" \"$ROOT/run\"",
	  .check = "nginx -t -q -p \"$ROOT/etc/nginx/\" -c \"$ROOT/etc/nginx/nginx.conf\"",
	  .handler = "reload-nginx" },
	{ .name = NULL }
};

/* The exact answer of nginx itself on its health location, no redirect followed. */
static const struct deploy_handler nginx_handlers[] = {
	{ "reload-nginx", "systemctl reload-or-restart nginx",
	  "curl -sk --max-redirs 0 --max-time 5 https://{{ node.public_address }}/nginx-health",
	  "ok\n" },
	{ NULL, NULL, NULL, NULL }
};

/* A server block per HTTP(S) service on this node, by service name. */
static int
nginx_vars(struct deploy_vars *vars, const struct inventory *inv,
    const struct inv_node *node, char **cause)
{
	const struct inv_service	*s;
	const struct inv_endpoint	*e;
	struct buf			 b;
	size_t				 i;

	(void)cause;
	buf_init(&b);
	for (i = 0; i < inv->nservices; i++) {
		s = &inv->services[i];
		if (strcmp(s->node, node->name) != 0 || s->nendpoints == 0)
			continue;
		e = &s->endpoints[0];
		if (strcmp(e->scheme, "http") != 0 && strcmp(e->scheme, "https") != 0)
			continue;
		buf_printf(&b, "server {\n"
		    "    listen %s:443 ssl;\n"
		    "    server_name %s.%s;\n"
		    "    ssl_certificate %s/etc/ssl/platform/fullchain.pem;\n"
		    "    ssl_certificate_key %s/etc/ssl/platform/privkey.pem;\n"
		    "    location / {\n"
		    "        proxy_pass %s://%s:%s;\n"
		    "        proxy_set_header Host $host;\n"
		    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
		    "        proxy_set_header X-Forwarded-Proto https;\n"
		    "    }\n"
		    "}\n", node->public_address != NULL ? node->public_address :
		    node->address, s->name, inv->name != NULL ? inv->name : "platform",
		    deploy_vars_get(vars, "root", NULL), deploy_vars_get(vars, "root", NULL),
		    e->scheme, e->host, e->port);
	}
	deploy_vars_set(vars, "nginx.servers", buf_str(&b), 0);
	buf_free(&b);
	return (0);
}

static const struct deploy_recipe nginx_recipe = {
	.name = "nginx",
	.dir = "nginx",
	.role = "nginx",
	.steps = nginx_steps,
	.handlers = nginx_handlers,
	.vars = nginx_vars,
};

static const struct deploy_recipe *const nginx_deploy_recipes[] = {
	&nginx_recipe,
	NULL
};

static const char *const nginx_kinds[] = { NULL };

const struct plugin plugin_nginx = {
	.api_version = PLUGIN_API_VERSION,
	.name = "nginx",
	.version = PACKAGE_VERSION,
	.description = "nginx with TLS in front of the node's web services",
	.kinds = nginx_kinds,
	.caps = PLUGIN_CAP_DEPLOY,
	.deploy = nginx_deploy_recipes,
};

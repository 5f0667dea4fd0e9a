/*
 * Prometheus on the gateway: its configuration scrapes every node-exporter
 * endpoint of the inventory, checked by promtool before it is reloaded.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/inventory.h"
#include "plugins/deploy/deploy.h"

static const struct deploy_file prom_files[] = {
	{ "/etc/prometheus/prometheus.yml", "prometheus.yml.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_step prom_steps[] = {
	{ .name = "packages", .packages = "prometheus" },
	{ .name = "config", .files = prom_files,
	  .check = "promtool check config \"$ROOT/etc/prometheus/prometheus.yml\"",
	  .handler = "reload-prometheus" },
	{ .name = NULL }
};

static const struct deploy_handler prom_handlers[] = {
	{ "reload-prometheus", "systemctl reload-or-restart prometheus",
	  "curl -s -o /dev/null -w '%{http_code}' --max-redirs 0 --max-time 5"
	  " 'http://{{ prom.host }}:{{ prom.port }}/-/ready'",
	  "200" },
	{ NULL, NULL, NULL, NULL }
};

/* Scrape targets: every endpoint of every node-exporter service. */
static int
prom_vars(struct deploy_vars *vars, const struct inventory *inv,
    const struct inv_node *node, char **cause)
{
	const struct inv_service	*s;
	struct buf			 b;
	size_t				 i, j;
	int				 found = 0;

	(void)cause;
	buf_init(&b);
	deploy_vars_set(vars, "prom.host", node->address, 0);
	deploy_vars_set(vars, "prom.port", "9090", 0);
	for (i = 0; i < inv->nservices; i++) {
		s = &inv->services[i];
		if (strcmp(s->kind, "prometheus") == 0 && s->nendpoints > 0 &&
		    strcmp(s->node, node->name) == 0) {
			deploy_vars_set(vars, "prom.host", s->endpoints[0].host, 0);
			deploy_vars_set(vars, "prom.port", s->endpoints[0].port, 0);
		}
		if (strcmp(s->kind, "node-exporter") != 0)
			continue;
		for (j = 0; j < s->nendpoints; j++) {
			buf_printf(&b, "%s'%s:%s'", found++ ? ", " : "",
			    s->endpoints[j].host, s->endpoints[j].port);
		}
	}
	deploy_vars_set(vars, "prom.node_targets", buf_str(&b), 0);
	buf_free(&b);
	return (0);
}

static const struct deploy_recipe prom_recipe = {
	.name = "prometheus",
	.dir = "monitoring",
	.role = "prometheus",
	.steps = prom_steps,
	.handlers = prom_handlers,
	.vars = prom_vars,
};

const struct deploy_recipe *const monitoring_deploy_recipes[] = {
	&prom_recipe,
	NULL
};

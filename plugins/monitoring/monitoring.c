/* The monitoring stack: Prometheus, node-exporter, Grafana and Loki, each with its health URL. */
#include "config.h"

#include "plugins/plugin.h"

static const char *const prometheus_kinds[] = { "prometheus", NULL };
static const char *const node_exporter_kinds[] = { "node-exporter", NULL };
static const char *const grafana_kinds[] = { "grafana", NULL };
static const char *const loki_kinds[] = { "loki", NULL };

extern const struct deploy_recipe *const monitoring_deploy_recipes[];

const struct plugin plugin_prometheus = {
	.api_version = PLUGIN_API_VERSION,
	.name = "prometheus",
	.version = PACKAGE_VERSION,
	.description = "Prometheus",
	.kinds = prometheus_kinds,
	.caps = PLUGIN_CAP_HEALTH | PLUGIN_CAP_DEPLOY,
	.health_path = "/-/healthy",
	.deploy = monitoring_deploy_recipes,
};

/* "/" is a small page; "/metrics" would fetch every metric on each probe. */
const struct plugin plugin_node_exporter = {
	.api_version = PLUGIN_API_VERSION,
	.name = "node-exporter",
	.version = PACKAGE_VERSION,
	.description = "Prometheus node-exporter",
	.kinds = node_exporter_kinds,
	.caps = PLUGIN_CAP_HEALTH,
	.health_path = "/",
};

const struct plugin plugin_grafana = {
	.api_version = PLUGIN_API_VERSION,
	.name = "grafana",
	.version = PACKAGE_VERSION,
	.description = "Grafana",
	.kinds = grafana_kinds,
	.caps = PLUGIN_CAP_HEALTH,
	.health_path = "/api/health",
};

const struct plugin plugin_loki = {
	.api_version = PLUGIN_API_VERSION,
	.name = "loki",
	.version = PACKAGE_VERSION,
	.description = "Loki",
	.kinds = loki_kinds,
	.caps = PLUGIN_CAP_HEALTH,
	.health_path = "/ready",
};

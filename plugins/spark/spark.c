/* Kubernetes (k3s) and the Spark Operator: the spark commands and the API server's health. */
#include "config.h"

#include "plugins/plugin.h"

extern const struct cmd_entry *const spark_commands[];

static const char *const spark_kinds[] = { "spark", "kube", "k3s", NULL };

const struct plugin plugin_spark = {
	.api_version = PLUGIN_API_VERSION,
	.name = "spark",
	.version = PACKAGE_VERSION,
	.description = "Spark on Kubernetes (Spark Operator)",
	.kinds = spark_kinds,
	.caps = PLUGIN_CAP_HEALTH,
	.commands = spark_commands,
	.health_path = "/readyz",
};

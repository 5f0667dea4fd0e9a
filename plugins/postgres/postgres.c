/* PostgreSQL (Airflow metadata, OLTP): probed by a real connection through backends/pg.c. */
#include "config.h"

#include "plugins/plugin.h"

static const char *const postgres_kinds[] = { "postgres", "postgresql", NULL };

extern const struct deploy_recipe *const postgres_deploy_recipes[];

const struct plugin plugin_postgres = {
	.api_version = PLUGIN_API_VERSION,
	.name = "postgres",
	.version = PACKAGE_VERSION,
	.description = "PostgreSQL servers: Airflow metadata and OLTP",
	.kinds = postgres_kinds,
	.caps = PLUGIN_CAP_HEALTH | PLUGIN_CAP_DEPLOY,
	.deploy = postgres_deploy_recipes,
};

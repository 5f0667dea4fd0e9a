/* PostgreSQL (Airflow metadata, OLTP): probed by a real connection through backends/pg.c. */
#include "config.h"

#include "plugins/plugin.h"

static const char *const postgres_kinds[] = { "postgres", "postgresql", NULL };

const struct plugin plugin_postgres = {
	.api_version = PLUGIN_API_VERSION,
	.name = "postgres",
	.version = PACKAGE_VERSION,
	.description = "PostgreSQL servers: Airflow metadata and OLTP",
	.kinds = postgres_kinds,
	.caps = PLUGIN_CAP_HEALTH,
};

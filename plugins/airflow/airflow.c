/* Airflow: the health JSON names each component; one unhealthy part makes it degraded. */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "core/buf.h"
#include "core/xmalloc.h"
#include "plugins/airflow/af-cmd.h"
#include "plugins/plugin.h"

static const char *const airflow_kinds[] = { "airflow", NULL };

/* 2.x /health and 3.x /api/v2/monitor/health: {component: {status: healthy}}. */
static enum plugin_health
airflow_health_judge(long status, const char *body, size_t len, char **detail)
{
	json_t		*root, *v, *st;
	const char	*key;
	struct buf	 bad;
	enum plugin_health h = PLUGIN_HEALTH_UP;

	if (status == 401 || status == 403) {
		*detail = xprintf("HTTP %ld: authentication failed", status);
		return (PLUGIN_HEALTH_AUTH_FAILED);
	}
	if (status != 200) {
		*detail = xprintf("HTTP %ld", status);
		return (PLUGIN_HEALTH_DOWN);
	}
	if ((root = json_loadb(body, len, 0, NULL)) == NULL || !json_is_object(root)) {
		json_decref(root);
		*detail = xstrdup("HTTP 200 but the health answer is not JSON");
		return (PLUGIN_HEALTH_DEGRADED);
	}
	buf_init(&bad);
	json_object_foreach(root, key, v) {
		st = json_object_get(v, "status");
		if (json_is_string(st) && strcmp(json_string_value(st), "healthy") != 0) {
			buf_printf(&bad, "%s%s %s", bad.len ? ", " : "", key, json_string_value(st));
			h = PLUGIN_HEALTH_DEGRADED;
		}
	}
	*detail = bad.len ? buf_steal(&bad) : xstrdup("all components healthy");
	buf_free(&bad);
	json_decref(root);
	return (h);
}

extern const struct deploy_recipe *const airflow_deploy_recipes[];

const struct plugin plugin_airflow = {
	.api_version = PLUGIN_API_VERSION,
	.name = "airflow",
	.version = PACKAGE_VERSION,
	.description = "Airflow 2.x and 3.x: DAGs, runs, tasks",
	.kinds = airflow_kinds,
	.caps = PLUGIN_CAP_HEALTH | PLUGIN_CAP_DEPLOY,
	.commands = af_commands,
	.health_path = "/api/v2/monitor/health",
	.health_judge = airflow_health_judge,
	.deploy = airflow_deploy_recipes,
};

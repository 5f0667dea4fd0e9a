/* ClickHouse: its health is a real query, so a wrong password shows as such. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "plugins/plugin.h"
#include "plugins/clickhouse/sql.h"

static const char *const clickhouse_kinds[] = { "clickhouse", NULL };

/* Codes 192-194 and 516 are unknown user, wrong password, and auth failure. */
static enum plugin_health
clickhouse_health_judge(long status, const char *body, size_t len, char **detail)
{
	size_t	n = len;

	if (status == 200) {
		while (n > 0 && (body[n - 1] == '\n' || body[n - 1] == '\r'))
			n--;
		if (n > 40)
			n = 40;
		*detail = xprintf("ClickHouse %.*s", (int)n, body);
		return (PLUGIN_HEALTH_UP);
	}
	if (status == 401 || status == 403 || (len > 8 && (strncmp(body, "Code: 192", 9) == 0 ||
	    strncmp(body, "Code: 193", 9) == 0 || strncmp(body, "Code: 194", 9) == 0 ||
	    strncmp(body, "Code: 516", 9) == 0))) {
		*detail = xprintf("HTTP %ld: authentication failed", status);
		return (PLUGIN_HEALTH_AUTH_FAILED);
	}
	*detail = xprintf("HTTP %ld", status);
	return (PLUGIN_HEALTH_DOWN);
}

extern const struct deploy_recipe *const clickhouse_deploy_recipes[];

const struct plugin plugin_clickhouse = {
	.api_version = PLUGIN_API_VERSION,
	.name = "clickhouse",
	.version = PACKAGE_VERSION,
	.description = "ClickHouse shards and their Distributed tables",
	.kinds = clickhouse_kinds,
	.caps = PLUGIN_CAP_HEALTH | PLUGIN_CAP_DEPLOY,
	.commands = sql_commands,
	.health_path = "/?query=SELECT%20version()",
	.health_judge = clickhouse_health_judge,
	.deploy = clickhouse_deploy_recipes,
};

/* An external plugin built for another API version: it must be refused. */
#include "config.h"

#include "plugins/plugin.h"

const struct plugin platform_tui_plugin = {
	.api_version = PLUGIN_API_VERSION + 1,
	.name = "badversion",
	.version = "9.9",
	.description = "a plugin from the future",
};

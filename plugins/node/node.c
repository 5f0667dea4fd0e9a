/* Nodes: commands run on the platform's hosts over SSH. */
#include "config.h"

#include "core/cmd.h"
#include "plugins/node/node.h"
#include "plugins/plugin.h"

static const struct cmd_entry *const node_commands[] = {
	&node_exec_entry,
	&node_put_entry,
	&node_get_entry,
	&node_ssh_watch_entry,
	NULL
};

const struct plugin plugin_node = {
	.api_version = PLUGIN_API_VERSION,
	.name = "node",
	.version = PACKAGE_VERSION,
	.description = "Nodes over SSH",
	.commands = node_commands,
};

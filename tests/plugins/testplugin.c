/* An external plugin built only for the tests: a read command and a destructive one. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "core/view.h"
#include "plugins/plugin.h"

static enum cmd_retval
testplugin_hello(struct cmd *c)
{
	size_t	r;

	c->view = view_new("Hello");
	view_add_column(c->view, "greeting", VIEW_TEXT);
	view_add_column(c->view, "n", VIEW_NUMBER);
	r = view_add_row(c->view);
	view_set_text(c->view, r, 0, c->argc > 0 ? c->argv[0] : "world");
	view_set_num(c->view, r, 1, 42);
	return (CMD_RETURN_NORMAL);
}

/* Creates a file: a stand-in for any change, to test read-only, --yes and audit. */
static enum cmd_retval
testplugin_touch(struct cmd *c)
{
	int	fd;

	if ((fd = open(c->argv[0], O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1) {
		cmd_error(c, CMD_EXIT_FAIL, "cannot create %s", c->argv[0]);
		return (CMD_RETURN_NORMAL);
	}
	close(fd);
	cmd_message(c, "created %s", c->argv[0]);
	return (CMD_RETURN_NORMAL);
}

static const struct cmd_entry testplugin_hello_entry = {
	.name = "hello world",
	.args = { "", 0, 1 },
	.usage = "[name]",
	.help = "Greet from an external plugin.",
	.flags = CMD_HIDDEN,
	.exec = testplugin_hello,
};

static const struct cmd_entry testplugin_touch_entry = {
	.name = "hello touch",
	.args = { "", 1, 1 },
	.usage = "file",
	.help = "Create a file (changes something, destructive).",
	.flags = CMD_CHANGES | CMD_DESTRUCTIVE | CMD_HIDDEN,
	.exec = testplugin_touch,
};

static const struct cmd_entry *const testplugin_commands[] = {
	&testplugin_hello_entry,
	&testplugin_touch_entry,
	NULL
};

const struct plugin platform_tui_plugin = {
	.api_version = PLUGIN_API_VERSION,
	.name = "testplugin",
	.version = "1.0",
	.description = "a plugin for the tests",
	.commands = testplugin_commands,
};

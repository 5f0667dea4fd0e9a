/* The interactive console: placeholder until the curses shell lands. */
#include "config.h"

#include <stdio.h>

#include "core/cmd.h"
#include "tui/tui.h"

int
tui_main(struct cmd_env *env)
{
	fprintf(stderr, "platform-tui: no command given; see 'platform-tui help'\n");
	return (CMD_EXIT_USAGE);
}

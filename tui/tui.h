/* The interactive console. */
#ifndef TUI_H
#define TUI_H

struct cmd_env;

int	tui_main(struct cmd_env *);

#endif

/*
 * The interactive SQL shell of "platform-tui sql" on a terminal with no
 * query: GNU readline's callback interface on the event loop, queries run
 * on the loop meanwhile, like clickhouse-client.
 */
#ifndef REPL_H
#define REPL_H

struct cmd;

/*
 * Run the REPL on the sql command's target until exit, quit or Ctrl-D.
 * Returns an exit status of DESIGN.md section 6 (enum cmd_exit).
 */
int	repl_main(struct cmd *);

#endif

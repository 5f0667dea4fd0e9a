/* Scripted mode: run one command and print its view, or run commands from stdin in batch mode. */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>

#include "cli/output.h"

struct cmd;
struct cmd_env;

int	cli_run(struct cmd_env *, enum output_format, int argc, char **argv);
int	cli_batch(struct cmd_env *, FILE *in, FILE *out);
/* Run a parsed command on the loop until it ends; SIGINT cancels it. */
void	cli_wait(struct cmd *);

#endif

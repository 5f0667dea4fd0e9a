/* Probing every service of the inventory: the status command and the Overview pane share it. */
#ifndef STATUS_H
#define STATUS_H

#include "core/cmd.h"

struct cmd;
struct status_run;

int		 status_start(struct cmd *, void (*)(struct status_run *, void *), void *);
void		 status_run_free(struct status_run *);
enum cmd_retval	 status_exec(struct cmd *);

#endif

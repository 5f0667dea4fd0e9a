/*
 * The node plugin's commands: exec, put and get over the node's shared SSH
 * session (node-exec.c). The Nodes pane and status come later.
 */
#ifndef NODE_H
#define NODE_H

struct cmd_entry;

extern const struct cmd_entry	node_exec_entry;
extern const struct cmd_entry	node_put_entry;
extern const struct cmd_entry	node_get_entry;
extern const struct cmd_entry	node_ssh_watch_entry;

#endif

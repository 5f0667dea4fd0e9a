/*
 * The node plugin: the inventory's machines. node.c has node status, node
 * logs, service restart and the hidden node watch, and builds the samplers
 * the Nodes pane shares; node-exec.c has node exec, put and get.
 */
#ifndef NODE_H
#define NODE_H

#include "backends/nodestat.h"
#include "core/cmd.h"

struct http;
struct inv_node;
struct inventory;

/* node.c */
extern const struct cmd_entry node_status_entry;
extern const struct cmd_entry node_logs_entry;
extern const struct cmd_entry node_watch_entry;
extern const struct cmd_entry service_restart_entry;

/*
 * A sampler for an inventory node: over its SSH session, or from its
 * metrics service when it names one (then *http is made on first need and
 * the session, if any, still lists containers and units).
 */
struct nodestat	*node_sampler(struct cmd_env *, const struct inv_node *,
		     struct http **, nodestat_cb, void *, char **cause);
/* The URL of a node's metrics (node-exporter /metrics or prometheus /federate). */
char		*node_metrics_url(const struct inventory *, const struct inv_node *,
		     char **cause);
/* The remote shell command that shows (or follows) a unit's or container's log. */
char		*node_logs_command(const char *name, int follow, int lines);
/* The remote shell command that restarts a unit or container. */
char		*node_restart_command(const char *name);

/* node-exec.c */
extern const struct cmd_entry	node_exec_entry;
extern const struct cmd_entry	node_put_entry;
extern const struct cmd_entry	node_get_entry;
extern const struct cmd_entry	node_ssh_watch_entry;
extern const struct cmd_entry	node_ssh_stress_entry;	/* node-stress.c */

#endif

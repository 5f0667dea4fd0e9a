/* The Nodes pane, its node detail and its log view: shared by pane-nodes.c and pane-nodes-draw.c. */
#ifndef PANE_NODES_H
#define PANE_NODES_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "tui/tui.h"

struct http;
struct inv_node;
struct nodestat;
struct ssh_exec;

struct pane_nodes_node {
	const struct inv_node	*inv;
	struct nodestat		*ns;		/* or NULL and why */
	char			*why;
};

struct pane_nodes {
	struct pane_nodes_node	*nodes;
	size_t			 n;
	struct http		*http;		/* for metrics services, made on need */
	int			 started;

	struct pane		 detail;	/* one node: pushed by Enter */
	size_t			 node;		/* which */

	struct pane		 log;		/* a unit's or container's log */
	size_t			 log_node;
	char			*log_name;
	struct ssh_exec		*ex;
	int			 inflight;
	int			 ended;		/* the log command has exited */
	char			*log_status;	/* why it ended, or NULL */
	struct buf		 partial;	/* a line not yet ended */
	int			 paused;	/* no reading, no scrolling */
	int			 wrap;
	char			*search;
};

struct pane_nodes	*pane_nodes_get(void);
extern const struct pane_type pane_nodes;
extern const struct pane_type pane_nodes_detail;
extern const struct pane_type pane_nodes_log;
void			 pane_nodes_register(void);

/* pane-nodes-draw.c */
void	pane_nodes_draw_list(struct tui *, struct pane *, int y, int h);
void	pane_nodes_draw_detail(struct tui *, struct pane *, int y, int h);
void	pane_nodes_draw_log(struct tui *, struct pane *, int y, int h);
/* "ready", "connecting", "lost - retry in 4 s" ...: into out; the role to draw it in. */
enum theme_role pane_nodes_state(const struct pane_nodes_node *, char *out, size_t len);

/* tui/pane-log.c: drawing and searching lines, shared with the Task log. */
int	pane_log_put(const char *, int y, int w, int maxrows, int draw);
int	pane_log_is_error(const char *);
int	pane_log_find(struct pane *, int reverse, const char *text);

#endif

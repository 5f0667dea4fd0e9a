/*
 * The SQL pane: a query editor over a result table that streams from a
 * spool file, a vertical view of one row, and the cluster view. Shared by
 * tui/pane-sql.c, tui/pane-sql-cmd.c and tui/pane-sql-cluster.c.
 */
#ifndef PANE_SQL_H
#define PANE_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "backends/clickhouse.h"
#include "core/loop.h"
#include "tui/sqledit.h"
#include "tui/theme.h"
#include "tui/tui.h"

struct sqlspool;
struct sqlcluster;

#define SQL_WINDOW	400	/* spool rows held in the window view */
#define SQL_MARGIN	40	/* refill when the cursor gets this close to its edge */

enum sql_focus {
	SQL_FOCUS_EDITOR,
	SQL_FOCUS_TABLE,
};

struct sqlpane {
	struct pane		*pane;		/* the tab this is the data of */
	char			*service;	/* owned: the service connected to, or NULL */
	struct ch_target	*targets;	/* one per endpoint; strings owned */
	size_t			 ntargets;
	size_t			 target;	/* the endpoint queries run on */
	char			*password;	/* owned: the resolved secret, or NULL */
	struct http		*http;
	char			 session[64];	/* session_id: SET and temporary tables last */
	char			*why;		/* owned: why there is no connection */

	struct sqledit		 edit;
	enum sql_focus		 focus;

	struct ch_query		*q;		/* running, or NULL */
	unsigned		 nrun;		/* queries run: each result's view title */
	uint64_t		 started;	/* loop_now() at Enter */
	uint64_t		 first_ms;	/* Enter to first row; 0 before it */
	struct ch_progress	 prog;		/* the last progress report */
	int			 cancelling;
	char			*status;	/* owned: how the last query ended */
	enum theme_role		 status_role;
	struct loop_timer	 tick;		/* redraws progress while it runs */

	struct sqlspool		*spool;		/* the result's rows, or NULL */
	char			**names;	/* owned: column names */
	char			**types;	/* owned: their ClickHouse types */
	size_t			 ncols;
	uint64_t		 win;		/* spool row of the window's first row */

	struct ch_query		*wq;		/* completion words loading, or NULL */
	char			**words;	/* owned, growing while wq runs */
	size_t			 nwords;

	struct pane		 row;		/* the vertical view */
	uint64_t		 row_at;	/* the spool row it shows */
	struct sqlcluster	*cluster;	/* the cluster view, or NULL */
};

extern const struct pane_type pane_sql;

/* tui/pane-sql.c */
struct sqlpane	*sql_pane(struct tui *);
int		 sql_connect(struct tui *, struct sqlpane *, const char *service,
		     const char *endpoint, char **cause);
int		 sql_run(struct tui *, struct sqlpane *, const char *query);
void		 sql_cancel(struct tui *, struct sqlpane *);
void		 sql_move(struct tui *, struct sqlpane *, const char *to);
uint64_t	 sql_cursor(struct sqlpane *);
void		 sql_row_show(struct tui *, struct sqlpane *);
int		 sql_edit_external(struct tui *, struct sqlpane *, char **cause);
/* A target with a timeout for short queries (completion, cluster view). */
struct ch_target sql_target_short(const struct sqlpane *, size_t);

int		 sql_window_frozen(struct sqlpane *);

/* tui/pane-sql-row.c */
extern const struct pane_type pane_sql_row;

/* tui/pane-sql-cmd.c */
void		 pane_sql_register(void);

/* tui/pane-sql-cluster.c */
extern const struct pane_type pane_sql_cluster;
void		 sql_cluster_show(struct tui *, struct sqlpane *, const char *section,
		     char **cause);
const char	*sql_cluster_query_id(struct tui *);
void		 sql_cluster_free(struct sqlpane *);
/* Is a section still loading? */
int		 sql_cluster_busy(const struct sqlpane *);

#endif

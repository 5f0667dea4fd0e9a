/*
 * What the Airflow panes share: one client for the service shown, what is
 * open (DAG, run, task), the pushed panes (Runs, Grid, Task log), and a
 * refresh on the loop that backs off while nothing changes and remembers
 * which rows changed, to show them in bold for a while.
 */
#ifndef PANE_AIRFLOW_H
#define PANE_AIRFLOW_H

#include <stddef.h>
#include <time.h>

#include "backends/airflow.h"
#include "core/loop.h"
#include "tui/tui.h"

#define PANE_AF_MAX_MS		60000	/* backed off to, while nothing changes */
#define PANE_AF_BOLD_SECS	4	/* a changed row stays bold this long */

struct pane_af_key;

/* A pane's loads on the loop. */
struct pane_af_live {
	struct pane		*pane;		/* the pane it loads */
	struct loop_timer	 timer;
	int			 base_ms;	/* the pace while things change */
	int			 ms;		/* the pace now */
	int			 stale;		/* the timer fired while the pane was hidden */
	time_t			 next;		/* when the next load starts */
	struct af_op		*op;		/* in flight, or NULL */
	char			*error;		/* the last load's failure, or NULL */
	int			 from_db;	/* the last load read the metadata database */
	void			(*load)(struct tui *, struct pane *);

	struct pane_af_key	*keys;		/* the last view's rows by key, sorted */
	size_t			 nkeys;
	time_t			*changed;	/* per row of the view shown: when it changed */
	size_t			 nchanged;
};

struct pane_af {
	struct http		*http;
	struct af_client	*client;
	char			*service;	/* the airflow service shown */
	char			*dag;		/* open in Runs and Grid */
	char			*run;		/* open in Grid (its column) and Task log */
	char			*task;		/* open in Task log */
	char			*task_state;	/* its state when opened */
	struct pane		 runs;
	struct pane		 grid;
	struct pane		 log;
};

/* tui/pane-airflow.c */
struct pane_af	*pane_af_get(void);
void		 pane_af_free(void);
void		 pane_af_reset_client(void);
int		 pane_af_client(struct tui *, char **cause);
void		 pane_af_live_init(struct pane_af_live *, struct pane *, int base_ms,
		     void (*load)(struct tui *, struct pane *));
void		 pane_af_live_free(struct pane_af_live *);
void		 pane_af_live_restart(struct pane_af_live *);
void		 pane_af_live_soon(struct pane_af_live *, int ms);
void		 pane_af_live_done(struct tui *, struct pane_af_live *, int changed,
		     const char *error);
void		 pane_af_live_show(struct tui *, struct pane_af_live *);
int		 pane_af_live_diff(struct pane_af_live *, const struct view *, size_t keycol);
int		 pane_af_live_bold(const struct pane_af_live *, size_t row);
int		 pane_af_draw_title(struct tui *, struct pane_af_live *, int y,
		     const char *what);
const char	*pane_af_cell(const struct view *, size_t row, const char *col);
int		 pane_af_state_role(const char *);
const char	*pane_af_state_glyph(const char *);
const char	*pane_af_sep(void);

/* tui/pane-dags.c */
extern const struct pane_type pane_af_runs;
int		 pane_dags_poke(void);
const char	*pane_dags_paused(struct tui *, const char *dag);

/* tui/pane-af-cmd.c: the keys' commands (airflow trigger|pause|mark|clear|service) */
void		 pane_dags_register(void);

/* tui/pane-grid.c */
extern const struct pane_type pane_af_grid;
void		 pane_grid_open(struct tui *, const char *run);
void		 pane_grid_poke(void);
/* The run and task under the grid's cursor (task NULL on the header); -1 if none. */
int		 pane_grid_cursor(const char **run, const char **task);
extern const struct cmd_entry pane_grid_cmds[];
extern const size_t pane_grid_ncmds;

/* tui/pane-log.c */
extern const struct pane_type pane_af_log;
void		 pane_log_open(struct tui *, const char *run, const char *task,
		     const char *state);
extern const struct cmd_entry pane_log_cmds[];
extern const size_t pane_log_ncmds;

#endif

/* Deploy internals shared by the engine, apply, plan files and commands. */
#ifndef DEPLOY_INT_H
#define DEPLOY_INT_H

#include <stdint.h>

#include "core/buf.h"
#include "core/loop.h"
#include "plugins/deploy/deploy.h"

struct deploy_conn;

#define DEPLOY_STATE_DIR	"/var/lib/platform-tui"		/* under the root */
#define DEPLOY_MIN_FREE_KB	(1024 * 1024)			/* 1 GiB free at the root */
/* What changes a host whatever the root: a root other than / needs stand-ins. */
#define DEPLOY_HOST_COMMANDS	"apt-get sysctl nft systemctl docker"

enum deploy_state {
	DEPLOY_NO_CHANGE,
	DEPLOY_WILL_CHANGE,
	DEPLOY_MAY_CHANGE,	/* depends on an earlier step's change */
	DEPLOY_CHANGED,		/* applied: the change was made and checked */
	DEPLOY_FAILED,		/* applied: this step failed */
};

struct deploy_fileplan {
	const struct deploy_file *file;
	char		*path;		/* remote path, root included */
	char		*rel;		/* the path under the root, as shown */
	struct buf	 want;		/* rendered; wiped when secret */
	int		 secret;	/* used a secret: 0600, no diff */
	int		 mode;
	int		 exists;
	int		 changed;
	unsigned char	 have[32];	/* SHA-256 of the current content */
	char		*diff;		/* unified diff, or a note for secret files */
};

struct deploy_stepplan {
	const struct deploy_recipe *recipe;
	const struct deploy_step *step;
	const struct inv_service *svc;		/* the instance, for a per-service recipe */
	char			*label;		/* "config", or "compose@oltp-db" */
	char			*handler;	/* its handler's marker name, or NULL */
	enum deploy_state	 state;
	char			*why;		/* "2 files", "packages missing: x" */
	char			*wait;		/* waits for facts (@wait): rendered later */
	char			*facts;		/* the facts command's output */
	int			 test_status;	/* -1: no test */
	char			*missing;	/* packages not installed, or NULL */
	struct deploy_fileplan	*files;
	size_t			 nfiles;
	char			*cmd_facts;	/* commands rendered (no secrets) */
	char			*cmd_test;
	char			*cmd_change;
	char			*cmd_check;
	char			*cmd_dump;
};

struct deploy_nodeplan {
	const struct inv_node	*node;
	char			*root;		/* "" for "/", else the directory */
	struct deploy_conn	*conn;
	struct deploy_vars	*vars;
	struct deploy_stepplan	*steps;
	size_t			 nsteps;
	char			**pending;	/* handler markers left on the host */
	size_t			 npending;
	char			 facts_hash[65];
	char			*error;		/* a failed precondition, or NULL */
};

struct deploy_plan {
	char			*id;
	int64_t			 created;
	char			**targets;	/* as given on the command line */
	int			 ntargets;
	struct deploy_nodeplan	*nodes;
	size_t			 nnodes;
	struct deploy_nodeplan	*peers;		/* not planned: only their facts are read */
	size_t			 npeers;		/* (a mesh peer's public key) */
	char			 facts_hash[65];
	char			 want_hash[65];
	size_t			 nchanges;	/* steps that will or may change */
};

/* How a plan or apply run is set up. */
struct deploy_opts {
	int		 local;		/* --local: no SSH */
	const char	*root;		/* --root, or NULL: the inventory's */
	int		 timeout_ms;	/* per remote command */
	int		 lock_wait_ms;	/* how long apply waits for the lock */
	int		 health_ms;	/* how long a health check may take */
	int		 fail_fast;	/* stop at the first node that fails */
};

struct deploy_run;
typedef void (*deploy_run_cb)(struct deploy_run *, int exit, const char *error, void *);

/* One plan or apply in progress: a cursor over nodes, steps and files. */
struct deploy_run {
	struct cmd_env		*env;
	struct deploy_opts	 opts;
	struct deploy_plan	*plan;
	size_t			 node;		/* cursor */
	size_t			 step;
	size_t			 file;
	int			 phase;
	int			 pass;		/* plan: 0 reads facts, 1 renders and compares */
	int			 second;	/* apply: in the pass after new facts */
	char			 delim[40];	/* separates sections of a facts script */
	deploy_run_cb		 cb;
	void			*arg;
	struct loop_timer	 timer;
	uint64_t		 started;	/* loop_now at the start of the phase */

	/* Apply. */
	const struct deploy_saved *saved;
	const struct inv_node	*lock_node;
	struct deploy_conn	*lock_conn;
	char			*lock_root;
	uint64_t		 lock_start;
	int			 locked;
	int			 health_delay;	/* ms until the next health try */
	char			*expect;	/* the health check's rendered answer */
	size_t			 handler;	/* index in the node's pending list */
	size_t			 nchanged;
	int			 exit;
	char			*error;
	deploy_run_cb		 apply_cb;
	void			*apply_arg;
};

/* deploy-recipe.c: which nodes and recipes targets select. */
int			 deploy_selected(const struct inventory *, const struct inv_node *,
			     const struct deploy_recipe *, int ntargets, char **targets);
int			 deploy_targets_known(const struct inventory *, int ntargets,
			     char **targets, char **cause);

/* deploy-steps.c: commands and paths first, files once every node's facts are in. */
int			 deploy_step_render(struct deploy_nodeplan *, struct deploy_stepplan *,
			     char **cause);
int			 deploy_plan_render(struct deploy_run *, char **cause);

/* deploy-engine.c: select the nodes, read the facts, make the plan. */
struct deploy_run	*deploy_run_new(struct cmd_env *, const struct deploy_opts *,
			     int ntargets, char **targets, char **cause);
void			 deploy_run_plan(struct deploy_run *, deploy_run_cb, void *);
/* Plan again over the same connections, after an apply made new facts. */
void			 deploy_run_replan(struct deploy_run *, deploy_run_cb, void *);
struct deploy_plan	*deploy_run_result(struct deploy_run *);
struct cmd_env		*deploy_run_env(struct deploy_run *);
const struct deploy_opts *deploy_run_opts(struct deploy_run *);
void			 deploy_run_free(struct deploy_run *);
void			 deploy_plan_free(struct deploy_plan *);
const char		*deploy_state_string(enum deploy_state);
/* Node I of the plan, then its peers past nnodes. */
struct deploy_nodeplan	*deploy_plan_node(struct deploy_plan *, size_t i);
/* "" for "/", else the directory: --root, the node's deploy-root, the platform's. */
char			*deploy_root_for(const struct deploy_opts *, const struct inventory *,
			     const struct inv_node *);
char			*deploy_command(const struct deploy_nodeplan *, const char *);
const struct deploy_handler *deploy_handler_find(const struct deploy_nodeplan *,
			     const char *marker);
/* The handler of a marker, with svc.* set for its instance; NULL and *cause. */
const struct deploy_handler *deploy_handler_scope(struct deploy_nodeplan *,
			     const char *marker, char **cause);
/* A command template rendered for a node (no secrets); NULL and *cause. */
char			*deploy_render_command(const char *what, const char *tmpl,
			     const struct deploy_vars *, char **cause);
void			 deploy_progress(struct cmd_env *, const char *, ...)
			     __attribute__((format(printf, 2, 3)));

/* deploy-plan.c: the saved plan, its text and JSON forms, the history. */
struct deploy_saved {
	char		*id;
	char		**targets;
	int		 ntargets;
	char		 facts_hash[65];
	char		 want_hash[65];
	char		**node_names;	/* with the facts hash each was planned from */
	char		**node_hashes;
	size_t		 nnodes;
};
char			*deploy_plan_dir(void);
int			 deploy_plan_save(const struct deploy_plan *, char **cause);
struct deploy_saved	*deploy_plan_load(const char *id, char **cause);
void			 deploy_saved_free(struct deploy_saved *);
char			*deploy_plan_text(const struct deploy_plan *, int color);
char			*deploy_plan_json(const struct deploy_plan *);
void			 deploy_history_add(const char *plan_id, const char *result,
			     size_t nsteps, int64_t ms);

/* deploy-apply.c: the lock, the changes, handlers and health checks. */
void			 deploy_apply(struct deploy_run *, const struct deploy_saved *,
			     deploy_run_cb, void *);

#endif

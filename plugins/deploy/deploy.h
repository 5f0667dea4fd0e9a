/*
 * Deploy: recipes that bring a node into its role and keep it as declared.
 * A recipe is a list of steps; a step reads facts (read-only commands),
 * compares them with the wanted state (files rendered from templates,
 * packages, a test command), and when they differ makes the change, checks
 * it and triggers its handler (restart X when Y changed). Everything runs
 * through a transport (SSH exec and SFTP, or local processes for tests),
 * and every remote path lies under a target root ("/" in production).
 */
#ifndef DEPLOY_H
#define DEPLOY_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct cmd;
struct cmd_env;
struct inventory;
struct inv_node;
struct loop;

/* One file a step wants on the host. */
struct deploy_file {
	const char	*path;		/* remote path under the root: "/etc/sysctl.d/x.conf" */
	const char	*tmpl;		/* template in the recipe's folder: "sysctl.conf.tmpl" */
	int		 mode;		/* 0644; a file using a secret is always 0600 */
	const char	*scope;		/* {{ this.x }} reads {{ SCOPE.x }}, or NULL */
};

#define DEPLOY_STEP_STATEFUL	0x1	/* its files are never rolled back */
/*
 * Its files use other nodes' facts (fact.NODE.RECIPE.STEP): when the recipe's
 * vars hook sets @wait (a fact not there yet), the step may change and
 * apply renders it in a second pass, after reading the facts again.
 */
#define DEPLOY_STEP_FACTS	0x2

/*
 * Commands are templates too (non-secret variables only) and run under
 * sh with ROOT set to the target root ("" for "/") and stand-ins found
 * first on PATH under the root.
 */
struct deploy_step {
	const char		*name;		/* "sysctl"; NULL ends a list */
	const char		*facts;		/* read-only command whose output is a fact, or NULL */
	const char		*test;		/* exit 0: already as wanted; 127: may change; or NULL */
	const char		*packages;	/* Debian packages, space-separated, or NULL */
	const struct deploy_file *files;	/* ends with path NULL, or NULL */
	const char		*change;	/* run when the test fails or files changed, or NULL */
	const char		*check;		/* must exit 0 after the change, or NULL */
	const char		*dump;		/* before the change (a migration): dump the data, or NULL */
	const char		*handler;	/* handler triggered when this step changed, or NULL */
	int			 flags;
	const char		*when;		/* a variable: the step is only planned when it
						   is set and not empty (keeper = yes), or NULL */
};

/* What to do when a step changed something, and how to tell it worked. */
struct deploy_handler {
	const char	*name;		/* "restart-clickhouse"; NULL ends a list */
	const char	*command;	/* "systemctl restart x" */
	const char	*health;	/* command whose stdout must be exactly expect, or NULL */
	const char	*expect;	/* "Ok.\n" */
};

struct deploy_vars;

/* A plugin's recipe: plugin->deploy points at a NULL-terminated array of these. */
struct deploy_recipe {
	const char			*name;		/* "clickhouse": also the SERVICE of rollback */
	const char			*dir;		/* template folder: plugins/DIR/deploy/ */
	const char			*role;		/* nodes with this role, "*" for every node */
	const char			*kind;		/* steps repeat per service of this kind on
							   the node, with svc.* variables; or NULL */
	const struct deploy_step	*steps;
	const struct deploy_handler	*handlers;	/* or NULL */
	/*
	 * Extra variables for this node (lists, computed values); optional.
	 * Called before the facts are read (for commands) and again after
	 * every node's are in (for files), with fact.NODE.RECIPE.STEP set.
	 */
	int				(*vars)(struct deploy_vars *, const struct inventory *,
					    const struct inv_node *, char **cause);
	/*
	 * A file the service makes, read back once a handler of this recipe
	 * is healthy (k3s's kubeconfig) and kept here by fetched, which says
	 * where in *saved; both optional.
	 */
	const char			*fetch;		/* remote path under the root */
	int				(*fetched)(const struct inventory *,
					    const struct inv_node *, const char *data,
					    size_t len, char **saved, char **cause);
};

/*
 * Variables for templates: "node.address", "secret.pg-oltp" ... Secret
 * values are resolved at use, kept in wiped memory, and a file that uses
 * one is written 0600 and never shown in a diff.
 */
struct deploy_vars	*deploy_vars_new(void);
void			 deploy_vars_free(struct deploy_vars *);
void			 deploy_vars_set(struct deploy_vars *, const char *name,
			     const char *value, int secret);
const char		*deploy_vars_get(const struct deploy_vars *, const char *name,
			     int *secret);
/* svc.name, .host, .port, .user, .database and (secret) .password of one service. */
struct inv_service;
int			 deploy_vars_service(struct deploy_vars *, const struct inv_service *,
			     char **cause);
/* The inventory's variables for one node (node.*, platform.*, service.*). */
void			 deploy_vars_inventory(struct deploy_vars *, const struct inventory *,
			     const struct inv_node *, const char *root);

/*
 * Render "{{ name }}" from vars into out. Returns 0, or -1 and *cause
 * ("NAME:LINE: unknown variable 'x'"). *used_secret tells whether a secret
 * went in; with no_secrets set a secret variable is an error instead.
 */
#define DEPLOY_RENDER_NO_SECRETS	0x1
int		 deploy_render(const char *name, const char *text, size_t len,
		     const struct deploy_vars *, int flags, struct buf *out,
		     int *used_secret, char **cause);

/* A unified diff of a and b (3 lines of context) into out; 0 if they are equal. */
int		 deploy_diff(const char *a, size_t alen, const char *b, size_t blen,
		     const char *label_a, const char *label_b, struct buf *out);

/* Where templates are read from: $PLATFORM_TUI_TEMPLATES or $(pkgdatadir)/plugins. */
const char	*deploy_template_dir(void);

/* Every recipe of every loaded plugin, in order; NULL past the end. */
const struct deploy_recipe *deploy_recipe_at(size_t);
const struct deploy_recipe *deploy_recipe_find(const char *name);

/* Progress lines of a running apply, for the TUI; scripted mode prints them on stderr. */
typedef void (*deploy_progress_cb)(const char *line, void *arg);
void		 deploy_set_progress(deploy_progress_cb, void *);
/* Called when a plan is saved or an apply ends (the Deploy pane reloads). */
void		 deploy_set_changed(void (*)(void *), void *);
void		 deploy_changed(void);

#endif

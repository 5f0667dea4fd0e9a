/*
 * Commands: every operator action is one const struct cmd_entry in one
 * table. Key bindings, the : prompt, scripted and batch mode all run them.
 */
#ifndef CMD_H
#define CMD_H

#include <stddef.h>

struct cmd;
struct inventory;
struct loop;
struct ssh;
struct view;

/* Exit status of DESIGN.md section 6. */
enum cmd_exit {
	CMD_EXIT_OK = 0,
	CMD_EXIT_FAIL = 1,		/* the operation failed */
	CMD_EXIT_USAGE = 2,		/* bad command line or inventory */
	CMD_EXIT_UNREACHABLE = 3,	/* a service did not answer */
	CMD_EXIT_AUTH = 4,		/* authentication failed */
	CMD_EXIT_REFUSED = 5,		/* read-only, or not confirmed */
};

enum cmd_retval {
	CMD_RETURN_NORMAL,	/* finished: result or error is set */
	CMD_RETURN_WAIT,	/* waits on the loop; calls cmd_finish later */
};

#define CMD_CHANGES	0x1	/* changes something: refused by --read-only, audited */
#define CMD_DESTRUCTIVE	0x2	/* needs confirmation (--yes in scripted mode) */
#define CMD_INVENTORY	0x4	/* needs the inventory */
#define CMD_HIDDEN	0x8	/* not listed in help (tests, internals) */

struct cmd_entry {
	const char	*name;		/* "noun verb", or one word */
	const char	*alias;		/* or NULL */
	struct {
		const char *spec;	/* options: "wait conf= timeout=|t" (= takes a value) */
		int	 lower;		/* positional arguments, at least */
		int	 upper;		/* at most, -1 = any */
	} args;
	const char	*usage;		/* "[--wait] DAG" */
	const char	*help;		/* one sentence */
	int		 flags;
	enum cmd_retval	(*exec)(struct cmd *);
};

/* What every command runs in: shared by the commands of one front end. */
#define CMD_ENV_YES		0x1	/* --yes: destructive commands are confirmed */
#define CMD_ENV_READ_ONLY	0x2
#define CMD_ENV_TTY		0x4	/* stdout is a terminal */
#define CMD_ENV_COLOR		0x8
#define CMD_ENV_BATCH		0x10
#define CMD_ENV_ACCEPT_NEW_KEYS	0x20	/* --accept-new-host-keys */
struct cmd_env {
	struct loop	*loop;
	struct inventory *inv;		/* loaded on first need */
	char		*inv_path;
	int		 flags;
	int		 timeout_ms;	/* default request timeout */
	char		*audit_path;	/* NULL = no audit log (tests only) */
	char		*plugin_dir;	/* extra external plugin directory, or NULL */
	struct ssh	*ssh;		/* the SSH session pool, made on first use */
	int		 inv_hooked;	/* the inventory hook has run */
	/* Interactive front ends ask here; NULL means --yes is required. */
	void		(*confirm)(struct cmd *, const char *question,
			    void (*answer)(struct cmd *, int yes));
};

struct cmd_opt {
	const char	*name;		/* borrowed from the spec */
	char		*value;		/* owned; "" for a flag */
};

struct cmd {
	const struct cmd_entry	*entry;
	struct cmd_env		*env;
	int			 argc;		/* positional arguments */
	char			**argv;
	struct cmd_opt		*opts;
	size_t			 nopts;
	char			*line;		/* the command as typed, for audit and errors */

	struct view		*view;		/* result: a table, or */
	char			*message;	/* a line of text */
	enum cmd_exit		 exit;
	char			*error;		/* why it failed */

	void			*state;		/* the exec function's own */
	void			(*cancel)(struct cmd *);	/* set while waiting */
	void			(*done)(struct cmd *, void *);
	void			*done_arg;
	int			 finished;
};

void			 cmd_register(const struct cmd_entry *);
const struct cmd_entry	*cmd_table(size_t index);	/* NULL past the end */
const struct cmd_entry	*cmd_find(int argc, char **argv, int *used, char **cause);
/* Options every command takes, wherever they stand on the line. */
extern const char	*cmd_global_spec;

struct cmd	*cmd_parse(struct cmd_env *, int argc, char **argv, char **cause);
void		 cmd_run(struct cmd *, void (*done)(struct cmd *, void *), void *);
void		 cmd_finish(struct cmd *);
void		 cmd_cancel(struct cmd *);
void		 cmd_free(struct cmd *);

const char	*cmd_opt(const struct cmd *, const char *name);
int		 cmd_flag(const struct cmd *, const char *name);
void		 cmd_error(struct cmd *, enum cmd_exit, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
void		 cmd_message(struct cmd *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
int		 cmd_inventory(struct cmd *);	/* load env->inv; -1 and error set */
/* Run once per environment after its inventory loads: routes are set up there. */
void		 cmd_set_inventory_hook(void (*)(struct cmd_env *));
void		 cmd_inventory_loaded(struct cmd_env *);
char		*cmd_usage(const struct cmd_entry *);
const char	*cmd_exit_name(enum cmd_exit);

#endif

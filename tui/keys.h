/* Key bindings: a key in a pane (or everywhere) runs a command line. */
#ifndef KEYS_H
#define KEYS_H

#include <stddef.h>

#define KEYS_ANY_PANE	NULL	/* a binding for every pane */

struct keys_binding {
	int		 key;		/* a curses key code */
	char		*pane;		/* a pane's name, or NULL for every pane */
	char		*command;	/* the command line it runs */
	const char	*note;		/* what it does, for help; NULL = the command */
	int		 alias;		/* another code of a key listed already (help skips it) */
};

/* Load the default bindings (again); user bindings come after with keys_bind. */
void		 keys_init(void);
void		 keys_free(void);
/* Bind KEY (a name such as j, C-l, PgDn, F5) to a command line; "none" unbinds. */
int		 keys_bind(const char *key, const char *pane, const char *command,
		     char **cause);
/* The command line for a key in a pane, or NULL. */
const char	*keys_lookup(const char *pane, int key);
/* A key's name as keys_bind reads it ("C-l", "PgDn", "x"); into out. */
const char	*keys_name(int key, char *out, size_t len);
/* A key code from its name, or -1. */
int		 keys_code(const char *name);
/* The bindings in order, for help: NULL past the end. */
const struct keys_binding *keys_at(size_t index);

#endif

/* Settings: one table names each, with its type, default and help (config show, man page). */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stddef.h>

enum options_type {
	OPTIONS_STRING,
	OPTIONS_BOOL,
	OPTIONS_DURATION,
	OPTIONS_CHOICE,
};

struct options_entry {
	const char		*name;
	enum options_type	 type;
	const char		*def;		/* NULL = unset */
	const char		*choices;	/* "a|b|c" for OPTIONS_CHOICE */
	const char		*help;
};

extern const struct options_entry options_table[];

char		*options_default_path(void);
int		 options_load(const char *path, int must_exist, char **cause);
int		 options_set(const char *name, const char *value, const char *source,
		     char **cause);
/* Set NAME in the config file read at start (or the default one), keeping its other lines. */
int		 options_save(const char *name, const char *value, char **cause);
const char	*options_get(const char *name);
const char	*options_source(const char *name);
int		 options_get_bool(const char *name);
int		 options_get_ms(const char *name);
void		 options_free(void);
/* The config's "bind [-p PANE] KEY COMMAND" lines, in order; 0 past the end. */
int		 options_bind_at(size_t, const char **key, const char **pane,
		     const char **command);

#endif

/*
 * What the SQL REPL does with the lines typed: where statements end, the
 * words that leave, the history file, and Tab completion of keywords and of
 * the server's names. Readline is one per process, so this state is too.
 */
#ifndef REPL_INPUT_H
#define REPL_INPUT_H

#include <sys/types.h>

#include <stddef.h>

#define REPL_INPUT_HISTORY_MAX	10000	/* entries kept in the history file */
#define REPL_INPUT_NAMES_MAX	100000	/* completion names kept at most */

/*
 * Where the first statement of s ends: the offset just past its ';' or "\G"
 * outside quotes and comments (*vertical says which), or -1 when it goes on.
 */
ssize_t	 repl_input_statement_end(const char *s, size_t len, int *vertical);
/* Only blanks and comments: nothing to run. */
int	 repl_input_blank(const char *);
/* exit, quit, q, logout or \q alone on the line. */
int	 repl_input_is_exit(const char *);

/* The history file of a target (created 0600), read in; NULL when it cannot be. */
char	*repl_input_history_open(const char *service, const char *shard);
/* Add a statement (its lines joined) and append it to the file at once. */
void	 repl_input_history_add(const char *path, const char *, size_t);
void	 repl_input_history_close(const char *path);

/* Readline's completion hook; names come from the server as they load. */
char	**repl_input_complete(const char *text, int start, int end);
void	 repl_input_names_add(const char *, size_t);
void	 repl_input_names_sort(void);
void	 repl_input_names_free(void);

#endif

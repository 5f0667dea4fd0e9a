/*
 * Batch mode's reader: one command per line, either a JSON array of
 * strings (exact, for programs) or words with shell-like quoting.
 */
#ifndef BATCH_H
#define BATCH_H

#include <stddef.h>

#define BATCH_MAX_LINE	(1024 * 1024)
#define BATCH_MAX_ARGS	1024

/*
 * Split one line into words. Returns the word count (0 for a blank or
 * comment line) or -1 with *cause set. *argv is NULL-terminated; free it
 * with batch_free_argv.
 */
int	batch_split(const char *line, size_t len, char ***argv, char **cause);
void	batch_free_argv(char **);

#endif

/*
 * A command line as text: batch mode and the console prompt read commands
 * as a JSON array of strings (exact, for programs) or shell-like words.
 */
#ifndef CMDLINE_H
#define CMDLINE_H

#include <stddef.h>

#define CMDLINE_MAX_LINE	(1024 * 1024)
#define CMDLINE_MAX_ARGS	1024

/*
 * Split one line into words. Returns the word count (0 for a blank or
 * comment line) or -1 with *cause set. *argv is NULL-terminated; free it
 * with cmdline_free.
 */
int	cmdline_split(const char *line, size_t len, char ***argv, char **cause);
void	cmdline_free(char **);

#endif

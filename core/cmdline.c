/* Splitting a command line into argv: JSON arrays or shell-like words. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmdline.h"
#include "core/buf.h"
#include "core/xmalloc.h"

void
cmdline_free(char **argv)
{
	size_t	i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

static int
cmdline_split_json(const char *line, size_t len, char ***argvp, char **cause)
{
	json_error_t	 err;
	json_t		*arr, *v;
	char		**argv;
	size_t		 i, n;

	if ((arr = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		xasprintf(cause, "bad JSON at column %d: %s", err.column, err.text);
		return (-1);
	}
	if (!json_is_array(arr)) {
		json_decref(arr);
		xasprintf(cause, "a JSON command must be an array of strings");
		return (-1);
	}
	n = json_array_size(arr);
	if (n > CMDLINE_MAX_ARGS) {
		json_decref(arr);
		xasprintf(cause, "more than %d words", CMDLINE_MAX_ARGS);
		return (-1);
	}
	argv = xcalloc(n + 1, sizeof *argv);
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || memchr(json_string_value(v), '\0',
		    json_string_length(v)) != NULL) {
			xasprintf(cause, "word %zu of the JSON command is not a string", i + 1);
			cmdline_free(argv);
			json_decref(arr);
			return (-1);
		}
		argv[i] = xstrdup(json_string_value(v));
	}
	json_decref(arr);
	*argvp = argv;
	return ((int)n);
}

/* Words as a POSIX shell splits them: '...' literal, "..." with \" \\ \$ \`, \x outside. */
static int
cmdline_split_words(const char *line, size_t len, char ***argvp, char **cause)
{
	struct buf	  word;
	char		**argv = NULL;
	size_t		  i = 0, n = 0;
	int		  inword = 0;
	char		  q = 0, ch;

	buf_init(&word);
	while (i < len) {
		ch = line[i];
		if (ch == '\0') {
			xasprintf(cause, "a NUL byte in the command");
			goto fail;
		}
		if (q == '\'') {
			if (ch == '\'')
				q = 0;
			else
				buf_addc(&word, ch);
			i++;
			continue;
		}
		if (q == '"') {
			if (ch == '"')
				q = 0;
			else if (ch == '\\' && i + 1 < len && strchr("\"\\$`", line[i + 1])) {
				buf_addc(&word, line[i + 1]);
				i++;
			} else
				buf_addc(&word, ch);
			i++;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			if (inword) {
				if (n + 1 >= CMDLINE_MAX_ARGS) {
					xasprintf(cause, "more than %d words", CMDLINE_MAX_ARGS);
					goto fail;
				}
				argv = xreallocarray(argv, n + 2, sizeof *argv);
				argv[n++] = buf_steal(&word);
				argv[n] = NULL;
				inword = 0;
			}
			i++;
			continue;
		}
		if (ch == '#' && !inword)
			break;
		inword = 1;
		if (ch == '\'' || ch == '"')
			q = ch;
		else if (ch == '\\') {
			if (i + 1 >= len) {
				xasprintf(cause, "a backslash at the end of the line");
				goto fail;
			}
			buf_addc(&word, line[++i]);
		} else
			buf_addc(&word, ch);
		i++;
	}
	if (q != 0) {
		xasprintf(cause, "unterminated %s quote", q == '"' ? "double" : "single");
		goto fail;
	}
	if (inword) {
		argv = xreallocarray(argv, n + 2, sizeof *argv);
		argv[n++] = buf_steal(&word);
		argv[n] = NULL;
	}
	buf_free(&word);
	if (argv == NULL)
		argv = xcalloc(1, sizeof *argv);
	*argvp = argv;
	return ((int)n);
fail:
	buf_free(&word);
	cmdline_free(argv);
	return (-1);
}

int
cmdline_split(const char *line, size_t len, char ***argv, char **cause)
{
	size_t	i = 0;

	*argv = NULL;
	if (len > CMDLINE_MAX_LINE) {
		xasprintf(cause, "line longer than %d bytes", CMDLINE_MAX_LINE);
		return (-1);
	}
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < len && line[i] == '[')
		return (cmdline_split_json(line + i, len - i, argv, cause));
	return (cmdline_split_words(line, len, argv, cause));
}

/* The SQL REPL's input: statement ends, exit words, history, completion. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <readline/readline.h>
#include <readline/history.h>

#include "cli/repl-input.h"
#include "core/buf.h"
#include "core/util.h"
#include "core/xmalloc.h"

static const char *const repl_input_keywords[] = {
	"SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "HAVING", "LIMIT", "OFFSET",
	"DISTINCT", "AS", "AND", "OR", "NOT", "IN", "GLOBAL", "LIKE", "ILIKE", "BETWEEN",
	"IS", "NULL", "CASE", "WHEN", "THEN", "ELSE", "END", "JOIN", "LEFT", "RIGHT",
	"INNER", "OUTER", "FULL", "CROSS", "ANY", "ALL", "ARRAY JOIN", "USING", "ON",
	"UNION ALL", "WITH", "FORMAT", "SETTINGS", "PREWHERE", "SAMPLE", "FINAL",
	"INSERT INTO", "VALUES", "CREATE", "TABLE", "DATABASE", "VIEW", "MATERIALIZED",
	"TEMPORARY", "IF EXISTS", "IF NOT EXISTS", "ENGINE", "PARTITION BY",
	"PRIMARY KEY", "DROP", "ALTER", "ADD COLUMN", "DELETE", "UPDATE", "RENAME",
	"TRUNCATE", "OPTIMIZE", "SHOW", "TABLES", "DATABASES", "PROCESSLIST",
	"DESCRIBE", "DESC", "EXISTS", "USE", "SET", "KILL QUERY", "SYNC", "ASC",
	"CLUSTER", NULL
};

static char	**repl_input_names;	/* from the server: sorted once loaded, owned */
static size_t	  repl_input_nnames;

/* Quotes, backquotes and comments hide terminators; a backslash escapes inside quotes. */
ssize_t
repl_input_statement_end(const char *s, size_t len, int *vertical)
{
	size_t	i;
	char	quote = 0;

	for (i = 0; i < len; i++) {
		if (quote != 0) {
			if (s[i] == '\\' && i + 1 < len)
				i++;
			else if (s[i] == quote)
				quote = 0;
			continue;
		}
		switch (s[i]) {
		case '\'':
		case '"':
		case '`':
			quote = s[i];
			break;
		case '-':
			if (i + 1 < len && s[i + 1] == '-') {
				while (i < len && s[i] != '\n')
					i++;
			}
			break;
		case '#':	/* ClickHouse takes "#" and "#!" comments too */
			if (i + 1 < len && (s[i + 1] == ' ' || s[i + 1] == '!')) {
				while (i < len && s[i] != '\n')
					i++;
			}
			break;
		case '/':
			if (i + 1 < len && s[i + 1] == '*') {
				for (i += 2; i + 1 < len; i++) {
					if (s[i] == '*' && s[i + 1] == '/')
						break;
				}
				if (i + 1 >= len)
					return (-1);
				i++;
			}
			break;
		case ';':
			*vertical = 0;
			return ((ssize_t)i + 1);
		case '\\':
			if (i + 1 < len && s[i + 1] == 'G') {
				*vertical = 1;
				return ((ssize_t)i + 2);
			}
			break;
		}
	}
	return (-1);
}

/* A statement of only blanks and comments is skipped, as clickhouse-client does. */
int
repl_input_blank(const char *s)
{
	const char	*e;
	int		 vertical;

	while (isspace((unsigned char)*s))
		s++;
	if (strncmp(s, "--", 2) == 0 || strncmp(s, "# ", 2) == 0)
		return ((e = strchr(s, '\n')) == NULL || repl_input_blank(e));
	if (strncmp(s, "/*", 2) == 0)
		return ((e = strstr(s + 2, "*/")) == NULL || repl_input_blank(e + 2));
	return (*s == '\0' || repl_input_statement_end(s, strlen(s), &vertical) == 1);
}

/* The words that leave, alone on the first line: exit, quit, q, logout, \q. */
int
repl_input_is_exit(const char *line)
{
	static const char *const words[] = { "exit", "quit", "q", "logout", "\\q", NULL };
	char	 w[16];
	size_t	 n, i;

	while (isspace((unsigned char)*line))
		line++;
	n = strcspn(line, " \t;");
	if (n == 0 || n >= sizeof w)
		return (0);
	for (i = n; line[i] == ' ' || line[i] == '\t' || line[i] == ';'; i++)
		;
	if (line[i] != '\0')
		return (0);
	for (i = 0; i < n; i++)
		w[i] = (char)tolower((unsigned char)line[i]);
	w[n] = '\0';
	for (i = 0; words[i] != NULL; i++) {
		if (strcmp(w, words[i]) == 0)
			return (1);
	}
	return (0);
}

/* A file name part from an inventory name: letters, digits, '-' and '_' only. */
static void
repl_input_name_part(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++)
		buf_addc(b, isalnum((unsigned char)*s) || *s == '-' || *s == '_' ? *s : '_');
}

/* History per target: sql_history.SERVICE, or sql_history.SERVICE.SHARD with --shard. */
char *
repl_input_history_open(const char *service, const char *shard)
{
	struct buf	 b;
	char		*dir, *path;
	int		 fd;

	dir = util_xdg_dir("state");
	if (util_mkdir_p(dir, 0700) != 0) {
		fprintf(stderr, "Cannot create %s: %s (no history)\n", dir, strerror(errno));
		free(dir);
		return (NULL);
	}
	buf_init(&b);
	buf_printf(&b, "%s/sql_history.", dir);
	repl_input_name_part(&b, service);
	if (shard != NULL) {
		buf_addc(&b, '.');
		repl_input_name_part(&b, shard);
	}
	free(dir);
	path = buf_steal(&b);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) == -1) {
		fprintf(stderr, "Cannot open %s: %s (no history)\n", path, strerror(errno));
		free(path);
		return (NULL);
	}
	close(fd);
	using_history();
	read_history(path);
	return (path);
}

/* One entry per statement: a multi-line one is joined so the file keeps one per line. */
void
repl_input_history_add(const char *path, const char *text, size_t len)
{
	HIST_ENTRY	*last;
	char		*flat, *p;

	while (len > 0 && isspace((unsigned char)*text)) {
		text++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	if (len == 0)
		return;
	flat = xstrndup(text, len);
	for (p = flat; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
	if (last == NULL || strcmp(last->line, flat) != 0) {
		add_history(flat);
		if (path != NULL && append_history(1, path) != 0)
			fprintf(stderr, "Cannot save the history to %s\n", path);
	}
	free(flat);
}

/* Keep the file bounded, and free readline's copy. */
void
repl_input_history_close(const char *path)
{
	if (path != NULL)
		history_truncate_file(path, REPL_INPUT_HISTORY_MAX);
	rl_clear_history();	/* with the undo lists it keeps in entries */
}

/* Only names that print as they are can be offered: no escapes into the terminal. */
void
repl_input_names_add(const char *s, size_t len)
{
	struct buf	b;
	int		same;

	if (len == 0 || len > 256 || memchr(s, '\0', len) != NULL ||
	    repl_input_nnames >= REPL_INPUT_NAMES_MAX)
		return;
	buf_init(&b);
	util_sanitize(&b, s, len);
	same = b.len == len && memcmp(b.data, s, len) == 0;
	buf_free(&b);
	if (!same)
		return;
	if ((repl_input_nnames & (repl_input_nnames - 1)) == 0)
		repl_input_names = xreallocarray(repl_input_names, repl_input_nnames == 0 ?
		    1 : repl_input_nnames * 2, sizeof *repl_input_names);
	repl_input_names[repl_input_nnames++] = xstrndup(s, len);
}

static int
repl_input_name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

void
repl_input_names_sort(void)
{
	qsort(repl_input_names, repl_input_nnames, sizeof *repl_input_names,
	    repl_input_name_cmp);
}

void
repl_input_names_free(void)
{
	size_t	i;

	for (i = 0; i < repl_input_nnames; i++)
		free(repl_input_names[i]);
	free(repl_input_names);
	repl_input_names = NULL;
	repl_input_nnames = 0;
}

/* Readline's generator: keywords first (in the case typed), then the server's names. */
static char *
repl_input_complete_next(const char *text, int state)
{
	static size_t	 k, i;
	size_t		 len = strlen(text), j;
	const char	*w;
	char		*m;

	if (state == 0)
		k = i = 0;
	while ((w = repl_input_keywords[k]) != NULL) {
		k++;
		if (strncasecmp(w, text, len) != 0)
			continue;
		m = xstrdup(w);
		if (len > 0 && islower((unsigned char)text[0])) {
			for (j = 0; m[j] != '\0'; j++)
				m[j] = (char)tolower((unsigned char)m[j]);
		}
		return (m);
	}
	while (i < repl_input_nnames) {
		w = repl_input_names[i++];
		if (strncasecmp(w, text, len) == 0)
			return (xstrdup(w));
	}
	return (NULL);
}

/* Never file names: SQL has none to complete. */
char **
repl_input_complete(const char *text, int start, int end)
{
	rl_attempted_completion_over = 1;
	return (rl_completion_matches(text, repl_input_complete_next));
}

/* Settings from the config file, the environment and the command line, checked against one table. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/options.h"
#include "core/secret.h"
#include "core/util.h"
#include "core/xmalloc.h"

const struct options_entry options_table[] = {
	{ "inventory", OPTIONS_STRING, NULL, NULL,
	  "the inventory file to open" },
	{ "timeout", OPTIONS_DURATION, "5s", NULL,
	  "how long a probe or request may wait for an answer" },
	{ "output", OPTIONS_CHOICE, "table", "table|json|tsv|csv|yaml",
	  "how scripted mode prints a view" },
	{ "color", OPTIONS_CHOICE, "auto", "auto|always|never",
	  "colour in scripted output (auto: only on a terminal without NO_COLOR)" },
	{ "theme", OPTIONS_STRING, "default", NULL,
	  "the colour theme of the console" },
	{ "read-only", OPTIONS_BOOL, "no", NULL,
	  "refuse every command that changes something" },
	{ "audit-log", OPTIONS_STRING, NULL, NULL,
	  "the audit log (default $XDG_STATE_HOME/platform-tui/audit.log)" },
	{ "plugin-dir", OPTIONS_STRING, NULL, NULL,
	  "a directory of external plugins, loaded after the installed ones" },
	{ NULL, 0, NULL, NULL, NULL }
};

#define OPTIONS_COUNT (sizeof options_table / sizeof options_table[0] - 1)
static char		*options_values[OPTIONS_COUNT];
static const char	*options_sources[OPTIONS_COUNT];
static char		*options_path;	/* the file options_load read: options_save writes it */

static int
options_find(const char *name)
{
	size_t	i;

	for (i = 0; options_table[i].name != NULL; i++) {
		if (strcmp(options_table[i].name, name) == 0)
			return ((int)i);
	}
	return (-1);
}

static int
options_check(const struct options_entry *o, const char *value, char **cause)
{
	const char	*p;
	size_t		 len = strlen(value);
	int		 ms;

	switch (o->type) {
	case OPTIONS_STRING:
		return (0);
	case OPTIONS_BOOL:
		if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0 ||
		    strcmp(value, "true") == 0 || strcmp(value, "false") == 0 ||
		    strcmp(value, "on") == 0 || strcmp(value, "off") == 0)
			return (0);
		xasprintf(cause, "%s: '%s' is not yes or no", o->name, value);
		return (-1);
	case OPTIONS_DURATION:
		if (util_parse_duration(value, &ms, NULL) == 0 && ms > 0)
			return (0);
		xasprintf(cause, "%s: bad duration '%s' (use 250ms, 5s, 2m)", o->name, value);
		return (-1);
	case OPTIONS_CHOICE:
		for (p = o->choices; p != NULL; p = strchr(p, '|')) {
			if (*p == '|')
				p++;
			if (strncmp(p, value, len) == 0 && (p[len] == '|' || p[len] == '\0'))
				return (0);
		}
		xasprintf(cause, "%s: '%s' is not one of %s", o->name, value, o->choices);
		return (-1);
	}
	return (0);
}

int
options_set(const char *name, const char *value, const char *source, char **cause)
{
	int	i;

	if ((i = options_find(name)) == -1) {
		xasprintf(cause, "unknown setting '%s'", name);
		return (-1);
	}
	if (options_check(&options_table[i], value, cause) != 0)
		return (-1);
	free(options_values[i]);
	options_values[i] = xstrdup(value);
	options_sources[i] = source;
	return (0);
}

const char *
options_get(const char *name)
{
	int	i;

	if ((i = options_find(name)) == -1)
		fatal("no setting '%s'", name);
	return (options_values[i] != NULL ? options_values[i] : options_table[i].def);
}

const char *
options_source(const char *name)
{
	int	i = options_find(name);

	if (i == -1 || options_values[i] == NULL)
		return ("default");
	return (options_sources[i]);
}

int
options_get_bool(const char *name)
{
	const char	*v = options_get(name);

	return (v != NULL && (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "on") == 0));
}

int
options_get_ms(const char *name)
{
	int	ms = 5000;

	util_parse_duration(options_get(name), &ms, NULL);
	return (ms);
}

char *
options_default_path(void)
{
	return (util_xdg_path("config", "config"));
}

static char *
options_trim(char *s)
{
	char	*end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' ||
	    end[-1] == '\r'))
		*--end = '\0';
	return (s);
}

/* Key bindings from "bind [-p PANE] KEY COMMAND..." lines, for the console. */
static struct {
	char	*key;
	char	*pane;		/* or NULL for every pane */
	char	*command;
}		*options_binds;
static size_t	 options_nbinds;

/* Keep a bind line; the console checks the key and command when it starts. */
static int
options_add_bind(char *rest, char **why)
{
	char	*key, *pane = NULL;

	rest = options_trim(rest);
	if (strncmp(rest, "-p", 2) == 0 && (rest[2] == ' ' || rest[2] == '\t')) {
		pane = options_trim(rest + 3);
		rest = pane + strcspn(pane, " \t");
		if (*rest == '\0') {
			*why = xstrdup("bind: expected 'bind [-p PANE] KEY COMMAND'");
			return (-1);
		}
		*rest++ = '\0';
	}
	key = options_trim(rest);
	rest = key + strcspn(key, " \t");
	if (*key == '\0' || *rest == '\0') {
		*why = xstrdup("bind: expected 'bind [-p PANE] KEY COMMAND'");
		return (-1);
	}
	*rest++ = '\0';
	options_binds = xreallocarray(options_binds, options_nbinds + 1,
	    sizeof *options_binds);
	options_binds[options_nbinds].key = xstrdup(key);
	options_binds[options_nbinds].pane = pane != NULL ? xstrdup(pane) : NULL;
	options_binds[options_nbinds].command = xstrdup(options_trim(rest));
	options_nbinds++;
	return (0);
}

/* The bind lines of the config, in order; 0 past the end. */
int
options_bind_at(size_t i, const char **key, const char **pane, const char **command)
{
	if (i >= options_nbinds)
		return (0);
	*key = options_binds[i].key;
	*pane = options_binds[i].pane;
	*command = options_binds[i].command;
	return (1);
}

/* "key = value" lines; errors name the file and line. A missing file is fine unless named. */
int
options_load(const char *path, int must_exist, char **cause)
{
	FILE	*f;
	char	 line[4096], *key, *value, *eq, *why = NULL;
	int	 lineno = 0;

	free(options_path);
	options_path = xstrdup(path);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !must_exist)
			return (0);
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (secret_check_mode(path, cause) != 0) {
		fclose(f);
		return (-1);
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		key = options_trim(line);
		if (*key == '\0' || *key == '#' || *key == ';')
			continue;
		if (strncmp(key, "bind", 4) == 0 && (key[4] == ' ' || key[4] == '\t')) {
			if (options_add_bind(key + 5, &why) != 0) {
				xasprintf(cause, "%s:%d: %s", path, lineno, why);
				free(why);
				fclose(f);
				return (-1);
			}
			continue;
		}
		if ((eq = strchr(key, '=')) == NULL) {
			xasprintf(cause, "%s:%d: expected 'key = value'", path, lineno);
			fclose(f);
			return (-1);
		}
		*eq = '\0';
		key = options_trim(key);
		value = options_trim(eq + 1);
		if (options_find(key) == -1) {
			xasprintf(cause, "%s:%d: key '%s': unknown setting", path, lineno, key);
			fclose(f);
			return (-1);
		}
		if (options_set(key, value, "config", &why) != 0) {
			xasprintf(cause, "%s:%d: key '%s': %s", path, lineno, key, why);
			free(why);
			fclose(f);
			return (-1);
		}
	}
	fclose(f);
	return (0);
}

void
options_free(void)
{
	size_t	i;

	for (i = 0; i < OPTIONS_COUNT; i++) {
		free(options_values[i]);
		options_values[i] = NULL;
	}
	for (i = 0; i < options_nbinds; i++) {
		free(options_binds[i].key);
		free(options_binds[i].pane);
		free(options_binds[i].command);
	}
	free(options_binds);
	options_binds = NULL;
	options_nbinds = 0;
	free(options_path);
	options_path = NULL;
}

/* Is this line of a config file "NAME = ..."? */
static int
options_line_is(const char *line, const char *name)
{
	size_t	len = strlen(name);

	line += strspn(line, " \t");
	if (strncmp(line, name, len) != 0)
		return (0);
	line += len;
	line += strspn(line, " \t");
	return (*line == '=');
}

/* The old file's text with NAME's line replaced (or added); caller frees. */
static char *
options_rewrite(FILE *f, const char *name, const char *value)
{
	char	*line = NULL, *out = xstrdup(""), *tmp;
	size_t	 size = 0, used = 0;
	ssize_t	 len;
	int	 done = 0;

	while (f != NULL && (len = getline(&line, &size, f)) != -1) {
		if (options_line_is(line, name)) {
			if (done)
				continue;	/* a later copy would win on load: drop it */
			free(line);
			line = xprintf("%s = %s\n", name, value);
			size = strlen(line) + 1;
			len = (ssize_t)strlen(line);
			done = 1;
		}
		out = xrealloc(out, used + (size_t)len + 1);
		memcpy(out + used, line, (size_t)len);
		used += (size_t)len;
		out[used] = '\0';
	}
	free(line);
	if (!done) {
		tmp = xprintf("%s%s%s = %s\n", out, used > 0 && out[used - 1] != '\n' ?
		    "\n" : "", name, value);
		free(out);
		out = tmp;
	}
	return (out);
}

/* Write all of a buffer, going on after a short write or a signal. */
static int
options_write_all(int fd, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/*
 * Like htop's Settings_write: the new file is complete and synced under a
 * temporary name in the same directory before rename() puts it in place, so
 * a crash leaves the old file or the new one, never half of either.
 */
int
options_save(const char *name, const char *value, char **cause)
{
	struct stat	 sb;
	FILE		*f;
	char		*path, *real = NULL, *dir, *tmp = NULL, *text = NULL, *d;
	const char	*p;
	int		 i, fd = -1, dfd, rc = -1;

	if ((i = options_find(name)) == -1) {
		xasprintf(cause, "unknown setting '%s'", name);
		return (-1);
	}
	for (p = value; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			xasprintf(cause, "%s: a control character in the value", name);
			return (-1);
		}
	}
	if (options_check(&options_table[i], value, cause) != 0)
		return (-1);

	path = options_path != NULL ? xstrdup(options_path) : options_default_path();
	/* A config that is a symbolic link (dotfiles) is updated where it points. */
	if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode) &&
	    (real = realpath(path, NULL)) != NULL) {
		free(path);
		path = xstrdup(real);
		free(real);
	}
	d = xstrdup(path);
	dir = xstrdup(dirname(d));
	free(d);
	if (util_mkdir_p(dir, 0700) != 0) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if ((f = fopen(path, "r")) == NULL && errno != ENOENT) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	text = options_rewrite(f, name, value);
	if (f != NULL)
		fclose(f);

	tmp = xprintf("%s.tmp.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, 0600) != 0 || options_write_all(fd, text, strlen(text)) != 0 ||
	    fsync(fd) != 0) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* The rename itself is on disk once the directory is. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	options_set(name, value, "config", NULL);
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(text);
	free(dir);
	free(path);
	return (rc);
}

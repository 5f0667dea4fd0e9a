/* The command table, argument parsing, and running a command to its end. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"

static const struct cmd_entry	**cmd_entries;
static size_t			  cmd_nentries;

const char	*cmd_global_spec = "yes|y output=|o accept-new-host-keys";

/* Entries keep the order they were registered in; a name registers once. */
void
cmd_register(const struct cmd_entry *e)
{
	size_t	i;

	for (i = 0; i < cmd_nentries; i++) {
		if (strcmp(cmd_entries[i]->name, e->name) == 0)
			return;
	}
	cmd_entries = xreallocarray(cmd_entries, cmd_nentries + 1, sizeof *cmd_entries);
	cmd_entries[cmd_nentries++] = e;
}

const struct cmd_entry *
cmd_table(size_t i)
{
	return (i < cmd_nentries ? cmd_entries[i] : NULL);
}

/* How many words of argv the name ("noun verb") matches, or 0. */
static int
cmd_match(const char *name, int argc, char **argv)
{
	const char	*p = name, *sp;
	size_t		 len;
	int		 i = 0;

	if (name == NULL)
		return (0);
	while (*p != '\0') {
		if (i >= argc)
			return (0);
		sp = strchr(p, ' ');
		len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (strlen(argv[i]) != len || strncmp(argv[i], p, len) != 0)
			return (0);
		i++;
		p += len;
		while (*p == ' ')
			p++;
	}
	return (i);
}

/* The longest name or alias that argv starts with. */
const struct cmd_entry *
cmd_find(int argc, char **argv, int *used, char **cause)
{
	const struct cmd_entry	*best = NULL;
	struct buf		 verbs;
	size_t			 i;
	int			 n;

	*used = 0;
	if (argc == 0) {
		xasprintf(cause, "no command given");
		return (NULL);
	}
	for (i = 0; i < cmd_nentries; i++) {
		n = cmd_match(cmd_entries[i]->name, argc, argv);
		if (n == 0)
			n = cmd_match(cmd_entries[i]->alias, argc, argv);
		if (n > *used) {
			*used = n;
			best = cmd_entries[i];
		}
	}
	if (best != NULL)
		return (best);

	/* A noun alone: say which verbs it has. */
	buf_init(&verbs);
	for (i = 0; i < cmd_nentries; i++) {
		const char *name = cmd_entries[i]->name;
		size_t len = strlen(argv[0]);

		if (strncmp(name, argv[0], len) == 0 && name[len] == ' ')
			buf_printf(&verbs, "%s%s", verbs.len ? ", " : "", name + len + 1);
	}
	if (verbs.len != 0)
		xasprintf(cause, "%s: missing or unknown verb '%s' (one of: %s)", argv[0],
		    argc > 1 ? argv[1] : "", buf_str(&verbs));
	else
		xasprintf(cause, "unknown command '%s' (see 'platform-tui help')", argv[0]);
	buf_free(&verbs);
	return (NULL);
}

/* Find an option in a spec: "name", "name=" or "name|c", "name=|c". */
static const char *
cmd_spec_find(const char *spec, const char *name, size_t namelen, int isshort,
    int *takes, size_t *speclen)
{
	const char	*p = spec, *end, *bar, *eq;
	size_t		 len;

	while (p != NULL && *p != '\0') {
		while (*p == ' ')
			p++;
		end = strchr(p, ' ');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0)
			break;
		bar = memchr(p, '|', len);
		eq = memchr(p, '=', len);
		*speclen = (size_t)((eq != NULL ? eq : bar != NULL ? bar : p + len) - p);
		*takes = eq != NULL;
		if (isshort) {
			if (bar != NULL && (size_t)(p + len - bar - 1) == namelen &&
			    strncmp(bar + 1, name, namelen) == 0)
				return (p);
		} else if (*speclen == namelen && strncmp(p, name, namelen) == 0)
			return (p);
		p += len;
	}
	return (NULL);
}

/* Every occurrence is kept (sql --param a=1 --param b=2); cmd_opt sees the last. */
static void
cmd_add_opt(struct cmd *c, const char *spec, size_t speclen, const char *value)
{
	c->opts = xreallocarray(c->opts, c->nopts + 1, sizeof *c->opts);
	c->opts[c->nopts].name = xstrndup(spec, speclen);
	c->opts[c->nopts].value = xstrdup(value);
	c->nopts++;
}

/* One option word (and maybe the next as its value); returns words used or -1. */
static int
cmd_parse_option(struct cmd *c, int argc, char **argv, int i, char **cause)
{
	const char	*arg = argv[i], *name, *value = NULL, *spec, *eq;
	size_t		 namelen, speclen;
	int		 takes, isshort, used = 1;

	isshort = arg[1] != '-';
	name = arg + (isshort ? 1 : 2);
	if (isshort) {
		namelen = 1;
		if (name[1] != '\0')
			value = name + 1;
	} else if ((eq = strchr(name, '=')) != NULL) {
		namelen = (size_t)(eq - name);
		value = eq + 1;
	} else
		namelen = strlen(name);

	spec = cmd_spec_find(c->entry->args.spec, name, namelen, isshort, &takes, &speclen);
	if (spec == NULL)
		spec = cmd_spec_find(cmd_global_spec, name, namelen, isshort, &takes, &speclen);
	if (spec == NULL) {
		xasprintf(cause, "%s: unknown option '%s'", c->entry->name, arg);
		return (-1);
	}
	if (takes && value == NULL) {
		if (i + 1 >= argc) {
			xasprintf(cause, "%s: option '%s' needs a value", c->entry->name, arg);
			return (-1);
		}
		value = argv[i + 1];
		used = 2;
	} else if (!takes && value != NULL) {
		xasprintf(cause, "%s: option '%s' takes no value", c->entry->name, arg);
		return (-1);
	}
	cmd_add_opt(c, spec, speclen, value != NULL ? value : "");
	return (used);
}

static void
cmd_quote(struct buf *b, const char *s)
{
	if (*s != '\0' && strpbrk(s, " \t\n'\"\\$`;&|<>()*?[]#~") == NULL) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *s);
	}
	buf_addc(b, '\'');
}

/* Split argv into the command, its options and its positional arguments. */
struct cmd *
cmd_parse(struct cmd_env *env, int argc, char **argv, char **cause)
{
	const struct cmd_entry	*e;
	struct cmd		*c;
	struct buf		 line;
	int			 used, i, n, dashdash = 0;

	if ((e = cmd_find(argc, argv, &used, cause)) == NULL)
		return (NULL);
	c = xcalloc(1, sizeof *c);
	c->entry = e;
	c->env = env;
	c->argv = xcalloc((size_t)argc + 1, sizeof *c->argv);

	buf_init(&line);
	for (i = 0; i < argc; i++) {
		if (i != 0)
			buf_addc(&line, ' ');
		cmd_quote(&line, argv[i]);
	}
	c->line = buf_steal(&line);

	for (i = used; i < argc; i += n) {
		n = 1;
		if (!dashdash && strcmp(argv[i], "--") == 0)
			dashdash = 1;
		else if (!dashdash && argv[i][0] == '-' && argv[i][1] != '\0') {
			if ((n = cmd_parse_option(c, argc, argv, i, cause)) < 0)
				goto fail;
		} else
			c->argv[c->argc++] = xstrdup(argv[i]);
	}
	if (c->argc < e->args.lower || (e->args.upper >= 0 && c->argc > e->args.upper)) {
		char *usage = cmd_usage(e);

		xasprintf(cause, "usage: %s", usage);
		free(usage);
		goto fail;
	}
	return (c);
fail:
	cmd_free(c);
	return (NULL);
}

char *
cmd_usage(const struct cmd_entry *e)
{
	if (e->usage == NULL || *e->usage == '\0')
		return (xstrdup(e->name));
	return (xprintf("%s %s", e->name, e->usage));
}

static void
cmd_confirmed(struct cmd *c, int yes)
{
	if (!yes) {
		cmd_error(c, CMD_EXIT_REFUSED, "%s: not confirmed", c->entry->name);
		cmd_finish(c);
		return;
	}
	if (c->entry->exec(c) == CMD_RETURN_NORMAL)
		cmd_finish(c);
}

/*
 * Run a command: refuse what read-only forbids, ask before anything
 * destructive, then exec; done is called once, now or from the loop.
 */
void
cmd_run(struct cmd *c, void (*done)(struct cmd *, void *), void *arg)
{
	const struct cmd_entry	*e = c->entry;
	char			*question;

	c->done = done;
	c->done_arg = arg;
	if ((e->flags & CMD_CHANGES) && (c->env->flags & CMD_ENV_READ_ONLY)) {
		cmd_error(c, CMD_EXIT_REFUSED, "%s: refused in read-only mode", e->name);
		cmd_finish(c);
		return;
	}
	if ((e->flags & CMD_INVENTORY) && cmd_inventory(c) != 0) {
		cmd_finish(c);
		return;
	}
	if ((e->flags & CMD_DESTRUCTIVE) && !(c->env->flags & CMD_ENV_YES) &&
	    !cmd_flag(c, "yes")) {
		if (c->env->confirm == NULL) {
			cmd_error(c, CMD_EXIT_REFUSED,
			    "%s changes or deletes things: add --yes to confirm", c->line);
			cmd_finish(c);
			return;
		}
		question = xprintf("Run '%s'?", c->line);
		c->env->confirm(c, question, cmd_confirmed);
		free(question);
		return;
	}
	cmd_confirmed(c, 1);
}

/* The one place a command ends: audit what changed things, then report. */
void
cmd_finish(struct cmd *c)
{
	char	 result[64];

	if (c->finished)
		return;
	c->finished = 1;
	c->cancel = NULL;
	if ((c->entry->flags & CMD_CHANGES) && c->env->audit_path != NULL &&
	    !(c->exit == CMD_EXIT_REFUSED && c->env->flags & CMD_ENV_READ_ONLY)) {
		snprintf(result, sizeof result, "%s", c->exit == CMD_EXIT_OK ? "ok" :
		    cmd_exit_name(c->exit));
		if (audit_write(c->env->audit_path, c->entry->name,
		    c->argc > 0 ? c->argv[0] : "", c->line, result) != 0 &&
		    c->exit == CMD_EXIT_OK)
			cmd_error(c, CMD_EXIT_FAIL, "%s done, but the audit log %s could not "
			    "be written", c->entry->name, c->env->audit_path);
	}
	if (c->done != NULL)
		c->done(c, c->done_arg);
}

void
cmd_cancel(struct cmd *c)
{
	if (c->finished)
		return;
	if (c->cancel != NULL)
		c->cancel(c);
	cmd_error(c, CMD_EXIT_FAIL, "%s: cancelled", c->entry->name);
	cmd_finish(c);
}

void
cmd_free(struct cmd *c)
{
	size_t	i;
	int	j;

	if (c == NULL)
		return;
	for (j = 0; j < c->argc; j++)
		free(c->argv[j]);
	free(c->argv);
	for (i = 0; i < c->nopts; i++) {
		free((char *)c->opts[i].name);
		free(c->opts[i].value);
	}
	free(c->opts);
	free(c->line);
	view_free(c->view);
	free(c->message);
	free(c->error);
	free(c);
}

const char *
cmd_opt(const struct cmd *c, const char *name)
{
	size_t	i;

	for (i = c->nopts; i > 0; i--) {
		if (strcmp(c->opts[i - 1].name, name) == 0)
			return (c->opts[i - 1].value);
	}
	return (NULL);
}

int
cmd_flag(const struct cmd *c, const char *name)
{
	return (cmd_opt(c, name) != NULL);
}

void
cmd_error(struct cmd *c, enum cmd_exit exit, const char *fmt, ...)
{
	va_list	ap;

	free(c->error);
	va_start(ap, fmt);
	xvasprintf(&c->error, fmt, ap);
	va_end(ap);
	c->exit = exit;
}

void
cmd_message(struct cmd *c, const char *fmt, ...)
{
	va_list	ap;

	free(c->message);
	va_start(ap, fmt);
	xvasprintf(&c->message, fmt, ap);
	va_end(ap);
}

/* Load the inventory once per front end; a broken one is a usage error. */
int
cmd_inventory(struct cmd *c)
{
	struct cmd_env	*env = c->env;
	char		*cause = NULL;

	if (env->inv != NULL)
		return (0);
	if (env->inv_path == NULL)
		env->inv_path = inventory_default_path();
	if ((env->inv = inventory_load(env->inv_path, 0, &cause)) == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

const char *
cmd_exit_name(enum cmd_exit e)
{
	switch (e) {
	case CMD_EXIT_OK:
		return ("ok");
	case CMD_EXIT_FAIL:
		return ("failed");
	case CMD_EXIT_USAGE:
		return ("usage");
	case CMD_EXIT_UNREACHABLE:
		return ("unreachable");
	case CMD_EXIT_AUTH:
		return ("auth-failed");
	case CMD_EXIT_REFUSED:
		return ("refused");
	}
	return ("unknown");
}

/*
 * The console's own commands: what keys are bound to. They exist only while
 * the console runs, so scripted mode neither lists nor takes them, and they
 * run through the same parser and table as every other command.
 */
#include "config.h"

#include <curses.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cmd.h"
#include "core/options.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/keys.h"
#include "tui/tui.h"

static enum cmd_retval
tui_cmd_move(struct cmd *c)
{
	struct table	*tb = &tui_self->cur->table;
	const char	*to = c->argv[0];
	size_t		 page = tui_page();

	if (strcmp(to, "down") == 0)
		table_move(tb, 1);
	else if (strcmp(to, "up") == 0)
		table_move(tb, -1);
	else if (strcmp(to, "page-down") == 0)
		table_move(tb, (long)page);
	else if (strcmp(to, "page-up") == 0)
		table_move(tb, -(long)page);
	else if (strcmp(to, "top") == 0)
		table_move_to(tb, 0);
	else if (strcmp(to, "bottom") == 0)
		table_move_to(tb, SIZE_MAX);
	else
		cmd_error(c, CMD_EXIT_USAGE, "move: '%s' is not up, down, page-up,"
		    " page-down, top or bottom", to);
	return (CMD_RETURN_NORMAL);
}

/* pane N, pane NAME, pane next, pane prev. */
static enum cmd_retval
tui_cmd_pane(struct cmd *c)
{
	struct tui	*t = tui_self;
	const char	*to = c->argv[0];
	size_t		 i, at = 0;
	char		*end;
	unsigned long	 n;

	for (i = 0; i < t->npanes; i++) {
		if (t->cur == &t->panes[i])
			at = i;
	}
	if (strcmp(to, "next") == 0)
		i = (at + 1) % t->npanes;
	else if (strcmp(to, "prev") == 0)
		i = (at + t->npanes - 1) % t->npanes;
	else if ((n = strtoul(to, &end, 10)) >= 1 && *end == '\0') {
		if (n > t->npanes) {
			cmd_error(c, CMD_EXIT_USAGE, "pane: there are %zu panes", t->npanes);
			return (CMD_RETURN_NORMAL);
		}
		i = n - 1;
	} else {
		for (i = 0; i < t->npanes; i++) {
			if (strcasecmp(t->panes[i].type->name, to) == 0)
				break;
		}
		if (i == t->npanes) {
			cmd_error(c, CMD_EXIT_USAGE, "pane: no pane '%s'", to);
			return (CMD_RETURN_NORMAL);
		}
	}
	tui_show(t, &t->panes[i], 0);
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
tui_cmd_back(struct cmd *c)
{
	if (tui_back(tui_self) != 0 && cmd_flag(c, "or-quit"))
		tui_quit(tui_self);
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
tui_cmd_quit(struct cmd *c)
{
	(void)c;
	tui_quit(tui_self);
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
tui_cmd_open(struct cmd *c)
{
	struct pane	*p = tui_self->cur;
	size_t		 row = table_current(&p->table);

	(void)c;
	if (row != SIZE_MAX && p->type->open != NULL)
		p->type->open(tui_self, p, row);
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
tui_cmd_filter(struct cmd *c)
{
	struct pane	*p = tui_self->cur;
	char		*cause = NULL;

	if (table_filter(&p->table, c->argc > 0 ? c->argv[0] : "", &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "filter: %s", cause);
		free(cause);
		return (CMD_RETURN_NORMAL);
	}
	if (c->argc > 0 && *c->argv[0] != '\0')
		cmd_message(c, "%zu of %zu rows match '%s'", table_shown(&p->table),
		    p->table.view != NULL ? p->table.view->nrows : 0, c->argv[0]);
	else
		cmd_message(c, "no filter");
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
tui_cmd_sort(struct cmd *c)
{
	struct table	*tb = &tui_self->cur->table;
	char		*cause = NULL;

	if (table_sort_by(tb, c->argc > 0 ? c->argv[0] : NULL, cmd_flag(c, "reverse"),
	    &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "sort: %s", cause);
		free(cause);
	}
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
tui_cmd_mark(struct cmd *c)
{
	struct table	*tb = &tui_self->cur->table;

	if (cmd_flag(c, "all"))
		table_mark_all(tb, 1);
	else if (cmd_flag(c, "none"))
		table_mark_all(tb, 0);
	else
		table_mark_toggle(tb);
	cmd_message(c, "%zu marked", table_marked(tb, NULL));
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
tui_cmd_refresh(struct cmd *c)
{
	struct tui	*t = tui_self;

	(void)c;
	if (t->cur->type->reload != NULL)
		t->cur->type->reload(t, t->cur);
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
tui_cmd_redraw(struct cmd *c)
{
	(void)c;
	clearok(curscr, TRUE);
	tui_self->dirty = 1;
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
tui_cmd_prompt(struct cmd *c)
{
	tui_open_prompt(tui_self, c->argc > 0 ? c->argv[0] : "");
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
tui_cmd_keys(struct cmd *c)
{
	struct tui	*t = tui_self;

	(void)c;
	pane_help_build(t);
	if (t->cur != &t->help)
		tui_show(t, &t->help, 1);
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
tui_cmd_cancel(struct cmd *c)
{
	struct tui	*t = tui_self;

	(void)c;
	if (t->running != NULL)
		cmd_cancel(t->running);
	else if (t->cur->loading != NULL)
		cmd_cancel(t->cur->loading);
	return (CMD_RETURN_NORMAL);
}

/* bind [-p PANE] KEY COMMAND...: the rest of the line is the command. */
static enum cmd_retval
tui_cmd_bind(struct cmd *c)
{
	char	*line = NULL, *cause = NULL;
	int	 i;

	for (i = 1; i < c->argc; i++) {
		char *next;

		xasprintf(&next, "%s%s%s", line != NULL ? line : "", line != NULL ? " " : "",
		    c->argv[i]);
		free(line);
		line = next;
	}
	if (keys_bind(c->argv[0], cmd_opt(c, "pane"), line, &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "%s", cause);
		free(cause);
	} else
		cmd_message(c, "%s runs '%s'", c->argv[0], line);
	free(line);
	return (CMD_RETURN_NORMAL);
}

/* theme [NAME]: switch now and keep the choice in the config file. */
static enum cmd_retval
tui_cmd_theme(struct cmd *c)
{
	char	**names, *cause = NULL, *list = NULL, *next;
	size_t	  i;

	if (c->argc == 0) {
		names = theme_list();
		for (i = 0; names[i] != NULL; i++) {
			xasprintf(&next, "%s%s%s", list != NULL ? list : "",
			    list != NULL ? " " : "", names[i]);
			free(list);
			list = next;
		}
		theme_list_free(names);
		cmd_message(c, "theme %s (themes: %s)", theme_current(),
		    list != NULL ? list : "");
		free(list);
		return (CMD_RETURN_NORMAL);
	}
	if (theme_switch(c->argv[0], &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "theme: %s", cause);
		free(cause);
		return (CMD_RETURN_NORMAL);
	}
	clearok(curscr, TRUE);
	tui_self->dirty = 1;
	if (options_save("theme", theme_current(), &cause) != 0) {
		cmd_message(c, "theme %s (not saved: %s)", theme_current(), cause);
		free(cause);
	} else
		cmd_message(c, "theme %s, saved", theme_current());
	return (CMD_RETURN_NORMAL);
}

static const struct cmd_entry tui_cmds[] = {
	{ .name = "theme", .args = { "", 0, 1 }, .usage = "[NAME]",
	  .help = "Switch the colour theme and save the choice (none: list them).",
	  .exec = tui_cmd_theme },
	{ .name = "move", .args = { "", 1, 1 },
	  .usage = "up|down|page-up|page-down|top|bottom",
	  .help = "Move the cursor in the current pane.", .exec = tui_cmd_move },
	{ .name = "pane", .args = { "", 1, 1 }, .usage = "N|NAME|next|prev",
	  .help = "Switch to a pane.", .exec = tui_cmd_pane },
	{ .name = "back", .args = { "or-quit", 0, 0 }, .usage = "[--or-quit]",
	  .help = "Go back to the previous screen (quit at the top with --or-quit).",
	  .exec = tui_cmd_back },
	{ .name = "quit", .args = { "", 0, 0 }, .usage = "",
	  .help = "Leave the console.", .exec = tui_cmd_quit },
	{ .name = "open", .args = { "", 0, 0 }, .usage = "",
	  .help = "Open the row under the cursor.", .exec = tui_cmd_open },
	{ .name = "filter", .args = { "", 0, 1 }, .usage = "[TEXT|/REGEX/|!TEXT]",
	  .help = "Show only the rows that match (none: show all).",
	  .exec = tui_cmd_filter },
	{ .name = "sort", .args = { "reverse", 0, 1 }, .usage = "[--reverse] [COLUMN]",
	  .help = "Sort the current pane by a column (none: the next one).",
	  .exec = tui_cmd_sort },
	{ .name = "mark", .args = { "all none", 0, 0 }, .usage = "[--all|--none]",
	  .help = "Mark the row under the cursor for a command on several.",
	  .exec = tui_cmd_mark },
	{ .name = "refresh", .args = { "", 0, 0 }, .usage = "",
	  .help = "Load the current pane again now.", .exec = tui_cmd_refresh },
	{ .name = "redraw", .args = { "", 0, 0 }, .usage = "",
	  .help = "Redraw the whole screen.", .exec = tui_cmd_redraw },
	{ .name = "prompt", .args = { "", 0, 1 }, .usage = "[TEXT]",
	  .help = "Open the command prompt, with TEXT typed.", .exec = tui_cmd_prompt },
	{ .name = "keys", .args = { "", 0, 0 }, .usage = "",
	  .help = "Show every key binding and command.", .exec = tui_cmd_keys },
	{ .name = "cancel", .args = { "", 0, 0 }, .usage = "",
	  .help = "Cancel the running command.", .exec = tui_cmd_cancel },
	{ .name = "bind", .args = { "pane=|p", 2, -1 }, .usage = "[-p PANE] KEY COMMAND...",
	  .help = "Bind a key to a command line (none unbinds).", .exec = tui_cmd_bind },
};

/* Register the console's commands once. */
void
tui_cmd_register(void)
{
	static int	done;
	size_t		i;

	if (done)
		return;
	done = 1;
	for (i = 0; i < sizeof tui_cmds / sizeof tui_cmds[0]; i++)
		cmd_register(&tui_cmds[i]);
}

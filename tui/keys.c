/*
 * Key bindings. Keys run command lines, never C functions: the defaults
 * below are strings with a note, users add their own with "bind KEY COMMAND"
 * in the config or at the prompt, and help is generated from this table.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xmalloc.h"
#include "tui/keys.h"

/* Default bindings: key name, pane (NULL = all), command, note. */
static const struct {
	const char	*key;
	const char	*pane;
	const char	*command;
	const char	*note;
} keys_defaults[] = {
	{ "q", NULL, "back --or-quit", "back; quit at the top" },
	{ "Esc", NULL, "back", "back to the previous screen" },
	{ "BSpace", NULL, "back", "back to the previous screen" },
	{ "C-c", NULL, "cancel", "cancel the running command" },
	{ ":", NULL, "prompt", "command prompt" },
	{ "/", NULL, "prompt \"filter \"", "filter rows (text, /regex/, ! inverts)" },
	{ "?", NULL, "keys", "help: keys and commands" },
	{ "F1", NULL, "keys", "help: keys and commands" },
	{ "Tab", NULL, "pane next", "next pane" },
	{ "BTab", NULL, "pane prev", "previous pane" },
	{ "1", NULL, "pane 1", "pane 1" },
	{ "2", NULL, "pane 2", "pane 2" },
	{ "3", NULL, "pane 3", "pane 3" },
	{ "4", NULL, "pane 4", "pane 4" },
	{ "5", NULL, "pane 5", "pane 5" },
	{ "6", NULL, "pane 6", "pane 6" },
	{ "7", NULL, "pane 7", "pane 7" },
	{ "8", NULL, "pane 8", "pane 8" },
	{ "9", NULL, "pane 9", "pane 9" },
	{ "Down", NULL, "move down", "down" },
	{ "j", NULL, "move down", "down" },
	{ "Up", NULL, "move up", "up" },
	{ "k", NULL, "move up", "up" },
	{ "PgDn", NULL, "move page-down", "page down" },
	{ "C-f", NULL, "move page-down", "page down" },
	{ "PgUp", NULL, "move page-up", "page up" },
	{ "C-b", NULL, "move page-up", "page up" },
	{ "g", NULL, "move top", "first row" },
	{ "Home", NULL, "move top", "first row" },
	{ "G", NULL, "move bottom", "last row" },
	{ "End", NULL, "move bottom", "last row" },
	{ "Left", NULL, "pane prev", "previous pane" },
	{ "h", NULL, "pane prev", "previous pane" },
	{ "Right", NULL, "pane next", "next pane" },
	{ "l", NULL, "pane next", "next pane" },
	{ "Enter", NULL, "open", "open the row" },
	{ "Space", NULL, "mark", "mark the row (for a command on several)" },
	{ "s", NULL, "sort", "sort by the next column" },
	{ "S", NULL, "sort --reverse", "reverse the sort" },
	{ "r", NULL, "refresh", "refresh now" },
	{ "C-l", NULL, "redraw", "redraw the screen" },
	/* The Airflow panes (tui/pane-dags.c, tui/pane-grid.c, tui/pane-log.c). */
	{ "t", "DAGs", "airflow trigger", "trigger the DAG (the command on the prompt)" },
	{ "T", "DAGs", "airflow trigger --edit", "trigger the DAG, conf in $EDITOR" },
	{ "p", "DAGs", "airflow pause", "pause (asked first) or unpause the DAG" },
	{ "m", "Runs", "airflow mark success", "mark the run success (asked first)" },
	{ "f", "Runs", "airflow mark failed", "mark the run failed (asked first)" },
	{ "c", "Runs", "airflow clear", "clear the run: the list, then the question" },
	{ "h", "Grid", "grid left", "the older run" },
	{ "Left", "Grid", "grid left", "the older run" },
	{ "l", "Grid", "grid right", "the newer run" },
	{ "Right", "Grid", "grid right", "the newer run" },
	{ "c", "Grid", "airflow clear", "clear the task instance: the list, then the question" },
	{ "m", "Grid", "airflow mark success", "mark the run success (asked first)" },
	{ "f", "Grid", "airflow mark failed", "mark the run failed (asked first)" },
	{ "/", "Task log", "prompt \"log search \"", "search the log" },
	{ "n", "Task log", "log search", "the next match" },
	{ "N", "Task log", "log search --reverse", "the previous match" },
	{ "e", "Task log", "log error", "the next error line" },
	{ "E", "Task log", "log error --reverse", "the previous error line" },
	{ "w", "Task log", "log wrap", "wrap long lines, or not" },
	{ "F", "Task log", "log follow", "follow the log, or stop" },
	{ "c", "Task log", "airflow clear", "clear the task instance: the list, then the question" },
	{ "K", "Grid", "spark-pane task", "the Spark pods the task launched" },
	/* The Spark panes (tui/pane-spark*.c). */
	{ "l", "Spark", "spark-pane log", "the driver's log, followed" },
	{ "e", "Spark", "spark-pane events", "the application's events" },
	{ "y", "Spark", "spark-pane describe", "the application as YAML" },
	{ "Y", "Spark", "spark-pane describe --json", "the application as JSON" },
	{ "u", "Spark", "spark-pane ui", "jobs and stages from the Spark UI" },
	{ "d", "Spark", "spark-pane delete", "delete the application (asked first)" },
	{ "R", "Spark", "spark-pane restart", "restart the application (asked first)" },
	{ "l", "Spark pods", "spark-pane log", "the pod's log, followed" },
	{ "p", "Spark pods", "spark-pane log --previous", "the previous container's log" },
	{ "e", "Spark pods", "spark-pane events", "the pod's events" },
	{ "y", "Spark pods", "spark-pane describe", "the pod as YAML" },
	{ "Y", "Spark pods", "spark-pane describe --json", "the pod as JSON" },
	{ "u", "Spark pods", "spark-pane ui", "jobs and stages from the Spark UI" },
	{ "/", "Spark log", "prompt \"log search \"", "search the log" },
	{ "n", "Spark log", "log search", "the next match" },
	{ "N", "Spark log", "log search --reverse", "the previous match" },
	{ "w", "Spark log", "log wrap", "wrap long lines, or not" },
	{ "F", "Spark log", "log follow", "follow the log, or pause" },
	{ "p", "Spark log", "spark-pane log --previous", "the previous container's log, or back" },
	{ "e", "Spark log", "spark-pane events", "the pod's events" },
	{ "/", "Spark describe", "prompt \"log search \"", "search" },
	{ "n", "Spark describe", "log search", "the next match" },
	{ "N", "Spark describe", "log search --reverse", "the previous match" },
	{ "w", "Spark describe", "log wrap", "wrap long lines, or not" },
	/* The Deploy pane (tui/pane-deploy.c). */
	{ "p", "Deploy", "deploy plan", "read the facts and make a plan" },
	{ "A", "Deploy", "deploy apply", "apply a fresh plan (asked first)" },
	{ "L", "Deploy", "deploy lock status", "who holds the deploy lock" },
	{ "H", "Deploy", "deploy history", "past applies" },
	/* The Nodes panes (tui/pane-nodes.c). */
	{ "L", "Node", "nodes logs", "follow the log of the unit or container" },
	{ "R", "Node", "nodes restart", "restart the unit or container (asked first)" },
	{ "/", "Node log", "prompt \"nodes search \"", "search the log" },
	{ "n", "Node log", "nodes search", "the next match" },
	{ "N", "Node log", "nodes search --reverse", "the previous match" },
	{ "e", "Node log", "nodes error", "the next error line" },
	{ "E", "Node log", "nodes error --reverse", "the previous error line" },
	{ "p", "Node log", "nodes pause", "pause the log, or follow it again" },
	{ "w", "Node log", "nodes wrap", "wrap long lines, or not" },
	{ "R", "Node log", "nodes restart", "restart the unit or container (asked first)" },
};

/* Named keys: curses codes and the names bind takes. */
static const struct {
	const char	*name;
	int		 code;
} keys_names[] = {
	{ "Enter", '\r' }, { "Enter", '\n' }, { "Enter", KEY_ENTER },
	{ "Tab", '\t' }, { "BTab", KEY_BTAB }, { "Esc", 27 }, { "Space", ' ' },
	{ "BSpace", KEY_BACKSPACE }, { "BSpace", 127 }, { "BSpace", 8 },
	{ "Up", KEY_UP }, { "Down", KEY_DOWN }, { "Left", KEY_LEFT },
	{ "Right", KEY_RIGHT }, { "PgUp", KEY_PPAGE }, { "PgDn", KEY_NPAGE },
	{ "PPage", KEY_PPAGE }, { "NPage", KEY_NPAGE }, { "Home", KEY_HOME },
	{ "End", KEY_END }, { "IC", KEY_IC }, { "DC", KEY_DC },
	{ "Delete", KEY_DC }, { "Insert", KEY_IC },
};

static struct keys_binding	*keys_list;
static size_t			 keys_count;

void
keys_free(void)
{
	size_t	i;

	for (i = 0; i < keys_count; i++) {
		free(keys_list[i].pane);
		free(keys_list[i].command);
	}
	free(keys_list);
	keys_list = NULL;
	keys_count = 0;
}

/* A key code from its name: a character, C-x, F1..F12, or a named key. */
int
keys_code(const char *name)
{
	size_t	i;
	int	n;

	if (name == NULL || *name == '\0')
		return (-1);
	if (name[1] == '\0' && (unsigned char)name[0] > ' ' &&
	    (unsigned char)name[0] < 127)
		return ((unsigned char)name[0]);
	if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' &&
	    name[2] != '\0' && name[3] == '\0') {
		if (name[2] >= 'a' && name[2] <= 'z')
			return (name[2] - 'a' + 1);
		if (name[2] >= 'A' && name[2] <= 'Z')
			return (name[2] - 'A' + 1);
		return (-1);
	}
	if ((name[0] == 'F' || name[0] == 'f') && sscanf(name + 1, "%d", &n) == 1 &&
	    n >= 1 && n <= 12 && (size_t)snprintf(NULL, 0, "%d", n) == strlen(name + 1))
		return (KEY_F(n));
	for (i = 0; i < sizeof keys_names / sizeof keys_names[0]; i++) {
		if (strcasecmp(name, keys_names[i].name) == 0)
			return (keys_names[i].code);
	}
	return (-1);
}

/* The name of a key code, the first name bind takes for it. */
const char *
keys_name(int key, char *out, size_t len)
{
	size_t	i;

	for (i = 0; i < sizeof keys_names / sizeof keys_names[0]; i++) {
		if (keys_names[i].code == key) {
			snprintf(out, len, "%s", keys_names[i].name);
			return (out);
		}
	}
	if (key >= KEY_F(1) && key <= KEY_F(12))
		snprintf(out, len, "F%d", key - KEY_F(0));
	else if (key >= 1 && key <= 26)
		snprintf(out, len, "C-%c", 'a' + key - 1);
	else if (key > ' ' && key < 127)
		snprintf(out, len, "%c", key);
	else
		snprintf(out, len, "key-%d", key);
	return (out);
}

/* Add or replace a binding; the note is kept only for the defaults. */
static struct keys_binding *
keys_set(int key, const char *pane, const char *command, const char *note)
{
	struct keys_binding	*b;
	size_t			 i;

	for (i = 0; i < keys_count; i++) {
		b = &keys_list[i];
		if (b->key != key || (b->pane == NULL) != (pane == NULL) ||
		    (pane != NULL && strcmp(b->pane, pane) != 0))
			continue;
		free(b->command);
		b->command = xstrdup(command);
		b->note = note;
		b->alias = 0;
		return (b);
	}
	keys_list = xreallocarray(keys_list, keys_count + 1, sizeof *keys_list);
	b = &keys_list[keys_count++];
	b->key = key;
	b->pane = pane != NULL ? xstrdup(pane) : NULL;
	b->command = xstrdup(command);
	b->note = note;
	b->alias = 0;
	return (b);
}

void
keys_init(void)
{
	size_t	i;
	int	code;

	keys_free();
	for (i = 0; i < sizeof keys_defaults / sizeof keys_defaults[0]; i++) {
		code = keys_code(keys_defaults[i].key);
		keys_set(code, keys_defaults[i].pane, keys_defaults[i].command,
		    keys_defaults[i].note);
		/* The other codes terminals send for Enter and Backspace. */
		if (code == '\r') {
			keys_set('\n', NULL, keys_defaults[i].command, NULL)->alias = 1;
			keys_set(KEY_ENTER, NULL, keys_defaults[i].command, NULL)->alias = 1;
		} else if (code == KEY_BACKSPACE) {
			keys_set(127, NULL, keys_defaults[i].command, NULL)->alias = 1;
			keys_set(8, NULL, keys_defaults[i].command, NULL)->alias = 1;
		}
	}
}

/* Bind a key by name; "none" as the command removes the binding. */
int
keys_bind(const char *key, const char *pane, const char *command, char **cause)
{
	size_t	i;
	int	code;

	if ((code = keys_code(key)) == -1) {
		xasprintf(cause, "bind: '%s' is not a key (a character, C-x, F1..F12,"
		    " Enter, Esc, Tab, Space, BSpace, Up, Down, Left, Right, PgUp,"
		    " PgDn, Home, End)", key);
		return (-1);
	}
	if (command == NULL || *command == '\0') {
		xasprintf(cause, "bind: no command for '%s'", key);
		return (-1);
	}
	if (strcmp(command, "none") != 0) {
		keys_set(code, pane, command, NULL);
		return (0);
	}
	for (i = 0; i < keys_count; i++) {
		if (keys_list[i].key == code) {
			free(keys_list[i].pane);
			free(keys_list[i].command);
			memmove(&keys_list[i], &keys_list[i + 1],
			    (keys_count - i - 1) * sizeof *keys_list);
			keys_count--;
			i--;
		}
	}
	return (0);
}

/* A pane's own binding wins over a global one. */
const char *
keys_lookup(const char *pane, int key)
{
	const char	*global = NULL;
	size_t		 i;

	for (i = 0; i < keys_count; i++) {
		if (keys_list[i].key != key)
			continue;
		if (keys_list[i].pane == NULL)
			global = keys_list[i].command;
		else if (pane != NULL && strcmp(keys_list[i].pane, pane) == 0)
			return (keys_list[i].command);
	}
	return (global);
}

const struct keys_binding *
keys_at(size_t index)
{
	return (index < keys_count ? &keys_list[index] : NULL);
}

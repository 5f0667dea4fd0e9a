/* Themes: role = foreground background [attributes], read from themes/NAME.theme. */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "tui/theme.h"

static const char *const theme_names[THEME_NROLES] = {
	"normal", "header", "tab", "tab-active", "title", "selection", "border",
	"ok", "warn", "error", "muted", "hint-key", "hint", "message"
};

struct theme_style {
	short	fg, bg;
	int	attr;
};

/* Built in: readable on 8 colours; mono terminals get the attributes only. */
static struct theme_style theme_styles[THEME_NROLES] = {
	[THEME_NORMAL] =	{ -1, -1, 0 },
	[THEME_HEADER] =	{ COLOR_BLACK, COLOR_CYAN, A_REVERSE },
	[THEME_TAB] =		{ -1, -1, 0 },
	[THEME_TAB_ACTIVE] =	{ COLOR_BLACK, COLOR_WHITE, A_REVERSE | A_BOLD },
	[THEME_TITLE] =		{ -1, -1, A_BOLD | A_UNDERLINE },
	[THEME_SELECTION] =	{ COLOR_BLACK, COLOR_CYAN, A_REVERSE },
	[THEME_BORDER] =	{ COLOR_BLUE, -1, 0 },
	[THEME_OK] =		{ COLOR_GREEN, -1, 0 },
	[THEME_WARN] =		{ COLOR_YELLOW, -1, A_BOLD },
	[THEME_ERROR] =		{ COLOR_RED, -1, A_BOLD },
	[THEME_MUTED] =		{ -1, -1, A_DIM },
	[THEME_HINT_KEY] =	{ COLOR_BLACK, COLOR_CYAN, A_REVERSE },
	[THEME_HINT] =		{ -1, -1, 0 },
	[THEME_MESSAGE] =	{ -1, -1, A_BOLD },
};

static int	theme_colors;	/* the terminal has colours and we set pairs up */

static int
theme_color(const char *s, short *out)
{
	static const char *const names[] = { "black", "red", "green", "yellow", "blue",
	    "magenta", "cyan", "white", NULL };
	char	*end;
	long	 n;
	int	 i;

	if (strcmp(s, "default") == 0) {
		*out = -1;
		return (0);
	}
	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (short)i;
			return (0);
		}
	}
	n = strtol(s, &end, 10);
	if (*end != '\0' || n < 0 || n > 255)
		return (-1);
	*out = (short)n;
	return (0);
}

static int
theme_attr_word(const char *s, int *attr)
{
	if (strcmp(s, "bold") == 0)
		*attr |= A_BOLD;
	else if (strcmp(s, "reverse") == 0)
		*attr |= A_REVERSE;
	else if (strcmp(s, "underline") == 0)
		*attr |= A_UNDERLINE;
	else if (strcmp(s, "dim") == 0)
		*attr |= A_DIM;
	else
		return (-1);
	return (0);
}

static int
theme_parse(FILE *f, const char *path, char **cause)
{
	char	 line[512], *p, *word, *save = NULL;
	int	 lineno = 0, role, n;
	struct theme_style st;

	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		if ((p = strchr(line, '=')) == NULL) {
			if (strspn(line, " \t\r\n") != strlen(line))
				goto bad;
			continue;
		}
		*p++ = '\0';
		word = strtok_r(line, " \t", &save);
		for (role = 0; word != NULL && role < THEME_NROLES; role++) {
			if (strcmp(theme_names[role], word) == 0)
				break;
		}
		if (word == NULL || role == THEME_NROLES)
			goto bad;
		memset(&st, 0, sizeof st);
		st.fg = st.bg = -1;
		n = 0;
		for (word = strtok_r(p, " \t\r\n", &save); word != NULL;
		    word = strtok_r(NULL, " \t\r\n", &save), n++) {
			if (n == 0 && theme_color(word, &st.fg) == 0)
				continue;
			if (n == 1 && theme_color(word, &st.bg) == 0)
				continue;
			if (theme_attr_word(word, &st.attr) != 0)
				goto bad;
		}
		theme_styles[role] = st;
	}
	return (0);
bad:
	xasprintf(cause, "%s:%d: expected 'role = foreground background [bold|reverse|"
	    "underline|dim]'", path, lineno);
	return (-1);
}

/* After initscr: read the theme and set up the colour pairs. */
int
theme_load(const char *name, char **cause)
{
	const char	*dir;
	char		*path;
	FILE		*f;
	int		 rc = 0, i;

	if (strchr(name, '/') != NULL)
		path = xstrdup(name);
	else {
		if ((dir = getenv("PLATFORM_TUI_THEME_DIR")) == NULL)
			dir = PT_DATADIR "/themes";
		path = xprintf("%s/%s.theme", dir, name);
	}
	if ((f = fopen(path, "r")) != NULL) {
		rc = theme_parse(f, path, cause);
		fclose(f);
	} else if (strcmp(name, "default") != 0) {
		xasprintf(cause, "theme %s: not found", path);
		rc = -1;
	}
	free(path);

	theme_colors = has_colors() && getenv("NO_COLOR") == NULL;
	if (theme_colors) {
		start_color();
		use_default_colors();
		for (i = 0; i < THEME_NROLES; i++) {
			if (theme_styles[i].fg >= COLORS || theme_styles[i].bg >= COLORS) {
				theme_styles[i].fg = theme_styles[i].fg >= COLORS ? -1 :
				    theme_styles[i].fg;
				theme_styles[i].bg = theme_styles[i].bg >= COLORS ? -1 :
				    theme_styles[i].bg;
			}
			init_pair((short)(i + 1), theme_styles[i].fg, theme_styles[i].bg);
		}
	}
	return (rc);
}

int
theme_attr(enum theme_role role)
{
	const struct theme_style	*st = &theme_styles[role];
	int				 attr = st->attr;

	if (theme_colors && (st->fg != -1 || st->bg != -1))
		return (COLOR_PAIR(role + 1) | (attr & ~A_REVERSE));
	return (attr);
}

enum theme_role
theme_state_role(const char *s)
{
	static const char *const good[] = { "up", "ok", "success", "running", "healthy",
	    "completed", "succeeded", NULL };
	static const char *const bad[] = { "down", "failed", "error", "auth-failed",
	    "upstream_failed", "timeout", NULL };
	size_t	i;

	for (i = 0; good[i] != NULL; i++) {
		if (strcmp(s, good[i]) == 0)
			return (THEME_OK);
	}
	for (i = 0; bad[i] != NULL; i++) {
		if (strcmp(s, bad[i]) == 0)
			return (THEME_ERROR);
	}
	return (THEME_WARN);
}

/*
 * Themes: each role's colours and attributes, read from themes/NAME.theme.
 *
 *	role = FG BG [ATTR...]		terminals of 256 colours or more
 *	role.8 = FG BG [ATTR...]	fewer colours (without it: the line above, brought to 8)
 *	role.mono = ATTR...		no colour (TERM=vt100) or NO_COLOR set
 *
 * A role the file leaves out takes the normal role's colours and the built-in
 * attributes below, so every theme keeps the selection and errors visible.
 */
#include "config.h"

#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/util.h"
#include "core/xmalloc.h"
#include "tui/theme.h"

#define THEME_MAX_SIZE	65536	/* a theme file is a few hundred bytes */
#define THEME_MAX_LINE	1024

static const char *const theme_names[THEME_NROLES] = {
	"normal", "header", "tab", "tab-active", "title", "selection", "border",
	"ok", "warn", "error", "muted", "hint-key", "hint", "message", "mark", "dialog"
};

/* Attributes alone keep each role apart on a terminal without colour. */
static const int theme_mono_default[THEME_NROLES] = {
	[THEME_HEADER] =	A_REVERSE,
	[THEME_TAB_ACTIVE] =	A_REVERSE | A_BOLD,
	[THEME_TITLE] =		A_BOLD | A_UNDERLINE,
	[THEME_SELECTION] =	A_REVERSE,
	[THEME_WARN] =		A_BOLD,
	[THEME_ERROR] =		A_BOLD | A_UNDERLINE,
	[THEME_MUTED] =		A_DIM,
	[THEME_HINT_KEY] =	A_REVERSE,
	[THEME_MESSAGE] =	A_BOLD,
	[THEME_MARK] =		A_BOLD,
	[THEME_DIALOG] =	A_REVERSE,
};

/* The same text as themes/default.theme: used when no file can be read. */
static const char theme_builtin[] =
	"normal = default default\n"
	"header = black cyan\n"
	"tab = default default\n"
	"tab-active = black white bold\n"
	"title = default default bold underline\n"
	"selection = black cyan\n"
	"border = blue default\n"
	"ok = green default\n"
	"warn = yellow default bold\n"
	"error = red default bold\n"
	"muted = default default dim\n"
	"hint-key = black cyan\n"
	"hint = default default\n"
	"message = default default bold\n"
	"mark = yellow default bold\n"
	"dialog = white blue bold\n";

/* Other names a theme was known by. */
static const char *const theme_aliases[][2] = {
	{ "mono", "monochrome" },
	{ NULL, NULL }
};

static struct theme	theme_active;
static char		*theme_name;	/* what theme_current says */
static int		 theme_attrs[THEME_NROLES];	/* what theme_attr returns */
static int		 theme_colors;	/* the terminal has colours and we set pairs up */
static int		 theme_utf8_cached = -1;

/* Themes, help and tests name roles as theme files do. */
const char *
theme_role_name(enum theme_role role)
{
	if ((int)role < 0 || role >= THEME_NROLES)
		return (NULL);
	return (theme_names[role]);
}

/* A colour word: a name, bright-NAME (8-15), a number 0-255 or default (-1). */
static int
theme_colour(const char *s, short *out)
{
	static const char *const names[] = { "black", "red", "green", "yellow", "blue",
	    "magenta", "cyan", "white", NULL };
	const char	*p = s;
	char		*end;
	long		 n;
	int		 i, bright = 0;

	if (strcmp(s, "default") == 0) {
		*out = -1;
		return (0);
	}
	if (strncmp(s, "bright-", 7) == 0) {
		p = s + 7;
		bright = 8;
	}
	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(p, names[i]) == 0) {
			*out = (short)(i + bright);
			return (0);
		}
	}
	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0 || n > 255)
		return (-1);
	*out = (short)n;
	return (0);
}

/* An attribute word of a theme line, added to *attr. */
static int
theme_attr_word(const char *s, int *attr)
{
	static const struct {
		const char	*name;
		int		 attr;
	} words[] = {
		{ "bold", A_BOLD }, { "dim", A_DIM }, { "reverse", A_REVERSE },
		{ "underline", A_UNDERLINE }, { "italic", (int)A_ITALIC },
		{ "standout", A_STANDOUT }, { "none", 0 }, { NULL, 0 }
	};
	int	i;

	for (i = 0; words[i].name != NULL; i++) {
		if (strcmp(s, words[i].name) == 0) {
			*attr |= words[i].attr;
			return (0);
		}
	}
	return (-1);
}

/* The nearest of the eight basic colours, for a theme that gives only 256-colour values. */
static short
theme_colour8(short c)
{
	int	r, g, b, m;

	if (c < 8)
		return (c);
	if (c < 16)
		return ((short)(c - 8));
	if (c >= 232)
		return (c < 244 ? COLOR_BLACK : COLOR_WHITE);
	r = (c - 16) / 36;
	g = (c - 16) / 6 % 6;
	b = (c - 16) % 6;
	m = r > g ? (r > b ? r : b) : (g > b ? g : b);
	if (r == g && g == b)
		return (m <= 2 ? COLOR_BLACK : COLOR_WHITE);
	return ((short)((r * 2 > m ? 1 : 0) | (g * 2 > m ? 2 : 0) | (b * 2 > m ? 4 : 0)));
}

/* Every role starts as the normal colours with the built-in attributes. */
static void
theme_init(struct theme *th)
{
	int	i;

	for (i = 0; i < THEME_NROLES; i++) {
		th->styles[i].fg = th->styles[i].bg = -1;
		th->styles[i].fg8 = th->styles[i].bg8 = -1;
		th->styles[i].attr = th->styles[i].attr8 = theme_mono_default[i];
		th->styles[i].mono = theme_mono_default[i];
		th->styles[i].given = 0;
	}
}

/* One "key = words" line, already cut at '#'. Returns 0, or -1 with why. */
static int
theme_parse_line(struct theme *th, char *line, char **why)
{
	struct theme_style	*st;
	char			*eq, *key, *dot, *word, *save = NULL;
	const char		*sep = " \t\r";
	int			 role, kind, attr = 0, n = 0;
	short			 fg = -1, bg = -1;

	if ((eq = strchr(line, '=')) == NULL) {
		if (strspn(line, " \t\r") == strlen(line))
			return (0);
		xasprintf(why, "expected 'role = foreground background [attributes]'");
		return (-1);
	}
	*eq = '\0';
	if ((key = strtok_r(line, sep, &save)) == NULL || strtok_r(NULL, sep, &save) != NULL) {
		xasprintf(why, "expected one role name before '='");
		return (-1);
	}
	kind = THEME_GIVEN_MAIN;
	if ((dot = strchr(key, '.')) != NULL) {
		*dot++ = '\0';
		if (strcmp(dot, "8") == 0)
			kind = THEME_GIVEN_8;
		else if (strcmp(dot, "mono") == 0)
			kind = THEME_GIVEN_MONO;
		else {
			xasprintf(why, "'.%.32s': use role.8 or role.mono", dot);
			return (-1);
		}
	}
	for (role = 0; role < THEME_NROLES; role++) {
		if (strcmp(theme_names[role], key) == 0)
			break;
	}
	if (role == THEME_NROLES) {
		xasprintf(why, "'%.32s' is not a role", key);
		return (-1);
	}
	save = NULL;
	for (word = strtok_r(eq + 1, sep, &save); word != NULL;
	    word = strtok_r(NULL, sep, &save), n++) {
		if (kind != THEME_GIVEN_MONO && n == 0 && theme_colour(word, &fg) == 0)
			continue;
		if (kind != THEME_GIVEN_MONO && n == 1 && theme_colour(word, &bg) == 0)
			continue;
		if (theme_attr_word(word, &attr) != 0) {
			xasprintf(why, "'%.32s' is not %s", word, kind == THEME_GIVEN_MONO ?
			    "an attribute" : "a colour (0-255 or a name) or an attribute");
			return (-1);
		}
	}
	if (n == 0) {
		xasprintf(why, "%s: nothing after '='", theme_names[role]);
		return (-1);
	}
	st = &th->styles[role];
	st->given |= kind;
	if (kind == THEME_GIVEN_MAIN) {
		st->fg = fg;
		st->bg = bg;
		st->attr = attr;
	} else if (kind == THEME_GIVEN_8) {
		st->fg8 = fg;
		st->bg8 = bg;
		st->attr8 = attr;
	} else
		st->mono = attr;
	return (0);
}

/* Text, not a FILE, so the fuzz target and the built-in default go the same way as files. */
int
theme_parse(const char *text, size_t len, const char *where, struct theme *th,
    char **cause)
{
	struct theme_style	*st;
	char			 line[THEME_MAX_LINE + 1], *p, *why = NULL;
	const char		*start, *end, *stop = text + len;
	size_t			 n;
	int			 lineno = 0, i;

	theme_init(th);
	for (start = text; start < stop; start = end + 1) {
		lineno++;
		if ((end = memchr(start, '\n', (size_t)(stop - start))) == NULL)
			end = stop;
		n = (size_t)(end - start);
		if (n > THEME_MAX_LINE)
			xasprintf(&why, "line longer than %d bytes", THEME_MAX_LINE);
		else if (memchr(start, '\0', n) != NULL)
			xasprintf(&why, "a NUL byte");
		else {
			memcpy(line, start, n);
			line[n] = '\0';
			if ((p = strchr(line, '#')) != NULL)
				*p = '\0';
			theme_parse_line(th, line, &why);
		}
		if (why != NULL) {
			if (cause != NULL)
				xasprintf(cause, "%s:%d: %s", where, lineno, why);
			free(why);
			theme_init(th);
			return (-1);
		}
	}
	/* A role with no .8 line gets its colours brought down to the basic eight. */
	for (i = 0; i < THEME_NROLES; i++) {
		st = &th->styles[i];
		if ((st->given & THEME_GIVEN_MAIN) && !(st->given & THEME_GIVEN_8)) {
			st->fg8 = st->fg == -1 ? -1 : theme_colour8(st->fg);
			st->bg8 = st->bg == -1 ? -1 : theme_colour8(st->bg);
			st->attr8 = st->attr;
		}
	}
	return (0);
}

/* The directories searched for NAME.theme, in order; caller frees each. */
static int
theme_dirs(char *dirs[3])
{
	const char	*env = getenv("PLATFORM_TUI_THEME_DIR");
	int		 n = 0;

	if (env != NULL && *env != '\0')
		dirs[n++] = xstrdup(env);
	dirs[n++] = util_xdg_path("config", "themes");
	dirs[n++] = xstrdup(PT_DATADIR "/themes");
	return (n);
}

/* Free what theme_dirs returned. */
static void
theme_dirs_free(char *dirs[3], int n)
{
	while (n-- > 0)
		free(dirs[n]);
}

/* A theme name is a file name in the themes directory, nothing more. */
static int
theme_name_ok(const char *name)
{
	size_t	len = strlen(name);

	return (len > 0 && len < 64 && name[0] != '.' &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == len);
}

/* Read one file whole, refusing anything larger than a theme could be. */
static char *
theme_read(const char *path, size_t *len, char **cause)
{
	char	*data;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1) {
		if (errno != ENOENT)
			xasprintf(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	data = xmalloc(THEME_MAX_SIZE + 1);
	*len = 0;
	while (*len <= THEME_MAX_SIZE) {
		n = read(fd, data + *len, THEME_MAX_SIZE + 1 - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	if (n == -1 || *len > THEME_MAX_SIZE) {
		if (n == -1)
			xasprintf(cause, "%s: %s", path, strerror(errno));
		else
			xasprintf(cause, "%s: larger than %d bytes", path, THEME_MAX_SIZE);
		free(data);
		data = NULL;
	}
	close(fd);
	return (data);
}

/* Read and parse DIR/NAME.theme from the first directory that has it; 1 if none did. */
static int
theme_find_in(char **dirs, int n, const char *name, struct theme *th, char **cause)
{
	char	*path, *data;
	size_t	 len = 0;
	int	 i, rc;

	for (i = 0; i < n; i++) {
		path = xprintf("%s/%s.theme", dirs[i], name);
		data = theme_read(path, &len, cause);
		if (data == NULL && *cause != NULL) {
			free(path);
			return (-1);
		}
		if (data != NULL) {
			rc = theme_parse(data, len, path, th, cause);
			free(data);
			free(path);
			return (rc);
		}
		free(path);
	}
	return (1);
}

/* Find and parse a theme by path or name (or alias); *canonical is the name it goes by. */
static int
theme_find(const char *name, struct theme *th, char **canonical, char **cause)
{
	char		*dirs[3], *data;
	const char	*try = name;
	size_t		 len = 0;
	int		 n, a, rc;

	if (strchr(name, '/') != NULL) {
		if ((data = theme_read(name, &len, cause)) == NULL) {
			if (*cause == NULL)
				xasprintf(cause, "%s: no such theme file", name);
			return (-1);
		}
		rc = theme_parse(data, len, name, th, cause);
		free(data);
		if (rc == 0)
			*canonical = xstrdup(name);
		return (rc);
	}
	if (!theme_name_ok(name)) {
		xasprintf(cause, "'%.64s' is not a theme name", name);
		return (-1);
	}
	n = theme_dirs(dirs);
	rc = theme_find_in(dirs, n, name, th, cause);
	for (a = 0; rc == 1 && theme_aliases[a][0] != NULL; a++) {
		if (strcmp(theme_aliases[a][0], name) == 0) {
			try = theme_aliases[a][1];
			rc = theme_find_in(dirs, n, try, th, cause);
		}
	}
	if (rc == 1 && strcmp(try, "default") == 0) {
		/* Not installed yet: the compiled-in copy of default.theme. */
		rc = theme_parse(theme_builtin, sizeof theme_builtin - 1, "(built-in)", th,
		    cause);
	} else if (rc == 1) {
		xasprintf(cause, "theme %s: not found in %s%s%s%s%s", name, dirs[0],
		    n > 1 ? ", " : "", n > 1 ? dirs[1] : "", n > 2 ? ", " : "",
		    n > 2 ? dirs[2] : "");
		rc = -1;
	}
	theme_dirs_free(dirs, n);
	if (rc == 0)
		*canonical = xstrdup(try);
	return (rc);
}

/* A role's colours and attributes on a terminal of this many colours. */
static void
theme_resolve(const struct theme *th, int role, int ncolours, short *fg, short *bg,
    int *attr)
{
	const struct theme_style	*st = &th->styles[role];

	if (ncolours >= 256) {
		*fg = st->fg;
		*bg = st->bg;
		*attr = st->attr;
	} else {
		*fg = st->fg8 < ncolours ? st->fg8 : -1;
		*bg = st->bg8 < ncolours ? st->bg8 : -1;
		*attr = st->attr8;
	}
}

/* Set the colour pairs, the background and each role's attributes for the active theme. */
static void
theme_apply(void)
{
	const char	*nc = getenv("NO_COLOR");
	short		 nfg = -1, nbg = -1, fg, bg;
	int		 i, attr, defaults;

	theme_utf8_cached = -1;
	for (i = 0; i < THEME_NROLES; i++)
		theme_attrs[i] = theme_active.styles[i].mono;
	theme_colors = 0;
	if (stdscr == NULL)
		return;
	if (!has_colors() || (nc != NULL && *nc != '\0') || start_color() != OK ||
	    COLOR_PAIRS <= THEME_NROLES) {
		bkgd(' ' | (chtype)theme_attrs[THEME_NORMAL]);
		return;
	}
	theme_colors = 1;
	defaults = use_default_colors() == OK;
	for (i = 0; i < THEME_NROLES; i++) {
		theme_resolve(&theme_active, i, COLORS, &fg, &bg, &attr);
		if (i == THEME_NORMAL) {
			nfg = fg;
			nbg = bg;
		}
		fg = fg == -1 ? nfg : fg;
		bg = bg == -1 ? nbg : bg;
		if (!defaults) {
			fg = fg == -1 ? COLOR_WHITE : fg;
			bg = bg == -1 ? COLOR_BLACK : bg;
		}
		init_pair((short)(i + 1), fg, bg);
		theme_attrs[i] = (int)COLOR_PAIR(i + 1) | attr;
	}
	bkgd(' ' | (chtype)theme_attrs[THEME_NORMAL]);
}

/* Parse first, apply after: a bad file never leaves a half-changed screen. */
int
theme_switch(const char *name, char **cause)
{
	struct theme	 th;
	char		*canonical = NULL, *why = NULL;

	/* A caller that does not want the reason may pass NULL. */
	if (theme_find(name, &th, &canonical, cause != NULL ? cause : &why) != 0) {
		free(why);
		return (-1);
	}
	theme_active = th;
	free(theme_name);
	theme_name = canonical;
	theme_apply();
	return (0);
}

/* At start a bad theme must not stop the console: report it, draw with the default. */
int
theme_load(const char *name, char **cause)
{
	if (theme_switch(name != NULL ? name : "default", cause) == 0)
		return (0);
	theme_parse(theme_builtin, sizeof theme_builtin - 1, "(built-in)", &theme_active,
	    NULL);
	free(theme_name);
	theme_name = xstrdup("default");
	theme_apply();
	return (-1);
}

/* For :theme without an argument and for saving the choice. */
const char *
theme_current(void)
{
	return (theme_name != NULL ? theme_name : "default");
}

/* Widgets that mark things by colour alone can add an attribute when this is 0. */
int
theme_has_colours(void)
{
	return (theme_colors);
}

/* qsort order for theme_list. */
static int
theme_list_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Every directory theme_find searches, so completion offers exactly what loads. */
char **
theme_list(void)
{
	struct dirent	 *de;
	DIR		 *d;
	char		 *dirs[3], **list = NULL, *name;
	size_t		  n = 0, len, i, j;
	int		  nd, k;

	nd = theme_dirs(dirs);
	list = xreallocarray(NULL, 2, sizeof *list);
	list[n++] = xstrdup("default");
	for (k = 0; k < nd; k++) {
		if ((d = opendir(dirs[k])) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (len <= 6 || strcmp(de->d_name + len - 6, ".theme") != 0)
				continue;
			name = xstrndup(de->d_name, len - 6);
			if (!theme_name_ok(name)) {
				free(name);
				continue;
			}
			list = xreallocarray(list, n + 2, sizeof *list);
			list[n++] = name;
		}
		closedir(d);
	}
	theme_dirs_free(dirs, nd);
	qsort(list, n, sizeof *list, theme_list_cmp);
	for (i = j = 0; i < n; i++) {
		if (j > 0 && strcmp(list[j - 1], list[i]) == 0)
			free(list[i]);
		else
			list[j++] = list[i];
	}
	list[j] = NULL;
	return (list);
}

/* Free a theme_list answer. */
void
theme_list_free(char **list)
{
	size_t	i;

	if (list == NULL)
		return;
	for (i = 0; list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

/* Called for every cell drawn: an array read, worked out once in theme_apply. */
int
theme_attr(enum theme_role role)
{
	if ((int)role < 0 || role >= THEME_NROLES)
		role = THEME_NORMAL;
	return (theme_attrs[role]);
}

/* State words from any service map to the same three roles. */
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

/*
 * main() may switch LC_CTYPE to C.UTF-8 for its own text handling, so ask
 * the environment's locale what the terminal speaks, not the current one.
 */
int
theme_utf8(void)
{
	const char	*cs = NULL, *env;
	locale_t	 loc;
	int		 utf8;

	if (theme_utf8_cached != -1)
		return (theme_utf8_cached);
	if ((loc = newlocale(LC_CTYPE_MASK, "", (locale_t)0)) != (locale_t)0) {
		cs = nl_langinfo_l(CODESET, loc);
		utf8 = cs != NULL && (strcasecmp(cs, "UTF-8") == 0 ||
		    strcasecmp(cs, "utf8") == 0);
		freelocale(loc);
	} else {
		/* A locale that is named but not installed: trust its name. */
		if ((env = getenv("LC_ALL")) == NULL || *env == '\0')
			if ((env = getenv("LC_CTYPE")) == NULL || *env == '\0')
				env = getenv("LANG");
		utf8 = env != NULL && (strcasestr(env, "utf-8") != NULL ||
		    strcasestr(env, "utf8") != NULL);
	}
	theme_utf8_cached = utf8;
	return (utf8);
}

/* Every glyph is one cell wide in both sets, so widths never depend on the locale. */
const char *
theme_glyph(enum theme_glyph g)
{
	static const char *const glyphs[THEME_NGLYPHS][2] = {
		[THEME_GLYPH_VLINE] =		{ "|", "\xe2\x94\x82" },	/* │ */
		[THEME_GLYPH_HLINE] =		{ "-", "\xe2\x94\x80" },	/* ─ */
		[THEME_GLYPH_TOP_LEFT] =	{ "+", "\xe2\x94\x8c" },	/* ┌ */
		[THEME_GLYPH_TOP_RIGHT] =	{ "+", "\xe2\x94\x90" },	/* ┐ */
		[THEME_GLYPH_BOTTOM_LEFT] =	{ "+", "\xe2\x94\x94" },	/* └ */
		[THEME_GLYPH_BOTTOM_RIGHT] =	{ "+", "\xe2\x94\x98" },	/* ┘ */
		[THEME_GLYPH_MARK] =		{ "*", "\xe2\x97\x8f" },	/* ● */
		[THEME_GLYPH_ELLIPSIS] =	{ "~", "\xe2\x80\xa6" },	/* … */
		[THEME_GLYPH_SORT_UP] =		{ "^", "\xe2\x96\xb2" },	/* ▲ */
		[THEME_GLYPH_SORT_DOWN] =	{ "v", "\xe2\x96\xbc" },	/* ▼ */
		[THEME_GLYPH_SCROLL_THUMB] =	{ "#", "\xe2\x96\x88" },	/* █ */
		[THEME_GLYPH_SCROLL_TRACK] =	{ "|", "\xe2\x94\x82" },	/* │ */
		[THEME_GLYPH_MORE_UP] =		{ "^", "\xe2\x86\x91" },	/* ↑ */
		[THEME_GLYPH_MORE_DOWN] =	{ "v", "\xe2\x86\x93" },	/* ↓ */
	};

	if ((int)g < 0 || g >= THEME_NGLYPHS)
		return ("?");
	return (glyphs[g][theme_utf8()]);
}

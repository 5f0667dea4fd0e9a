/* Unit tests for themes: parsing, fallbacks, colour and monochrome terminals, glyphs, saving the choice. */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <curses.h>
#include <dirent.h>
#include <fcntl.h>
#include <locale.h>
#include <unistd.h>

#include "core/options.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "tui/theme.h"
#include "tests/unit/tap.h"

static const char *const shipped[] = { "default", "light", "dark-256", "solarized-dark",
    "high-contrast", "monochrome", NULL };
static char	*tmp;

static char *
slurp(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*s;
	long	 n;

	if (f == NULL)
		return (NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = xmalloc((size_t)n + 1);
	s[fread(s, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return (s);
}

static void
spit(const char *path, const char *text, int mode)
{
	FILE	*f = fopen(path, "w");

	if (f == NULL)
		fatal("%s: cannot write", path);
	fputs(text, f);
	fclose(f);
	chmod(path, (mode_t)mode);
}

/* Parse text and return the error (or NULL), so one line checks one case. */
static char *
parse_error(const char *text, size_t len)
{
	struct theme	 th;
	char		*cause = NULL;

	if (theme_parse(text, len, "t.theme", &th, &cause) == 0)
		return (NULL);
	return (cause);
}

static void
test_parse(void)
{
	struct theme	 th;
	char		*cause = NULL, *path, *text, big[3000];
	int		 i;

	for (i = 0; shipped[i] != NULL; i++) {
		path = xprintf("%s/themes/%s.theme", getenv("top_srcdir"), shipped[i]);
		text = slurp(path);
		ok(text != NULL && theme_parse(text, strlen(text), path, &th, &cause) == 0,
		    "themes/%s.theme parses%s%s", shipped[i], cause ? ": " : "",
		    cause ? cause : "");
		free(cause);
		cause = NULL;
		ok(text != NULL && (th.styles[THEME_SELECTION].mono & A_REVERSE) &&
		    th.styles[THEME_ERROR].mono != 0,
		    "themes/%s.theme: selection and errors visible without colour", shipped[i]);
		free(text);
		free(path);
	}

	text = "normal = white black\n# comment\n\nselection = 24 255 bold # trailing\n"
	    "selection.8 = black cyan\nok = 114 default\nerror.mono = bold reverse\n";
	ok(theme_parse(text, strlen(text), "t", &th, &cause) == 0, "a good file parses");
	is_int(th.styles[THEME_NORMAL].fg, COLOR_WHITE, "a colour name");
	is_int(th.styles[THEME_SELECTION].fg, 24, "a 256-colour number");
	is_int(th.styles[THEME_SELECTION].attr, A_BOLD, "an attribute");
	is_int(th.styles[THEME_SELECTION].bg8, COLOR_CYAN, "the .8 line for 8 colours");
	is_int(th.styles[THEME_OK].fg8, COLOR_GREEN, "without .8: 114 comes down to green");
	is_int(th.styles[THEME_OK].bg8, -1, "default stays default");
	is_int(th.styles[THEME_ERROR].mono, A_BOLD | A_REVERSE, "a .mono line");
	is_int(th.styles[THEME_HEADER].fg, -1, "a role left out takes the normal colours");
	is_int(th.styles[THEME_HEADER].mono, A_REVERSE, "and its built-in attributes");
	text = "normal = 196 bright-blue\r\n";
	ok(theme_parse(text, strlen(text), "t", &th, NULL) == 0 &&
	    th.styles[THEME_NORMAL].fg8 == COLOR_RED && th.styles[THEME_NORMAL].bg == 12 &&
	    th.styles[THEME_NORMAL].bg8 == COLOR_BLUE, "bright colours and CRLF lines");
	ok(theme_parse("", 0, "t", &th, NULL) == 0, "an empty file is all defaults");

	is_str(cause = parse_error("normal = default default\nfrobs = red blue\n", 41),
	    "t.theme:2: 'frobs' is not a role", "an unknown role names file and line");
	free(cause);
	is_str(cause = parse_error("ok = 256 default", 16),
	    "t.theme:1: '256' is not a colour (0-255 or a name) or an attribute",
	    "colour 256 refused");
	free(cause);
	is_str(cause = parse_error("\n\nok = red blinky", 17),
	    "t.theme:3: 'blinky' is not a colour (0-255 or a name) or an attribute",
	    "an unknown attribute refused");
	free(cause);
	is_str(cause = parse_error("ok red", 6),
	    "t.theme:1: expected 'role = foreground background [attributes]'",
	    "a line without '=' refused");
	free(cause);
	is_str(cause = parse_error("ok.16 = red", 11),
	    "t.theme:1: '.16': use role.8 or role.mono", "an unknown suffix refused");
	free(cause);
	is_str(cause = parse_error("ok.mono = red", 13),
	    "t.theme:1: 'red' is not an attribute", "a colour in a .mono line refused");
	free(cause);
	is_str(cause = parse_error("ok =   ", 7), "t.theme:1: ok: nothing after '='",
	    "an empty value refused");
	free(cause);
	is_str(cause = parse_error("a b = red", 9),
	    "t.theme:1: expected one role name before '='", "two words before '=' refused");
	free(cause);
	is_str(cause = parse_error("ok = red\0 blue", 14), "t.theme:1: a NUL byte",
	    "a NUL byte refused");
	free(cause);
	memset(big, 'x', sizeof big);
	is_str(cause = parse_error(big, sizeof big), "t.theme:1: line longer than 1024 bytes",
	    "an overlong line refused");
	free(cause);
	ok(theme_parse("ok = red red red", 16, "t", &th, &cause) == -1 &&
	    th.styles[THEME_OK].fg == -1, "after an error the theme is all defaults");
	free(cause);
	is_int(theme_state_role("down"), THEME_ERROR, "down is an error");
	is_int(theme_state_role("up"), THEME_OK, "up is ok");
}

static void
test_files(void)
{
	char	**list, *cause = NULL, *path, *dir;
	int	  i, found, bad, xdg;

	dir = xprintf("%s/themes", tmp);
	mkdir(dir, 0700);
	setenv("PLATFORM_TUI_THEME_DIR", dir, 1);
	path = xprintf("%s/broken.theme", dir);
	spit(path, "normal = default default\nok = chartreuse\n", 0644);
	free(path);
	path = xprintf("%s/mine.theme", dir);
	spit(path, "selection = red default bold\n", 0644);
	free(path);

	ok(theme_switch("mine", &cause) == 0, "a theme in PLATFORM_TUI_THEME_DIR loads");
	is_str(theme_current(), "mine", "theme_current names it");
	ok(theme_switch("broken", &cause) == -1 && cause != NULL &&
	    strstr(cause, "/broken.theme:2: 'chartreuse'") != NULL,
	    "a bad file names FILE:LINE");
	free(cause);
	cause = NULL;
	is_str(theme_current(), "mine", "a failed switch keeps the current theme");
	ok(theme_load("broken", &cause) == -1 && cause != NULL, "theme_load reports it");
	free(cause);
	cause = NULL;
	is_str(theme_current(), "default", "and falls back to the default");
	ok(theme_switch("nosuch", &cause) == -1 && cause != NULL &&
	    strstr(cause, "theme nosuch: not found in ") != NULL, "an unknown theme");
	free(cause);
	cause = NULL;
	ok(theme_switch("/etc/passwd", &cause) == -1 && cause != NULL &&
	    strncmp(cause, "/etc/passwd:1: ", 15) == 0, "a path that is not a theme");
	free(cause);
	cause = NULL;
	ok(theme_switch(".hidden", &cause) == -1 && cause != NULL &&
	    strstr(cause, "not a theme name") != NULL, "a dot file is not a theme name");
	free(cause);
	cause = NULL;

	/* The XDG directory comes after PLATFORM_TUI_THEME_DIR. */
	path = xprintf("%s/config/platform-tui/themes", tmp);
	util_mkdir_p(path, 0700);
	free(path);
	path = xprintf("%s/config/platform-tui/themes/xdg.theme", tmp);
	spit(path, "ok = green default\n", 0600);
	free(path);
	ok(theme_switch("xdg", &cause) == 0, "a theme in $XDG_CONFIG_HOME/platform-tui/themes");
	free(cause);
	cause = NULL;

	free(dir);
	dir = xprintf("%s/themes", getenv("top_srcdir"));
	setenv("PLATFORM_TUI_THEME_DIR", dir, 1);
	ok(theme_switch("mono", &cause) == 0, "mono still loads");
	is_str(theme_current(), "monochrome", "as the monochrome theme");
	free(cause);
	cause = NULL;

	list = theme_list();
	for (i = found = bad = xdg = 0; list[i] != NULL; i++) {
		xdg += strcmp(list[i], "xdg") == 0;
		for (int j = 0; shipped[j] != NULL; j++)
			found += strcmp(list[i], shipped[j]) == 0;
		bad += i > 0 && strcmp(list[i - 1], list[i]) >= 0;
		bad += strcmp(list[i], "mono") == 0;
	}
	is_int(found, 6, "theme_list names the six shipped themes");
	is_int(bad, 0, "once each, sorted");
	is_int(xdg, 1, "and the one in the XDG directory");
	theme_list_free(list);
	free(dir);
}

/* A screen on /dev/null with this terminal type, for the colour checks. */
static SCREEN *
screen_open(const char *term)
{
	static FILE	*in, *out;
	SCREEN		*s;

	if (in == NULL) {
		in = fopen("/dev/null", "r");
		out = fopen("/dev/null", "w");
	}
	if ((s = newterm(term, out, in)) == NULL)
		return (NULL);
	set_term(s);
	return (s);
}

static void
screen_close(SCREEN *s)
{
	endwin();
	delscreen(s);
}

static void
test_screens(void)
{
	SCREEN	*s;
	short	 fg, bg;
	int	 i, sel, err, norm;
	char	*cause = NULL;

	if ((s = screen_open("xterm-256color")) == NULL) {
		ok(1, "# SKIP no xterm-256color terminfo");
		return;
	}
	unsetenv("NO_COLOR");
	ok(theme_switch("dark-256", &cause) == 0 && theme_has_colours(),
	    "256 colours: colour pairs are used");
	pair_content(THEME_SELECTION + 1, &fg, &bg);
	ok(fg == 231 && bg == 238, "the 256-colour selection (%d on %d)", fg, bg);
	pair_content(THEME_OK + 1, &fg, &bg);
	ok(fg == 114 && bg == 234, "default takes the normal background (%d on %d)", fg, bg);
	is_int(theme_attr(THEME_ERROR), (int)(COLOR_PAIR(THEME_ERROR + 1) | A_BOLD),
	    "a role's attribute is its pair and attributes");
	ok((getbkgd(stdscr) & A_COLOR) == COLOR_PAIR(THEME_NORMAL + 1),
	    "the background is the normal role");
	ok(theme_switch("light", &cause) == 0, "switching live");
	pair_content(THEME_NORMAL + 1, &fg, &bg);
	ok(fg == 235 && bg == 255, "re-initialises the pairs (%d on %d)", fg, bg);
	screen_close(s);

	s = screen_open("xterm");
	ok(theme_switch("light", &cause) == 0 && theme_has_colours(), "8 colours");
	pair_content(THEME_WARN + 1, &fg, &bg);
	ok(fg == COLOR_MAGENTA && bg == COLOR_WHITE, "the .8 line is used (%d on %d)", fg, bg);
	ok(theme_switch("dark-256", &cause) == 0, "a 256-colour theme on 8 colours");
	for (i = 0; i < THEME_NROLES; i++) {
		pair_content((short)(i + 1), &fg, &bg);
		if (fg >= 8 || bg >= 8)
			break;
	}
	is_int(i, THEME_NROLES, "uses only the eight colours");
	screen_close(s);

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0) {
			s = screen_open("vt100");
		} else {
			s = screen_open("xterm-256color");
			setenv("NO_COLOR", "1", 1);
		}
		for (i = 0; shipped[i] != NULL; i++) {
			ok(theme_switch(shipped[i], &cause) == 0 && !theme_has_colours(),
			    "%s on %s: no colour", shipped[i], pass ? "NO_COLOR" : "vt100");
			sel = theme_attr(THEME_SELECTION);
			err = theme_attr(THEME_ERROR);
			norm = theme_attr(THEME_NORMAL);
			ok((sel & A_REVERSE) && err != norm && err != theme_attr(THEME_OK) &&
			    theme_attr(THEME_HEADER) != norm && !(sel & A_COLOR),
			    "%s: selection, errors and header stand out", shipped[i]);
		}
		screen_close(s);
	}
	unsetenv("NO_COLOR");
}

/* The compiled-in default is the same theme as themes/default.theme. */
static void
test_builtin(void)
{
	SCREEN	*s;
	char	*cause = NULL, *path, *empty;
	int	 file[THEME_NROLES], i, same = 1;
	short	 f1[THEME_NROLES], b1[THEME_NROLES], fg, bg;

	path = xprintf("%s/themes/default.theme", PT_DATADIR);
	if (access(path, F_OK) == 0) {
		ok(1, "# SKIP an installed default.theme hides the built-in one");
		free(path);
		return;
	}
	free(path);
	s = screen_open("xterm-256color");
	ok(theme_switch("default", &cause) == 0, "default from the source tree");
	for (i = 0; i < THEME_NROLES; i++) {
		file[i] = theme_attr(i);
		pair_content((short)(i + 1), &f1[i], &b1[i]);
	}
	empty = xprintf("%s/empty", tmp);
	mkdir(empty, 0700);
	setenv("PLATFORM_TUI_THEME_DIR", empty, 1);
	setenv("XDG_CONFIG_HOME", empty, 1);
	ok(theme_switch("default", &cause) == 0, "default with no file: the built-in one");
	for (i = 0; i < THEME_NROLES; i++) {
		pair_content((short)(i + 1), &fg, &bg);
		same &= file[i] == theme_attr(i) && fg == f1[i] && bg == b1[i];
	}
	ok(same, "the built-in default matches themes/default.theme");
	free(empty);
	screen_close(s);
}

/* Run a check in a child with this locale in the environment. */
static int
glyphs_in(const char *locale, int want_utf8)
{
	pid_t	pid;
	int	status, g, bad = 0;

	if ((pid = fork()) == 0) {
		setenv("LC_ALL", locale, 1);
		setlocale(LC_ALL, "C.UTF-8");	/* as main() does: must not matter */
		if (theme_utf8() != want_utf8)
			_exit(1);
		for (g = 0; g < THEME_NGLYPHS; g++) {
			const char *s = theme_glyph(g);

			if (want_utf8)
				bad += util_width(s) != 1;
			else
				bad += strlen(s) != 1 || (unsigned char)*s >= 0x80;
		}
		_exit(bad != 0 ? 2 : 0);
	}
	waitpid(pid, &status, 0);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : 99);
}

static void
test_glyphs(void)
{
	is_int(glyphs_in("C", 0), 0, "LC_ALL=C: ASCII glyphs, one cell each");
	is_int(glyphs_in("POSIX", 0), 0, "LC_ALL=POSIX: ASCII glyphs");
	is_int(glyphs_in("C.UTF-8", 1), 0, "LC_ALL=C.UTF-8: UTF-8 glyphs, one cell each");
	is_int(glyphs_in("xx_YY.UTF-8", 1), 0, "a UTF-8 locale that is not installed");
}

static int
count_files(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*de;
	int		 n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return (n);
}

static void
test_save(void)
{
	struct stat	 sb;
	char		*cause = NULL, *dir, *path, *text, *link, *target;
	ino_t		 ino;

	dir = xprintf("%s/save", tmp);
	setenv("XDG_CONFIG_HOME", dir, 1);
	free(dir);
	dir = xprintf("%s/save/platform-tui", tmp);
	path = xprintf("%s/config", dir);

	ok(options_save("theme", "light", &cause) == 0, "saving with no config file");
	text = slurp(path);
	is_str(text, "theme = light\n", "writes one line");
	free(text);
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "mode 600");
	ok(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == 0700, "in a directory of mode 700");

	spit(path, "# my settings\ntimeout = 3s\n\n  theme=mono   \n; old\ntheme = x\n"
	    "read-only = yes", 0600);
	ok(options_load(path, 1, &cause) == 0, "the config loads");
	stat(path, &sb);
	ino = sb.st_ino;
	ok(options_save("theme", "solarized-dark", &cause) == 0, "saving over it");
	text = slurp(path);
	is_str(text, "# my settings\ntimeout = 3s\n\ntheme = solarized-dark\n; old\n"
	    "read-only = yes", "comments and other lines kept, theme replaced once");
	free(text);
	ok(stat(path, &sb) == 0 && sb.st_ino != ino && (sb.st_mode & 0777) == 0600,
	    "a new file renamed into place, mode 600");
	is_int(count_files(dir), 1, "no temporary file left behind");
	is_str(options_get("theme"), "solarized-dark", "the setting changed in memory too");
	options_free();
	ok(options_load(path, 1, &cause) == 0 && strcmp(options_get("theme"),
	    "solarized-dark") == 0 && options_get_bool("read-only"), "and reads back");

	spit(path, "timeout = 3s", 0600);
	ok(options_save("theme", "light", &cause) == 0, "saving to a file without theme");
	text = slurp(path);
	is_str(text, "timeout = 3s\ntheme = light\n", "appends after a last line with no newline");
	free(text);

	ok(options_save("theme", "a\nread-only = no", &cause) == -1 && cause != NULL,
	    "a value with a newline is refused");
	free(cause);
	cause = NULL;
	ok(options_save("colour", "x", &cause) == -1 && cause != NULL,
	    "an unknown setting is refused");
	free(cause);
	cause = NULL;
	ok(options_save("timeout", "soon", &cause) == -1 && cause != NULL,
	    "a bad value is refused");
	free(cause);
	cause = NULL;
	text = slurp(path);
	is_str(text, "timeout = 3s\ntheme = light\n", "and the file is unchanged");
	free(text);

	target = xprintf("%s/dotfiles-config", tmp);
	spit(target, "# from dotfiles\n", 0600);
	unlink(path);
	symlink(target, path);
	options_free();
	ok(options_load(path, 1, &cause) == 0, "a config that is a symbolic link");
	ok(options_save("theme", "dark-256", &cause) == 0, "saving through it");
	link = slurp(target);
	is_str(link, "# from dotfiles\ntheme = dark-256\n", "updates the file it points to");
	ok(lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode), "and the link stays a link");
	free(link);
	free(target);
	options_free();
	free(path);
	free(dir);
}

int
main(void)
{
	char	 templ[] = "/tmp/test-theme.XXXXXX";
	char	*config;

	if (getenv("top_srcdir") == NULL)
		setenv("top_srcdir", ".", 1);
	if ((tmp = mkdtemp(templ)) == NULL)
		fatal("mkdtemp");
	config = xprintf("%s/config", tmp);
	setenv("XDG_CONFIG_HOME", config, 1);
	setenv("HOME", tmp, 1);
	unsetenv("NO_COLOR");
	test_parse();
	test_files();
	test_screens();
	test_builtin();
	test_glyphs();
	test_save();
	free(config);
	if (fork() == 0)
		execlp("rm", "rm", "-rf", tmp, (char *)NULL);
	wait(NULL);
	return (tap_done());
}

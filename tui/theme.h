/* Colours by role: the screen asks for a role, a theme file says what it looks like. */
#ifndef THEME_H
#define THEME_H

#include <stddef.h>

enum theme_role {
	THEME_NORMAL,
	THEME_HEADER,
	THEME_TAB,
	THEME_TAB_ACTIVE,
	THEME_TITLE,		/* column headers */
	THEME_SELECTION,
	THEME_BORDER,
	THEME_OK,
	THEME_WARN,
	THEME_ERROR,
	THEME_MUTED,
	THEME_HINT_KEY,
	THEME_HINT,
	THEME_MESSAGE,
	THEME_MARK,		/* rows marked with Space */
	THEME_DIALOG,		/* a confirmation or form box */
	THEME_NROLES
};

/* Box and table drawing characters; each is one terminal cell wide. */
enum theme_glyph {
	THEME_GLYPH_VLINE,
	THEME_GLYPH_HLINE,
	THEME_GLYPH_TOP_LEFT,
	THEME_GLYPH_TOP_RIGHT,
	THEME_GLYPH_BOTTOM_LEFT,
	THEME_GLYPH_BOTTOM_RIGHT,
	THEME_GLYPH_MARK,		/* a marked row */
	THEME_GLYPH_ELLIPSIS,		/* text cut to fit */
	THEME_GLYPH_SORT_UP,
	THEME_GLYPH_SORT_DOWN,
	THEME_GLYPH_SCROLL_THUMB,	/* where the view is in a long list */
	THEME_GLYPH_SCROLL_TRACK,
	THEME_GLYPH_MORE_UP,		/* rows above the window */
	THEME_GLYPH_MORE_DOWN,		/* rows below the window */
	THEME_NGLYPHS
};

/* One role as a file describes it for each kind of terminal. */
struct theme_style {
	short	fg, bg;		/* 0-255; -1 takes the normal role's colour */
	int	attr;		/* A_BOLD... with those colours */
	short	fg8, bg8;	/* under 256 colours (role.8 = ...) */
	int	attr8;
	int	mono;		/* attributes alone: no colour or NO_COLOR (role.mono) */
	int	given;		/* THEME_GIVEN_* bits: which lines the file had */
};
#define THEME_GIVEN_MAIN	0x1
#define THEME_GIVEN_8		0x2
#define THEME_GIVEN_MONO	0x4

struct theme {
	struct theme_style	styles[THEME_NROLES];
};

/* Parse theme text; errors say "WHERE:LINE: why". Never touches the screen. */
int		 theme_parse(const char *text, size_t len, const char *where,
		     struct theme *, char **cause);
/* The role's name in theme files ("tab-active"), or NULL. */
const char	*theme_role_name(enum theme_role);

/* After initscr: load a theme by name or path; on error the built-in default. */
int		 theme_load(const char *name, char **cause);
/* Load and apply another theme; on error the current one stays. */
int		 theme_switch(const char *name, char **cause);
/* The name of the theme in use. */
const char	*theme_current(void);
/* Names of the themes that can be loaded, sorted, NULL-terminated; theme_list_free. */
char		**theme_list(void);
void		 theme_list_free(char **);
/* 1 when the terminal's colours are used, 0 when attributes alone. */
int		 theme_has_colours(void);

/* The curses attributes of a role (colour pair and bold/reverse...). */
int		 theme_attr(enum theme_role);
/* The role for a state word such as up, down, running, failed. */
enum theme_role	 theme_state_role(const char *);

/* 1 when the environment's locale is UTF-8 (read again when a theme is applied). */
int		 theme_utf8(void);
/* A drawing character: UTF-8 in a UTF-8 locale, ASCII otherwise. */
const char	*theme_glyph(enum theme_glyph);

#endif

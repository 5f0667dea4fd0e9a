/* Colours by role: the screen asks for a role, a theme file says what it looks like. */
#ifndef THEME_H
#define THEME_H

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
	THEME_NROLES
};

/* Load a theme by name or path; unknown names fall back to built-in colours. */
int		 theme_load(const char *name, char **cause);
/* The curses attributes of a role (colour pair and bold/reverse...). */
int		 theme_attr(enum theme_role);
/* The role for a state word such as up, down, running, failed. */
enum theme_role	 theme_state_role(const char *);

#endif

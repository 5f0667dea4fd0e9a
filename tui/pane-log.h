/*
 * What the log panes share (tui/pane-log.c): lines as the rows of a
 * one-column view drawn wrapped or cut with error lines in the error colour,
 * and the log commands (search, error, wrap, follow) for any such pane.
 */
#ifndef PANE_LOG_H
#define PANE_LOG_H

#include <stddef.h>

struct pane;
struct pane_type;
struct tui;
struct view;

/* A log pane's settings, which the log commands change. */
struct pane_log_text {
	int		 follow;	/* new lines come and the cursor stays at the end */
	int		 wrap;		/* long lines wrap (else they are cut) */
	char		*search;	/* owned: the last search */
	/* follow was toggled: start or stop; NULL if the text does not grow. */
	void		(*follow_set)(struct tui *, struct pane *);
};

/* The log commands serve panes of this type too (up to four types). */
void	 pane_log_adopt(const struct pane_type *,
	     struct pane_log_text *(*)(struct pane *));
void	 pane_log_lines_draw(struct pane *, const struct view *, int y, int body,
	     int wrap, int (*bold)(void *, size_t), void *);
int	 pane_log_find(struct pane *, int reverse, const char *text);
int	 pane_log_is_error(const char *);

#endif

/*
 * The SQL pane's query editor: several lines, history per connection kept
 * on disk and searched with C-r, Tab completion from a word list the pane
 * loads from system.* in the background.
 */
#ifndef SQLEDIT_H
#define SQLEDIT_H

#include <stddef.h>

#include "core/buf.h"

enum sqledit_result {
	SQLEDIT_PASS,		/* not an editing key: the pane's bindings get it */
	SQLEDIT_DONE,		/* handled */
	SQLEDIT_RUN,		/* Enter after a ';': run the text */
	SQLEDIT_LEAVE,		/* Esc, or Tab with nothing to complete: to the table */
};

struct sqledit {
	struct buf	 text;
	size_t		 cursor;	/* byte offset in text */
	size_t		 top;		/* first line shown */
	char		**history;	/* owned, oldest first */
	size_t		 nhistory;
	size_t		 hpos;		/* nhistory = the text being written */
	char		*saved;		/* owned: that text while browsing history */
	char		*hfile;		/* owned: where history is kept, or NULL */
	int		 searching;	/* C-r: typing a search */
	struct buf	 search;
	size_t		 smatch;	/* history entry found, or SIZE_MAX */
	char		**words;	/* owned: completion candidates */
	size_t		 nwords;
	char		*note;		/* owned: what the last Tab found, or NULL */
};

void			 sqledit_init(struct sqledit *);
void			 sqledit_free(struct sqledit *);
/* Load history from a file (one query a line, \n escaped) and keep it there. */
void			 sqledit_history_load(struct sqledit *, const char *path);
/* Add a query run to history and save it. */
void			 sqledit_history_add(struct sqledit *, const char *);
/* Start an incremental search of history (C-r). */
void			 sqledit_search(struct sqledit *);
enum sqledit_result	 sqledit_key(struct sqledit *, int key);
const char		*sqledit_text(const struct sqledit *);
void			 sqledit_set(struct sqledit *, const char *);
/* Take the word list (NULL-terminated, owned from now on). */
void			 sqledit_set_words(struct sqledit *, char **, size_t);
/* Lines it wants on screen: its text's, at least min, at most max. */
int			 sqledit_height(const struct sqledit *, int min, int max);
void			 sqledit_draw(struct sqledit *, int y, int h, int w, int focus);
void			 sqledit_place_cursor(const struct sqledit *, int y, int w);
/* The search being typed or the last completion's candidates, or NULL. */
const char		*sqledit_status(const struct sqledit *, char *, size_t);

#endif

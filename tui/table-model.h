/*
 * What a table shows of a view, without curses: which rows after the filter,
 * in what order, which are marked, where the cursor is. The view is borrowed;
 * rows are named by their number in the view ("view rows"), positions on
 * screen by their index among the rows shown.
 */
#ifndef TABLE_MODEL_H
#define TABLE_MODEL_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

struct view;

enum table_model_filter {
	TABLE_MODEL_NONE,
	TABLE_MODEL_SUBSTRING,		/* case-insensitive (ASCII) substring */
	TABLE_MODEL_REGEX,		/* POSIX extended, case-insensitive */
};

struct table_model {
	const struct view	*view;		/* borrowed */
	size_t			 nrows;		/* view rows taken in so far */

	size_t			*order;		/* owned: all rows sorted; NULL when unsorted */
	size_t			*idx;		/* owned: view rows shown, in order */
	size_t			 nshown;	/* rows in idx */
	size_t			 cap;		/* slots in idx and order */

	size_t			 sort_col;	/* SIZE_MAX: the view's own order */
	int			 descending;

	char			*expr;		/* owned: the filter as typed; NULL for none */
	enum table_model_filter	 kind;
	int			 invert;	/* a leading '!' */
	char			*needle;	/* owned: lower-cased substring */
	regex_t			 re;		/* compiled when kind is REGEX */
	uint64_t		*match;		/* owned: bit per view row, filter result */

	char			*text;		/* owned: every row's cells as shown, lower-cased */
	size_t			 textlen;	/* bytes used in text */
	size_t			 textcap;	/* bytes allocated */
	size_t			*textoff;	/* owned: row r is text[textoff[r]..textoff[r+1]) */
	size_t			 ntext;		/* rows in text; 0 until a filter needs it */

	uint64_t		*marks;		/* owned: bit per view row */
	size_t			 nmarked;	/* marks set, shown or not */

	size_t			 cur;		/* cursor, an index into idx */
	size_t			 top;		/* first index on screen */
};

void	 table_model_init(struct table_model *);
void	 table_model_free(struct table_model *);
/* Show another view: cursor, sort, filter and marks start again. */
void	 table_model_set_view(struct table_model *, const struct view *);
/* Show a fresh run of the same command: sort, filter and position kept. */
void	 table_model_replace(struct table_model *, const struct view *);
/* View rows from "from" on are new or changed (0: anything may have). */
void	 table_model_changed(struct table_model *, size_t from);

/* Sort by a column (SIZE_MAX: the view's order); ties keep the view's order. */
void	 table_model_sort(struct table_model *, size_t col, int descending);
/* The next column, ascending; after the last, the view's order again. */
void	 table_model_sort_next(struct table_model *);
/* Show only rows matching expr: text, /re/ or ~re, '!' inverts; "" for all. */
int	 table_model_filter(struct table_model *, const char *, char **cause);

/* Mark or unmark the cursor's row, then move down. */
void	 table_model_mark_toggle(struct table_model *);
/* Mark every row shown. */
void	 table_model_mark_all(struct table_model *);
void	 table_model_mark_clear(struct table_model *);
int	 table_model_is_marked(const struct table_model *, size_t row);
/* The marked rows that are shown, in screen order (caller frees *rows). */
size_t	 table_model_marked(const struct table_model *, size_t **rows);

void	 table_model_move(struct table_model *, long delta);
/* 0 is the first row, SIZE_MAX the last. */
void	 table_model_move_to(struct table_model *, size_t pos);
void	 table_model_page(struct table_model *, long pages, size_t page_h);
/* The cursor's view row, or SIZE_MAX when nothing is shown. */
size_t	 table_model_current(const struct table_model *);
size_t	 table_model_shown(const struct table_model *);
/* The view row at a screen index (SIZE_MAX past the end). */
size_t	 table_model_row(const struct table_model *, size_t pos);
/* Keep the cursor on screen for h rows; returns the new top. */
size_t	 table_model_scroll(struct table_model *, size_t h);

#endif

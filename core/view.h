/*
 * A view: a table with typed columns that a command fills and every front
 * end renders (the TUI's table widget, -o table|json|tsv|csv, batch JSON).
 */
#ifndef VIEW_H
#define VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum view_type {
	VIEW_TEXT,
	VIEW_NUMBER,	/* integer */
	VIEW_BYTES,	/* integer bytes, shown 1.2MiB */
	VIEW_DURATION,	/* integer milliseconds, shown 250ms / 1.5s */
	VIEW_TIME,	/* integer unix seconds, shown ISO 8601 UTC */
	VIEW_STATE,	/* text with a state colour: up, down, running, failed ... */
};

struct view_cell {
	char		*text;		/* owned; NULL for a number or null */
	int64_t		 num;
	int		 isnum;
};

struct view_column {
	char		*name;		/* owned, lower-case, used as JSON key */
	enum view_type	 type;
};

struct view {
	char			*title;		/* owned */
	struct view_column	*cols;
	size_t			 ncols;
	struct view_cell	*cells;		/* nrows * ncols, row-major */
	size_t			 nrows;
	size_t			 rowcap;
};

struct view	*view_new(const char *title);
void		 view_free(struct view *);
size_t		 view_add_column(struct view *, const char *name, enum view_type);
size_t		 view_add_row(struct view *);
void		 view_set_text(struct view *, size_t row, size_t col, const char *);
void		 view_set_num(struct view *, size_t row, size_t col, int64_t);
const struct view_cell *view_cell(const struct view *, size_t row, size_t col);
/* The text a person sees for a cell (formatted for its type); into out. */
const char	*view_cell_display(const struct view *, size_t row, size_t col,
		     char *out, size_t len);
ssize_t		 view_column_index(const struct view *, const char *name);
/* Sort rows by a column, numbers numerically, stable. */
void		 view_sort(struct view *, size_t col, int descending);

#endif

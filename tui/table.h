/*
 * The table widget: draws a view through a table model (tui/table-model.h),
 * formatting only the rows on screen. Sort, filter, marks and the cursor are
 * the model's; key bindings call table_model_* on t->model.
 */
#ifndef TABLE_H
#define TABLE_H

#include <stddef.h>

#include "tui/table-model.h"

struct view;

/*
 * What a pane may add to the widget's drawing: an attribute for a row (a
 * change shown in bold for a while) and cells it draws itself (several
 * coloured state marks in one cell). Optional slots are NULL.
 */
struct table_hooks {
	int	(*row_attr)(void *arg, size_t row);	/* extra attributes, or 0 */
	/* Draw view cell (row, col) in w cells at (y, x); 0 leaves it to the widget. */
	int	(*cell)(void *arg, size_t row, size_t col, int y, int x, int w,
		    int cursor);
};

struct table {
	const struct view	*view;		/* borrowed; the model's view */
	size_t			 top;		/* obsolete: ignored, the model has the cursor */
	size_t			 cur;		/* obsolete: ignored, the model has the cursor */
	struct table_model	 model;
	char			*title;		/* owned: the view's title, to know a refresh */
	size_t			 ncols;		/* and its column count */
	int			 body;		/* rows drawn last time: a page */
	const struct table_hooks *hooks;	/* or NULL */
	void			*hooks_arg;	/* passed to the hooks */
};

void	table_init(struct table *);
void	table_free(struct table *);
/*
 * Show a view. One with the same title and columns as the last: a refresh,
 * which keeps sort, filter and position (marks go). Otherwise everything
 * starts again. Rows appended to the view shown are taken in when drawn;
 * after changing cells of a large view call table_model_changed().
 */
void	table_set_view(struct table *, const struct view *);
void	table_draw(struct table *, int y, int x, int h, int w);
/* Draw the ellipsis, sort arrows and "not known yet" in ASCII (1) or UTF-8 (0). */
void	table_set_ascii(int);
/* Keys for moving, and Space to mark; returns 1 if the key was one of them. */
int	table_key(struct table *, int key, int page);

/* What the console's commands and panes use. */
int	table_put_text(const char *, int w);
int	table_put_text_at(int y, int x, const char *, int w);
void	table_move(struct table *, long delta);
void	table_move_to(struct table *, size_t pos);
size_t	table_current(struct table *);
int	table_filter(struct table *, const char *, char **cause);
int	table_filtered(struct table *);
size_t	table_shown(struct table *);
int	table_sort_by(struct table *, const char *column, int reverse, char **cause);
void	table_mark_toggle(struct table *);
void	table_mark_all(struct table *, int on);
size_t	table_marked(struct table *, size_t **rows);

#endif

/* The table widget: draws a view with a cursor, drawing only the rows on screen. */
#ifndef TABLE_H
#define TABLE_H

#include <stddef.h>

struct view;

struct table {
	const struct view	*view;		/* borrowed */
	size_t			 top;		/* first row on screen */
	size_t			 cur;		/* the cursor's row */
};

void	table_set_view(struct table *, const struct view *);
void	table_draw(struct table *, int y, int x, int h, int w);
/* Keys for moving; returns 1 if the key was one of them. */
int	table_key(struct table *, int key, int page);

void	table_init(struct table *);
void	table_free(struct table *);
void	table_replace_view(struct table *, const struct view *);
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

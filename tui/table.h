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

#endif

/* Unit tests for growable buffers and views. */
#include "config.h"

#include "core/buf.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tests/unit/tap.h"

static void
test_buf(void)
{
	struct buf	 b;
	char		*s;
	int		 i;

	buf_init(&b);
	is_str(buf_str(&b), "", "an empty buffer reads as an empty string");
	buf_adds(&b, "hello");
	buf_addc(&b, ' ');
	buf_printf(&b, "%s %d", "world", 42);
	is_str(b.data, "hello world 42", "add, addc and printf append");
	buf_consume(&b, 6);
	is_str(b.data, "world 42", "consume drops the front");
	for (i = 0; i < 10000; i++)
		buf_addc(&b, 'x');
	is_int((long long)b.len, 10008, "grows past many doublings");
	s = buf_steal(&b);
	ok(b.data == NULL && b.len == 0, "steal leaves the buffer empty");
	free(s);
	buf_free(&b);
}

static void
test_view(void)
{
	struct view	*v = view_new("t");
	char		 tmp[64];
	size_t		 r;

	view_add_column(v, "name", VIEW_TEXT);
	view_add_column(v, "size", VIEW_BYTES);
	view_add_column(v, "took", VIEW_DURATION);
	r = view_add_row(v);
	view_set_text(v, r, 0, "b");
	view_set_num(v, r, 1, 1536);
	view_set_num(v, r, 2, 250);
	r = view_add_row(v);
	view_set_text(v, r, 0, "a");
	view_set_num(v, r, 1, 10);
	r = view_add_row(v);
	view_set_text(v, r, 0, "c");
	view_set_num(v, r, 1, 10);
	is_str(view_cell_display(v, 0, 1, tmp, sizeof tmp), "1.5KiB", "bytes shown in KiB");
	is_str(view_cell_display(v, 0, 2, tmp, sizeof tmp), "250ms", "duration shown in ms");
	is_str(view_cell_display(v, 1, 2, tmp, sizeof tmp), "", "an unset cell is empty");
	view_sort(v, 1, 0);
	is_str(view_cell(v, 0, 0)->text, "a", "sorted by size: smallest first");
	is_str(view_cell(v, 1, 0)->text, "c", "equal sizes keep their order (stable)");
	is_str(view_cell(v, 2, 0)->text, "b", "largest last");
	view_sort(v, 0, 1);
	is_str(view_cell(v, 0, 0)->text, "c", "sorted by name descending");
	is_int((long long)view_column_index(v, "TOOK"), 2, "columns found by name");
	view_free(v);
}

int
main(void)
{
	test_buf();
	test_view();
	return (tap_done());
}

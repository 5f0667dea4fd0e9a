/* Printing views in scripted mode: aligned table, JSON array, TSV, CSV and YAML. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "core/buf.h"
#include "core/jsonyaml.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"

int
output_parse_format(const char *s, enum output_format *f)
{
	if (strcmp(s, "table") == 0)
		*f = OUTPUT_TABLE;
	else if (strcmp(s, "json") == 0)
		*f = OUTPUT_JSON;
	else if (strcmp(s, "tsv") == 0)
		*f = OUTPUT_TSV;
	else if (strcmp(s, "csv") == 0)
		*f = OUTPUT_CSV;
	else if (strcmp(s, "yaml") == 0)
		*f = OUTPUT_YAML;
	else
		return (-1);
	return (0);
}

/* Colour for a state word: green for good, red for bad, yellow between. */
static const char *
output_state_color(const char *s)
{
	static const char *const good[] = { "up", "ok", "success", "running",
	    "healthy", "completed", "succeeded", NULL };
	static const char *const bad[] = { "down", "failed", "error", "auth-failed",
	    "upstream_failed", NULL };
	size_t	i;

	for (i = 0; good[i] != NULL; i++) {
		if (strcmp(s, good[i]) == 0)
			return ("\033[32m");
	}
	for (i = 0; bad[i] != NULL; i++) {
		if (strcmp(s, bad[i]) == 0)
			return ("\033[31m");
	}
	return ("\033[33m");
}

static int
output_right_aligned(enum view_type t)
{
	return (t == VIEW_NUMBER || t == VIEW_BYTES || t == VIEW_DURATION);
}

static char *
output_cell_text(const struct view *v, size_t r, size_t c)
{
	struct buf	 b;
	char		 tmp[64];
	const char	*s;

	s = view_cell_display(v, r, c, tmp, sizeof tmp);
	buf_init(&b);
	util_sanitize(&b, s, strlen(s));
	return (buf_steal(&b));
}

static void
output_pad(FILE *f, size_t n)
{
	while (n-- > 0)
		fputc(' ', f);
}

/* A table like kubectl's: upper-case headers, columns two spaces apart. */
static void
output_table(FILE *f, const struct view *v, int color)
{
	size_t	*w, r, c, cw;
	char	**cells, *name;

	w = xcalloc(v->ncols, sizeof *w);
	cells = xcalloc(v->nrows * v->ncols + 1, sizeof *cells);
	for (c = 0; c < v->ncols; c++)
		w[c] = strlen(v->cols[c].name);
	for (r = 0; r < v->nrows; r++) {
		for (c = 0; c < v->ncols; c++) {
			cells[r * v->ncols + c] = output_cell_text(v, r, c);
			cw = util_width(cells[r * v->ncols + c]);
			if (cw > w[c])
				w[c] = cw;
		}
	}
	for (c = 0; c < v->ncols; c++) {
		name = xstrdup(v->cols[c].name);
		for (char *p = name; *p != '\0'; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		if (output_right_aligned(v->cols[c].type))
			output_pad(f, w[c] - strlen(name));
		fputs(name, f);
		if (c + 1 < v->ncols && !output_right_aligned(v->cols[c].type))
			output_pad(f, w[c] - strlen(name));
		if (c + 1 < v->ncols)
			fputs("  ", f);
		free(name);
	}
	fputc('\n', f);
	for (r = 0; r < v->nrows; r++) {
		for (c = 0; c < v->ncols; c++) {
			const char *s = cells[r * v->ncols + c];
			size_t sw = util_width(s);

			if (output_right_aligned(v->cols[c].type))
				output_pad(f, w[c] - sw);
			if (color && v->cols[c].type == VIEW_STATE && *s != '\0')
				fprintf(f, "%s%s\033[0m", output_state_color(s), s);
			else
				fputs(s, f);
			if (c + 1 < v->ncols && !output_right_aligned(v->cols[c].type))
				output_pad(f, w[c] - sw);
			if (c + 1 < v->ncols)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
	for (r = 0; r < v->nrows * v->ncols; r++)
		free(cells[r]);
	free(cells);
	free(w);
}

/* Other control bytes from servers (escape sequences) never reach a terminal raw. */
static void
output_byte(FILE *f, char c)
{
	if ((unsigned char)c < 0x20 || c == 0x7f)
		fprintf(f, "\\x%02x", (unsigned char)c);
	else
		fputc(c, f);
}

/* TSV as ClickHouse writes it: tab, newline and backslash escaped. */
static void
output_tsv_field(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\t':
			fputs("\\t", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		default:
			output_byte(f, *s);
		}
	}
}

/* CSV as RFC 4180: quoted when needed, quotes doubled. */
static void
output_csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		for (; *s != '\0'; s++)
			output_byte(f, *s);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		if (*s == '\n' || *s == '\r')
			fputc(*s, f);
		else
			output_byte(f, *s);
	}
	fputc('"', f);
}

/* TSV and CSV print raw values (numbers unformatted), one header line. */
static void
output_delimited(FILE *f, const struct view *v, int csv)
{
	const struct view_cell	*cell;
	size_t			 r, c;
	char			 num[32];

	for (c = 0; c < v->ncols; c++) {
		if (c != 0)
			fputc(csv ? ',' : '\t', f);
		(csv ? output_csv_field : output_tsv_field)(f, v->cols[c].name);
	}
	fputc('\n', f);
	for (r = 0; r < v->nrows; r++) {
		for (c = 0; c < v->ncols; c++) {
			if (c != 0)
				fputc(csv ? ',' : '\t', f);
			cell = view_cell(v, r, c);
			if (cell->isnum) {
				snprintf(num, sizeof num, "%lld", (long long)cell->num);
				fputs(num, f);
			} else if (cell->text != NULL)
				(csv ? output_csv_field : output_tsv_field)(f, cell->text);
		}
		fputc('\n', f);
	}
}

/* A JSON string; text that is not UTF-8 is shown as the terminal would. */
json_t *
output_json_string(const char *s)
{
	struct buf	 b;
	json_t		*j;

	if ((j = json_string(s)) != NULL)
		return (j);
	buf_init(&b);
	util_sanitize(&b, s, strlen(s));
	j = json_string(buf_str(&b));
	buf_free(&b);
	return (j != NULL ? j : json_string(""));
}

/* An array of objects keyed by column name; numbers stay numbers, empty cells null. */
json_t *
output_view_json(const struct view *v)
{
	const struct view_cell	*cell;
	json_t			*arr, *obj;
	size_t			 r, c;

	arr = json_array();
	for (r = 0; r < v->nrows; r++) {
		obj = json_object();
		for (c = 0; c < v->ncols; c++) {
			cell = view_cell(v, r, c);
			if (cell->isnum)
				json_object_set_new(obj, v->cols[c].name, json_integer(cell->num));
			else if (cell->text != NULL)
				json_object_set_new(obj, v->cols[c].name,
				    output_json_string(cell->text));
			else
				json_object_set_new(obj, v->cols[c].name, json_null());
		}
		json_array_append_new(arr, obj);
	}
	return (arr);
}

void
output_view(FILE *f, const struct view *v, enum output_format fmt, int color)
{
	json_t	*j;

	switch (fmt) {
	case OUTPUT_TABLE:
		output_table(f, v, color);
		break;
	case OUTPUT_JSON:
		j = output_view_json(v);
		json_dumpf(j, f, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		fputc('\n', f);
		json_decref(j);
		break;
	case OUTPUT_TSV:
		output_delimited(f, v, 0);
		break;
	case OUTPUT_CSV:
		output_delimited(f, v, 1);
		break;
	case OUTPUT_YAML:
		j = output_view_json(v);
		jsonyaml_dump(f, j);
		json_decref(j);
		break;
	}
}

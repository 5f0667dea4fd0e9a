/*
 * The S3 pane's preview: the first 64 KiB of an object shown as what it
 * is, JSON pretty-printed, CSV as a table, text as lines and anything else
 * as a hex dump, in the table widget so it scrolls, filters and sanitizes
 * the server's bytes like every other view.
 */
#include "config.h"

#include <curses.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/pane-s3.h"

#define S3_PREVIEW_COLS	64	/* CSV columns shown at most */

/* A key's extension, lower-case comparison against one of ours. */
static int
s3_preview_ext(const char *key, const char *ext)
{
	size_t	kl = strlen(key), el = strlen(ext);

	return (kl > el && key[kl - el - 1] == '.' && strcasecmp(key + kl - el, ext) == 0);
}

/* Binary when a NUL or many control bytes are in it (tabs, newlines, ESC aside). */
static int
s3_preview_binary(const char *s, size_t len)
{
	size_t	i, ctl = 0;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == 0)
			return (1);
		if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' && ch != 27)
			ctl++;
	}
	return (len > 0 && ctl * 20 > len);
}

/* Lines of text into a one-column view; tabs expanded, the widget escapes the rest. */
static void
s3_preview_lines(struct view *v, const char *s, size_t len)
{
	struct buf	b;
	size_t		i, row, col = 0;

	buf_init(&b);
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '\n') {
			if (i == len && b.len == 0 && col == 0 && i > 0)
				break;
			if (b.len > 0 && b.data[b.len - 1] == '\r')
				b.len--;
			buf_addc(&b, '\0');
			row = view_add_row(v);
			view_set_text(v, row, 0, b.data);
			buf_reset(&b);
			col = 0;
			continue;
		}
		if (s[i] == '\t') {
			do {
				buf_addc(&b, ' ');
			} while (++col % 8 != 0);
			continue;
		}
		buf_addc(&b, s[i]);
		col++;
	}
	buf_free(&b);
}

static void
s3_preview_hex(struct view *v, const char *s, size_t len)
{
	char	line[96];
	size_t	off, i, n, row;

	for (off = 0; off < len; off += 16) {
		n = snprintf(line, sizeof line, "%08zx ", off);
		for (i = 0; i < 16; i++) {
			if (off + i < len)
				n += snprintf(line + n, sizeof line - n, " %02x",
				    (unsigned char)s[off + i]);
			else
				n += snprintf(line + n, sizeof line - n, "   ");
		}
		n += snprintf(line + n, sizeof line - n, "  |");
		for (i = 0; i < 16 && off + i < len; i++) {
			unsigned char ch = (unsigned char)s[off + i];

			line[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '.';
		}
		line[n++] = '|';
		line[n] = '\0';
		row = view_add_row(v);
		view_set_text(v, row, 0, line);
	}
}

/* One CSV record from s at *pos (RFC 4180 quotes); fields into out. */
static size_t
s3_preview_csv_record(const char *s, size_t len, size_t *pos, char sep, char ***out)
{
	struct buf	 b;
	char		**f = NULL;
	size_t		 n = 0, i = *pos;
	int		 quoted = 0, end = 0;

	buf_init(&b);
	while (!end) {
		if (i >= len || (!quoted && (s[i] == '\n' || s[i] == sep))) {
			if (b.len > 0 && b.data[b.len - 1] == '\r' && !quoted)
				b.len--;
			buf_addc(&b, '\0');
			f = xreallocarray(f, n + 1, sizeof *f);
			f[n++] = xstrdup(b.data);
			buf_reset(&b);
			end = i >= len || s[i] == '\n';
			i++;
			continue;
		}
		if (s[i] == '"') {
			if (quoted && i + 1 < len && s[i + 1] == '"') {
				buf_addc(&b, '"');
				i += 2;
				continue;
			}
			quoted = !quoted;
			i++;
			continue;
		}
		buf_addc(&b, s[i++]);
	}
	buf_free(&b);
	*pos = i;
	*out = f;
	return (n);
}

static void
s3_preview_csv(struct view *v, const char *s, size_t len, char sep)
{
	char	**f, name[32];
	size_t	  pos = 0, n, i, row, ncols;

	n = s3_preview_csv_record(s, len, &pos, sep, &f);
	ncols = n < S3_PREVIEW_COLS ? n : S3_PREVIEW_COLS;
	for (i = 0; i < ncols; i++) {
		if (*f[i] == '\0')
			snprintf(name, sizeof name, "column%zu", i + 1);
		view_add_column(v, *f[i] != '\0' ? f[i] : name, VIEW_TEXT);
	}
	for (i = 0; i < n; i++)
		free(f[i]);
	free(f);
	while (pos < len) {
		n = s3_preview_csv_record(s, len, &pos, sep, &f);
		if (!(n == 1 && *f[0] == '\0')) {
			row = view_add_row(v);
			for (i = 0; i < n && i < ncols; i++)
				view_set_text(v, row, i, f[i]);
		}
		for (i = 0; i < n; i++)
			free(f[i]);
		free(f);
	}
}

/* The fetched bytes into the preview screen's view. */
void
s3_preview_render(struct tui *t, struct s3pane *st, const char *key, const char *ctype)
{
	const char	*s = st->pbuf, *kind;
	size_t		 len = st->plen, i, cut;
	int		 truncated = st->psize > st->plen;
	struct view	*v;
	json_t		*j = NULL;
	json_error_t	 err;
	char		*pretty, *title, size[32];

	for (i = 0; i < len && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' ||
	    s[i] == '\r'); i++)
		;
	/* A cut object ends mid-line: that last line is left out of CSV and text. */
	cut = len;
	if (truncated) {
		while (cut > 0 && s[cut - 1] != '\n')
			cut--;
		if (cut == 0)
			cut = len;
	}
	if ((s3_preview_ext(key, "json") || (ctype != NULL && strstr(ctype, "json")) ||
	    (i < len && (s[i] == '{' || s[i] == '['))) &&
	    (j = json_loadb(s, len, JSON_DECODE_ANY, &err)) != NULL &&
	    (pretty = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_ENCODE_ANY)) != NULL) {
		kind = "JSON";
		v = view_new(kind);
		view_add_column(v, "json", VIEW_TEXT);
		s3_preview_lines(v, pretty, strlen(pretty));
		free(pretty);
	} else if (!s3_preview_binary(s, len) && (s3_preview_ext(key, "csv") ||
	    s3_preview_ext(key, "tsv") || (ctype != NULL && strstr(ctype, "csv")))) {
		kind = s3_preview_ext(key, "tsv") ? "TSV" : "CSV";
		v = view_new(kind);
		s3_preview_csv(v, s, cut, *kind == 'T' ? '\t' : ',');
	} else if (!s3_preview_binary(s, len)) {
		kind = "text";
		v = view_new(kind);
		view_add_column(v, "text", VIEW_TEXT);
		s3_preview_lines(v, s, cut);
	} else {
		kind = "binary";
		v = view_new(kind);
		view_add_column(v, "hex", VIEW_TEXT);
		s3_preview_hex(v, s, len);
	}
	if (j != NULL)
		json_decref(j);
	util_format_bytes(size, sizeof size, (int64_t)st->psize);
	if (truncated)
		title = xprintf("%s  %s, %s: only the first %zu KiB shown", key, kind, size,
		    len / 1024);
	else
		title = xprintf("%s  %s, %s", key, kind, size);
	free(st->preview.why);
	st->preview.why = title;	/* the top line, while a view is shown */
	pane_set_view(t, &st->preview, v);
}

/* The top line says what is shown and whether it is only the start. */
static void
s3_preview_draw(struct tui *t, struct pane *p, int y, int h)
{
	struct s3pane	*st = s3_pane(t);
	int		 ok = p->own != NULL;

	attrset(theme_attr(ok ? THEME_TITLE : THEME_MUTED));
	mvhline(y, 0, ' ', COLS);
	move(y, 1);
	if (ok)
		table_put_text(p->why != NULL ? p->why : "", COLS - 2);
	else if (st != NULL && st->preview_title != NULL)
		table_put_text(st->preview_title, COLS - 2);
	attrset(A_NORMAL);
	if (ok && p->own->nrows > 0) {
		table_draw(&p->table, y + 1, 0, h - 1, COLS);
		return;
	}
	attrset(theme_attr(!ok && p->why != NULL ? THEME_ERROR : THEME_MUTED));
	if (!ok && p->why != NULL)
		table_put_text_at(y + 2, 2, p->why, COLS - 3);
	else if (st != NULL && st->get != NULL)
		mvaddnstr(y + 2, 2, "loading...", COLS - 3);
	else
		mvaddnstr(y + 2, 2, "The object is empty.", COLS - 3);
	attrset(A_NORMAL);
}

const struct pane_type pane_s3_preview = {
	.name = "Preview",
	.empty = "Nothing to preview.",
	.hints = "Esc back  / filter",
	.draw = s3_preview_draw,
};

/*
 * The SQL editor. Like the ':' prompt (tui/prompt.c) it draws inside the
 * curses screen rather than through readline, but it holds several lines:
 * Enter adds a line, and runs the query only after a closing ';'.
 */
#include "config.h"

#include <ctype.h>
#include <curses.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "tui/sqledit.h"

#define SQLEDIT_HISTORY_MAX	1000
#define SQLEDIT_NOTE_MAX	8	/* candidates listed after an ambiguous Tab */

void
sqledit_init(struct sqledit *e)
{
	memset(e, 0, sizeof *e);
	buf_init(&e->text);
	buf_init(&e->search);
	e->smatch = SIZE_MAX;
}

static void
sqledit_free_words(struct sqledit *e)
{
	size_t	i;

	for (i = 0; i < e->nwords; i++)
		free(e->words[i]);
	free(e->words);
	e->words = NULL;
	e->nwords = 0;
}

void
sqledit_free(struct sqledit *e)
{
	size_t	i;

	for (i = 0; i < e->nhistory; i++)
		free(e->history[i]);
	free(e->history);
	free(e->saved);
	free(e->hfile);
	free(e->note);
	sqledit_free_words(e);
	buf_free(&e->text);
	buf_free(&e->search);
	memset(e, 0, sizeof *e);
}

const char *
sqledit_text(const struct sqledit *e)
{
	return (buf_str(&e->text));
}

/* Replace the text (history, the external editor), the cursor at its end. */
void
sqledit_set(struct sqledit *e, const char *s)
{
	buf_reset(&e->text);
	buf_adds(&e->text, s);
	e->cursor = e->text.len;
	e->top = 0;
}

/* Queries span lines; a history file has one per line, so \n and \ are escaped. */
static char *
sqledit_escape(const char *s)
{
	struct buf	b;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			buf_adds(&b, "\\n");
		else if (*s == '\\')
			buf_adds(&b, "\\\\");
		else
			buf_addc(&b, *s);
	}
	buf_addc(&b, '\0');
	return (buf_steal(&b));
}

static char *
sqledit_unescape(const char *s)
{
	struct buf	b;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] == 'n') {
			buf_addc(&b, '\n');
			s++;
		} else if (*s == '\\' && s[1] == '\\') {
			buf_addc(&b, '\\');
			s++;
		} else
			buf_addc(&b, *s);
	}
	buf_addc(&b, '\0');
	return (buf_steal(&b));
}

void
sqledit_history_load(struct sqledit *e, const char *path)
{
	FILE	*f;
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;

	free(e->hfile);
	e->hfile = xstrdup(path);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0)
			continue;
		e->history = xreallocarray(e->history, e->nhistory + 1, sizeof *e->history);
		e->history[e->nhistory++] = sqledit_unescape(line);
	}
	free(line);
	fclose(f);
	e->hpos = e->nhistory;
}

/* History is saved whole through a temporary file and a rename, as the prompt's. */
static void
sqledit_history_save(struct sqledit *e)
{
	FILE	*f;
	char	*tmp, *dir, *s, *slash;
	size_t	 i;

	if (e->hfile == NULL)
		return;
	dir = xstrdup(e->hfile);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		util_mkdir_p(dir, 0700);
	}
	free(dir);
	tmp = xprintf("%s.tmp", e->hfile);
	if ((f = fopen(tmp, "w")) != NULL) {
		i = e->nhistory > SQLEDIT_HISTORY_MAX ? e->nhistory - SQLEDIT_HISTORY_MAX : 0;
		for (; i < e->nhistory; i++) {
			s = sqledit_escape(e->history[i]);
			fprintf(f, "%s\n", s);
			free(s);
		}
		if (fclose(f) == 0)
			rename(tmp, e->hfile);
	}
	free(tmp);
}

void
sqledit_history_add(struct sqledit *e, const char *q)
{
	if (*q == '\0' || (e->nhistory > 0 && strcmp(e->history[e->nhistory - 1], q) == 0)) {
		e->hpos = e->nhistory;
		return;
	}
	e->history = xreallocarray(e->history, e->nhistory + 1, sizeof *e->history);
	e->history[e->nhistory++] = xstrdup(q);
	e->hpos = e->nhistory;
	sqledit_history_save(e);
}

void
sqledit_set_words(struct sqledit *e, char **words, size_t n)
{
	sqledit_free_words(e);
	e->words = words;
	e->nwords = n;
}

static void
sqledit_insert(struct sqledit *e, const char *s, size_t n)
{
	struct buf	nb;

	buf_init(&nb);
	buf_add(&nb, buf_str(&e->text), e->cursor);
	buf_add(&nb, s, n);
	buf_adds(&nb, buf_str(&e->text) + e->cursor);
	if (nb.data == NULL)
		buf_adds(&nb, "");
	buf_free(&e->text);
	e->text = nb;
	e->cursor += n;
}

static void
sqledit_delete(struct sqledit *e, size_t from, size_t to)
{
	if (from >= to || to > e->text.len)
		return;
	memmove(e->text.data + from, e->text.data + to, e->text.len - to + 1);
	e->text.len -= to - from;
	e->cursor = from;
}

/* Where the cursor's line starts and ends, and which line it is. */
static size_t
sqledit_line_start(const struct sqledit *e, size_t at)
{
	while (at > 0 && e->text.data[at - 1] != '\n')
		at--;
	return (at);
}

static size_t
sqledit_line_end(const struct sqledit *e, size_t at)
{
	while (at < e->text.len && e->text.data[at] != '\n')
		at++;
	return (at);
}

static int
sqledit_line_of(const struct sqledit *e, size_t at)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < at && i < e->text.len; i++)
		n += e->text.data[i] == '\n';
	return (n);
}

int
sqledit_height(const struct sqledit *e, int min, int max)
{
	int	n = sqledit_line_of(e, e->text.len) + 1;

	return (n < min ? min : n > max ? max : n);
}

/* Up and Down move between lines, and past the first or last into history. */
static void
sqledit_vertical(struct sqledit *e, int up)
{
	size_t	start = sqledit_line_start(e, e->cursor), col = e->cursor - start, to;

	if (up && start > 0) {
		to = sqledit_line_start(e, start - 1);
		e->cursor = to + col < start - 1 ? to + col : start - 1;
		return;
	}
	if (!up && sqledit_line_end(e, e->cursor) < e->text.len) {
		to = sqledit_line_end(e, e->cursor) + 1;
		e->cursor = to + col < sqledit_line_end(e, to) ? to + col : sqledit_line_end(e, to);
		return;
	}
	if (up && e->hpos > 0) {
		if (e->hpos == e->nhistory) {
			free(e->saved);
			e->saved = xstrdup(buf_str(&e->text));
		}
		sqledit_set(e, e->history[--e->hpos]);
	} else if (!up && e->hpos < e->nhistory) {
		e->hpos++;
		sqledit_set(e, e->hpos < e->nhistory ? e->history[e->hpos] :
		    e->saved != NULL ? e->saved : "");
	}
}

/* The newest history entry before "before" that contains the search. */
static void
sqledit_search_find(struct sqledit *e, size_t before)
{
	size_t	i;

	for (i = before; i > 0; i--) {
		if (strstr(e->history[i - 1], buf_str(&e->search)) != NULL) {
			e->smatch = i - 1;
			sqledit_set(e, e->history[i - 1]);
			return;
		}
	}
}

void
sqledit_search(struct sqledit *e)
{
	if (e->searching) {
		sqledit_search_find(e, e->smatch != SIZE_MAX ? e->smatch : e->nhistory);
		return;
	}
	e->searching = 1;
	buf_reset(&e->search);
	e->smatch = SIZE_MAX;
	free(e->saved);
	e->saved = xstrdup(buf_str(&e->text));
}

/* Keys while searching: typing narrows, C-r goes older, C-g gives up. */
static enum sqledit_result
sqledit_search_key(struct sqledit *e, int key)
{
	switch (key) {
	case 18:	/* C-r */
		sqledit_search(e);
		return (SQLEDIT_DONE);
	case 7:		/* C-g */
	case 3:
		sqledit_set(e, e->saved != NULL ? e->saved : "");
		e->searching = 0;
		return (SQLEDIT_DONE);
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (e->search.len > 0)
			e->search.data[--e->search.len] = '\0';
		sqledit_search_find(e, e->nhistory);
		return (SQLEDIT_DONE);
	}
	if (key >= 32 && key < 256 && key != 127) {
		buf_addc(&e->search, (char)key);
		sqledit_search_find(e, e->smatch != SIZE_MAX ? e->smatch + 1 : e->nhistory);
		return (SQLEDIT_DONE);
	}
	/* Anything else keeps the match and is then an ordinary key. */
	e->searching = 0;
	if (e->smatch != SIZE_MAX)
		e->hpos = e->smatch;
	return (key == 27 || key == '\r' || key == '\n' || key == KEY_ENTER ?
	    SQLEDIT_DONE : sqledit_key(e, key));
}

static int
sqledit_wordchar(char c)
{
	return (isalnum((unsigned char)c) || c == '_' || c == '.' || (c & 0x80));
}

/* Tab: complete the word before the cursor; with nothing to complete, leave. */
static enum sqledit_result
sqledit_complete(struct sqledit *e)
{
	struct buf	 note;
	size_t		 start = e->cursor, len, i, common = 0, nmatch = 0;
	const char	*word, *first = NULL;
	char		*ins;
	int		 lower;

	free(e->note);
	e->note = NULL;
	while (start > 0 && sqledit_wordchar(e->text.data[start - 1]))
		start--;
	if (start == e->cursor)
		return (SQLEDIT_LEAVE);
	word = e->text.data + start;
	len = e->cursor - start;
	buf_init(&note);
	for (i = 0; i < e->nwords; i++) {
		const char *w = e->words[i];
		size_t k;

		if (strncasecmp(w, word, len) != 0 || (i > 0 && strcmp(w, e->words[i - 1]) == 0))
			continue;
		if (nmatch < SQLEDIT_NOTE_MAX)
			buf_printf(&note, "%s%s", nmatch > 0 ? "  " : "", w);
		nmatch++;
		if (first == NULL) {
			first = w;
			common = strlen(w);
			continue;
		}
		for (k = len; k < common && tolower((unsigned char)first[k]) ==
		    tolower((unsigned char)w[k]); k++)
			;
		common = k;
	}
	if (nmatch > 1) {
		if (nmatch > SQLEDIT_NOTE_MAX)
			buf_printf(&note, "  (%zu in all)", nmatch);
		e->note = buf_steal(&note);
	} else
		buf_free(&note);
	if (first == NULL || common < len)
		return (SQLEDIT_DONE);
	/* Keywords follow what is typed: "sel" becomes "select", "SEL" "SELECT". */
	lower = 1;
	for (i = 0; i < len; i++)
		lower &= !isupper((unsigned char)word[i]);
	ins = xstrndup(first + len, common - len);
	if (lower) {
		int allupper = 1;

		for (i = 0; first[i] != '\0'; i++)
			allupper &= !islower((unsigned char)first[i]);
		for (i = 0; allupper && ins[i] != '\0'; i++)
			ins[i] = (char)tolower((unsigned char)ins[i]);
	}
	sqledit_insert(e, ins, strlen(ins));
	free(ins);
	return (SQLEDIT_DONE);
}

/* Does the text end in ';' (spaces after it allowed)? Then Enter runs it. */
static int
sqledit_complete_query(const struct sqledit *e)
{
	size_t	n = e->text.len;

	if (e->cursor != n)
		return (0);
	while (n > 0 && isspace((unsigned char)e->text.data[n - 1]))
		n--;
	return (n > 0 && e->text.data[n - 1] == ';');
}

enum sqledit_result
sqledit_key(struct sqledit *e, int key)
{
	size_t	i;
	char	c;

	if (e->searching)
		return (sqledit_search_key(e, key));
	if (key != '\t') {
		free(e->note);
		e->note = NULL;
	}
	switch (key) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (sqledit_complete_query(e))
			return (SQLEDIT_RUN);
		sqledit_insert(e, "\n", 1);
		break;
	case 27:
		return (SQLEDIT_LEAVE);
	case '\t':
		return (sqledit_complete(e));
	case 18:	/* C-r */
		sqledit_search(e);
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (e->cursor == 0)
			break;
		i = e->cursor - 1;
		while (i > 0 && (e->text.data[i] & 0xc0) == 0x80)
			i--;
		sqledit_delete(e, i, e->cursor);
		break;
	case KEY_DC:
	case 4:
		i = e->cursor + 1;
		while (i < e->text.len && (e->text.data[i] & 0xc0) == 0x80)
			i++;
		if (e->cursor < e->text.len)
			sqledit_delete(e, e->cursor, i);
		break;
	case KEY_LEFT:
	case 2:
		while (e->cursor > 0 && (e->text.data[--e->cursor] & 0xc0) == 0x80)
			;
		break;
	case KEY_RIGHT:
	case 6:
		if (e->cursor < e->text.len)
			e->cursor++;
		while (e->cursor < e->text.len && (e->text.data[e->cursor] & 0xc0) == 0x80)
			e->cursor++;
		break;
	case KEY_UP:
	case 16:
		sqledit_vertical(e, 1);
		break;
	case KEY_DOWN:
	case 14:
		sqledit_vertical(e, 0);
		break;
	case KEY_HOME:
	case 1:
		e->cursor = sqledit_line_start(e, e->cursor);
		break;
	case KEY_END:
		e->cursor = sqledit_line_end(e, e->cursor);
		break;
	case 21:	/* C-u: the whole query */
		sqledit_set(e, "");
		break;
	case 11:	/* C-k: to the end of the line */
		sqledit_delete(e, e->cursor, sqledit_line_end(e, e->cursor));
		break;
	case 23:	/* C-w */
		i = e->cursor;
		while (i > 0 && isspace((unsigned char)e->text.data[i - 1]))
			i--;
		while (i > 0 && !isspace((unsigned char)e->text.data[i - 1]))
			i--;
		sqledit_delete(e, i, e->cursor);
		break;
	default:
		if (key >= 32 && key < 256 && key != 127) {
			c = (char)key;
			sqledit_insert(e, &c, 1);
			break;
		}
		return (SQLEDIT_PASS);
	}
	return (SQLEDIT_DONE);
}

/* Lines from top; the cursor's line scrolls sideways to keep it in sight. */
void
sqledit_draw(struct sqledit *e, int y, int h, int w, int focus)
{
	struct buf	 b;
	int		 line = sqledit_line_of(e, e->cursor), i;
	size_t		 at = 0, end, skip, cstart;

	if ((size_t)line < e->top)
		e->top = (size_t)line;
	if ((size_t)line >= e->top + (size_t)h)
		e->top = (size_t)line - (size_t)h + 1;
	for (i = 0; (size_t)i < e->top && at < e->text.len; i++)
		at = sqledit_line_end(e, at) + 1;
	cstart = sqledit_line_start(e, e->cursor);
	buf_init(&b);
	for (i = 0; i < h; i++) {
		move(y + i, 0);
		clrtoeol();
		attrset(A_BOLD);
		mvaddstr(y + i, 0, i == 0 && e->top == 0 ? (focus ? "SQL>" : "sql>") : "   >");
		attrset(A_NORMAL);
		if (at > e->text.len)
			continue;
		end = sqledit_line_end(e, at);
		skip = 0;
		if (at == cstart && e->cursor - cstart >= (size_t)w - 6)
			skip = e->cursor - cstart - ((size_t)w - 6) + 1;
		buf_reset(&b);
		if (end > at + skip)
			util_sanitize(&b, e->text.data + at + skip, end - at - skip);
		move(y + i, 5);
		addnstr(b.len != 0 ? buf_str(&b) : "", w - 6);
		at = end + 1;
	}
	buf_free(&b);
}

void
sqledit_place_cursor(const struct sqledit *e, int y, int w)
{
	size_t	 cstart = sqledit_line_start(e, e->cursor), col = e->cursor - cstart;
	char	*head;
	int	 x;

	if (col >= (size_t)w - 6)
		col = (size_t)w - 7;
	head = xstrndup(e->text.data != NULL ? e->text.data + cstart : "", col);
	x = 5 + (int)util_width(head);
	free(head);
	move(y + sqledit_line_of(e, e->cursor) - (int)e->top, x < w ? x : w - 1);
}

const char *
sqledit_status(const struct sqledit *e, char *out, size_t len)
{
	if (e->searching) {
		snprintf(out, len, "(reverse-i-search)'%s'%s  C-r older  Enter keep  C-g cancel",
		    buf_str(&e->search), e->smatch == SIZE_MAX && e->search.len > 0 ?
		    " not found" : "");
		return (out);
	}
	return (e->note);
}

/*
 * The ':' prompt. A small line editor of our own rather than readline's
 * callback interface: readline writes to the terminal itself and fights
 * curses for it, while this draws inside the curses screen like every other
 * widget. It has the usual keys: arrows, Home/End, Ctrl-A/E/U/K/W, history
 * (kept in $XDG_STATE_HOME/platform-tui/history) and Tab completion.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cmd.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "tui/prompt.h"

#define PROMPT_HISTORY_MAX 500

void
prompt_init(struct prompt *p, struct cmd_env *env)
{
	FILE	*f;
	char	 line[4096];
	size_t	 n;

	memset(p, 0, sizeof *p);
	buf_init(&p->line);
	p->hfile = util_xdg_path("state", "history");
	if ((f = fopen(p->hfile, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		n = strcspn(line, "\n");
		line[n] = '\0';
		if (n == 0)
			continue;
		p->history = xreallocarray(p->history, p->nhistory + 1, sizeof *p->history);
		p->history[p->nhistory++] = xstrdup(line);
	}
	fclose(f);
}

/* History is saved whole, through a temporary file and a rename. */
static void
prompt_save(struct prompt *p)
{
	FILE	*f;
	char	*tmp, *dir;
	size_t	 i = p->nhistory > PROMPT_HISTORY_MAX ? p->nhistory - PROMPT_HISTORY_MAX : 0;

	dir = util_xdg_dir("state");
	util_mkdir_p(dir, 0700);
	free(dir);
	tmp = xprintf("%s.tmp", p->hfile);
	if ((f = fopen(tmp, "w")) != NULL) {
		for (; i < p->nhistory; i++)
			fprintf(f, "%s\n", p->history[i]);
		if (fclose(f) == 0)
			rename(tmp, p->hfile);
	}
	free(tmp);
}

void
prompt_free(struct prompt *p)
{
	size_t	i;

	for (i = 0; i < p->nhistory; i++)
		free(p->history[i]);
	free(p->history);
	free(p->hfile);
	buf_free(&p->line);
}

void
prompt_open(struct prompt *p)
{
	p->active = 1;
	buf_reset(&p->line);
	p->cursor = 0;
	p->hpos = p->nhistory;
	curs_set(1);
}

void
prompt_close(struct prompt *p)
{
	p->active = 0;
	curs_set(0);
}

const char *
prompt_text(const struct prompt *p)
{
	return (buf_str(&p->line));
}

/* Replace the line (history, or text a key typed), the cursor at its end. */
void
prompt_set(struct prompt *p, const char *s)
{
	buf_reset(&p->line);
	buf_adds(&p->line, s);
	p->cursor = p->line.len;
}

static void
prompt_insert(struct prompt *p, const char *s, size_t n)
{
	struct buf	nb;

	buf_init(&nb);
	buf_add(&nb, buf_str(&p->line), p->cursor);
	buf_add(&nb, s, n);
	buf_adds(&nb, buf_str(&p->line) + p->cursor);
	buf_free(&p->line);
	p->line = nb;
	p->cursor += n;
}

static void
prompt_delete(struct prompt *p, size_t from, size_t to)
{
	if (from >= to || to > p->line.len)
		return;
	memmove(p->line.data + from, p->line.data + to, p->line.len - to + 1);
	p->line.len -= to - from;
	p->cursor = from;
}

/* Where the words after a command come from: the console's loaded views. */
static char	**(*prompt_words_cb)(const char *, void *);
static void	 *prompt_words_arg;

void
prompt_set_words(char **(*cb)(const char *, void *), void *arg)
{
	prompt_words_cb = cb;
	prompt_words_arg = arg;
}

/* The longest common extension of word among candidates; NULL if none. */
static char *
prompt_extend(const char *line, size_t wstart, char **cands)
{
	const char	*word = line + wstart, *first = NULL;
	size_t		 len = strlen(word), common = 0, i, k;

	for (i = 0; cands != NULL && cands[i] != NULL; i++) {
		if (strncmp(cands[i], word, len) != 0)
			continue;
		if (first == NULL) {
			first = cands[i];
			common = strlen(first);
		} else {
			for (k = len; k < common && first[k] == cands[i][k]; k++)
				;
			common = k;
		}
	}
	if (first == NULL || common <= len)
		return (NULL);
	return (xprintf("%.*s%.*s%s", (int)wstart, line, (int)common, first,
	    first[common] == '\0' ? " " : ""));
}

/*
 * Complete a command name, or else the last word from what the console has
 * loaded (pane names, DAG ids, buckets, columns...).
 */
char *
prompt_complete(const char *line)
{
	const struct cmd_entry	*e;
	char			**names = NULL, **words, *s, *prefix;
	size_t			  n = 0, i, wstart;

	for (i = 0; (e = cmd_table(i)) != NULL; i++) {
		if (e->flags & CMD_HIDDEN)
			continue;
		names = xreallocarray(names, n + 2, sizeof *names);
		names[n++] = (char *)e->name;
		names[n] = NULL;
	}
	s = prompt_extend(line, 0, names);
	free(names);
	if (s != NULL || prompt_words_cb == NULL || strchr(line, ' ') == NULL)
		return (s);
	wstart = strlen(line);
	while (wstart > 0 && line[wstart - 1] != ' ')
		wstart--;
	prefix = xprintf("%.*s", (int)wstart, line);
	words = prompt_words_cb(prefix, prompt_words_arg);
	free(prefix);
	s = prompt_extend(line, wstart, words);
	for (i = 0; words != NULL && words[i] != NULL; i++)
		free(words[i]);
	free(words);
	return (s);
}

enum prompt_result
prompt_key(struct prompt *p, int key)
{
	char	*s, c;
	size_t	 i;

	switch (key) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (p->line.len != 0 && (p->nhistory == 0 ||
		    strcmp(p->history[p->nhistory - 1], buf_str(&p->line)) != 0)) {
			p->history = xreallocarray(p->history, p->nhistory + 1,
			    sizeof *p->history);
			p->history[p->nhistory++] = xstrdup(buf_str(&p->line));
			prompt_save(p);
		}
		return (PROMPT_DONE);
	case 27:
	case 3:
	case 7:
		return (PROMPT_CANCEL);
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (p->cursor == 0)
			return (p->line.len == 0 ? PROMPT_CANCEL : PROMPT_EDITING);
		i = p->cursor - 1;
		while (i > 0 && (p->line.data[i] & 0xc0) == 0x80)
			i--;
		prompt_delete(p, i, p->cursor);
		break;
	case KEY_DC:
	case 4:
		i = p->cursor + 1;
		while (i < p->line.len && (p->line.data[i] & 0xc0) == 0x80)
			i++;
		if (p->cursor < p->line.len)
			prompt_delete(p, p->cursor, i);
		p->cursor = p->cursor < p->line.len ? p->cursor : p->line.len;
		break;
	case KEY_LEFT:
	case 2:
		while (p->cursor > 0 && (p->line.data[--p->cursor] & 0xc0) == 0x80)
			;
		break;
	case KEY_RIGHT:
	case 6:
		if (p->cursor < p->line.len)
			p->cursor++;
		while (p->cursor < p->line.len && (p->line.data[p->cursor] & 0xc0) == 0x80)
			p->cursor++;
		break;
	case KEY_HOME:
	case 1:
		p->cursor = 0;
		break;
	case KEY_END:
	case 5:
		p->cursor = p->line.len;
		break;
	case 21:	/* Ctrl-U */
		prompt_delete(p, 0, p->cursor);
		break;
	case 11:	/* Ctrl-K */
		p->line.len = p->cursor;
		if (p->line.data != NULL)
			p->line.data[p->cursor] = '\0';
		break;
	case 23:	/* Ctrl-W */
		i = p->cursor;
		while (i > 0 && p->line.data[i - 1] == ' ')
			i--;
		while (i > 0 && p->line.data[i - 1] != ' ')
			i--;
		prompt_delete(p, i, p->cursor);
		break;
	case KEY_UP:
	case 16:
		if (p->hpos > 0)
			prompt_set(p, p->history[--p->hpos]);
		break;
	case KEY_DOWN:
	case 14:
		if (p->hpos < p->nhistory) {
			p->hpos++;
			prompt_set(p, p->hpos < p->nhistory ? p->history[p->hpos] : "");
		}
		break;
	case '\t':
		if (p->cursor == p->line.len && (s = prompt_complete(buf_str(&p->line))) != NULL) {
			prompt_set(p, s);
			free(s);
		}
		break;
	default:
		if (key >= 32 && key < 256 && key != 127) {
			c = (char)key;
			prompt_insert(p, &c, 1);
		}
		break;
	}
	return (PROMPT_EDITING);
}

void
prompt_draw(struct prompt *p, int y)
{
	move(y, 0);
	clrtoeol();
	mvaddch(y, 0, ':');
	addnstr(buf_str(&p->line), COLS - 2);
}

void
prompt_place_cursor(struct prompt *p, int y)
{
	char	*head = xstrndup(buf_str(&p->line), p->cursor);
	int	 x = 1 + (int)util_width(head);

	free(head);
	move(y, x < COLS ? x : COLS - 1);
}

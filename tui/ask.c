/*
 * A question on the message line with a typed answer, for what the
 * console must ask once and never keep: a VPN's user name and password.
 * A hidden answer is drawn as stars; the buffer is wiped when done.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xmalloc.h"
#include "tui/tui.h"

/* Ask; done gets the answer (NULL if Esc) and must not keep the pointer. */
void
tui_ask(struct tui *t, const char *question, int hidden,
    void (*done)(const char *, void *), void *arg)
{
	struct tui_ask	*a = &t->ask;

	if (a->active && a->done != NULL)
		a->done(NULL, a->arg);	/* a newer question wins */
	free(a->question);
	a->question = xstrdup(question);
	a->hidden = hidden;
	a->done = done;
	a->arg = arg;
	a->active = 1;
	a->len = 0;
	t->dirty = 1;
}

/* The answer goes; nothing of it stays in memory we own. */
static void
tui_ask_finish(struct tui *t, int ok)
{
	struct tui_ask	*a = &t->ask;
	void		(*done)(const char *, void *) = a->done;

	a->active = 0;
	a->done = NULL;
	a->text[a->len] = '\0';
	if (done != NULL)
		done(ok ? a->text : NULL, a->arg);
	explicit_bzero(a->text, sizeof a->text);
	a->len = 0;
	t->dirty = 1;
}

/* Keys while a question is open: text, Backspace, Enter, Esc. */
int
tui_ask_key(struct tui *t, int key)
{
	struct tui_ask	*a = &t->ask;

	if (!a->active)
		return (0);
	if (key == '\r' || key == '\n' || key == KEY_ENTER)
		tui_ask_finish(t, 1);
	else if (key == 27 || key == 3)
		tui_ask_finish(t, 0);
	else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (a->len > 0)
			a->len--;
	} else if (key == 21)	/* Ctrl-U */
		a->len = 0;
	else if (key >= 32 && key < 256 && a->len + 1 < sizeof a->text)
		a->text[a->len++] = (char)key;
	t->dirty = 1;
	return (1);
}

/* On the message line: the question, then the answer or as many stars. */
void
tui_ask_draw(struct tui *t, int y)
{
	struct tui_ask	*a = &t->ask;
	size_t		 i;

	move(y, 0);
	clrtoeol();
	attrset(theme_attr(THEME_WARN));
	addnstr(a->question, COLS - 1);
	addstr(" ");
	attrset(A_NORMAL);
	for (i = 0; i < a->len && getcurx(stdscr) < COLS - 1; i++)
		addch(a->hidden ? '*' : (unsigned char)a->text[i]);
}

void
tui_ask_free(struct tui *t)
{
	if (t->ask.active)
		tui_ask_finish(t, 0);
	free(t->ask.question);
	t->ask.question = NULL;
}

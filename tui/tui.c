/*
 * The console: header, pane tabs, a main area, a message line and a key-hint
 * line, all driven from the event loop. Keys run commands; nothing blocks.
 */
#include "config.h"

#include <curses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cmd.h"
#include "core/cmdline.h"
#include "core/inventory.h"
#include "core/loop.h"
#include "core/options.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/platform/status.h"
#include "tui/prompt.h"
#include "tui/table.h"
#include "tui/theme.h"
#include "tui/tui.h"

#define TUI_REFRESH_MS	10000	/* the Overview's probes, when they change nothing */

enum tui_pane {
	TUI_OVERVIEW,
	TUI_RESULT,
	TUI_NPANES
};

struct tui {
	struct cmd_env		*env;
	struct loop_io		 input;
	struct loop_timer	 clock;
	struct loop_timer	 refresh;
	int			 quit;
	int			 dirty;
	enum tui_pane		 pane;

	/* Overview: the last finished status run is shown while the next one runs. */
	struct cmd		*status;	/* running, or NULL */
	struct cmd		*status_shown;	/* finished, shown */
	struct table		 overview;
	time_t			 checked;

	/* Result: the view of the last command run from the prompt. */
	struct cmd		*result;
	struct cmd		*running;
	struct table		 table;

	struct prompt		 prompt;
	char			*message;
	enum theme_role		 message_role;

	struct cmd		*confirming;
	void			(*confirm_answer)(struct cmd *, int);
};

static struct tui	*tui_self;

static void	tui_draw(struct tui *);

static void
tui_endwin(void)
{
	endwin();
}

static void
tui_message(struct tui *t, enum theme_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
tui_message(struct tui *t, enum theme_role role, const char *fmt, ...)
{
	va_list	ap;

	free(t->message);
	va_start(ap, fmt);
	xvasprintf(&t->message, fmt, ap);
	va_end(ap);
	t->message_role = role;
	t->dirty = 1;
}

static struct cmd *
tui_parse(struct tui *t, int argc, char **argv)
{
	struct cmd	*c;
	char		*cause = NULL;

	if ((c = cmd_parse(t->env, argc, argv, &cause)) == NULL) {
		tui_message(t, THEME_ERROR, "%s", cause);
		free(cause);
	}
	return (c);
}

static void
tui_status_done(struct status_run *run, void *arg)
{
	struct tui	*t = arg;

	status_run_free(run);
	t->status->state = NULL;
	t->status->cancel = NULL;
	cmd_free(t->status_shown);
	t->status_shown = t->status;
	t->status = NULL;
	table_set_view(&t->overview, t->status_shown->view);
	t->checked = time(NULL);
	loop_timer_start(&t->refresh, TUI_REFRESH_MS);
	t->dirty = 1;
}

/* Probe every service again; the rows fill in as answers arrive. */
static void
tui_status_start(struct tui *t)
{
	char		*argv[] = { "status", NULL };
	struct cmd	*c;

	if (t->status != NULL || (c = tui_parse(t, 1, argv)) == NULL)
		return;
	loop_timer_stop(&t->refresh);
	if (cmd_inventory(c) != 0) {
		tui_message(t, THEME_ERROR, "%s", c->error);
		cmd_free(c);
		return;
	}
	/* The run may end before status_start returns: t->status must be set first. */
	t->status = c;
	if (status_start(c, tui_status_done, t) != 0) {
		tui_message(t, THEME_ERROR, "%s", c->error);
		cmd_free(c);
		t->status = NULL;
		return;
	}
	if (t->status_shown == NULL)
		table_set_view(&t->overview, c->view);
	t->dirty = 1;
}

static void
tui_refresh_cb(void *arg)
{
	tui_status_start(arg);
}

static void
tui_clock_cb(void *arg)
{
	struct tui	*t = arg;

	t->dirty = 1;
	tui_draw(t);
	loop_timer_start(&t->clock, (uint64_t)(60 - time(NULL) % 60) * 1000);
}

static void
tui_command_done(struct cmd *c, void *arg)
{
	struct tui	*t = arg;

	t->running = NULL;
	if (c->exit != CMD_EXIT_OK)
		tui_message(t, THEME_ERROR, "%s", c->error != NULL ? c->error :
		    cmd_exit_name(c->exit));
	else if (c->message != NULL)
		tui_message(t, THEME_MESSAGE, "%s", c->message);
	else
		tui_message(t, THEME_MESSAGE, "%s: done", c->entry->name);
	if (c->view != NULL) {
		cmd_free(t->result);
		t->result = c;
		t->table.cur = t->table.top = 0;
		table_set_view(&t->table, c->view);
		t->pane = TUI_RESULT;
	} else
		cmd_free(c);
	t->dirty = 1;
}

/* Run a command line typed at the prompt, the same way scripted mode does. */
static void
tui_run_line(struct tui *t, const char *line)
{
	struct cmd	*c;
	char		**argv, *cause = NULL;
	int		  argc;

	if ((argc = cmdline_split(line, strlen(line), &argv, &cause)) < 0) {
		tui_message(t, THEME_ERROR, "%s", cause);
		free(cause);
		return;
	}
	if (argc == 0) {
		cmdline_free(argv);
		return;
	}
	if (t->running != NULL) {
		tui_message(t, THEME_WARN, "'%s' is still running (Ctrl-C cancels it)",
		    t->running->line);
		cmdline_free(argv);
		return;
	}
	c = tui_parse(t, argc, argv);
	cmdline_free(argv);
	if (c == NULL)
		return;
	t->running = c;
	tui_message(t, THEME_MUTED, "running %s ...", c->line);
	cmd_run(c, tui_command_done, t);
}

/* Destructive commands ask on the message line, naming the exact command. */
static void
tui_confirm(struct cmd *c, const char *question, void (*answer)(struct cmd *, int))
{
	struct tui	*t = tui_self;

	t->confirming = c;
	t->confirm_answer = answer;
	tui_message(t, THEME_WARN, "%s [y/N]", question);
}

static void
tui_quit(struct tui *t)
{
	t->quit = 1;
	loop_break(t->env->loop);
}

static void
tui_key(struct tui *t, int key)
{
	struct cmd	*c;
	char		*line;
	int		 page = LINES - 6 > 1 ? LINES - 6 : 1;

	if (t->confirming != NULL) {
		c = t->confirming;
		t->confirming = NULL;
		tui_message(t, THEME_MUTED, "%s", key == 'y' || key == 'Y' ? "confirmed" :
		    "not confirmed");
		t->confirm_answer(c, key == 'y' || key == 'Y');
		return;
	}
	if (t->prompt.active) {
		switch (prompt_key(&t->prompt, key)) {
		case PROMPT_DONE:
			line = xstrdup(prompt_text(&t->prompt));
			prompt_close(&t->prompt);
			tui_run_line(t, line);
			free(line);
			break;
		case PROMPT_CANCEL:
			prompt_close(&t->prompt);
			break;
		default:
			break;
		}
		t->dirty = 1;
		return;
	}
	switch (key) {
	case 'q':
		tui_quit(t);
		return;
	case 3:		/* Ctrl-C: cancel what runs, never quit */
		if (t->running != NULL)
			cmd_cancel(t->running);
		break;
	case ':':
		prompt_open(&t->prompt);
		break;
	case '?':
		tui_run_line(t, "help");
		break;
	case '\t':
		t->pane = (t->pane + 1) % TUI_NPANES;
		break;
	case '1':
		t->pane = TUI_OVERVIEW;
		break;
	case '2':
		t->pane = TUI_RESULT;
		break;
	case 'r':
		if (t->pane == TUI_OVERVIEW)
			tui_status_start(t);
		break;
	case 27:	/* Esc */
	case KEY_BACKSPACE:
		t->pane = TUI_OVERVIEW;
		break;
	case KEY_RESIZE:
		break;
	default:
		table_key(t->pane == TUI_OVERVIEW ? &t->overview : &t->table, key, page);
		break;
	}
	t->dirty = 1;
}

/* ncurses buffers input: read keys until ERR, then draw once. */
static void
tui_input(int fd, short revents, void *arg)
{
	struct tui	*t = arg;
	int		 key;

	while (!t->quit && (key = getch()) != ERR)
		tui_key(t, key);
	tui_draw(t);
}

static void
tui_winch(int sig, void *arg)
{
	struct tui	*t = arg;

	endwin();
	refresh();
	t->dirty = 1;
	tui_draw(t);
}

static void
tui_draw_header(struct tui *t)
{
	const struct inventory	*inv = t->env->inv;
	char			 clock[16], right[64];
	time_t			 now = time(NULL);
	struct tm		 tm;

	localtime_r(&now, &tm);
	strftime(clock, sizeof clock, "%H:%M", &tm);
	attrset(theme_attr(THEME_HEADER));
	mvhline(0, 0, ' ', COLS);
	mvprintw(0, 1, "platform-tui  %s", inv != NULL ? inv->name : "(no inventory)");
	snprintf(right, sizeof right, "%sdirect  %s",
	    t->env->flags & CMD_ENV_READ_ONLY ? "READ-ONLY  " : "", clock);
	mvaddstr(0, COLS - (int)strlen(right) - 1 > 0 ? COLS - (int)strlen(right) - 1 : 0,
	    right);
	attrset(A_NORMAL);
}

static void
tui_draw_tabs(struct tui *t)
{
	static const char *const names[TUI_NPANES] = { "1 Overview", "2 Result" };
	int			 i, x = 0;

	move(1, 0);
	clrtoeol();
	for (i = 0; i < TUI_NPANES; i++) {
		attrset(theme_attr(i == (int)t->pane ? THEME_TAB_ACTIVE : THEME_TAB));
		mvprintw(1, x, " %s ", names[i]);
		x += (int)strlen(names[i]) + 3;
	}
	attrset(A_NORMAL);
}

static void
tui_draw_hints(struct tui *t)
{
	static const char *const hints[][2] = {
		{ "q", "quit" }, { ":", "command" }, { "?", "help" }, { "Tab", "pane" },
		{ "r", "refresh" }, { "j/k", "move" }, { NULL, NULL }
	};
	int	i, x = 0;

	move(LINES - 1, 0);
	clrtoeol();
	for (i = 0; hints[i][0] != NULL && x < COLS; i++) {
		attrset(theme_attr(THEME_HINT_KEY));
		mvaddstr(LINES - 1, x, hints[i][0]);
		x += (int)strlen(hints[i][0]);
		attrset(theme_attr(THEME_HINT));
		mvprintw(LINES - 1, x, " %s  ", hints[i][1]);
		x += (int)strlen(hints[i][1]) + 3;
	}
	attrset(A_NORMAL);
}

static void
tui_draw(struct tui *t)
{
	struct table	*tb;
	char		 when[64];
	int		 h;

	if (!t->dirty)
		return;
	t->dirty = 0;
	erase();
	if (LINES < 6 || COLS < 20) {
		mvaddstr(0, 0, "terminal too small");
		refresh();
		return;
	}
	tui_draw_header(t);
	tui_draw_tabs(t);
	h = LINES - 4;
	tb = t->pane == TUI_OVERVIEW ? &t->overview : &t->table;
	if (tb->view != NULL)
		table_draw(tb, 2, 0, h, COLS);
	else if (t->pane == TUI_RESULT) {
		attrset(theme_attr(THEME_MUTED));
		mvaddstr(3, 2, "Run a command with ':' and its result shows here.");
		attrset(A_NORMAL);
	}
	if (t->pane == TUI_OVERVIEW && t->checked != 0 && t->message == NULL) {
		strftime(when, sizeof when, "checked %H:%M:%S", localtime(&t->checked));
		attrset(theme_attr(THEME_MUTED));
		mvaddstr(LINES - 2, 0, when);
		attrset(A_NORMAL);
	}
	if (t->prompt.active)
		prompt_draw(&t->prompt, LINES - 2);
	else if (t->message != NULL) {
		attrset(theme_attr(t->message_role));
		mvaddnstr(LINES - 2, 0, t->message, COLS);
		attrset(A_NORMAL);
	}
	tui_draw_hints(t);
	if (t->prompt.active)
		prompt_place_cursor(&t->prompt, LINES - 2);
	refresh();
}

int
tui_main(struct cmd_env *env)
{
	struct tui	 t;
	char		*cause = NULL;
	SCREEN		*s;

	memset(&t, 0, sizeof t);
	t.env = env;
	tui_self = &t;
	if ((s = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "platform-tui: cannot open the terminal (TERM=%s)\n",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		return (CMD_EXIT_USAGE);
	}
	fatal_set_hook(tui_endwin);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (theme_load(options_get("theme"), &cause) != 0) {
		t.message = cause;
		t.message_role = THEME_ERROR;
	}
	env->confirm = tui_confirm;
	prompt_init(&t.prompt, env);

	loop_io_init(&t.input, env->loop, STDIN_FILENO, tui_input, &t);
	loop_io_start(&t.input, POLLIN);
	loop_signal_set(env->loop, SIGWINCH, tui_winch, &t);
	loop_timer_init(&t.clock, env->loop, tui_clock_cb, &t);
	loop_timer_start(&t.clock, (uint64_t)(60 - time(NULL) % 60) * 1000);
	loop_timer_init(&t.refresh, env->loop, tui_refresh_cb, &t);

	tui_status_start(&t);
	t.dirty = 1;
	tui_draw(&t);
	/* Callbacks only mark the screen dirty; it is drawn once per round. */
	while (!t.quit) {
		loop_run_once(env->loop, -1);
		tui_draw(&t);
	}

	if (t.running != NULL)
		cmd_cancel(t.running);
	if (t.status != NULL) {
		status_run_free(t.status->state);
		cmd_free(t.status);
	}
	loop_io_stop(&t.input);
	loop_timer_stop(&t.clock);
	loop_timer_stop(&t.refresh);
	loop_signal_set(env->loop, SIGWINCH, NULL, NULL);
	endwin();
	delscreen(s);
	fatal_set_hook(NULL);
	prompt_free(&t.prompt);
	cmd_free(t.status_shown);
	cmd_free(t.result);
	free(t.message);
	env->confirm = NULL;
	return (CMD_EXIT_OK);
}

/*
 * The console: a header, the pane tabs, a main area, a message line and a
 * key-hint line, all driven from the event loop. Keys run command lines
 * through the key table; nothing here blocks, and the screen is drawn once
 * per loop round when something changed.
 */
#include "config.h"

#include <curses.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "backends/ssh.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/digest.h"
#include "core/cmdline.h"
#include "core/inventory.h"
#include "core/loop.h"
#include "core/options.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/keys.h"
#include "tui/tui.h"

#define TUI_REFRESH_MAX_MS	60000	/* backed off to, while nothing changes */
#define TUI_MIN_COLS		40
#define TUI_MIN_LINES		8

struct tui	*tui_self;

static void	tui_draw(struct tui *);

void
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

/* Put text on the terminal's clipboard with OSC 52 (tmux passes it on with
 * set-clipboard): how the panes copy a cell or a link over SSH. */
void
tui_osc52(const char *s, size_t len)
{
	struct buf	 b;
	char		*enc;

	enc = xmalloc(4 * ((len + 2) / 3) + 1);
	digest_base64((const unsigned char *)s, len, enc);
	buf_init(&b);
	buf_printf(&b, "\033]52;c;%s\a", enc);
	(void)!write(STDOUT_FILENO, b.data, b.len);
	buf_free(&b);
	free(enc);
}

/* Rows in a page of the main area. */
size_t
tui_page(void)
{
	return (LINES > 7 ? (size_t)LINES - 7 : 1);
}

/* Show a pane; push the current one on the back stack first if asked. */
void
tui_show(struct tui *t, struct pane *p, int push)
{
	if (p == t->cur)
		return;
	if (push && t->cur != NULL) {
		if (t->nback == TUI_MAX_BACK) {
			memmove(t->back, t->back + 1, (TUI_MAX_BACK - 1) * sizeof *t->back);
			t->nback--;
		}
		t->back[t->nback++] = t->cur;
	} else if (!push)
		t->nback = 0;
	t->cur = p;
	if (p->type->show != NULL)
		p->type->show(t, p);
	t->dirty = 1;
}

/* Back along the stack; -1 when there is nowhere to go back to. */
int
tui_back(struct tui *t)
{
	if (table_filtered(&t->cur->table)) {
		table_filter(&t->cur->table, "", NULL);	/* Esc clears a filter first */
		t->dirty = 1;
		return (0);
	}
	if (t->nback == 0)
		return (t->cur != &t->panes[0] ? (tui_show(t, &t->panes[0], 0), 0) : -1);
	t->cur = t->back[--t->nback];
	t->dirty = 1;
	return (0);
}

void
tui_quit(struct tui *t)
{
	t->quit = 1;
	loop_break(t->env->loop);
}

void
tui_open_prompt(struct tui *t, const char *text)
{
	prompt_open(&t->prompt);
	prompt_set(&t->prompt, text);
	t->filtering = strncmp(text, "filter ", 7) == 0;
	t->dirty = 1;
}

static void
tui_command_done(struct cmd *c, void *arg)
{
	struct tui	*t = arg;

	if (c == t->running)
		t->running = NULL;
	if (c->exit != CMD_EXIT_OK)
		tui_message(t, THEME_ERROR, "%s", c->error != NULL ? c->error :
		    cmd_exit_name(c->exit));
	else if (c->message != NULL)
		tui_message(t, THEME_MESSAGE, "%s", c->message);
	if (c->view != NULL) {
		pane_set_cmd(t, &t->panes[t->npanes - 1], c);
		tui_show(t, &t->panes[t->npanes - 1], 1);
	} else
		cmd_free(c);
	t->dirty = 1;
}

/* Run a command line, from the prompt or a key, as scripted mode would. */
void
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
	c = cmd_parse(t->env, argc, argv, &cause);
	cmdline_free(argv);
	if (c == NULL) {
		tui_message(t, THEME_ERROR, "%s", cause);
		free(cause);
		return;
	}
	/* The console's own commands finish at once; others may wait. */
	if (c->entry->flags & (CMD_INVENTORY | CMD_CHANGES)) {
		if (t->running != NULL) {
			tui_message(t, THEME_WARN, "'%s' is still running (C-c cancels it)",
			    t->running->line);
			cmd_free(c);
			return;
		}
		t->running = c;
		tui_message(t, THEME_MUTED, "running %s ...", c->line);
	}
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

/* An unknown SSH host key waits here for the operator's y or n. */
struct tui_hostkey {
	char			*question;
	ssh_answer_fn		 answer;
	void			*ctx;
	struct tui_hostkey	*next;
};

/* The pool asks about an unknown host key: queue the question, show the first. */
static void
tui_hostkey_ask(const char *host, const char *keytype, const char *fp,
    ssh_answer_fn answer, void *ctx, void *arg)
{
	struct tui		*t = arg;
	struct tui_hostkey	*q, **end;

	q = xcalloc(1, sizeof *q);
	q->question = xprintf("Unknown SSH host key of %s: trust and save it?"
	    " [y/N] %s %s", host, keytype, fp);
	q->answer = answer;
	q->ctx = ctx;
	for (end = &t->hostkeys; *end != NULL; end = &(*end)->next)
		/* nothing */;
	*end = q;
	if (t->hostkeys == q)
		tui_message(t, THEME_WARN, "%s", q->question);
	t->dirty = 1;
}

/* The answer to the first host key question; the next one shows. */
static void
tui_hostkey_key(struct tui *t, int key)
{
	struct tui_hostkey	*q = t->hostkeys;
	int			 yes = key == 'y' || key == 'Y';

	t->hostkeys = q->next;
	tui_message(t, THEME_MUTED, "%s", yes ? "host key trusted" :
	    "host key refused");
	if (t->hostkeys != NULL)
		tui_message(t, THEME_WARN, "%s", t->hostkeys->question);
	q->answer(q->ctx, yes);
	free(q->question);
	free(q);
	t->dirty = 1;
}

/* The prompt has the keys while it is open; a filter applies as it is typed. */
static void
tui_prompt_key(struct tui *t, int key)
{
	char	*line;

	switch (prompt_key(&t->prompt, key)) {
	case PROMPT_DONE:
		line = xstrdup(prompt_text(&t->prompt));
		prompt_close(&t->prompt);
		t->filtering = 0;
		tui_run_line(t, line);
		free(line);
		break;
	case PROMPT_CANCEL:
		if (t->filtering)
			table_filter(&t->cur->table, "", NULL);
		prompt_close(&t->prompt);
		t->filtering = 0;
		break;
	default:
		if (t->filtering) {
			line = xstrdup(prompt_text(&t->prompt));
			if (strncmp(line, "filter ", 7) == 0)
				table_filter(&t->cur->table, line + 7, NULL);
			free(line);
		}
		break;
	}
	t->dirty = 1;
}

static void
tui_key(struct tui *t, int key)
{
	struct cmd	*c;
	const char	*line;
	char		 name[32];

	if (key == KEY_RESIZE) {
		t->dirty = 1;
		return;
	}
	if (t->hostkeys != NULL) {
		tui_hostkey_key(t, key);
		return;
	}
	if (t->confirming != NULL) {
		c = t->confirming;
		t->confirming = NULL;
		tui_message(t, THEME_MUTED, "%s", key == 'y' || key == 'Y' ? "confirmed" :
		    "not confirmed");
		t->confirm_answer(c, key == 'y' || key == 'Y');
		return;
	}
	if (t->prompt.active) {
		tui_prompt_key(t, key);
		return;
	}
	/* An operator at the keys: probes go back to their normal pace. */
	t->refresh_ms = TUI_REFRESH_MS;
	if (t->cur->type->key != NULL && t->cur->type->key(t, t->cur, key)) {
		t->dirty = 1;
		return;
	}
	if ((line = keys_lookup(t->cur->type->name, key)) == NULL) {
		tui_message(t, THEME_MUTED, "%s is not bound (? lists the keys)",
		    keys_name(key, name, sizeof name));
		return;
	}
	free(t->message);
	t->message = NULL;
	tui_run_line(t, line);
	t->dirty = 1;
}

/* ncurses buffers input: read keys until ERR, then draw once. */
static void
tui_input(int fd, short revents, void *arg)
{
	struct tui	*t = arg;
	int		 key;

	(void)fd;
	(void)revents;
	while (!t->quit && (key = getch()) != ERR)
		tui_key(t, key);
	tui_draw(t);
}

/*
 * The loop owns SIGWINCH, so ncurses never sees it: ask the terminal for its
 * size and tell ncurses. Done before every draw as well, so a resize whose
 * signal came while the old size was still being read is never missed.
 */
static void
tui_check_size(void)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 ||
	    ws.ws_col == 0 || (ws.ws_row == LINES && ws.ws_col == COLS))
		return;
	resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

static void
tui_winch(int sig, void *arg)
{
	struct tui	*t = arg;

	(void)sig;
	tui_check_size();
	t->dirty = 1;
	tui_draw(t);
}

/* The Overview's probes again; slower while nothing changes and nobody types. */
static void
tui_refresh_cb(void *arg)
{
	struct tui	*t = arg;

	if (t->refresh_ms < TUI_REFRESH_MAX_MS)
		t->refresh_ms = t->refresh_ms * 2 > TUI_REFRESH_MAX_MS ?
		    TUI_REFRESH_MAX_MS : t->refresh_ms * 2;
	t->panes[0].type->reload(t, &t->panes[0]);
}

static void
tui_clock_cb(void *arg)
{
	struct tui	*t = arg;

	t->dirty = 1;
	tui_draw(t);
	loop_timer_start(&t->clock, (uint64_t)(60 - time(NULL) % 60) * 1000);
}

/* How the platform is reached: from the inventory's via settings. */
static const char *
tui_reached(const struct inventory *inv)
{
	size_t	i, j;
	int	vpn = 0, ssh = 0;

	for (i = 0; inv != NULL && i < inv->nservices; i++) {
		for (j = 0; j < inv->services[i].nendpoints; j++) {
			vpn |= inv->services[i].endpoints[j].via == INV_VIA_VPN;
			ssh |= inv->services[i].endpoints[j].via == INV_VIA_SSH;
		}
	}
	if (vpn && ssh)
		return ("VPN + SSH");
	return (vpn ? "VPN" : ssh ? "SSH gateway" : "direct");
}

static void
tui_draw_header(struct tui *t)
{
	const struct inventory	*inv = t->env->inv;
	char			 clock[16], right[96];
	time_t			 now = time(NULL);
	struct tm		 tm;
	int			 x;

	localtime_r(&now, &tm);
	strftime(clock, sizeof clock, "%H:%M", &tm);
	attrset(theme_attr(THEME_HEADER));
	mvhline(0, 0, ' ', COLS);
	move(0, 1);
	table_put_text("platform-tui  ", COLS - 2);
	table_put_text(inv != NULL ? inv->name : "(no inventory)", COLS / 2);
	snprintf(right, sizeof right, "%s%s  %s",
	    t->env->flags & CMD_ENV_READ_ONLY ? "READ-ONLY  " : "", tui_reached(inv),
	    clock);
	x = COLS - (int)strlen(right) - 1;
	if (x > getcurx(stdscr) + 1)
		mvaddstr(0, x, right);
	attrset(A_NORMAL);
}

static void
tui_draw_tabs(struct tui *t)
{
	char	 label[32];
	size_t	 i;
	int	 x = 0, n;

	move(1, 0);
	clrtoeol();
	for (i = 0; i < t->npanes && x < COLS; i++) {
		n = snprintf(label, sizeof label, " %zu %s ", i + 1, t->panes[i].type->name);
		attrset(theme_attr(&t->panes[i] == t->cur ? THEME_TAB_ACTIVE : THEME_TAB));
		mvaddnstr(1, x, label, COLS - x);
		x += n + 1;
	}
	if (t->cur == &t->help && x + 8 < COLS) {
		attrset(theme_attr(THEME_TAB_ACTIVE));
		mvaddstr(1, x, " Help ");
	}
	attrset(A_NORMAL);
}

/* The key-hint line: the pane's own keys first, then the global ones. */
static void
tui_draw_hints(struct tui *t)
{
	static const char *const global[][2] = {
		{ "?", "help" }, { ":", "command" }, { "/", "filter" }, { "Tab", "pane" },
		{ "s", "sort" }, { "r", "refresh" }, { "q", "quit" }, { NULL, NULL }
	};
	const char	*ph = t->cur->type->hints;
	int		 i, x = 0;

	move(LINES - 1, 0);
	clrtoeol();
	if (t->prompt.active) {
		attrset(theme_attr(THEME_HINT));
		mvaddnstr(LINES - 1, 0, t->filtering ? "type to filter  Enter keep  Esc clear" :
		    "Enter run  Esc cancel  Tab complete  Up/Down history", COLS);
		attrset(A_NORMAL);
		return;
	}
	if (ph != NULL) {
		attrset(theme_attr(THEME_HINT_KEY));
		mvaddnstr(LINES - 1, 0, ph, COLS);
		x = (int)strlen(ph) + 2;
	}
	for (i = 0; global[i][0] != NULL && x < COLS; i++) {
		attrset(theme_attr(THEME_HINT_KEY));
		mvaddnstr(LINES - 1, x, global[i][0], COLS - x);
		x += (int)strlen(global[i][0]);
		if (x >= COLS)
			break;
		attrset(theme_attr(THEME_HINT));
		mvaddnstr(LINES - 1, x, " ", COLS - x);
		mvaddnstr(LINES - 1, x + 1, global[i][1], COLS - x - 1);
		x += (int)strlen(global[i][1]) + 3;
	}
	attrset(A_NORMAL);
}

static void
tui_draw(struct tui *t)
{
	if (!t->dirty || t->suspended)
		return;
	t->dirty = 0;
	tui_check_size();
	erase();
	if (LINES < TUI_MIN_LINES || COLS < TUI_MIN_COLS) {
		/* Short lines: they must fit a terminal of a few columns. */
		mvaddnstr(0, 0, "too small for", COLS);
		if (LINES > 1)
			mvaddnstr(1, 0, "platform-tui:", COLS);
		if (LINES > 2)
			mvprintw(2, 0, "%.*s", COLS, "");
		if (LINES > 2)
			printw("needs %dx%d", TUI_MIN_COLS, TUI_MIN_LINES);
		if (LINES > 3)
			mvprintw(3, 0, "now %dx%d", COLS, LINES);
		refresh();
		return;
	}
	tui_draw_header(t);
	tui_draw_tabs(t);
	pane_draw(t, t->cur, 2, LINES - 4);
	if (t->prompt.active)
		prompt_draw(&t->prompt, LINES - 2);
	else if (t->message != NULL) {
		attrset(theme_attr(t->message_role));
		move(LINES - 2, 0);
		table_put_text(t->message, COLS - 1);
		attrset(A_NORMAL);
	}
	tui_draw_hints(t);
	if (t->prompt.active)
		prompt_place_cursor(&t->prompt, LINES - 2);
	else
		curs_set(t->cur->type->cursor != NULL && t->cur->type->cursor(t, t->cur));
	refresh();
}

/* A crash must not leave the operator's terminal in raw mode. */
static void
tui_crash(int sig)
{
	endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
tui_endwin(void)
{
	endwin();
}

/* Words for Tab after a command: what that command takes, or the current view's names. */
static char **
tui_words(const char *prefix, void *arg)
{
	static const char *const moves[] = { "up", "down", "page-up", "page-down",
	    "top", "bottom", NULL };
	struct tui		*t = arg;
	const struct view	*v = t->cur->table.view;
	const struct view_cell	*cell;
	char			**w = NULL, **themes;
	size_t			  n = 0, i;

#define TUI_WORD(s) do {						\
	w = xreallocarray(w, n + 2, sizeof *w);				\
	w[n++] = xstrdup(s);						\
	w[n] = NULL;							\
} while (0)
	if (strcmp(prefix, "pane ") == 0) {
		for (i = 0; i < t->npanes; i++)
			TUI_WORD(t->panes[i].type->name);
	} else if (strcmp(prefix, "theme ") == 0) {
		themes = theme_list();
		for (i = 0; themes[i] != NULL; i++)
			TUI_WORD(themes[i]);
		theme_list_free(themes);
	} else if (strcmp(prefix, "move ") == 0) {
		for (i = 0; moves[i] != NULL; i++)
			TUI_WORD(moves[i]);
	} else if (strncmp(prefix, "sort ", 5) == 0 && v != NULL) {
		for (i = 0; i < v->ncols; i++)
			TUI_WORD(v->cols[i].name);
	} else if (v != NULL) {
		/* Names in the first column: services, DAG ids, buckets, pods. */
		for (i = 0; i < v->nrows && i < 5000; i++) {
			cell = view_cell(v, i, 0);
			if (cell->text != NULL && strchr(cell->text, ' ') == NULL)
				TUI_WORD(cell->text);
		}
	}
#undef TUI_WORD
	return (w);
}

/* The config's bind lines, applied over the defaults. */
static void
tui_apply_binds(struct tui *t)
{
	const char	*key, *pane, *command;
	char		*cause = NULL;
	size_t		 i;

	keys_init();
	for (i = 0; options_bind_at(i, &key, &pane, &command); i++) {
		if (keys_bind(key, pane, command, &cause) != 0) {
			tui_message(t, THEME_ERROR, "config: %s", cause);
			free(cause);
			cause = NULL;
		}
	}
}

static void
tui_setup(struct tui *t)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	char		*cause = NULL;
	size_t		 i;

	fatal_set_hook(tui_endwin);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], tui_crash);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (theme_load(options_get("theme"), &cause) != 0) {
		t->message = cause;
		t->message_role = THEME_ERROR;
	}
	table_set_ascii(!theme_utf8());
	tui_cmd_register();
	tui_apply_binds(t);
	t->env->confirm = tui_confirm;
	ssh_set_ask(ssh_node_pool(t->env), tui_hostkey_ask, t);
	prompt_init(&t->prompt, t->env);
	prompt_set_words(tui_words, t);
	pane_add_all(t);
	t->refresh_ms = TUI_REFRESH_MS;

	loop_io_init(&t->input, t->env->loop, STDIN_FILENO, tui_input, t);
	loop_io_start(&t->input, POLLIN);
	loop_signal_set(t->env->loop, SIGWINCH, tui_winch, t);
	loop_timer_init(&t->clock, t->env->loop, tui_clock_cb, t);
	loop_timer_start(&t->clock, (uint64_t)(60 - time(NULL) % 60) * 1000);
	loop_timer_init(&t->refresh, t->env->loop, tui_refresh_cb, t);
}

static void
tui_teardown(struct tui *t)
{
	size_t	i;

	if (t->running != NULL)
		cmd_cancel(t->running);
	loop_io_stop(&t->input);
	loop_timer_stop(&t->clock);
	loop_timer_stop(&t->refresh);
	loop_signal_set(t->env->loop, SIGWINCH, NULL, NULL);
	for (i = 0; i < t->npanes; i++)
		pane_free(&t->panes[i]);
	pane_free(&t->help);
	prompt_free(&t->prompt);
	prompt_set_words(NULL, NULL);
	keys_free();
	free(t->message);
	t->env->confirm = NULL;
	/* Questions still open are answered no; the pool outlives the console. */
	ssh_set_ask(t->env->ssh, NULL, NULL);
	while (t->hostkeys != NULL)
		tui_hostkey_key(t, 'n');
}

int
tui_main(struct cmd_env *env)
{
	struct tui	 t;
	SCREEN		*s;

	memset(&t, 0, sizeof t);
	t.env = env;
	tui_self = &t;
	if ((s = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "platform-tui: cannot open the terminal (TERM=%s)\n",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		return (CMD_EXIT_USAGE);
	}
	tui_setup(&t);
	tui_show(&t, &t.panes[0], 0);
	t.dirty = 1;
	tui_draw(&t);
	/* Callbacks only mark the screen dirty; it is drawn once per round. */
	while (!t.quit) {
		loop_run_once(env->loop, -1);
		tui_draw(&t);
	}
	tui_teardown(&t);
	endwin();
	delscreen(s);
	fatal_set_hook(NULL);
	tui_self = NULL;
	return (CMD_EXIT_OK);
}

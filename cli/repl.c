/*
 * The SQL REPL: readline's callback interface reads keys when the loop says
 * the terminal is readable; a complete statement runs as an asynchronous
 * ClickHouse query while readline is put away, so Ctrl-C (SIGINT through
 * the loop's self-pipe) cancels the query and never the REPL.
 */
#include "config.h"

#include <sys/ioctl.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/readline.h>
#include <readline/history.h>

#include "backends/clickhouse.h"
#include "backends/http.h"
#include "cli/repl-input.h"
#include "cli/repl-print.h"
#include "cli/repl.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/loop.h"
#include "core/secret.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "plugins/clickhouse/sql.h"

#define REPL_PROMPT		"platform-tui :) "
#define REPL_PROMPT_MORE	":-] "
#define REPL_TICK_MS		100	/* flush held rows, redraw the progress line */
#define REPL_PROGRESS_AFTER_MS	1000	/* a query this old shows its progress */

struct repl_stmt {
	char		*sql;		/* without its terminator */
	int		 vertical;	/* ended with \G */
};

struct repl {
	struct cmd		*cmd;
	struct loop		*loop;
	struct http		*http;
	struct sql_targets	 t;		/* the service's endpoints: all for cancel */
	char			*session_id;
	char			*history;	/* the history file */
	char			*version;	/* the server's, once connected */

	struct loop_io		 in;		/* the terminal, while prompting */
	struct loop_timer	 tick;		/* while a query runs */
	struct loop_timer	 next;		/* the next statement, off the callbacks */
	int			 prompting;	/* readline's handler installed */
	struct buf		 input;		/* lines typed of an unfinished statement */
	struct repl_stmt	*queue;		/* complete statements to run in turn */
	size_t			 nqueue;
	size_t			 qnext;

	struct ch_query		*probe;		/* SELECT version() at the start */
	struct ch_query		*query;		/* the statement running, or NULL */
	int			 cancelling;	/* Ctrl-C was pressed for it */
	int			 failed;	/* it ended in an error */
	uint64_t		 started;	/* loop_now() when it started */
	struct ch_progress	 progress;	/* its last progress report */
	int			 progress_shown; /* a progress line is on stderr */
	struct repl_print	 print;

	struct ch_query		*names_query;	/* completion names loading */

	int			 utf8;
	int			 color;
	int			 done;		/* leave the loop */
	int			 exit;		/* enum cmd_exit */
};

/* Readline's callbacks take no argument: the one REPL of the process. */
static struct repl	*repl_self;

static void	repl_prompt(struct repl *);

/* Take every complete statement off the input; what is left waits for more lines. */
static void
repl_split(struct repl *r)
{
	const char	*s = buf_str(&r->input);
	size_t		 off = 0, n, lead;
	ssize_t		 end;
	int		 vertical;
	struct repl_stmt *st;

	while ((end = repl_input_statement_end(s + off, r->input.len - off, &vertical)) != -1) {
		n = (size_t)end - (vertical ? 2 : 1);
		/* Without its leading blanks, the server's error positions count from 1. */
		for (lead = 0; lead < n && isspace((unsigned char)s[off + lead]); lead++)
			;
		r->queue = xreallocarray(r->queue, r->nqueue + 1, sizeof *r->queue);
		st = &r->queue[r->nqueue];
		st->sql = xstrndup(s + off + lead, n - lead);
		st->vertical = vertical;
		if (repl_input_blank(st->sql))
			free(st->sql);
		else
			r->nqueue++;
		off += (size_t)end;
	}
	if (off == 0)
		return;
	repl_input_history_add(r->history, s, off);
	buf_consume(&r->input, off);
	if (repl_input_blank(buf_str(&r->input)))
		buf_reset(&r->input);
}

static void
repl_queue_clear(struct repl *r)
{
	size_t	i;

	for (i = 0; i < r->nqueue; i++)
		free(r->queue[i].sql);
	free(r->queue);
	r->queue = NULL;
	r->nqueue = r->qnext = 0;
}

/* "1.23 million" as clickhouse-client writes quantities. */
static void
repl_quantity(char *out, size_t len, double n)
{
	static const char *const units[] = { "thousand", "million", "billion",
	    "trillion", "quadrillion" };
	int	u = -1;

	while (n >= 1000 && u < 4) {
		n /= 1000;
		u++;
	}
	if (u < 0)
		snprintf(out, len, "%.0f", n);
	else
		snprintf(out, len, "%.2f %s", n, units[u]);
}

static void
repl_progress_erase(struct repl *r)
{
	if (r->progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		r->progress_shown = 0;
	}
}

/* One line on stderr, cut to the terminal's width so "\r" can take it back. */
static void
repl_progress_draw(struct repl *r)
{
	struct ch_progress	*p = &r->progress;
	struct winsize		 ws;
	char			 line[256], rows[32], rate[32], bytes[16], brate[16];
	uint64_t		 ms = loop_now(r->loop) - r->started;
	double			 secs = (double)(p->elapsed_ms > 0 ? p->elapsed_ms : ms) / 1000;
	size_t			 cols = 80;
	int			 n;

	if (!isatty(STDERR_FILENO) || ms < REPL_PROGRESS_AFTER_MS)
		return;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		cols = ws.ws_col;
	if (secs <= 0)
		secs = 0.001;
	if (p->rows_read > 0) {
		repl_quantity(rows, sizeof rows, (double)p->rows_read);
		repl_quantity(rate, sizeof rate, (double)p->rows_read / secs);
		util_format_bytes(bytes, sizeof bytes, (int64_t)p->bytes_read);
		util_format_bytes(brate, sizeof brate, (int64_t)((double)p->bytes_read / secs));
		n = snprintf(line, sizeof line, "Progress: %s rows, %s (%s rows/s., %s/s.)",
		    rows, bytes, rate, brate);
		if (p->total_rows > 0 && n > 0 && (size_t)n < sizeof line)
			n += snprintf(line + n, sizeof line - (size_t)n, " %d%%",
			    (int)(p->rows_read * 100 / p->total_rows));
	} else {
		repl_quantity(rows, sizeof rows, (double)r->print.rows);
		n = snprintf(line, sizeof line, "Running: %s rows received", rows);
	}
	if (n > 0 && (size_t)n < sizeof line)
		snprintf(line + n, sizeof line - (size_t)n, ", %.1f s", (double)ms / 1000);
	line[cols - 1 < sizeof line ? cols - 1 : sizeof line - 1] = '\0';
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	r->progress_shown = 1;
}

/* Rows held for a block go out now and then, so a slow stream shows as it comes. */
static void
repl_tick(void *arg)
{
	struct repl	*r = arg;

	if (r->print.nrows > 0) {
		repl_progress_erase(r);
		repl_print_flush(&r->print);
	}
	repl_progress_draw(r);
	loop_timer_start(&r->tick, REPL_TICK_MS);
}

static void
repl_header(const struct ch_column *cols, size_t ncols, void *arg)
{
	struct repl	*r = arg;

	repl_print_header(&r->print, cols, ncols);
}

static void
repl_row(const struct ch_row *row, void *arg)
{
	struct repl	*r = arg;

	if (r->print.vertical)
		repl_progress_erase(r);
	repl_print_row(&r->print, row);
}

static void
repl_progress(const struct ch_progress *p, void *arg)
{
	struct repl	*r = arg;

	r->progress = *p;
}

/* 18.16 says "Code: N, e.displayText() = DB::Exception: M, e.what() = ..."; newer "Code: N. M". */
static void
repl_print_exception(struct repl *r, const struct ch_result *res)
{
	const char	*m = res->message != NULL ? res->message : "unknown error";
	const char	*tail;
	char		*text;
	size_t		 n;
	int		 code, skip = 0;

	if (sscanf(m, "Code: %d, e.displayText() = %n", &code, &skip) == 1 && skip > 0) {
		m += skip;
		tail = strstr(m, ", e.what() = ");
		text = xprintf("Code: %d. %.*s", code, (int)(tail != NULL ?
		    (size_t)(tail - m) : strlen(m)), m);
	} else if (strncmp(m, "Code: ", 6) != 0 && res->code != 0)
		text = xprintf("Code: %d. %s", res->code, m);
	else
		text = xstrdup(m);
	for (n = strlen(text); n > 0 && isspace((unsigned char)text[n - 1]); n--)
		text[n - 1] = '\0';
	printf("Received exception from server (version %s):\n",
	    r->version != NULL ? r->version : "unknown");
	repl_print_text(stdout, text);
	free(text);
}

/* The end of a statement: its footer or error, then the next one (after the callback). */
static void
repl_done(const struct ch_result *res, void *arg)
{
	struct repl	*r = arg;
	struct repl_print *p = &r->print;
	double		 secs = (double)(loop_now(r->loop) - r->started) / 1000;

	r->query = NULL;
	loop_timer_stop(&r->tick);
	repl_progress_erase(r);
	repl_print_flush(p);
	if (res->status == CH_OK) {
		if (!p->has_header || p->ncols == 0)
			printf("Ok.\n");
		else if (p->shown < p->rows)
			printf("Showed first %llu.\n", (unsigned long long)p->shown);
		/* No "Processed": polled progress is a sample, not the final count. */
		printf("\n%llu rows in set. Elapsed: %.3f sec.\n\n",
		    (unsigned long long)p->rows, secs);
	} else if (res->status == CH_ERR_CANCELLED) {
		printf("Query was cancelled.%s\n\n", res->kill_confirmed ? "" :
		    " The server did not confirm it stopped: see system.processes.");
		r->failed = 1;
	} else if (res->status == CH_ERR_SERVER || (res->status == CH_ERR_AUTH &&
	    res->code != 0)) {
		repl_print_exception(r, res);
		printf("\n");
		r->failed = 1;
	} else {
		printf("Error: ");
		repl_print_text(stdout, res->message != NULL ? res->message :
		    "the query failed");
		printf("\n");
		r->failed = 1;
	}
	fflush(stdout);
	repl_print_free(p);
	loop_timer_start(&r->next, 0);
}

static const struct ch_callbacks repl_query_cb = {
	.header = repl_header,
	.row = repl_row,
	.progress = repl_progress,
	.done = repl_done,
};

/* Run the queued statements one after the other; an error drops the rest. */
static void
repl_run_next(void *arg)
{
	struct repl		*r = arg;
	struct repl_stmt	*st;
	struct ch_options	 o = { 0 };
	char			*cause = NULL;

	if (r->failed) {
		repl_queue_clear(r);
		r->failed = 0;
	}
	while (r->qnext < r->nqueue && !r->done) {
		st = &r->queue[r->qnext++];
		o.session_id = r->session_id;
		o.readonly = (r->cmd->env->flags & CMD_ENV_READ_ONLY) != 0;
		o.gzip = cmd_flag(r->cmd, "gzip");
		r->started = loop_now(r->loop);
		r->cancelling = 0;
		memset(&r->progress, 0, sizeof r->progress);
		repl_print_init(&r->print, stdout, st->vertical, r->utf8, r->color);
		r->query = ch_query_start(r->loop, r->http, &r->t.targets[r->t.chosen],
		    st->sql, &o, &repl_query_cb, r, &cause);
		if (r->query != NULL) {
			loop_timer_start(&r->tick, REPL_TICK_MS);
			return;
		}
		printf("Error: %s\n\n", cause);
		free(cause);
		cause = NULL;
		repl_print_free(&r->print);
		repl_queue_clear(r);
	}
	repl_queue_clear(r);
	repl_prompt(r);
}

/* Readline's line handler: NULL is Ctrl-D. */
static void
repl_line(char *line)
{
	struct repl	*r = repl_self;

	if (line == NULL || (r->input.len == 0 && repl_input_is_exit(line))) {
		if (line == NULL)
			printf("\n");
		free(line);
		printf("Bye.\n");
		rl_callback_handler_remove();
		r->prompting = 0;
		loop_io_stop(&r->in);
		r->done = 1;
		return;
	}
	if (r->input.len == 0 && repl_input_blank(line)) {
		free(line);
		return;
	}
	if (r->input.len > 0)
		buf_addc(&r->input, '\n');
	buf_adds(&r->input, line);
	free(line);
	repl_split(r);
	if (r->qnext < r->nqueue) {
		rl_callback_handler_remove();
		r->prompting = 0;
		loop_io_stop(&r->in);
		repl_run_next(r);
		return;
	}
	rl_set_prompt(r->input.len > 0 ? REPL_PROMPT_MORE : REPL_PROMPT);
}

/* Back to the prompt: readline takes the terminal again. */
static void
repl_prompt(struct repl *r)
{
	if (r->done || r->prompting)
		return;
	rl_callback_handler_install(r->input.len > 0 ? REPL_PROMPT_MORE : REPL_PROMPT,
	    repl_line);
	r->prompting = 1;
	loop_io_start(&r->in, POLLIN);
}

static void
repl_stdin(int fd, short revents, void *arg)
{
	struct repl	*r = arg;

	if (r->prompting && (revents & POLLIN))
		rl_callback_read_char();
	else if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		loop_io_stop(&r->in);
		r->done = 1;
	}
}

/* Ctrl-C cancels the running query on every shard, or clears the line being typed. */
static void
repl_sigint(int sig, void *arg)
{
	struct repl	*r = arg;

	if (r->query != NULL) {
		if (r->cancelling)
			return;
		r->cancelling = 1;
		r->failed = 1;
		repl_progress_erase(r);
		fprintf(stderr, "Cancelling query.\n");
		ch_query_cancel(r->query, r->t.targets, r->t.n);
	} else if (r->prompting) {
		rl_free_line_state();
		rl_callback_sigcleanup();
		rl_callback_handler_remove();
		r->prompting = 0;
		buf_reset(&r->input);
		printf("\n");
		repl_prompt(r);
	} else if (r->probe != NULL) {
		r->exit = 128 + sig;
		r->done = 1;
	}
}

static void
repl_sigterm(int sig, void *arg)
{
	struct repl	*r = arg;

	if (r->query != NULL && !r->cancelling) {
		r->cancelling = 1;
		ch_query_cancel(r->query, r->t.targets, r->t.n);
	}
	r->exit = 128 + sig;
	r->done = 1;
}

static void
repl_winch(int sig, void *arg)
{
	struct repl	*r = arg;

	if (r->prompting)
		rl_resize_terminal();
}

static void
repl_names_row(const struct ch_row *row, void *arg)
{
	if (row->n > 0 && row->fields[0] != NULL)
		repl_input_names_add(row->fields[0], row->lens[0]);
}

static void
repl_names_done(const struct ch_result *res, void *arg)
{
	struct repl	*r = arg;

	r->names_query = NULL;
	repl_input_names_sort();
}

static const struct ch_callbacks repl_names_cb = {
	.row = repl_names_row,
	.done = repl_names_done,
};

/* The probe's one row is the server's version. */
static void
repl_probe_row(const struct ch_row *row, void *arg)
{
	struct repl	*r = arg;

	if (row->n > 0 && row->fields[0] != NULL && r->version == NULL)
		r->version = xstrndup(row->fields[0], row->lens[0]);
}

/* Connected (or not): greet like clickhouse-client, load names, then prompt. */
static void
repl_probe_done(const struct ch_result *res, void *arg)
{
	struct repl		*r = arg;
	struct ch_options	 o = { 0 };
	struct buf		 b;
	char			*cause = NULL;

	r->probe = NULL;
	if (res->status != CH_OK || r->version == NULL) {
		fprintf(stderr, "Cannot connect to %s: ", r->t.targets[r->t.chosen].name);
		repl_print_text(stderr, res->message != NULL ? res->message : "no version");
		r->exit = res->status == CH_ERR_AUTH ? CMD_EXIT_AUTH :
		    res->status == CH_ERR_SERVER ? CMD_EXIT_FAIL : CMD_EXIT_UNREACHABLE;
		r->done = 1;
		return;
	}
	buf_init(&b);
	util_sanitize(&b, r->version, strlen(r->version));
	free(r->version);
	r->version = buf_steal(&b);
	printf("Connected to ClickHouse server version %s.\n\n", r->version);
	fflush(stdout);
	r->names_query = ch_query_start(r->loop, r->http, &r->t.targets[r->t.chosen],
	    "SELECT DISTINCT name FROM (SELECT name FROM system.databases UNION ALL "
	    "SELECT name FROM system.tables UNION ALL SELECT name FROM system.columns "
	    "UNION ALL SELECT name FROM system.functions) LIMIT 100000",
	    &o, &repl_names_cb, r, &cause);
	free(cause);
	repl_prompt(r);
}

static const struct ch_callbacks repl_probe_cb = {
	.row = repl_probe_row,
	.done = repl_probe_done,
};

/* A session of our own: random, so two REPLs never share SET or temporary tables. */
static char *
repl_session_id(void)
{
	unsigned char	 rnd[8];
	size_t		 i;
	struct buf	 b;

	if (getentropy(rnd, sizeof rnd) != 0) {
		for (i = 0; i < sizeof rnd; i++)
			rnd[i] = (unsigned char)(rand() ^ getpid() >> i);
	}
	buf_init(&b);
	buf_printf(&b, "platform-tui-repl-%ld-", (long)getpid());
	for (i = 0; i < sizeof rnd; i++)
		buf_printf(&b, "%02x", rnd[i]);
	return (buf_steal(&b));
}

/* Readline's setup: our signals, our completion, no environment changes. */
static void
repl_readline_init(void)
{
	static char	breaks[] = " \t\n\"\\'`@$><=;|&{(,).*+-/%[]";

	rl_readline_name = "platform-tui";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_instream = stdin;
	rl_outstream = stdout;
	rl_attempted_completion_function = repl_input_complete;
	rl_completer_word_break_characters = breaks;
}

/* Wait a little for queries still loading to end, so nothing is left behind. */
static void
repl_drain(struct repl *r)
{
	uint64_t	until = loop_now(r->loop) + 3000;

	if (r->names_query != NULL)
		ch_query_cancel(r->names_query, &r->t.targets[r->t.chosen], 1);
	if (r->probe != NULL)
		ch_query_cancel(r->probe, &r->t.targets[r->t.chosen], 1);
	while ((r->names_query != NULL || r->probe != NULL || r->query != NULL ||
	    http_pending(r->http)) && loop_now(r->loop) < until)
		loop_run_once(r->loop, 100);
}

int
repl_main(struct cmd *c)
{
	struct repl		 r = { .cmd = c, .loop = c->env->loop };
	struct ch_options	 o = { 0 };
	const struct ch_target	*t;
	const char		*cs;
	char			*cause = NULL;

	/* The console has its SQL pane; the REPL would fight it for the terminal. */
	if (repl_self != NULL || !isatty(STDIN_FILENO) || c->env->confirm != NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "the SQL REPL needs a terminal of its own");
		return (CMD_EXIT_USAGE);
	}
	if (cmd_inventory(c) != 0)
		return ((int)c->exit);
	if (sql_targets_get(c, &r.t, &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "%s", cause);
		free(cause);
		return (CMD_EXIT_USAGE);
	}
	repl_self = &r;
	cs = nl_langinfo(CODESET);
	r.utf8 = cs != NULL && strcasecmp(cs, "UTF-8") == 0;
	r.color = (c->env->flags & CMD_ENV_COLOR) != 0;
	r.exit = CMD_EXIT_OK;
	r.http = http_new(r.loop);
	r.session_id = repl_session_id();
	buf_init(&r.input);
	loop_io_init(&r.in, r.loop, STDIN_FILENO, repl_stdin, &r);
	loop_timer_init(&r.tick, r.loop, repl_tick, &r);
	loop_timer_init(&r.next, r.loop, repl_run_next, &r);
	loop_signal_set(r.loop, SIGINT, repl_sigint, &r);
	loop_signal_set(r.loop, SIGTERM, repl_sigterm, &r);
	loop_signal_set(r.loop, SIGWINCH, repl_winch, &r);
	repl_readline_init();
	r.history = repl_input_history_open(r.t.service, cmd_opt(c, "shard"));

	t = &r.t.targets[r.t.chosen];
	printf("Connecting to %s at %s as user %s.\n", t->name, t->url,
	    t->user != NULL ? t->user : "default");
	fflush(stdout);
	r.probe = ch_query_start(r.loop, r.http, t, "SELECT version()", &o,
	    &repl_probe_cb, &r, &cause);
	if (r.probe == NULL) {
		fprintf(stderr, "Cannot connect to %s: %s\n", t->name, cause);
		free(cause);
		r.exit = CMD_EXIT_USAGE;
		r.done = 1;
	}
	while (!r.done)
		loop_run_once(r.loop, -1);

	if (r.prompting) {
		rl_callback_handler_remove();
		printf("\n");
	}
	repl_drain(&r);
	repl_input_history_close(r.history);
	repl_input_names_free();
	loop_signal_set(r.loop, SIGINT, NULL, NULL);
	loop_signal_set(r.loop, SIGTERM, NULL, NULL);
	loop_signal_set(r.loop, SIGWINCH, NULL, NULL);
	loop_io_stop(&r.in);
	loop_timer_stop(&r.tick);
	loop_timer_stop(&r.next);
	http_free(r.http);
	repl_queue_clear(&r);
	repl_print_free(&r.print);
	buf_free(&r.input);
	sql_targets_free(&r.t);
	free(r.session_id);
	free(r.history);
	free(r.version);
	fflush(stdout);
	repl_self = NULL;
	return (r.exit);
}

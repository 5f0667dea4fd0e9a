/* Scripted and batch mode: the same commands as the console, printed for scripts. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmdline.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/loop.h"
#include "core/view.h"
#include "core/xmalloc.h"

struct cli_wait {
	struct cmd	*cmd;
	int		 done;
	int		 signal;
};

static void
cli_done(struct cmd *c, void *arg)
{
	struct cli_wait	*w = arg;

	w->done = 1;
}

/* Ctrl-C or SIGTERM cancels the command in flight: it ends, reports, and we exit. */
static void
cli_signal(int sig, void *arg)
{
	struct cli_wait	*w = arg;

	w->signal = sig;
	cmd_cancel(w->cmd);
}

void
cli_wait(struct cmd *c)
{
	struct loop	*loop = c->env->loop;
	struct cli_wait	 w = { .cmd = c };

	loop_signal_set(loop, SIGINT, cli_signal, &w);
	loop_signal_set(loop, SIGTERM, cli_signal, &w);
	cmd_run(c, cli_done, &w);
	while (!w.done)
		loop_run_once(loop, -1);
	loop_signal_set(loop, SIGINT, NULL, NULL);
	loop_signal_set(loop, SIGTERM, NULL, NULL);
	if (w.signal != 0)
		c->exit = 128 + w.signal;
}

int
cli_run(struct cmd_env *env, enum output_format fmt, int argc, char **argv)
{
	struct cmd	*c;
	char		*cause = NULL;
	const char	*o;
	int		 rc, color;
	json_t		*j;

	if ((c = cmd_parse(env, argc, argv, &cause)) == NULL) {
		fprintf(stderr, "platform-tui: %s\n", cause);
		free(cause);
		return (CMD_EXIT_USAGE);
	}
	if ((o = cmd_opt(c, "output")) != NULL && output_parse_format(o, &fmt) != 0) {
		fprintf(stderr, "platform-tui: bad output format '%s' (table, json, tsv, "
		    "csv or yaml)\n", o);
		cmd_free(c);
		return (CMD_EXIT_USAGE);
	}
	cli_wait(c);
	color = (env->flags & CMD_ENV_COLOR) != 0;
	if (c->view != NULL)
		output_view(stdout, c->view, fmt, color);
	if (c->message != NULL) {
		if (fmt == OUTPUT_JSON) {
			j = json_pack("{s:o}", "message", output_json_string(c->message));
			json_dumpf(j, stdout, JSON_INDENT(2));
			fputc('\n', stdout);
			json_decref(j);
		} else
			printf("%s\n", c->message);
	}
	fflush(stdout);
	if (c->exit != CMD_EXIT_OK && c->error != NULL)
		fprintf(stderr, "platform-tui: %s\n", c->error);
	rc = (int)c->exit;
	cmd_free(c);
	return (rc);
}

static void
cli_batch_error(FILE *out, int code, const char *message, json_t *result)
{
	json_t	*j;

	j = json_pack("{s:b,s:{s:i,s:s,s:o}}", "ok", 0, "error", "code", code,
	    "kind", cmd_exit_name((enum cmd_exit)code), "message",
	    output_json_string(message));
	if (result != NULL)
		json_object_set_new(j, "result", result);
	json_dumpf(j, out, JSON_COMPACT);
	fputc('\n', out);
	fflush(out);
	json_decref(j);
}

/* One command and its JSON line; returns its exit status. */
static int
cli_batch_one(struct cmd_env *env, FILE *out, char **argv, int argc)
{
	struct cmd	*c;
	char		*cause = NULL;
	json_t		*result, *j;
	int		 rc;

	if ((c = cmd_parse(env, argc, argv, &cause)) == NULL) {
		cli_batch_error(out, CMD_EXIT_USAGE, cause, NULL);
		free(cause);
		return (CMD_EXIT_USAGE);
	}
	cli_wait(c);
	if (c->view != NULL)
		result = output_view_json(c->view);
	else if (c->message != NULL)
		result = json_pack("{s:o}", "message", output_json_string(c->message));
	else
		result = json_null();
	if (c->exit != CMD_EXIT_OK) {
		/* A partial view (status with a service down) still goes along. */
		if (c->view == NULL) {
			json_decref(result);
			result = NULL;
		}
		cli_batch_error(out, (int)c->exit, c->error != NULL ? c->error :
		    cmd_exit_name(c->exit), result);
	} else {
		j = json_pack("{s:b,s:o}", "ok", 1, "result", result);
		json_dumpf(j, out, JSON_COMPACT);
		fputc('\n', out);
		fflush(out);
		json_decref(j);
	}
	rc = (int)c->exit;
	cmd_free(c);
	return (rc);
}

/*
 * Read one command per line and answer each with one JSON line, going on
 * after errors. Exits 0 when every command succeeded, else 1.
 */
int
cli_batch(struct cmd_env *env, FILE *in, FILE *out)
{
	char	*line = NULL, *cause = NULL, **argv;
	size_t	 cap = 0;
	ssize_t	 len;
	int	 argc, failed = 0;

	env->flags |= CMD_ENV_BATCH;
	while ((len = getline(&line, &cap, in)) != -1) {
		if ((argc = cmdline_split(line, (size_t)len, &argv, &cause)) < 0) {
			cli_batch_error(out, CMD_EXIT_USAGE, cause, NULL);
			free(cause);
			cause = NULL;
			failed = 1;
			continue;
		}
		if (argc > 0 && cli_batch_one(env, out, argv, argc) != CMD_EXIT_OK)
			failed = 1;
		cmdline_free(argv);
	}
	free(line);
	return (failed ? CMD_EXIT_FAIL : CMD_EXIT_OK);
}

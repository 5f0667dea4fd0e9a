/* Unit tests for the command table: lookup, options, read-only, confirmation, audit, waiting. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "core/cmd.h"
#include "core/loop.h"
#include "core/xmalloc.h"
#include "tests/unit/tap.h"

static int	ran;

static enum cmd_retval
exec_count(struct cmd *c)
{
	ran++;
	cmd_message(c, "ran %d", c->argc);
	return (CMD_RETURN_NORMAL);
}

static void
wait_fire(void *arg)
{
	struct cmd	*c = arg;

	cmd_message(c, "waited");
	free(c->state);
	c->state = NULL;
	cmd_finish(c);
}

static void
wait_cancel(struct cmd *c)
{
	loop_timer_stop(c->state);
	free(c->state);
	c->state = NULL;
}

static enum cmd_retval
exec_wait(struct cmd *c)
{
	struct loop_timer	*t = xmalloc(sizeof *t);

	loop_timer_init(t, c->env->loop, wait_fire, c);
	loop_timer_start(t, 10);
	c->state = t;
	c->cancel = wait_cancel;
	return (CMD_RETURN_WAIT);
}

static const struct cmd_entry e_list = {
	.name = "dag list", .args = { "paused limit=|n", 0, 0 }, .usage = "",
	.help = "List.", .exec = exec_count,
};
static const struct cmd_entry e_trigger = {
	.name = "dag trigger", .alias = "trigger", .args = { "conf= wait", 1, 1 },
	.usage = "[--conf JSON] DAG", .help = "Trigger.", .flags = CMD_CHANGES,
	.exec = exec_count,
};
static const struct cmd_entry e_delete = {
	.name = "dag delete", .args = { "", 1, 1 }, .usage = "DAG", .help = "Delete.",
	.flags = CMD_CHANGES | CMD_DESTRUCTIVE, .exec = exec_count,
};
static const struct cmd_entry e_wait = {
	.name = "wait", .args = { "", 0, 0 }, .usage = "", .help = "Wait.",
	.exec = exec_wait,
};

static struct cmd *
parse(struct cmd_env *env, const char *s, char **cause)
{
	char	*copy = xstrdup(s), *argv[16], *p;
	int	 argc = 0;
	struct cmd *c;

	for (p = strtok(copy, " "); p != NULL && argc < 15; p = strtok(NULL, " "))
		argv[argc++] = p;
	c = cmd_parse(env, argc, argv, cause);
	free(copy);
	return (c);
}

static int	finished;

static void
on_done(struct cmd *c, void *arg)
{
	finished++;
}

static void
run(struct cmd *c)
{
	finished = 0;
	cmd_run(c, on_done, NULL);
	while (!finished)
		loop_run_once(c->env->loop, 1000);
}

int
main(void)
{
	struct cmd_env	 env;
	struct cmd	*c;
	char		*cause = NULL, audit[] = "/tmp/pt-test-audit.XXXXXX", line[1024];
	FILE		*f;
	int		 fd;

	memset(&env, 0, sizeof env);
	env.loop = loop_new();
	fd = mkstemp(audit);
	close(fd);
	env.audit_path = audit;
	cmd_register(&e_list);
	cmd_register(&e_trigger);
	cmd_register(&e_delete);
	cmd_register(&e_wait);

	c = parse(&env, "dag trigger ingest --conf={\"a\":1} --wait", &cause);
	ok(c != NULL && c->entry == &e_trigger, "two-word command found");
	if (c != NULL) {
		is_str(cmd_opt(c, "conf"), "{\"a\":1}", "--name=value");
		ok(cmd_flag(c, "wait"), "flag after the argument");
		is_int(c->argc, 1, "one positional argument");
		is_str(c->argv[0], "ingest", "the argument");
	}
	cmd_free(c);

	c = parse(&env, "trigger ingest --conf x", &cause);
	ok(c != NULL && c->entry == &e_trigger && strcmp(cmd_opt(c, "conf"), "x") == 0,
	    "alias, and --name value");
	cmd_free(c);

	c = parse(&env, "dag list -n 5 -y", &cause);
	ok(c != NULL && strcmp(cmd_opt(c, "limit"), "5") == 0 && cmd_flag(c, "yes"),
	    "short options and the global -y");
	cmd_free(c);

	ok(parse(&env, "dag list --bogus", &cause) == NULL, "unknown option refused");
	is_str(cause, "dag list: unknown option '--bogus'", "and named");
	free(cause);
	ok(parse(&env, "dag trigger", &cause) == NULL, "too few arguments refused");
	is_str(cause, "usage: dag trigger [--conf JSON] DAG", "with the usage");
	free(cause);
	ok(parse(&env, "dag trigger a --conf", &cause) == NULL, "missing value refused");
	free(cause);
	ok(parse(&env, "dag", &cause) == NULL, "a noun alone is refused");
	is_str(cause, "dag: missing or unknown verb '' (one of: list, trigger, delete)",
	    "and its verbs listed");
	free(cause);
	ok(parse(&env, "frobnicate", &cause) == NULL, "unknown command refused");
	free(cause);
	c = parse(&env, "dag trigger -- --odd", &cause);
	ok(c != NULL && strcmp(c->argv[0], "--odd") == 0, "-- ends options");
	cmd_free(c);

	/* Read-only refuses what changes things, and does not audit the refusal. */
	env.flags = CMD_ENV_READ_ONLY;
	ran = 0;
	c = parse(&env, "dag trigger ingest", &cause);
	run(c);
	is_int(c->exit, CMD_EXIT_REFUSED, "read-only refuses a changing command");
	is_int(ran, 0, "and does not run it");
	cmd_free(c);
	c = parse(&env, "dag list", &cause);
	run(c);
	is_int(c->exit, CMD_EXIT_OK, "read-only runs a command that changes nothing");
	cmd_free(c);

	/* Destructive commands need --yes without an interactive confirm. */
	env.flags = 0;
	ran = 0;
	c = parse(&env, "dag delete old", &cause);
	run(c);
	is_int(c->exit, CMD_EXIT_REFUSED, "destructive without --yes is refused");
	is_int(ran, 0, "and not run");
	cmd_free(c);
	c = parse(&env, "dag delete old --yes", &cause);
	run(c);
	is_int(c->exit, CMD_EXIT_OK, "with --yes it runs");
	is_int(ran, 1, "once");
	cmd_free(c);

	f = fopen(audit, "r");
	ok(f != NULL && fgets(line, sizeof line, f) != NULL, "audit log has a line");
	ok(strstr(line, "command=\"dag delete\" target=\"old\"") != NULL,
	    "with command and target");
	ok(strstr(line, "result=\"refused\"") != NULL, "first the refusal without --yes");
	ok(fgets(line, sizeof line, f) != NULL && strstr(line, "result=\"ok\"") != NULL,
	    "then the run that succeeded");
	ok(fgets(line, sizeof line, f) == NULL, "nothing for read-only refusals or reads");
	if (f != NULL)
		fclose(f);

	/* A waiting command ends from the loop; a cancelled one ends at once. */
	c = parse(&env, "wait", &cause);
	run(c);
	is_str(c->message, "waited", "a waiting command finished from its timer");
	cmd_free(c);
	c = parse(&env, "wait", &cause);
	finished = 0;
	cmd_run(c, on_done, NULL);
	ok(!finished, "still waiting");
	cmd_cancel(c);
	ok(finished == 1 && c->exit == CMD_EXIT_FAIL, "cancel ends it with an error");
	loop_run_once(env.loop, 50);
	is_int(finished, 1, "and its timer never fires");
	cmd_free(c);

	unlink(audit);
	loop_free(env.loop);
	return (tap_done());
}

/* Secret references: valid forms, checks, resolving, refusals and timeouts. */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/secret.h"
#include "core/xmalloc.h"
#include "tests/unit/tap.h"

static char	tmpdir[] = "/tmp/test-secret.XXXXXX";

/* Write a file with a mode, for the file: tests. */
static char *
make_file(const char *name, const char *text, size_t len, mode_t mode)
{
	char	*path;
	FILE	*f;

	path = xprintf("%s/%s", tmpdir, name);
	unlink(path);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(99);
	}
	fwrite(text, 1, len, f);
	fclose(f);
	chmod(path, mode);
	return (path);
}

/* A reference that should be refused, with its exact message. */
static void
invalid(const char *ref, const char *want)
{
	char	*cause = NULL, *what;

	what = xstrdup(ref);
	what[strcspn(what, "\n")] = '\0';	/* keep TAP on one line */
	is_int(secret_valid(ref, &cause), -1, "'%s' is not valid", what);
	is_str(cause, want, "'%s': message", what);
	free(cause);
	free(what);
}

/* Forms only: nothing is read. */
static void
test_valid(void)
{
	static const char *good[] = {
		"env:CH_PASSWORD", "env:_x1", "file:/etc/secret",
		"file:~/.pgpass", "cmd:pass show db/airflow", NULL
	};
	char	*cause = NULL;
	int	 i;

	for (i = 0; good[i] != NULL; i++) {
		is_int(secret_valid(good[i], &cause), 0, "'%s' is valid",
		    good[i]);
	}
	invalid("hunter2", "secrets must be references: env:NAME, file:PATH"
	    " or cmd:COMMAND");
	invalid("ENV:X", "secrets must be references: env:NAME, file:PATH"
	    " or cmd:COMMAND");
	invalid("", "secrets must be references: env:NAME, file:PATH"
	    " or cmd:COMMAND");
	invalid("env:", "env: needs a variable name of letters, digits and"
	    " '_', not starting with a digit (env:NAME)");
	invalid("env:1X", "env: needs a variable name of letters, digits and"
	    " '_', not starting with a digit (env:NAME)");
	invalid("env:A-B", "env: needs a variable name of letters, digits and"
	    " '_', not starting with a digit (env:NAME)");
	invalid("file:", "file: needs a path (file:PATH)");
	invalid("file:  ", "file: needs a path (file:PATH)");
	invalid("cmd:", "cmd: needs a command (cmd:COMMAND)");
	invalid("cmd:echo\nx", "cmd: needs a command (cmd:COMMAND)");
}

/* env: references, set, unset and empty. */
static void
test_env(void)
{
	char	*cause = NULL, *s;

	setenv("PT_TEST_SECRET", "s3cret", 1);
	unsetenv("PT_TEST_UNSET");
	setenv("PT_TEST_EMPTY", "", 1);

	is_int(secret_check("env:PT_TEST_SECRET", &cause), 0, "env: set");
	s = secret_resolve("env:PT_TEST_SECRET", &cause);
	is_str(s, "s3cret", "env: resolves");
	secret_free(s);

	is_int(secret_check("env:PT_TEST_UNSET", &cause), -1, "env: unset");
	is_str(cause, "environment variable PT_TEST_UNSET is not set",
	    "env: unset message");
	free(cause);
	cause = NULL;
	s = secret_resolve("env:PT_TEST_UNSET", &cause);
	ok(s == NULL, "env: unset does not resolve");
	is_str(cause, "environment variable PT_TEST_UNSET is not set",
	    "env: unset resolve message");
	free(cause);
	cause = NULL;

	is_int(secret_check("env:PT_TEST_EMPTY", &cause), -1, "env: empty");
	is_str(cause, "environment variable PT_TEST_EMPTY is empty",
	    "env: empty message");
	free(cause);
}

/* file: references, their modes, sizes and ~. */
static void
test_file(void)
{
	char	*cause = NULL, *s, *path, *ref, *big, *want, *home;

	path = make_file("pw", "s3cret\n\n", 8, 0600);
	ref = xprintf("file:%s", path);
	is_int(secret_check(ref, &cause), 0, "file: 0600 passes the check");
	s = secret_resolve(ref, &cause);
	is_str(s, "s3cret", "file: resolves without trailing newlines");
	secret_free(s);
	is_int(secret_check_mode(path, &cause), 0, "file: 0600 mode is fine");

	/* 0644 is refused everywhere, with the command that fixes it. */
	chmod(path, 0644);
	want = xprintf("%s is readable by group or others; run chmod 600 %s",
	    path, path);
	is_int(secret_check(ref, &cause), -1, "file: 0644 refused by check");
	is_str(cause, want, "file: 0644 check message");
	free(cause);
	cause = NULL;
	s = secret_resolve(ref, &cause);
	ok(s == NULL, "file: 0644 refused by resolve");
	is_str(cause, want, "file: 0644 resolve message");
	free(cause);
	cause = NULL;
	is_int(secret_check_mode(path, &cause), -1, "check_mode: 0644 refused");
	is_str(cause, want, "check_mode: 0644 message");
	free(cause);
	cause = NULL;
	free(want);

	chmod(path, 0620);
	want = xprintf("%s is writable by group or others; run chmod 600 %s",
	    path, path);
	is_int(secret_check_mode(path, &cause), -1, "check_mode: 0620 refused");
	is_str(cause, want, "check_mode: 0620 message");
	free(cause);
	cause = NULL;
	free(want);
	chmod(path, 0400);
	is_int(secret_check_mode(path, &cause), 0, "check_mode: 0400 is fine");
	free(ref);
	free(path);

	/* Missing, not a file, empty, too big. */
	ref = xprintf("file:%s/missing", tmpdir);
	want = xprintf("%s/missing: No such file or directory", tmpdir);
	is_int(secret_check(ref, &cause), -1, "file: missing");
	is_str(cause, want, "file: missing message");
	free(cause);
	cause = NULL;
	free(want);
	free(ref);

	ref = xprintf("file:%s", tmpdir);
	want = xprintf("%s: not a regular file", tmpdir);
	is_int(secret_check(ref, &cause), -1, "file: a directory");
	is_str(cause, want, "file: a directory message");
	free(cause);
	cause = NULL;
	free(want);
	free(ref);

	path = make_file("empty", "\n", 1, 0600);
	ref = xprintf("file:%s", path);
	want = xprintf("%s is empty", path);
	s = secret_resolve(ref, &cause);
	ok(s == NULL, "file: empty does not resolve");
	is_str(cause, want, "file: empty message");
	free(cause);
	cause = NULL;
	free(want);
	free(ref);
	free(path);

	big = xmalloc(70000);
	memset(big, 'x', 70000);
	path = make_file("big", big, 70000, 0600);
	ref = xprintf("file:%s", path);
	want = xprintf("%s: larger than 64 KiB", path);
	s = secret_resolve(ref, &cause);
	ok(s == NULL, "file: over 64 KiB does not resolve");
	is_str(cause, want, "file: over 64 KiB message");
	free(cause);
	cause = NULL;
	free(want);
	free(ref);
	free(path);
	free(big);

	/* ~ is the home directory. */
	home = getenv("HOME") != NULL ? xstrdup(getenv("HOME")) : NULL;
	setenv("HOME", tmpdir, 1);
	path = make_file("home-pw", "from-home", 9, 0600);
	s = secret_resolve("file:~/home-pw", &cause);
	is_str(s, "from-home", "file: ~ is expanded");
	secret_free(s);
	is_int(secret_check("file:~/home-pw", &cause), 0, "file: ~ check");
	if (home != NULL)
		setenv("HOME", home, 1);
	free(home);
	free(path);
}

/* Resolve a cmd: that should fail, and check it names no secret. */
static void
cmd_fails(const char *ref, const char *want, const char *what)
{
	char	*cause = NULL, *s;

	s = secret_resolve(ref, &cause);
	ok(s == NULL, "%s: refused", what);
	is_str(cause, want, "%s: message", what);
	ok(cause == NULL || strstr(cause, "hunter2") == NULL,
	    "%s: message has no secret", what);
	secret_free(s);
	free(cause);
}

/* cmd: references: output, exit status, signals and the deadline. */
static void
test_cmd(void)
{
	struct timeval	 t0, t1;
	char		*cause = NULL, *s, *path, *ref, *want;
	long		 ms;

	s = secret_resolve("cmd:printf 'pw1\\nsecond line\\n'", &cause);
	is_str(s, "pw1", "cmd: first line of stdout");
	secret_free(s);
	s = secret_resolve("cmd:printf 'crlf\\r\\n'", &cause);
	is_str(s, "crlf", "cmd: CR before the newline is dropped");
	secret_free(s);
	s = secret_resolve("cmd:echo stdout; echo noise >&2", &cause);
	is_str(s, "stdout", "cmd: stderr is not the secret");
	secret_free(s);
	s = secret_resolve("cmd:read x; echo got${x}end", &cause);
	is_str(s, "gotend", "cmd: stdin is /dev/null");
	secret_free(s);

	is_int(secret_check("cmd:printf x", &cause), 0, "check: in PATH");
	is_int(secret_check("cmd:/bin/sh -c true", &cause), 0,
	    "check: a path");
	is_int(secret_check("cmd:FOO=1 printf x", &cause), 0,
	    "check: VAR=value is skipped");
	is_int(secret_check("cmd:'printf' x", &cause), 0,
	    "check: quotes are taken off");
	is_int(secret_check("cmd:printf x|cat", &cause), 0,
	    "check: the word ends at a shell operator");
	is_int(secret_check("cmd:pt-no-such-command x", &cause), -1,
	    "check: missing command");
	is_str(cause, "command 'pt-no-such-command' not found in PATH",
	    "check: missing command message");
	free(cause);
	cause = NULL;
	is_int(secret_check("cmd:/nonexistent/tool", &cause), -1,
	    "check: missing path");
	is_str(cause, "command '/nonexistent/tool' is not an executable file",
	    "check: missing path message");
	free(cause);
	cause = NULL;
	path = make_file("notexec", "#!/bin/sh\n", 10, 0600);
	ref = xprintf("cmd:%s", path);
	want = xprintf("command '%s' is not an executable file", path);
	is_int(secret_check(ref, &cause), -1, "check: not executable");
	is_str(cause, want, "check: not executable message");
	free(cause);
	cause = NULL;
	free(want);
	free(ref);
	free(path);

	cmd_fails("cmd:echo hunter2; exit 3",
	    "command 'echo' exited with status 3", "exit status");
	cmd_fails("cmd:false", "command 'false' exited with status 1",
	    "false");
	cmd_fails("cmd:pt-no-such-command",
	    "command 'pt-no-such-command' not found (exit status 127)",
	    "not found");
	cmd_fails("cmd:true", "command 'true' printed no secret on its first"
	    " line", "no output");
	cmd_fails("cmd:echo; echo hunter2", "command 'echo' printed no secret"
	    " on its first line", "empty first line");
	cmd_fails("cmd:kill -9 $$", "command 'kill' was killed by signal 9",
	    "killed");

	/* A hung command is killed at the deadline, with all it started. */
	secret_set_cmd_timeout_ms(300);
	gettimeofday(&t0, NULL);
	cmd_fails("cmd:sleep 30", "command 'sleep' timed out after 300 ms and"
	    " was killed", "timeout");
	cmd_fails("cmd:sleep 30 & echo hunter2", "command 'sleep' timed out"
	    " after 300 ms and was killed", "timeout with a child holding"
	    " stdout");
	cmd_fails("cmd:exec >/dev/null; sleep 30", "command 'exec' timed out"
	    " after 300 ms and was killed", "timeout after closing stdout");
	gettimeofday(&t1, NULL);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
	ok(ms >= 900 && ms < 5000, "three timeouts took %ld ms", ms);
	secret_set_cmd_timeout_ms(2000);
	cmd_fails("cmd:sleep 30", "command 'sleep' timed out after 2 s and"
	    " was killed", "timeout in seconds");
	secret_set_cmd_timeout_ms(0);

	/* Output past 64 KiB is read and dropped, not a hang. */
	s = secret_resolve("cmd:echo first; head -c 200000 /dev/zero", &cause);
	is_str(s, "first", "cmd: large output keeps the first line");
	secret_free(s);
}

/* Temporary files live in one directory removed at the end. */
int
main(void)
{
	char	cmd[64];

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (99);
	}
	test_valid();
	test_env();
	test_file();
	test_cmd();
	secret_free(NULL);
	ok(1, "secret_free(NULL) is fine");
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return (tap_done());
}

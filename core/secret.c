/*
 * Secret references: env:NAME, file:PATH and cmd:COMMAND. A secret is read
 * only when it is used, lives in memory no longer than needed and is wiped
 * when freed. No message built here ever contains a secret's value.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/secret.h"
#include "core/xmalloc.h"

#define SECRET_MAX		(64 * 1024)	/* file or output */
#define SECRET_CMD_TIMEOUT	10000		/* ms a cmd: may take */

static int secret_cmd_timeout = SECRET_CMD_TIMEOUT;

static const char secret_not_ref[] =
    "secrets must be references: env:NAME, file:PATH or cmd:COMMAND";

/* Tests shorten the command timeout instead of waiting ten seconds. */
void
secret_set_cmd_timeout_ms(int ms)
{
	secret_cmd_timeout = ms > 0 ? ms : SECRET_CMD_TIMEOUT;
}

/* Environment variable names are what a shell can export. */
static int
secret_env_name_valid(const char *name)
{
	const char	*p;

	if (*name == '\0' || isdigit((unsigned char)*name))
		return (0);
	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_')
			return (0);
	}
	return (1);
}

/* What follows the prefix must be there and printable: it is in a text file. */
static int
secret_text_valid(const char *s)
{
	const char	*p;

	for (p = s; *p == ' ' || *p == '\t'; p++)
		/* nothing */;
	if (*p == '\0')
		return (0);
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return (0);
		if (*p == 0x7f)
			return (0);
	}
	return (1);
}

/* Only the form is checked: an inventory parses where its secrets are not. */
int
secret_valid(const char *ref, char **cause)
{
	if (strncmp(ref, "env:", 4) == 0) {
		if (!secret_env_name_valid(ref + 4)) {
			*cause = xstrdup("env: needs a variable name of"
			    " letters, digits and '_', not starting with a"
			    " digit (env:NAME)");
			return (-1);
		}
		return (0);
	}
	if (strncmp(ref, "file:", 5) == 0) {
		if (!secret_text_valid(ref + 5)) {
			*cause = xstrdup("file: needs a path (file:PATH)");
			return (-1);
		}
		return (0);
	}
	if (strncmp(ref, "cmd:", 4) == 0) {
		if (!secret_text_valid(ref + 4)) {
			*cause = xstrdup("cmd: needs a command (cmd:COMMAND)");
			return (-1);
		}
		return (0);
	}
	*cause = xstrdup(secret_not_ref);
	return (-1);
}

/* Expand a leading ~ or ~user the way a shell would; caller frees. */
static char *
secret_expand_home(const char *path)
{
	const struct passwd	*pw;
	const char		*home, *rest;
	char			*user;

	if (path[0] != '~')
		return (xstrdup(path));
	rest = strchr(path, '/');
	if (rest == NULL)
		rest = path + strlen(path);
	if (rest == path + 1) {
		home = getenv("HOME");
		if (home == NULL || *home == '\0') {
			pw = getpwuid(getuid());
			home = pw != NULL ? pw->pw_dir : NULL;
		}
	} else {
		user = xstrndup(path + 1, rest - path - 1);
		pw = getpwnam(user);
		free(user);
		home = pw != NULL ? pw->pw_dir : NULL;
	}
	if (home == NULL)
		return (xstrdup(path));
	return (xprintf("%s%s", home, rest));
}

/* Refuse a mode that lets anyone but the owner read (or rewrite) the file. */
static int
secret_mode_ok(const char *path, mode_t mode, char **cause)
{
	if (mode & (S_IRGRP | S_IROTH)) {
		xasprintf(cause, "%s is readable by group or others;"
		    " run chmod 600 %s", path, path);
		return (-1);
	}
	if (mode & (S_IWGRP | S_IWOTH)) {
		xasprintf(cause, "%s is writable by group or others;"
		    " run chmod 600 %s", path, path);
		return (-1);
	}
	return (0);
}

/* stat() follows a symbolic link: the mode that matters is the target's. */
int
secret_check_mode(const char *path, char **cause)
{
	struct stat	sb;

	if (stat(path, &sb) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	return (secret_mode_ok(path, sb.st_mode, cause));
}

/* Read a private file into a fixed buffer: no realloc leaves a copy behind. */
static char *
secret_file_read(const char *ref, char **cause)
{
	struct stat	 sb;
	char		*path, *data = NULL, *out = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	path = secret_expand_home(ref);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &sb) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		goto out;
	}
	if (secret_mode_ok(path, sb.st_mode, cause) != 0)
		goto out;
	data = xmalloc(SECRET_MAX + 1);
	if ((n = buf_read_all(fd, data, SECRET_MAX + 1)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((len = (size_t)n) > SECRET_MAX) {
		xasprintf(cause, "%s: larger than 64 KiB", path);
		goto out;
	}
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len == 0) {
		xasprintf(cause, "%s is empty", path);
		goto out;
	}
	if (memchr(data, '\0', len) != NULL) {
		xasprintf(cause, "%s contains a NUL byte", path);
		goto out;
	}
	out = xstrndup(data, len);
out:
	if (data != NULL) {
		explicit_bzero(data, SECRET_MAX + 1);
		free(data);
	}
	if (fd != -1)
		close(fd);
	free(path);
	return (out);
}

/* The first word after any VAR=value, without quotes or shell operators. */
static char *
secret_cmd_word(const char *cmd)
{
	const char	*p = cmd, *start;
	char		 q;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\'' || *p == '"') {
			q = *p++;
			start = p;
			while (*p != '\0' && *p != q)
				p++;
			return (xstrndup(start, p - start));
		}
		start = p;
		p += strcspn(p, " \t;&|<>()");
		if (p == start)
			return (xstrdup(""));
		if (strchr(start, '=') != NULL && strchr(start, '=') < p &&
		    (isalpha((unsigned char)*start) || *start == '_'))
			continue;
		return (xstrndup(start, p - start));
	}
}

/* Is this an executable regular file? */
static int
secret_is_exec(const char *path)
{
	struct stat	sb;

	return (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    access(path, X_OK) == 0);
}

/* Find the command the shell would run: a typo shows before the first use. */
static int
secret_cmd_check(const char *cmd, char **cause)
{
	const char	*path;
	char		*word, *full, *copy, *dir, *next;
	int		 found = 0;

	word = secret_cmd_word(cmd);
	if (*word == '\0') {
		*cause = xstrdup("cmd: needs a command (cmd:COMMAND)");
		free(word);
		return (-1);
	}
	if (word[0] == '~' || strchr(word, '/') != NULL) {
		full = secret_expand_home(word);
		found = secret_is_exec(full);
		free(full);
		if (!found)
			xasprintf(cause, "command '%s' is not an executable"
			    " file", word);
		free(word);
		return (found ? 0 : -1);
	}
	if ((path = getenv("PATH")) == NULL || *path == '\0')
		path = "/usr/bin:/bin";
	copy = xstrdup(path);
	for (dir = copy; dir != NULL && !found; dir = next) {
		if ((next = strchr(dir, ':')) != NULL)
			*next++ = '\0';
		full = xprintf("%s/%s", *dir == '\0' ? "." : dir, word);
		found = secret_is_exec(full);
		free(full);
	}
	free(copy);
	if (!found)
		xasprintf(cause, "command '%s' not found in PATH", word);
	free(word);
	return (found ? 0 : -1);
}

/* Read nothing, so a check never runs a cmd: or holds a secret in memory. */
int
secret_check(const char *ref, char **cause)
{
	const char	*value;
	char		*path;
	struct stat	 sb;
	int		 ret;

	if (secret_valid(ref, cause) != 0)
		return (-1);
	if (strncmp(ref, "env:", 4) == 0) {
		if ((value = getenv(ref + 4)) == NULL || *value == '\0') {
			xasprintf(cause, "environment variable %s is %s",
			    ref + 4, value == NULL ? "not set" : "empty");
			return (-1);
		}
		return (0);
	}
	if (strncmp(ref, "file:", 5) == 0) {
		path = secret_expand_home(ref + 5);
		ret = -1;
		if (stat(path, &sb) != 0)
			xasprintf(cause, "%s: %s", path, strerror(errno));
		else if (!S_ISREG(sb.st_mode))
			xasprintf(cause, "%s: not a regular file", path);
		else if (access(path, R_OK) != 0)
			xasprintf(cause, "%s: %s", path, strerror(errno));
		else
			ret = secret_mode_ok(path, sb.st_mode, cause);
		free(path);
		return (ret);
	}
	return (secret_cmd_check(ref + 4, cause));
}

/* Milliseconds on a clock that never jumps. */
static long long
secret_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Kill the command and everything it started, then reap it. */
static void
secret_cmd_kill(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		/* nothing */;
}

/* Start /bin/sh -c COMMAND in its own session with stdout on a pipe. */
static pid_t
secret_cmd_start(const char *cmd, int *fd, char **cause)
{
	sigset_t	set;
	pid_t		pid;
	int		p[2], nullfd;

	if (pipe2(p, O_CLOEXEC) != 0) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		return (-1);
	}
	if ((pid = fork()) == -1) {
		xasprintf(cause, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		setsid();
		if ((nullfd = open("/dev/null", O_RDWR)) == -1)
			_exit(126);
		dup2(nullfd, 0);
		dup2(p[1], 1);
		dup2(nullfd, 2);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*fd = p[0];
	return (pid);
}

/* Run a cmd: reference and keep the first line of its output. */
static char *
secret_cmd_run(const char *cmd, char **cause)
{
	struct pollfd	 pfd;
	long long	 deadline, left;
	char		*data, *word, *nl, *out = NULL, discard[4096];
	size_t		 len = 0;
	ssize_t		 n;
	pid_t		 pid, got;
	int		 fd, status, done = 0;

	if ((pid = secret_cmd_start(cmd, &fd, cause)) == -1)
		return (NULL);
	data = xmalloc(SECRET_MAX + 1);
	word = secret_cmd_word(cmd);
	deadline = secret_now() + secret_cmd_timeout;

	/* Read until EOF, then wait for the exit, both before the deadline. */
	while (!done) {
		if ((left = deadline - secret_now()) <= 0)
			goto timeout;
		pfd.fd = fd;
		pfd.events = POLLIN;
		n = poll(&pfd, 1, left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "poll: %s", strerror(errno));
			secret_cmd_kill(pid);
			goto out;
		}
		if (n == 0)
			continue;
		if (len < SECRET_MAX)
			n = read(fd, data + len, SECRET_MAX - len);
		else
			n = read(fd, discard, sizeof discard);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			done = 1;
		else if (len < SECRET_MAX)
			len += n;
	}
	for (;;) {
		got = waitpid(pid, &status, WNOHANG);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == pid)
			break;
		if (got == -1) {
			xasprintf(cause, "waitpid: %s", strerror(errno));
			goto out;
		}
		if (secret_now() >= deadline)
			goto timeout;
		poll(NULL, 0, 10);
	}
	if (WIFSIGNALED(status)) {
		xasprintf(cause, "command '%s' was killed by signal %d", word,
		    WTERMSIG(status));
		goto out;
	}
	if (WEXITSTATUS(status) == 127) {
		xasprintf(cause, "command '%s' not found (exit status 127)",
		    word);
		goto out;
	}
	if (WEXITSTATUS(status) != 0) {
		xasprintf(cause, "command '%s' exited with status %d", word,
		    WEXITSTATUS(status));
		goto out;
	}
	if ((nl = memchr(data, '\n', len)) != NULL)
		len = nl - data;
	if (len > 0 && data[len - 1] == '\r')
		len--;
	if (len == 0 || memchr(data, '\0', len) != NULL) {
		xasprintf(cause, "command '%s' printed no secret on its first"
		    " line", word);
		goto out;
	}
	out = xstrndup(data, len);
	goto out;

timeout:
	secret_cmd_kill(pid);
	if (secret_cmd_timeout % 1000 == 0)
		xasprintf(cause, "command '%s' timed out after %d s and was"
		    " killed", word, secret_cmd_timeout / 1000);
	else
		xasprintf(cause, "command '%s' timed out after %d ms and was"
		    " killed", word, secret_cmd_timeout);
out:
	close(fd);
	explicit_bzero(data, SECRET_MAX + 1);
	explicit_bzero(discard, sizeof discard);
	free(data);
	free(word);
	return (out);
}

/* The caller holds the secret briefly and gives it back to secret_free. */
char *
secret_resolve(const char *ref, char **cause)
{
	const char	*value;

	if (secret_valid(ref, cause) != 0)
		return (NULL);
	if (strncmp(ref, "env:", 4) == 0) {
		if ((value = getenv(ref + 4)) == NULL || *value == '\0') {
			xasprintf(cause, "environment variable %s is %s",
			    ref + 4, value == NULL ? "not set" : "empty");
			return (NULL);
		}
		return (xstrdup(value));
	}
	if (strncmp(ref, "file:", 5) == 0)
		return (secret_file_read(ref + 5, cause));
	return (secret_cmd_run(ref + 4, cause));
}

/* Wipe first: freed memory is reused and may end up in a core dump. */
void
secret_free(char *secret)
{
	if (secret == NULL)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}

/*
 * $VISUAL/$EDITOR on a temporary file, for the SQL pane's query and the
 * DAGs pane's conf. The editor gets the terminal as a child of the loop:
 * no keys are read and nothing is drawn until it exits, but the loop goes
 * on (requests complete, timers run), as tmux does with its pop-ups.
 */

#include <sys/types.h>

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/loop.h"
#include "core/cmd.h"
#include "core/xmalloc.h"
#include "tui/tui.h"

static struct {
	struct loop_child	 child;
	struct tui		*tui;
	char			*path;
	tui_edit_cb		 cb;
	void			*arg;
	int			 running;
} tui_editor;

/* The editor exited: take the terminal back and hand the text over. */
static void
tui_edit_done(pid_t pid, int status, void *unused)
{
	struct tui	*t = tui_editor.tui;
	struct buf	 b;
	char		 chunk[4096];
	ssize_t		 n;
	int		 fd;

	(void)pid;
	(void)unused;
	tui_editor.running = 0;
	reset_prog_mode();
	t->suspended = 0;
	loop_io_start(&t->input, POLLIN);
	clearok(curscr, TRUE);
	t->dirty = 1;
	buf_init(&b);
	if ((fd = open(tui_editor.path, O_RDONLY)) != -1) {
		while ((n = read(fd, chunk, sizeof chunk)) > 0)
			buf_add(&b, chunk, (size_t)n);
		close(fd);
	}
	unlink(tui_editor.path);
	free(tui_editor.path);
	tui_editor.path = NULL;
	tui_editor.cb(t, status, buf_str(&b), b.len, tui_editor.arg);
	buf_free(&b);
}

/*
 * Write TEXT to a temporary file ending SUFFIX, open the editor on it and
 * return at once; CB gets the exit status and the file's text afterwards.
 */
int
tui_edit(struct tui *t, const char *text, const char *suffix, tui_edit_cb cb,
    void *arg, char **cause)
{
	const char	*tmp = getenv("TMPDIR");
	char		*argv[] = { "/bin/sh", "-c",
			    "exec ${VISUAL:-${EDITOR:-vi}} \"$1\"", "sh", NULL, NULL };
	char		*path;
	size_t		 len = strlen(text);
	int		 fd;

	if (tui_editor.running) {
		*cause = xstrdup("the editor is already open");
		return (-1);
	}
	path = xprintf("%s/platform-tui-XXXXXX%s",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp", suffix);
	if ((fd = mkstemps(path, (int)strlen(suffix))) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(path);
		return (-1);
	}
	if (write(fd, text, len) != (ssize_t)len) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		free(path);
		return (-1);
	}
	close(fd);
	argv[4] = path;
	def_prog_mode();
	endwin();
	loop_io_stop(&t->input);
	t->suspended = 1;
	if (loop_child_spawn(&tui_editor.child, t->env->loop, argv, LOOP_CHILD_TTY,
	    tui_edit_done, NULL, cause) != 0) {
		reset_prog_mode();
		t->suspended = 0;
		loop_io_start(&t->input, POLLIN);
		unlink(path);
		free(path);
		return (-1);
	}
	tui_editor.running = 1;
	tui_editor.tui = t;
	tui_editor.path = path;
	tui_editor.cb = cb;
	tui_editor.arg = arg;
	return (0);
}

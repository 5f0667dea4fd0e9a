/* Unit tests for the event loop: timers, fds, signals, children, resolver. */
#include "config.h"

#include <sys/wait.h>

#include <signal.h>
#include <unistd.h>

#include "core/loop.h"
#include "tests/unit/tap.h"

static char	order[64];
static size_t	norder;

static void
mark(void *arg)
{
	order[norder++] = *(const char *)arg;
	order[norder] = '\0';
}

struct again {
	struct loop_timer	 t;
	int			 count;
};

static void
again_cb(void *arg)
{
	struct again	*a = arg;

	if (++a->count < 3)
		loop_timer_start(&a->t, 0);
}

static void
test_timers(void)
{
	struct loop		*loop = loop_new();
	struct loop_timer	 a, b, c, d;
	struct again		 ag;
	int			 rounds;

	norder = 0;
	loop_timer_init(&a, loop, mark, "a");
	loop_timer_init(&b, loop, mark, "b");
	loop_timer_init(&c, loop, mark, "c");
	loop_timer_init(&d, loop, mark, "d");
	loop_timer_start(&c, 30);
	loop_timer_start(&a, 10);
	loop_timer_start(&b, 20);
	loop_timer_start(&d, 15);
	loop_timer_stop(&d);
	ok(!loop_timer_pending(&d), "a stopped timer is not pending");
	ok(loop_timer_pending(&a), "a started timer is pending");
	loop_run(loop);
	is_str(order, "abc", "timers fire in deadline order, a stopped one never");
	ok(loop_now(loop) >= c.deadline, "no timer fired before its deadline");

	/* A timer restarted at 0 ms from its callback runs once per round. */
	loop_timer_init(&ag.t, loop, again_cb, &ag);
	ag.count = 0;
	loop_timer_start(&ag.t, 0);
	rounds = 0;
	while (loop_timer_pending(&ag.t) && rounds < 10) {
		loop_run_once(loop, 0);
		rounds++;
	}
	is_int(ag.count, 3, "restarting timer fired three times");
	is_int(rounds, 3, "one firing per round, no starvation");
	loop_free(loop);
}

struct pipes {
	struct loop_io	 r1, r2;
	int		 p1[2], p2[2];
	int		 got1, got2;
};

static void
read1(int fd, short ev, void *arg)
{
	struct pipes	*p = arg;
	char		 c;

	(void)read(fd, &c, 1);
	p->got1++;
	/* Stopping the other watcher inside this dispatch must be safe. */
	loop_io_stop(&p->r2);
	loop_io_stop(&p->r1);
}

static void
read2(int fd, short ev, void *arg)
{
	struct pipes	*p = arg;

	p->got2++;
}

static void
test_io(void)
{
	struct loop	*loop = loop_new();
	struct pipes	 p = { .got1 = 0 };

	ok(pipe(p.p1) == 0 && pipe(p.p2) == 0, "pipes");
	loop_io_init(&p.r1, loop, p.p1[0], read1, &p);
	loop_io_init(&p.r2, loop, p.p2[0], read2, &p);
	loop_io_start(&p.r1, POLLIN);
	loop_io_start(&p.r2, POLLIN);
	(void)write(p.p1[1], "x", 1);
	(void)write(p.p2[1], "y", 1);
	loop_run_once(loop, 1000);
	is_int(p.got1, 1, "first watcher fired");
	is_int(p.got2, 0, "watcher stopped during dispatch did not fire");
	loop_run(loop);
	ok(1, "loop_run returns when no watcher is left");
	close(p.p1[0]); close(p.p1[1]); close(p.p2[0]); close(p.p2[1]);
	loop_free(loop);
}

static int	got_signal;

static void
on_signal(int sig, void *arg)
{
	got_signal = sig;
	loop_break(arg);
}

static void
test_signal(void)
{
	struct loop	*loop = loop_new();
	int		 i;

	loop_signal_set(loop, SIGUSR1, on_signal, loop);
	raise(SIGUSR1);
	for (i = 0; i < 10 && got_signal == 0; i++)
		loop_run_once(loop, 100);
	is_int(got_signal, SIGUSR1, "signal delivered through the self-pipe");
	loop_free(loop);
}

struct childtest {
	struct loop_child	 c;
	struct loop_io		 out;
	char			 text[64];
	size_t			 len;
	int			 status;
	int			 exited;
};

static void
child_read(int fd, short ev, void *arg)
{
	struct childtest	*ct = arg;
	ssize_t			 n;

	n = read(fd, ct->text + ct->len, sizeof ct->text - 1 - ct->len);
	if (n > 0) {
		ct->len += (size_t)n;
		ct->text[ct->len] = '\0';
	} else
		loop_io_stop(&ct->out);
}

static void
child_exit(pid_t pid, int status, void *arg)
{
	struct childtest	*ct = arg;

	ct->status = status;
	ct->exited = 1;
}

static void
test_child(void)
{
	struct loop		*loop = loop_new();
	struct childtest	 ct = { .len = 0 };
	char			*argv[] = { "sh", "-c", "echo hello; exit 3", NULL };
	char			*cause = NULL;

	ok(loop_child_spawn(&ct.c, loop, argv, LOOP_CHILD_STDOUT, child_exit, &ct,
	    &cause) == 0, "child spawned");
	loop_io_init(&ct.out, loop, ct.c.out_fd, child_read, &ct);
	loop_io_start(&ct.out, POLLIN);
	loop_run(loop);
	ok(ct.exited, "exit reported through SIGCHLD");
	ok(WIFEXITED(ct.status) && WEXITSTATUS(ct.status) == 3, "exit status 3");
	is_str(ct.text, "hello\n", "stdout read through the pipe");
	close(ct.c.out_fd);
	loop_free(loop);
}

/* A grandchild that sent its output away must not hold the pipe open. */
static void
test_child_grandchild(void)
{
	struct loop		*loop = loop_new();
	struct childtest	 ct = { .len = 0 };
	char			*argv[] = { "sh", "-c",
				    "(sleep 3) </dev/null >/dev/null 2>&1 & echo hi", NULL };
	char			*cause = NULL;
	uint64_t		 start;

	ok(loop_child_spawn(&ct.c, loop, argv, LOOP_CHILD_STDOUT | LOOP_CHILD_STDERR,
	    child_exit, &ct, &cause) == 0, "child with a background grandchild spawned");
	close(ct.c.err_fd);
	loop_io_init(&ct.out, loop, ct.c.out_fd, child_read, &ct);
	loop_io_start(&ct.out, POLLIN);
	start = loop_now(loop);
	while ((ct.out.active || !ct.exited) && loop_now(loop) - start < 5000)
		loop_run_once(loop, 100);
	ok(!ct.out.active && loop_now(loop) - start < 2000,
	    "stdout reaches EOF when the child exits, not when the grandchild does");
	is_str(ct.text, "hi\n", "its output read");
	close(ct.c.out_fd);
	loop_free(loop);
}

static int	resolved, resolve_err, cancelled_called;

static void
on_resolved(struct addrinfo *ai, int error, void *arg)
{
	resolved = ai != NULL;
	resolve_err = error;
}

static void
on_cancelled(struct addrinfo *ai, int error, void *arg)
{
	cancelled_called = 1;
}

static void
test_resolve(void)
{
	struct loop		*loop = loop_new();
	struct loop_resolve	*r;

	loop_resolve_start(loop, "127.0.0.1", "80", SOCK_STREAM, on_resolved, NULL);
	loop_run(loop);
	ok(resolved && resolve_err == 0, "numeric address resolved on the worker");

	resolved = 0;
	loop_resolve_start(loop, "localhost", "80", SOCK_STREAM, on_resolved, NULL);
	r = loop_resolve_start(loop, "localhost", "81", SOCK_STREAM, on_cancelled, NULL);
	loop_resolve_cancel(r);
	loop_run(loop);
	ok(resolved, "localhost resolved");
	ok(!cancelled_called, "a cancelled request has no callback");

	loop_free(loop);
}

int
main(void)
{
	test_timers();
	test_io();
	test_signal();
	test_child();
	test_child_grandchild();
	test_resolve();
	return (tap_done());
}

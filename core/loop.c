/*
 * The event loop: fd watchers, timers, signals through a self-pipe, child
 * processes and a resolver thread, all dispatched from one poll().
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/loop.h"
#include "core/xmalloc.h"

#define LOOP_NSIG 65

struct loop_resolve {
	struct loop		*loop;
	char			*host;
	char			*service;
	int			 socktype;
	int			 cancelled;	/* set on the loop thread only */
	struct addrinfo		*result;	/* set by the worker */
	int			 error;		/* set by the worker */
	loop_resolve_cb		 cb;
	void			*arg;
	TAILQ_ENTRY(loop_resolve) entry;
};
TAILQ_HEAD(loop_resolves, loop_resolve);

struct loop {
	TAILQ_HEAD(, loop_io)	 ios;
	TAILQ_HEAD(, loop_timer) timers;	/* sorted by deadline */
	unsigned		 tgen;		/* the current timer round */
	TAILQ_HEAD(, loop_child) children;
	int			 broken;

	struct pollfd		*pfds;		/* this iteration's poll set */
	struct loop_io		**pios;		/* watcher of each pfd; NULL once stopped */
	size_t			 npfds;
	size_t			 pfdcap;

	int			 sigpipe[2];
	struct loop_io		 sigio;
	loop_signal_cb		 sigcb[LOOP_NSIG];
	void			*sigarg[LOOP_NSIG];

	/* The resolver: requests go to the worker, results come back via a pipe. */
	pthread_t		 rthread;
	int			 rstarted;
	int			 rstop;
	pthread_mutex_t		 rlock;
	pthread_cond_t		 rcond;
	struct loop_resolves	 rqueue;	/* waiting for the worker */
	struct loop_resolves	 rinflight;	/* done, not yet reported */
	int			 rcount;	/* started, not yet reported or freed */
	int			 rpipe[2];
	struct loop_io		 rio;
};

/* The loop that receives signals: there is one per process that handles them. */
static struct loop *loop_signal_loop;

static void	loop_sigchld(int, void *);

static void
loop_set_cloexec_nonblock(int fd)
{
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Monotonic milliseconds: timers must not jump with the wall clock. */
uint64_t
loop_now(struct loop *loop)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* The handler only writes the signal number; the loop dispatches it later. */
static void
loop_signal_handler(int sig)
{
	int		saved = errno;
	unsigned char	c = (unsigned char)sig;

	if (loop_signal_loop != NULL)
		(void)write(loop_signal_loop->sigpipe[1], &c, 1);
	errno = saved;
}

static void
loop_signal_read(int fd, short revents, void *arg)
{
	struct loop	*loop = arg;
	unsigned char	 sigs[64];
	ssize_t		 n, i;

	while ((n = read(fd, sigs, sizeof sigs)) > 0) {
		for (i = 0; i < n; i++) {
			if (sigs[i] < LOOP_NSIG && loop->sigcb[sigs[i]] != NULL)
				loop->sigcb[sigs[i]](sigs[i], loop->sigarg[sigs[i]]);
		}
	}
}

struct loop *
loop_new(void)
{
	struct loop		*loop;
	struct sigaction	 sa;

	loop = xcalloc(1, sizeof *loop);
	TAILQ_INIT(&loop->ios);
	TAILQ_INIT(&loop->timers);
	TAILQ_INIT(&loop->children);
	TAILQ_INIT(&loop->rqueue);
	TAILQ_INIT(&loop->rinflight);
	loop->rpipe[0] = loop->rpipe[1] = -1;
	pthread_mutex_init(&loop->rlock, NULL);
	pthread_cond_init(&loop->rcond, NULL);

	if (pipe(loop->sigpipe) != 0)
		fatal("pipe: %s", strerror(errno));
	loop_set_cloexec_nonblock(loop->sigpipe[0]);
	loop_set_cloexec_nonblock(loop->sigpipe[1]);
	loop_io_init(&loop->sigio, loop, loop->sigpipe[0], loop_signal_read, loop);
	loop_io_start(&loop->sigio, POLLIN);

	if (loop_signal_loop == NULL) {
		loop_signal_loop = loop;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, NULL);
	}
	loop_signal_set(loop, SIGCHLD, loop_sigchld, loop);
	return (loop);
}

static void
loop_resolve_stop_worker(struct loop *loop)
{
	struct loop_resolve	*r;

	if (!loop->rstarted)
		return;
	pthread_mutex_lock(&loop->rlock);
	loop->rstop = 1;
	pthread_cond_signal(&loop->rcond);
	pthread_mutex_unlock(&loop->rlock);
	pthread_join(loop->rthread, NULL);
	loop->rstarted = 0;

	while ((r = TAILQ_FIRST(&loop->rqueue)) != NULL) {
		TAILQ_REMOVE(&loop->rqueue, r, entry);
		free(r->host);
		free(r->service);
		free(r);
	}
	while ((r = TAILQ_FIRST(&loop->rinflight)) != NULL) {
		TAILQ_REMOVE(&loop->rinflight, r, entry);
		if (r->result != NULL)
			freeaddrinfo(r->result);
		free(r->host);
		free(r->service);
		free(r);
	}
	loop_io_stop(&loop->rio);
	close(loop->rpipe[0]);
	close(loop->rpipe[1]);
}

void
loop_free(struct loop *loop)
{
	struct sigaction	sa;
	int			sig;

	loop_resolve_stop_worker(loop);
	if (loop_signal_loop == loop) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		for (sig = 1; sig < LOOP_NSIG; sig++) {
			if (loop->sigcb[sig] != NULL && sig != SIGPIPE)
				sigaction(sig, &sa, NULL);
		}
		loop_signal_loop = NULL;
	}
	loop_io_stop(&loop->sigio);
	close(loop->sigpipe[0]);
	close(loop->sigpipe[1]);
	pthread_mutex_destroy(&loop->rlock);
	pthread_cond_destroy(&loop->rcond);
	free(loop->pfds);
	free(loop->pios);
	free(loop);
}

void
loop_break(struct loop *loop)
{
	loop->broken = 1;
}

int
loop_broken(struct loop *loop)
{
	return (loop->broken);
}

void
loop_io_init(struct loop_io *io, struct loop *loop, int fd, loop_io_cb cb, void *arg)
{
	memset(io, 0, sizeof *io);
	io->loop = loop;
	io->fd = fd;
	io->cb = cb;
	io->arg = arg;
}

void
loop_io_start(struct loop_io *io, short events)
{
	io->events = events;
	if (!io->active) {
		TAILQ_INSERT_TAIL(&io->loop->ios, io, entry);
		io->active = 1;
	}
}

/* Also forgets the watcher in the current dispatch, so its owner may free it. */
void
loop_io_stop(struct loop_io *io)
{
	struct loop	*loop = io->loop;
	size_t		 i;

	if (loop == NULL || !io->active)
		return;
	TAILQ_REMOVE(&loop->ios, io, entry);
	io->active = 0;
	for (i = 0; i < loop->npfds; i++) {
		if (loop->pios[i] == io)
			loop->pios[i] = NULL;
	}
}

void
loop_timer_init(struct loop_timer *t, struct loop *loop, loop_timer_cb cb, void *arg)
{
	memset(t, 0, sizeof *t);
	t->loop = loop;
	t->cb = cb;
	t->arg = arg;
}

void
loop_timer_start(struct loop_timer *t, uint64_t ms)
{
	struct loop		*loop = t->loop;
	struct loop_timer	*at;

	loop_timer_stop(t);
	t->deadline = loop_now(loop) + ms;
	t->gen = loop->tgen;
	TAILQ_FOREACH(at, &loop->timers, entry) {
		if (at->deadline > t->deadline)
			break;
	}
	if (at != NULL)
		TAILQ_INSERT_BEFORE(at, t, entry);
	else
		TAILQ_INSERT_TAIL(&loop->timers, t, entry);
	t->active = 1;
}

void
loop_timer_stop(struct loop_timer *t)
{
	if (t->loop == NULL || !t->active)
		return;
	TAILQ_REMOVE(&t->loop->timers, t, entry);
	t->active = 0;
}

int
loop_timer_pending(const struct loop_timer *t)
{
	return (t->active);
}

void
loop_signal_set(struct loop *loop, int sig, loop_signal_cb cb, void *arg)
{
	struct sigaction	sa;

	if (sig <= 0 || sig >= LOOP_NSIG)
		fatal("signal %d out of range", sig);
	loop->sigcb[sig] = cb;
	loop->sigarg[sig] = arg;
	if (loop_signal_loop != loop)
		return;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = cb != NULL ? loop_signal_handler : SIG_DFL;
	if (sig == SIGCHLD) {
		sa.sa_flags |= SA_NOCLDSTOP;
		sa.sa_handler = loop_signal_handler;
	}
	sigaction(sig, &sa, NULL);
}

/* Reap every exited child we started and report it once. */
static void
loop_sigchld(int sig, void *arg)
{
	struct loop		*loop = arg;
	struct loop_child	*c, *next;
	int			 status;
	pid_t			 pid;

	for (c = TAILQ_FIRST(&loop->children); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		pid = waitpid(c->pid, &status, WNOHANG);
		if (pid != c->pid)
			continue;
		TAILQ_REMOVE(&loop->children, c, entry);
		c->pid = -1;
		if (c->cb != NULL)
			c->cb(pid, status, c->arg);
		/* The callback may have freed anything after c: start over. */
		next = TAILQ_FIRST(&loop->children);
	}
}

/* Close both ends of a pipe in a new child, except where they became 0-2. */
static void
loop_child_close_above2(int p[2])
{
	if (p[0] > 2)
		close(p[0]);
	if (p[1] > 2)
		close(p[1]);
}

int
loop_child_spawn(struct loop_child *c, struct loop *loop, char *const argv[],
    int flags, loop_child_cb cb, void *arg, char **cause)
{
	int	inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int	nullfd;
	pid_t	pid;

	memset(c, 0, sizeof *c);
	c->loop = loop;
	c->pid = -1;
	c->in_fd = c->out_fd = c->err_fd = -1;
	c->cb = cb;
	c->arg = arg;

	if (((flags & LOOP_CHILD_STDIN) && pipe(inp) != 0) ||
	    ((flags & LOOP_CHILD_STDOUT) && pipe(outp) != 0) ||
	    ((flags & LOOP_CHILD_STDERR) && pipe(errp) != 0)) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((pid = fork()) == -1) {
		xasprintf(cause, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		sigset_t	set;

		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGWINCH, SIG_DFL);
		nullfd = open("/dev/null", O_RDWR);
		if (!(flags & LOOP_CHILD_TTY)) {
			dup2(inp[0] != -1 ? inp[0] : nullfd, 0);
			dup2(outp[1] != -1 ? outp[1] : nullfd, 1);
			dup2(errp[1] != -1 ? errp[1] : nullfd, 2);
			setsid();
		}
		/*
		 * Only 0, 1 and 2 go on: a pipe end left open here would keep
		 * the parent waiting for EOF as long as any grandchild lives,
		 * even one that redirected its own output away.
		 */
		loop_child_close_above2(inp);
		loop_child_close_above2(outp);
		loop_child_close_above2(errp);
		if (nullfd > 2)
			close(nullfd);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (inp[0] != -1) {
		close(inp[0]);
		c->in_fd = inp[1];
		loop_set_cloexec_nonblock(c->in_fd);
	}
	if (outp[1] != -1) {
		close(outp[1]);
		c->out_fd = outp[0];
		loop_set_cloexec_nonblock(c->out_fd);
	}
	if (errp[1] != -1) {
		close(errp[1]);
		c->err_fd = errp[0];
		loop_set_cloexec_nonblock(c->err_fd);
	}
	c->pid = pid;
	TAILQ_INSERT_TAIL(&loop->children, c, entry);
	return (0);

fail:
	if (inp[0] != -1) { close(inp[0]); close(inp[1]); }
	if (outp[0] != -1) { close(outp[0]); close(outp[1]); }
	if (errp[0] != -1) { close(errp[0]); close(errp[1]); }
	return (-1);
}

void
loop_child_kill(struct loop_child *c, int sig)
{
	if (c->pid > 0)
		kill(c->pid, sig);
}

/* Stop tracking a child without a callback; its exit is reaped quietly. */
void
loop_child_forget(struct loop_child *c)
{
	if (c->pid > 0) {
		TAILQ_REMOVE(&c->loop->children, c, entry);
		if (waitpid(c->pid, NULL, WNOHANG) == 0) {
			kill(c->pid, SIGTERM);
			waitpid(c->pid, NULL, 0);
		}
		c->pid = -1;
	}
}

static void *
loop_resolve_worker(void *arg)
{
	struct loop		*loop = arg;
	struct loop_resolve	*r;
	struct addrinfo		 hints;
	char			 c = 'r';

	pthread_mutex_lock(&loop->rlock);
	for (;;) {
		while (!loop->rstop && TAILQ_EMPTY(&loop->rqueue))
			pthread_cond_wait(&loop->rcond, &loop->rlock);
		if (loop->rstop)
			break;
		r = TAILQ_FIRST(&loop->rqueue);
		TAILQ_REMOVE(&loop->rqueue, r, entry);
		pthread_mutex_unlock(&loop->rlock);

		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = r->socktype;
		hints.ai_flags = AI_ADDRCONFIG;
		r->error = getaddrinfo(r->host, r->service, &hints, &r->result);
		if (r->error == EAI_NONAME || r->error == EAI_ADDRFAMILY) {
			/* AI_ADDRCONFIG hides loopback-only hosts: ask again without it. */
			hints.ai_flags = 0;
			r->error = getaddrinfo(r->host, r->service, &hints, &r->result);
		}

		pthread_mutex_lock(&loop->rlock);
		TAILQ_INSERT_TAIL(&loop->rinflight, r, entry);
		(void)write(loop->rpipe[1], &c, 1);
	}
	pthread_mutex_unlock(&loop->rlock);
	return (NULL);
}

/* Results arrive in the in-flight list; report the finished ones. */
static void
loop_resolve_read(int fd, short revents, void *arg)
{
	struct loop		*loop = arg;
	struct loop_resolves	 done;
	struct loop_resolve	*r;
	char			 buf[64];

	while (read(fd, buf, sizeof buf) > 0)
		;
	TAILQ_INIT(&done);
	pthread_mutex_lock(&loop->rlock);
	TAILQ_CONCAT(&done, &loop->rinflight, entry);
	pthread_mutex_unlock(&loop->rlock);

	while ((r = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, r, entry);
		loop->rcount--;
		if (!r->cancelled)
			r->cb(r->error == 0 ? r->result : NULL, r->error, r->arg);
		if (r->result != NULL)
			freeaddrinfo(r->result);
		free(r->host);
		free(r->service);
		free(r);
	}
}

struct loop_resolve *
loop_resolve_start(struct loop *loop, const char *host, const char *service,
    int socktype, loop_resolve_cb cb, void *arg)
{
	struct loop_resolve	*r;

	if (!loop->rstarted) {
		if (pipe(loop->rpipe) != 0)
			fatal("pipe: %s", strerror(errno));
		loop_set_cloexec_nonblock(loop->rpipe[0]);
		loop_set_cloexec_nonblock(loop->rpipe[1]);
		loop_io_init(&loop->rio, loop, loop->rpipe[0], loop_resolve_read, loop);
		loop_io_start(&loop->rio, POLLIN);
		loop->rstop = 0;
		if (pthread_create(&loop->rthread, NULL, loop_resolve_worker, loop) != 0)
			fatal("pthread_create: %s", strerror(errno));
		loop->rstarted = 1;
	}
	r = xcalloc(1, sizeof *r);
	r->loop = loop;
	r->host = xstrdup(host);
	r->service = service != NULL ? xstrdup(service) : NULL;
	r->socktype = socktype;
	r->cb = cb;
	r->arg = arg;
	loop->rcount++;
	pthread_mutex_lock(&loop->rlock);
	TAILQ_INSERT_TAIL(&loop->rqueue, r, entry);
	pthread_cond_signal(&loop->rcond);
	pthread_mutex_unlock(&loop->rlock);
	return (r);
}

/* The request is freed when the worker is done with it; no callback comes. */
void
loop_resolve_cancel(struct loop_resolve *r)
{
	struct loop		*loop = r->loop;
	struct loop_resolve	*q;

	pthread_mutex_lock(&loop->rlock);
	TAILQ_FOREACH(q, &loop->rqueue, entry) {
		if (q == r)
			break;
	}
	if (q != NULL) {
		TAILQ_REMOVE(&loop->rqueue, r, entry);
		pthread_mutex_unlock(&loop->rlock);
		loop->rcount--;
		free(r->host);
		free(r->service);
		free(r);
		return;
	}
	r->cancelled = 1;
	pthread_mutex_unlock(&loop->rlock);
}

static void
loop_grow(struct loop *loop, size_t n)
{
	if (n <= loop->pfdcap)
		return;
	loop->pfdcap = n * 2;
	loop->pfds = xreallocarray(loop->pfds, loop->pfdcap, sizeof *loop->pfds);
	loop->pios = xreallocarray(loop->pios, loop->pfdcap, sizeof *loop->pios);
}

/* Run due timers; a timer started from a callback waits for the next round. */
static void
loop_run_timers(struct loop *loop)
{
	struct loop_timer	*t;
	uint64_t		 now = loop_now(loop);

	loop->tgen++;
	for (;;) {
		TAILQ_FOREACH(t, &loop->timers, entry) {
			if (t->deadline > now) {
				t = NULL;
				break;
			}
			if (t->gen != loop->tgen)
				break;
		}
		if (t == NULL)
			break;
		TAILQ_REMOVE(&loop->timers, t, entry);
		t->active = 0;
		t->cb(t->arg);
	}
}

/*
 * One round: wait for fds or the nearest timer (at most max_wait_ms; -1 waits
 * as long as needed), then dispatch. Returns the number of fds that fired.
 */
int
loop_run_once(struct loop *loop, int max_wait_ms)
{
	struct loop_io		*io;
	struct loop_timer	*t;
	size_t			 n, i;
	int			 timeout, nready, fired = 0;
	uint64_t		 now;

	n = 0;
	TAILQ_FOREACH(io, &loop->ios, entry) {
		if (io->events != 0)
			n++;
	}
	loop_grow(loop, n + 1);
	n = 0;
	TAILQ_FOREACH(io, &loop->ios, entry) {
		if (io->events == 0)
			continue;
		loop->pfds[n].fd = io->fd;
		loop->pfds[n].events = io->events;
		loop->pfds[n].revents = 0;
		loop->pios[n] = io;
		n++;
	}
	loop->npfds = 0;

	timeout = max_wait_ms;
	if ((t = TAILQ_FIRST(&loop->timers)) != NULL) {
		now = loop_now(loop);
		if (t->deadline <= now)
			timeout = 0;
		else if (timeout < 0 || t->deadline - now < (uint64_t)timeout)
			timeout = (int)(t->deadline - now);
	}

	nready = poll(loop->pfds, n, timeout);
	if (nready == -1 && errno != EINTR)
		fatal("poll: %s", strerror(errno));
	if (nready > 0) {
		loop->npfds = n;
		for (i = 0; i < n; i++) {
			if (loop->pfds[i].revents == 0 || loop->pios[i] == NULL)
				continue;
			io = loop->pios[i];
			fired++;
			io->cb(io->fd, loop->pfds[i].revents, io->arg);
		}
		loop->npfds = 0;
	}
	loop_run_timers(loop);
	return (fired);
}

/* Run until loop_break, or until nothing is left to wait for. */
void
loop_run(struct loop *loop)
{
	struct loop_io	*io;
	int		 waiting;

	loop->broken = 0;
	while (!loop->broken) {
		waiting = !TAILQ_EMPTY(&loop->timers) || !TAILQ_EMPTY(&loop->children);
		TAILQ_FOREACH(io, &loop->ios, entry) {
			if (io != &loop->sigio && io != &loop->rio && io->events != 0)
				waiting = 1;
		}
		if (loop->rcount > 0)
			waiting = 1;
		if (!waiting)
			break;
		loop_run_once(loop, -1);
	}
}

/*
 * The event loop: one thread, one poll(). Watchers are structs the caller
 * embeds in its own objects (libevent style), so ownership stays with the
 * caller: a stopped watcher may be freed at once, even from inside a callback.
 */
#ifndef LOOP_H
#define LOOP_H

#include <sys/queue.h>
#include <sys/types.h>

#include <netdb.h>
#include <poll.h>
#include <stdint.h>

struct loop;

/* A file descriptor watcher. events are POLLIN/POLLOUT. */
typedef void (*loop_io_cb)(int fd, short revents, void *arg);
struct loop_io {
	struct loop		*loop;
	int			 fd;
	short			 events;	/* what we wait for, 0 = paused */
	int			 active;	/* in the loop's list */
	loop_io_cb		 cb;
	void			*arg;
	TAILQ_ENTRY(loop_io)	 entry;
};

/* A one-shot timer; restart it from its callback to repeat. */
typedef void (*loop_timer_cb)(void *arg);
struct loop_timer {
	struct loop		*loop;
	uint64_t		 deadline;	/* loop_now() milliseconds */
	int			 active;
	unsigned		 gen;		/* the timer round it was started in */
	loop_timer_cb		 cb;
	void			*arg;
	TAILQ_ENTRY(loop_timer)	 entry;
};

/* A child process with optional pipes to its stdin, stdout and stderr. */
typedef void (*loop_child_cb)(pid_t pid, int status, void *arg);
#define LOOP_CHILD_STDIN	0x1
#define LOOP_CHILD_STDOUT	0x2
#define LOOP_CHILD_STDERR	0x4
#define LOOP_CHILD_TTY		0x8	/* inherit the terminal (an editor) */
struct loop_child {
	struct loop		*loop;
	pid_t			 pid;		/* -1 when not running */
	int			 in_fd;		/* write end of its stdin, or -1 */
	int			 out_fd;	/* read end of its stdout, or -1 */
	int			 err_fd;	/* read end of its stderr, or -1 */
	loop_child_cb		 cb;		/* called once it has exited */
	void			*arg;
	TAILQ_ENTRY(loop_child)	 entry;
};

typedef void (*loop_signal_cb)(int sig, void *arg);

/*
 * Name resolution on the worker thread. The callback receives the result
 * (freed by the loop after the callback returns) or NULL and a gai error.
 */
struct loop_resolve;
typedef void (*loop_resolve_cb)(struct addrinfo *, int gai_error, void *arg);

struct loop	*loop_new(void);
void		 loop_free(struct loop *);
uint64_t	 loop_now(struct loop *);
int		 loop_run_once(struct loop *, int max_wait_ms);
void		 loop_run(struct loop *);
void		 loop_break(struct loop *);
int		 loop_broken(struct loop *);

void		 loop_io_init(struct loop_io *, struct loop *, int, loop_io_cb, void *);
void		 loop_io_start(struct loop_io *, short events);
void		 loop_io_stop(struct loop_io *);

void		 loop_timer_init(struct loop_timer *, struct loop *, loop_timer_cb, void *);
void		 loop_timer_start(struct loop_timer *, uint64_t ms);
void		 loop_timer_stop(struct loop_timer *);
int		 loop_timer_pending(const struct loop_timer *);

void		 loop_signal_set(struct loop *, int sig, loop_signal_cb, void *);

int		 loop_child_spawn(struct loop_child *, struct loop *, char *const argv[],
		     int flags, loop_child_cb, void *, char **cause);
void		 loop_child_kill(struct loop_child *, int sig);
void		 loop_child_forget(struct loop_child *);

struct loop_resolve *loop_resolve_start(struct loop *, const char *host,
		     const char *service, int socktype, loop_resolve_cb, void *);
void		 loop_resolve_cancel(struct loop_resolve *);

#endif

/* A non-blocking TCP connect on the loop, with timeout and cancel: the probe for plain ports. */
#ifndef TCP_H
#define TCP_H

struct loop;
struct tcp_connect;

enum tcp_error {
	TCP_OK = 0,
	TCP_ERR_RESOLVE,
	TCP_ERR_CONNECT,
	TCP_ERR_TIMEOUT,
};

/* fd is connected (caller owns it) when error == TCP_OK, else -1. */
/* Called once, never from tcp_connect_start; the handle is freed after it. */
typedef void (*tcp_connect_cb)(int fd, enum tcp_error, const char *msg, void *arg);

struct tcp_connect *tcp_connect_start(struct loop *, const char *host, const char *port,
		     int timeout_ms, tcp_connect_cb, void *);
void		 tcp_connect_cancel(struct tcp_connect *);

#endif

/*
 * OpenVPN's management interface on a unix socket, on the event loop:
 * CRLF lines, replies SUCCESS:/ERROR: or lines up to END, and asynchronous
 * '>' lines (state, byte counts, hold, password requests) between them.
 * The line parser is pure, for tests and the fuzz target.
 */
#ifndef OPENVPN_H
#define OPENVPN_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct ovpn;

/* What a management line is. */
enum ovpn_line_type {
	OVPN_LINE_DATA,		/* a line of a multi-line reply */
	OVPN_LINE_SUCCESS,	/* SUCCESS: text */
	OVPN_LINE_ERROR,	/* ERROR: text */
	OVPN_LINE_END,		/* END of a multi-line reply */
	OVPN_LINE_STATE,	/* >STATE:time,NAME,desc,tun_ip,remote_ip,port,... */
	OVPN_LINE_BYTECOUNT,	/* >BYTECOUNT:in,out */
	OVPN_LINE_HOLD,		/* >HOLD: waiting for hold release */
	OVPN_LINE_PASSWORD,	/* >PASSWORD:Need 'REALM' username/password */
	OVPN_LINE_PASSWORD_FAILED,	/* >PASSWORD:Verification Failed: 'REALM' */
	OVPN_LINE_INFO,		/* >INFO: the greeting */
	OVPN_LINE_FATAL,	/* >FATAL: it is about to exit */
	OVPN_LINE_ASYNC,	/* another > line (LOG, ECHO, NEED-OK ...) */
};

/* One state of the tunnel, from >STATE: or a line of the state command. */
struct ovpn_state {
	int64_t		 time;		/* unix seconds of the change, 0 = unknown */
	char		 name[24];	/* CONNECTED, RECONNECTING ...; "" = unknown */
	char		 desc[64];	/* why: SUCCESS, ping-restart ... */
	char		 local_ip[48];	/* the tunnel address, or "" */
	char		 remote_ip[48];	/* the server's address, or "" */
	int		 remote_port;	/* 0 = unknown */
};

struct ovpn_line {
	enum ovpn_line_type	 type;
	struct ovpn_state	 state;		/* STATE; DATA that reads as a state */
	int			 has_state;	/* a DATA line was a state line */
	uint64_t		 bytes_in;	/* BYTECOUNT */
	uint64_t		 bytes_out;
	char			 realm[32];	/* PASSWORD: 'Auth', 'Private Key' */
	const char		*text;		/* after the prefix, in the line given */
};

/* Classify a line (CR and LF already cut); -1 if a known kind is malformed. */
int		 ovpn_parse_line(const char *, size_t, struct ovpn_line *);
/* "time,NAME,desc,tun_ip,remote_ip,port,..." into a state; -1 if not one. */
int		 ovpn_parse_state(const char *, size_t, struct ovpn_state *);
/* A value of "status" output: "TCP/UDP read bytes,123" -> 123 for that name. */
int		 ovpn_parse_status_bytes(const char *line, const char *name,
		     uint64_t *);

/* Events of a connection; any may be NULL. */
struct ovpn_events {
	void	(*changed)(struct ovpn *, void *arg);	/* state, bytes or hold */
	void	(*password)(struct ovpn *, const char *realm, int failed,
		    void *arg);
	/* The socket closed or failed; free the ovpn (not from here is fine too). */
	void	(*closed)(struct ovpn *, const char *why, void *arg);
};

/* A command's reply: ok, the SUCCESS/ERROR text, and the lines before END. */
typedef void (*ovpn_reply_cb)(struct ovpn *, int ok, const char *text,
		    char *const *lines, size_t nlines, void *arg);

/* Connect to the socket at PATH (unix connects do not wait); NULL and *cause. */
struct ovpn	*ovpn_connect(struct loop *, const char *path,
		     const struct ovpn_events *, void *arg, char **cause);
void		 ovpn_free(struct ovpn *);	/* closes; no callbacks */
/* Queue a command line; cb (or NULL) gets its reply in order. */
void		 ovpn_command(struct ovpn *, const char *, ovpn_reply_cb, void *);
/* Answer a password request; the strings are quoted and not kept. */
void		 ovpn_password(struct ovpn *, const char *realm, const char *user,
		     const char *pass);
const struct ovpn_state *ovpn_state(const struct ovpn *);
uint64_t	 ovpn_bytes_in(const struct ovpn *);
uint64_t	 ovpn_bytes_out(const struct ovpn *);
int		 ovpn_held(const struct ovpn *);	/* >HOLD: seen, not yet released */
int		 ovpn_closed(const struct ovpn *);

#endif

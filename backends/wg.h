/*
 * WireGuard status: interfaces and peers from `wg show all dump` (a child
 * on the loop) or the userspace UAPI socket /var/run/wireguard/IF.sock
 * (`get=1`). Private and preshared keys are skipped by the parsers: they
 * are never stored, so they can never be shown.
 */
#ifndef WG_H
#define WG_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct wg_fetch;

#define WG_STALE_S	180	/* a handshake older than this: the peer is down */

struct wg_iface {
	char		 name[16];
	char		 public_key[48];	/* base64, or "" (UAPI does not say) */
	int		 listen_port;		/* 0 = none */
};

struct wg_peer {
	char		 ifname[16];
	char		 public_key[48];	/* base64 */
	char		 endpoint[64];		/* host:port, or "" */
	char		 allowed_ips[256];	/* comma separated */
	int64_t		 handshake;		/* unix seconds; 0 = never */
	uint64_t	 rx;
	uint64_t	 tx;
	int		 keepalive;		/* seconds, 0 = off */
};

struct wg_status {
	struct wg_iface	*ifaces;
	size_t		 nifaces;
	struct wg_peer	*peers;
	size_t		 npeers;
};

/* `wg show all dump` text; -1 and *cause on a malformed line. */
int		 wg_parse_dump(const char *, size_t, struct wg_status *, char **cause);
/* A UAPI get=1 reply for interface IFNAME; -1 and *cause if errno != 0 or malformed. */
int		 wg_parse_uapi(const char *ifname, const char *, size_t,
		     struct wg_status *, char **cause);
void		 wg_status_clear(struct wg_status *);
/* "3m ago", "never", "stale (4m ago)": the handshake's age for a person. */
void		 wg_handshake_age(char *, size_t, int64_t handshake, int64_t now);

/*
 * The status of IFNAME (its UAPI socket if there is one, else `wg show
 * all dump` filtered to it; NULL = every interface). done gets the status
 * (the callee owns it until done returns) or an error message.
 */
typedef void (*wg_done_cb)(const struct wg_status *, const char *error, void *arg);
struct wg_fetch	*wg_fetch_start(struct loop *, const char *ifname, int timeout_ms,
		     wg_done_cb, void *arg);
void		 wg_fetch_cancel(struct wg_fetch *);	/* no callback */

#endif

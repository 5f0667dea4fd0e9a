/*
 * The inventory's VPNs at run time: one link per [vpn NAME], shared by the
 * vpn commands, the console's header and the routes. An OpenVPN link
 * talks to openvpn's management socket (starting openvpn when asked to
 * come up and nothing listens there); a WireGuard link is read on demand.
 */
#ifndef VPN_H
#define VPN_H

#include <stddef.h>
#include <stdint.h>

struct cmd_env;
struct inv_vpn;
struct vpn_link;

/* How an OpenVPN link stands, coarsely: what the header and routes need. */
enum vpn_phase {
	VPN_PHASE_DOWN,		/* no openvpn on the socket */
	VPN_PHASE_STARTING,	/* openvpn started, socket not answering yet */
	VPN_PHASE_CONNECTING,	/* WAIT, AUTH, GET_CONFIG, ASSIGN_IP ... */
	VPN_PHASE_CONNECTED,
	VPN_PHASE_RECONNECTING,	/* lost the server; openvpn retries */
	VPN_PHASE_FAILED,	/* will not come up by itself (auth, exited) */
};

/* The link of a [vpn NAME] (made on first use); NULL if the inventory has none. */
struct vpn_link	*vpn_link_get(struct cmd_env *, const char *name);
/* The links made so far, in inventory order; NULL past the end. */
struct vpn_link	*vpn_link_at(size_t);

/* Attach to the management socket, starting openvpn if nobody is there. */
#define VPN_UP_START	0x1	/* start openvpn when the socket is dead */
#define VPN_UP_WATCH	0x2	/* keep the connection; reattach after a loss */
void		 vpn_link_up(struct vpn_link *, int flags);
/* SIGTERM through the socket; done(ok, message) when it has gone. */
void		 vpn_link_down(struct vpn_link *, void (*done)(int ok, const char *,
		     void *), void *);
/* Drop our connection (openvpn keeps running). */
void		 vpn_link_detach(struct vpn_link *);
/* Detach unless the console watches the link. */
void		 vpn_link_release(struct vpn_link *);

typedef void (*vpn_watch_cb)(struct vpn_link *, void *arg);
void		 vpn_link_watch(struct vpn_link *, vpn_watch_cb, void *);
void		 vpn_link_unwatch(struct vpn_link *, vpn_watch_cb, void *);

const struct inv_vpn *vpn_link_vpn(const struct vpn_link *);
int		 vpn_link_attached(const struct vpn_link *);	/* on the socket now */
enum vpn_phase	 vpn_link_phase(const struct vpn_link *);
const char	*vpn_link_state(const struct vpn_link *);	/* CONNECTED, DOWN ... */
const char	*vpn_link_error(const struct vpn_link *);	/* why FAILED/DOWN, or NULL */
const char	*vpn_link_tun_ip(const struct vpn_link *);	/* "" if none */
const char	*vpn_link_remote(const struct vpn_link *);	/* "ip:port" or "" */
const char	*vpn_link_states_seen(const struct vpn_link *);	/* "WAIT AUTH ... CONNECTED" */
int64_t		 vpn_link_since(const struct vpn_link *);	/* unix time of the state */
uint64_t	 vpn_link_bytes_in(const struct vpn_link *);
uint64_t	 vpn_link_bytes_out(const struct vpn_link *);
int		 vpn_link_auth_failed(const struct vpn_link *);
/* The management socket: the inventory's, or one under the runtime directory. */
char		*vpn_link_socket(const struct inv_vpn *);

/*
 * The console asks the operator for a username and password here; answer
 * with vpn_link_password (or NULL pass to give up). Without an ask hook
 * and without user/secret in the inventory, the link fails with a message.
 */
typedef void (*vpn_ask_cb)(struct vpn_link *, const char *realm, void *arg);
void		 vpn_set_ask(vpn_ask_cb, void *);
void		 vpn_link_password(struct vpn_link *, const char *realm,
		     const char *user, const char *pass);

/* The header's text for all links ("" when the inventory has no [vpn]). */
void		 vpn_header(char *, size_t, int utf8);
/* Bring up the VPNs an endpoint routes through, and watch every one. */
void		 vpn_console_start(struct cmd_env *);
void		 vpn_free_all(void);

#endif

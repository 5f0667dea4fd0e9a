/*
 * One link per [vpn NAME]: the OpenVPN management connection, starting
 * openvpn as a daemon (so it outlives a scripted "vpn up"), answering its
 * password requests from the inventory's secret or the operator, and the
 * coarse phase the header and routes show.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/openvpn.h"
#include "backends/route.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/loop.h"
#include "core/secret.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "plugins/vpn/vpn.h"

#define VPN_START_MS	15000	/* for openvpn to open its socket */
#define VPN_RETRY_MS	100	/* while it is starting */
#define VPN_WATCH_MS	2000	/* reattach after a loss, when watching */
#define VPN_DOWN_MS	10000	/* for openvpn to exit after SIGTERM */
#define VPN_MAX_WATCH	8

struct vpn_watcher {
	vpn_watch_cb	 cb;
	void		*arg;
};

struct vpn_link {
	struct cmd_env		*env;
	const struct inv_vpn	*vpn;		/* the inventory's, lives as long */
	char			*sock;
	struct ovpn		*ovpn;
	int			 flags;		/* VPN_UP_* asked so far */
	enum vpn_phase		 phase;
	char			*error;
	struct ovpn_state	 st;
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
	int			 dropped;	/* lost CONNECTED: RECONNECTING until back */
	int			 auth_failed;
	char			 seen[256];	/* the state names seen, in order */
	struct loop_timer	 retry;
	struct loop_child	 child;		/* openvpn until it daemonizes */
	uint64_t		 deadline;	/* starting: give up then */
	void			(*down_done)(int, const char *, void *);
	void			*down_arg;
	struct loop_timer	 down_timer;
	struct vpn_watcher	 watch[VPN_MAX_WATCH];
};

static struct vpn_link	**vpn_links;
static size_t		  vpn_nlinks;
static vpn_ask_cb	  vpn_ask;
static void		 *vpn_ask_arg;

static void	vpn_link_attach(struct vpn_link *);
static void	vpn_link_down_timeout(void *);

/* The retry timer: attach again. */
static void
vpn_link_retry(void *arg)
{
	vpn_link_attach(arg);
}

/* Everyone watching hears of every change. */
static void
vpn_link_notify(struct vpn_link *l)
{
	struct vpn_watcher	copy[VPN_MAX_WATCH];
	size_t			i;

	memcpy(copy, l->watch, sizeof copy);
	for (i = 0; i < VPN_MAX_WATCH; i++) {
		if (copy[i].cb != NULL)
			copy[i].cb(l, copy[i].arg);
	}
}

/* A new phase with its reason, then everyone hears of it. */
static void
vpn_link_set_error(struct vpn_link *l, enum vpn_phase phase, const char *error)
{
	free(l->error);
	l->error = error != NULL ? xstrdup(error) : NULL;
	l->phase = phase;
	vpn_link_notify(l);
}

/* The socket path: given, or $XDG_RUNTIME_DIR/platform-tui/vpn-NAME.sock. */
char *
vpn_link_socket(const struct inv_vpn *v)
{
	const char	*rt = getenv("XDG_RUNTIME_DIR");

	if (v->management != NULL)
		return (util_expand_home(v->management));
	if (rt != NULL && *rt == '/')
		return (xprintf("%s/platform-tui/vpn-%s.sock", rt, v->name));
	return (xprintf("/tmp/platform-tui-%u/vpn-%s.sock", (unsigned)getuid(),
	    v->name));
}

/* The links in the order they were made (inventory order at the console). */
struct vpn_link *
vpn_link_at(size_t i)
{
	return (i < vpn_nlinks ? vpn_links[i] : NULL);
}

/* Links are made on first use and live until vpn_free_all. */
struct vpn_link *
vpn_link_get(struct cmd_env *env, const char *name)
{
	const struct inv_vpn	*v;
	struct vpn_link		*l;
	size_t			 i;

	if (env->inv == NULL || env->inv->nvpns == 0)
		return (NULL);
	if (name == NULL)
		name = env->inv->vpns[0].name;
	if ((v = inventory_vpn(env->inv, name)) == NULL)
		return (NULL);
	for (i = 0; i < vpn_nlinks; i++) {
		if (vpn_links[i]->vpn == v)
			return (vpn_links[i]);
	}
	l = xcalloc(1, sizeof *l);
	l->env = env;
	l->vpn = v;
	l->sock = vpn_link_socket(v);
	l->child.pid = -1;
	loop_timer_init(&l->retry, env->loop, vpn_link_retry, l);
	loop_timer_init(&l->down_timer, env->loop, vpn_link_down_timeout, l);
	vpn_links = xreallocarray(vpn_links, vpn_nlinks + 1, sizeof *vpn_links);
	vpn_links[vpn_nlinks++] = l;
	return (l);
}

/* Keep a short record of the states passed through, for messages and tests. */
static void
vpn_link_seen(struct vpn_link *l, const char *name)
{
	const char	*last = strrchr(l->seen, ' ');
	size_t		 len = strlen(l->seen);

	last = last != NULL ? last + 1 : l->seen;
	if (*name == '\0' || strcmp(last, name) == 0)
		return;
	if (len + strlen(name) + 2 > sizeof l->seen) {
		memmove(l->seen, l->seen + len / 2, len - len / 2 + 1);
		len = strlen(l->seen);
	}
	snprintf(l->seen + len, sizeof l->seen - len, "%s%s", len ? " " : "",
	    name);
}

/*
 * Let it run: --management-hold holds again at every restart (after a
 * drop), and a scripted "vpn up" is gone by then, so the hold goes off.
 */
static void
vpn_link_release_hold(struct vpn_link *l)
{
	ovpn_command(l->ovpn, "hold off", NULL, NULL);
	ovpn_command(l->ovpn, "hold release", NULL, NULL);
}

/* From the OpenVPN state name to our phase, remembering drops. */
static void
vpn_link_changed(struct ovpn *o, void *arg)
{
	struct vpn_link	*l = arg;
	const char	*name;

	if (ovpn_held(o) && (l->flags & VPN_UP_START))
		vpn_link_release_hold(l);
	l->st = *ovpn_state(o);
	l->bytes_in = ovpn_bytes_in(o);
	l->bytes_out = ovpn_bytes_out(o);
	name = l->st.name;
	vpn_link_seen(l, name);
	if (strcmp(name, "CONNECTED") == 0) {
		l->phase = VPN_PHASE_CONNECTED;
		l->dropped = 0;
		l->auth_failed = 0;
		free(l->error);
		l->error = NULL;
	} else if (strcmp(name, "RECONNECTING") == 0) {
		l->dropped = 1;
		l->phase = VPN_PHASE_RECONNECTING;
	} else if (strcmp(name, "EXITING") == 0)
		l->phase = VPN_PHASE_DOWN;
	else if (!l->auth_failed)
		l->phase = l->dropped ? VPN_PHASE_RECONNECTING :
		    VPN_PHASE_CONNECTING;
	vpn_link_notify(l);
}

/* The server wants credentials: the inventory's secret, else the operator. */
static void
vpn_link_on_password(struct ovpn *o, const char *realm, int failed, void *arg)
{
	struct vpn_link		*l = arg;
	const struct inv_vpn	*v = l->vpn;
	char			*pass, *cause = NULL, *msg;

	(void)o;
	if (failed) {
		l->auth_failed = 1;
		msg = xprintf("the server refused the %s credentials%s%s",
		    realm, v->user != NULL ? " of user " : "",
		    v->user != NULL ? v->user : "");
		vpn_link_set_error(l, VPN_PHASE_FAILED, msg);
		free(msg);
		return;
	}
	if (v->secret != NULL && strcmp(realm, "Auth") == 0) {
		if ((pass = secret_resolve(v->secret, &cause)) == NULL) {
			msg = xprintf("[vpn %s] secret: %s", v->name, cause);
			vpn_link_set_error(l, VPN_PHASE_FAILED, msg);
			free(msg);
			free(cause);
			return;
		}
		ovpn_password(l->ovpn, realm, v->user, pass);
		secret_free(pass);
		return;
	}
	if (vpn_ask != NULL) {
		vpn_ask(l, realm, vpn_ask_arg);
		return;
	}
	l->auth_failed = 1;
	msg = xprintf("the server asks for the %s username and password: set"
	    " user and secret in [vpn %s], or bring it up from the console",
	    realm, v->name);
	vpn_link_set_error(l, VPN_PHASE_FAILED, msg);
	free(msg);
}

/* The operator's answer; NULL gives up and the link fails. */
void
vpn_link_password(struct vpn_link *l, const char *realm, const char *user,
    const char *pass)
{
	if (l->ovpn == NULL)
		return;
	if (pass == NULL) {
		l->auth_failed = 1;
		vpn_link_set_error(l, VPN_PHASE_FAILED,
		    "no password given for the VPN");
		return;
	}
	ovpn_password(l->ovpn, realm, user, pass);
}

/* The socket went away: openvpn exited, or was stopped by us. */
static void
vpn_link_closed(struct ovpn *o, const char *why, void *arg)
{
	struct vpn_link	*l = arg;
	void		(*done)(int, const char *, void *) = l->down_done;
	char		*msg;

	(void)o;
	ovpn_free(l->ovpn);
	l->ovpn = NULL;
	memset(&l->st, 0, sizeof l->st);
	l->dropped = 0;
	if (done != NULL) {
		l->down_done = NULL;
		loop_timer_stop(&l->down_timer);
		l->phase = VPN_PHASE_DOWN;
		vpn_link_notify(l);
		msg = xprintf("%s: stopped", l->vpn->name);
		done(1, msg, l->down_arg);
		free(msg);
		return;
	}
	if (l->phase != VPN_PHASE_FAILED) {
		msg = xprintf("openvpn went away (%s)", why);
		vpn_link_set_error(l, VPN_PHASE_DOWN, msg);
		free(msg);
	} else
		vpn_link_notify(l);
	if (l->flags & VPN_UP_WATCH)
		loop_timer_start(&l->retry, VPN_WATCH_MS);
}

static const struct ovpn_events vpn_link_events = {
	.changed = vpn_link_changed,
	.password = vpn_link_on_password,
	.closed = vpn_link_closed,
};

/* The state command's reply: the current state, before any >STATE: line. */
static void
vpn_link_state_reply(struct ovpn *o, int ok, const char *text,
    char *const *lines, size_t n, void *arg)
{
	struct vpn_link		*l = arg;
	struct ovpn_line	 line;
	size_t			 i;

	(void)o;
	(void)text;
	for (i = 0; ok && i < n; i++) {
		if (ovpn_parse_line(lines[i], strlen(lines[i]), &line) != 0 ||
		    !line.has_state)
			continue;
		l->st = line.state;
		vpn_link_seen(l, l->st.name);
		if (strcmp(l->st.name, "CONNECTED") == 0)
			l->phase = VPN_PHASE_CONNECTED;
		else if (strcmp(l->st.name, "RECONNECTING") == 0) {
			l->dropped = 1;
			l->phase = VPN_PHASE_RECONNECTING;
		} else
			l->phase = l->dropped ? VPN_PHASE_RECONNECTING :
			    VPN_PHASE_CONNECTING;
	}
	vpn_link_notify(l);
}

/* openvpn's own process ended: with --daemon that is its parent, at once. */
static void
vpn_link_child(pid_t pid, int status, void *arg)
{
	struct vpn_link	*l = arg;
	char		*msg;

	(void)pid;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	if (l->ovpn != NULL)
		return;
	loop_timer_stop(&l->retry);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		msg = xstrdup("openvpn is not installed");
	else {
		msg = xprintf("openvpn exited with status %d; see %s.log",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1, l->sock);
	}
	vpn_link_set_error(l, VPN_PHASE_FAILED, msg);
	free(msg);
}

/* openvpn --daemon: the client outlives us; no secret is on its command line. */
static int
vpn_link_start(struct vpn_link *l)
{
	const struct inv_vpn	*v = l->vpn;
	char			*config, *log, *dir, *slash, *cause = NULL, *msg;
	char			*daemon_name;
	int			 ret;

	if (v->config == NULL) {
		msg = xprintf("nothing listens on %s and [vpn %s] has no config"
		    " to start openvpn with", l->sock, v->name);
		vpn_link_set_error(l, VPN_PHASE_FAILED, msg);
		free(msg);
		return (-1);
	}
	dir = xstrdup(l->sock);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		util_mkdir_p(dir, 0700);
	}
	free(dir);
	unlink(l->sock);	/* a stale socket: connecting to it failed */
	config = util_expand_home(v->config);
	log = xprintf("%s.log", l->sock);
	daemon_name = xprintf("platform-tui-vpn-%s", v->name);
	{
		char	*argv[] = { "openvpn", "--config", config, "--management",
		    l->sock, "unix", "--management-hold",
		    "--management-query-passwords",
		    "--log", log, "--daemon", daemon_name, NULL };

		ret = loop_child_spawn(&l->child, l->env->loop, argv, 0,
		    vpn_link_child, l, &cause);
	}
	free(config);
	free(log);
	free(daemon_name);
	if (ret != 0) {
		vpn_link_set_error(l, VPN_PHASE_FAILED, cause);
		free(cause);
		return (-1);
	}
	l->deadline = loop_now(l->env->loop) + VPN_START_MS;
	l->phase = VPN_PHASE_STARTING;
	vpn_link_notify(l);
	return (0);
}

/* Try the socket; on failure start openvpn, wait for it, or retry later. */
static void
vpn_link_attach(struct vpn_link *l)
{
	char	*cause = NULL, *msg;
	int	 refused;

	if (l->ovpn != NULL)
		return;
	l->ovpn = ovpn_connect(l->env->loop, l->sock, &vpn_link_events, l,
	    &cause);
	if (l->ovpn == NULL) {
		refused = errno == ECONNREFUSED || errno == ENOENT;
		if (l->phase == VPN_PHASE_STARTING) {
			free(cause);
			if (loop_now(l->env->loop) < l->deadline) {
				loop_timer_start(&l->retry, VPN_RETRY_MS);
				return;
			}
			msg = xprintf("openvpn did not open %s; see %s.log",
			    l->sock, l->sock);
			vpn_link_set_error(l, VPN_PHASE_FAILED, msg);
			free(msg);
			return;
		}
		if ((l->flags & VPN_UP_START) && refused &&
		    l->phase != VPN_PHASE_FAILED) {
			free(cause);
			if (vpn_link_start(l) == 0)
				loop_timer_start(&l->retry, VPN_RETRY_MS);
			return;
		}
		if (l->phase != VPN_PHASE_FAILED) {
			msg = xprintf("no openvpn on %s", cause);
			vpn_link_set_error(l, VPN_PHASE_DOWN, msg);
			free(msg);
		}
		free(cause);
		if (l->flags & VPN_UP_WATCH)
			loop_timer_start(&l->retry, VPN_WATCH_MS);
		return;
	}
	l->phase = VPN_PHASE_CONNECTING;
	free(l->error);
	l->error = NULL;
	ovpn_command(l->ovpn, "state on", NULL, NULL);
	ovpn_command(l->ovpn, "state", vpn_link_state_reply, l);
	ovpn_command(l->ovpn, "bytecount 1", NULL, NULL);
	if (l->flags & VPN_UP_START)
		vpn_link_release_hold(l);
	vpn_link_notify(l);
}

/* Ask for the link to come up (START) or just be watched (WATCH). */
void
vpn_link_up(struct vpn_link *l, int flags)
{
	if (l->vpn->type != INV_VPN_OPENVPN)
		return;
	if ((flags & VPN_UP_START) && l->phase == VPN_PHASE_FAILED &&
	    l->ovpn == NULL) {
		l->phase = VPN_PHASE_DOWN;	/* asked again: try again */
		l->auth_failed = 0;
	}
	l->flags |= flags;
	if (l->ovpn != NULL) {
		if (flags & VPN_UP_START)
			vpn_link_release_hold(l);
		return;
	}
	if (!loop_timer_pending(&l->retry))
		vpn_link_attach(l);
}

/* Close our side only: openvpn, a daemon, goes on. */
void
vpn_link_detach(struct vpn_link *l)
{
	loop_timer_stop(&l->retry);
	l->flags = 0;
	if (l->child.pid > 0)
		loop_child_forget(&l->child);	/* --daemon: its parent only */
	ovpn_free(l->ovpn);
	l->ovpn = NULL;
}

/* A command is done with the link: the console may still watch it. */
void
vpn_link_release(struct vpn_link *l)
{
	if (!(l->flags & VPN_UP_WATCH))
		vpn_link_detach(l);
}

/* openvpn ignored SIGTERM for too long. */
static void
vpn_link_down_timeout(void *arg)
{
	struct vpn_link	*l = arg;
	void		(*done)(int, const char *, void *) = l->down_done;

	l->down_done = NULL;
	if (done != NULL)
		done(0, "openvpn did not exit within 10 s of SIGTERM", l->down_arg);
}

/* SIGTERM refused: say so at once; accepted: wait for the socket to close. */
static void
vpn_link_down_reply(struct ovpn *o, int ok, const char *text,
    char *const *lines, size_t n, void *arg)
{
	struct vpn_link	*l = arg;
	void		(*done)(int, const char *, void *) = l->down_done;

	(void)o;
	(void)lines;
	(void)n;
	if (ok || done == NULL)
		return;		/* now wait for the socket to close */
	l->down_done = NULL;
	loop_timer_stop(&l->down_timer);
	done(0, text, l->down_arg);
}

/* Stop openvpn through its socket, attaching first if need be. */
void
vpn_link_down(struct vpn_link *l, void (*done)(int, const char *, void *),
    void *arg)
{
	char	*msg;

	l->flags &= ~VPN_UP_WATCH;
	loop_timer_stop(&l->retry);
	if (l->ovpn == NULL) {
		l->ovpn = ovpn_connect(l->env->loop, l->sock, &vpn_link_events,
		    l, &msg);
		if (l->ovpn == NULL) {
			free(msg);
			msg = xprintf("%s: not running (nothing on %s)",
			    l->vpn->name, l->sock);
			done(1, msg, arg);
			free(msg);
			return;
		}
	}
	l->down_done = done;
	l->down_arg = arg;
	loop_timer_start(&l->down_timer, VPN_DOWN_MS);
	ovpn_command(l->ovpn, "signal SIGTERM", vpn_link_down_reply, l);
}

/* Up to VPN_MAX_WATCH watchers hear of every change. */
void
vpn_link_watch(struct vpn_link *l, vpn_watch_cb cb, void *arg)
{
	size_t	i;

	for (i = 0; i < VPN_MAX_WATCH; i++) {
		if (l->watch[i].cb == NULL) {
			l->watch[i].cb = cb;
			l->watch[i].arg = arg;
			return;
		}
	}
}

/* Safe from inside a watcher: notify walks a copy. */
void
vpn_link_unwatch(struct vpn_link *l, vpn_watch_cb cb, void *arg)
{
	size_t	i;

	for (i = 0; i < VPN_MAX_WATCH; i++) {
		if (l->watch[i].cb == cb && l->watch[i].arg == arg)
			l->watch[i].cb = NULL;
	}
}

/* The console registers how to ask the operator for credentials. */
void
vpn_set_ask(vpn_ask_cb cb, void *arg)
{
	vpn_ask = cb;
	vpn_ask_arg = arg;
}

/* The accessors below read the link's last known state. */
const struct inv_vpn *
vpn_link_vpn(const struct vpn_link *l)
{
	return (l->vpn);
}

int
vpn_link_attached(const struct vpn_link *l)
{
	return (l->ovpn != NULL && !ovpn_closed(l->ovpn));
}

enum vpn_phase
vpn_link_phase(const struct vpn_link *l)
{
	return (l->phase);
}

/* The state word: OpenVPN's own while attached, ours otherwise. */
const char *
vpn_link_state(const struct vpn_link *l)
{
	switch (l->phase) {
	case VPN_PHASE_DOWN:
		return ("DOWN");
	case VPN_PHASE_STARTING:
		return ("STARTING");
	case VPN_PHASE_FAILED:
		return ("FAILED");
	case VPN_PHASE_RECONNECTING:
		return ("RECONNECTING");
	default:
		break;
	}
	if (l->st.name[0] != '\0')
		return (l->st.name);
	return (l->ovpn != NULL && ovpn_held(l->ovpn) ? "HOLD" : "CONNECTING");
}

const char *
vpn_link_error(const struct vpn_link *l)
{
	return (l->error);
}

const char *
vpn_link_tun_ip(const struct vpn_link *l)
{
	return (l->phase == VPN_PHASE_CONNECTED ? l->st.local_ip : "");
}

const char *
vpn_link_remote(const struct vpn_link *l)
{
	static char	buf[64];

	if (l->st.remote_ip[0] == '\0')
		return ("");
	snprintf(buf, sizeof buf, "%s:%d", l->st.remote_ip, l->st.remote_port);
	return (buf);
}

const char *
vpn_link_states_seen(const struct vpn_link *l)
{
	return (l->seen);
}

int64_t
vpn_link_since(const struct vpn_link *l)
{
	return (l->st.time);
}

uint64_t
vpn_link_bytes_in(const struct vpn_link *l)
{
	return (l->bytes_in);
}

uint64_t
vpn_link_bytes_out(const struct vpn_link *l)
{
	return (l->bytes_out);
}

int
vpn_link_auth_failed(const struct vpn_link *l)
{
	return (l->auth_failed);
}

/* One phrase per OpenVPN link: "office CONNECTED 10.8.0.2 ↑1.2KiB ↓3KiB". */
void
vpn_header(char *out, size_t len, int utf8)
{
	struct vpn_link	*l;
	char		 in[16], outb[16];
	size_t		 i, used = 0;
	int		 n;

	*out = '\0';
	for (i = 0; i < vpn_nlinks && used + 1 < len; i++) {
		l = vpn_links[i];
		if (l->vpn->type != INV_VPN_OPENVPN)
			continue;
		if (l->phase == VPN_PHASE_CONNECTED) {
			util_format_bytes(in, sizeof in, (int64_t)l->bytes_in);
			util_format_bytes(outb, sizeof outb,
			    (int64_t)l->bytes_out);
			n = snprintf(out + used, len - used, "%sVPN %s CONNECTED"
			    " %s %s%s %s%s", used ? "  " : "", l->vpn->name,
			    l->st.local_ip, utf8 ? "\xe2\x86\x91" : "^", outb,
			    utf8 ? "\xe2\x86\x93" : "v", in);
		} else if (l->phase == VPN_PHASE_CONNECTING ||
		    l->phase == VPN_PHASE_STARTING) {
			n = snprintf(out + used, len - used, "%sVPN %s CONNECTING%s",
			    used ? "  " : "", l->vpn->name,
			    utf8 ? "\xe2\x80\xa6" : "...");
		} else {
			n = snprintf(out + used, len - used, "%sVPN %s %s",
			    used ? "  " : "", l->vpn->name, vpn_link_state(l));
		}
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

/* For the probes: an endpoint behind a tunnel that is not connected waits. */
static char *
vpn_route_check(const char *name)
{
	size_t	i;

	for (i = 0; i < vpn_nlinks; i++) {
		if (strcmp(vpn_links[i]->vpn->name, name) != 0)
			continue;
		if (vpn_links[i]->vpn->type != INV_VPN_OPENVPN ||
		    vpn_links[i]->phase == VPN_PHASE_CONNECTED)
			return (NULL);
		return (xprintf("waiting for VPN %s (%s)", name,
		    vpn_link_state(vpn_links[i])));
	}
	return (NULL);
}

/* At the console's start: up what endpoints route through; watch the rest. */
void
vpn_console_start(struct cmd_env *env)
{
	const struct inventory	*inv = env->inv;
	struct vpn_link		*l;
	size_t			 i, s, e;
	int			 needed;

	route_set_vpn_check(vpn_route_check);
	for (i = 0; inv != NULL && i < inv->nvpns; i++) {
		if (inv->vpns[i].type != INV_VPN_OPENVPN)
			continue;
		needed = 0;
		for (s = 0; s < inv->nservices; s++) {
			for (e = 0; e < inv->services[s].nendpoints; e++) {
				const struct inv_endpoint *ep =
				    &inv->services[s].endpoints[e];

				if (ep->via == INV_VIA_VPN && ep->via_name != NULL &&
				    strcmp(ep->via_name, inv->vpns[i].name) == 0)
					needed = 1;
			}
		}
		if ((l = vpn_link_get(env, inv->vpns[i].name)) != NULL)
			vpn_link_up(l, VPN_UP_WATCH | (needed ? VPN_UP_START : 0));
	}
}

/* At exit: detach every link (openvpn keeps running) and free them. */
void
vpn_free_all(void)
{
	size_t	i;

	route_set_vpn_check(NULL);
	for (i = 0; i < vpn_nlinks; i++) {
		vpn_link_detach(vpn_links[i]);
		loop_timer_stop(&vpn_links[i]->down_timer);
		free(vpn_links[i]->sock);
		free(vpn_links[i]->error);
		free(vpn_links[i]);
	}
	free(vpn_links);
	vpn_links = NULL;
	vpn_nlinks = 0;
}

/*
 * vpn status: one row per OpenVPN link (state, tunnel address, server,
 * bytes, since when) and one per WireGuard peer (endpoint, handshake age,
 * stale over 180 s, bytes, keepalive). Keys other than a peer's public
 * key never reach this file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backends/openvpn.h"
#include "backends/wg.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/loop.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/vpn/vpn.h"

#define VPN_STATUS_MS	3000	/* a management socket another client holds answers nothing */

struct vpn_status_run;

struct vpn_status_item {
	struct vpn_status_run	*run;
	const struct inv_vpn	*vpn;
	int			 done;
	struct ovpn		*ovpn;
	struct ovpn_state	 st;
	uint64_t		 in, out;
	char			*state;		/* when not from st */
	char			*detail;
	struct wg_fetch		*fetch;
	struct wg_status	 wg;
	char			*wg_error;
};

struct vpn_status_run {
	struct cmd		*c;
	struct vpn_status_item	*items;
	size_t			 n;
	size_t			 pending;
	struct loop_timer	 timer;
};

enum {
	COL_NAME, COL_TYPE, COL_STATE, COL_TUNNEL, COL_REMOTE, COL_IN, COL_OUT,
	COL_SINCE, COL_HANDSHAKE, COL_KEEPALIVE, COL_PEER, COL_DETAIL
};

/* Everything the run still holds goes: sockets, children, copies. */
static void
vpn_status_free(struct vpn_status_run *run)
{
	size_t	i;

	loop_timer_stop(&run->timer);
	for (i = 0; i < run->n; i++) {
		ovpn_free(run->items[i].ovpn);
		wg_fetch_cancel(run->items[i].fetch);
		wg_status_clear(&run->items[i].wg);
		free(run->items[i].state);
		free(run->items[i].detail);
		free(run->items[i].wg_error);
	}
	free(run->items);
	free(run);
}

/* An OpenVPN row, from a link the console keeps or from our own look. */
static void
vpn_status_row_ovpn(struct view *v, struct vpn_status_item *it)
{
	struct vpn_link	*l = NULL;
	size_t		 r = view_add_row(v);
	size_t		 i;
	char		 remote[64], seen[300];

	for (i = 0; (l = vpn_link_at(i)) != NULL; i++) {
		if (vpn_link_vpn(l) == it->vpn && vpn_link_attached(l))
			break;
	}
	view_set_text(v, r, COL_NAME, it->vpn->name);
	view_set_text(v, r, COL_TYPE, "openvpn");
	if (l != NULL) {
		view_set_text(v, r, COL_STATE, vpn_link_state(l));
		view_set_text(v, r, COL_TUNNEL, vpn_link_tun_ip(l));
		view_set_text(v, r, COL_REMOTE, vpn_link_remote(l));
		view_set_num(v, r, COL_IN, (int64_t)vpn_link_bytes_in(l));
		view_set_num(v, r, COL_OUT, (int64_t)vpn_link_bytes_out(l));
		if (vpn_link_since(l) > 0)
			view_set_num(v, r, COL_SINCE, vpn_link_since(l));
		if (vpn_link_error(l) != NULL)
			view_set_text(v, r, COL_DETAIL, vpn_link_error(l));
		else if (*vpn_link_states_seen(l) != '\0') {
			snprintf(seen, sizeof seen, "states: %s",
			    vpn_link_states_seen(l));
			view_set_text(v, r, COL_DETAIL, seen);
		}
		return;
	}
	view_set_text(v, r, COL_STATE, it->state != NULL ? it->state :
	    it->st.name[0] != '\0' ? it->st.name : "UNKNOWN");
	if (strcmp(it->st.name, "CONNECTED") == 0)
		view_set_text(v, r, COL_TUNNEL, it->st.local_ip);
	if (it->st.remote_ip[0] != '\0') {
		snprintf(remote, sizeof remote, "%s:%d", it->st.remote_ip,
		    it->st.remote_port);
		view_set_text(v, r, COL_REMOTE, remote);
	}
	if (it->state == NULL) {
		view_set_num(v, r, COL_IN, (int64_t)it->in);
		view_set_num(v, r, COL_OUT, (int64_t)it->out);
	}
	if (it->st.time > 0)
		view_set_num(v, r, COL_SINCE, it->st.time);
	if (it->detail != NULL)
		view_set_text(v, r, COL_DETAIL, it->detail);
}

/* The interface's own address from a wg-quick file's Address line, or "". */
static void
vpn_status_wg_address(const struct inv_vpn *v, char *out, size_t len)
{
	char	*path, line[512], *p, *e;
	FILE	*f;

	*out = '\0';
	if (v->config == NULL)
		return;
	path = util_expand_home(v->config);
	f = fopen(path, "r");
	free(path);
	if (f == NULL)
		return;		/* often root's only: the column stays empty */
	while (fgets(line, sizeof line, f) != NULL) {
		p = line + strspn(line, " \t");
		if (strncasecmp(p, "Address", 7) != 0)
			continue;
		p += 7;
		p += strspn(p, " \t");
		if (*p++ != '=')
			continue;
		p += strspn(p, " \t");
		for (e = p; *e != '\0' && *e != '\n' && *e != '#'; e++)
			/* nothing */;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		snprintf(out, len, "%.*s", (int)(e - p), p);
		break;
	}
	fclose(f);
}

/* One row per peer; an interface without peers, or an error, gets one row. */
static void
vpn_status_rows_wg(struct view *v, struct vpn_status_item *it)
{
	const struct wg_peer	*p;
	char			*ifname, age[48], peer[16], addr[128], detail[400];
	int64_t			 now = (int64_t)time(NULL);
	size_t			 r, i;

	ifname = inventory_vpn_interface(it->vpn);
	vpn_status_wg_address(it->vpn, addr, sizeof addr);
	if (it->wg_error != NULL || it->wg.npeers == 0) {
		r = view_add_row(v);
		view_set_text(v, r, COL_NAME, it->vpn->name);
		view_set_text(v, r, COL_TYPE, "wireguard");
		view_set_text(v, r, COL_STATE, it->wg_error != NULL ? "DOWN" :
		    "NO PEERS");
		view_set_text(v, r, COL_DETAIL, it->wg_error != NULL ?
		    it->wg_error : ifname);
	}
	for (i = 0; it->wg_error == NULL && i < it->wg.npeers; i++) {
		p = &it->wg.peers[i];
		r = view_add_row(v);
		view_set_text(v, r, COL_NAME, it->vpn->name);
		view_set_text(v, r, COL_TYPE, "wireguard");
		view_set_text(v, r, COL_STATE, p->handshake == 0 ? "NO HANDSHAKE" :
		    now - p->handshake > WG_STALE_S ? "STALE" : "CONNECTED");
		view_set_text(v, r, COL_TUNNEL, addr);
		view_set_text(v, r, COL_REMOTE, p->endpoint);
		view_set_num(v, r, COL_IN, (int64_t)p->rx);
		view_set_num(v, r, COL_OUT, (int64_t)p->tx);
		if (p->handshake > 0)
			view_set_num(v, r, COL_SINCE, p->handshake);
		wg_handshake_age(age, sizeof age, p->handshake, now);
		view_set_text(v, r, COL_HANDSHAKE, age);
		if (p->keepalive > 0)
			view_set_num(v, r, COL_KEEPALIVE, p->keepalive);
		/* The public key's start tells peers apart; it is not a secret. */
		snprintf(peer, sizeof peer, "%.8s...", p->public_key);
		view_set_text(v, r, COL_PEER, peer);
		snprintf(detail, sizeof detail, "%s: allowed %s", ifname,
		    p->allowed_ips);
		view_set_text(v, r, COL_DETAIL, detail);
	}
	free(ifname);
}

/* Every item is in: the rows in inventory order, then the command ends. */
static void
vpn_status_finish(struct vpn_status_run *run)
{
	struct cmd	*c = run->c;
	size_t		 i;

	for (i = 0; i < run->n; i++) {
		if (run->items[i].vpn->type == INV_VPN_OPENVPN)
			vpn_status_row_ovpn(c->view, &run->items[i]);
		else
			vpn_status_rows_wg(c->view, &run->items[i]);
	}
	c->state = NULL;
	c->cancel = NULL;
	vpn_status_free(run);
	cmd_finish(c);
}

/* One VPN is known; the last one finishes the command. */
static void
vpn_status_item_done(struct vpn_status_item *it)
{
	if (it->done)
		return;
	it->done = 1;
	ovpn_free(it->ovpn);
	it->ovpn = NULL;
	if (--it->run->pending == 0)
		vpn_status_finish(it->run);
}

/* WireGuard's answer, or why there is none. */
static void
vpn_status_wg_done(const struct wg_status *st, const char *error, void *arg)
{
	struct vpn_status_item	*it = arg;

	it->fetch = NULL;
	if (st == NULL)
		it->wg_error = xstrdup(error);
	else {
		/* Copy the arrays: the fetch frees its own after we return. */
		it->wg.npeers = st->npeers;
		it->wg.peers = xreallocarray(NULL, st->npeers + 1,
		    sizeof *st->peers);
		memcpy(it->wg.peers, st->peers, st->npeers * sizeof *st->peers);
	}
	vpn_status_item_done(it);
}

/* The socket closed before it told us anything: openvpn is going away. */
static void
vpn_status_closed(struct ovpn *o, const char *why, void *arg)
{
	struct vpn_status_item	*it = arg;

	(void)o;
	if (it->state == NULL && it->st.name[0] == '\0') {
		it->state = xstrdup("DOWN");
		it->detail = xstrdup(why);
	}
	vpn_status_item_done(it);
}

static const struct ovpn_events vpn_status_events = {
	.closed = vpn_status_closed,
};

/* The state command: the current state line. */
static void
vpn_status_state_reply(struct ovpn *o, int ok, const char *text,
    char *const *lines, size_t n, void *arg)
{
	struct vpn_status_item	*it = arg;
	struct ovpn_line	 l;
	size_t			 i;

	(void)o;
	(void)text;
	for (i = 0; ok && i < n; i++) {
		if (ovpn_parse_line(lines[i], strlen(lines[i]), &l) == 0 &&
		    l.has_state)
			it->st = l.state;
	}
}

/* "status" in a client: the link's byte counts are the TCP/UDP lines. */
static void
vpn_status_status_reply(struct ovpn *o, int ok, const char *text,
    char *const *lines, size_t n, void *arg)
{
	struct vpn_status_item	*it = arg;
	size_t			 i;

	(void)o;
	(void)text;
	for (i = 0; ok && i < n; i++) {
		ovpn_parse_status_bytes(lines[i], "TCP/UDP read bytes", &it->in);
		ovpn_parse_status_bytes(lines[i], "TCP/UDP write bytes", &it->out);
	}
	vpn_status_item_done(it);
}

/* A management socket that takes no new client: someone else holds it. */
static void
vpn_status_timeout(void *arg)
{
	struct vpn_status_run	*run = arg;
	struct vpn_status_item	*it;
	size_t			 i;

	run->pending++;		/* finish once, after the loop below */
	for (i = 0; i < run->n; i++) {
		it = &run->items[i];
		if (it->done)
			continue;
		if (it->vpn->type == INV_VPN_OPENVPN) {
			it->state = xstrdup("BUSY");
			it->detail = xstrdup("no answer on the management socket:"
			    " another client (a console?) holds it");
		} else
			it->wg_error = xstrdup("no answer in time");
		vpn_status_item_done(it);
	}
	if (--run->pending == 0)
		vpn_status_finish(run);
}

/* Look at one OpenVPN: the console's link if attached, else our own query. */
static void
vpn_status_start_ovpn(struct vpn_status_item *it)
{
	struct vpn_link	*l;
	char		*sock, *cause = NULL;
	size_t		 i;

	for (i = 0; (l = vpn_link_at(i)) != NULL; i++) {
		if (vpn_link_vpn(l) == it->vpn && vpn_link_attached(l)) {
			vpn_status_item_done(it);
			return;
		}
	}
	sock = vpn_link_socket(it->vpn);
	it->ovpn = ovpn_connect(it->run->c->env->loop, sock, &vpn_status_events,
	    it, &cause);
	free(sock);
	if (it->ovpn == NULL) {
		it->state = xstrdup("DOWN");
		it->detail = xprintf("no openvpn on %s", cause);
		free(cause);
		vpn_status_item_done(it);
		return;
	}
	ovpn_command(it->ovpn, "state", vpn_status_state_reply, it);
	ovpn_command(it->ovpn, "status", vpn_status_status_reply, it);
}

/* Interrupted: drop the run without a result. */
static void
vpn_status_cancel(struct cmd *c)
{
	vpn_status_free(c->state);
	c->state = NULL;
}

/* Ask every VPN at once; rows are built when all have answered. */
static enum cmd_retval
vpn_status_exec(struct cmd *c)
{
	const struct inventory	*inv = c->env->inv;
	struct vpn_status_run	*run;
	struct vpn_status_item	*it;
	const struct inv_vpn	*only = NULL;
	char			*ifname;
	size_t			 i;

	if (c->argc > 0 && (only = inventory_vpn(inv, c->argv[0])) == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "no vpn '%s' in %s", c->argv[0],
		    inv->path);
		return (CMD_RETURN_NORMAL);
	}
	c->view = view_new("VPN");
	view_add_column(c->view, "name", VIEW_TEXT);
	view_add_column(c->view, "type", VIEW_TEXT);
	view_add_column(c->view, "state", VIEW_STATE);
	view_add_column(c->view, "tunnel_ip", VIEW_TEXT);
	view_add_column(c->view, "remote", VIEW_TEXT);
	view_add_column(c->view, "bytes_in", VIEW_BYTES);
	view_add_column(c->view, "bytes_out", VIEW_BYTES);
	view_add_column(c->view, "since", VIEW_TIME);
	view_add_column(c->view, "handshake", VIEW_TEXT);
	view_add_column(c->view, "keepalive", VIEW_NUMBER);
	view_add_column(c->view, "peer", VIEW_TEXT);
	view_add_column(c->view, "detail", VIEW_TEXT);
	if (inv->nvpns == 0)
		return (CMD_RETURN_NORMAL);

	run = xcalloc(1, sizeof *run);
	run->c = c;
	run->items = xcalloc(inv->nvpns, sizeof *run->items);
	for (i = 0; i < inv->nvpns; i++) {
		if (only != NULL && &inv->vpns[i] != only)
			continue;
		it = &run->items[run->n++];
		it->run = run;
		it->vpn = &inv->vpns[i];
	}
	run->pending = run->n + 1;	/* +1: nothing finishes while starting */
	c->state = run;
	c->cancel = vpn_status_cancel;
	loop_timer_init(&run->timer, c->env->loop, vpn_status_timeout, run);
	loop_timer_start(&run->timer, VPN_STATUS_MS);
	for (i = 0; i < run->n; i++) {
		it = &run->items[i];
		if (it->vpn->type == INV_VPN_OPENVPN)
			vpn_status_start_ovpn(it);
		else {
			ifname = inventory_vpn_interface(it->vpn);
			it->fetch = wg_fetch_start(c->env->loop, ifname,
			    VPN_STATUS_MS, vpn_status_wg_done, it);
			free(ifname);
		}
	}
	if (--run->pending == 0) {
		vpn_status_finish(run);
		return (CMD_RETURN_NORMAL);
	}
	return (CMD_RETURN_WAIT);
}

const struct cmd_entry vpn_cmd_status = {
	.name = "vpn status",
	.args = { "", 0, 1 },
	.usage = "[NAME]",
	.help = "Show each VPN: state, tunnel address, server, bytes in and out; WireGuard peers with their handshake ages.",
	.flags = CMD_INVENTORY,
	.exec = vpn_status_exec,
};

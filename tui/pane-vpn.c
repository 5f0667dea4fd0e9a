/*
 * The VPN pane: the view of "vpn status", loaded again when a tunnel
 * changes state; and the console's side of the VPN links and routes:
 * bring the tunnels up at start, redraw the header on every change, and
 * check the endpoints behind a tunnel or an SSH route again when it comes
 * up or goes down.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/route.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "plugins/vpn/vpn.h"
#include "tui/tui.h"

#define PANE_VPN_MAX	16	/* links whose last phase we remember */

static enum vpn_phase	pane_vpn_phase[PANE_VPN_MAX];

static void
pane_vpn_reload(struct tui *t, struct pane *p)
{
	pane_run(t, p, "vpn status");
}

static void
pane_vpn_show(struct tui *t, struct pane *p)
{
	if (p->shown == NULL && p->loading == NULL)
		pane_vpn_reload(t, p);
}

const struct pane_type pane_vpn = {
	.name = "VPN",
	.empty = "no [vpn NAME] section in the inventory",
	.hints = "r reload",
	.show = pane_vpn_show,
	.reload = pane_vpn_reload,
};

/* Byte counts come every second: redraw; a new phase also reloads the rest. */
static void
pane_vpn_changed(struct vpn_link *l, void *arg)
{
	struct tui	*t = arg;
	struct pane	*p;
	size_t		 i;

	t->dirty = 1;
	for (i = 0; i < PANE_VPN_MAX && vpn_link_at(i) != l; i++)
		/* nothing */;
	if (i == PANE_VPN_MAX || pane_vpn_phase[i] == vpn_link_phase(l))
		return;
	pane_vpn_phase[i] = vpn_link_phase(l);
	for (i = 0; i < t->npanes; i++) {
		p = &t->panes[i];
		if (p->type == &pane_vpn && p->shown != NULL)
			pane_vpn_reload(t, p);
	}
	/* The Overview's rows behind the tunnel: waiting, or checked now. */
	if (t->panes[0].type->reload != NULL && t->panes[0].loading == NULL)
		t->panes[0].type->reload(t, &t->panes[0]);
}

/* What the operator is being asked for, between the two questions. */
static struct {
	struct vpn_link	*link;
	char		 realm[32];
	char		*user;
} pane_vpn_asking;

static void
pane_vpn_password(const char *pass, void *arg)
{
	struct vpn_link	*l = pane_vpn_asking.link;

	(void)arg;
	if (l != NULL)
		vpn_link_password(l, pane_vpn_asking.realm, pane_vpn_asking.user,
		    pass);
	free(pane_vpn_asking.user);
	pane_vpn_asking.user = NULL;
	pane_vpn_asking.link = NULL;
}

static void
pane_vpn_user(const char *user, void *arg)
{
	struct tui	*t = arg;
	char		 q[128];

	if (user == NULL) {
		pane_vpn_password(NULL, arg);
		return;
	}
	pane_vpn_asking.user = strdup(user);
	snprintf(q, sizeof q, "VPN %s password:",
	    vpn_link_vpn(pane_vpn_asking.link)->name);
	tui_ask(t, q, 1, pane_vpn_password, t);
}

/* OpenVPN wants credentials the inventory does not have: ask, never keep. */
static void
pane_vpn_ask(struct vpn_link *l, const char *realm, void *arg)
{
	struct tui		*t = arg;
	const struct inv_vpn	*v = vpn_link_vpn(l);
	char			 q[128];

	pane_vpn_asking.link = l;
	snprintf(pane_vpn_asking.realm, sizeof pane_vpn_asking.realm, "%s",
	    realm);
	if (v->user != NULL) {
		pane_vpn_user(v->user, t);
		return;
	}
	snprintf(q, sizeof q, "VPN %s user name:", v->name);
	tui_ask(t, q, 0, pane_vpn_user, t);
}

/* An SSH route's session changed: the Overview's rows behind it look again. */
static void
pane_vpn_route_changed(void *arg)
{
	struct tui	*t = arg;

	if (t->panes[0].type->reload != NULL && t->panes[0].loading == NULL)
		t->panes[0].type->reload(t, &t->panes[0]);
}

/* At start: bring up the tunnels endpoints need and watch every one. */
void
pane_vpn_start(struct tui *t)
{
	struct vpn_link	*l;
	size_t		 i;

	route_set_changed(pane_vpn_route_changed, t);
	if (t->env->inv == NULL || t->env->inv->nvpns == 0)
		return;
	vpn_set_ask(pane_vpn_ask, t);
	vpn_console_start(t->env);
	for (i = 0; (l = vpn_link_at(i)) != NULL; i++) {
		if (i < PANE_VPN_MAX)
			pane_vpn_phase[i] = vpn_link_phase(l);
		vpn_link_watch(l, pane_vpn_changed, t);
	}
}

/* Before the screen goes: no more callbacks into it. */
void
pane_vpn_stop(struct tui *t)
{
	struct vpn_link	*l;
	size_t		 i;

	route_set_changed(NULL, NULL);
	vpn_set_ask(NULL, NULL);
	for (i = 0; (l = vpn_link_at(i)) != NULL; i++)
		vpn_link_unwatch(l, pane_vpn_changed, t);
}

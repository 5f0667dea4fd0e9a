/*
 * Routes to the endpoints: the question the probes ask first, can this
 * endpoint be tried now? (The SSH listeners come with the SSH backend.)
 */
#include "config.h"

#include <stdlib.h>

#include "backends/route.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/xmalloc.h"

static char	*(*route_vpn_check)(const char *);

void
route_set_vpn_check(char *(*fn)(const char *))
{
	route_vpn_check = fn;
}

/* A tunnel that is not up. */
char *
route_blocked(struct cmd_env *env, const struct inv_endpoint *ep)
{
	(void)env;
	if (ep->via == INV_VIA_VPN && ep->via_name != NULL &&
	    route_vpn_check != NULL)
		return (route_vpn_check(ep->via_name));
	return (NULL);
}

char *
route_failed(struct cmd_env *env, const struct inv_endpoint *ep)
{
	(void)env;
	(void)ep;
	return (NULL);
}

void
route_setup(struct cmd_env *env)
{
	(void)env;
}

void
route_free_all(void)
{
}

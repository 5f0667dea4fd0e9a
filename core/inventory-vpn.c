/*
 * The [vpn NAME] section of the inventory: which tunnel, its client config,
 * the OpenVPN management socket and the credentials the server may ask for.
 * The parser hands each key here; messages go after its FILE:LINE: key.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/inventory.h"
#include "core/inventory-value.h"
#include "core/secret.h"
#include "core/xmalloc.h"

/* A path must be absolute or start with ~/: the console may run anywhere. */
static int
inventory_vpn_path(const char *value, char **out, char **cause)
{
	if (*value != '/' && strncmp(value, "~/", 2) != 0) {
		xasprintf(cause, "'%s' is not an absolute path (start it with /"
		    " or ~/)", value);
		return (-1);
	}
	free(*out);
	*out = xstrdup(value);
	return (0);
}

/* One key of a [vpn NAME] section; the parser has checked it is known. */
int
inventory_vpn_key(struct inv_vpn *v, const char *key, const char *value,
    char **cause)
{
	if (strcmp(key, "type") == 0) {
		if (strcmp(value, "openvpn") == 0)
			v->type = INV_VPN_OPENVPN;
		else if (strcmp(value, "wireguard") == 0 ||
		    strcmp(value, "wg") == 0)
			v->type = INV_VPN_WIREGUARD;
		else {
			xasprintf(cause, "'%s' is not a VPN type: use openvpn"
			    " or wireguard", value);
			return (-1);
		}
	} else if (strcmp(key, "config") == 0)
		return (inventory_vpn_path(value, &v->config, cause));
	else if (strcmp(key, "management") == 0)
		return (inventory_vpn_path(value, &v->management, cause));
	else if (strcmp(key, "user") == 0)
		v->user = xstrdup(value);
	else if (strcmp(key, "secret") == 0) {
		if (secret_valid(value, cause) != 0)
			return (-1);
		v->secret = xstrdup(value);
	} else if (strcmp(key, "interface") == 0) {
		if (!inventory_value_name(value) || strlen(value) > 15) {
			xasprintf(cause, "'%s' is not an interface name (up to"
			    " 15 letters, digits, '.', '_' and '-')", value);
			return (-1);
		}
		v->interface = xstrdup(value);
	}
	return (0);
}

/*
 * At the end of the section: what is missing, as "key: why", or NULL.
 * typeline is 0 when no type was given.
 */
const char *
inventory_vpn_missing(const struct inv_vpn *v, int typeline)
{
	if (typeline == 0)
		return ("type");
	if (v->type == INV_VPN_OPENVPN && v->config == NULL &&
	    v->management == NULL)
		return ("config");
	if (v->type == INV_VPN_WIREGUARD && v->config == NULL &&
	    v->interface == NULL)
		return ("interface");
	if (v->secret != NULL && v->user == NULL)
		return ("user");
	return (NULL);
}

/* The WireGuard interface: given, or the config file's name without .conf. */
char *
inventory_vpn_interface(const struct inv_vpn *v)
{
	const char	*base, *dot;

	if (v->interface != NULL)
		return (xstrdup(v->interface));
	if (v->config == NULL)
		return (xstrdup(v->name));
	base = strrchr(v->config, '/');
	base = base != NULL ? base + 1 : v->config;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		return (xstrdup(base));
	return (xstrndup(base, dot - base));
}

/*
 * A VPN route names a [vpn NAME] section; "vpn" alone is the first one, or
 * a VPN run outside the console when the file has none.
 */
int
inventory_vpn_route(const struct inventory *inv, const char **name,
    char **cause)
{
	const char	*near = NULL;

	if (*name == NULL) {
		if (inv->nvpns != 0)
			*name = inv->vpns[0].name;
		return (0);
	}
	if (inventory_vpn(inv, *name) != NULL)
		return (0);
	if (inv->nvpns != 0) {
		near = inventory_value_closest(*name,
		    (const char *const *)&inv->vpns[0].name, inv->nvpns,
		    sizeof *inv->vpns);
	}
	if (near != NULL)
		xasprintf(cause, "vpn '%s' is not defined (did you mean '%s'?)",
		    *name, near);
	else
		xasprintf(cause, "vpn '%s' is not defined: add a [vpn %s]"
		    " section", *name, *name);
	return (-1);
}

/*
 * The inventory's checks that need the whole file: the nodes that services,
 * jumps and routes name, a node's metrics service, via and health lines
 * applied to their endpoints, and (on request) that secrets can be read.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/inventory.h"
#include "core/inventory-int.h"
#include "core/inventory-value.h"
#include "core/secret.h"
#include "core/xmalloc.h"

/* A node that is not defined, with a near miss if there is one. */
static int
inventory_parse_check_node(struct inv_parse *p, int line, const char *key,
    const char *name)
{
	struct inventory	*inv = p->inv;
	const char		*near = NULL;

	if (inventory_node(inv, name) != NULL)
		return (0);
	if (inv->nnodes != 0) {
		near = inventory_value_closest(name,
		    (const char *const *)&inv->nodes[0].name, inv->nnodes,
		    sizeof *inv->nodes);
	}
	if (near != NULL) {
		return (inventory_parse_error_at(p, line, key, "node '%s' is"
		    " not defined (did you mean '%s'?)", name, near));
	}
	return (inventory_parse_error_at(p, line, key,
	    "node '%s' is not defined", name));
}

/* A node's metrics names a node-exporter or prometheus service. */
static int
inventory_parse_check_metrics(struct inv_parse *p, struct inv_node *n)
{
	const struct inv_service	*s;

	if (n->metrics == NULL)
		return (0);
	if ((s = inventory_service(p->inv, n->metrics)) == NULL) {
		return (inventory_parse_error_at(p, n->metrics_line, "metrics",
		    "service '%s' is not defined", n->metrics));
	}
	if (strcmp(s->kind, "node-exporter") != 0 &&
	    strcmp(s->kind, "prometheus") != 0) {
		return (inventory_parse_error_at(p, n->metrics_line, "metrics",
		    "service '%s' is of kind %s (expected node-exporter or"
		    " prometheus)", n->metrics, s->kind));
	}
	return (0);
}

/* The first node with role gateway: where "via = ssh" goes. */
static const char *
inventory_parse_gateway(struct inventory *inv)
{
	size_t	i, j;

	for (i = 0; i < inv->nnodes; i++) {
		for (j = 0; inv->nodes[i].roles[j] != NULL; j++) {
			if (strcmp(inv->nodes[i].roles[j], "gateway") == 0)
				return (inv->nodes[i].name);
		}
	}
	return (NULL);
}

/* A VPN route's name, checked in inventory-vpn.c. */
static int
inventory_parse_check_vpn(struct inv_parse *p, struct inv_override *o,
    const char **name)
{
	char	*cause = NULL;

	if (inventory_vpn_route(p->inv, name, &cause) != 0)
		return (inventory_parse_cause(p, o->line, o->key, cause));
	return (0);
}

/* Apply a via or health line to its endpoints once its node is known. */
static int
inventory_parse_apply(struct inv_parse *p, struct inv_service *s,
    struct inv_override *o)
{
	struct inv_endpoint	*ep;
	const char		*name = o->via_name;
	size_t			 i;
	int			 found = 0;

	if (o->is_via && o->via == INV_VIA_SSH) {
		if (name == NULL && (name = inventory_parse_gateway(p->inv)) ==
		    NULL) {
			return (inventory_parse_error_at(p, o->line, o->key,
			    "'ssh' goes through the node with role gateway and"
			    " there is none (add roles = gateway to a node or"
			    " use ssh:NODE)"));
		}
		if (inventory_parse_check_node(p, o->line, o->key, name) != 0)
			return (-1);
	}
	if (o->is_via && o->via == INV_VIA_VPN &&
	    inventory_parse_check_vpn(p, o, &name) != 0)
		return (-1);
	for (i = 0; i < s->nendpoints; i++) {
		ep = &s->endpoints[i];
		if (o->endpoint != NULL && strcmp(o->endpoint, ep->name) != 0)
			continue;
		found = 1;
		if (o->is_via) {
			ep->via = o->via;
			free(ep->via_name);
			ep->via_name = name != NULL ? xstrdup(name) : NULL;
		} else {
			free(ep->health);
			ep->health = xstrdup(o->health);
		}
	}
	if (!found) {
		return (inventory_parse_error_at(p, o->line, o->key, "[service"
		    " %s] has no endpoint named '%s'", s->name, o->endpoint));
	}
	return (0);
}

/* Checks that need the whole file: the nodes services name, secrets. */
int
inventory_parse_finish(struct inv_parse *p)
{
	struct inventory	*inv = p->inv;
	struct inv_service	*s;
	struct inv_extra	*x;
	char			*cause;
	size_t			 i, j;
	int			 pass;

	for (i = 0; i < inv->nnodes; i++) {
		if (inventory_parse_check_metrics(p, &inv->nodes[i]) != 0)
			return (-1);
		if (inv->nodes[i].jump != NULL && inventory_parse_check_node(p,
		    inv->nodes[i].jump_line, "jump", inv->nodes[i].jump) != 0)
			return (-1);
	}
	for (i = 0; i < inv->nservices; i++) {
		s = &inv->services[i];
		x = &p->extra[i];
		if (inventory_parse_check_node(p, x->node_line, "node",
		    s->node) != 0)
			return (-1);
		/* The service's own via and health first, then per endpoint. */
		for (pass = 0; pass < 2; pass++) {
			for (j = 0; j < x->nov; j++) {
				if ((x->ov[j].endpoint != NULL) != pass)
					continue;
				if (inventory_parse_apply(p, s, &x->ov[j]) != 0)
					return (-1);
			}
		}
		if (s->secret != NULL && (p->flags & INV_CHECK_SECRETS) &&
		    secret_check(s->secret, &cause) != 0) {
			return (inventory_parse_cause(p, x->secret_line,
			    "secret", cause));
		}
	}
	return (0);
}

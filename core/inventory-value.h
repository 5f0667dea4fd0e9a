/*
 * What an inventory value may look like: names, host names and addresses,
 * ports, durations, URLs and ways to reach an endpoint. Used by the parser;
 * nothing here knows about files or lines.
 */
#ifndef INVENTORY_VALUE_H
#define INVENTORY_VALUE_H

#include <stddef.h>

#include "core/inventory.h"

/* Node, service, role, endpoint and VPN names: [A-Za-z0-9._-]+. */
int	 inventory_value_name(const char *);
/* Service kinds: [a-z0-9-]+. */
int	 inventory_value_kind(const char *);
/* An IPv4 or IPv6 address or an RFC 1123 host name. */
int	 inventory_value_host(const char *);
/* 1 to 65535 in decimal; 0 and *port set, or -1. */
int	 inventory_value_port(const char *, int *port);
/* 250ms, 5s, 2m or bare seconds, 1ms to 10m; 0 and *ms set, or -1. */
int	 inventory_value_duration(const char *, int *ms);
/* Fill url, scheme, host, port, path, user of ep; or -1 and *cause. */
int	 inventory_value_url(const char *, struct inv_endpoint *ep,
	     char **cause);
/* direct, vpn, vpn:NAME, ssh or ssh:NODE; *name (or NULL) is the caller's. */
int	 inventory_value_via(const char *, enum inv_via *, char **name,
	     char **cause);
/* The closest word within two edits, or NULL; n words, stride bytes apart. */
const char *inventory_value_closest(const char *word, const char *const *words,
	     size_t n, size_t stride);

/* core/inventory-vpn.c: the [vpn NAME] section. */
int	 inventory_vpn_key(struct inv_vpn *, const char *key, const char *value,
	     char **cause);
const char *inventory_vpn_missing(const struct inv_vpn *, int typeline);
/* A via = vpn[:NAME]: *name becomes the [vpn] it means; -1 and *cause if none. */
int	 inventory_vpn_route(const struct inventory *, const char **name,
	     char **cause);

#endif

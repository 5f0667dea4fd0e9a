/*
 * What the inventory's parser (inventory-parse.c) and its whole-file checks
 * (inventory-check.c) share. Not for other files.
 */
#ifndef INVENTORY_INT_H
#define INVENTORY_INT_H

#include <stddef.h>

#include "core/inventory.h"

#define INV_MAX_KEYS		24

enum inv_section {
	INV_SEC_NONE,
	INV_SEC_PLATFORM,
	INV_SEC_NODE,
	INV_SEC_SERVICE,
	INV_SEC_VPN,
};

/* A via or health line, applied once every endpoint of the service is known. */
struct inv_override {
	char		*endpoint;	/* NULL for every endpoint */
	char		*key;		/* as written, for messages */
	int		 line;
	int		 is_via;
	enum inv_via	 via;
	char		*via_name;	/* or NULL */
	char		*health;	/* when !is_via */
};

/* What a service needs until the end of the file. */
struct inv_extra {
	int		 node_line;
	int		 secret_line;
	struct inv_override *ov;
	size_t		 nov;
};

struct inv_parse {
	const char	*path;
	int		 flags;
	int		 line;		/* being read */
	char	       **cause;
	struct inventory *inv;
	struct inv_extra *extra;	/* parallel to inv->services */
	enum inv_section sec;
	char		*secname;	/* "node gateway", for messages */
	int		 secline;	/* where the section started */
	int		 platform_line;
	int		 seen[INV_MAX_KEYS];	/* line of each key */
};

int	inventory_parse_error_at(struct inv_parse *, int line, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int	inventory_parse_cause(struct inv_parse *, int line, const char *key, char *cause);
int	inventory_parse_finish(struct inv_parse *);

#endif

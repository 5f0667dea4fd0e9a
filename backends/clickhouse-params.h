/* Query parameters for backends/clickhouse.c; not part of its interface. */
#ifndef CLICKHOUSE_PARAMS_H
#define CLICKHOUSE_PARAMS_H

#include <stddef.h>

struct ch_param;

/* Every placeholder outside strings and comments has a value, or -1 and *cause. */
int	 ch_params_check(const char *sql, const struct ch_param *, size_t, char **cause);
/* The query with each placeholder replaced by CAST('value' AS Type). */
char	*ch_params_substitute(const char *sql, const struct ch_param *, size_t);

#endif

/* The sql commands of the clickhouse plugin and what they share. */
#ifndef SQL_H
#define SQL_H

#include <stddef.h>

#include "backends/clickhouse.h"
#include "core/cmd.h"

/* The endpoints of the ClickHouse service as query targets. */
struct sql_targets {
	const char		*service;	/* the service's name */
	struct ch_target	*targets;	/* one per endpoint; strings borrowed or urls */
	char			**urls;		/* owned: scheme://host:port */
	size_t			 n;
	size_t			 chosen;	/* --shard, else 0 (the Distributed tables) */
	char			*password;	/* resolved secret, or NULL */
};

/* --service (or the first of kind clickhouse), --shard, --database. */
int		 sql_targets_get(struct cmd *, struct sql_targets *, char **cause);
void		 sql_targets_free(struct sql_targets *);
enum cmd_exit	 sql_exit(enum ch_status);

extern const struct cmd_entry		 sql_kill_entry;
extern const struct cmd_entry		 sql_shards_entry;
extern const struct cmd_entry *const	 sql_commands[];

#endif

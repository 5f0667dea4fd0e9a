/*
 * ClickHouse on the analytics node: two shard containers from one compose
 * file, each with its own config (listen address, ports, macros, the
 * cluster of both shards with credentials so Distributed queries work
 * when default has a password) and the users file with a password hash.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/inventory.h"
#include "core/secret.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy.h"

static const struct deploy_file ch_files[] = {
	{ "/etc/clickhouse/shard1/config.xml", "config.xml.tmpl", 0644, "ch.shard1" },
	{ "/etc/clickhouse/shard2/config.xml", "config.xml.tmpl", 0644, "ch.shard2" },
	{ "/etc/clickhouse/users.xml", "users.xml.tmpl", 0640, NULL },
	{ "/opt/platform/clickhouse/compose.yml", "compose.yml.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_step ch_steps[] = {
	{ .name = "docker", .packages = "docker-ce docker-compose-plugin" },
	{ .name = "config", .files = ch_files,
	  .change = "mkdir -p \"$ROOT/var/lib/clickhouse/shard1\""
	      " \"$ROOT/var/lib/clickhouse/shard2\"",
	  .check = "docker compose -f \"$ROOT/opt/platform/clickhouse/compose.yml\""
	      " config -q",
	  .handler = "restart-clickhouse",
	  .flags = 0 },
	{ .name = NULL }
};

static const struct deploy_handler ch_handlers[] = {
	{ "restart-clickhouse",
	  "docker compose -f \"$ROOT/opt/platform/clickhouse/compose.yml\" up -d"
	  " --force-recreate",
	  "curl -sS --max-redirs 0 --max-time 2"
	  " 'http://{{ ch.shard1.host }}:{{ ch.shard1.http }}/?query=SELECT%20count()%20FROM%20remote(%27{{ ch.shard1.host }}:{{ ch.shard1.tcp }},{{ ch.shard2.host }}:{{ ch.shard2.tcp }}%27,system.one)'",
	  "2\n" },
	{ NULL, NULL, NULL, NULL }
};

/* Shard ports from the service's endpoints shard1 and shard2; TCP is 9000 + n. */
static int
ch_vars(struct deploy_vars *vars, const struct inventory *inv,
    const struct inv_node *node, char **cause)
{
	const struct inv_service	*s = NULL;
	size_t				 i, k;
	char				 name[160], num[16], hex[65], *pw;
	unsigned char			 h[DIGEST_SHA256_LEN];

	for (i = 0; i < inv->nservices; i++) {
		if (strcmp(inv->services[i].kind, "clickhouse") == 0 &&
		    strcmp(inv->services[i].node, node->name) == 0)
			s = &inv->services[i];
	}
	if (s == NULL || s->nendpoints < 2) {
		xasprintf(cause, "node %s: the clickhouse recipe needs a clickhouse"
		    " service on it with endpoints shard1 and shard2", node->name);
		return (-1);
	}
	for (k = 0; k < 2; k++) {
		snprintf(name, sizeof name, "ch.shard%zu.host", k + 1);
		deploy_vars_set(vars, name, s->endpoints[k].host, 0);
		snprintf(name, sizeof name, "ch.shard%zu.http", k + 1);
		deploy_vars_set(vars, name, s->endpoints[k].port, 0);
		snprintf(name, sizeof name, "ch.shard%zu.tcp", k + 1);
		snprintf(num, sizeof num, "%zu", 9000 + k);
		deploy_vars_set(vars, name, num, 0);
		snprintf(name, sizeof name, "ch.shard%zu.n", k + 1);
		snprintf(num, sizeof num, "%zu", k + 1);
		deploy_vars_set(vars, name, num, 0);
	}
	deploy_vars_set(vars, "ch.user", s->user != NULL ? s->user : "default", 0);
	if (s->secret == NULL) {
		deploy_vars_set(vars, "ch.password", "", 0);
		deploy_vars_set(vars, "ch.password_xml", "<password></password>", 0);
		return (0);
	}
	if ((pw = secret_resolve(s->secret, cause)) == NULL)
		return (-1);
	digest_sha256(pw, strlen(pw), h);
	digest_hex(h, sizeof h, hex);
	deploy_vars_set(vars, "ch.password", pw, 1);
	secret_free(pw);
	snprintf(name, sizeof name, "<password_sha256_hex>%s</password_sha256_hex>", hex);
	deploy_vars_set(vars, "ch.password_xml", name, 1);
	return (0);
}

static const struct deploy_recipe ch_recipe = {
	.name = "clickhouse",
	.dir = "clickhouse",
	.role = "clickhouse",
	.steps = ch_steps,
	.handlers = ch_handlers,
	.vars = ch_vars,
};

const struct deploy_recipe *const clickhouse_deploy_recipes[] = {
	&ch_recipe,
	NULL
};

/*
 * ClickHouse on the analytics node: two shard containers from one compose
 * file, each with its own config (listen address, ports, macros, the
 * cluster of both shards with credentials so Distributed queries work
 * when default has a password), the users file with a password hash, the
 * lakehouse's tables (MergeTree on each shard, Distributed over both) and,
 * when the inventory asks for ON CLUSTER DDL, ClickHouse Keeper.
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
	{ "/etc/clickhouse/client.xml", "client.xml.tmpl", 0600, NULL },
	{ "/opt/platform/clickhouse/compose.yml", "compose.yml.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_file ch_keeper_files[] = {
	{ "/etc/clickhouse/keeper.xml", "keeper.xml.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_file ch_ddl_files[] = {
	{ "/etc/clickhouse/lakehouse.sql", "lakehouse.sql.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

/*
 * clickhouse-client inside shard N's container, against that shard; its
 * credentials come from client.xml mounted as the client's config.
 */
#define CH_COMPOSE	"docker compose -f \"$ROOT/opt/platform/clickhouse/compose.yml\""
#define CH_CLIENT(n)	CH_COMPOSE " exec -T shard" #n " clickhouse-client"		\
	" --host {{ ch.shard" #n ".host }} --port {{ ch.shard" #n ".tcp }}"
#define CH_TABLES(n)	"[ \"$(" CH_CLIENT(n) " --query \"SELECT count() FROM"	\
	" system.tables WHERE database = '{{ ch.database }}' AND name IN"		\
	" ({{ ch.tables }})\")\" = {{ ch.ntables }} ]"
#define CH_TABLES_EXIST	CH_TABLES(1) " && " CH_TABLES(2)

static const struct deploy_step ch_steps[] = {
	{ .name = "docker", .packages = "docker-ce docker-compose-plugin" },
	{ .name = "config", .files = ch_files,
	  .change = "mkdir -p \"$ROOT/var/lib/clickhouse/shard1\""
	      " \"$ROOT/var/lib/clickhouse/shard2\"",
	  .check = "docker compose -f \"$ROOT/opt/platform/clickhouse/compose.yml\""
	      " config -q",
	  .handler = "restart-clickhouse",
	  .flags = 0 },
	{ .name = "keeper", .files = ch_keeper_files, .when = "ch.keeper",
	  .change = "mkdir -p \"$ROOT/var/lib/clickhouse-keeper\"",
	  .handler = "restart-clickhouse" },
	/*
	 * The tables, on each shard: the containers are brought up first
	 * (handlers only run at the end), then the DDL, which is idempotent.
	 */
	{ .name = "tables", .files = ch_ddl_files,
	  .test = CH_TABLES_EXIST,
	  .change = CH_COMPOSE " up -d && for i in $(seq 60); do"
	      " " CH_CLIENT(1) " --query 'SELECT 1' >/dev/null 2>&1 &&"
	      " " CH_CLIENT(2) " --query 'SELECT 1' >/dev/null 2>&1 && break; sleep 1;"
	      " done; " CH_CLIENT(1) " --multiquery < \"$ROOT/etc/clickhouse/lakehouse.sql\""
	      " && " CH_CLIENT(2) " --multiquery < \"$ROOT/etc/clickhouse/lakehouse.sql\"",
	  .check = CH_TABLES_EXIST,
	  .flags = DEPLOY_STEP_STATEFUL },
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

/* A name that goes into SQL unquoted: letters, digits and '_'. */
static int
ch_identifier(const char *s)
{
	return (*s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(s) &&
	    !(*s >= '0' && *s <= '9'));
}

/*
 * The cluster, the database and tables of the DDL, and Keeper: its config,
 * its container and the shards' <zookeeper> section only with keeper = yes.
 */
static int
ch_vars_cluster(struct deploy_vars *vars, const struct inv_service *s,
    char **cause)
{
	const char	*db = s->database != NULL ? s->database : "lakehouse";
	const char	*host = s->endpoints[0].host, *root;
	char		*x;

	if (!ch_identifier(db)) {
		xasprintf(cause, "service %s: database '%s' is not a ClickHouse"
		    " identifier (letters, digits and '_')", s->name, db);
		return (-1);
	}
	deploy_vars_set(vars, "ch.cluster", s->cluster != NULL ? s->cluster :
	    "platform", 0);
	deploy_vars_set(vars, "ch.database", db, 0);
	/* The tables lakehouse.sql.tmpl creates, for the step's test. */
	deploy_vars_set(vars, "ch.tables", "'orders_daily_local', 'orders_daily',"
	    " 'events_hourly_local', 'events_hourly'", 0);
	deploy_vars_set(vars, "ch.ntables", "4", 0);
	deploy_vars_set(vars, "ch.keeper.port", "9181", 0);
	deploy_vars_set(vars, "ch.keeper.raft", "9234", 0);
	if (!s->keeper) {
		deploy_vars_set(vars, "ch.keeper", "", 0);
		deploy_vars_set(vars, "ch.zookeeper_xml", "", 0);
		deploy_vars_set(vars, "ch.keeper_compose", "", 0);
		return (0);
	}
	deploy_vars_set(vars, "ch.keeper", "yes", 0);
	xasprintf(&x, "    <zookeeper>\n        <node>\n            <host>%s</host>\n"
	    "            <port>9181</port>\n        </node>\n    </zookeeper>\n"
	    "    <distributed_ddl>\n        <path>/clickhouse/task_queue/ddl</path>\n"
	    "    </distributed_ddl>\n", host);
	deploy_vars_set(vars, "ch.zookeeper_xml", x, 0);
	free(x);
	root = deploy_vars_get(vars, "root", NULL);
	xasprintf(&x, "  keeper:\n"
	    "    image: clickhouse/clickhouse-keeper:24.8\n"
	    "    restart: unless-stopped\n"
	    "    network_mode: host\n"
	    "    volumes:\n"
	    "      - %s/etc/clickhouse/keeper.xml:/etc/clickhouse-keeper/keeper_config.xml:ro\n"
	    "      - %s/var/lib/clickhouse-keeper:/var/lib/clickhouse-keeper\n",
	    root != NULL ? root : "", root != NULL ? root : "");
	deploy_vars_set(vars, "ch.keeper_compose", x, 0);
	free(x);
	return (0);
}

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
	if (ch_vars_cluster(vars, s, cause) != 0)
		return (-1);
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

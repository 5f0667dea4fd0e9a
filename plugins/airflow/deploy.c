/*
 * Airflow on the gateway: Redis and the Airflow services (init, api-server,
 * scheduler, dag-processor, worker, triggerer) in one compose stack. The
 * Fernet key and the JWT secret are made on the host once and kept across
 * deploys; they and the database URL reach the containers as 0600 files
 * read through Airflow's _CMD settings, never as environment values.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/inventory.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy.h"

static const struct deploy_file af_files[] = {
	{ "/etc/platform/airflow/sql_alchemy_conn", "sql_alchemy_conn.tmpl", 0600, NULL },
	{ "/opt/platform/airflow/compose.yml", "compose.yml.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

/* The medallion pipelines, written into the dags folder the stack mounts. */
static const struct deploy_file af_dag_files[] = {
	{ "/opt/platform/airflow/dags/platform_medallion.py",
	  "dags/platform_medallion.py.tmpl", 0644, NULL },
	{ "/opt/platform/airflow/dags/medallion_ingest.py",
	  "dags/medallion_ingest.py.tmpl", 0644, NULL },
	{ "/opt/platform/airflow/dags/medallion_transform.py",
	  "dags/medallion_transform.py.tmpl", 0644, NULL },
	{ "/opt/platform/airflow/dags/medallion_publish.py",
	  "dags/medallion_publish.py.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_step af_steps[] = {
	{ .name = "keys",
	  .test = "test -s \"$ROOT/etc/platform/airflow/fernet_key\" &&"
	      " test -s \"$ROOT/etc/platform/airflow/jwt_secret\"",
	  .change = "umask 077 && mkdir -p \"$ROOT/etc/platform/airflow\" && cd"
	      " \"$ROOT/etc/platform/airflow\" && { test -s fernet_key || head -c 32"
	      " /dev/urandom | base64 | tr '+/' '-_' > fernet_key; } && { test -s"
	      " jwt_secret || head -c 48 /dev/urandom | base64 -w0 > jwt_secret; }",
	  .handler = "restart-airflow" },
	/*
	 * A new image runs "airflow db migrate": the metadata database is
	 * dumped first, when its container runs, and kept on the host.
	 */
	{ .name = "stack", .files = af_files,
	  .dump = "f=\"$ROOT/opt/platform/postgres/{{ af.db.service }}/compose.yml\";"
	      " if [ -f \"$f\" ] && [ -n \"$(docker compose -f \"$f\" ps -q db)\" ]; then"
	      " mkdir -p \"$ROOT/var/backups/platform\" && docker compose -f \"$f\""
	      " exec -T db pg_dump -U {{ af.db.user }} -Fc {{ af.db.database }} >"
	      " \"$ROOT/var/backups/platform/airflow-$(date -u +%Y%m%dT%H%M%SZ).dump\"; fi",
	  .change = "mkdir -p \"$ROOT/opt/platform/airflow/dags\""
	      " \"$ROOT/opt/platform/airflow/logs\"",
	  .check = "docker compose -f \"$ROOT/opt/platform/airflow/compose.yml\" config -q",
	  .handler = "restart-airflow" },
	/* Only when the inventory has the S3 storage and ClickHouse they use. */
	{ .name = "dags", .files = af_dag_files, .when = "dag.enabled",
	  .change = "mkdir -p \"$ROOT/opt/platform/airflow/dags\"" },
	{ .name = NULL }
};

/* The exact answer: HTTP 200 from the health path, a redirect is a failure. */
static const struct deploy_handler af_handlers[] = {
	{ "restart-airflow",
	  "docker compose -f \"$ROOT/opt/platform/airflow/compose.yml\" up -d",
	  "curl -s -o /dev/null -w '%{http_code}' --max-redirs 0 --max-time 5"
	  " 'http://{{ af.host }}:{{ af.port }}{{ af.health }}'",
	  "200" },
	{ NULL, NULL, NULL, NULL }
};

/*
 * What the medallion DAGs are rendered with: the S3 service's endpoint and
 * bucket, the Spark namespace and ClickHouse's first shard; without S3 or
 * ClickHouse in the inventory the DAGs are left out.
 */
static void
af_vars_dags(struct deploy_vars *vars, const struct inventory *inv)
{
	const struct inv_service	*s3 = NULL, *spark = NULL, *ch = NULL, *s;
	size_t				 i;
	char				*url;

	for (i = 0; i < inv->nservices; i++) {
		s = &inv->services[i];
		if (s->nendpoints == 0)
			continue;
		if (s3 == NULL && (strcmp(s->kind, "s3") == 0 ||
		    strcmp(s->kind, "minio") == 0))
			s3 = s;
		else if (spark == NULL && strcmp(s->kind, "spark") == 0)
			spark = s;
		else if (ch == NULL && strcmp(s->kind, "clickhouse") == 0)
			ch = s;
	}
	deploy_vars_set(vars, "dag.enabled", s3 != NULL && ch != NULL ? "yes" : "", 0);
	if (s3 == NULL || ch == NULL)
		return;
	xasprintf(&url, "%s://%s:%s", s3->endpoints[0].scheme, s3->endpoints[0].host,
	    s3->endpoints[0].port);
	deploy_vars_set(vars, "dag.s3.endpoint", url, 0);
	free(url);
	deploy_vars_set(vars, "dag.s3.bucket", s3->bucket != NULL ? s3->bucket :
	    "lakehouse", 0);
	deploy_vars_set(vars, "dag.spark.namespace", spark != NULL &&
	    spark->namespace != NULL ? spark->namespace : "spark-jobs", 0);
	deploy_vars_set(vars, "dag.spark.image", spark != NULL && spark->image != NULL ?
	    spark->image : "apache/spark:3.5.3-python3", 0);
	xasprintf(&url, "http://%s:%s/", ch->endpoints[0].host, ch->endpoints[0].port);
	deploy_vars_set(vars, "dag.ch.url", url, 0);
	free(url);
	deploy_vars_set(vars, "dag.ch.database", ch->database != NULL ? ch->database :
	    "lakehouse", 0);
}

/* The Airflow service of this node and the PostgreSQL holding its metadata. */
static int
af_vars(struct deploy_vars *vars, const struct inventory *inv,
    const struct inv_node *node, char **cause)
{
	const struct inv_service	*af = NULL, *db = NULL, *s;
	size_t				 i;
	char				*url;
	const char			*pw;

	for (i = 0; i < inv->nservices; i++) {
		s = &inv->services[i];
		if (strcmp(s->node, node->name) != 0)
			continue;
		if (af == NULL && strcmp(s->kind, "airflow") == 0)
			af = s;
		if (strcmp(s->kind, "postgres") == 0 && (db == NULL ||
		    (s->database != NULL && strcmp(s->database, "airflow") == 0)))
			db = s;
	}
	if (af == NULL || db == NULL || af->nendpoints == 0 || db->nendpoints == 0) {
		xasprintf(cause, "node %s: the airflow recipe needs an airflow service"
		    " and its postgres service on the node", node->name);
		return (-1);
	}
	deploy_vars_set(vars, "af.host", af->endpoints[0].host, 0);
	deploy_vars_set(vars, "af.port", af->endpoints[0].port, 0);
	deploy_vars_set(vars, "af.health", af->endpoints[0].health != NULL ?
	    af->endpoints[0].health : "/api/v2/monitor/health", 0);
	if (deploy_vars_service(vars, db, cause) != 0)
		return (-1);
	deploy_vars_set(vars, "af.db.service", db->name, 0);
	deploy_vars_set(vars, "af.db.user", db->user != NULL ? db->user : "airflow", 0);
	deploy_vars_set(vars, "af.db.database", db->database != NULL ? db->database :
	    "airflow", 0);
	pw = deploy_vars_get(vars, "svc.password", NULL);
	xasprintf(&url, "postgresql+psycopg2://%s:%s@%s:%s/%s",
	    db->user != NULL ? db->user : "airflow", pw, db->endpoints[0].host,
	    db->endpoints[0].port, db->database != NULL ? db->database : "airflow");
	deploy_vars_set(vars, "af.sql_alchemy_conn", url, 1);
	explicit_bzero(url, strlen(url));
	free(url);
	af_vars_dags(vars, inv);
	return (0);
}

static const struct deploy_recipe af_recipe = {
	.name = "airflow",
	.dir = "airflow",
	.role = "airflow",
	.steps = af_steps,
	.handlers = af_handlers,
	.vars = af_vars,
};

const struct deploy_recipe *const airflow_deploy_recipes[] = {
	&af_recipe,
	NULL
};

/*
 * PostgreSQL on the gateway: one compose stack per postgres service of the
 * node (Airflow metadata, OLTP), each with its settings file, its password
 * as a 0600 file handed to the container as a Docker secret, and its port
 * bound to the private address only. Data is never rolled back.
 */
#include "config.h"

#include <stddef.h>

#include "plugins/deploy/deploy.h"

static const struct deploy_file pg_files[] = {
	{ "/etc/platform/postgres/{{ svc.name }}/postgresql.conf",
	  "postgresql.conf.tmpl", 0644, NULL },
	{ "/etc/platform/postgres/{{ svc.name }}/password", "password.tmpl", 0600, NULL },
	{ "/opt/platform/postgres/{{ svc.name }}/compose.yml", "compose.yml.tmpl", 0644,
	  NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_step pg_steps[] = {
	/* A new image may be a major upgrade: everything is dumped first, if it runs. */
	{ .name = "stack", .files = pg_files,
	  .dump = "f=\"$ROOT/opt/platform/postgres/{{ svc.name }}/compose.yml\";"
	      " if [ -f \"$f\" ] && [ -n \"$(docker compose -f \"$f\" ps -q db)\" ]; then"
	      " mkdir -p \"$ROOT/var/backups/platform\" && docker compose -f \"$f\""
	      " exec -T db pg_dumpall -U {{ svc.user }} >"
	      " \"$ROOT/var/backups/platform/{{ svc.name }}-$(date -u +%Y%m%dT%H%M%SZ).sql\"; fi",
	  .change = "mkdir -p \"$ROOT/var/lib/platform/postgres/{{ svc.name }}\"",
	  .check = "docker compose -f"
	      " \"$ROOT/opt/platform/postgres/{{ svc.name }}/compose.yml\" config -q",
	  .handler = "restart-postgres" },
	{ .name = NULL }
};

static const struct deploy_handler pg_handlers[] = {
	{ "restart-postgres",
	  "docker compose -f \"$ROOT/opt/platform/postgres/{{ svc.name }}/compose.yml\""
	  " up -d",
	  "pg_isready -h {{ svc.host }} -p {{ svc.port }}",
	  "{{ svc.host }}:{{ svc.port }} - accepting connections\n" },
	{ NULL, NULL, NULL, NULL }
};

static const struct deploy_recipe pg_recipe = {
	.name = "postgres",
	.dir = "postgres",
	.role = "postgres",
	.kind = "postgres",
	.steps = pg_steps,
	.handlers = pg_handlers,
};

const struct deploy_recipe *const postgres_deploy_recipes[] = {
	&pg_recipe,
	NULL
};

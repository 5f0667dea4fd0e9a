/* S3 object storage (MinIO, or Swift's S3 API with health = /healthcheck). */
#include "config.h"

#include "plugins/plugin.h"

extern const struct cmd_entry *const s3_commands[];
extern const struct deploy_recipe *const s3_deploy_recipes[];

static const char *const s3_kinds[] = { "s3", "minio", NULL };

const struct plugin plugin_s3 = {
	.api_version = PLUGIN_API_VERSION,
	.name = "s3",
	.version = PACKAGE_VERSION,
	.description = "S3-compatible object storage",
	.kinds = s3_kinds,
	.caps = PLUGIN_CAP_HEALTH | PLUGIN_CAP_DEPLOY,
	.commands = s3_commands,
	.deploy = s3_deploy_recipes,
	.health_path = "/minio/health/live",
};

/*
 * The recipe every node gets: base packages, IP forwarding, the WireGuard
 * mesh (deploy-wg.c), and an nftables table of our own that never flushes anyone else's rules,
 * loaded with an automatic revert in case it cuts SSH off. The gateway
 * also gets Docker Engine from Docker's repository.
 */
#include "config.h"

#include <stddef.h>

#include "plugins/deploy/deploy.h"

static const struct deploy_file node_sysctl_files[] = {
	{ "/etc/sysctl.d/60-platform-tui.conf", "sysctl.conf.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_file node_nft_files[] = {
	{ "/etc/nftables.d/platform-tui.nft", "platform-tui.nft.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_step node_steps[] = {
	{ .name = "packages",
	  .packages = "nftables wireguard-tools curl ca-certificates" },
	{ .name = "sysctl", .files = node_sysctl_files,
	  .change = "sysctl -p \"$ROOT/etc/sysctl.d/60-platform-tui.conf\"" },
	/*
	 * The table is loaded with a revert armed: the check, a new command
	 * over the same connection, disarms it; if the rules cut SSH off the
	 * check never arrives and the table goes away 60 s later.
	 */
	{ .name = "nftables", .files = node_nft_files,
	  .change = "nft -c -f \"$ROOT/etc/nftables.d/platform-tui.nft\" &&"
	      " nft -f \"$ROOT/etc/nftables.d/platform-tui.nft\" && { (trap"
	      " 'kill $t; exit 0' TERM; sleep 60 & t=$!; wait $t &&"
	      " nft delete table inet platform_tui) </dev/null >/dev/null 2>&1 &"
	      " echo $! > \"$ROOT/var/lib/platform-tui/nft-revert.pid\"; }",
	  .check = "kill \"$(cat \"$ROOT/var/lib/platform-tui/nft-revert.pid\")\" &&"
	      " rm -f \"$ROOT/var/lib/platform-tui/nft-revert.pid\"" },
	{ .name = NULL }
};

static const struct deploy_recipe node_recipe = {
	.name = "node",
	.dir = "platform",
	.role = "*",
	.steps = node_steps,
};

static const struct deploy_file docker_repo_files[] = {
	{ "/etc/apt/sources.list.d/docker.list", "docker.list.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_file docker_files[] = {
	{ "/etc/docker/daemon.json", "daemon.json.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

/* Docker Engine from Docker's apt repository, with forwarding left alone. */
static const struct deploy_step docker_steps[] = {
	{ .name = "repository", .files = docker_repo_files,
	  .test = "test -s \"$ROOT/etc/apt/keyrings/docker.asc\"",
	  .change = "mkdir -p \"$ROOT/etc/apt/keyrings\" && curl -fsSL --max-time 60"
	      " -o \"$ROOT/etc/apt/keyrings/docker.asc\""
	      " https://download.docker.com/linux/debian/gpg && apt-get update -q" },
	{ .name = "engine",
	  .packages = "docker-ce docker-ce-cli containerd.io docker-compose-plugin" },
	{ .name = "daemon", .files = docker_files,
	  .check = "python3 -m json.tool \"$ROOT/etc/docker/daemon.json\" >/dev/null",
	  .handler = "restart-docker" },
	{ .name = NULL }
};

static const struct deploy_handler docker_handlers[] = {
	{ "restart-docker", "systemctl restart docker", "systemctl is-active docker",
	  "active\n" },
	{ NULL, NULL, NULL, NULL }
};

static const struct deploy_recipe docker_recipe = {
	.name = "docker",
	.dir = "platform",
	.role = "gateway",
	.steps = docker_steps,
	.handlers = docker_handlers,
};

extern const struct deploy_recipe platform_wg_recipe;

const struct deploy_recipe *const platform_deploy_recipes[] = {
	&node_recipe,
	&platform_wg_recipe,
	&docker_recipe,
	NULL
};

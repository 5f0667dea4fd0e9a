/*
 * The inventory as the program holds it: read from a private file, looked
 * up by name, freed in one call. The text format is inventory-parse.c.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/inventory.h"
#include "core/xmalloc.h"

/* Refuse a file others can write: its cmd: secrets would run as us. */
struct inventory *
inventory_load(const char *path, int flags, char **cause)
{
	struct inventory	*inv = NULL;
	struct stat		 sb;
	char			*data = NULL;
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &sb) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		goto out;
	}
	if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
		xasprintf(cause, "%s is writable by group or others, who could"
		    " make its cmd: secrets run as you; run chmod go-w %s",
		    path, path);
		goto out;
	}
	if (sb.st_size > INVENTORY_MAX_SIZE) {
		xasprintf(cause, "%s: the file is larger than 4 MiB", path);
		goto out;
	}
	data = xmalloc(INVENTORY_MAX_SIZE + 1);
	if ((n = buf_read_all(fd, data, INVENTORY_MAX_SIZE + 1)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((len = (size_t)n) > INVENTORY_MAX_SIZE) {
		xasprintf(cause, "%s: the file is larger than 4 MiB", path);
		goto out;
	}
	inv = inventory_parse(path, data, len, flags, cause);
out:
	free(data);
	close(fd);
	return (inv);
}

/* Free everything, including what a parse that failed half-way had built. */
void
inventory_free(struct inventory *inv)
{
	struct inv_service	*s;
	struct inv_endpoint	*ep;
	size_t			 i, j;

	if (inv == NULL)
		return;
	for (i = 0; i < inv->nnodes; i++) {
		free(inv->nodes[i].name);
		free(inv->nodes[i].address);
		free(inv->nodes[i].public_address);
		free(inv->nodes[i].ssh_user);
		free(inv->nodes[i].ssh_key);
		free(inv->nodes[i].deploy_root);
		free(inv->nodes[i].wg_address);
		free(inv->nodes[i].metrics);
		free(inv->nodes[i].jump);
		for (j = 0; inv->nodes[i].roles[j] != NULL; j++)
			free(inv->nodes[i].roles[j]);
		free(inv->nodes[i].roles);
	}
	for (i = 0; i < inv->nservices; i++) {
		s = &inv->services[i];
		for (j = 0; j < s->nendpoints; j++) {
			ep = &s->endpoints[j];
			free(ep->name);
			free(ep->url);
			free(ep->scheme);
			free(ep->host);
			free(ep->port);
			free(ep->path);
			free(ep->health);
			free(ep->via_name);
			free(ep->user);
			free(ep->connect_host);
			free(ep->connect_port);
		}
		free(s->endpoints);
		free(s->name);
		free(s->kind);
		free(s->node);
		free(s->user);
		free(s->secret);
		free(s->database);
		free(s->ca_file);
		free(s->kubeconfig);
		free(s->context);
		free(s->namespace);
		free(s->image);
		free(s->bucket);
		free(s->cluster);
	}
	for (i = 0; i < inv->nvpns; i++) {
		free(inv->vpns[i].name);
		free(inv->vpns[i].config);
		free(inv->vpns[i].management);
		free(inv->vpns[i].user);
		free(inv->vpns[i].secret);
		free(inv->vpns[i].interface);
	}
	free(inv->vpns);
	free(inv->nodes);
	free(inv->services);
	free(inv->path);
	free(inv->name);
	free(inv->plugin_dir);
	free(inv->deploy_root);
	free(inv->known_hosts);
	free(inv->ssh_config);
	free(inv->wg_network);
	free(inv);
}

/* Inventories are small: a linear search keeps the arrays plain. */
const struct inv_node *
inventory_node(const struct inventory *inv, const char *name)
{
	size_t	i;

	for (i = 0; i < inv->nnodes; i++) {
		if (strcmp(inv->nodes[i].name, name) == 0)
			return (&inv->nodes[i]);
	}
	return (NULL);
}

/* Inventories are small: a linear search keeps the arrays plain. */
const struct inv_service *
inventory_service(const struct inventory *inv, const char *name)
{
	size_t	i;

	for (i = 0; i < inv->nservices; i++) {
		if (strcmp(inv->services[i].name, name) == 0)
			return (&inv->services[i]);
	}
	return (NULL);
}

/* Inventories are small: a linear search keeps the arrays plain. */
const struct inv_vpn *
inventory_vpn(const struct inventory *inv, const char *name)
{
	size_t	i;

	for (i = 0; i < inv->nvpns; i++) {
		if (strcmp(inv->vpns[i].name, name) == 0)
			return (&inv->vpns[i]);
	}
	return (NULL);
}

/* $PLATFORM_TUI_INVENTORY, else beside the config in $XDG_CONFIG_HOME. */
char *
inventory_default_path(void)
{
	const struct passwd	*pw;
	const char		*env, *home;

	if ((env = getenv("PLATFORM_TUI_INVENTORY")) != NULL && *env != '\0')
		return (xstrdup(env));
	if ((env = getenv("XDG_CONFIG_HOME")) != NULL && *env == '/')
		return (xprintf("%s/platform-tui/inventory", env));
	if ((home = getenv("HOME")) == NULL || *home == '\0') {
		pw = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : "/";
	}
	return (xprintf("%s/.config/platform-tui/inventory", home));
}

/* The word the inventory uses, for display and JSON. */
const char *
inventory_via_string(enum inv_via via)
{
	switch (via) {
	case INV_VIA_DIRECT:
		return ("direct");
	case INV_VIA_VPN:
		return ("vpn");
	case INV_VIA_SSH:
		return ("ssh");
	}
	return ("unknown");
}

/* The word the inventory uses for a VPN's type. */
const char *
inventory_vpn_type_string(enum inv_vpn_type type)
{
	return (type == INV_VPN_WIREGUARD ? "wireguard" : "openvpn");
}

/* The plugin registry: built-in plugins from one table, external ones with dlopen. */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xmalloc.h"
#include "plugins/plugin.h"

extern const struct plugin plugin_platform;
extern const struct plugin plugin_postgres;
extern const struct plugin plugin_clickhouse;
extern const struct plugin plugin_airflow;
extern const struct plugin plugin_s3;
extern const struct plugin plugin_prometheus;
extern const struct plugin plugin_node_exporter;
extern const struct plugin plugin_grafana;
extern const struct plugin plugin_loki;
extern const struct plugin plugin_node;

/* Every built-in plugin, in the order their commands are listed in help. */
static const struct plugin *const plugin_builtin[] = {
	&plugin_platform,
	&plugin_postgres,
	&plugin_clickhouse,
	&plugin_airflow,
	&plugin_s3,
	&plugin_prometheus,
	&plugin_node_exporter,
	&plugin_grafana,
	&plugin_loki,
	&plugin_node,
	NULL
};

struct plugin_loaded {
	const struct plugin	*plugin;
	void			*handle;	/* dlopen handle, NULL if built in */
};
static struct plugin_loaded	*plugin_list;
static size_t			 plugin_count;

static int
plugin_add(const struct plugin *p, void *handle, char **cause)
{
	size_t	i;

	for (i = 0; i < plugin_count; i++) {
		if (strcmp(plugin_list[i].plugin->name, p->name) == 0) {
			xasprintf(cause, "plugin '%s' is already loaded", p->name);
			return (-1);
		}
	}
	if (p->init != NULL && p->init(cause) != 0)
		return (-1);
	plugin_list = xreallocarray(plugin_list, plugin_count + 1, sizeof *plugin_list);
	plugin_list[plugin_count].plugin = p;
	plugin_list[plugin_count].handle = handle;
	plugin_count++;
	if (p->commands != NULL) {
		for (i = 0; p->commands[i] != NULL; i++)
			cmd_register(p->commands[i]);
	}
	return (0);
}

void
plugin_init_builtin(void)
{
	char	*cause = NULL;
	size_t	 i;

	for (i = 0; plugin_builtin[i] != NULL; i++) {
		if (plugin_add(plugin_builtin[i], NULL, &cause) != 0)
			fatal("built-in plugin %s: %s", plugin_builtin[i]->name, cause);
	}
}

/* Load one shared object; refuse it unless it speaks our API version. */
int
plugin_load(const char *path, char **cause)
{
	const struct plugin	*p;
	void			*h;

	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		xasprintf(cause, "plugin %s: %s", path, dlerror());
		return (-1);
	}
	if ((p = dlsym(h, PLUGIN_SYMBOL)) == NULL) {
		xasprintf(cause, "plugin %s: no symbol '%s': not a platform-tui plugin",
		    path, PLUGIN_SYMBOL);
		dlclose(h);
		return (-1);
	}
	if (p->api_version != PLUGIN_API_VERSION) {
		xasprintf(cause, "plugin %s (%s): built for plugin API version %u, "
		    "this platform-tui speaks version %u: rebuild it against this "
		    "version's plugin.h", path, p->name != NULL ? p->name : "?",
		    p->api_version, PLUGIN_API_VERSION);
		dlclose(h);
		return (-1);
	}
	if (p->name == NULL) {
		xasprintf(cause, "plugin %s: it has no name", path);
		dlclose(h);
		return (-1);
	}
	if (plugin_add(p, h, cause) != 0) {
		dlclose(h);
		return (-1);
	}
	log_debug("plugin %s %s loaded from %s", p->name, p->version, path);
	return (0);
}

static int
plugin_name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * Load every *.so in a directory, in name order. A missing directory is not
 * an error; a plugin that fails to load is, and stops the rest.
 */
int
plugin_load_dir(const char *dir, char **cause)
{
	DIR		 *d;
	struct dirent	 *de;
	char		**names = NULL, *path;
	size_t		  n = 0, i, len;
	int		  rc = 0;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return (0);
		xasprintf(cause, "plugin directory %s: %s", dir, strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len > 3 && strcmp(de->d_name + len - 3, ".so") == 0) {
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, plugin_name_cmp);
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			path = xprintf("%s/%s", dir, names[i]);
			rc = plugin_load(path, cause);
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return (rc);
}

void
plugin_fini(void)
{
	size_t	i;

	for (i = plugin_count; i > 0; i--) {
		if (plugin_list[i - 1].plugin->fini != NULL)
			plugin_list[i - 1].plugin->fini();
		if (plugin_list[i - 1].handle != NULL)
			dlclose(plugin_list[i - 1].handle);
	}
	free(plugin_list);
	plugin_list = NULL;
	plugin_count = 0;
}

const struct plugin *
plugin_at(size_t i)
{
	return (i < plugin_count ? plugin_list[i].plugin : NULL);
}

const struct plugin *
plugin_for_kind(const char *kind)
{
	size_t	i, j;

	for (i = 0; i < plugin_count; i++) {
		const char *const *kinds = plugin_list[i].plugin->kinds;

		for (j = 0; kinds != NULL && kinds[j] != NULL; j++) {
			if (strcmp(kinds[j], kind) == 0)
				return (plugin_list[i].plugin);
		}
	}
	return (NULL);
}

const char *
plugin_health_string(enum plugin_health h)
{
	switch (h) {
	case PLUGIN_HEALTH_UP:
		return ("up");
	case PLUGIN_HEALTH_DEGRADED:
		return ("degraded");
	case PLUGIN_HEALTH_AUTH_FAILED:
		return ("auth-failed");
	case PLUGIN_HEALTH_DOWN:
		return ("down");
	case PLUGIN_HEALTH_TIMEOUT:
		return ("timeout");
	case PLUGIN_HEALTH_UNKNOWN:
		return ("unknown");
	}
	return ("unknown");
}

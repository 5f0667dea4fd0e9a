/*
 * The interface every platform service implements. Built-in plugins are
 * listed in one NULL-terminated table; external ones are shared objects
 * that export "platform_tui_plugin" and are refused unless api_version
 * matches PLUGIN_API_VERSION. See platform-tui-plugins(7).
 */
#ifndef PLUGIN_H
#define PLUGIN_H

#include <stddef.h>

#include "core/cmd.h"

#define PLUGIN_API_VERSION	1
#define PLUGIN_SYMBOL		"platform_tui_plugin"

struct inv_service;
struct inv_endpoint;

/* Capability bits: callers ask for features by these, never by plugin name. */
#define PLUGIN_CAP_HEALTH	0x1	/* has a health probe for its kinds */
#define PLUGIN_CAP_VIEWS	0x2	/* offers panes */
#define PLUGIN_CAP_DEPLOY	0x4	/* has a deploy recipe */

/* The states a health probe reports, worst last. */
enum plugin_health {
	PLUGIN_HEALTH_UP,
	PLUGIN_HEALTH_DEGRADED,		/* answers, but says a part is unhealthy */
	PLUGIN_HEALTH_AUTH_FAILED,
	PLUGIN_HEALTH_DOWN,
	PLUGIN_HEALTH_TIMEOUT,
	PLUGIN_HEALTH_UNKNOWN,		/* could not be checked (not reachable this way) */
};

/* A pane: a named view filled by running one of the commands. */
struct plugin_view {
	const char	*name;		/* "dags" */
	const char	*title;		/* "DAGs" */
	const char	*command;	/* the command whose view fills it: "dag list" */
};

struct plugin {
	unsigned		 api_version;	/* PLUGIN_API_VERSION */
	const char		*name;
	const char		*version;
	const char		*description;
	const char *const	*kinds;		/* service kinds it handles, NULL-terminated */
	unsigned		 caps;

	const struct cmd_entry *const *commands;	/* NULL-terminated, or NULL */
	const struct plugin_view *const *views;		/* NULL-terminated, or NULL */

	/*
	 * Health: for HTTP endpoints the path to GET (the endpoint's own
	 * "health" overrides it) and, optionally, a judge of the answer; other
	 * schemes are probed by the generic probes (PostgreSQL, TCP connect).
	 */
	const char		*health_path;
	enum plugin_health	(*health_judge)(long status, const char *body, size_t len,
				    char **detail);

	int			(*init)(char **cause);	/* optional */
	void			(*fini)(void);		/* optional */
	const void		*deploy;	/* NULL-terminated const struct deploy_recipe *const * */
};

void			 plugin_init_builtin(void);
int			 plugin_load_dir(const char *dir, char **cause);
int			 plugin_load(const char *path, char **cause);
void			 plugin_fini(void);
const struct plugin	*plugin_at(size_t index);	/* NULL past the end */
const struct plugin	*plugin_for_kind(const char *kind);
const char		*plugin_health_string(enum plugin_health);

#endif

/* Platform-wide commands: status, inventory, help, version, plugins, settings, completion. */
#include "config.h"

#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <libssh2.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/inventory.h"
#include "core/options.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/platform/status.h"
#include "plugins/plugin.h"

static enum cmd_retval
platform_inventory_check(struct cmd *c)
{
	struct inventory	*inv;
	char			*cause = NULL, *path;
	size_t			 i, nep = 0;

	path = c->argc > 0 ? xstrdup(c->argv[0]) : c->env->inv_path != NULL ?
	    xstrdup(c->env->inv_path) : inventory_default_path();
	if ((inv = inventory_load(path, INV_CHECK_SECRETS, &cause)) == NULL) {
		cmd_error(c, CMD_EXIT_USAGE, "%s", cause);
		free(cause);
		free(path);
		return (CMD_RETURN_NORMAL);
	}
	for (i = 0; i < inv->nservices; i++) {
		nep += inv->services[i].nendpoints;
		if (plugin_for_kind(inv->services[i].kind) == NULL)
			fprintf(stderr, "%s:%d: note: no plugin knows kind '%s'; "
			    "it is probed by its URL scheme only\n", path,
			    inv->services[i].line, inv->services[i].kind);
	}
	cmd_message(c, "%s: ok: platform '%s', %zu nodes, %zu services, %zu endpoints",
	    path, inv->name, inv->nnodes, inv->nservices, nep);
	inventory_free(inv);
	free(path);
	return (CMD_RETURN_NORMAL);
}

static void
platform_show_nodes(struct cmd *c, const struct inventory *inv)
{
	struct view	*v = c->view = view_new("Nodes");
	struct buf	 b;
	size_t		 i, r, j;

	view_add_column(v, "node", VIEW_TEXT);
	view_add_column(v, "address", VIEW_TEXT);
	view_add_column(v, "public", VIEW_TEXT);
	view_add_column(v, "ssh", VIEW_TEXT);
	view_add_column(v, "roles", VIEW_TEXT);
	for (i = 0; i < inv->nnodes; i++) {
		const struct inv_node *n = &inv->nodes[i];

		r = view_add_row(v);
		view_set_text(v, r, 0, n->name);
		view_set_text(v, r, 1, n->address);
		view_set_text(v, r, 2, n->public_address);
		buf_init(&b);
		buf_printf(&b, "%s%s%s:%d", n->ssh_user != NULL ? n->ssh_user : "",
		    n->ssh_user != NULL ? "@" : "", n->address, n->ssh_port);
		view_set_text(v, r, 3, buf_str(&b));
		buf_reset(&b);
		for (j = 0; n->roles != NULL && n->roles[j] != NULL; j++)
			buf_printf(&b, "%s%s", j ? "," : "", n->roles[j]);
		view_set_text(v, r, 4, buf_str(&b));
		buf_free(&b);
	}
}

static void
platform_show_services(struct cmd *c, const struct inventory *inv)
{
	struct view	*v = c->view = view_new("Services");
	char		*via;
	size_t		 i, j, r;

	view_add_column(v, "service", VIEW_TEXT);
	view_add_column(v, "kind", VIEW_TEXT);
	view_add_column(v, "node", VIEW_TEXT);
	view_add_column(v, "endpoint", VIEW_TEXT);
	view_add_column(v, "url", VIEW_TEXT);
	view_add_column(v, "via", VIEW_TEXT);
	view_add_column(v, "user", VIEW_TEXT);
	view_add_column(v, "secret", VIEW_TEXT);
	for (i = 0; i < inv->nservices; i++) {
		const struct inv_service *s = &inv->services[i];

		for (j = 0; j < s->nendpoints; j++) {
			const struct inv_endpoint *e = &s->endpoints[j];

			r = view_add_row(v);
			view_set_text(v, r, 0, s->name);
			view_set_text(v, r, 1, s->kind);
			view_set_text(v, r, 2, s->node);
			view_set_text(v, r, 3, e->name);
			view_set_text(v, r, 4, e->url);
			via = e->via_name != NULL ? xprintf("%s:%s",
			    inventory_via_string(e->via), e->via_name) :
			    xstrdup(inventory_via_string(e->via));
			view_set_text(v, r, 5, via);
			free(via);
			view_set_text(v, r, 6, s->user);
			/* The reference only: it names where the secret is, never what. */
			view_set_text(v, r, 7, s->secret);
		}
	}
}

static enum cmd_retval
platform_inventory_show(struct cmd *c)
{
	const char	*what = c->argc > 0 ? c->argv[0] : "services";

	if (strcmp(what, "nodes") == 0)
		platform_show_nodes(c, c->env->inv);
	else if (strcmp(what, "services") == 0)
		platform_show_services(c, c->env->inv);
	else
		cmd_error(c, CMD_EXIT_USAGE, "inventory show: '%s' is not nodes or services",
		    what);
	return (CMD_RETURN_NORMAL);
}

static const char *
platform_flags_string(int flags)
{
	if (flags & CMD_DESTRUCTIVE)
		return ("destructive");
	if (flags & CMD_CHANGES)
		return ("changes");
	return ("");
}

static enum cmd_retval
platform_help(struct cmd *c)
{
	const struct cmd_entry	*e;
	struct view		*v;
	char			*usage, *cause = NULL;
	size_t			 i, r;
	int			 used;

	if (c->argc > 0) {
		if ((e = cmd_find(c->argc, c->argv, &used, &cause)) == NULL) {
			cmd_error(c, CMD_EXIT_USAGE, "%s", cause);
			free(cause);
			return (CMD_RETURN_NORMAL);
		}
		usage = cmd_usage(e);
		cmd_message(c, "usage: platform-tui %s\n%s%s%s%s%s", usage, e->help,
		    e->alias != NULL ? "\nalias: " : "", e->alias != NULL ? e->alias : "",
		    e->flags & CMD_DESTRUCTIVE ? "\nIt is destructive: it asks first, "
		    "or needs --yes in scripted mode." : "",
		    e->flags & CMD_CHANGES ? "\nIt changes state: refused by --read-only, "
		    "written to the audit log." : "");
		free(usage);
		return (CMD_RETURN_NORMAL);
	}
	v = c->view = view_new("Commands");
	view_add_column(v, "command", VIEW_TEXT);
	view_add_column(v, "usage", VIEW_TEXT);
	view_add_column(v, "flags", VIEW_TEXT);
	view_add_column(v, "description", VIEW_TEXT);
	for (i = 0; (e = cmd_table(i)) != NULL; i++) {
		if (e->flags & CMD_HIDDEN)
			continue;
		r = view_add_row(v);
		view_set_text(v, r, 0, e->name);
		view_set_text(v, r, 1, e->usage);
		view_set_text(v, r, 2, platform_flags_string(e->flags));
		view_set_text(v, r, 3, e->help);
	}
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
platform_version(struct cmd *c)
{
	const curl_version_info_data	*cv = curl_version_info(CURLVERSION_NOW);

	cmd_message(c, "platform-tui %s (plugin API %d)\nlibcurl %s, libpq %d, "
	    "libssh2 %s, jansson %s", PACKAGE_VERSION, PLUGIN_API_VERSION,
	    cv->version, PQlibVersion(), libssh2_version(0), jansson_version_str());
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
platform_plugin_list(struct cmd *c)
{
	const struct plugin	*p;
	struct view		*v = c->view = view_new("Plugins");
	struct buf		 b;
	size_t			 i, j, r;

	view_add_column(v, "plugin", VIEW_TEXT);
	view_add_column(v, "version", VIEW_TEXT);
	view_add_column(v, "kinds", VIEW_TEXT);
	view_add_column(v, "commands", VIEW_NUMBER);
	view_add_column(v, "description", VIEW_TEXT);
	for (i = 0; (p = plugin_at(i)) != NULL; i++) {
		r = view_add_row(v);
		view_set_text(v, r, 0, p->name);
		view_set_text(v, r, 1, p->version);
		buf_init(&b);
		for (j = 0; p->kinds != NULL && p->kinds[j] != NULL; j++)
			buf_printf(&b, "%s%s", j ? "," : "", p->kinds[j]);
		view_set_text(v, r, 2, buf_str(&b));
		buf_free(&b);
		for (j = 0; p->commands != NULL && p->commands[j] != NULL; j++)
			;
		view_set_num(v, r, 3, (int64_t)j);
		view_set_text(v, r, 4, p->description);
	}
	return (CMD_RETURN_NORMAL);
}

static enum cmd_retval
platform_config_show(struct cmd *c)
{
	struct view	*v = c->view = view_new("Settings");
	size_t		 i, r;

	view_add_column(v, "setting", VIEW_TEXT);
	view_add_column(v, "value", VIEW_TEXT);
	view_add_column(v, "source", VIEW_TEXT);
	view_add_column(v, "description", VIEW_TEXT);
	for (i = 0; options_table[i].name != NULL; i++) {
		r = view_add_row(v);
		view_set_text(v, r, 0, options_table[i].name);
		view_set_text(v, r, 1, options_get(options_table[i].name));
		view_set_text(v, r, 2, options_source(options_table[i].name));
		view_set_text(v, r, 3, options_table[i].help);
	}
	return (CMD_RETURN_NORMAL);
}

/* Bash completion from the command table: nouns, then verbs, then options. */
static enum cmd_retval
platform_completion(struct cmd *c)
{
	const struct cmd_entry	*e;
	struct buf		 b, nouns;
	size_t			 i;
	const char		*sp;

	if (strcmp(c->argv[0], "bash") != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "completion: only bash is supported");
		return (CMD_RETURN_NORMAL);
	}
	buf_init(&b);
	buf_init(&nouns);
	for (i = 0; (e = cmd_table(i)) != NULL; i++) {
		if (e->flags & CMD_HIDDEN)
			continue;
		sp = strchr(e->name, ' ');
		buf_printf(&nouns, " %.*s", sp != NULL ? (int)(sp - e->name) :
		    (int)strlen(e->name), e->name);
	}
	buf_printf(&b, "# bash completion for platform-tui, generated by "
	    "'platform-tui completion bash'\n_platform_tui() {\n"
	    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} words=\n"
	    "\tcase $COMP_CWORD in\n\t1) words=\"%s\" ;;\n\t*)\n\t\tcase "
	    "${COMP_WORDS[1]} in\n", buf_str(&nouns));
	for (i = 0; (e = cmd_table(i)) != NULL; i++) {
		if (e->flags & CMD_HIDDEN || (sp = strchr(e->name, ' ')) == NULL)
			continue;
		buf_printf(&b, "\t\t%.*s) [ $COMP_CWORD = 2 ] && words=\"$words %s\" ;;\n",
		    (int)(sp - e->name), e->name, sp + 1);
	}
	buf_adds(&b, "\t\tesac ;;\n\tesac\n"
	    "\tCOMPREPLY=($(compgen -W \"$words --output --yes --read-only "
	    "--inventory --batch\" -- \"$cur\"))\n}\n"
	    "complete -F _platform_tui platform-tui\n");
	c->message = buf_steal(&b);
	buf_free(&nouns);
	return (CMD_RETURN_NORMAL);
}

static const struct cmd_entry platform_status_entry = {
	.name = "status",
	.alias = "st",
	.args = { "timeout=|t", 0, -1 },
	.usage = "[-t timeout] [service|kind|node ...]",
	.help = "Probe every service endpoint at once and show its state and latency.",
	.flags = CMD_INVENTORY,
	.exec = status_exec,
};

static const struct cmd_entry platform_inventory_check_entry = {
	.name = "inventory check",
	.alias = "inv check",
	.args = { "", 0, 1 },
	.usage = "[file]",
	.help = "Check an inventory file, including that every secret reference can be read.",
	.exec = platform_inventory_check,
};

static const struct cmd_entry platform_inventory_show_entry = {
	.name = "inventory show",
	.alias = "inv show",
	.args = { "", 0, 1 },
	.usage = "[nodes|services]",
	.help = "Show the nodes or the service endpoints of the inventory.",
	.flags = CMD_INVENTORY,
	.exec = platform_inventory_show,
};

static const struct cmd_entry platform_help_entry = {
	.name = "help",
	.args = { "", 0, -1 },
	.usage = "[command]",
	.help = "List the commands, or show how to use one.",
	.exec = platform_help,
};

static const struct cmd_entry platform_version_entry = {
	.name = "version",
	.args = { "", 0, 0 },
	.usage = "",
	.help = "Show the version of platform-tui and of the libraries it runs on.",
	.exec = platform_version,
};

static const struct cmd_entry platform_plugin_list_entry = {
	.name = "plugin list",
	.args = { "", 0, 0 },
	.usage = "",
	.help = "List the built-in and loaded external plugins.",
	.exec = platform_plugin_list,
};

static const struct cmd_entry platform_config_show_entry = {
	.name = "config show",
	.args = { "", 0, 0 },
	.usage = "",
	.help = "Show every setting, its value and where the value came from.",
	.exec = platform_config_show,
};

static const struct cmd_entry platform_completion_entry = {
	.name = "completion",
	.args = { "", 1, 1 },
	.usage = "bash",
	.help = "Print a shell completion script generated from the command table.",
	.exec = platform_completion,
};

static const struct cmd_entry *const platform_commands[] = {
	&platform_status_entry,
	&platform_inventory_check_entry,
	&platform_inventory_show_entry,
	&platform_plugin_list_entry,
	&platform_config_show_entry,
	&platform_help_entry,
	&platform_version_entry,
	&platform_completion_entry,
	NULL
};

extern const struct deploy_recipe *const platform_deploy_recipes[];

const struct plugin plugin_platform = {
	.api_version = PLUGIN_API_VERSION,
	.name = "platform",
	.version = PACKAGE_VERSION,
	.description = "Platform-wide commands: status, inventory, help",
	.caps = PLUGIN_CAP_VIEWS | PLUGIN_CAP_DEPLOY,
	.commands = platform_commands,
	.deploy = platform_deploy_recipes,
};

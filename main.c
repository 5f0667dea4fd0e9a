/* platform-tui: parse the command line, read the settings, pick a front end. */
#include "config.h"

#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/audit.h"
#include "backends/ssh.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/options.h"
#include "core/xmalloc.h"
#include "plugins/plugin.h"
#include "tui/tui.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: platform-tui [options]                      open the console\n"
	    "       platform-tui [options] <noun> <verb> [args]  run one command\n"
	    "       platform-tui [options] --batch               commands from stdin, JSON lines out\n"
	    "\n"
	    "options:\n"
	    "  -i, --inventory FILE   the inventory (default $PLATFORM_TUI_INVENTORY,\n"
	    "                         then $XDG_CONFIG_HOME/platform-tui/inventory)\n"
	    "  -c, --config FILE      settings file (default $XDG_CONFIG_HOME/platform-tui/config)\n"
	    "  -o, --output FORMAT    table, json, tsv or csv\n"
	    "  -t, --timeout DURATION default timeout of probes and requests (5s)\n"
	    "  -y, --yes              confirm destructive commands\n"
	    "      --read-only        refuse every command that changes something\n"
	    "      --accept-new-host-keys  add unknown SSH host keys to known_hosts\n"
	    "      --batch            read one command per line from stdin\n"
	    "      --color WHEN       auto, always or never\n"
	    "      --plugin-dir DIR   load external plugins from DIR too\n"
	    "      --log FILE         write a debug log to FILE\n"
	    "  -V, --version          show the version\n"
	    "  -h, --help             show this help\n"
	    "\n"
	    "'platform-tui help' lists the commands; man platform-tui has the rest.\n");
}

/* Width measurement and sanitising want UTF-8; fall back to C.UTF-8 for LC_CTYPE. */
static void
main_locale(void)
{
	const char	*cs;

	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	if (cs == NULL || (strcasecmp(cs, "UTF-8") != 0 && strcasecmp(cs, "utf8") != 0))
		setlocale(LC_CTYPE, "C.UTF-8");
}

static int
main_set(const char *name, const char *value)
{
	char	*cause = NULL;

	if (options_set(name, value, "command line", &cause) != 0) {
		fprintf(stderr, "platform-tui: %s\n", cause);
		free(cause);
		exit(CMD_EXIT_USAGE);
	}
	return (0);
}

/* Installed plugins, then the settings' directory, then the inventory's. */
static void
main_plugins(struct cmd_env *env)
{
	const char	*dir;
	char		*cause = NULL;

	plugin_init_builtin();
	if (getenv("PLATFORM_TUI_NO_SYSTEM_PLUGINS") == NULL &&
	    plugin_load_dir(PT_PLUGINDIR, &cause) != 0)
		goto fail;
	if ((dir = options_get("plugin-dir")) != NULL && plugin_load_dir(dir, &cause) != 0)
		goto fail;
	if (env->inv != NULL && env->inv->plugin_dir != NULL &&
	    plugin_load_dir(env->inv->plugin_dir, &cause) != 0)
		goto fail;
	return;
fail:
	fprintf(stderr, "platform-tui: %s\n", cause);
	free(cause);
	exit(CMD_EXIT_USAGE);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "config", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 't' },
		{ "yes", no_argument, NULL, 'y' },
		{ "read-only", no_argument, NULL, 'R' },
		{ "accept-new-host-keys", no_argument, NULL, 'A' },
		{ "batch", no_argument, NULL, 'B' },
		{ "color", required_argument, NULL, 'C' },
		{ "no-color", no_argument, NULL, 'N' },
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "log", required_argument, NULL, 'L' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_env		 env;
	enum output_format	 fmt;
	const char		*config = NULL, *color, *audit;
	char			*cause = NULL, *path;
	int			 ch, batch = 0, yes = 0, accept_new = 0, rc;

	main_locale();
	memset(&env, 0, sizeof env);

	/* First pass: only the settings file, whose values the flags override. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+i:c:o:t:yVh", longopts, NULL)) != -1) {
		if (ch == 'c')
			config = optarg;
	}
	path = config != NULL ? xstrdup(config) : options_default_path();
	if (options_load(path, config != NULL, &cause) != 0) {
		fprintf(stderr, "platform-tui: %s\n", cause);
		free(cause);
		free(path);
		options_free();
		return (CMD_EXIT_USAGE);
	}
	free(path);
	optind = 0;
	opterr = 1;

	/* "+": options after the command belong to the command. */
	while ((ch = getopt_long(argc, argv, "+i:c:o:t:yVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			main_set("inventory", optarg);
			break;
		case 'c':
			break;
		case 'o':
			main_set("output", optarg);
			break;
		case 't':
			main_set("timeout", optarg);
			break;
		case 'y':
			yes = 1;
			break;
		case 'R':
			main_set("read-only", "yes");
			break;
		case 'A':
			accept_new = 1;
			break;
		case 'B':
			batch = 1;
			break;
		case 'C':
			main_set("color", optarg);
			break;
		case 'N':
			main_set("color", "never");
			break;
		case 'P':
			main_set("plugin-dir", optarg);
			break;
		case 'L':
			log_open(optarg);
			break;
		case 'V':
			printf("platform-tui %s\n", PACKAGE_VERSION);
			return (0);
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (CMD_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (!log_enabled() && getenv("PLATFORM_TUI_LOG") != NULL)
		log_open(getenv("PLATFORM_TUI_LOG"));

	env.loop = loop_new();
	env.timeout_ms = options_get_ms("timeout");
	if (options_get("inventory") != NULL)
		env.inv_path = xstrdup(options_get("inventory"));
	if (yes)
		env.flags |= CMD_ENV_YES;
	if (accept_new)
		env.flags |= CMD_ENV_ACCEPT_NEW_KEYS;
	if (options_get_bool("read-only"))
		env.flags |= CMD_ENV_READ_ONLY;
	if (isatty(STDOUT_FILENO))
		env.flags |= CMD_ENV_TTY;
	color = options_get("color");
	if (strcmp(color, "always") == 0 || (strcmp(color, "auto") == 0 &&
	    (env.flags & CMD_ENV_TTY) && getenv("NO_COLOR") == NULL))
		env.flags |= CMD_ENV_COLOR;
	audit = options_get("audit-log");
	env.audit_path = audit != NULL ? xstrdup(audit) : audit_default_path();

	/* An inventory that loads may name a plugin directory; errors wait for a command. */
	if (env.inv_path == NULL)
		env.inv_path = inventory_default_path();
	env.inv = inventory_load(env.inv_path, 0, &cause);
	free(cause);
	cause = NULL;
	main_plugins(&env);

	if (output_parse_format(options_get("output"), &fmt) != 0)
		fmt = OUTPUT_TABLE;
	if (batch)
		rc = cli_batch(&env, stdin, stdout);
	else if (argc > 0)
		rc = cli_run(&env, fmt, argc, argv);
	else if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		rc = tui_main(&env);
	else {
		usage(stderr);
		rc = CMD_EXIT_USAGE;
	}

	ssh_free(env.ssh);
	plugin_fini();
	if (env.inv != NULL)
		inventory_free(env.inv);
	loop_free(env.loop);
	free(env.inv_path);
	free(env.audit_path);
	options_free();
	log_close();
	return (rc);
}

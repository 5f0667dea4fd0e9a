/*
 * The compute node: k3s from a config file (node address, TLS names,
 * traefik off), the Spark Operator and JupyterLab through k3s's HelmChart
 * and manifests directory. Deploy only: the cluster is operated through
 * the kube backend.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/inventory.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "plugins/deploy/deploy.h"
#include "plugins/plugin.h"

#define K3S_MANIFESTS	"/var/lib/rancher/k3s/server/manifests"

static const struct deploy_file k3s_files[] = {
	{ "/etc/rancher/k3s/config.yaml", "config.yaml.tmpl", 0600, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_step k3s_steps[] = {
	{ .name = "config", .files = k3s_files, .handler = "restart-k3s" },
	{ .name = "install",
	  .test = "command -v k3s >/dev/null",
	  .change = "mkdir -p \"$ROOT/usr/local/lib/platform-tui\" && curl -sfL"
	      " --max-time 120 -o \"$ROOT/usr/local/lib/platform-tui/k3s-install.sh\""
	      " https://get.k3s.io && INSTALL_K3S_SKIP_START=true sh"
	      " \"$ROOT/usr/local/lib/platform-tui/k3s-install.sh\"",
	  .check = "command -v k3s >/dev/null",
	  .handler = "restart-k3s" },
	{ .name = NULL }
};

/* k3s.yaml with its server moved from 127.0.0.1 to the node's private address. */
static int
k3s_kubeconfig_rewrite(const struct inv_node *node, const char *data, size_t len,
    struct buf *out, char **cause)
{
	const char	*p, *nl, *end = data + len, *h, *e;
	int		 v6 = strchr(node->address, ':') != NULL, n = 0;

	for (p = data; p < end; p = nl) {
		nl = memchr(p, '\n', end - p);
		nl = nl != NULL ? nl + 1 : end;
		h = memmem(p, nl - p, "server: https://", 16);
		if (h == NULL) {
			buf_add(out, p, nl - p);
			continue;
		}
		h += 16;
		e = *h == '[' ? memchr(h, ']', nl - h) : h + strcspn(h, ":/\n");
		if (e == NULL || e > nl) {
			xasprintf(cause, "k3s.yaml: a server line without a host");
			return (-1);
		}
		e += *h == '[';
		buf_add(out, p, h - p);
		buf_printf(out, "%s%s%s", v6 ? "[" : "", node->address, v6 ? "]" : "");
		buf_add(out, e, nl - e);
		n++;
	}
	if (n == 0) {
		xasprintf(cause, "k3s.yaml has no 'server: https://' line");
		return (-1);
	}
	return (0);
}

/*
 * The node's kubeconfig kept here, mode 0600 (it holds the admin
 * credentials), where an inventory's kubeconfig key can name it.
 */
static int
k3s_kubeconfig_fetched(const struct inventory *inv, const struct inv_node *node,
    const char *data, size_t len, char **saved, char **cause)
{
	struct buf	 b;
	char		*dir, *path, *tmp;
	int		 fd, rc = -1;

	buf_init(&b);
	if (k3s_kubeconfig_rewrite(node, data, len, &b, cause) != 0)
		goto out;
	dir = util_xdg_dir("config");
	if (util_mkdir_p(dir, 0700) != 0) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		free(dir);
		goto out;
	}
	path = xprintf("%s/kubeconfig-%s-%s.yaml", dir, inv->name != NULL ?
	    inv->name : "platform", node->name);
	free(dir);
	tmp = xprintf("%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || fchmod(fd, 0600) != 0 ||
	    write(fd, b.data, b.len) != (ssize_t)b.len || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		if (fd != -1)
			unlink(tmp);
		free(path);
	} else {
		*saved = path;
		rc = 0;
	}
	free(tmp);
out:
	if (b.data != NULL)
		explicit_bzero(b.data, b.len);
	buf_free(&b);
	return (rc);
}

/*
 * The API server's /readyz through the node's own admin kubeconfig; once
 * ready, that kubeconfig is fetched and kept here.
 */
static const struct deploy_handler k3s_handlers[] = {
	{ "restart-k3s", "systemctl restart k3s", "k3s kubectl get --raw=/readyz", "ok" },
	{ NULL, NULL, NULL, NULL }
};

static const struct deploy_recipe k3s_recipe = {
	.name = "k3s",
	.dir = "k3s",
	.role = "k3s",
	.steps = k3s_steps,
	.handlers = k3s_handlers,
	.fetch = "/etc/rancher/k3s/k3s.yaml",
	.fetched = k3s_kubeconfig_fetched,
};

static const struct deploy_file spark_files[] = {
	{ K3S_MANIFESTS "/spark-operator.yaml", "spark-operator.yaml.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

static const struct deploy_step spark_steps[] = {
	{ .name = "operator", .files = spark_files },
	{ .name = NULL }
};

static const struct deploy_recipe spark_recipe = {
	.name = "spark",
	.dir = "k3s",
	.role = "spark",
	.steps = spark_steps,
};

static const struct deploy_file jupyter_files[] = {
	{ K3S_MANIFESTS "/jupyter.yaml", "jupyter.yaml.tmpl", 0644, NULL },
	{ NULL, NULL, 0, NULL }
};

/* The token is made on the host and goes into the cluster from a file. */
static const struct deploy_step jupyter_steps[] = {
	{ .name = "manifest", .files = jupyter_files },
	{ .name = "token",
	  .test = "test -s \"$ROOT/etc/platform/jupyter/token\"",
	  .change = "umask 077 && mkdir -p \"$ROOT/etc/platform/jupyter\" && head -c 24"
	      " /dev/urandom | od -An -tx1 | tr -d ' \\n' >"
	      " \"$ROOT/etc/platform/jupyter/token\" && k3s kubectl -n jupyter create"
	      " secret generic jupyter-token --from-file=token=\"$ROOT/etc/platform/"
	      "jupyter/token\" --dry-run=client -o yaml | k3s kubectl apply -f -" },
	{ .name = NULL }
};

/* The S3 endpoint Spark and Jupyter read from: the first s3 service. */
static int
jupyter_vars(struct deploy_vars *vars, const struct inventory *inv,
    const struct inv_node *node, char **cause)
{
	const struct inv_service	*s;
	char				 url[512];
	size_t				 i;

	(void)node;
	(void)cause;
	deploy_vars_set(vars, "jup.s3_endpoint", "", 0);
	for (i = 0; i < inv->nservices; i++) {
		s = &inv->services[i];
		if (strcmp(s->kind, "s3") == 0 && s->nendpoints > 0) {
			snprintf(url, sizeof url, "%s://%s:%s", s->endpoints[0].scheme,
			    s->endpoints[0].host, s->endpoints[0].port);
			deploy_vars_set(vars, "jup.s3_endpoint", url, 0);
			break;
		}
	}
	return (0);
}

static const struct deploy_recipe jupyter_recipe = {
	.name = "jupyter",
	.dir = "k3s",
	.role = "jupyter",
	.steps = jupyter_steps,
	.vars = jupyter_vars,
};

static const struct deploy_recipe *const k3s_deploy_recipes[] = {
	&k3s_recipe,
	&spark_recipe,
	&jupyter_recipe,
	NULL
};

static const char *const k3s_kinds[] = { NULL };

const struct plugin plugin_k3s = {
	.api_version = PLUGIN_API_VERSION,
	.name = "k3s",
	.version = PACKAGE_VERSION,
	.description = "k3s, the Spark Operator and JupyterLab on the compute node",
	.kinds = k3s_kinds,
	.caps = PLUGIN_CAP_DEPLOY,
	.deploy = k3s_deploy_recipes,
};

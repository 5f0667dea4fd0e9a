/*
 * The kubeconfig k3s and kubectl write: YAML read with libyaml's document
 * loader (a hand-written reader would trip on quoting, flow style and
 * block scalars), then the chosen context resolved to one struct kube_config.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "core/buf.h"
#include "core/util.h"
#include "core/xmalloc.h"
#include "backends/kube-int.h"

#define KUBE_CONFIG_MAX	(4 * 1024 * 1024)	/* larger kubeconfigs are refused */

/* A parsed document and the cause of the first error met while reading it. */
struct kube_yaml {
	yaml_document_t	 doc;
	char		**cause;
};

/* The node a mapping holds under key, or NULL. */
static yaml_node_t *
kube_config_get(struct kube_yaml *y, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*k;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return (NULL);
	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(&y->doc, pair->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    k->data.scalar.length == strlen(key) &&
		    memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0)
			return (yaml_document_get_node(&y->doc, pair->value));
	}
	return (NULL);
}

/* A scalar's text under key, copied; NULL when absent, empty or not a scalar. */
static char *
kube_config_str(struct kube_yaml *y, yaml_node_t *map, const char *key)
{
	yaml_node_t	*n = kube_config_get(y, map, key);

	if (n == NULL || n->type != YAML_SCALAR_NODE || n->data.scalar.length == 0)
		return (NULL);
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length) != NULL)
		return (NULL);
	return (xstrndup((char *)n->data.scalar.value, n->data.scalar.length));
}

/* Decodes base64 (whitespace ignored, as in wrapped PEM data); NULL if malformed. */
char *
kube_config_base64(const char *in, size_t *outlen)
{
	static const char	 al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*p;
	char			*out;
	unsigned		 acc = 0;
	size_t			 n = 0, bits = 0, pad = 0;

	out = xmalloc(strlen(in) / 4 * 3 + 4);
	for (p = in; *p != '\0'; p++) {
		const char *c;

		if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
			continue;
		if (*p == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (c = strchr(al, *p)) == NULL)
			goto bad;
		acc = (acc << 6) | (unsigned)(c - al);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2 || bits >= 6)
		goto bad;
	out[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return (out);
bad:
	free(out);
	return (NULL);
}

/* The "*-data" field decoded, or the error; NULL with *bad = 0 when absent. */
static char *
kube_config_data(struct kube_yaml *y, yaml_node_t *map, const char *key,
    const char *where, int *bad)
{
	char	*b64, *out;
	size_t	 len;

	if ((b64 = kube_config_str(y, map, key)) == NULL)
		return (NULL);
	out = kube_config_base64(b64, &len);
	free(b64);
	if (out == NULL || len == 0 || strlen(out) != len) {
		free(out);
		xasprintf(y->cause, "%s: %s is not base64 PEM", where, key);
		*bad = 1;
		return (NULL);
	}
	return (out);
}

/* The entry of a named list (clusters, users, contexts) and its inner mapping. */
static yaml_node_t *
kube_config_named(struct kube_yaml *y, yaml_node_t *root, const char *list,
    const char *inner, const char *name)
{
	yaml_node_t		*seq = kube_config_get(y, root, list), *item, *n;
	yaml_node_item_t	*it;

	if (seq == NULL || seq->type != YAML_SEQUENCE_NODE)
		return (NULL);
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		item = yaml_document_get_node(&y->doc, *it);
		n = kube_config_get(y, item, "name");
		if (n == NULL || n->type != YAML_SCALAR_NODE ||
		    n->data.scalar.length != strlen(name) ||
		    memcmp(n->data.scalar.value, name, n->data.scalar.length) != 0)
			continue;
		n = kube_config_get(y, item, inner);
		return (n != NULL && n->type == YAML_MAPPING_NODE ? n : NULL);
	}
	return (NULL);
}

/* YAML 1.1 and kubectl accept several spellings of true. */
static int
kube_config_true(struct kube_yaml *y, yaml_node_t *map, const char *key)
{
	char	*v = kube_config_str(y, map, key);
	int	 yes;

	yes = v != NULL && (strcasecmp(v, "true") == 0 ||
	    strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0);
	free(v);
	return (yes);
}

/* The cluster part of a context: server, CA, TLS verification. */
static int
kube_config_cluster(struct kube_yaml *y, yaml_node_t *root, const char *name,
    struct kube_config *kc)
{
	yaml_node_t	*c;
	int		 bad = 0;

	if ((c = kube_config_named(y, root, "clusters", "cluster", name)) == NULL) {
		xasprintf(y->cause, "context %s: no cluster named '%s'", kc->context, name);
		return (-1);
	}
	if ((kc->server = kube_config_str(y, c, "server")) == NULL) {
		xasprintf(y->cause, "cluster %s: no server", name);
		return (-1);
	}
	if (strncmp(kc->server, "https://", 8) != 0 &&
	    strncmp(kc->server, "http://", 7) != 0) {
		xasprintf(y->cause, "cluster %s: server '%s' is not an http(s) URL",
		    name, kc->server);
		return (-1);
	}
	kc->ca_pem = kube_config_data(y, c, "certificate-authority-data", name, &bad);
	kc->ca_file = kube_config_str(y, c, "certificate-authority");
	kc->insecure = kube_config_true(y, c, "insecure-skip-tls-verify");
	return (bad ? -1 : 0);
}

/* The user part of a context: a client certificate and key, or a token. */
static int
kube_config_user(struct kube_yaml *y, yaml_node_t *root, const char *name,
    struct kube_config *kc)
{
	yaml_node_t	*u;
	int		 bad = 0;

	if ((u = kube_config_named(y, root, "users", "user", name)) == NULL) {
		xasprintf(y->cause, "context %s: no user named '%s'", kc->context, name);
		return (-1);
	}
	if (kube_config_get(y, u, "exec") != NULL ||
	    kube_config_get(y, u, "auth-provider") != NULL) {
		xasprintf(y->cause, "user %s: exec and auth-provider credentials are"
		    " not supported: use a token or a client certificate", name);
		return (-1);
	}
	kc->cert_pem = kube_config_data(y, u, "client-certificate-data", name, &bad);
	if (!bad)
		kc->key_pem = kube_config_data(y, u, "client-key-data", name, &bad);
	kc->cert_file = kube_config_str(y, u, "client-certificate");
	kc->key_file = kube_config_str(y, u, "client-key");
	kc->token = kube_config_str(y, u, "token");
	if (bad)
		return (-1);
	if ((kc->cert_pem != NULL || kc->cert_file != NULL) !=
	    (kc->key_pem != NULL || kc->key_file != NULL)) {
		xasprintf(y->cause, "user %s: a client certificate needs its key", name);
		return (-1);
	}
	return (0);
}

/* Parses the document and resolves one context into kc; -1 and *cause on error. */
int
kube_config_parse(const char *text, size_t len, const char *context,
    struct kube_config *kc, char **cause)
{
	struct kube_yaml	 y;
	yaml_parser_t		 parser;
	yaml_node_t		*root, *ctx;
	char			*cluster = NULL, *user = NULL, *cur = NULL;
	int			 rc = -1;

	memset(kc, 0, sizeof *kc);
	if (len > KUBE_CONFIG_MAX) {
		xasprintf(cause, "kubeconfig larger than %d bytes", KUBE_CONFIG_MAX);
		return (-1);
	}
	y.cause = cause;
	if (!yaml_parser_initialize(&parser))
		fatal("yaml_parser_initialize failed");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &y.doc)) {
		xasprintf(cause, "kubeconfig line %lu: %s",
		    (unsigned long)parser.problem_mark.line + 1,
		    parser.problem != NULL ? parser.problem : "YAML error");
		yaml_parser_delete(&parser);
		return (-1);
	}
	yaml_parser_delete(&parser);
	root = yaml_document_get_root_node(&y.doc);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		xasprintf(cause, "kubeconfig is not a YAML mapping");
		goto out;
	}
	if (context == NULL && (context = cur = kube_config_str(&y, root,
	    "current-context")) == NULL) {
		xasprintf(cause, "kubeconfig has no current-context: name a context");
		goto out;
	}
	kc->context = xstrdup(context);
	if ((ctx = kube_config_named(&y, root, "contexts", "context", context)) == NULL) {
		xasprintf(cause, "kubeconfig has no context named '%s'", context);
		goto out;
	}
	cluster = kube_config_str(&y, ctx, "cluster");
	user = kube_config_str(&y, ctx, "user");
	kc->namespace = kube_config_str(&y, ctx, "namespace");
	if (cluster == NULL || user == NULL) {
		xasprintf(cause, "context %s: needs a cluster and a user", context);
		goto out;
	}
	if (kube_config_cluster(&y, root, cluster, kc) != 0 ||
	    kube_config_user(&y, root, user, kc) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		kube_config_clear(kc);
	free(cluster);
	free(user);
	free(cur);
	yaml_document_delete(&y.doc);
	return (rc);
}

/* kubectl resolves relative file names against the kubeconfig's folder. */
static void
kube_config_relative(char **path, const char *dir)
{
	char	*abs;

	if (*path == NULL || (*path)[0] == '/' || dir == NULL)
		return;
	abs = xprintf("%s/%s", dir, *path);
	free(*path);
	*path = abs;
}

/* Reads a kubeconfig file (~ expanded) and resolves the context. */
int
kube_config_load(const char *path, const char *context, struct kube_config *kc,
    char **cause)
{
	char	*full, *text, *slash, *dir = NULL;
	FILE	*f;
	size_t	 len;
	int	 rc;

	memset(kc, 0, sizeof *kc);
	full = util_expand_home(path);
	if ((f = fopen(full, "r")) == NULL) {
		xasprintf(cause, "%s: %s", full, strerror(errno));
		free(full);
		return (-1);
	}
	text = xmalloc(KUBE_CONFIG_MAX + 1);
	len = fread(text, 1, KUBE_CONFIG_MAX + 1, f);
	fclose(f);
	if ((rc = kube_config_parse(text, len, context, kc, cause)) != 0) {
		char *c = *cause;

		xasprintf(cause, "%s: %s", full, c);
		free(c);
	} else {
		if ((slash = strrchr(full, '/')) != NULL)
			dir = xstrndup(full, slash - full);
		kube_config_relative(&kc->ca_file, dir);
		kube_config_relative(&kc->cert_file, dir);
		kube_config_relative(&kc->key_file, dir);
		free(dir);
	}
	free(text);
	free(full);
	return (rc);
}

/* Frees every field; the key and token are wiped first, being secrets. */
void
kube_config_clear(struct kube_config *kc)
{
	if (kc->key_pem != NULL)
		explicit_bzero(kc->key_pem, strlen(kc->key_pem));
	if (kc->token != NULL)
		explicit_bzero(kc->token, strlen(kc->token));
	free(kc->server);
	free(kc->ca_pem);
	free(kc->ca_file);
	free(kc->cert_pem);
	free(kc->key_pem);
	free(kc->cert_file);
	free(kc->key_file);
	free(kc->token);
	free(kc->namespace);
	free(kc->context);
	memset(kc, 0, sizeof *kc);
}

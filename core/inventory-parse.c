/*
 * The inventory's text: an INI-like list of [platform], [node NAME],
 * [service NAME] and [vpn NAME] sections. Parsing stops at the first mistake with a message
 * that names the file, the line and the key, and never echoes a secret.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/inventory.h"
#include "core/inventory-int.h"
#include "core/inventory-value.h"
#include "core/secret.h"
#include "core/xmalloc.h"

#define INV_MAX_LINE		4096

/* Each kind of section and its keys; a key's index is its slot in seen[]. */
static const struct {
	const char	*type;
	const char	*form;		/* as messages show it */
	const char	*keys[INV_MAX_KEYS];	/* NULL-terminated */
} inv_sections[] = {
	[INV_SEC_NONE] = { NULL, NULL, { NULL } },
	[INV_SEC_PLATFORM] = { "platform", "[platform]",
	    { "name", "timeout", "plugin-dir", "deploy-root", "known-hosts",
	      "ssh-config", "wg-network", "wg-port" } },
	[INV_SEC_NODE] = { "node", "[node NAME]",
	    { "address", "public-address", "ssh-user", "ssh-port", "ssh-key",
	      "roles", "deploy-root", "metrics", "jump", "wg-address" } },
	[INV_SEC_SERVICE] = { "service", "[service NAME]",
	    { "kind", "node", "endpoint", "via", "health", "user", "secret",
	      "database", "timeout", "ca-file", "kubeconfig", "context",
	      "namespace", "image", "bucket", "cluster", "keeper" } },
	[INV_SEC_VPN] = { "vpn", "[vpn NAME]",
	    { "type", "config", "management", "user", "secret", "interface" } },
};

/* Every message starts with where the mistake is; then what it is. */
__attribute__((format(printf, 4, 0)))
static int
inventory_parse_verror(struct inv_parse *p, int line, const char *key,
    const char *fmt, va_list ap)
{
	struct buf	b;

	buf_init(&b);
	buf_printf(&b, "%s:%d: ", p->path, line);
	if (key != NULL)
		buf_printf(&b, "key '%s': ", key);
	buf_vprintf(&b, fmt, ap);
	*p->cause = buf_steal(&b);
	return (-1);
}

/* A mistake on the line being read. */
__attribute__((format(printf, 3, 4)))
static int
inventory_parse_error(struct inv_parse *p, const char *key, const char *fmt,
    ...)
{
	va_list	ap;

	va_start(ap, fmt);
	inventory_parse_verror(p, p->line, key, fmt, ap);
	va_end(ap);
	return (-1);
}

/* A mistake found later than its line: a missing key, an unknown node. */
int
inventory_parse_error_at(struct inv_parse *p, int line, const char *key,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	inventory_parse_verror(p, line, key, fmt, ap);
	va_end(ap);
	return (-1);
}

/* A value check's message goes after the line and key; it is freed here. */
int
inventory_parse_cause(struct inv_parse *p, int line, const char *key,
    char *cause)
{
	inventory_parse_error_at(p, line, key, "%s", cause);
	free(cause);
	return (-1);
}

/* The slot of a key in its section's table, or -1 if there is none. */
static int
inventory_parse_key_index(enum inv_section sec, const char *key)
{
	int	i;

	for (i = 0; inv_sections[sec].keys[i] != NULL; i++) {
		if (strcmp(inv_sections[sec].keys[i], key) == 0)
			return (i);
	}
	return (-1);
}

/* Say what to write instead: a near miss, another section's key or the list. */
static int
inventory_parse_unknown(struct inv_parse *p, const char *key)
{
	const char		*const *keys = inv_sections[p->sec].keys;
	const char		*near;
	enum inv_section	 other;
	struct buf		 b;
	int			 i;

	if (strcmp(key, "password") == 0 || strcmp(key, "pass") == 0 ||
	    strcmp(key, "passwd") == 0 || strcmp(key, "token") == 0) {
		return (inventory_parse_error(p, key, "unknown key '%s' in"
		    " [%s]: secrets are not written in the inventory; use"
		    " secret = env:NAME (or file:PATH or cmd:COMMAND)", key,
		    p->secname));
	}
	near = inventory_value_closest(key, keys, INV_MAX_KEYS, sizeof *keys);
	if (near != NULL) {
		return (inventory_parse_error(p, key, "unknown key '%s' in [%s]"
		    " (did you mean '%s'?)", key, p->secname, near));
	}
	for (other = INV_SEC_PLATFORM; other <= INV_SEC_VPN; other++) {
		if (other == p->sec ||
		    inventory_parse_key_index(other, key) == -1)
			continue;
		return (inventory_parse_error(p, key, "unknown key '%s' in [%s]"
		    " ('%s' belongs in %s)", key, p->secname, key,
		    inv_sections[other].form));
	}
	buf_init(&b);
	for (i = 0; keys[i] != NULL; i++)
		buf_printf(&b, "%s%s", i == 0 ? "" : ", ", keys[i]);
	inventory_parse_error(p, key, "unknown key '%s' in [%s]; %s takes %s",
	    key, p->secname, inv_sections[p->sec].form, buf_str(&b));
	buf_free(&b);
	return (-1);
}

/* Roles are separated by commas, spaces or both; repeats are dropped. */
static int
inventory_parse_roles(struct inv_parse *p, const char *value,
    struct inv_node *n)
{
	char	*copy, *word, *last;
	size_t	 count = 0, i;

	copy = xstrdup(value);
	for (word = strtok_r(copy, ", \t", &last); word != NULL;
	    word = strtok_r(NULL, ", \t", &last)) {
		if (!inventory_value_name(word)) {
			inventory_parse_error(p, "roles", "role '%s' may only"
			    " have letters, digits, '.', '_' and '-'", word);
			free(copy);
			return (-1);
		}
		for (i = 0; i < count; i++) {
			if (strcmp(n->roles[i], word) == 0)
				break;
		}
		if (i != count)
			continue;
		n->roles = xreallocarray(n->roles, count + 2, sizeof *n->roles);
		n->roles[count++] = xstrdup(word);
		n->roles[count] = NULL;
	}
	free(copy);
	return (0);
}

/* Durations read the same in every section. */
static int
inventory_parse_duration(struct inv_parse *p, const char *key,
    const char *value, int *ms)
{
	if (inventory_value_duration(value, ms) != 0) {
		return (inventory_parse_error(p, key, "bad duration '%s' (use"
		    " 250ms, 5s or 2m, from 1ms to 10m)", value));
	}
	return (0);
}

/* deploy-root: where deploy writes on the hosts; absolute, "/" in production. */
static int
inventory_parse_root(struct inv_parse *p, const char *key, const char *value,
    char **out)
{
	if (*value != '/' || strpbrk(value, "'\"\\$`\n") != NULL)
		return (inventory_parse_error(p, key, "'%s' is not an absolute path"
		    " without quotes, '$' or '`'", value));
	free(*out);
	*out = xstrdup(value);
	return (0);
}

/* "10.10.0.0/24": an IPv4 network with room for a mesh; 0 or -1. */
static int
inventory_wg_network(const char *value)
{
	struct in_addr	 in;
	char		 a[INET_ADDRSTRLEN], *end;
	const char	*slash = strchr(value, '/');
	long		 bits;

	if (slash == NULL || (size_t)(slash - value) >= sizeof a)
		return (-1);
	memcpy(a, value, slash - value);
	a[slash - value] = '\0';
	bits = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET, a, &in) != 1 || *end != '\0' || end == slash + 1 ||
	    bits < 8 || bits > 30)
		return (-1);
	return (0);
}

/* [platform] keys: only the timeout needs checking. */
static int
inventory_parse_platform(struct inv_parse *p, const char *key,
    const char *value)
{
	struct inventory	*inv = p->inv;

	if (strcmp(key, "name") == 0)
		inv->name = xstrdup(value);
	else if (strcmp(key, "timeout") == 0)
		return (inventory_parse_duration(p, key, value,
		    &inv->timeout_ms));
	else if (strcmp(key, "plugin-dir") == 0)
		inv->plugin_dir = xstrdup(value);
	else if (strcmp(key, "deploy-root") == 0)
		return (inventory_parse_root(p, key, value, &inv->deploy_root));
	else if (strcmp(key, "known-hosts") == 0)
		inv->known_hosts = xstrdup(value);
	else if (strcmp(key, "ssh-config") == 0)
		inv->ssh_config = xstrdup(value);
	else if (strcmp(key, "wg-network") == 0) {
		if (inventory_wg_network(value) != 0)
			return (inventory_parse_error(p, key, "'%s' is not an IPv4"
			    " network: write it as 10.10.0.0/24 (/8 to /30)", value));
		free(inv->wg_network);
		inv->wg_network = xstrdup(value);
	} else if (strcmp(key, "wg-port") == 0) {
		if (inventory_value_port(value, &inv->wg_port) != 0)
			return (inventory_parse_error(p, key, "'%s' is not a port"
			    " (1-65535)", value));
	}
	return (0);
}

/* [node NAME] keys: addresses and ports are checked as they are read. */
static int
inventory_parse_node(struct inv_parse *p, const char *key, const char *value)
{
	struct inv_node	*n = &p->inv->nodes[p->inv->nnodes - 1];
	struct in_addr	 in;

	if (strcmp(key, "address") == 0 || strcmp(key, "public-address") == 0) {
		if (!inventory_value_host(value)) {
			return (inventory_parse_error(p, key, "'%s' is not an"
			    " IPv4 or IPv6 address or a host name%s", value,
			    *value == '[' ? " (write IPv6 addresses without"
			    " brackets)" : ""));
		}
		if (*key == 'a')
			n->address = xstrdup(value);
		else
			n->public_address = xstrdup(value);
	} else if (strcmp(key, "ssh-user") == 0) {
		if (!inventory_value_name(value)) {
			return (inventory_parse_error(p, key,
			    "'%s' is not a user name", value));
		}
		n->ssh_user = xstrdup(value);
	} else if (strcmp(key, "ssh-port") == 0) {
		if (inventory_value_port(value, &n->ssh_port) != 0) {
			return (inventory_parse_error(p, key,
			    "bad port '%s' (expected 1 to 65535)", value));
		}
	} else if (strcmp(key, "ssh-key") == 0)
		n->ssh_key = xstrdup(value);
	else if (strcmp(key, "roles") == 0)
		return (inventory_parse_roles(p, value, n));
	else if (strcmp(key, "deploy-root") == 0)
		return (inventory_parse_root(p, key, value, &n->deploy_root));
	else if (strcmp(key, "wg-address") == 0) {
		if (inet_pton(AF_INET, value, &in) != 1)
			return (inventory_parse_error(p, key, "'%s' is not an IPv4"
			    " address (the prefix comes from wg-network)", value));
		free(n->wg_address);
		n->wg_address = xstrdup(value);
	} else if (strcmp(key, "metrics") == 0) {
		if (!inventory_value_name(value)) {
			return (inventory_parse_error(p, key,
			    "'%s' is not a service name", value));
		}
		n->metrics = xstrdup(value);
		n->metrics_line = p->line;
	} else if (strcmp(key, "jump") == 0) {
		if (!inventory_value_name(value)) {
			return (inventory_parse_error(p, key,
			    "'%s' is not a node name", value));
		}
		if (strcmp(value, n->name) == 0) {
			return (inventory_parse_error(p, key,
			    "node '%s' cannot jump through itself", value));
		}
		n->jump = xstrdup(value);
		n->jump_line = p->line;
	}
	return (0);
}

/* Keep a via or health line for the end of the file, refusing a repeat. */
static int
inventory_parse_override(struct inv_parse *p, const char *key,
    const char *kdisp, const char *name, const char *value)
{
	struct inv_extra	*x = &p->extra[p->inv->nservices - 1];
	struct inv_override	 ov, *o;
	char			*cause;
	size_t			 i;

	memset(&ov, 0, sizeof ov);
	ov.is_via = *key == 'v';
	if (ov.is_via) {
		if (inventory_value_via(value, &ov.via, &ov.via_name,
		    &cause) != 0)
			return (inventory_parse_cause(p, p->line, kdisp,
			    cause));
	} else {
		if (*value != '/' || strpbrk(value, " \t") != NULL) {
			return (inventory_parse_error(p, kdisp, "a health path"
			    " starts with '/' and has no spaces"));
		}
		ov.health = xstrdup(value);
	}
	for (i = 0; name != NULL && i < x->nov; i++) {
		o = &x->ov[i];
		if (o->is_via != ov.is_via || o->endpoint == NULL ||
		    strcmp(o->endpoint, name) != 0)
			continue;
		free(ov.via_name);
		free(ov.health);
		return (inventory_parse_error(p, kdisp, "set twice for endpoint"
		    " '%s' (first on line %d)", name, o->line));
	}
	ov.endpoint = name != NULL ? xstrdup(name) : NULL;
	ov.key = xstrdup(kdisp);
	ov.line = p->line;
	x->ov = xreallocarray(x->ov, x->nov + 1, sizeof *x->ov);
	x->ov[x->nov++] = ov;
	return (0);
}

/* An unnamed endpoint is "main"; names are unique within the service. */
static int
inventory_parse_endpoint(struct inv_parse *p, const char *kdisp,
    const char *name, const char *value)
{
	struct inv_service	*s = &p->inv->services[p->inv->nservices - 1];
	struct inv_endpoint	 ep;
	char			*cause;
	size_t			 i;

	if (name == NULL)
		name = "main";
	for (i = 0; i < s->nendpoints; i++) {
		if (strcmp(s->endpoints[i].name, name) != 0)
			continue;
		return (inventory_parse_error(p, kdisp, "duplicate endpoint"
		    " name '%s' in [%s] (first on line %d)%s", name,
		    p->secname, s->endpoints[i].line,
		    strcmp(name, "main") == 0 ?
		    "; name the others: endpoint NAME = URL" : ""));
	}
	memset(&ep, 0, sizeof ep);
	if (inventory_value_url(value, &ep, &cause) != 0)
		return (inventory_parse_cause(p, p->line, kdisp, cause));
	ep.name = xstrdup(name);
	ep.line = p->line;
	s->endpoints = xreallocarray(s->endpoints, s->nendpoints + 1,
	    sizeof *s->endpoints);
	s->endpoints[s->nendpoints++] = ep;
	return (0);
}

/* [vpn NAME] keys: checked in inventory-vpn.c. */
static int
inventory_parse_vpn(struct inv_parse *p, const char *key, const char *value)
{
	char	*cause = NULL;

	if (inventory_vpn_key(&p->inv->vpns[p->inv->nvpns - 1], key, value,
	    &cause) != 0)
		return (inventory_parse_cause(p, p->line, key, cause));
	return (0);
}

/* [service NAME] keys; the node is looked up once the whole file is read. */
static int
inventory_parse_service(struct inv_parse *p, const char *key,
    const char *kdisp, const char *name, const char *value)
{
	struct inv_service	*s = &p->inv->services[p->inv->nservices - 1];
	struct inv_extra	*x = &p->extra[p->inv->nservices - 1];
	char			*cause;

	if (strcmp(key, "kind") == 0) {
		if (!inventory_value_kind(value)) {
			return (inventory_parse_error(p, key, "'%s' is not a"
			    " kind: use lower-case letters, digits and '-'",
			    value));
		}
		s->kind = xstrdup(value);
	} else if (strcmp(key, "node") == 0) {
		s->node = xstrdup(value);
		x->node_line = p->line;
	} else if (strcmp(key, "endpoint") == 0)
		return (inventory_parse_endpoint(p, kdisp, name, value));
	else if (strcmp(key, "via") == 0 || strcmp(key, "health") == 0)
		return (inventory_parse_override(p, key, kdisp, name, value));
	else if (strcmp(key, "user") == 0)
		s->user = xstrdup(value);
	else if (strcmp(key, "database") == 0)
		s->database = xstrdup(value);
	else if (strcmp(key, "ca-file") == 0)
		s->ca_file = xstrdup(value);
	else if (strcmp(key, "kubeconfig") == 0)
		s->kubeconfig = xstrdup(value);
	else if (strcmp(key, "context") == 0)
		s->context = xstrdup(value);
	else if (strcmp(key, "namespace") == 0)
		s->namespace = xstrdup(value);
	else if (strcmp(key, "image") == 0)
		s->image = xstrdup(value);
	else if (strcmp(key, "bucket") == 0)
		s->bucket = xstrdup(value);
	else if (strcmp(key, "cluster") == 0) {
		/* It becomes an XML element and an SQL identifier. */
		if (*value == '\0' || (*value >= '0' && *value <= '9') ||
		    strspn(value, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(value))
			return (inventory_parse_error(p, key, "'%s' is not a cluster"
			    " name: use letters, digits and '_'", value));
		s->cluster = xstrdup(value);
	} else if (strcmp(key, "keeper") == 0) {
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			return (inventory_parse_error(p, key, "'%s': use yes or no",
			    value));
		s->keeper = strcmp(value, "yes") == 0;
	}
	else if (strcmp(key, "secret") == 0) {
		if (secret_valid(value, &cause) != 0)
			return (inventory_parse_cause(p, p->line, key, cause));
		s->secret = xstrdup(value);
		x->secret_line = p->line;
	} else if (strcmp(key, "timeout") == 0)
		return (inventory_parse_duration(p, key, value,
		    &s->timeout_ms));
	return (0);
}

/* A section is complete when the next one starts: check its required keys. */
static int
inventory_parse_end(struct inv_parse *p)
{
	struct inv_service	*s;
	const char		*missing = NULL;

	if (p->sec == INV_SEC_NODE) {
		if (p->inv->nodes[p->inv->nnodes - 1].address == NULL)
			missing = "address";
	} else if (p->sec == INV_SEC_VPN) {
		missing = inventory_vpn_missing(&p->inv->vpns[p->inv->nvpns - 1],
		    p->seen[0]);
		if (missing != NULL && strcmp(missing, "type") != 0) {
			return (inventory_parse_error_at(p, p->secline, missing,
			    "required in [%s] but missing (%s)", p->secname,
			    strcmp(missing, "user") == 0 ? "secret is the user's"
			    " password" : strcmp(missing, "config") == 0 ?
			    "or management = SOCKET of a running openvpn" :
			    "or config = PATH"));
		}
	} else if (p->sec == INV_SEC_SERVICE) {
		s = &p->inv->services[p->inv->nservices - 1];
		if (s->kind == NULL)
			missing = "kind";
		else if (s->node == NULL)
			missing = "node";
		else if (s->nendpoints == 0) {
			return (inventory_parse_error_at(p, p->secline,
			    "endpoint", "required in [%s] but missing: add"
			    " endpoint = URL", p->secname));
		}
	}
	if (missing != NULL) {
		return (inventory_parse_error_at(p, p->secline, missing,
		    "required in [%s] but missing", p->secname));
	}
	return (0);
}

/* Add a [node NAME] or [service NAME], refusing a second one of the name. */
static int
inventory_parse_add(struct inv_parse *p, enum inv_section sec,
    const char *name)
{
	struct inventory	*inv = p->inv;
	struct inv_node		*n;
	struct inv_service	*s;
	struct inv_vpn		*v;
	size_t			 i;

	if (sec == INV_SEC_VPN) {
		if (inventory_vpn(inv, name) != NULL) {
			return (inventory_parse_error(p, NULL, "section '%s':"
			    " duplicate vpn '%s' (first on line %d)",
			    p->secname, name, inventory_vpn(inv, name)->line));
		}
		inv->vpns = xreallocarray(inv->vpns, inv->nvpns + 1,
		    sizeof *inv->vpns);
		v = &inv->vpns[inv->nvpns++];
		memset(v, 0, sizeof *v);
		v->name = xstrdup(name);
		v->line = p->line;
		return (0);
	}
	if (sec == INV_SEC_NODE) {
		for (i = 0; i < inv->nnodes; i++) {
			if (strcmp(inv->nodes[i].name, name) != 0)
				continue;
			return (inventory_parse_error(p, NULL, "section '%s':"
			    " duplicate node '%s' (first on line %d)",
			    p->secname, name, inv->nodes[i].line));
		}
		inv->nodes = xreallocarray(inv->nodes, inv->nnodes + 1,
		    sizeof *inv->nodes);
		n = &inv->nodes[inv->nnodes++];
		memset(n, 0, sizeof *n);
		n->name = xstrdup(name);
		n->ssh_port = 22;
		n->roles = xcalloc(1, sizeof *n->roles);
		n->line = p->line;
		return (0);
	}
	for (i = 0; i < inv->nservices; i++) {
		if (strcmp(inv->services[i].name, name) != 0)
			continue;
		return (inventory_parse_error(p, NULL, "section '%s': duplicate"
		    " service '%s' (first on line %d)", p->secname, name,
		    inv->services[i].line));
	}
	inv->services = xreallocarray(inv->services, inv->nservices + 1,
	    sizeof *inv->services);
	p->extra = xreallocarray(p->extra, inv->nservices + 1,
	    sizeof *p->extra);
	memset(&p->extra[inv->nservices], 0, sizeof *p->extra);
	s = &inv->services[inv->nservices++];
	memset(s, 0, sizeof *s);
	s->name = xstrdup(name);
	s->line = p->line;
	return (0);
}

/* Start a [platform], [node NAME] or [service NAME] section. */
static int
inventory_parse_section(struct inv_parse *p, char *line)
{
	enum inv_section	 sec;
	const char		*near;
	char			*type, *name, *end;

	end = line + strlen(line) - 1;
	if (*end != ']') {
		return (inventory_parse_error(p, NULL,
		    "section header has no closing ']'"));
	}
	*end = '\0';
	for (type = line + 1; *type == ' ' || *type == '\t'; type++)
		/* nothing */;
	while (end > type && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	name = type + strcspn(type, " \t");
	if (*name != '\0') {
		*name++ = '\0';
		name += strspn(name, " \t");
	}

	if (inventory_parse_end(p) != 0)
		return (-1);
	free(p->secname);
	if (*name != '\0')
		p->secname = xprintf("%s %s", type, name);
	else
		p->secname = xstrdup(type);
	p->secline = p->line;
	memset(p->seen, 0, sizeof p->seen);

	for (sec = INV_SEC_PLATFORM; sec <= INV_SEC_VPN; sec++) {
		if (strcmp(type, inv_sections[sec].type) == 0)
			break;
	}
	if (sec > INV_SEC_VPN) {
		near = inventory_value_closest(type,
		    &inv_sections[INV_SEC_PLATFORM].type, 4,
		    sizeof inv_sections[0]);
		if (near != NULL) {
			return (inventory_parse_error(p, NULL, "section '%s':"
			    " unknown section type '%s' (did you mean [%s%s]?)",
			    p->secname, type, near,
			    *near == 'p' ? "" : " NAME"));
		}
		return (inventory_parse_error(p, NULL, "section '%s': unknown"
		    " section type '%s' (expected [platform], [node NAME],"
		    " [service NAME] or [vpn NAME])", p->secname, type));
	}
	p->sec = sec;
	if (sec == INV_SEC_PLATFORM) {
		if (*name != '\0') {
			return (inventory_parse_error(p, NULL, "section '%s':"
			    " [platform] takes no name", p->secname));
		}
		if (p->platform_line != 0) {
			return (inventory_parse_error(p, NULL, "section"
			    " 'platform': duplicate (first on line %d)",
			    p->platform_line));
		}
		p->platform_line = p->line;
		return (0);
	}
	if (*name == '\0') {
		return (inventory_parse_error(p, NULL, "section '%s': a name is"
		    " required: [%s NAME]", type, type));
	}
	if (!inventory_value_name(name)) {
		return (inventory_parse_error(p, NULL, "section '%s': a name"
		    " may only have letters, digits, '.', '_' and '-'",
		    p->secname));
	}
	return (inventory_parse_add(p, sec, name));
}

/* Anything below a space but a tab, or DEL: nothing a text file should hold. */
static int
inventory_parse_has_control(const char *s)
{
	for (; *s != '\0'; s++) {
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return (1);
	}
	return (0);
}

/* Is this key one that takes a name: endpoint NAME, via NAME, health NAME? */
static int
inventory_parse_named(enum inv_section sec, const char *key)
{
	return (sec == INV_SEC_SERVICE && (strcmp(key, "endpoint") == 0 ||
	    strcmp(key, "via") == 0 || strcmp(key, "health") == 0));
}

/* A "key = value" or "key NAME = value" line inside a section. */
static int
inventory_parse_key(struct inv_parse *p, char *line)
{
	char	*eq, *key, *name, *value, *end, *kdisp;
	int	 idx = -1, ret = -1;

	if ((eq = strchr(line, '=')) == NULL) {
		return (inventory_parse_error(p, NULL, "line has no '='"
		    " (expected key = value or a [section] header)"));
	}
	*eq = '\0';
	for (end = eq; end > line && (end[-1] == ' ' || end[-1] == '\t'); end--)
		end[-1] = '\0';
	key = line;
	if (*key == '\0') {
		return (inventory_parse_error(p, NULL,
		    "'=' without a key before it"));
	}
	if (inventory_parse_has_control(key)) {
		return (inventory_parse_error(p, NULL,
		    "the key has a control character"));
	}
	if ((name = strpbrk(key, " \t")) != NULL) {
		*name++ = '\0';
		name += strspn(name, " \t");
	}
	value = eq + 1 + strspn(eq + 1, " \t");
	kdisp = name != NULL ? xprintf("%s %s", key, name) : xstrdup(key);

	if (inventory_parse_has_control(value)) {
		inventory_parse_error(p, kdisp, "the value has a control"
		    " character");
	} else if (p->sec == INV_SEC_NONE) {
		inventory_parse_error(p, kdisp, "outside any section; put it"
		    " under [platform], [node NAME] or [service NAME]");
	} else if ((idx = inventory_parse_key_index(p->sec, key)) == -1)
		inventory_parse_unknown(p, key);
	else if (name != NULL && !inventory_parse_named(p->sec, key)) {
		inventory_parse_error(p, kdisp, "'%s' takes no name (only"
		    " endpoint, via and health in [service NAME] do)", key);
	} else if (name != NULL && !inventory_value_name(name)) {
		inventory_parse_error(p, kdisp, "an endpoint name may only have"
		    " letters, digits, '.', '_' and '-'");
	} else if (*value == '\0')
		inventory_parse_error(p, kdisp, "has no value");
	else if (name == NULL && strcmp(key, "endpoint") != 0 &&
	    p->seen[idx] != 0) {
		inventory_parse_error(p, kdisp, "set twice in [%s] (first on"
		    " line %d)", p->secname, p->seen[idx]);
	} else {
		if (name == NULL)
			p->seen[idx] = p->line;
		if (p->sec == INV_SEC_PLATFORM)
			ret = inventory_parse_platform(p, key, value);
		else if (p->sec == INV_SEC_NODE)
			ret = inventory_parse_node(p, key, value);
		else if (p->sec == INV_SEC_VPN)
			ret = inventory_parse_vpn(p, key, value);
		else
			ret = inventory_parse_service(p, key, kdisp, name,
			    value);
	}
	free(kdisp);
	return (ret);
}

/* Trim a line, drop comments and hand it to the section or key parser. */
static int
inventory_parse_line(struct inv_parse *p, const char *start, size_t len)
{
	char	 line[INV_MAX_LINE + 1], *s, *e, *hash;

	if (len > INV_MAX_LINE) {
		return (inventory_parse_error(p, NULL,
		    "line is longer than %d bytes", INV_MAX_LINE));
	}
	if (memchr(start, '\0', len) != NULL)
		return (inventory_parse_error(p, NULL, "line has a NUL byte"));
	memcpy(line, start, len);
	line[len] = '\0';
	s = line + strspn(line, " \t");
	if (*s == '#' || *s == ';')
		return (0);
	/* A comment after a value needs a space before its '#'. */
	for (hash = s; (hash = strchr(hash, '#')) != NULL; hash++) {
		if (hash != s && (hash[-1] == ' ' || hash[-1] == '\t')) {
			*hash = '\0';
			break;
		}
	}
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	if (*s == '\0')
		return (0);
	if (*s != '[')
		return (inventory_parse_key(p, s));
	if (inventory_parse_has_control(s)) {
		return (inventory_parse_error(p, NULL,
		    "section header has a control character"));
	}
	return (inventory_parse_section(p, s));
}

/* The platform's name when the file gives none: its file name, no extension. */
static char *
inventory_parse_default_name(const char *path)
{
	const char	*base, *dot;

	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		dot = base + strlen(base);
	if (dot == base)
		return (xstrdup("platform"));
	return (xstrndup(base, dot - base));
}

/* Lines are split here: a NUL byte or no newline at the end is no trouble. */
struct inventory *
inventory_parse(const char *path, const char *text, size_t len, int flags,
    char **cause)
{
	struct inv_parse	 p;
	struct inventory	*inv;
	const char		*end, *nl;
	size_t			 i, j;
	int			 ret = -1;

	if (path == NULL)
		path = "inventory";
	memset(&p, 0, sizeof p);
	p.path = path;
	p.flags = flags;
	p.cause = cause;
	p.inv = inv = xcalloc(1, sizeof *inv);
	inv->path = xstrdup(path);

	if (len > INVENTORY_MAX_SIZE) {
		xasprintf(cause, "%s: the file is larger than 4 MiB", path);
		goto out;
	}
	end = text + len;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3;
	while (text < end) {
		p.line++;
		if ((nl = memchr(text, '\n', end - text)) == NULL)
			nl = end;
		if (inventory_parse_line(&p, text, nl - text) != 0)
			goto out;
		text = nl + 1;
	}
	if (inventory_parse_end(&p) != 0 || inventory_parse_finish(&p) != 0)
		goto out;
	if (inv->name == NULL)
		inv->name = inventory_parse_default_name(path);
	ret = 0;
out:
	for (i = 0; i < inv->nservices; i++) {
		for (j = 0; j < p.extra[i].nov; j++) {
			free(p.extra[i].ov[j].endpoint);
			free(p.extra[i].ov[j].key);
			free(p.extra[i].ov[j].via_name);
			free(p.extra[i].ov[j].health);
		}
		free(p.extra[i].ov);
	}
	free(p.extra);
	free(p.secname);
	if (ret != 0) {
		inventory_free(inv);
		return (NULL);
	}
	return (inv);
}

/*
 * Inventory values: each check says yes or no, or fills in parts and says
 * why not. Messages here never quote a value that could be a secret.
 */
#include "config.h"

#include <sys/types.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/inventory-value.h"
#include "core/xmalloc.h"

#define INVENTORY_VALUE_MAX_MS	(10 * 60 * 1000)

/* Names are safe in messages, file names and URLs. */
int
inventory_value_name(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return (0);
	}
	return (1);
}

/* A service kind is what plugins call themselves. */
int
inventory_value_kind(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++) {
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && *s != '-')
			return (0);
	}
	return (1);
}

/* RFC 1123 host names; an all-numeric last label is a mistyped IPv4 address. */
static int
inventory_value_hostname(const char *s, size_t len)
{
	size_t	i, label = 0;
	int	alldigits = 1;

	if (len == 0 || len > 253)
		return (0);
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return (0);
			label = 0;
			alldigits = 1;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return (0);
		if (s[i] == '-' && label == 0)
			return (0);
		if (!isdigit((unsigned char)s[i]))
			alldigits = 0;
		if (++label > 63)
			return (0);
	}
	return (label != 0 && s[len - 1] != '-' && !alldigits);
}

/* Addresses go through inet_pton: every form the resolver takes is fine. */
int
inventory_value_host(const char *s)
{
	unsigned char	addr[16];

	if (inet_pton(AF_INET, s, addr) == 1 ||
	    inet_pton(AF_INET6, s, addr) == 1)
		return (1);
	return (inventory_value_hostname(s, strlen(s)));
}

/* Decimal digits only: no sign, no hex, no spaces. */
int
inventory_value_port(const char *s, int *port)
{
	long	n = 0;

	if (*s == '\0' || strlen(s) > 5)
		return (-1);
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return (-1);
		n = n * 10 + (*s - '0');
	}
	if (n < 1 || n > 65535)
		return (-1);
	*port = n;
	return (0);
}

/* Whole numbers with a unit keep the file readable: 250ms, 5s, 2m. */
int
inventory_value_duration(const char *s, int *ms)
{
	long long	 n = 0;
	const char	*p;

	for (p = s; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (*p - '0');
		if (n > INVENTORY_VALUE_MAX_MS)
			return (-1);
	}
	if (p == s)
		return (-1);
	if (strcmp(p, "ms") == 0)
		/* nothing */;
	else if (*p == '\0' || strcmp(p, "s") == 0)
		n *= 1000;
	else if (strcmp(p, "m") == 0)
		n *= 60 * 1000;
	else
		return (-1);
	if (n < 1 || n > INVENTORY_VALUE_MAX_MS)
		return (-1);
	*ms = n;
	return (0);
}

/* Edit distance counting a swap as one edit, for "did you mean". */
static int
inventory_value_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j;
	int	d[33][33], c, v;

	if (la > 32 || lb > 32)
		return (99);
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			c = a[i - 1] != b[j - 1];
			v = d[i - 1][j - 1] + c;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return (d[la][lb]);
}

/* A stride lets callers pass a field of an array of structs as words. */
const char *
inventory_value_closest(const char *word, const char *const *words, size_t n,
    size_t stride)
{
	const char	*best = NULL, *w;
	int		 bestd = 3, dist;
	size_t		 i;

	for (i = 0; i < n; i++) {
		memcpy(&w, (const char *)words + i * stride, sizeof w);
		if (w == NULL)
			continue;
		dist = inventory_value_distance(word, w);
		if (dist < bestd && (size_t)dist < strlen(word)) {
			best = w;
			bestd = dist;
		}
	}
	return (best);
}

/* The ports operators leave out; any other scheme must give one. */
static const char *
inventory_value_default_port(const char *scheme)
{
	static const struct {
		const char	*scheme;
		const char	*port;
	} defaults[] = {
		{ "http", "80" }, { "https", "443" }, { "postgresql", "5432" },
		{ "postgres", "5432" }, { "ssh", "22" },
	};
	size_t	i;

	for (i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		if (strcmp(scheme, defaults[i].scheme) == 0)
			return (defaults[i].port);
	}
	return (NULL);
}

/* Split host[:port] or [v6][:port] in place; *portstr is NULL if no port. */
static int
inventory_value_hostport(char *s, char **host, char **portstr, char **cause)
{
	unsigned char	 addr[16];
	char		*close, *colon;

	*portstr = NULL;
	if (*s == '[') {
		if ((close = strchr(s, ']')) == NULL) {
			*cause = xstrdup("bad URL: missing ']' after the IPv6"
			    " address");
			return (-1);
		}
		*close = '\0';
		*host = s + 1;
		if (inet_pton(AF_INET6, *host, addr) != 1) {
			xasprintf(cause, "bad URL: '%s' is not an IPv6 address",
			    *host);
			return (-1);
		}
		if (close[1] == ':')
			*portstr = close + 2;
		else if (close[1] != '\0') {
			*cause = xstrdup("bad URL: expected ':PORT' or '/'"
			    " after ']'");
			return (-1);
		}
		return (0);
	}
	*host = s;
	if ((colon = strchr(s, ':')) != NULL) {
		*colon = '\0';
		*portstr = colon + 1;
		if (strchr(*portstr, ':') != NULL) {
			*cause = xstrdup("bad URL: an IPv6 address goes in"
			    " brackets: http://[::1]:8123");
			return (-1);
		}
	}
	if (**host == '\0') {
		*cause = xstrdup("bad URL: no host");
		return (-1);
	}
	if (!inventory_value_host(*host)) {
		xasprintf(cause, "bad URL: host '%s' is not an IPv4 or IPv6"
		    " address or a host name", *host);
		return (-1);
	}
	return (0);
}

/* scheme://[user@]host[:port][/path], filling in the scheme's port. */
int
inventory_value_url(const char *url, struct inv_endpoint *ep, char **cause)
{
	const char	*sep, *rest, *slash, *s, *dport;
	char		*auth, *host, *at, *portstr, *scheme;
	int		 port = 0, ret = -1;

	if (strpbrk(url, " \t") != NULL) {
		*cause = xstrdup("bad URL: it contains a space");
		return (-1);
	}
	if ((sep = strstr(url, "://")) == NULL || sep == url) {
		*cause = xstrdup("bad URL: expected"
		    " scheme://[user@]host[:port][/path]");
		return (-1);
	}
	for (s = url; s < sep; s++) {
		if (islower((unsigned char)*s) || (s != url &&
		    (isdigit((unsigned char)*s) || strchr("+.-", *s) != NULL)))
			continue;
		*cause = xstrdup("bad URL: the scheme must be a lower-case"
		    " letter, then letters, digits, '+', '.' or '-'");
		return (-1);
	}
	rest = sep + 3;
	if ((slash = strchr(rest, '/')) == NULL)
		slash = rest + strlen(rest);
	auth = xstrndup(rest, slash - rest);
	scheme = xstrndup(url, sep - url);
	host = auth;
	if ((at = strrchr(auth, '@')) != NULL) {
		*at = '\0';
		if (strchr(auth, ':') != NULL) {
			*cause = xstrdup("a password does not belong in a URL;"
			    " use secret = env:NAME (or file:PATH or"
			    " cmd:COMMAND)");
			goto out;
		}
		if (*auth == '\0') {
			*cause = xstrdup("bad URL: empty user before '@'");
			goto out;
		}
		host = at + 1;
	}
	if (inventory_value_hostport(host, &host, &portstr, cause) != 0)
		goto out;
	if (portstr != NULL && inventory_value_port(portstr, &port) != 0) {
		xasprintf(cause, "bad port '%s' in URL (expected 1 to 65535)",
		    portstr);
		goto out;
	}
	dport = inventory_value_default_port(scheme);
	if (portstr == NULL && dport == NULL) {
		xasprintf(cause, "bad URL: %s:// has no default port, so give"
		    " one: %s://HOST:PORT", scheme, scheme);
		goto out;
	}

	ep->url = xstrdup(url);
	ep->scheme = scheme;
	scheme = NULL;
	ep->host = xstrdup(host);
	ep->port = portstr != NULL ? xprintf("%d", port) : xstrdup(dport);
	ep->path = xstrdup(slash);
	ep->user = at != NULL ? xstrdup(auth) : NULL;
	ret = 0;
out:
	free(scheme);
	free(auth);
	return (ret);
}

/* Only the name's characters are checked here: it may be defined later. */
int
inventory_value_via(const char *value, enum inv_via *via, char **name,
    char **cause)
{
	const char	*n = NULL;

	if (strcmp(value, "direct") == 0)
		*via = INV_VIA_DIRECT;
	else if (strcmp(value, "vpn") == 0)
		*via = INV_VIA_VPN;
	else if (strcmp(value, "ssh") == 0)
		*via = INV_VIA_SSH;
	else if (strncmp(value, "vpn:", 4) == 0) {
		*via = INV_VIA_VPN;
		n = value + 4;
	} else if (strncmp(value, "ssh:", 4) == 0) {
		*via = INV_VIA_SSH;
		n = value + 4;
	} else {
		xasprintf(cause, "'%s' is not a way to reach a service: use"
		    " direct, vpn, vpn:NAME, ssh or ssh:NODE", value);
		return (-1);
	}
	if (n != NULL && !inventory_value_name(n)) {
		xasprintf(cause, "'%s' is not a valid name (letters, digits,"
		    " '.', '_' and '-')", n);
		return (-1);
	}
	*name = n != NULL ? xstrdup(n) : NULL;
	return (0);
}

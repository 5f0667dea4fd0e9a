/*
 * The part of ~/.ssh/config the console honours: Host blocks with their
 * patterns, and HostName, User, Port, IdentityFile and ProxyJump. As in
 * OpenSSH the first value found for a keyword wins; Match blocks are
 * skipped, other keywords ignored.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backends/ssh-int.h"
#include "core/buf.h"
#include "core/xmalloc.h"

#define SSH_CONFIG_MAX_SIZE	(1024 * 1024)

/* Does a Host line's pattern list take this alias? A negated match vetoes. */
static int
ssh_config_match(const char *patterns, const char *alias)
{
	char	*copy, *word, *last;
	int	 yes = 0;

	copy = xstrdup(patterns);
	for (word = strtok_r(copy, " \t,", &last); word != NULL;
	    word = strtok_r(NULL, " \t,", &last)) {
		if (*word == '!') {
			if (fnmatch(word + 1, alias, 0) == 0) {
				yes = 0;
				break;
			}
		} else if (fnmatch(word, alias, 0) == 0)
			yes = 1;
	}
	free(copy);
	return (yes);
}

/* The value: unquoted, up to the first blank when not quoted. */
static char *
ssh_config_value(const char *v)
{
	const char	*end;

	if (*v == '"') {
		v++;
		if ((end = strchr(v, '"')) == NULL)
			end = v + strlen(v);
		return (xstrndup(v, (size_t)(end - v)));
	}
	end = v + strcspn(v, " \t");
	return (xstrndup(v, (size_t)(end - v)));
}

/* HostName may say %h for the alias, and %% for a percent sign. */
static char *
ssh_config_hostname(const char *v, const char *alias)
{
	struct buf	b;

	buf_init(&b);
	for (; *v != '\0'; v++) {
		if (v[0] == '%' && v[1] == 'h') {
			buf_adds(&b, alias);
			v++;
		} else if (v[0] == '%' && v[1] == '%') {
			buf_addc(&b, '%');
			v++;
		} else
			buf_addc(&b, *v);
	}
	return (buf_steal(&b));
}

/* Apply one keyword line inside a matching block; first value wins. */
static void
ssh_config_apply(struct ssh_config_host *h, const char *key, const char *rest,
    const char *alias)
{
	char	*v;
	long	 port;
	char	*end;

	if (*rest == '\0')
		return;
	v = ssh_config_value(rest);
	if (strcasecmp(key, "hostname") == 0 && h->hostname == NULL) {
		h->hostname = ssh_config_hostname(v, alias);
	} else if (strcasecmp(key, "user") == 0 && h->user == NULL) {
		h->user = v;
		v = NULL;
	} else if (strcasecmp(key, "port") == 0 && h->port == 0) {
		port = strtol(v, &end, 10);
		if (*end == '\0' && port > 0 && port < 65536)
			h->port = (int)port;
	} else if (strcasecmp(key, "identityfile") == 0 && h->identity == NULL) {
		h->identity = v;
		v = NULL;
	} else if (strcasecmp(key, "proxyjump") == 0 && h->proxyjump == NULL) {
		/* Only the first hop of a list, and without user@ or :port. */
		v[strcspn(v, ",")] = '\0';
		h->proxyjump = xstrdup(strchr(v, '@') != NULL ?
		    strchr(v, '@') + 1 : v);
		if (*h->proxyjump != '[')
			h->proxyjump[strcspn(h->proxyjump, ":")] = '\0';
	}
	free(v);
}

/* Read TEXT for ALIAS; fields already set are kept. Returns 0. */
int
ssh_config_lookup(const char *text, size_t len, const char *alias,
    struct ssh_config_host *h)
{
	const char	*p = text, *end = text + len, *nl;
	char		*line, *key, *rest;
	int		 active = 1;	/* lines before any Host apply to all */
	size_t		 n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		line = xstrndup(p, n);
		p += n + (nl != NULL);
		if (strlen(line) != n) {	/* a NUL inside: not text */
			free(line);
			continue;
		}
		for (key = line; *key == ' ' || *key == '\t'; key++)
			/* nothing */;
		n = strlen(key);
		while (n > 0 && isspace((unsigned char)key[n - 1]))
			key[--n] = '\0';
		if (*key == '\0' || *key == '#') {
			free(line);
			continue;
		}
		rest = key + strcspn(key, " \t=");
		if (*rest != '\0') {
			*rest++ = '\0';
			rest += strspn(rest, " \t");
			if (*rest == '=')
				rest++;
			rest += strspn(rest, " \t");
		}
		if (strcasecmp(key, "host") == 0)
			active = ssh_config_match(rest, alias);
		else if (strcasecmp(key, "match") == 0)
			active = 0;
		else if (active)
			ssh_config_apply(h, key, rest, alias);
		free(line);
	}
	return (0);
}

/* Read a config file for ALIAS; a missing or oversized file says nothing. */
int
ssh_config_lookup_file(const char *path, const char *alias,
    struct ssh_config_host *h)
{
	FILE	*f;
	char	*text;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	text = xmalloc(SSH_CONFIG_MAX_SIZE);
	n = fread(text, 1, SSH_CONFIG_MAX_SIZE, f);
	fclose(f);
	ssh_config_lookup(text, n, alias, h);
	free(text);
	return (0);
}

void
ssh_config_host_free(struct ssh_config_host *h)
{
	free(h->hostname);
	free(h->user);
	free(h->identity);
	free(h->proxyjump);
	memset(h, 0, sizeof *h);
}

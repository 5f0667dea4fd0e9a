/* Small helpers shared by every layer. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "core/buf.h"
#include "core/util.h"
#include "core/xmalloc.h"

/* Durations as operators write them: 250ms, 5s, 2m, 1h; a bare number is seconds. */
int
util_parse_duration(const char *s, int *ms, char **cause)
{
	char		*end;
	long long	 v, mult;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno != 0 || v < 0)
		goto bad;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	else
		goto bad;
	if (v > INT_MAX / mult)
		goto bad;
	*ms = (int)(v * mult);
	return (0);
bad:
	if (cause != NULL)
		xasprintf(cause, "bad duration '%s' (use 250ms, 5s, 2m or 1h)", s);
	return (-1);
}

void
util_format_duration(char *out, size_t len, int64_t ms)
{
	if (ms < 0)
		snprintf(out, len, "-");
	else if (ms < 1000)
		snprintf(out, len, "%lldms", (long long)ms);
	else if (ms < 60000)
		snprintf(out, len, "%.1fs", ms / 1000.0);
	else if (ms < 3600000)
		snprintf(out, len, "%lldm%02llds", (long long)(ms / 60000),
		    (long long)(ms / 1000 % 60));
	else if (ms < 86400000)
		snprintf(out, len, "%lldh%02lldm", (long long)(ms / 3600000),
		    (long long)(ms / 60000 % 60));
	else
		snprintf(out, len, "%lldd%02lldh", (long long)(ms / 86400000),
		    (long long)(ms / 3600000 % 24));
}

void
util_format_bytes(char *out, size_t len, int64_t n)
{
	static const char	*units = "KMGTPE";
	double			 v = (double)n;
	int			 u = -1;

	if (n < 1024) {
		snprintf(out, len, "%lldB", (long long)n);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(out, len, v < 10 ? "%.1f%ciB" : "%.0f%ciB", v, units[u]);
}

void
util_format_time(char *out, size_t len, int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "%lld", (long long)t);
}

static const char *
util_home(void)
{
	const char	*home = getenv("HOME");
	struct passwd	*pw;

	if (home != NULL && *home != '\0')
		return (home);
	if ((pw = getpwuid(getuid())) != NULL)
		return (pw->pw_dir);
	return ("/");
}

char *
util_xdg_dir(const char *kind)
{
	const char	*base;
	char		 var[32];

	snprintf(var, sizeof var, "XDG_%s_HOME", strcmp(kind, "config") == 0 ? "CONFIG" :
	    strcmp(kind, "state") == 0 ? "STATE" : "DATA");
	if ((base = getenv(var)) != NULL && *base == '/')
		return (xprintf("%s/platform-tui", base));
	if (strcmp(kind, "config") == 0)
		return (xprintf("%s/.config/platform-tui", util_home()));
	if (strcmp(kind, "state") == 0)
		return (xprintf("%s/.local/state/platform-tui", util_home()));
	return (xprintf("%s/.local/share/platform-tui", util_home()));
}

char *
util_xdg_path(const char *kind, const char *file)
{
	char	*dir, *path;

	dir = util_xdg_dir(kind);
	path = xprintf("%s/%s", dir, file);
	free(dir);
	return (path);
}

int
util_mkdir_p(const char *path, int mode)
{
	char	*p, *s;
	int	 rc = 0;

	p = xstrdup(path);
	for (s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST)
			rc = -1;
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return (rc);
}

char *
util_expand_home(const char *path)
{
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0'))
		return (xprintf("%s%s", util_home(), path + 1));
	return (xstrdup(path));
}

/* Decode one UTF-8 sequence; returns its length, or 0 if it is not valid. */
static size_t
util_utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
	size_t		n, i;
	unsigned	c = s[0], min;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2; *cp = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3; *cp = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4; *cp = c & 0x07; min = 0x10000;
	} else
		return (0);
	if (len < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return (0);
	return (n);
}

/*
 * Server data may hold escape sequences meant to take over the terminal:
 * show every control character as an escape and replace invalid UTF-8.
 */
void
util_sanitize(struct buf *b, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	unsigned		 cp;
	size_t			 n, i = 0;

	while (i < len) {
		if (u[i] < 0x80) {
			if (u[i] == '\t')
				buf_adds(b, "\\t");
			else if (u[i] == '\n')
				buf_adds(b, "\\n");
			else if (u[i] == '\r')
				buf_adds(b, "\\r");
			else if (u[i] < 0x20 || u[i] == 0x7f)
				buf_printf(b, "\\x%02x", u[i]);
			else
				buf_addc(b, (char)u[i]);
			i++;
			continue;
		}
		if ((n = util_utf8_decode(u + i, len - i, &cp)) == 0) {
			buf_adds(b, "\xef\xbf\xbd");	/* U+FFFD */
			i++;
			continue;
		}
		if ((cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 ||
		    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
			buf_printf(b, "\\u%04x", cp);	/* C1 controls, bidi overrides */
		else
			buf_add(b, s + i, n);
		i += n;
	}
}

size_t
util_width(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n, len = strlen(s), i = 0, w = 0;
	unsigned		 cp;
	int			 cw;

	while (i < len) {
		if (u[i] < 0x80) {
			w++;
			i++;
			continue;
		}
		if ((n = util_utf8_decode(u + i, len - i, &cp)) == 0) {
			w++;
			i++;
			continue;
		}
		cw = wcwidth((wchar_t)cp);
		w += cw >= 0 ? (size_t)cw : 1;
		i += n;
	}
	return (w);
}

const char *
util_user(void)
{
	struct passwd	*pw;
	const char	*u;

	if ((pw = getpwuid(getuid())) != NULL)
		return (pw->pw_name);
	if ((u = getenv("USER")) != NULL)
		return (u);
	return ("unknown");
}

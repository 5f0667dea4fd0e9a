/*
 * Parsers of what a node tells about itself: /proc/stat, meminfo, loadavg,
 * net/dev, uptime, osrelease and mounts as the kernel writes them, and the
 * output of docker ps and systemctl list-units. All of it is outside input:
 * anything malformed is skipped or refused, never trusted for sizes.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "backends/nodestat.h"
#include "core/xmalloc.h"

#define NODESTAT_MAX_CPUS	4096	/* more cpuN lines than this are ignored */
#define NODESTAT_MAX_IFS	1024
#define NODESTAT_MAX_MOUNTS	256
#define NODESTAT_MAX_ROWS	10000	/* containers or units */

/* A NUL-terminated copy to cut into lines (a NUL inside ends the text). */
static char *
nodestat_text(const char *data, size_t len)
{
	return (xstrndup(data != NULL ? data : "", data != NULL ? len : 0));
}

/* A decimal count; 0 if it is not one (overflow is not trusted either). */
static int
nodestat_u64(const char *s, uint64_t *out)
{
	unsigned long long	 v;
	char			*end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || (*end != '\0' && !isspace((unsigned char)*end)))
		return (-1);
	*out = v;
	return (0);
}

/* A finite, non-negative decimal number. */
static int
nodestat_double(const char *s, double *out)
{
	double	 v;
	char	*end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || v != v || v > 1e18)
		return (-1);
	*out = v;
	return (0);
}

/* Split a NUL-terminated text into lines in place; calls fn for each. */
static void
nodestat_lines(char *text, void (*fn)(char *, void *), void *arg)
{
	char	*line, *next = text;

	while ((line = next) != NULL && *line != '\0') {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		fn(line, arg);
	}
}

/* The words of one line, at most max, in place. */
static size_t
nodestat_split(char *line, char **w, size_t max)
{
	size_t	 n = 0;
	char	*s = line;

	while (n < max) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (*s == '\0')
			break;
		w[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
	return (n);
}

/* ------------------------------------------------------------ /proc/stat */

/* cpu and cpuN lines: busy is all ticks but idle and iowait. */
static void
nodestat_stat_line(char *line, void *arg)
{
	struct nodestat_sample	*s = arg;
	char			*w[12];
	uint64_t		 v[10], total = 0, idle;
	size_t			 n, i, idx;
	unsigned long		 core;
	char			*end;

	if (strncmp(line, "cpu", 3) != 0)
		return;
	if ((n = nodestat_split(line, w, 12)) < 5)
		return;
	if (strcmp(w[0], "cpu") == 0)
		idx = 0;
	else {
		errno = 0;
		if (!isdigit((unsigned char)w[0][3]))
			return;
		core = strtoul(w[0] + 3, &end, 10);
		if (errno != 0 || *end != '\0' || core >= NODESTAT_MAX_CPUS)
			return;
		idx = core + 1;
	}
	memset(v, 0, sizeof v);
	for (i = 1; i < n && i <= 10; i++) {
		if (nodestat_u64(w[i], &v[i - 1]) != 0)
			return;
	}
	/* guest and guest_nice are already counted in user and nice. */
	for (i = 0; i < 8; i++) {
		if (total + v[i] < total)
			return;
		total += v[i];
	}
	idle = v[3] + v[4];
	if (idx >= s->ncpus) {
		s->cpus = xreallocarray(s->cpus, idx + 1, sizeof *s->cpus);
		memset(s->cpus + s->ncpus, 0, (idx + 1 - s->ncpus) * sizeof *s->cpus);
		s->ncpus = idx + 1;
	}
	s->cpus[idx].total = total;
	s->cpus[idx].busy = idle <= total ? total - idle : 0;
	if (idx == 0)
		s->have |= NODESTAT_HAVE_CPU;
}

/* Only the cpu lines matter; intr, ctxt and the rest are skipped. */
int
nodestat_parse_stat(struct nodestat_sample *s, const char *data, size_t len)
{
	char	*text = nodestat_text(data, len);

	free(s->cpus);
	s->cpus = NULL;
	s->ncpus = 0;
	s->have &= ~NODESTAT_HAVE_CPU;
	nodestat_lines(text, nodestat_stat_line, s);
	free(text);
	return ((s->have & NODESTAT_HAVE_CPU) ? 0 : -1);
}

/* ------------------------------------------------------------ /proc/meminfo */

struct nodestat_mem {
	struct nodestat_sample	*s;
	int			 seen;		/* bits of the keys found */
};

/* One "Key: value kB" line, kept if it is one of ours. */
static void
nodestat_meminfo_line(char *line, void *arg)
{
	struct nodestat_mem	*m = arg;
	static const char *const keys[] = { "MemTotal:", "MemFree:", "MemAvailable:",
	    "SwapTotal:", "SwapFree:", "Buffers:", "Cached:" };
	uint64_t		*dst[7], v, buffers = 0, cached = 0;
	char			*w[3];
	size_t			 i, n;

	dst[0] = &m->s->mem_total;
	dst[1] = &m->s->mem_free;
	dst[2] = &m->s->mem_avail;
	dst[3] = &m->s->swap_total;
	dst[4] = &m->s->swap_free;
	dst[5] = &buffers;
	dst[6] = &cached;
	if ((n = nodestat_split(line, w, 3)) < 2)
		return;
	for (i = 0; i < 7; i++) {
		if (strcmp(w[0], keys[i]) != 0)
			continue;
		if (nodestat_u64(w[1], &v) != 0 || v > UINT64_MAX / 1024)
			return;
		if (n == 3 && strcmp(w[2], "kB") == 0)
			v *= 1024;
		*dst[i] = v;
		m->seen |= 1 << i;
		/* Kernels before 3.14 have no MemAvailable: free + buffers + cached. */
		if (i >= 5 && !(m->seen & 4))
			m->s->mem_avail += v;
		return;
	}
}

/* MemTotal is required; the rest default to what older kernels have. */
int
nodestat_parse_meminfo(struct nodestat_sample *s, const char *data, size_t len)
{
	struct nodestat_mem	 m = { s, 0 };
	char			*text = nodestat_text(data, len);

	s->mem_total = s->mem_free = s->mem_avail = s->swap_total = s->swap_free = 0;
	s->have &= ~NODESTAT_HAVE_MEM;
	nodestat_lines(text, nodestat_meminfo_line, &m);
	free(text);
	if (!(m.seen & 1))
		return (-1);
	if (!(m.seen & 4))
		s->mem_avail += s->mem_free;
	if (s->mem_avail > s->mem_total)
		s->mem_avail = s->mem_total;
	if (s->swap_free > s->swap_total)
		s->swap_free = s->swap_total;
	s->have |= NODESTAT_HAVE_MEM;
	return (0);
}

/* ------------------------------------------------------------ loadavg, uptime, osrelease */

/* The first three numbers; running/total and the last pid are not used. */
int
nodestat_parse_loadavg(struct nodestat_sample *s, const char *data, size_t len)
{
	char	*text = nodestat_text(data, len), *w[3];
	size_t	 i;

	s->have &= ~NODESTAT_HAVE_LOAD;
	if (nodestat_split(text, w, 3) == 3) {
		for (i = 0; i < 3; i++) {
			if (nodestat_double(w[i], &s->load[i]) != 0)
				break;
		}
		if (i == 3)
			s->have |= NODESTAT_HAVE_LOAD;
	}
	free(text);
	return ((s->have & NODESTAT_HAVE_LOAD) ? 0 : -1);
}

/* Seconds since boot, the first number. */
int
nodestat_parse_uptime(struct nodestat_sample *s, const char *data, size_t len)
{
	char	*text = nodestat_text(data, len), *w[1];

	s->have &= ~NODESTAT_HAVE_UPTIME;
	if (nodestat_split(text, w, 1) == 1 && nodestat_double(w[0], &s->uptime) == 0)
		s->have |= NODESTAT_HAVE_UPTIME;
	free(text);
	return ((s->have & NODESTAT_HAVE_UPTIME) ? 0 : -1);
}

/* The first line, trimmed, printable ASCII only. */
void
nodestat_parse_kernel(struct nodestat_sample *s, const char *data, size_t len)
{
	char	*text = nodestat_text(data, len), *p;

	free(s->kernel);
	if ((p = strchr(text, '\n')) != NULL)
		*p = '\0';
	for (p = text; *p != '\0'; p++) {
		if (*p < ' ' || *p > '~')
			*p = '?';
	}
	while (p > text && p[-1] == ' ')
		*--p = '\0';
	if (strlen(text) > 128)
		text[128] = '\0';
	s->kernel = text;
	if (*text == '\0') {
		free(text);
		s->kernel = NULL;
	}
}

/* ------------------------------------------------------------ /proc/net/dev */

/* IFACE: rx bytes ... (8 fields) tx bytes ...; header lines have a |. */
static void
nodestat_netdev_line(char *line, void *arg)
{
	struct nodestat_sample	*s = arg;
	struct nodestat_if	*ifp;
	char			*colon, *name, *w[16];
	uint64_t		 rx, tx;
	size_t			 n;

	if ((colon = strchr(line, ':')) == NULL || strchr(line, '|') != NULL)
		return;
	*colon = '\0';
	name = line;
	while (*name == ' ' || *name == '\t')
		name++;
	if (*name == '\0' || strlen(name) > 64 || s->nifs >= NODESTAT_MAX_IFS)
		return;
	if ((n = nodestat_split(colon + 1, w, 16)) < 9)
		return;
	if (nodestat_u64(w[0], &rx) != 0 || nodestat_u64(w[8], &tx) != 0)
		return;
	s->ifs = xreallocarray(s->ifs, s->nifs + 1, sizeof *s->ifs);
	ifp = &s->ifs[s->nifs++];
	ifp->name = xstrdup(name);
	ifp->rx = rx;
	ifp->tx = tx;
	ifp->rx_rate = ifp->tx_rate = -1;
}

/* Interfaces come and go between samples: each parse starts afresh. */
static void
nodestat_ifs_free(struct nodestat_sample *s)
{
	size_t	i;

	for (i = 0; i < s->nifs; i++)
		free(s->ifs[i].name);
	free(s->ifs);
	s->ifs = NULL;
	s->nifs = 0;
}

/* Every interface, lo too: rates leave lo out of the node's total. */
int
nodestat_parse_netdev(struct nodestat_sample *s, const char *data, size_t len)
{
	char	*text = nodestat_text(data, len);

	nodestat_ifs_free(s);
	s->have &= ~NODESTAT_HAVE_NET;
	nodestat_lines(text, nodestat_netdev_line, s);
	free(text);
	if (s->nifs == 0)
		return (-1);
	s->have |= NODESTAT_HAVE_NET;
	return (0);
}

/* ------------------------------------------------------------ /proc/mounts */

/* File systems with no disk behind them, or another view of one. */
static int
nodestat_mount_virtual(const char *type)
{
	static const char *const skip[] = { "proc", "sysfs", "tmpfs", "devtmpfs",
	    "devpts", "cgroup", "cgroup2", "overlay", "squashfs", "securityfs",
	    "pstore", "debugfs", "tracefs", "mqueue", "hugetlbfs", "fusectl",
	    "configfs", "bpf", "autofs", "binfmt_misc", "nsfs", "rpc_pipefs",
	    "ramfs", "efivarfs", "selinuxfs", "nfsd", "rootfs", "aufs", "shm",
	    "fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal", "iso9660", NULL };
	size_t	i;

	for (i = 0; skip[i] != NULL; i++) {
		if (strcmp(type, skip[i]) == 0)
			return (1);
	}
	return (0);
}

/* \040 and friends, as the kernel escapes spaces, tabs and newlines. */
static void
nodestat_unescape(char *s)
{
	char	*d = s;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			if (*d == '\0')
				*d = '?';
			d++;
			s += 4;
		} else
			*d++ = *s++;
	}
	*d = '\0';
}

/* Device, path, type: virtual file systems and second mounts are skipped. */
static void
nodestat_mounts_line(char *line, void *arg)
{
	struct nodestat_sample	*s = arg;
	struct nodestat_mount	*m;
	char			*w[4];
	size_t			 i;

	if (nodestat_split(line, w, 4) < 3 || s->nmounts >= NODESTAT_MAX_MOUNTS)
		return;
	if (nodestat_mount_virtual(w[2]) || w[1][0] != '/')
		return;
	nodestat_unescape(w[0]);
	nodestat_unescape(w[1]);
	/* A device mounted twice (bind mounts) is one disk: the first path. */
	for (i = 0; i < s->nmounts; i++) {
		if (strcmp(s->mounts[i].dev, w[0]) == 0 ||
		    strcmp(s->mounts[i].path, w[1]) == 0)
			return;
	}
	s->mounts = xreallocarray(s->mounts, s->nmounts + 1, sizeof *s->mounts);
	m = &s->mounts[s->nmounts++];
	memset(m, 0, sizeof *m);
	m->dev = xstrdup(w[0]);
	m->path = xstrdup(w[1]);
	m->type = xstrdup(w[2]);
}

/* Mounts are read again every minute. */
static void
nodestat_mounts_free(struct nodestat_sample *s)
{
	size_t	i;

	for (i = 0; i < s->nmounts; i++) {
		free(s->mounts[i].dev);
		free(s->mounts[i].path);
		free(s->mounts[i].type);
	}
	free(s->mounts);
	s->mounts = NULL;
	s->nmounts = 0;
}

/* The mounts worth a statvfs, in the kernel's order (/ first). */
int
nodestat_parse_mounts(struct nodestat_sample *s, const char *data, size_t len)
{
	char	*text = nodestat_text(data, len);

	nodestat_mounts_free(s);
	nodestat_lines(text, nodestat_mounts_line, s);
	free(text);
	return (s->nmounts != 0 ? 0 : -1);
}

/* Mounts and kernel are read less often: a new sample keeps the last ones. */
void
nodestat_sample_copy_mounts(struct nodestat_sample *dst,
    const struct nodestat_sample *src)
{
	size_t	i;

	nodestat_mounts_free(dst);
	if (src->nmounts != 0) {
		dst->mounts = xreallocarray(NULL, src->nmounts, sizeof *dst->mounts);
		for (i = 0; i < src->nmounts; i++) {
			dst->mounts[i] = src->mounts[i];
			dst->mounts[i].dev = xstrdup(src->mounts[i].dev);
			dst->mounts[i].path = xstrdup(src->mounts[i].path);
			dst->mounts[i].type = xstrdup(src->mounts[i].type);
		}
	}
	dst->nmounts = src->nmounts;
	dst->have = (dst->have & ~NODESTAT_HAVE_DISK) | (src->have & NODESTAT_HAVE_DISK);
	free(dst->kernel);
	dst->kernel = src->kernel != NULL ? xstrdup(src->kernel) : NULL;
}

/* The mount with the highest share used, or NULL. */
const struct nodestat_mount *
nodestat_sample_fullest(const struct nodestat_sample *s)
{
	const struct nodestat_mount	*best = NULL;
	size_t				 i;

	for (i = 0; i < s->nmounts; i++) {
		if (s->mounts[i].total == 0)
			continue;
		if (best == NULL || (double)s->mounts[i].used / s->mounts[i].total >
		    (double)best->used / best->total)
			best = &s->mounts[i];
	}
	return (best);
}

/* A sample owns its arrays; clearing leaves it ready to fill again. */
void
nodestat_sample_clear(struct nodestat_sample *s)
{
	free(s->cpus);
	free(s->busy);
	nodestat_ifs_free(s);
	nodestat_mounts_free(s);
	free(s->kernel);
	memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------ rates */

/* CPU percent per core and bytes per second, from two samples' counters. */
void
nodestat_sample_rates(struct nodestat_sample *cur, const struct nodestat_sample *prev)
{
	double		 secs;
	uint64_t	 db, dt;
	size_t		 i, j;

	free(cur->busy);
	cur->busy = xreallocarray(NULL, cur->ncpus + 1, sizeof *cur->busy);
	for (i = 0; i < cur->ncpus; i++)
		cur->busy[i] = -1;
	cur->rx_rate = cur->tx_rate = -1;
	if (prev == NULL)
		return;
	/* The same counters again (Prometheus has not scraped since): the same rates. */
	if (cur->ncpus > 0 && cur->ncpus == prev->ncpus && prev->busy != NULL &&
	    cur->cpus[0].total == prev->cpus[0].total) {
		memcpy(cur->busy, prev->busy, cur->ncpus * sizeof *cur->busy);
		cur->rx_rate = prev->rx_rate;
		cur->tx_rate = prev->tx_rate;
		for (i = 0; i < cur->nifs && i < prev->nifs; i++) {
			if (strcmp(cur->ifs[i].name, prev->ifs[i].name) == 0) {
				cur->ifs[i].rx_rate = prev->ifs[i].rx_rate;
				cur->ifs[i].tx_rate = prev->ifs[i].tx_rate;
			}
		}
		return;
	}
	for (i = 0; i < cur->ncpus && i < prev->ncpus; i++) {
		if (cur->cpus[i].total <= prev->cpus[i].total ||
		    cur->cpus[i].busy < prev->cpus[i].busy)
			continue;
		dt = cur->cpus[i].total - prev->cpus[i].total;
		db = cur->cpus[i].busy - prev->cpus[i].busy;
		cur->busy[i] = db > dt ? 100.0 : 100.0 * (double)db / (double)dt;
	}
	if (cur->at <= prev->at || !(cur->have & prev->have & NODESTAT_HAVE_NET))
		return;
	secs = (double)(cur->at - prev->at) / 1000.0;
	cur->rx_rate = cur->tx_rate = 0;
	for (i = 0; i < cur->nifs; i++) {
		for (j = 0; j < prev->nifs; j++) {
			if (strcmp(cur->ifs[i].name, prev->ifs[j].name) == 0)
				break;
		}
		/* A new interface, or counters that went back (reset): no rate yet. */
		if (j == prev->nifs || cur->ifs[i].rx < prev->ifs[j].rx ||
		    cur->ifs[i].tx < prev->ifs[j].tx)
			continue;
		cur->ifs[i].rx_rate = (double)(cur->ifs[i].rx - prev->ifs[j].rx) / secs;
		cur->ifs[i].tx_rate = (double)(cur->ifs[i].tx - prev->ifs[j].tx) / secs;
		if (strcmp(cur->ifs[i].name, "lo") == 0)
			continue;
		cur->rx_rate += cur->ifs[i].rx_rate;
		cur->tx_rate += cur->ifs[i].tx_rate;
	}
}

/* ------------------------------------------------------------ names */

/* Unit and container names: letters, digits and _.@:- only, so no quoting. */
int
nodestat_name_ok(const char *s)
{
	size_t	n;

	if (s == NULL || *s == '\0' || *s == '-' || (n = strlen(s)) > 200)
		return (0);
	return (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.@:-") == n);
}

/* ------------------------------------------------------------ docker ps */

/* A string field, or "" when docker left it out or gave another type. */
static char *
nodestat_json_str(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	if (json_is_string(v))
		return (xstrndup(json_string_value(v), json_string_length(v)));
	return (xstrdup(""));
}

/* "(healthy)", "(unhealthy)" or "(health: starting)" in docker's Status. */
static char *
nodestat_docker_health(const char *status)
{
	if (strstr(status, "(unhealthy)") != NULL)
		return (xstrdup("unhealthy"));
	if (strstr(status, "(healthy)") != NULL)
		return (xstrdup("healthy"));
	if (strstr(status, "(health: starting)") != NULL)
		return (xstrdup("starting"));
	return (xstrdup(""));
}

/* Rows of one listing, with their strings. */
void
nodestat_containers_free(struct nodestat_container *c, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(c[i].name);
		free(c[i].image);
		free(c[i].state);
		free(c[i].status);
		free(c[i].health);
		free(c[i].ports);
	}
	free(c);
}

/* One JSON object per line, as --format '{{json .}}' prints them. */
int
nodestat_parse_docker(const char *data, size_t len, struct nodestat_container **out,
    size_t *nout, char **cause)
{
	struct nodestat_container	*c = NULL, *x;
	size_t				 n = 0, off = 0, end, lineno = 0;
	json_t				*o;
	json_error_t			 jerr;

	while (off < len) {
		for (end = off; end < len && data[end] != '\n'; end++)
			;
		lineno++;
		if (end > off && !(end - off == 1 && data[off] == '\r')) {
			o = json_loadb(data + off, end - off, JSON_REJECT_DUPLICATES, &jerr);
			if (!json_is_object(o) || n >= NODESTAT_MAX_ROWS) {
				json_decref(o);
				nodestat_containers_free(c, n);
				xasprintf(cause, "docker ps: line %zu is not a JSON object",
				    lineno);
				return (-1);
			}
			c = xreallocarray(c, n + 1, sizeof *c);
			x = &c[n++];
			x->name = nodestat_json_str(o, "Names");
			x->image = nodestat_json_str(o, "Image");
			x->state = nodestat_json_str(o, "State");
			x->status = nodestat_json_str(o, "Status");
			x->ports = nodestat_json_str(o, "Ports");
			x->health = nodestat_docker_health(x->status);
			/* Docker before 1.13 has no State: the first word of Status. */
			if (*x->state == '\0' && *x->status != '\0') {
				free(x->state);
				x->state = xstrdup(strncmp(x->status, "Up", 2) == 0 ?
				    "running" : strncmp(x->status, "Exited", 6) == 0 ?
				    "exited" : "unknown");
			}
			json_decref(o);
		}
		off = end + 1;
	}
	*out = c;
	*nout = n;
	return (0);
}

/* ------------------------------------------------------------ systemctl */

/* Rows of one listing, with their strings. */
void
nodestat_units_free(struct nodestat_unit *u, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(u[i].name);
		free(u[i].load);
		free(u[i].active);
		free(u[i].sub);
		free(u[i].description);
	}
	free(u);
}

struct nodestat_units {
	struct nodestat_unit	*u;
	size_t			 n;
};

/* "UNIT LOAD ACTIVE SUB DESCRIPTION...", maybe after a "●" or "*" mark. */
static void
nodestat_units_line(char *line, void *arg)
{
	struct nodestat_units	*a = arg;
	struct nodestat_unit	*x;
	char			*w[4], *desc, *end;
	size_t			 n;

	while (*line == ' ')
		line++;
	if (strncmp(line, "\xe2\x97\x8f", 3) == 0)
		line += 3;
	else if (*line == '*')
		line++;
	end = line + strlen(line);
	if ((n = nodestat_split(line, w, 4)) < 4 || a->n >= NODESTAT_MAX_ROWS)
		return;
	/* The legend lines of a run without --no-legend. */
	if (strcmp(w[0], "UNIT") == 0 || strchr(w[0], '.') == NULL)
		return;
	desc = w[3] + strlen(w[3]);
	if (desc < end)
		desc++;
	while (*desc == ' ')
		desc++;
	a->u = xreallocarray(a->u, a->n + 1, sizeof *a->u);
	x = &a->u[a->n++];
	x->name = xstrdup(w[0]);
	x->load = xstrdup(w[1]);
	x->active = xstrdup(w[2]);
	x->sub = xstrdup(w[3]);
	x->description = xstrdup(desc);
}

/* JSON from systemd 246 and later, else the plain table. */
int
nodestat_parse_units(const char *data, size_t len, struct nodestat_unit **out,
    size_t *nout, char **cause)
{
	struct nodestat_units	 a = { NULL, 0 };
	struct nodestat_unit	*x;
	json_t			*arr, *o;
	json_error_t		 jerr;
	size_t			 i, off = 0;
	char			*text;

	while (off < len && isspace((unsigned char)data[off]))
		off++;
	if (off < len && data[off] == '[') {
		arr = json_loadb(data + off, len - off, JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_array(arr)) {
			json_decref(arr);
			xasprintf(cause, "systemctl: not a JSON array: %s", jerr.text);
			return (-1);
		}
		json_array_foreach(arr, i, o) {
			if (!json_is_object(o) || a.n >= NODESTAT_MAX_ROWS)
				continue;
			a.u = xreallocarray(a.u, a.n + 1, sizeof *a.u);
			x = &a.u[a.n++];
			x->name = nodestat_json_str(o, "unit");
			x->load = nodestat_json_str(o, "load");
			x->active = nodestat_json_str(o, "active");
			x->sub = nodestat_json_str(o, "sub");
			x->description = nodestat_json_str(o, "description");
		}
		json_decref(arr);
	} else {
		text = nodestat_text(data, len);
		nodestat_lines(text, nodestat_units_line, &a);
		free(text);
	}
	*out = a.u;
	*nout = a.n;
	return (0);
}

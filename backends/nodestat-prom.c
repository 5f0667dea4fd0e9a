/*
 * The Prometheus text exposition format, as node-exporter's /metrics (or
 * Prometheus's /federate for one instance) writes it, read into the same
 * sample the /proc parsers fill: CPU seconds per core and mode, memory,
 * load, network bytes, boot time, uname and file systems. Outside input:
 * a line that does not parse is skipped, and sizes are capped.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backends/nodestat.h"
#include "core/xmalloc.h"

#define PROM_MAX_LABELS	16
#define PROM_MAX_CPUS	4096
#define PROM_MAX_ITEMS	1024	/* interfaces, mounts */

struct prom_label {
	char		*name;
	char		*value;		/* unescaped, owned */
};

struct prom_line {
	char			*name;		/* points into the line */
	struct prom_label	 labels[PROM_MAX_LABELS];
	size_t			 nlabels;
	double			 value;
};

struct prom_state {
	struct nodestat_sample	*s;
	double			*cpu_all;	/* seconds per core, every mode */
	double			*cpu_idle;	/* idle + iowait */
	size_t			 ncpu;
	double			 boot;
	double			 now;
	int			 have_avail;	/* MemAvailable was given */
	uint64_t		 cache;		/* Buffers + Cached, for old kernels */
	int			 lines;		/* samples understood */
};

/* A label's value: the part between quotes, with \\, \" and \n undone. */
static char *
prom_value(const char **pp)
{
	const char	*p = *pp;
	char		*out, *d;

	if (*p != '"')
		return (NULL);
	d = out = xmalloc(strlen(p) + 1);
	for (p++; *p != '\0' && *p != '"'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			*d++ = *p == 'n' ? '\n' : *p;
		} else
			*d++ = *p;
	}
	*d = '\0';
	if (*p != '"') {
		free(out);
		return (NULL);
	}
	*pp = p + 1;
	return (out);
}

/* Label names and values are copies; the metric name points into the line. */
static void
prom_line_free(struct prom_line *l)
{
	size_t	i;

	for (i = 0; i < l->nlabels; i++) {
		free(l->labels[i].name);
		free(l->labels[i].value);
	}
	l->nlabels = 0;
}

/* name{a="b",...} value [timestamp]; -1 if it is not one. */
static int
prom_line_parse(char *line, struct prom_line *l)
{
	const char	*p;
	char		*end, *nend;
	size_t		 n;

	memset(l, 0, sizeof *l);
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '#' || *line == '\0')
		return (-1);
	l->name = line;
	n = strspn(line, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:");
	if (n == 0)
		return (-1);
	p = line + n;
	nend = line + n;
	if (*p == '{') {
		p++;
		for (;;) {
			while (*p == ' ' || *p == ',')
				p++;
			if (*p == '}') {
				p++;
				break;
			}
			n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
			if (n == 0 || p[n] != '=' || l->nlabels >= PROM_MAX_LABELS)
				goto bad;
			l->labels[l->nlabels].name = xstrndup(p, n);
			p += n + 1;
			if ((l->labels[l->nlabels].value = prom_value(&p)) == NULL) {
				free(l->labels[l->nlabels].name);
				goto bad;
			}
			l->nlabels++;
		}
	}
	if (*p != ' ' && *p != '\t')
		goto bad;
	p++;
	*nend = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	l->value = strtod(p, &end);
	if (end == p || (*end != '\0' && *end != ' ' && *end != '\t' && *end != '\r'))
		goto bad;
	return (0);
bad:
	prom_line_free(l);
	return (-1);
}

/* A label's value, or NULL when the line has no such label. */
static const char *
prom_label(const struct prom_line *l, const char *name)
{
	size_t	i;

	for (i = 0; i < l->nlabels; i++) {
		if (strcmp(l->labels[i].name, name) == 0)
			return (l->labels[i].value);
	}
	return (NULL);
}

/* A count that fits: finite, not negative, below 2^63. */
static int
prom_count(double v, uint64_t *out)
{
	if (!isfinite(v) || v < 0 || v >= 9.2e18)
		return (-1);
	*out = (uint64_t)v;
	return (0);
}

/* Seconds per core and mode, summed: busy is every mode but idle and iowait. */
static void
prom_cpu(struct prom_state *st, const struct prom_line *l)
{
	const char	*cpu = prom_label(l, "cpu"), *mode = prom_label(l, "mode");
	unsigned long	 n;
	char		*end;

	if (cpu == NULL || mode == NULL || !isdigit((unsigned char)*cpu) ||
	    !isfinite(l->value) || l->value < 0 || l->value > 1e15)
		return;
	n = strtoul(cpu, &end, 10);
	if (*end != '\0' || n >= PROM_MAX_CPUS)
		return;
	if (n >= st->ncpu) {
		st->cpu_all = xreallocarray(st->cpu_all, n + 1, sizeof *st->cpu_all);
		st->cpu_idle = xreallocarray(st->cpu_idle, n + 1, sizeof *st->cpu_idle);
		memset(st->cpu_all + st->ncpu, 0, (n + 1 - st->ncpu) * sizeof *st->cpu_all);
		memset(st->cpu_idle + st->ncpu, 0, (n + 1 - st->ncpu) * sizeof *st->cpu_idle);
		st->ncpu = n + 1;
	}
	st->cpu_all[n] += l->value;
	if (strcmp(mode, "idle") == 0 || strcmp(mode, "iowait") == 0)
		st->cpu_idle[n] += l->value;
}

/* Bytes per device; lo is kept here and left out of the totals like /proc's. */
static void
prom_net(struct prom_state *st, const struct prom_line *l, int tx)
{
	struct nodestat_sample	*s = st->s;
	const char		*dev = prom_label(l, "device");
	uint64_t		 v;
	size_t			 i;

	if (dev == NULL || *dev == '\0' || strlen(dev) > 64 || prom_count(l->value, &v) != 0)
		return;
	for (i = 0; i < s->nifs; i++) {
		if (strcmp(s->ifs[i].name, dev) == 0)
			break;
	}
	if (i == s->nifs) {
		if (s->nifs >= PROM_MAX_ITEMS)
			return;
		s->ifs = xreallocarray(s->ifs, s->nifs + 1, sizeof *s->ifs);
		memset(&s->ifs[i], 0, sizeof s->ifs[i]);
		s->ifs[i].name = xstrdup(dev);
		s->ifs[i].rx_rate = s->ifs[i].tx_rate = -1;
		s->nifs++;
	}
	if (tx)
		s->ifs[i].tx = v;
	else
		s->ifs[i].rx = v;
	s->have |= NODESTAT_HAVE_NET;
}

/* node_filesystem_{size,avail,free}_bytes: which = 0, 1, 2. */
static void
prom_fs(struct prom_state *st, const struct prom_line *l, int which)
{
	static const char *const skip[] = { "tmpfs", "overlay", "proc", "sysfs",
	    "devtmpfs", "squashfs", "ramfs", "nsfs", "autofs", "cgroup", "cgroup2",
	    NULL };
	struct nodestat_sample	*s = st->s;
	struct nodestat_mount	*m;
	const char		*dev = prom_label(l, "device");
	const char		*path = prom_label(l, "mountpoint");
	const char		*type = prom_label(l, "fstype");
	uint64_t		 v;
	size_t			 i;

	if (dev == NULL || path == NULL || type == NULL || *path != '/' ||
	    prom_count(l->value, &v) != 0)
		return;
	for (i = 0; skip[i] != NULL; i++) {
		if (strcmp(type, skip[i]) == 0)
			return;
	}
	for (i = 0; i < s->nmounts; i++) {
		if (strcmp(s->mounts[i].path, path) == 0)
			break;
		if (strcmp(s->mounts[i].dev, dev) == 0)
			return;		/* the same disk again (a bind mount) */
	}
	if (i == s->nmounts) {
		if (s->nmounts >= PROM_MAX_ITEMS)
			return;
		s->mounts = xreallocarray(s->mounts, s->nmounts + 1, sizeof *s->mounts);
		m = &s->mounts[s->nmounts++];
		memset(m, 0, sizeof *m);
		m->dev = xstrdup(dev);
		m->path = xstrdup(path);
		m->type = xstrdup(type);
	}
	m = &s->mounts[i];
	if (which == 0)
		m->total = v;
	else if (which == 1)
		m->avail = v;
	else
		m->used = v;	/* free for now; made used at the end */
	s->have |= NODESTAT_HAVE_DISK;
}

/* Only node_ metrics are read; go_ and process_ lines are skipped. */
static void
prom_sample(struct prom_state *st, const struct prom_line *l)
{
	struct nodestat_sample	*s = st->s;
	uint64_t		 v;
	const char		*n = l->name, *rel;

	if (strncmp(n, "node_", 5) != 0)
		return;
	n += 5;
	st->lines++;
	if (strcmp(n, "cpu_seconds_total") == 0)
		prom_cpu(st, l);
	else if (strcmp(n, "memory_MemTotal_bytes") == 0 && prom_count(l->value, &v) == 0) {
		s->mem_total = v;
		s->have |= NODESTAT_HAVE_MEM;
	} else if (strcmp(n, "memory_MemAvailable_bytes") == 0 && prom_count(l->value, &v) == 0) {
		s->mem_avail = v;
		st->have_avail = 1;
	} else if ((strcmp(n, "memory_Buffers_bytes") == 0 ||
	    strcmp(n, "memory_Cached_bytes") == 0) && prom_count(l->value, &v) == 0)
		st->cache = st->cache + v < st->cache ? UINT64_MAX : st->cache + v;
	else if (strcmp(n, "memory_MemFree_bytes") == 0 && prom_count(l->value, &v) == 0)
		s->mem_free = v;
	else if (strcmp(n, "memory_SwapTotal_bytes") == 0 && prom_count(l->value, &v) == 0)
		s->swap_total = v;
	else if (strcmp(n, "memory_SwapFree_bytes") == 0 && prom_count(l->value, &v) == 0)
		s->swap_free = v;
	else if (strncmp(n, "load", 4) == 0 && isfinite(l->value) && l->value >= 0) {
		if (strcmp(n + 4, "1") == 0)
			s->load[0] = l->value;
		else if (strcmp(n + 4, "5") == 0)
			s->load[1] = l->value;
		else if (strcmp(n + 4, "15") == 0)
			s->load[2] = l->value;
		else
			return;
		s->have |= NODESTAT_HAVE_LOAD;
	} else if (strcmp(n, "network_receive_bytes_total") == 0)
		prom_net(st, l, 0);
	else if (strcmp(n, "network_transmit_bytes_total") == 0)
		prom_net(st, l, 1);
	else if (strcmp(n, "boot_time_seconds") == 0 && isfinite(l->value))
		st->boot = l->value;
	else if (strcmp(n, "time_seconds") == 0 && isfinite(l->value))
		st->now = l->value;
	else if (strcmp(n, "uname_info") == 0 && (rel = prom_label(l, "release")) != NULL)
		nodestat_parse_kernel(s, rel, strlen(rel));
	else if (strcmp(n, "filesystem_size_bytes") == 0)
		prom_fs(st, l, 0);
	else if (strcmp(n, "filesystem_avail_bytes") == 0)
		prom_fs(st, l, 1);
	else if (strcmp(n, "filesystem_free_bytes") == 0)
		prom_fs(st, l, 2);
}

/* CPU seconds become ticks of 1/100 s, as /proc/stat counts them. */
static void
prom_finish(struct prom_state *st)
{
	struct nodestat_sample	*s = st->s;
	double			 all = 0, idle = 0;
	size_t			 i;

	if (st->ncpu != 0) {
		s->cpus = xcalloc(st->ncpu + 1, sizeof *s->cpus);
		s->ncpus = st->ncpu + 1;
		for (i = 0; i < st->ncpu; i++) {
			if (st->cpu_idle[i] > st->cpu_all[i])
				st->cpu_idle[i] = st->cpu_all[i];
			s->cpus[i + 1].total = (uint64_t)(st->cpu_all[i] * 100);
			s->cpus[i + 1].busy = (uint64_t)((st->cpu_all[i] - st->cpu_idle[i]) * 100);
			all += st->cpu_all[i];
			idle += st->cpu_idle[i];
		}
		s->cpus[0].total = (uint64_t)(all * 100);
		s->cpus[0].busy = (uint64_t)((all - idle) * 100);
		s->have |= NODESTAT_HAVE_CPU;
	}
	if (st->boot > 0 && st->now >= st->boot && st->now - st->boot < 1e10) {
		s->uptime = st->now - st->boot;
		s->have |= NODESTAT_HAVE_UPTIME;
	}
	if (!st->have_avail)
		s->mem_avail = s->mem_free + st->cache < s->mem_free ? UINT64_MAX :
		    s->mem_free + st->cache;
	if (s->mem_avail > s->mem_total)
		s->mem_avail = s->mem_total;
	if (s->swap_free > s->swap_total)
		s->swap_free = s->swap_total;
	for (i = 0; i < s->nmounts; i++) {
		/* used held the free bytes until now. */
		s->mounts[i].used = s->mounts[i].used <= s->mounts[i].total ?
		    s->mounts[i].total - s->mounts[i].used : 0;
		if (s->mounts[i].avail > s->mounts[i].total)
			s->mounts[i].avail = s->mounts[i].total;
	}
}

/* node-exporter's text, or /federate's with timestamps, into one sample. */
int
nodestat_parse_prom(struct nodestat_sample *s, const char *data, size_t len,
    char **cause)
{
	struct prom_state	 st;
	struct prom_line	 l;
	char			*text, *line, *next;
	uint64_t		 at = s->at;

	nodestat_sample_clear(s);
	s->at = at;
	memset(&st, 0, sizeof st);
	st.s = s;
	text = xstrndup(data != NULL ? data : "", data != NULL ? len : 0);
	for (next = text; (line = next) != NULL && *line != '\0';) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (prom_line_parse(line, &l) != 0)
			continue;
		prom_sample(&st, &l);
		prom_line_free(&l);
	}
	free(text);
	prom_finish(&st);
	free(st.cpu_all);
	free(st.cpu_idle);
	if (st.lines == 0) {
		*cause = xstrdup("no node_ metrics in the answer (is it node-exporter?)");
		return (-1);
	}
	return (0);
}

/*
 * Node figures: one long-lived sampler per node that reads /proc and
 * statvfs over the node's persistent SSH session (SFTP, no new process per
 * sample), or node-exporter's text from a metrics service over HTTP; and
 * every so often the node's containers and systemd units over exec. The
 * parsers of that outside text live in nodestat-proc.c and nodestat-prom.c.
 */
#ifndef NODESTAT_H
#define NODESTAT_H

#include <stddef.h>
#include <stdint.h>

struct http;
struct loop;
struct ssh_session;
struct nodestat;

#define NODESTAT_HISTORY	600	/* samples kept for sparklines */

struct nodestat_cpu {
	uint64_t	 busy;		/* ticks not idle or iowait */
	uint64_t	 total;		/* all ticks */
};

struct nodestat_if {
	char		*name;
	uint64_t	 rx;		/* bytes received since boot */
	uint64_t	 tx;
	double		 rx_rate;	/* bytes/s since the previous sample, -1 unknown */
	double		 tx_rate;
};

struct nodestat_mount {
	char		*dev;
	char		*path;
	char		*type;
	uint64_t	 total;		/* bytes; 0 until statvfs answered */
	uint64_t	 avail;		/* for unprivileged users */
	uint64_t	 used;		/* total - free */
};

struct nodestat_container {
	char		*name;
	char		*image;
	char		*state;		/* running, exited, restarting ... */
	char		*status;	/* "Up 2 hours (healthy)" */
	char		*health;	/* healthy, unhealthy, starting, or "" */
	char		*ports;
};

struct nodestat_unit {
	char		*name;
	char		*load;		/* loaded, not-found ... */
	char		*active;	/* active, failed, inactive ... */
	char		*sub;		/* running, exited, dead ... */
	char		*description;
};

/* What one sample holds: counters as read, and rates against the one before. */
#define NODESTAT_HAVE_CPU	0x1
#define NODESTAT_HAVE_MEM	0x2
#define NODESTAT_HAVE_LOAD	0x4
#define NODESTAT_HAVE_NET	0x8
#define NODESTAT_HAVE_UPTIME	0x10
#define NODESTAT_HAVE_DISK	0x20
struct nodestat_sample {
	int			 have;		/* NODESTAT_HAVE_* */
	uint64_t		 at;		/* loop_now ms */
	struct nodestat_cpu	*cpus;		/* [0] all, [1..] each core */
	size_t			 ncpus;
	uint64_t		 mem_total;	/* bytes */
	uint64_t		 mem_avail;
	uint64_t		 mem_free;
	uint64_t		 swap_total;
	uint64_t		 swap_free;
	double			 load[3];
	double			 uptime;	/* seconds */
	struct nodestat_if	*ifs;
	size_t			 nifs;
	struct nodestat_mount	*mounts;
	size_t			 nmounts;
	char			*kernel;	/* or NULL */
	/* From the previous sample; -1 when there is none yet. */
	double			*busy;		/* percent per cpus[] entry */
	double			 rx_rate;	/* bytes/s over every interface but lo */
	double			 tx_rate;
};

/* nodestat-proc.c: parsers of /proc text, docker and systemctl output. */
int	 nodestat_parse_stat(struct nodestat_sample *, const char *, size_t);
int	 nodestat_parse_meminfo(struct nodestat_sample *, const char *, size_t);
int	 nodestat_parse_loadavg(struct nodestat_sample *, const char *, size_t);
int	 nodestat_parse_netdev(struct nodestat_sample *, const char *, size_t);
int	 nodestat_parse_uptime(struct nodestat_sample *, const char *, size_t);
void	 nodestat_parse_kernel(struct nodestat_sample *, const char *, size_t);
/* Real file systems only (no proc, tmpfs, overlay ...), one per device. */
int	 nodestat_parse_mounts(struct nodestat_sample *, const char *, size_t);
int	 nodestat_parse_docker(const char *, size_t, struct nodestat_container **,
	     size_t *, char **cause);
/* systemctl list-units: its JSON array, or the --plain --no-legend text. */
int	 nodestat_parse_units(const char *, size_t, struct nodestat_unit **,
	     size_t *, char **cause);
/* Rates of cur against prev (NULL: none yet). */
void	 nodestat_sample_rates(struct nodestat_sample *cur,
	     const struct nodestat_sample *prev);
void	 nodestat_sample_clear(struct nodestat_sample *);
void	 nodestat_sample_copy_mounts(struct nodestat_sample *,
	     const struct nodestat_sample *);
const struct nodestat_mount *nodestat_sample_fullest(const struct nodestat_sample *);
void	 nodestat_containers_free(struct nodestat_container *, size_t);
void	 nodestat_units_free(struct nodestat_unit *, size_t);
/* A unit or container name safe to put in a shell command unquoted. */
int	 nodestat_name_ok(const char *);

/* nodestat-prom.c: the Prometheus text format of node-exporter (or /federate). */
int	 nodestat_parse_prom(struct nodestat_sample *, const char *, size_t,
	     char **cause);

/* The sampler. */
typedef void (*nodestat_cb)(struct nodestat *, void *arg);
struct nodestat_source {
	const char		*name;		/* the node's */
	struct ssh_session	*session;	/* or NULL with a metrics URL */
	struct http		*http;		/* with url */
	const char		*url;		/* node-exporter /metrics or prometheus /federate, or NULL */
	const char *const	*roles;		/* the node's roles, for units to list */
};
struct nodestat	*nodestat_new(struct loop *, const struct nodestat_source *,
		     nodestat_cb, void *);
void		 nodestat_free(struct nodestat *);
/* Sample every ms (default 1000); extras (containers, units) every ms, 0 = never. */
void		 nodestat_set_interval(struct nodestat *, int ms);
void		 nodestat_set_extras(struct nodestat *, int ms);
void		 nodestat_start(struct nodestat *);
void		 nodestat_stop(struct nodestat *);
void		 nodestat_refresh(struct nodestat *);	/* sample now, extras too */
void		 nodestat_sample_now(struct nodestat *);	/* figures only */
const char	*nodestat_name(const struct nodestat *);
struct ssh_session *nodestat_session(const struct nodestat *);
/* The latest sample with figures, or NULL before the first. */
const struct nodestat_sample *nodestat_last(const struct nodestat *);
uint64_t	 nodestat_count(const struct nodestat *);	/* samples taken */
uint64_t	 nodestat_mean_ms(const struct nodestat *);	/* ask to answer, on average */
/* Why the last sample failed, or NULL. */
const char	*nodestat_error(const struct nodestat *);
/* History, oldest first, into out[0..n): how many were filled. */
#define NODESTAT_SERIES_CPU	0
#define NODESTAT_SERIES_RX	1
#define NODESTAT_SERIES_TX	2
size_t		 nodestat_history(const struct nodestat *, int series, double *out,
		     size_t n);
/* Containers and units; NULL and *why ("no docker", an error) when none. */
const struct nodestat_container *nodestat_containers(const struct nodestat *,
		     size_t *, const char **why);
const struct nodestat_unit *nodestat_units(const struct nodestat *, size_t *,
		     const char **why);
/* The remote shell prefix for stand-ins ($PLATFORM_TUI_NODE_PATH), "" if none. */
const char	*nodestat_path_prefix(void);

#endif

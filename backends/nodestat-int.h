/* The sampler's insides, shared by nodestat.c (figures) and nodestat-extra.c (containers, units). */
#ifndef NODESTAT_INT_H
#define NODESTAT_INT_H

#include "core/buf.h"
#include "core/loop.h"

struct http_req;
struct ssh_exec;
struct ssh_xfer;

#define NODESTAT_OUT_MAX	(4 * 1024 * 1024)	/* docker or systemctl output */

enum nodestat_file {
	NODESTAT_STAT,
	NODESTAT_MEMINFO,
	NODESTAT_LOADAVG,
	NODESTAT_NETDEV,
	NODESTAT_UPTIME,
	NODESTAT_MOUNTS,
	NODESTAT_OSRELEASE,
	NODESTAT_NFILES
};

struct nodestat_req {
	struct nodestat		*ns;
	int			 index;		/* a file, or NODESTAT_NFILES + mount */
	int			 inflight;
	struct ssh_xfer		*x;
};

/* A docker or systemctl listing on the node. */
struct nodestat_extra {
	struct nodestat		*ns;
	int			 units;		/* 1: systemctl, 0: docker */
	struct ssh_exec		*ex;
	int			 inflight;
	struct buf		 out;
	struct buf		 err;
	char			*why;		/* "no docker", an error, or NULL */
	int			 have;		/* listed at least once */
};

struct nodestat {
	struct loop		*loop;
	char			*name;
	struct ssh_session	*session;
	struct http		*http;
	char			*url;
	char			*patterns;	/* unit patterns for systemctl */
	nodestat_cb		 cb;
	void			*arg;

	int			 interval_ms;
	int			 extras_ms;
	int			 running;
	struct loop_timer	 timer;
	struct loop_timer	 extras_timer;

	/* The sample being read. */
	struct nodestat_sample	 next;
	struct nodestat_req	 files[NODESTAT_NFILES];
	struct nodestat_req	*vfs;		/* one per mount of disk */
	size_t			 nvfs;
	int			 pending;	/* a sample is being read */
	int			 ask_file;	/* the next file to ask for */
	int			 ask_last;	/* and the end of them this time */
	size_t			 ask_vfs;	/* the next mount to statvfs */
	int			 give_up;	/* the session failed: no more questions */
	int			 extras_due;	/* list containers and units after this sample */
	char			*next_error;
	struct http_req		*req;

	struct nodestat_sample	 last;		/* the latest with figures */
	int			 have_last;
	uint64_t		 count;
	uint64_t		 spent_ms;	/* from asking to the last answer, summed */
	char			*error;
	struct nodestat_sample	 disk;		/* mounts with sizes, kernel */
	uint64_t		 mounts_at;
	uint64_t		 disk_at;

	double			 hist[3][NODESTAT_HISTORY];
	size_t			 hhead;		/* next slot */
	size_t			 hcount;

	struct nodestat_extra	 docker;
	struct nodestat_extra	 units;
	struct nodestat_container *conts;
	size_t			 nconts;
	struct nodestat_unit	*unitlist;
	size_t			 nunits;
};

char	*nodestat_extra_patterns(const char *const *roles);
void	 nodestat_extra_cancel(struct nodestat_extra *);
void	 nodestat_extra_clear(struct nodestat_extra *);
void	 nodestat_extra_tick(void *);

#endif

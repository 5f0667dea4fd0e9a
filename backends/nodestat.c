/*
 * The node sampler: one per node, living as long as its user (the Nodes
 * pane, node status, node watch). Each tick reads a few /proc files over
 * the node's shared SSH session with SFTP, which is one channel opened once,
 * so a sample costs a few packets and no process on the node; or it fetches
 * node-exporter's text when the inventory names a metrics service. Mounts,
 * kernel and disk use change slowly and are read less often; containers and
 * units cost a process each and are listed every extras period only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/http.h"
#include "backends/nodestat.h"
#include "backends/nodestat-int.h"
#include "backends/ssh.h"
#include "core/buf.h"
#include "core/loop.h"
#include "core/xmalloc.h"

#define NODESTAT_MOUNTS_MS	60000	/* mounts and kernel read again */
#define NODESTAT_DISK_MS	10000	/* statvfs of every mount again */
#define NODESTAT_FILE_MAX	(1024 * 1024)	/* a /proc file larger is refused */

static const char *const nodestat_paths[NODESTAT_NFILES] = {
	"/proc/stat", "/proc/meminfo", "/proc/loadavg", "/proc/net/dev",
	"/proc/uptime", "/proc/mounts", "/proc/sys/kernel/osrelease",
};

static void	nodestat_tick(void *);

/*
 * Stand-ins for docker and systemctl in tests: a directory first on the
 * remote PATH.
 */
const char *
nodestat_path_prefix(void)
{
	static char	 prefix[1100];
	const char	*dir = getenv("PLATFORM_TUI_NODE_PATH");

	if (dir == NULL || *dir == '\0' || strlen(dir) > 1000 ||
	    strpbrk(dir, "'\\\n") != NULL)
		return ("");
	snprintf(prefix, sizeof prefix, "PATH='%s':\"$PATH\"; export PATH; ", dir);
	return (prefix);
}

/*
 * A sampler that does nothing until nodestat_start, so its owner can set
 * intervals first.
 */
struct nodestat *
nodestat_new(struct loop *loop, const struct nodestat_source *src, nodestat_cb cb,
    void *arg)
{
	struct nodestat	*ns;
	int		 i;

	ns = xcalloc(1, sizeof *ns);
	ns->loop = loop;
	ns->name = xstrdup(src->name);
	ns->session = src->session;
	ns->http = src->http;
	ns->url = src->url != NULL ? xstrdup(src->url) : NULL;
	ns->patterns = nodestat_extra_patterns(src->roles);
	ns->cb = cb;
	ns->arg = arg;
	ns->interval_ms = 1000;
	ns->extras_ms = 15000;
	loop_timer_init(&ns->timer, loop, nodestat_tick, ns);
	loop_timer_init(&ns->extras_timer, loop, nodestat_extra_tick, ns);
	for (i = 0; i < NODESTAT_NFILES; i++) {
		ns->files[i].ns = ns;
		ns->files[i].index = i;
	}
	ns->docker.ns = ns->units.ns = ns;
	ns->units.units = 1;
	buf_init(&ns->docker.out);
	buf_init(&ns->docker.err);
	buf_init(&ns->units.out);
	buf_init(&ns->units.err);
	return (ns);
}

/* Stop whatever is in flight: no callback comes after this. */
static void
nodestat_cancel(struct nodestat *ns)
{
	size_t	i;

	for (i = 0; i < NODESTAT_NFILES; i++) {
		if (ns->files[i].inflight && ns->files[i].x != NULL)
			ssh_xfer_cancel(ns->files[i].x);
		ns->files[i].inflight = 0;
		ns->files[i].x = NULL;
	}
	for (i = 0; i < ns->nvfs; i++) {
		if (ns->vfs[i].inflight && ns->vfs[i].x != NULL)
			ssh_xfer_cancel(ns->vfs[i].x);
	}
	free(ns->vfs);
	ns->vfs = NULL;
	ns->nvfs = 0;
	if (ns->req != NULL)
		http_req_cancel(ns->req);
	ns->req = NULL;
	ns->pending = 0;
	free(ns->next_error);
	ns->next_error = NULL;
	nodestat_sample_clear(&ns->next);
}

/* Cancel everything in flight first: no callback may reach a freed sampler. */
void
nodestat_free(struct nodestat *ns)
{
	if (ns == NULL)
		return;
	loop_timer_stop(&ns->timer);
	loop_timer_stop(&ns->extras_timer);
	nodestat_cancel(ns);
	nodestat_extra_clear(&ns->docker);
	nodestat_extra_clear(&ns->units);
	nodestat_containers_free(ns->conts, ns->nconts);
	nodestat_units_free(ns->unitlist, ns->nunits);
	nodestat_sample_clear(&ns->last);
	nodestat_sample_clear(&ns->disk);
	free(ns->error);
	free(ns->url);
	free(ns->patterns);
	free(ns->name);
	free(ns);
}

/* Under 100 ms a node would spend more time answering than idle. */
void
nodestat_set_interval(struct nodestat *ns, int ms)
{
	ns->interval_ms = ms < 100 ? 100 : ms;
}

/* Containers and units cost a process on the node: their own, slower period. */
void
nodestat_set_extras(struct nodestat *ns, int ms)
{
	ns->extras_ms = ms;
	if (ms <= 0)
		loop_timer_stop(&ns->extras_timer);
}

/*
 * The first sample at once, so a pane or command has figures in one round
 * trip.
 */
void
nodestat_start(struct nodestat *ns)
{
	if (ns->running)
		return;
	ns->running = 1;
	ns->extras_due = 1;	/* after the first sample: its SFTP channel opens alone */
	nodestat_tick(ns);
}

/* Keep the figures and history but ask the node nothing more. */
void
nodestat_stop(struct nodestat *ns)
{
	ns->running = 0;
	loop_timer_stop(&ns->timer);
	loop_timer_stop(&ns->extras_timer);
}

/* Sample now, not at the next tick: the timer restarts from here. */
void
nodestat_sample_now(struct nodestat *ns)
{
	if (!ns->running)
		return;
	loop_timer_stop(&ns->timer);
	if (ns->pending == 0)
		nodestat_tick(ns);
	else
		loop_timer_start(&ns->timer, (uint64_t)ns->interval_ms);
}

/* The r key: figures, containers and units now. */
void
nodestat_refresh(struct nodestat *ns)
{
	loop_timer_stop(&ns->timer);
	if (ns->pending == 0)
		nodestat_tick(ns);
	else if (ns->running)
		loop_timer_start(&ns->timer, (uint64_t)ns->interval_ms);
	if (ns->session != NULL && ns->extras_ms > 0) {
		loop_timer_stop(&ns->extras_timer);
		nodestat_extra_tick(ns);
	}
}

/* ------------------------------------------------------------ one sample */

/* The sparklines read this ring: one point per sample, oldest overwritten. */
static void
nodestat_push(struct nodestat *ns, const struct nodestat_sample *s)
{
	ns->hist[NODESTAT_SERIES_CPU][ns->hhead] = s->busy != NULL && s->ncpus > 0 ?
	    s->busy[0] : -1;
	ns->hist[NODESTAT_SERIES_RX][ns->hhead] = s->rx_rate;
	ns->hist[NODESTAT_SERIES_TX][ns->hhead] = s->tx_rate;
	ns->hhead = (ns->hhead + 1) % NODESTAT_HISTORY;
	if (ns->hcount < NODESTAT_HISTORY)
		ns->hcount++;
}

/* Every answer of a sample is in: figures against the last, then tell. */
static void
nodestat_finish(struct nodestat *ns)
{
	struct nodestat_sample	*n = &ns->next;
	size_t			 i;

	ns->pending = 0;
	free(ns->error);
	ns->error = ns->next_error;
	ns->next_error = NULL;
	if (ns->url == NULL) {
		/* statvfs answers went to the disk copy; every sample carries it. */
		for (i = 0; i < ns->disk.nmounts; i++) {
			if (ns->disk.mounts[i].total != 0)
				ns->disk.have |= NODESTAT_HAVE_DISK;
		}
		nodestat_sample_copy_mounts(n, &ns->disk);
	}
	free(ns->vfs);
	ns->vfs = NULL;
	ns->nvfs = 0;
	if (n->have & (NODESTAT_HAVE_CPU | NODESTAT_HAVE_MEM)) {
		nodestat_sample_rates(n, ns->have_last ? &ns->last : NULL);
		nodestat_sample_clear(&ns->last);
		ns->last = *n;
		memset(n, 0, sizeof *n);
		ns->have_last = 1;
		ns->count++;
		ns->spent_ms += loop_now(ns->loop) - ns->last.at;
		nodestat_push(ns, &ns->last);
	} else {
		nodestat_sample_clear(n);
		if (ns->error == NULL)
			ns->error = xstrdup("the node sent no figures");
	}
	if (ns->running)
		loop_timer_start(&ns->timer, (uint64_t)ns->interval_ms);
	if (ns->extras_due && ns->running && ns->extras_ms > 0 && ns->session != NULL) {
		ns->extras_due = 0;
		nodestat_extra_tick(ns);
	}
	if (ns->cb != NULL)
		ns->cb(ns, ns->arg);	/* last: it may free the sampler */
}

/*
 * The first error of a sample is the one shown: later ones are usually its
 * echo.
 */
static void
nodestat_fail(struct nodestat *ns, const char *what, const char *msg)
{
	if (ns->next_error == NULL)
		xasprintf(&ns->next_error, "%s: %s", what, msg != NULL ? msg : "failed");
}

static void	nodestat_ask(struct nodestat *);

/* A session that is not there fails every request: the sample ends now. */
static void
nodestat_answered(struct nodestat *ns, enum ssh_error error)
{
	if (error != SSH_OK && error != SSH_ERR_SFTP)
		ns->give_up = 1;
	nodestat_ask(ns);
}

/*
 * Sizes go to the disk copy, which every sample carries until the next
 * statvfs.
 */
static void
nodestat_statvfs_done(const struct ssh_statvfs *st, enum ssh_error error,
    const char *msg, void *arg)
{
	struct nodestat_req	*r = arg;
	struct nodestat		*ns = r->ns;
	struct nodestat_mount	*m;
	size_t			 i = (size_t)(r->index - NODESTAT_NFILES);

	r->inflight = 0;
	r->x = NULL;
	if (i < ns->disk.nmounts) {
		m = &ns->disk.mounts[i];
		if (error == SSH_OK && st != NULL) {
			m->total = st->total;
			m->avail = st->avail;
			m->used = st->free <= st->total ? st->total - st->free : 0;
		} else
			nodestat_fail(ns, m->path, msg != NULL ? msg : ssh_error_string(error));
	}
	nodestat_answered(ns, error);
}

/* Each file is parsed as it comes; a bad one spoils only its own figures. */
static void
nodestat_file_done(struct ssh_xfer *x, enum ssh_error error, const char *msg,
    const char *data, size_t len, void *arg)
{
	struct nodestat_req	*r = arg;
	struct nodestat		*ns = r->ns;
	struct nodestat_sample	*n = &ns->next;
	int			 bad = 0;

	(void)x;
	r->inflight = 0;
	r->x = NULL;
	if (error != SSH_OK)
		nodestat_fail(ns, nodestat_paths[r->index], msg != NULL ? msg :
		    ssh_error_string(error));
	else {
		switch (r->index) {
		case NODESTAT_STAT:
			bad = nodestat_parse_stat(n, data, len);
			break;
		case NODESTAT_MEMINFO:
			bad = nodestat_parse_meminfo(n, data, len);
			break;
		case NODESTAT_LOADAVG:
			bad = nodestat_parse_loadavg(n, data, len);
			break;
		case NODESTAT_NETDEV:
			bad = nodestat_parse_netdev(n, data, len);
			break;
		case NODESTAT_UPTIME:
			bad = nodestat_parse_uptime(n, data, len);
			break;
		case NODESTAT_MOUNTS:
			nodestat_parse_mounts(&ns->disk, data, len);
			ns->mounts_at = loop_now(ns->loop);
			ns->disk_at = 0;	/* new mounts: sizes now */
			break;
		case NODESTAT_OSRELEASE:
			nodestat_parse_kernel(&ns->disk, data, len);
			break;
		}
		if (bad)
			nodestat_fail(ns, nodestat_paths[r->index], "not in the kernel's format");
	}
	nodestat_answered(ns, error);
}

/*
 * Ask the sample's next question: the files, then (every NODESTAT_DISK_MS)
 * statvfs of each mount. One at a time: the SSH layer runs one SFTP
 * request sequence at a time per session anyway (libssh2 1.10 keeps their
 * state per SFTP session), so asking more at once would only queue them
 * ahead of other users' requests.
 */
static void
nodestat_ask(struct nodestat *ns)
{
	struct nodestat_req	*r;
	struct ssh_xfer		*x;
	uint64_t		 now = loop_now(ns->loop);
	int			 timeout = ns->interval_ms * 5 + 5000;
	size_t			 i;

	if (ns->give_up) {
		nodestat_finish(ns);
		return;
	}
	if (ns->ask_file < ns->ask_last) {
		r = &ns->files[ns->ask_file++];
		r->inflight = 1;
		x = ssh_sftp_get(ns->session, nodestat_paths[r->index], NODESTAT_FILE_MAX,
		    timeout, nodestat_file_done, r);
		if (r->inflight)
			r->x = x;
		return;
	}
	if (ns->vfs == NULL) {
		if (ns->disk.nmounts == 0 || (ns->disk_at != 0 &&
		    now - ns->disk_at < NODESTAT_DISK_MS)) {
			nodestat_finish(ns);
			return;
		}
		ns->disk_at = now;
		ns->vfs = xcalloc(ns->disk.nmounts + 1, sizeof *ns->vfs);
		ns->nvfs = ns->disk.nmounts;
		ns->ask_vfs = 0;
	}
	if (ns->ask_vfs < ns->nvfs) {
		i = ns->ask_vfs++;
		r = &ns->vfs[i];
		r->ns = ns;
		r->index = NODESTAT_NFILES + (int)i;
		r->inflight = 1;
		x = ssh_sftp_statvfs(ns->session, ns->disk.mounts[i].path, timeout,
		    nodestat_statvfs_done, r);
		if (r->inflight)
			r->x = x;
		return;
	}
	nodestat_finish(ns);
}

/* node-exporter or Prometheus answered: the same sample, from its text. */
static void
nodestat_http_done(struct http_req *req, const struct http_result *res, void *arg)
{
	struct nodestat	*ns = arg;
	char		*cause = NULL;
	uint64_t	 at = ns->next.at;

	(void)req;
	ns->req = NULL;
	ns->pending = 0;
	if (res->error != HTTP_OK)
		nodestat_fail(ns, ns->url, res->message != NULL ? res->message :
		    http_error_string(res->error));
	else if (res->status != 200)
		xasprintf(&ns->next_error, "%s: HTTP %ld", ns->url, res->status);
	else if (nodestat_parse_prom(&ns->next, buf_str(res->body), res->body->len,
	    &cause) != 0) {
		nodestat_fail(ns, ns->url, cause);
		free(cause);
	}
	ns->next.at = at;
	nodestat_finish(ns);
}

/*
 * A tick while the last sample is still out is skipped, so a slow node is
 * not flooded.
 */
static void
nodestat_tick(void *arg)
{
	struct nodestat	*ns = arg;
	uint64_t	 now = loop_now(ns->loop);

	if (ns->pending != 0)
		return;
	nodestat_sample_clear(&ns->next);
	ns->next.at = now;
	if (ns->url != NULL) {
		ns->pending = 1;
		ns->req = http_req_new(ns->http, ns->url);
		http_req_timeout(ns->req, ns->interval_ms * 5 + 5000);
		http_req_start(ns->req, nodestat_http_done, ns);
		return;
	}
	ns->pending = 1;
	ns->give_up = 0;
	ns->ask_file = 0;
	ns->ask_last = ns->mounts_at == 0 || now - ns->mounts_at >= NODESTAT_MOUNTS_MS ?
	    NODESTAT_NFILES : NODESTAT_MOUNTS;
	nodestat_ask(ns);
}

/* ------------------------------------------------------------ what it knows */

/* The node this sampler reads, for messages and views. */
const char *
nodestat_name(const struct nodestat *ns)
{
	return (ns->name);
}

/* The session, so callers show its state (connecting, lost, retry in N s). */
struct ssh_session *
nodestat_session(const struct nodestat *ns)
{
	return (ns->session);
}

/* The latest sample that had figures: a failed one never replaces it. */
const struct nodestat_sample *
nodestat_last(const struct nodestat *ns)
{
	return (ns->have_last ? &ns->last : NULL);
}

/* Samples with figures so far: node status waits for two. */
uint64_t
nodestat_count(const struct nodestat *ns)
{
	return (ns->count);
}

/* How long a sample takes from asking to the last answer, on average. */
uint64_t
nodestat_mean_ms(const struct nodestat *ns)
{
	return (ns->count != 0 ? ns->spent_ms / ns->count : 0);
}

/* Why the last sample lacked something, or NULL when it was whole. */
const char *
nodestat_error(const struct nodestat *ns)
{
	return (ns->error);
}

/* Copied out, oldest first, so drawing never sees the ring wrap. */
size_t
nodestat_history(const struct nodestat *ns, int series, double *out, size_t n)
{
	size_t	i, have = ns->hcount < n ? ns->hcount : n, start;

	if (series < 0 || series > 2)
		return (0);
	start = (ns->hhead + NODESTAT_HISTORY - have) % NODESTAT_HISTORY;
	for (i = 0; i < have; i++)
		out[i] = ns->hist[series][(start + i) % NODESTAT_HISTORY];
	return (have);
}

/* Borrowed rows, valid until the next listing. */
const struct nodestat_container *
nodestat_containers(const struct nodestat *ns, size_t *n, const char **why)
{
	*n = ns->nconts;
	*why = ns->docker.why != NULL ? ns->docker.why :
	    !ns->docker.have ? (ns->session == NULL ? "no SSH session" : "listing...") : NULL;
	return (ns->conts);
}

/* Borrowed rows, valid until the next listing. */
const struct nodestat_unit *
nodestat_units(const struct nodestat *ns, size_t *n, const char **why)
{
	*n = ns->nunits;
	*why = ns->units.why != NULL ? ns->units.why :
	    !ns->units.have ? (ns->session == NULL ? "no SSH session" : "listing...") : NULL;
	return (ns->unitlist);
}

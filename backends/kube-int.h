/*
 * Inside the Kubernetes client: what kube.c, kube-informer.c and
 * kube-lines.c share and nothing else sees.
 */
#ifndef KUBE_INT_H
#define KUBE_INT_H

#include <sys/queue.h>

#include "core/buf.h"
#include "backends/kube.h"

#define KUBE_LINE_MAX	(64 * 1024 * 1024)	/* one watch event, at most */

/* A stream cut into lines however its chunks fall. */
struct kube_lines {
	struct buf	 buf;		/* the unfinished last line */
	size_t		 max;		/* longer lines are an error */
};
typedef int (*kube_line_cb)(const char *, size_t, void *arg);	/* -1 stops */
void	kube_lines_init(struct kube_lines *, size_t max);
void	kube_lines_clear(struct kube_lines *);
/* Calls cb for each complete non-empty line (no newline, no CR); -1 on stop or overlong. */
int	kube_lines_feed(struct kube_lines *, const char *, size_t, kube_line_cb, void *);

TAILQ_HEAD(kube_reqs, kube_req);
LIST_HEAD(kube_informers, kube_informer);

struct kube {
	struct loop		*loop;
	struct http		*http;
	struct kube_config	 cfg;		/* a copy, owned */
	char			*base;		/* server without a trailing slash */
	int			 timeout_ms;	/* for plain requests */
	struct kube_reqs	 reqs;		/* running requests */
	struct kube_informers	 informers;
};

/* A streamed GET for informers: lines to line_cb; the done callback sees errors. */
struct kube_req	*kube_watch(struct kube *, const char *path, int timeout_ms,
		    kube_line_cb, kube_done_cb, void *);
/* The kube_error of a Status object (or of a bare HTTP status). */
void	kube_error_status(struct kube_error *, long status, json_t *body);
void	kube_informers_free(struct kube *);
/* Base64 as kubeconfigs hold it (whitespace ignored); NULL if malformed. */
char	*kube_config_base64(const char *, size_t *outlen);

#endif

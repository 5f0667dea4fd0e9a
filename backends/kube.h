/*
 * Kubernetes API client on the event loop (over backends/http.c): the
 * kubeconfig k3s writes, list+watch informers that keep a collection
 * current without polling, pod logs, events, delete, and the Spark
 * Operator's SparkApplications with the Spark UI through the service proxy.
 */
#ifndef KUBE_H
#define KUBE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct loop;
struct http;
struct kube;
struct kube_informer;
struct kube_req;

/* One context of a kubeconfig, resolved: what a client needs to connect. */
struct kube_config {
	char		*server;	/* https://host:port */
	char		*ca_pem;	/* certificate-authority-data decoded, or NULL */
	char		*ca_file;	/* certificate-authority path, or NULL */
	char		*cert_pem;	/* client-certificate-data decoded, or NULL */
	char		*key_pem;	/* client-key-data decoded, or NULL (a secret) */
	char		*cert_file;
	char		*key_file;
	char		*token;		/* bearer token, or NULL (a secret) */
	char		*namespace;	/* context namespace, or NULL */
	char		*context;	/* the context's name */
	int		 insecure;	/* insecure-skip-tls-verify: true */
};

/* Parse kubeconfig YAML (libyaml); CONTEXT NULL = current-context. */
int		 kube_config_parse(const char *text, size_t len, const char *context,
		     struct kube_config *, char **cause);
int		 kube_config_load(const char *path, const char *context,
		     struct kube_config *, char **cause);
void		 kube_config_clear(struct kube_config *);
/* Puts a context's CA, client certificate and key, or token on a request. */
struct http_req;
void		 kube_config_http(const struct kube_config *, struct http_req *);

/*
 * The client for an inventory service of kind kube or spark: its
 * kubeconfig (service key "kubeconfig", optional "context"), or its
 * endpoint + ca-file + secret (bearer token). NULL and *cause on error.
 */
struct cmd_env;
struct kube	*kube_for_service(struct cmd_env *, const char *service, char **cause);
struct kube	*kube_new(struct loop *, const struct kube_config *, int timeout_ms);
void		 kube_free(struct kube *);	/* cancels requests and informers */
const char	*kube_namespace(const struct kube *);	/* default namespace */

/* Errors in the exit-code terms of DESIGN.md section 6. */
struct kube_error {
	int		 exit;		/* CMD_EXIT_*; 0 = none */
	long		 status;	/* HTTP status, or 0 */
	const char	*reason;	/* Status.reason ("NotFound", "Expired"), or NULL */
	const char	*message;	/* human text */
};

/*
 * One request: body is the parsed JSON (NULL on error or for text). Done
 * callbacks run outside curl and may do anything; a kube_data_cb runs
 * inside curl's write callback, where no request may be started.
 */
typedef void (*kube_done_cb)(struct kube_req *, const struct kube_error *,
		    json_t *body, void *arg);
typedef int (*kube_data_cb)(const char *, size_t, void *arg);	/* -1 stops */
struct kube_req	*kube_get(struct kube *, const char *path, kube_done_cb, void *);
struct kube_req	*kube_delete(struct kube *, const char *path, kube_done_cb, void *);
struct kube_req	*kube_post(struct kube *, const char *path, json_t *body,
		     kube_done_cb, void *);
/* Logs: text streamed to data; tail < 0 = all; container NULL = the only/first. */
struct kube_log_opts {
	const char	*container;
	int		 follow;
	int		 previous;
	long		 tail_lines;	/* < 0: all */
};
struct kube_req	*kube_logs(struct kube *, const char *ns, const char *pod,
		     const struct kube_log_opts *, kube_data_cb, kube_done_cb, void *);
void		 kube_req_cancel(struct kube_req *);
/* Percent-encodes a path segment or query value (selectors, names); caller frees. */
char		*kube_escape(const char *);

/*
 * An informer: lists PATH (e.g. "/api/v1/pods", "/api/v1/namespaces/N/pods",
 * "/apis/sparkoperator.k8s.io/v1beta2/namespaces/N/sparkapplications") in
 * pages of `limit`, then watches from the list's resourceVersion with
 * bookmarks; restarts a closed watch from the last version seen and lists
 * again on 410 Expired. The store holds the current objects by
 * namespace/name. The callback sees each change after the store has it:
 * a (re)list reports what differs from the store (ADDED, MODIFIED,
 * DELETED), then SYNCED. It runs outside curl (watch lines are queued and
 * applied from a timer), so it may start requests and stop the informer.
 */
enum kube_event {
	KUBE_EV_ADDED,
	KUBE_EV_MODIFIED,
	KUBE_EV_DELETED,
	KUBE_EV_SYNCED,		/* the (re)list is complete: the store is whole */
	KUBE_EV_ERROR,		/* a list or watch failed; it retries with backoff */
};
typedef void (*kube_informer_cb)(struct kube_informer *, enum kube_event,
		    json_t *obj, const struct kube_error *, void *arg);
struct kube_informer *kube_informer_start(struct kube *, const char *path,
		     const char *label_selector, kube_informer_cb, void *);
void		 kube_informer_stop(struct kube_informer *);
/*
 * What the store keeps of each object: the transform returns a new
 * reference (obj itself increfed, or a smaller copy that keeps
 * metadata.name and namespace). Set it right after start. kube_pod_trim
 * keeps what kube_pod_row reads: a third of a full pod's memory.
 */
typedef json_t *(*kube_transform_cb)(json_t *obj, void *arg);
void		 kube_informer_set_transform(struct kube_informer *, kube_transform_cb,
		     void *);
json_t		*kube_pod_trim(json_t *pod, void *arg);
/* The watch's timeoutSeconds (default 300): tests set a few to see restarts. */
void		 kube_informer_set_timeout(struct kube_informer *, int seconds);
size_t		 kube_informer_size(const struct kube_informer *);
json_t		*kube_informer_at(const struct kube_informer *, size_t);	/* borrowed; order unspecified */
json_t		*kube_informer_get(const struct kube_informer *, const char *ns,
		     const char *name);	/* borrowed, or NULL */
int		 kube_informer_synced(const struct kube_informer *);
unsigned	 kube_informer_relists(const struct kube_informer *);	/* 410s seen, for tests */
unsigned	 kube_informer_restarts(const struct kube_informer *);	/* watches reopened */

/* Spark Operator: SparkApplications and their pods, as rows. */
#define KUBE_SPARK_GROUP	"/apis/sparkoperator.k8s.io/v1beta2"
/* The labels the pipeline sets on a SparkApplication (see platform-tui(1)). */
#define KUBE_LABEL_DAG		"platform-tui/dag-id"
#define KUBE_LABEL_RUN		"platform-tui/run-id"
#define KUBE_LABEL_TASK		"platform-tui/task-id"

struct kube_app_row {
	const char	*name;		/* all borrowed from the object */
	const char	*namespace;
	const char	*state;		/* applicationState.state, "" = NEW */
	const char	*error;		/* applicationState.errorMessage, or NULL */
	int64_t		 submitted;	/* unix seconds, or 0 */
	int64_t		 finished;	/* terminationTime, or 0 */
	const char	*driver_pod;	/* driverInfo.podName, or NULL */
	const char	*ui_service;	/* driverInfo.webUIServiceName, or NULL */
	long		 ui_port;
	const char	*app_id;	/* status.sparkApplicationId, or NULL */
	int		 executors_running;
	int		 executors_total;
	const char	*dag_id;	/* the labels above, or NULL */
	const char	*run_id;
	const char	*task_id;
};
void		 kube_app_row(json_t *app, struct kube_app_row *);

struct kube_pod_row {
	const char	*name;
	const char	*namespace;
	const char	*phase;		/* or "Terminating" with a deletionTimestamp */
	int		 ready;		/* containers ready */
	int		 containers;
	int		 restarts;
	const char	*node;
	int64_t		 created;	/* unix seconds */
	const char	*reason;	/* waiting reason or last termination reason, or NULL */
	const char	*role;		/* spark-role label: driver, executor, or NULL */
	const char	*app;		/* sparkoperator.k8s.io/app-name label, or NULL */
};
void		 kube_pod_row(json_t *pod, struct kube_pod_row *);

/* RFC 3339 to unix seconds; 0 if absent or malformed. */
int64_t		 kube_time(const char *);

#endif

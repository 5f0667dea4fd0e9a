/* What the spark commands share between their files (plugins/spark/). */
#ifndef SPARK_CMD_H
#define SPARK_CMD_H

#include <jansson.h>

struct cmd;
struct kube;
struct kube_req;
struct kube_error;
struct kube_informer;
struct loop_timer;

/* One running spark command. */
struct spark_run {
	struct cmd		*cmd;
	struct kube		*kube;
	struct kube_req		*req;		/* in flight, or NULL */
	struct kube_informer	*inf;		/* spark watch, or NULL */
	char			*ns;		/* the namespace, or NULL with -A */
	char			*name;		/* APP or POD argument */
	json_t			*app;		/* the application, when fetched */
	json_t			*names;		/* events: object names to show */
	char			*pod;		/* logs: the pod */
	int			 tries;		/* restart: create attempts */
	int			 apps;		/* listing applications, not pods */
	struct loop_timer	*timer;		/* watch --for, restart retries */
	void			(*next)(struct spark_run *, const struct kube_error *);
	void			*extra;		/* the command's own */
};

/* Opens the client and reads -A, --namespace, --service; NULL with the error set. */
struct spark_run *spark_open(struct cmd *);
void		 spark_end(struct spark_run *);	/* finish the command and free */
void		 spark_cancel(struct cmd *);
/* The error of a request, as the command's error, then spark_end. */
void		 spark_fail(struct spark_run *, const struct kube_error *, const char *what);
/* "/apis/.../namespaces/N/sparkapplications" or the all-namespaces path. */
char		*spark_apps_path(const struct spark_run *, const char *name);
char		*spark_pods_path(const struct spark_run *, const char *name);
/* A label value as the pipeline writes it: [A-Za-z0-9._-], 63 at most. */
char		*spark_label_safe(const char *);
/* Starts GET app, then calls next with the app in r->app (404: r->app NULL). */
void		 spark_get_app(struct spark_run *,
		     void (*next)(struct spark_run *, const struct kube_error *));

extern const struct cmd_entry spark_cmd_logs, spark_cmd_describe, spark_cmd_events,
		    spark_cmd_delete, spark_cmd_restart, spark_cmd_ui;

#endif

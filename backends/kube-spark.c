/*
 * SparkApplications and their pods as rows: the fields the pane and the
 * spark commands show, read once from the objects the API returns.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/kube.h"

/* A string member, or NULL. */
static const char *
kube_spark_str(json_t *obj, const char *key)
{
	return (json_string_value(json_object_get(obj, key)));
}

/* RFC 3339 ("2026-11-25T11:44:13Z", fractions and offsets too) to unix seconds. */
int64_t
kube_time(const char *s)
{
	struct tm	 tm;
	const char	*p;
	int64_t		 t;
	int		 sign, hh, mm, n = 0;

	if (s == NULL)
		return (0);
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
		return (0);
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_year < 1970)
		return (0);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = (int64_t)timegm(&tm);
	p = s + n;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (*p == 'Z' || *p == 'z')
		return (p[1] == '\0' ? t : 0);
	if (*p != '+' && *p != '-')
		return (0);
	sign = *p == '-' ? -1 : 1;
	if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 || n != 5 || p[6] != '\0' ||
	    hh > 23 || mm > 59)
		return (0);
	return (t - sign * (hh * 3600 + mm * 60));
}

/* The row of a SparkApplication; every string is borrowed from app. */
void
kube_app_row(json_t *app, struct kube_app_row *row)
{
	json_t		*md = json_object_get(app, "metadata");
	json_t		*labels = json_object_get(md, "labels");
	json_t		*st = json_object_get(app, "status");
	json_t		*as = json_object_get(st, "applicationState");
	json_t		*di = json_object_get(st, "driverInfo");
	json_t		*ex = json_object_get(st, "executorState"), *v;
	const char	*k, *s;

	memset(row, 0, sizeof *row);
	row->name = kube_spark_str(md, "name");
	row->namespace = kube_spark_str(md, "namespace");
	if ((row->state = kube_spark_str(as, "state")) == NULL)
		row->state = "";
	if ((s = kube_spark_str(as, "errorMessage")) != NULL && *s != '\0')
		row->error = s;
	if ((row->submitted = kube_time(kube_spark_str(st, "lastSubmissionAttemptTime"))) == 0)
		row->submitted = kube_time(kube_spark_str(md, "creationTimestamp"));
	row->finished = kube_time(kube_spark_str(st, "terminationTime"));
	row->driver_pod = kube_spark_str(di, "podName");
	row->ui_service = kube_spark_str(di, "webUIServiceName");
	v = json_object_get(di, "webUIPort");
	row->ui_port = json_is_integer(v) ? (long)json_integer_value(v) :
	    json_is_string(v) ? strtol(json_string_value(v), NULL, 10) : 0;
	row->app_id = kube_spark_str(st, "sparkApplicationId");
	json_object_foreach(ex, k, v) {
		row->executors_total++;
		if ((s = json_string_value(v)) != NULL && strcmp(s, "RUNNING") == 0)
			row->executors_running++;
	}
	row->dag_id = kube_spark_str(labels, KUBE_LABEL_DAG);
	row->run_id = kube_spark_str(labels, KUBE_LABEL_RUN);
	row->task_id = kube_spark_str(labels, KUBE_LABEL_TASK);
}

/* The reason a person wants to see: waiting now, else the last termination. */
static const char *
kube_pod_reason(json_t *cs)
{
	json_t		*state = json_object_get(cs, "state");
	json_t		*last = json_object_get(cs, "lastState");
	const char	*r;

	if ((r = kube_spark_str(json_object_get(state, "waiting"), "reason")) != NULL)
		return (r);
	if ((r = kube_spark_str(json_object_get(state, "terminated"), "reason")) != NULL)
		return (r);
	return (kube_spark_str(json_object_get(last, "terminated"), "reason"));
}

/* The row of a pod as kubectl get pods would summarise it. */
void
kube_pod_row(json_t *pod, struct kube_pod_row *row)
{
	json_t		*md = json_object_get(pod, "metadata");
	json_t		*labels = json_object_get(md, "labels");
	json_t		*st = json_object_get(pod, "status");
	json_t		*spec = json_object_get(pod, "spec");
	json_t		*css = json_object_get(st, "containerStatuses"), *cs, *v;
	const char	*r;
	size_t		 i;

	memset(row, 0, sizeof *row);
	row->name = kube_spark_str(md, "name");
	row->namespace = kube_spark_str(md, "namespace");
	if ((row->phase = kube_spark_str(st, "phase")) == NULL)
		row->phase = "Unknown";
	if (json_object_get(md, "deletionTimestamp") != NULL &&
	    !json_is_null(json_object_get(md, "deletionTimestamp")))
		row->phase = "Terminating";
	row->containers = (int)json_array_size(json_object_get(spec, "containers"));
	json_array_foreach(css, i, cs) {
		if (json_is_true(json_object_get(cs, "ready")))
			row->ready++;
		v = json_object_get(cs, "restartCount");
		if (json_is_integer(v))
			row->restarts += (int)json_integer_value(v);
		if (row->reason == NULL && (r = kube_pod_reason(cs)) != NULL)
			row->reason = r;
	}
	if (row->reason == NULL && (r = kube_spark_str(st, "reason")) != NULL)
		row->reason = r;
	row->node = kube_spark_str(spec, "nodeName");
	row->created = kube_time(kube_spark_str(md, "creationTimestamp"));
	row->role = kube_spark_str(labels, "spark-role");
	row->app = kube_spark_str(labels, "sparkoperator.k8s.io/app-name");
}

/* Copies the members of src named in keys (NULL-terminated) into dst. */
static void
kube_trim_copy(json_t *dst, json_t *src, const char *const *keys)
{
	json_t	*v;

	for (; *keys != NULL; keys++) {
		if ((v = json_object_get(src, *keys)) != NULL)
			json_object_set(dst, *keys, v);
	}
}

/* A pod with only what kube_pod_row and the panes read, for informer stores. */
json_t *
kube_pod_trim(json_t *pod, void *arg)
{
	static const char *const md_keys[] = { "name", "namespace", "uid", "labels",
	    "resourceVersion", "creationTimestamp", "deletionTimestamp", NULL };
	static const char *const st_keys[] = { "phase", "reason", "message",
	    "startTime", "podIP", NULL };
	static const char *const cs_keys[] = { "name", "ready", "restartCount",
	    "state", "lastState", NULL };
	json_t	*out = json_object(), *md = json_object(), *spec = json_object();
	json_t	*st = json_object(), *cs, *c, *n, *src;
	size_t	 i;

	(void)arg;
	kube_trim_copy(out, pod, (const char *const[]){ "apiVersion", "kind", NULL });
	kube_trim_copy(md, json_object_get(pod, "metadata"), md_keys);
	json_object_set_new(out, "metadata", md);
	src = json_object_get(pod, "spec");
	kube_trim_copy(spec, src, (const char *const[]){ "nodeName", NULL });
	cs = json_array();
	json_array_foreach(json_object_get(src, "containers"), i, c) {
		n = json_object();
		kube_trim_copy(n, c, (const char *const[]){ "name", NULL });
		json_array_append_new(cs, n);
	}
	json_object_set_new(spec, "containers", cs);
	json_object_set_new(out, "spec", spec);
	src = json_object_get(pod, "status");
	kube_trim_copy(st, src, st_keys);
	cs = json_array();
	json_array_foreach(json_object_get(src, "containerStatuses"), i, c) {
		n = json_object();
		kube_trim_copy(n, c, cs_keys);
		json_array_append_new(cs, n);
	}
	json_object_set_new(st, "containerStatuses", cs);
	json_object_set_new(out, "status", st);
	return (out);
}

/* Unit tests of the Kubernetes client's pure parts: kubeconfig, lines, rows, times. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "core/buf.h"
#include "core/cmd.h"
#include "core/inventory.h"
#include "core/loop.h"
#include "core/xmalloc.h"
#include "backends/kube-int.h"
#include "tap.h"

/* "-----BEGIN CERTIFICATE-----\nCA\n" and friends, base64. */
#define CA_B64		"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCg=="
#define CERT_B64	"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNFUlQK"
#define KEY_B64		"LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCktFWQo="

static const char k3s[] =
    "apiVersion: v1\n"
    "clusters:\n"
    "- cluster:\n"
    "    certificate-authority-data: " CA_B64 "\n"
    "    server: https://127.0.0.1:6443\n"
    "  name: default\n"
    "- cluster:\n"
    "    server: \"https://10.0.0.1:6443/\"\n"
    "    insecure-skip-tls-verify: true\n"
    "    certificate-authority: ca.pem\n"
    "  name: other\n"
    "contexts:\n"
    "- context:\n"
    "    cluster: default\n"
    "    user: default\n"
    "  name: default\n"
    "- {name: prod, context: {cluster: other, user: robot, namespace: spark-jobs}}\n"
    "current-context: default\n"
    "kind: Config\n"
    "preferences: {}\n"
    "users:\n"
    "- name: default\n"
    "  user:\n"
    "    client-certificate-data: " CERT_B64 "\n"
    "    client-key-data: >-\n"
    "      LS0tLS1CRUdJTiBFQyBQUklWQVRF\n"
    "      IEtFWS0tLS0tCktFWQo=\n"
    "- name: robot\n"
    "  user:\n"
    "    token: 'abc.def'\n";

/* The k3s layout, another context by name, and flow style. */
static void
test_config(void)
{
	struct kube_config	 kc;
	char			*cause = NULL;

	ok(kube_config_parse(k3s, strlen(k3s), NULL, &kc, &cause) == 0,
	    "k3s kubeconfig parses (%s)", cause ? cause : "");
	is_str(kc.context, "default", "current-context is used");
	is_str(kc.server, "https://127.0.0.1:6443", "server");
	is_str(kc.ca_pem, "-----BEGIN CERTIFICATE-----\nCA\n", "CA data decoded");
	is_str(kc.cert_pem, "-----BEGIN CERTIFICATE-----\nCERT\n", "client cert decoded");
	is_str(kc.key_pem, "-----BEGIN EC PRIVATE KEY-----\nKEY\n",
	    "client key decoded from a folded scalar");
	ok(kc.token == NULL && kc.namespace == NULL && !kc.insecure, "no token, namespace");
	kube_config_clear(&kc);

	ok(kube_config_parse(k3s, strlen(k3s), "prod", &kc, &cause) == 0,
	    "a named context in flow style parses");
	is_str(kc.server, "https://10.0.0.1:6443/", "quoted server");
	is_str(kc.token, "abc.def", "token");
	is_str(kc.namespace, "spark-jobs", "context namespace");
	is_str(kc.ca_file, "ca.pem", "certificate-authority file");
	ok(kc.insecure, "insecure-skip-tls-verify");
	ok(kc.cert_pem == NULL && kc.key_pem == NULL, "no client certificate");
	kube_config_clear(&kc);
}

/* Parses text expecting failure; the cause must mention want. */
static void
test_bad(const char *text, const char *context, const char *want, const char *what)
{
	struct kube_config	 kc;
	char			*cause = NULL;

	ok(kube_config_parse(text, strlen(text), context, &kc, &cause) == -1 &&
	    cause != NULL && strstr(cause, want) != NULL, "%s refused", what);
	if (cause == NULL || strstr(cause, want) == NULL)
		printf("#   cause: %s\n", cause ? cause : "(none)");
	free(cause);
}

/* What kubeconfigs get wrong, each with a message naming it. */
static void
test_config_errors(void)
{
	test_bad("", NULL, "not a YAML mapping", "an empty file");
	test_bad("- a\n- b\n", NULL, "not a YAML mapping", "a list");
	test_bad("a: [1, 2\n", NULL, "line", "broken YAML");
	test_bad(k3s, "nope", "no context named 'nope'", "an unknown context");
	test_bad("contexts: []\n", NULL, "no current-context", "no current context");
	test_bad("current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n",
	    NULL, "no cluster named 'c'", "a missing cluster");
	test_bad("current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n"
	    "clusters:\n- name: c\n  cluster: {server: 'ftp://x'}\n",
	    NULL, "not an http(s) URL", "a bad server");
	test_bad("current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n"
	    "clusters:\n- name: c\n  cluster: {server: 'https://x', certificate-authority-data: '!!'}\n"
	    "users:\n- name: u\n  user: {token: t}\n",
	    NULL, "not base64", "bad base64");
	test_bad("current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n"
	    "clusters:\n- name: c\n  cluster: {server: 'https://x'}\n"
	    "users:\n- name: u\n  user: {exec: {command: aws}}\n",
	    NULL, "not supported", "exec credentials");
	test_bad("current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n"
	    "clusters:\n- name: c\n  cluster: {server: 'https://x'}\n"
	    "users:\n- name: u\n  user: {client-certificate: c.pem}\n",
	    NULL, "needs its key", "a certificate without a key");
	test_bad("a: &x [*x]\n", NULL, "", "a recursive alias");
}

/* Base64 with wrapping, padding and junk. */
static void
test_base64(void)
{
	char	*s;
	size_t	 n;

	s = kube_config_base64("aGVs\nbG8=", &n);
	ok(s != NULL && n == 5 && strcmp(s, "hello") == 0, "wrapped base64");
	free(s);
	s = kube_config_base64("", &n);
	ok(s != NULL && n == 0, "empty base64");
	free(s);
	ok(kube_config_base64("aGV=sbG8", &n) == NULL, "data after padding refused");
	ok(kube_config_base64("a", &n) == NULL, "a lone sextet refused");
	ok(kube_config_base64("aGVsbG8===", &n) == NULL, "three pads refused");
}

/* Collects lines joined by '|'. */
static int
test_line(const char *p, size_t len, void *arg)
{
	struct buf	*b = arg;

	buf_add(b, p, len);
	buf_addc(b, '|');
	return (0);
}

/* However the stream is cut, the lines are the same. */
static void
test_lines(void)
{
	static const char	 in[] = "{\"a\":1}\r\n\n{\"b\":2}\n{\"c\"";
	struct kube_lines	 l;
	struct buf		 b;
	size_t			 cut, i;
	int			 same = 1;

	for (cut = 0; cut <= sizeof in - 1; cut++) {
		kube_lines_init(&l, 1024);
		buf_init(&b);
		kube_lines_feed(&l, in, cut, test_line, &b);
		for (i = cut; i < sizeof in - 1; i++)
			kube_lines_feed(&l, in + i, 1, test_line, &b);
		if (b.data == NULL || strcmp(b.data, "{\"a\":1}|{\"b\":2}|") != 0 ||
		    strcmp(l.buf.data, "{\"c\"") != 0)
			same = 0;
		buf_free(&b);
		kube_lines_clear(&l);
	}
	ok(same, "lines are the same wherever the chunks are cut");
	kube_lines_init(&l, 4);
	buf_init(&b);
	ok(kube_lines_feed(&l, "abcdef", 6, test_line, &b) == -1, "an overlong line stops");
	kube_lines_clear(&l);
	buf_free(&b);
}

/* Times in the forms the API writes. */
static void
test_time(void)
{
	is_int(kube_time("2026-11-25T11:44:13Z"), 1795607053, "Z");
	is_int(kube_time("2026-11-25T11:44:13.123456Z"), 1795607053, "fractions");
	is_int(kube_time("2026-11-25T12:44:13+01:00"), 1795607053, "offset");
	is_int(kube_time(NULL), 0, "NULL");
	is_int(kube_time("yesterday"), 0, "junk");
	is_int(kube_time("2026-13-25T11:44:13Z"), 0, "month 13");
	is_int(kube_time("2026-11-25T11:44:13Zjunk"), 0, "trailing junk");
}

/* A SparkApplication and its pods, as the lab's operator writes them. */
static void
test_rows(void)
{
	struct kube_app_row	 a;
	struct kube_pod_row	 p;
	json_error_t		 jerr;
	json_t			*app, *pod;

	app = json_loads("{\"metadata\":{\"name\":\"etl\",\"namespace\":\"spark-jobs\","
	    "\"creationTimestamp\":\"2026-11-25T11:00:00Z\",\"labels\":{"
	    "\"platform-tui/dag-id\":\"lake\",\"platform-tui/run-id\":\"r1\","
	    "\"platform-tui/task-id\":\"t\"}},\"status\":{\"applicationState\":"
	    "{\"state\":\"FAILED\",\"errorMessage\":\"driver exited 1\"},"
	    "\"lastSubmissionAttemptTime\":\"2026-11-25T11:00:05Z\","
	    "\"terminationTime\":\"2026-11-25T11:01:05Z\",\"sparkApplicationId\":\"spark-1\","
	    "\"driverInfo\":{\"podName\":\"etl-driver\",\"webUIServiceName\":\"etl-ui-svc\","
	    "\"webUIPort\":4040},\"executorState\":{\"e1\":\"RUNNING\",\"e2\":\"FAILED\"}}}",
	    0, &jerr);
	kube_app_row(app, &a);
	is_str(a.name, "etl", "app name");
	is_str(a.state, "FAILED", "state");
	is_str(a.error, "driver exited 1", "error message");
	is_int(a.submitted, 1795604405, "submitted");
	is_int(a.finished, 1795604465, "finished");
	is_str(a.driver_pod, "etl-driver", "driver pod");
	is_str(a.ui_service, "etl-ui-svc", "UI service");
	is_int(a.ui_port, 4040, "UI port");
	is_int(a.executors_running, 1, "executors running");
	is_int(a.executors_total, 2, "executors total");
	is_str(a.dag_id, "lake", "dag label");
	is_str(a.run_id, "r1", "run label");
	is_str(a.task_id, "t", "task label");
	json_decref(app);

	app = json_loads("{\"metadata\":{\"name\":\"new\"}}", 0, &jerr);
	kube_app_row(app, &a);
	ok(strcmp(a.state, "") == 0 && a.error == NULL && a.submitted == 0 &&
	    a.executors_total == 0, "a new application has empty fields");
	json_decref(app);

	pod = json_loads("{\"metadata\":{\"name\":\"etl-driver\",\"namespace\":\"spark-jobs\","
	    "\"creationTimestamp\":\"2026-11-25T11:00:06Z\",\"labels\":{\"spark-role\":"
	    "\"driver\",\"sparkoperator.k8s.io/app-name\":\"etl\"}},\"spec\":{\"nodeName\":"
	    "\"compute\",\"containers\":[{\"name\":\"spark-kubernetes-driver\"},{\"name\":\"s\"}]},"
	    "\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"ready\":true,"
	    "\"restartCount\":2,\"state\":{\"running\":{}},\"lastState\":{\"terminated\":"
	    "{\"reason\":\"OOMKilled\"}}},{\"ready\":false,\"restartCount\":0,\"state\":"
	    "{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}}]}}", 0, &jerr);
	kube_pod_row(pod, &p);
	is_str(p.name, "etl-driver", "pod name");
	is_str(p.phase, "Running", "phase");
	is_int(p.ready, 1, "ready");
	is_int(p.containers, 2, "containers");
	is_int(p.restarts, 2, "restarts");
	is_str(p.node, "compute", "node");
	is_str(p.reason, "OOMKilled", "last termination reason first");
	is_str(p.role, "driver", "role");
	is_str(p.app, "etl", "app");
	is_int(p.created, 1795604406, "created");
	{
		struct kube_pod_row	 t;
		json_t			*trim = kube_pod_trim(pod, NULL);

		kube_pod_row(trim, &t);
		ok(strcmp(t.name, p.name) == 0 && strcmp(t.phase, p.phase) == 0 &&
		    t.ready == p.ready && t.containers == p.containers &&
		    t.restarts == p.restarts && strcmp(t.node, p.node) == 0 &&
		    t.created == p.created && strcmp(t.reason, p.reason) == 0 &&
		    strcmp(t.role, p.role) == 0 && strcmp(t.app, p.app) == 0,
		    "a trimmed pod gives the same row");
		json_decref(trim);
	}
	json_object_set_new(json_object_get(pod, "metadata"), "deletionTimestamp",
	    json_string("2026-11-25T11:02:00Z"));
	kube_pod_row(pod, &p);
	is_str(p.phase, "Terminating", "deletionTimestamp means Terminating");
	json_decref(pod);
}

/* Query escaping of selectors and tokens. */
static void
test_escape(void)
{
	char	*s = kube_escape("platform-tui/dag-id=a b,x!=y");

	is_str(s, "platform-tui%2Fdag-id%3Da%20b%2Cx%21%3Dy", "escape");
	free(s);
}

/* The inventory's keys choose the kubeconfig, context and namespace. */
static void
test_for_service(void)
{
	char		 kcpath[] = "/tmp/test-kube.XXXXXX", *text, *cause = NULL;
	struct cmd_env	 env;
	struct kube	*k;
	int		 fd;

	if ((fd = mkstemp(kcpath)) < 0 || write(fd, k3s, strlen(k3s)) != (ssize_t)strlen(k3s))
		abort();
	close(fd);
	text = xprintf("[node n]\naddress = 127.0.0.1\n"
	    "[service spark]\nkind = spark\nnode = n\n"
	    "endpoint = https://127.0.0.1:6443/apis/sparkoperator.k8s.io/v1beta2/"
	    "namespaces/spark-jobs/sparkapplications\nsecret = env:TEST_KUBE_TOKEN\n"
	    "[service k3s]\nkind = k3s\nnode = n\nendpoint = https://127.0.0.1:6443\n"
	    "kubeconfig = %s\ncontext = prod\n"
	    "[service other]\nkind = kube\nnode = n\nendpoint = https://127.0.0.1:6443\n"
	    "kubeconfig = %s\nnamespace = etl\n", kcpath, kcpath);
	memset(&env, 0, sizeof env);
	env.loop = loop_new();
	env.inv = inventory_parse("test.conf", text, strlen(text), 0, &cause);
	ok(env.inv != NULL, "an inventory with kubeconfig, context and namespace keys (%s)",
	    cause ? cause : "");
	if (env.inv == NULL)
		return;
	setenv("TEST_KUBE_TOKEN", "tok", 1);
	k = kube_for_service(&env, NULL, &cause);
	ok(k != NULL && strcmp(kube_namespace(k), "spark-jobs") == 0,
	    "the default service is the spark one; its endpoint path names the namespace");
	kube_free(k);
	unsetenv("TEST_KUBE_TOKEN");
	k = kube_for_service(&env, "spark", &cause);
	ok(k == NULL && cause != NULL && strstr(cause, "TEST_KUBE_TOKEN") != NULL,
	    "a secret that does not resolve is an error naming it");
	free(cause);
	cause = NULL;
	k = kube_for_service(&env, "k3s", &cause);
	ok(k != NULL && strcmp(kube_namespace(k), "spark-jobs") == 0,
	    "kubeconfig + context: the context's namespace");
	kube_free(k);
	k = kube_for_service(&env, "other", &cause);
	ok(k != NULL && strcmp(kube_namespace(k), "etl") == 0,
	    "the namespace key wins");
	kube_free(k);
	k = kube_for_service(&env, "nope", &cause);
	ok(k == NULL && cause != NULL && strstr(cause, "no service 'nope'") != NULL,
	    "an unknown service");
	free(cause);
	inventory_free(env.inv);
	loop_free(env.loop);
	free(text);
	unlink(kcpath);
}

int
main(void)
{
	test_config();
	test_config_errors();
	test_base64();
	test_lines();
	test_time();
	test_rows();
	test_escape();
	test_for_service();
	return (tap_done());
}

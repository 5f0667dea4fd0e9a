/*
 * The status command: probe every endpoint of the inventory at once on the
 * loop (HTTP health URLs, PostgreSQL logins, TCP connects) and report each
 * as up, down, timeout, auth-failed or degraded with its latency.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/http.h"
#include "backends/kube.h"
#include "backends/pg.h"
#include "backends/route.h"
#include "backends/tcp.h"
#include "core/inventory.h"
#include "core/loop.h"
#include "core/options.h"
#include "core/secret.h"
#include "core/util.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "plugins/plugin.h"
#include "plugins/platform/status.h"

struct status_run;

struct status_probe {
	struct status_run		*run;
	const struct inv_service	*svc;
	const struct inv_endpoint	*ep;
	const struct plugin		*plugin;
	size_t				 row;
	uint64_t			 start;
	int				 done;
	struct http_req			*req;
	struct pg_conn			*pg;
	struct tcp_connect		*tcp;
	struct loop_timer		 timer;		/* the probe's own timeout */
	int				 timeout_ms;
};

struct status_run {
	struct cmd		*cmd;
	struct http		*http;
	struct status_probe	*probes;
	size_t			 n;
	size_t			 pending;
	enum plugin_health	 worst;
	void			(*done)(struct status_run *, void *);
	void			*done_arg;
};

enum {
	COL_SERVICE, COL_ENDPOINT, COL_NODE, COL_KIND, COL_STATE, COL_LATENCY,
	COL_DETAIL, COL_CHECKED
};

static void	status_finish_run(struct status_run *);

/* Record a probe's result in its row; the last one finishes the run. */
static void
status_report(struct status_probe *p, enum plugin_health h, const char *detail)
{
	struct status_run	*run = p->run;
	struct view		*v = run->cmd->view;
	uint64_t		 now;
	char			*why = NULL;

	if (p->done)
		return;
	p->done = 1;
	loop_timer_stop(&p->timer);
	/* Through a route that is down, its reason says more than "refused". */
	if ((h == PLUGIN_HEALTH_DOWN || h == PLUGIN_HEALTH_TIMEOUT) &&
	    (why = route_failed(run->cmd->env, p->ep)) != NULL)
		detail = why;
	now = loop_now(run->cmd->env->loop);
	view_set_text(v, p->row, COL_STATE, plugin_health_string(h));
	if (h != PLUGIN_HEALTH_UNKNOWN)
		view_set_num(v, p->row, COL_LATENCY, (int64_t)(now - p->start));
	view_set_text(v, p->row, COL_DETAIL, detail);
	view_set_num(v, p->row, COL_CHECKED, (int64_t)time(NULL));
	/* Rank: down and timeout are worse than auth, auth worse than degraded. */
	if (h != PLUGIN_HEALTH_UNKNOWN && (run->worst == PLUGIN_HEALTH_UNKNOWN ||
	    h > run->worst))
		run->worst = h;
	free(why);
	if (--run->pending == 0)
		status_finish_run(run);
}

static void
status_http_done(struct http_req *req, const struct http_result *res, void *arg)
{
	struct status_probe	*p = arg;
	enum plugin_health	 h;
	char			*detail = NULL;

	p->req = NULL;
	switch (res->error) {
	case HTTP_OK:
		break;
	case HTTP_ERR_TIMEOUT:
		status_report(p, PLUGIN_HEALTH_TIMEOUT, res->message);
		return;
	default:
		status_report(p, PLUGIN_HEALTH_DOWN, res->message);
		return;
	}
	if (p->plugin != NULL && p->plugin->health_judge != NULL)
		h = p->plugin->health_judge(res->status, buf_str(res->body), res->body->len,
		    &detail);
	else if (res->status == 401 || res->status == 403) {
		h = PLUGIN_HEALTH_AUTH_FAILED;
		detail = xprintf("HTTP %ld: authentication failed", res->status);
	} else if (res->status >= 200 && res->status < 400) {
		h = PLUGIN_HEALTH_UP;
		detail = xprintf("HTTP %ld", res->status);
	} else {
		h = PLUGIN_HEALTH_DOWN;
		detail = xprintf("HTTP %ld", res->status);
	}
	status_report(p, h, detail != NULL ? detail : "");
	free(detail);
}

static void
status_pg_result(struct pg_conn *conn, PGresult *res, enum pg_error err,
    const char *msg, void *arg)
{
	struct status_probe	*p = arg;
	char			*detail;

	/* Close first: the last report may end the run and free the probe. */
	p->pg = NULL;
	if (err != PG_OK || res == NULL || PQntuples(res) < 1)
		detail = xstrdup(msg != NULL ? msg : "query failed");
	else
		detail = xprintf("PostgreSQL %s", PQgetvalue(res, 0, 0));
	pg_close(conn);
	status_report(p, err != PG_OK || res == NULL ? PLUGIN_HEALTH_DEGRADED :
	    PLUGIN_HEALTH_UP, detail);
	free(detail);
}

static void
status_pg_connected(struct pg_conn *conn, enum pg_error err, const char *msg, void *arg)
{
	struct status_probe	*p = arg;

	if (err != PG_OK) {
		p->pg = NULL;
		status_report(p, err == PG_ERR_AUTH ? PLUGIN_HEALTH_AUTH_FAILED :
		    err == PG_ERR_TIMEOUT ? PLUGIN_HEALTH_TIMEOUT : PLUGIN_HEALTH_DOWN, msg);
		return;
	}
	if (pg_query(conn, "SHOW server_version", 0, NULL, status_pg_result, p) != 0) {
		p->pg = NULL;
		pg_close(conn);
		status_report(p, PLUGIN_HEALTH_DEGRADED, "could not send a query");
	}
}

static void
status_tcp_done(int fd, enum tcp_error err, const char *msg, void *arg)
{
	struct status_probe	*p = arg;

	p->tcp = NULL;
	if (fd != -1)
		close(fd);
	if (err == TCP_OK)
		status_report(p, PLUGIN_HEALTH_UP, "port open");
	else
		status_report(p, err == TCP_ERR_TIMEOUT ? PLUGIN_HEALTH_TIMEOUT :
		    PLUGIN_HEALTH_DOWN, msg);
}

/* Stop whatever the probe still waits on, without callbacks. */
static void
status_probe_abort(struct status_probe *p)
{
	loop_timer_stop(&p->timer);
	if (p->req != NULL) {
		http_req_cancel(p->req);
		p->req = NULL;
	}
	if (p->pg != NULL) {
		pg_close(p->pg);
		p->pg = NULL;
	}
	if (p->tcp != NULL) {
		tcp_connect_cancel(p->tcp);
		p->tcp = NULL;
	}
}

static void
status_probe_timeout(void *arg)
{
	struct status_probe	*p = arg;
	char			*detail;

	status_probe_abort(p);
	detail = xprintf("no answer within %dms", p->timeout_ms);
	status_report(p, PLUGIN_HEALTH_TIMEOUT, detail);
	free(detail);
}

static int
status_is_http(const char *scheme)
{
	return (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
}

static int
status_is_pg(const char *scheme)
{
	return (strcmp(scheme, "postgresql") == 0 || strcmp(scheme, "postgres") == 0);
}

/* The URL to GET: the endpoint's own health path, the plugin's, or the URL itself. */
static char *
status_http_url(const struct status_probe *p)
{
	const char	*path = p->ep->health;
	const char	*host = p->ep->host;
	int		 v6 = strchr(host, ':') != NULL;

	if (path == NULL && p->plugin != NULL && p->plugin->health_path != NULL)
		path = p->plugin->health_path;
	if (path == NULL)
		return (xstrdup(p->ep->url));
	return (xprintf("%s://%s%s%s:%s%s%s", p->ep->scheme, v6 ? "[" : "", host,
	    v6 ? "]" : "", p->ep->port, path[0] == '/' ? "" : "/", path));
}

/* A Kubernetes service's probe carries its kubeconfig's CA and credentials. */
static int
status_kubeconfig(struct status_probe *p)
{
	struct kube_config	 kc;
	char			*cause = NULL;

	if (kube_config_load(p->svc->kubeconfig, p->svc->context, &kc, &cause) != 0) {
		http_req_cancel(p->req);
		p->req = NULL;
		loop_timer_stop(&p->timer);
		status_report(p, PLUGIN_HEALTH_UNKNOWN, cause);
		free(cause);
		return (-1);
	}
	kube_config_http(&kc, p->req);
	kube_config_clear(&kc);
	return (0);
}

static void
status_probe_start(struct status_probe *p)
{
	struct cmd_env		*env = p->run->cmd->env;
	const struct inv_service *svc = p->svc;
	const struct inv_endpoint *ep = p->ep;
	struct pg_params	 pp;
	char			*secret = NULL, *cause = NULL, *url, *detail;
	const char		*db;

	p->start = loop_now(env->loop);
	if ((detail = route_blocked(env, ep)) != NULL) {
		status_report(p, PLUGIN_HEALTH_UNKNOWN, detail);
		free(detail);
		return;
	}
	if (svc->secret != NULL && (secret = secret_resolve(svc->secret, &cause)) == NULL) {
		detail = xprintf("secret %s: %s", svc->secret, cause);
		status_report(p, PLUGIN_HEALTH_AUTH_FAILED, detail);
		free(detail);
		free(cause);
		return;
	}
	loop_timer_init(&p->timer, env->loop, status_probe_timeout, p);
	loop_timer_start(&p->timer, (uint64_t)p->timeout_ms);

	if (status_is_http(ep->scheme)) {
		url = status_http_url(p);
		p->req = http_req_new(p->run->http, url);
		free(url);
		/* The guard timer reports first; curl's own limit is a backstop. */
		http_req_timeout(p->req, p->timeout_ms + 1000);
		if (svc->ca_file != NULL)
			http_req_cainfo(p->req, svc->ca_file);
		if (svc->kubeconfig != NULL && status_kubeconfig(p) != 0) {
			secret_free(secret);
			return;
		}
		/* A user means Basic; a secret alone is a bearer token (k3s, Jupyter). */
		if (svc->user != NULL)
			http_req_auth_basic(p->req, svc->user, secret != NULL ? secret : "");
		else if (secret != NULL) {
			char *bearer = xprintf("Bearer %s", secret);

			http_req_header(p->req, "Authorization", bearer);
			free(bearer);
		}
		http_req_start(p->req, status_http_done, p);
	} else if (status_is_pg(ep->scheme)) {
		memset(&pp, 0, sizeof pp);
		db = svc->database;
		if (db == NULL && ep->path[0] == '/' && ep->path[1] != '\0')
			db = ep->path + 1;
		pp.host = ep->connect_host != NULL ? ep->connect_host : ep->host;
		pp.port = ep->connect_port != NULL ? ep->connect_port : ep->port;
		pp.dbname = db != NULL ? db : "postgres";
		pp.user = svc->user != NULL ? svc->user : "postgres";
		pp.password = secret;
		pp.application_name = "platform-tui status";
		pp.timeout_ms = p->timeout_ms + 1000;
		p->pg = pg_connect(env->loop, &pp, status_pg_connected, p);
	} else
		p->tcp = tcp_connect_start(env->loop,
		    ep->connect_host != NULL ? ep->connect_host : ep->host,
		    ep->connect_port != NULL ? ep->connect_port : ep->port,
		    p->timeout_ms + 1000, status_tcp_done, p);
	secret_free(secret);
}

/* An argument names a service, a kind or a node. */
static int
status_matches(const struct inv_service *svc, const char *name)
{
	return (strcmp(name, svc->name) == 0 || strcmp(name, svc->kind) == 0 ||
	    strcmp(name, svc->node) == 0);
}

static int
status_wanted(struct cmd *c, const struct inv_service *svc)
{
	int	i;

	if (c->argc == 0)
		return (1);
	for (i = 0; i < c->argc; i++) {
		if (status_matches(svc, c->argv[i]))
			return (1);
	}
	return (0);
}

static void
status_finish_run(struct status_run *run)
{
	if (run->done != NULL)
		run->done(run, run->done_arg);
}

static void
status_cancel(struct cmd *c)
{
	struct status_run	*run = c->state;
	size_t			 i;

	for (i = 0; i < run->n; i++)
		status_probe_abort(&run->probes[i]);
}

void
status_run_free(struct status_run *run)
{
	size_t	i;

	if (run == NULL)
		return;
	for (i = 0; i < run->n; i++)
		status_probe_abort(&run->probes[i]);
	http_free(run->http);
	free(run->probes);
	free(run);
}

static void
status_cmd_done(struct status_run *run, void *arg)
{
	struct cmd	*c = run->cmd;

	switch (run->worst) {
	case PLUGIN_HEALTH_DOWN:
	case PLUGIN_HEALTH_TIMEOUT:
		cmd_error(c, CMD_EXIT_UNREACHABLE, "%s", "some services are unreachable");
		break;
	case PLUGIN_HEALTH_AUTH_FAILED:
		cmd_error(c, CMD_EXIT_AUTH, "%s", "some services refused our credentials");
		break;
	default:
		break;
	}
	c->state = NULL;
	status_run_free(run);
	cmd_finish(c);
}

/*
 * Start probing; the rows are there at once (state "checking") and fill in
 * as answers come. done is called when the last probe has reported, which
 * may be before this returns; it frees the run.
 */
int
status_start(struct cmd *c, void (*done)(struct status_run *, void *), void *arg)
{
	struct inventory	*inv = c->env->inv;
	struct status_run	*run;
	struct status_probe	*p;
	struct view		*v;
	const char		*timeout_opt;
	char			*cause = NULL;
	size_t			 i, j;
	int			 timeout = c->env->timeout_ms, cmdline;

	if ((timeout_opt = cmd_opt(c, "timeout")) != NULL &&
	    util_parse_duration(timeout_opt, &timeout, &cause) != 0) {
		cmd_error(c, CMD_EXIT_USAGE, "status: %s", cause);
		free(cause);
		return (-1);
	}
	if (timeout <= 0) {
		cmd_error(c, CMD_EXIT_USAGE, "status: the timeout must be more than 0");
		return (-1);
	}
	/* A typo must not silently drop a service from a monitoring script. */
	for (i = 0; i < (size_t)c->argc; i++) {
		for (j = 0; j < inv->nservices; j++) {
			if (status_matches(&inv->services[j], c->argv[i]))
				break;
		}
		if (j == inv->nservices) {
			cmd_error(c, CMD_EXIT_USAGE, "status: no service, kind or node "
			    "named '%s'", c->argv[i]);
			return (-1);
		}
	}
	/* -t on the command line beats the inventory's timeouts; a config file does not. */
	cmdline = timeout_opt != NULL || (options_source("timeout") != NULL &&
	    strcmp(options_source("timeout"), "command line") == 0);
	if (!cmdline && inv->timeout_ms > 0)
		timeout = inv->timeout_ms;

	run = xcalloc(1, sizeof *run);
	run->cmd = c;
	run->http = http_new(c->env->loop);
	run->worst = PLUGIN_HEALTH_UNKNOWN;
	run->done = done;
	run->done_arg = arg;

	v = c->view = view_new("Services");
	view_add_column(v, "service", VIEW_TEXT);
	view_add_column(v, "endpoint", VIEW_TEXT);
	view_add_column(v, "node", VIEW_TEXT);
	view_add_column(v, "kind", VIEW_TEXT);
	view_add_column(v, "state", VIEW_STATE);
	view_add_column(v, "latency", VIEW_DURATION);
	view_add_column(v, "detail", VIEW_TEXT);
	view_add_column(v, "checked", VIEW_TIME);

	for (i = 0; i < inv->nservices; i++) {
		if (!status_wanted(c, &inv->services[i]))
			continue;
		for (j = 0; j < inv->services[i].nendpoints; j++) {
			run->probes = xreallocarray(run->probes, run->n + 1, sizeof *run->probes);
			p = &run->probes[run->n++];
			memset(p, 0, sizeof *p);
			p->run = run;
			p->svc = &inv->services[i];
			p->ep = &inv->services[i].endpoints[j];
			p->plugin = plugin_for_kind(p->svc->kind);
			p->timeout_ms = p->svc->timeout_ms > 0 && !cmdline ?
			    p->svc->timeout_ms : timeout;
			p->row = view_add_row(v);
			view_set_text(v, p->row, COL_SERVICE, p->svc->name);
			view_set_text(v, p->row, COL_ENDPOINT, p->ep->name);
			view_set_text(v, p->row, COL_NODE, p->svc->node);
			view_set_text(v, p->row, COL_KIND, p->svc->kind);
			view_set_text(v, p->row, COL_STATE, "checking");
		}
	}
	/* One extra count while starting, so a probe that fails at once cannot end the run. */
	run->pending = run->n + 1;
	c->state = run;
	c->cancel = status_cancel;
	for (i = 0; i < run->n; i++)
		status_probe_start(&run->probes[i]);
	if (--run->pending == 0)
		status_finish_run(run);
	return (0);
}

enum cmd_retval
status_exec(struct cmd *c)
{
	if (status_start(c, status_cmd_done, NULL) != 0)
		return (CMD_RETURN_NORMAL);
	/* Every probe may have ended at once (no services, secrets, ssh). */
	return (c->finished ? CMD_RETURN_NORMAL : CMD_RETURN_WAIT);
}

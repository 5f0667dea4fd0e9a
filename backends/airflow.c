/*
 * Airflow's REST API on the loop: version detection, Basic auth (2.x) or a
 * JWT renewed once on 401 (3.x), and errors of both formats mapped to one
 * sentence. The views and the database fallback are in airflow-view.c.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "backends/airflow.h"
#include "backends/airflow-int.h"
#include "backends/http.h"
#include "core/buf.h"
#include "core/inventory.h"
#include "core/secret.h"
#include "core/xmalloc.h"

enum af_stage {
	AF_STAGE_DETECT_V3,	/* GET /api/v2/version */
	AF_STAGE_DETECT_V2,	/* GET /api/v1/version */
	AF_STAGE_TOKEN,		/* POST /auth/token */
	AF_STAGE_CALL,		/* the request itself */
};

/* One API call in flight; freed after its callback. */
struct af_op {
	int			 is_job;	/* 0; views hand out their af_job as an af_op */
	struct af_client	*client;
	char			*method;
	char			*path;
	char			*query;		/* or NULL */
	char			*body;		/* serialized JSON, or NULL */
	af_done_cb		 cb;
	void			*arg;
	enum af_stage		 stage;
	int			 renewed;	/* a new token was fetched after a 401 */
	struct http_req		*req;
	TAILQ_ENTRY(af_op)	 entry;
};

static void	af_op_step(struct af_op *);

/* The airflow service named, or the first of its kind: commands take --service. */
const struct inv_service *
af_service_find(const struct inventory *inv, const char *name, char **cause)
{
	const struct inv_service	*s;
	size_t				 i;

	if (name != NULL) {
		if ((s = inventory_service(inv, name)) == NULL) {
			*cause = xprintf("no service named '%s'", name);
			return (NULL);
		}
		if (strcmp(s->kind, "airflow") != 0) {
			*cause = xprintf("service '%s' is of kind %s, not airflow", name, s->kind);
			return (NULL);
		}
		return (s);
	}
	for (i = 0; i < inv->nservices; i++) {
		if (strcmp(inv->services[i].kind, "airflow") == 0)
			return (&inv->services[i]);
	}
	*cause = xstrdup("the inventory has no service of kind airflow");
	return (NULL);
}

/* The metadata database: "NAME-db", else a postgres service on the node with database airflow. */
static const struct inv_service *
af_client_find_db(const struct inventory *inv, const struct inv_service *svc)
{
	const struct inv_service	*s;
	char				*name;
	size_t				 i;

	name = xprintf("%s-db", svc->name);
	s = inventory_service(inv, name);
	free(name);
	if (s != NULL && strcmp(s->kind, "postgres") == 0 && s->nendpoints > 0)
		return (s);
	for (i = 0; i < inv->nservices; i++) {
		s = &inv->services[i];
		if (strcmp(s->kind, "postgres") == 0 && s->nendpoints > 0 &&
		    s->database != NULL && strcmp(s->database, "airflow") == 0 &&
		    s->node != NULL && svc->node != NULL && strcmp(s->node, svc->node) == 0)
			return (s);
	}
	return (NULL);
}

/* Everything is copied, so the inventory may be freed before the client. */
struct af_client *
af_client_new(struct loop *loop, struct http *http, const struct inventory *inv,
    const struct inv_service *svc, char **cause)
{
	struct af_client		*cl;
	const struct inv_service	*db;
	const struct inv_endpoint	*ep;
	size_t				 len;

	if (svc->nendpoints == 0) {
		*cause = xprintf("service '%s' has no endpoint", svc->name);
		return (NULL);
	}
	ep = &svc->endpoints[0];
	cl = xcalloc(1, sizeof *cl);
	cl->loop = loop;
	cl->http = http;
	cl->name = xstrdup(svc->name);
	cl->url = xstrdup(ep->url);
	len = strlen(cl->url);
	while (len > 0 && cl->url[len - 1] == '/')
		cl->url[--len] = '\0';
	cl->user = xstrdup(svc->user != NULL ? svc->user : "admin");
	cl->ca_file = svc->ca_file != NULL ? xstrdup(svc->ca_file) : NULL;
	cl->timeout_ms = svc->timeout_ms > 0 ? svc->timeout_ms : inv->timeout_ms;
	if (svc->secret != NULL &&
	    (cl->password = secret_resolve(svc->secret, cause)) == NULL) {
		af_client_free(cl);
		return (NULL);
	}
	TAILQ_INIT(&cl->ops);
	TAILQ_INIT(&cl->jobs);
	if ((db = af_client_find_db(inv, svc)) != NULL) {
		ep = &db->endpoints[0];
		cl->db.name = xstrdup(db->name);
		/* A route's local listener when there is one (via = ssh). */
		cl->db.host = xstrdup(ep->connect_host != NULL ?
		    ep->connect_host : ep->host);
		cl->db.port = xstrdup(ep->connect_port != NULL ?
		    ep->connect_port : ep->port);
		cl->db.dbname = xstrdup(db->database != NULL ? db->database :
		    (ep->path[0] == '/' ? ep->path + 1 : "airflow"));
		cl->db.user = xstrdup(db->user != NULL ? db->user :
		    (ep->user != NULL ? ep->user : "airflow"));
		cl->db.secret = db->secret != NULL ? xstrdup(db->secret) : NULL;
		cl->db.timeout_ms = db->timeout_ms > 0 ? db->timeout_ms : cl->timeout_ms;
	}
	return (cl);
}

/* Pending operations are cancelled: their callbacks are not called. */
void
af_client_free(struct af_client *cl)
{
	struct af_op	*op;

	if (cl == NULL)
		return;
	while ((op = TAILQ_FIRST(&cl->ops)) != NULL)
		af_op_cancel(op);
	af_view_cancel_all(cl);
	free(cl->name);
	free(cl->url);
	free(cl->user);
	secret_free(cl->password);
	free(cl->token);
	free(cl->ca_file);
	free(cl->db.name);
	free(cl->db.host);
	free(cl->db.port);
	free(cl->db.dbname);
	free(cl->db.user);
	free(cl->db.secret);
	free(cl);
}

/* The version is known after the first answer. */
enum af_version
af_client_version(const struct af_client *cl)
{
	return (cl->version);
}

/* Set when a view came from the metadata database; cleared by the next API answer. */
int
af_client_read_only(const struct af_client *cl)
{
	return (cl->read_only);
}

/* For messages. */
const char *
af_client_name(const struct af_client *cl)
{
	return (cl->name);
}

/* Changing commands say "read-only" when the API is down but this is known. */
const char *
af_client_db(const struct af_client *cl)
{
	return (cl->db.name);
}

/* Commands take -t; the TUI uses the inventory's. */
void
af_client_timeout(struct af_client *cl, int ms)
{
	cl->timeout_ms = ms;
}

/* Free an op already out of the client's list. */
static void
af_op_free(struct af_op *op)
{
	free(op->method);
	free(op->path);
	free(op->query);
	free(op->body);
	free(op);
}

/* Report once, then free: the callback may free the client. */
static void
af_op_report(struct af_op *op, struct af_result *r)
{
	TAILQ_REMOVE(&op->client->ops, op, entry);
	op->req = NULL;
	op->cb(r, op->arg);
	af_op_free(op);
}

/* A failure without an answer. */
static void
af_op_fail(struct af_op *op, enum af_error e, long status, const char *msg)
{
	struct af_result	r;

	memset(&r, 0, sizeof r);
	r.error = e;
	r.status = status;
	r.message = msg;
	af_op_report(op, &r);
}

/* Title, detail, or FastAPI's 422 list: the server's own words, one line. */
char *
af_error_message(long status, const char *body, size_t len)
{
	json_t		*root, *detail, *title, *item, *loc, *msg, *part;
	struct buf	 b;
	size_t		 i, j, n;

	buf_init(&b);
	root = len > 0 ? json_loadb(body, len, 0, NULL) : NULL;
	detail = json_is_object(root) ? json_object_get(root, "detail") : NULL;
	title = json_is_object(root) ? json_object_get(root, "title") : NULL;
	if (json_is_string(title)) {
		/* 2.x problem+json: {type, title, status, detail, instance}. */
		buf_printf(&b, "%s", json_string_value(title));
		if (json_is_string(detail) && *json_string_value(detail) != '\0')
			buf_printf(&b, ": %s", json_string_value(detail));
	} else if (json_is_string(detail)) {
		buf_printf(&b, "HTTP %ld: %s", status, json_string_value(detail));
	} else if (json_is_array(detail)) {
		/* 3.x validation: [{loc: [body, conf], msg, type}, ...]. */
		buf_printf(&b, "invalid request");
		json_array_foreach(detail, i, item) {
			loc = json_object_get(item, "loc");
			msg = json_object_get(item, "msg");
			buf_adds(&b, i == 0 ? ": " : "; ");
			if (json_is_array(loc)) {
				n = 0;
				json_array_foreach(loc, j, part) {
					if (n++ > 0)
						buf_addc(&b, '.');
					if (json_is_string(part))
						buf_adds(&b, json_string_value(part));
					else if (json_is_integer(part))
						buf_printf(&b, "%lld", (long long)json_integer_value(part));
				}
				buf_adds(&b, ": ");
			}
			buf_adds(&b, json_is_string(msg) ? json_string_value(msg) : "invalid");
		}
	} else if (json_is_object(detail)) {
		char *s = json_dumps(detail, JSON_COMPACT);

		buf_printf(&b, "HTTP %ld: %s", status, s != NULL ? s : "");
		free(s);
	} else {
		n = len;
		for (i = 0; i < len; i++) {
			if (body[i] == '\n' || body[i] == '\r') {
				n = i;
				break;
			}
		}
		if (n > 200)
			n = 200;
		if (n > 0)
			buf_printf(&b, "HTTP %ld: %.*s", status, (int)n, body);
		else
			buf_printf(&b, "HTTP %ld", status);
	}
	json_decref(root);
	return (buf_steal(&b));
}

/* Set what every request needs: timeout, CA, and the credentials of the version. */
static struct http_req *
af_op_http(struct af_op *op, const char *url, const char *method, int auth)
{
	struct af_client	*cl = op->client;
	struct http_req		*req;
	char			*h;

	req = http_req_new(cl->http, url);
	http_req_method(req, method);
	if (cl->timeout_ms > 0) {
		http_req_timeout(req, cl->timeout_ms);
		http_req_connect_timeout(req, cl->timeout_ms);
	}
	if (cl->ca_file != NULL)
		http_req_cainfo(req, cl->ca_file);
	http_req_header(req, "Accept", "application/json");
	if (auth && cl->version == AF_VERSION_2 && cl->password != NULL)
		http_req_auth_basic(req, cl->user, cl->password);
	if (auth && cl->version == AF_VERSION_3 && cl->token != NULL) {
		h = xprintf("Bearer %s", cl->token);
		http_req_header(req, "Authorization", h);
		free(h);
	}
	return (req);
}

/* Connection errors become AF_ERR_UNREACHABLE, for the fallback and exit 3. */
static int
af_op_transport(struct af_op *op, const struct http_result *res)
{
	char	*msg;

	if (res->error == HTTP_OK)
		return (0);
	msg = xprintf("%s: %s", op->client->name, res->message != NULL ? res->message :
	    http_error_string(res->error));
	if (strcmp(op->method, "GET") != 0 && op->client->db.host != NULL) {
		free(msg);
		msg = xprintf("%s is unreachable (%s): only its metadata database %s can "
		    "be read, read-only: refused", op->client->name, res->message != NULL ?
		    res->message : http_error_string(res->error), op->client->db.name);
		af_op_fail(op, AF_ERR_READ_ONLY, 0, msg);
	}
	else
		af_op_fail(op, AF_ERR_UNREACHABLE, 0, msg);
	free(msg);
	return (-1);
}

/* The answer of a stage: go on to the next one or report. */
static void
af_op_http_done(struct http_req *req, const struct http_result *res, void *arg)
{
	struct af_op		*op = arg;
	struct af_client	*cl = op->client;
	struct af_result	 r;
	json_t			*root = NULL, *tok;
	char			*msg;

	(void)req;
	op->req = NULL;
	if (af_op_transport(op, res) != 0)
		return;
	switch (op->stage) {
	case AF_STAGE_DETECT_V3:
		if (res->status == 200) {
			cl->version = AF_VERSION_3;
			break;
		}
		op->stage = AF_STAGE_DETECT_V2;
		af_op_step(op);
		return;
	case AF_STAGE_DETECT_V2:
		/* /api/v1/version may need auth; a 401 still says "2.x". */
		if (res->status != 200 && res->status != 401 && res->status != 403) {
			msg = xprintf("%s: neither /api/v2/version nor /api/v1/version "
			    "answered (HTTP %ld): is it Airflow?", cl->name, res->status);
			af_op_fail(op, AF_ERR_PROTOCOL, res->status, msg);
			free(msg);
			return;
		}
		cl->version = AF_VERSION_2;
		break;
	case AF_STAGE_TOKEN:
		if (res->status != 200 && res->status != 201) {
			msg = af_error_message(res->status, res->body->data, res->body->len);
			af_op_fail(op, res->status == 401 || res->status == 403 ?
			    AF_ERR_AUTH : AF_ERR_API, res->status, msg);
			free(msg);
			return;
		}
		root = json_loadb(res->body->data, res->body->len, 0, NULL);
		tok = json_object_get(root, "access_token");
		if (!json_is_string(tok)) {
			json_decref(root);
			af_op_fail(op, AF_ERR_PROTOCOL, res->status,
			    "/auth/token answered without an access_token");
			return;
		}
		free(cl->token);
		cl->token = xstrdup(json_string_value(tok));
		json_decref(root);
		break;
	case AF_STAGE_CALL:
		if (res->status == 401 && cl->version == AF_VERSION_3 && !op->renewed) {
			/* The JWT expired: one new token, one retry. */
			op->renewed = 1;
			free(cl->token);
			cl->token = NULL;
			af_op_step(op);
			return;
		}
		memset(&r, 0, sizeof r);
		r.status = res->status;
		if (res->status >= 400) {
			msg = af_error_message(res->status, res->body->data, res->body->len);
			r.error = res->status == 401 || res->status == 403 ?
			    AF_ERR_AUTH : AF_ERR_API;
			r.message = msg;
			af_op_report(op, &r);
			free(msg);
			return;
		}
		if (res->body->len > 0 &&
		    (root = json_loadb(res->body->data, res->body->len, 0, NULL)) == NULL) {
			af_op_fail(op, AF_ERR_PROTOCOL, res->status,
			    "the API answered something that is not JSON");
			return;
		}
		cl->read_only = 0;
		r.json = root;
		af_op_report(op, &r);
		json_decref(root);
		return;
	}
	af_op_step(op);
}

/* Send whatever comes next: detection, a token, or the call. */
static void
af_op_step(struct af_op *op)
{
	struct af_client	*cl = op->client;
	struct http_req		*req;
	json_t			*cred;
	char			*url, *s;

	if (cl->version == AF_VERSION_UNKNOWN) {
		if (op->stage != AF_STAGE_DETECT_V2)
			op->stage = AF_STAGE_DETECT_V3;
		url = xprintf("%s/api/%s/version", cl->url,
		    op->stage == AF_STAGE_DETECT_V3 ? "v2" : "v1");
		req = af_op_http(op, url, "GET", 1);
	} else if (cl->version == AF_VERSION_3 && cl->token == NULL) {
		op->stage = AF_STAGE_TOKEN;
		url = xprintf("%s/auth/token", cl->url);
		req = af_op_http(op, url, "POST", 0);
		cred = json_pack("{s:s, s:s}", "username", cl->user,
		    "password", cl->password != NULL ? cl->password : "");
		s = json_dumps(cred, JSON_COMPACT);
		http_req_header(req, "Content-Type", "application/json");
		http_req_body(req, s, strlen(s));
		explicit_bzero(s, strlen(s));
		free(s);
		json_decref(cred);
	} else {
		op->stage = AF_STAGE_CALL;
		url = xprintf("%s/api/%s%s%s%s", cl->url,
		    cl->version == AF_VERSION_3 ? "v2" : "v1", op->path,
		    op->query != NULL ? "?" : "", op->query != NULL ? op->query : "");
		req = af_op_http(op, url, op->method, 1);
		if (op->body != NULL) {
			http_req_header(req, "Content-Type", "application/json");
			http_req_body(req, op->body, strlen(op->body));
		}
	}
	free(url);
	op->req = req;
	http_req_start(req, af_op_http_done, op);
}

/* The API call every other function of this file and the views use. */
struct af_op *
af_request(struct af_client *cl, const char *method, const char *path, const char *query,
    json_t *body, af_done_cb cb, void *arg)
{
	struct af_op	*op;

	op = xcalloc(1, sizeof *op);
	op->client = cl;
	op->method = xstrdup(method);
	op->path = xstrdup(path);
	op->query = query != NULL && *query != '\0' ? xstrdup(query) : NULL;
	op->body = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	op->cb = cb;
	op->arg = arg;
	TAILQ_INSERT_TAIL(&cl->ops, op, entry);
	af_op_step(op);
	return (op);
}

/* No callback after this. */
void
af_op_cancel(struct af_op *op)
{
	if (op == NULL)
		return;
	if (op->is_job) {
		af_view_cancel(op);
		return;
	}
	if (op->req != NULL)
		http_req_cancel(op->req);
	TAILQ_REMOVE(&op->client->ops, op, entry);
	af_op_free(op);
}

/* DESIGN.md section 6: 3 unreachable, 4 auth, 5 read-only, 2 usage, 1 the rest. */
enum cmd_exit
af_exit_code(const struct af_result *r)
{
	switch (r->error) {
	case AF_OK:
		return (CMD_EXIT_OK);
	case AF_ERR_UNREACHABLE:
		return (CMD_EXIT_UNREACHABLE);
	case AF_ERR_AUTH:
		return (CMD_EXIT_AUTH);
	case AF_ERR_READ_ONLY:
		return (CMD_EXIT_REFUSED);
	case AF_ERR_USAGE:
		return (CMD_EXIT_USAGE);
	default:
		return (CMD_EXIT_FAIL);
	}
}

/* A run or task that will not change by itself any more. */
int
af_state_final(const char *s)
{
	static const char *const final[] = { "success", "failed", "skipped",
	    "upstream_failed", "removed", NULL };
	size_t	i;

	if (s == NULL)
		return (0);
	for (i = 0; final[i] != NULL; i++) {
		if (strcmp(s, final[i]) == 0)
			return (1);
	}
	return (0);
}

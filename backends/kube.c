/*
 * Kubernetes API requests over backends/http.c: the connection settings of
 * a kubeconfig context (CA, client certificate and key as in-memory blobs,
 * or a bearer token), JSON bodies in and out, Status objects turned into
 * the exit codes of DESIGN.md section 6, and streamed pod logs.
 */
#include "config.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmd.h"
#include "core/inventory.h"
#include "core/secret.h"
#include "core/xmalloc.h"
#include "backends/http.h"
#include "backends/kube-int.h"

#define KUBE_ERRBODY_MAX	(1024 * 1024)	/* error bodies kept, at most */

struct kube_req {
	struct kube		*kube;
	struct http_req		*http;
	kube_done_cb		 done;
	kube_data_cb		 data;		/* logs: raw text */
	kube_line_cb		 line;		/* watches: one line at a time */
	void			*arg;
	struct kube_lines	 lines;
	struct buf		 errbody;	/* a streamed request's error body */
	long			 status;	/* known once the first bytes arrive */
	int			 stream;	/* body goes to data or line */
	int			 busy;		/* inside the data callback */
	int			 dead;		/* cancelled while busy: free on return */
	TAILQ_ENTRY(kube_req)	 entry;
};

/* Copies a string that may be NULL. */
static char *
kube_strdup(const char *s)
{
	return (s != NULL ? xstrdup(s) : NULL);
}

/* A client for one context; the config is copied, nothing connects yet. */
struct kube *
kube_new(struct loop *loop, const struct kube_config *cfg, int timeout_ms)
{
	struct kube	*k = xcalloc(1, sizeof *k);
	size_t		 n;

	k->loop = loop;
	k->http = http_new(loop);
	k->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
	k->cfg.server = kube_strdup(cfg->server);
	k->cfg.ca_pem = kube_strdup(cfg->ca_pem);
	k->cfg.ca_file = kube_strdup(cfg->ca_file);
	k->cfg.cert_pem = kube_strdup(cfg->cert_pem);
	k->cfg.key_pem = kube_strdup(cfg->key_pem);
	k->cfg.cert_file = kube_strdup(cfg->cert_file);
	k->cfg.key_file = kube_strdup(cfg->key_file);
	k->cfg.token = kube_strdup(cfg->token);
	k->cfg.namespace = kube_strdup(cfg->namespace);
	k->cfg.context = kube_strdup(cfg->context);
	k->cfg.insecure = cfg->insecure;
	k->base = xstrdup(cfg->server != NULL ? cfg->server : "");
	n = strlen(k->base);
	while (n > 0 && k->base[n - 1] == '/')
		k->base[--n] = '\0';
	TAILQ_INIT(&k->reqs);
	LIST_INIT(&k->informers);
	return (k);
}

/* Frees a request that is on no list and not inside curl's callbacks. */
static void
kube_req_free(struct kube_req *r)
{
	kube_lines_clear(&r->lines);
	buf_free(&r->errbody);
	free(r);
}

/* Forgets a request without calling its callbacks. */
void
kube_req_cancel(struct kube_req *r)
{
	if (r == NULL || r->dead)
		return;
	TAILQ_REMOVE(&r->kube->reqs, r, entry);
	http_req_cancel(r->http);
	r->dead = 1;
	if (r->busy == 0)
		kube_req_free(r);
}

/* Cancels everything; no callback runs afterwards. */
void
kube_free(struct kube *k)
{
	if (k == NULL)
		return;
	kube_informers_free(k);
	while (!TAILQ_EMPTY(&k->reqs))
		kube_req_cancel(TAILQ_FIRST(&k->reqs));
	http_free(k->http);
	kube_config_clear(&k->cfg);
	free(k->base);
	free(k);
}

/* The context's namespace, else "default" as kubectl does. */
const char *
kube_namespace(const struct kube *k)
{
	return (k->cfg.namespace != NULL ? k->cfg.namespace : "default");
}

/* Percent-encodes everything but RFC 3986 unreserved characters. */
char *
kube_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	struct buf		 b;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~')
			buf_addc(&b, (char)c);
		else {
			buf_addc(&b, '%');
			buf_addc(&b, hex[c >> 4]);
			buf_addc(&b, hex[c & 15]);
		}
	}
	if (b.data == NULL)
		return (xstrdup(""));
	return (buf_steal(&b));
}

/* Exit codes by HTTP status: auth, unreachable (proxy, overload) or failed. */
static int
kube_error_exit(long status)
{
	if (status == 401 || status == 403)
		return (CMD_EXIT_AUTH);
	if (status == 502 || status == 503 || status == 504)
		return (CMD_EXIT_UNREACHABLE);
	return (CMD_EXIT_FAIL);
}

/* Reads a Status object (kind Status) or makes do with the HTTP status. */
void
kube_error_status(struct kube_error *e, long status, json_t *body)
{
	const char	*s;
	json_t		*code;

	memset(e, 0, sizeof *e);
	e->status = status;
	if (json_is_object(body)) {
		if ((s = json_string_value(json_object_get(body, "reason"))) != NULL && *s != '\0')
			e->reason = s;
		if ((s = json_string_value(json_object_get(body, "message"))) != NULL && *s != '\0')
			e->message = s;
		code = json_object_get(body, "code");
		if (json_is_integer(code) && json_integer_value(code) >= 400)
			e->status = (long)json_integer_value(code);
	}
	if (e->message == NULL)
		e->message = e->status == 401 ? "Unauthorized" : e->status == 403 ?
		    "Forbidden" : e->status == 404 ? "not found" : "request failed";
	e->exit = kube_error_exit(e->status);
}

/* Streamed bytes: error bodies are kept for the Status, the rest handed on. */
static int
kube_req_data(const char *p, size_t len, void *arg)
{
	struct kube_req	*r = arg;
	int		 rc = 0;

	if (r->status == 0)
		curl_easy_getinfo(http_req_curl(r->http), CURLINFO_RESPONSE_CODE, &r->status);
	if (r->status >= 300) {
		if (r->errbody.len + len <= KUBE_ERRBODY_MAX)
			buf_add(&r->errbody, p, len);
		return (0);
	}
	r->busy++;
	if (r->line != NULL)
		rc = kube_lines_feed(&r->lines, p, len, r->line, r->arg);
	else if (r->data != NULL)
		rc = r->data(p, len, r->arg);
	r->busy--;
	if (r->dead) {
		if (r->busy == 0)
			kube_req_free(r);
		return (-1);
	}
	return (rc);
}

/* The transfer ended: one kube_error or a parsed body for the callback. */
static void
kube_req_http_done(struct http_req *hr, const struct http_result *res, void *arg)
{
	struct kube_req		*r = arg;
	struct kube_error	 e, *ep = NULL;
	json_t			*body = NULL, *errjson = NULL;
	json_error_t		 jerr;
	const struct buf	*b;

	(void)hr;
	TAILQ_REMOVE(&r->kube->reqs, r, entry);
	r->dead = 1;
	memset(&e, 0, sizeof e);
	if (res->error != HTTP_OK) {
		e.exit = res->error == HTTP_ERR_OTHER ? CMD_EXIT_FAIL : CMD_EXIT_UNREACHABLE;
		e.message = res->message != NULL ? res->message : http_error_string(res->error);
		ep = &e;
	} else if (res->status >= 300) {
		b = r->stream ? &r->errbody : res->body;
		if (b->len > 0)
			errjson = json_loadb(b->data, b->len, 0, &jerr);
		kube_error_status(&e, res->status, errjson);
		if (errjson == NULL && b->len > 0 && b->len < 300 &&
		    memchr(b->data, '\0', b->len) == NULL)
			e.message = b->data;
		ep = &e;
	} else if (!r->stream) {
		if (res->body->len == 0)
			body = json_object();
		else if ((body = json_loadb(res->body->data, res->body->len, 0,
		    &jerr)) == NULL) {
			e.exit = CMD_EXIT_FAIL;
			e.status = res->status;
			e.message = "the server's answer is not JSON";
			ep = &e;
		}
	}
	r->done(r, ep, body, r->arg);
	json_decref(body);
	json_decref(errjson);
	kube_req_free(r);
}

/* The context's TLS settings and credentials on any request (status probes too). */
void
kube_config_http(const struct kube_config *kc, struct http_req *hr)
{
	CURL		*easy = http_req_curl(hr);
	struct curl_blob blob;
	char		*bearer;

	if (kc->insecure)
		http_req_insecure(hr);
	else if (kc->ca_pem != NULL) {
		blob.data = kc->ca_pem;
		blob.len = strlen(kc->ca_pem);
		blob.flags = CURL_BLOB_COPY;
		curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &blob);
	} else if (kc->ca_file != NULL)
		http_req_cainfo(hr, kc->ca_file);
	if (kc->cert_pem != NULL) {
		blob.data = kc->cert_pem;
		blob.len = strlen(kc->cert_pem);
		blob.flags = CURL_BLOB_COPY;
		curl_easy_setopt(easy, CURLOPT_SSLCERT_BLOB, &blob);
		curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
	} else if (kc->cert_file != NULL)
		curl_easy_setopt(easy, CURLOPT_SSLCERT, kc->cert_file);
	if (kc->key_pem != NULL) {
		blob.data = kc->key_pem;
		blob.len = strlen(kc->key_pem);
		blob.flags = CURL_BLOB_COPY;
		curl_easy_setopt(easy, CURLOPT_SSLKEY_BLOB, &blob);
		curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
	} else if (kc->key_file != NULL)
		curl_easy_setopt(easy, CURLOPT_SSLKEY, kc->key_file);
	if (kc->token != NULL) {
		bearer = xprintf("Bearer %s", kc->token);
		http_req_header(hr, "Authorization", bearer);
		explicit_bzero(bearer, strlen(bearer));
		free(bearer);
	}
}

/* A request with the context's TLS settings and credentials. */
static struct kube_req *
kube_req_new(struct kube *k, const char *method, const char *path)
{
	struct kube_req	*r = xcalloc(1, sizeof *r);
	char		*url;

	r->kube = k;
	url = xprintf("%s%s", k->base, path);
	r->http = http_req_new(k->http, url);
	free(url);
	http_req_method(r->http, method);
	http_req_header(r->http, "Accept", "application/json");
	http_req_timeout(r->http, k->timeout_ms);
	kube_config_http(&k->cfg, r->http);
	kube_lines_init(&r->lines, KUBE_LINE_MAX);
	buf_init(&r->errbody);
	TAILQ_INSERT_TAIL(&k->reqs, r, entry);
	return (r);
}

/* Starts a built request with its callbacks. */
static struct kube_req *
kube_req_start(struct kube_req *r, kube_done_cb done, void *arg)
{
	r->done = done;
	r->arg = arg;
	if (r->stream)
		http_req_on_data(r->http, kube_req_data, r);
	http_req_start(r->http, kube_req_http_done, r);
	return (r);
}

/* GET a JSON document. */
struct kube_req *
kube_get(struct kube *k, const char *path, kube_done_cb done, void *arg)
{
	return (kube_req_start(kube_req_new(k, "GET", path), done, arg));
}

/* DELETE an object; the body is the deleted object or a Status. */
struct kube_req *
kube_delete(struct kube *k, const char *path, kube_done_cb done, void *arg)
{
	return (kube_req_start(kube_req_new(k, "DELETE", path), done, arg));
}

/* POST a JSON object (borrowed) to a collection: a create. */
struct kube_req *
kube_post(struct kube *k, const char *path, json_t *body, kube_done_cb done,
    void *arg)
{
	struct kube_req	*r = kube_req_new(k, "POST", path);
	char		*text = json_dumps(body, JSON_COMPACT);

	if (text == NULL)
		fatal("kube_post: body cannot be encoded");
	http_req_header(r->http, "Content-Type", "application/json");
	http_req_body(r->http, text, strlen(text));
	free(text);
	return (kube_req_start(r, done, arg));
}

/* A watch stream for the informer: no whole-request limit past timeout_ms. */
struct kube_req *
kube_watch(struct kube *k, const char *path, int timeout_ms, kube_line_cb line,
    kube_done_cb done, void *arg)
{
	struct kube_req	*r = kube_req_new(k, "GET", path);

	r->stream = 1;
	r->line = line;
	http_req_timeout(r->http, timeout_ms);
	return (kube_req_start(r, done, arg));
}

/* Pod logs as text, streamed while the container runs when follow is set. */
struct kube_req *
kube_logs(struct kube *k, const char *ns, const char *pod,
    const struct kube_log_opts *o, kube_data_cb data, kube_done_cb done,
    void *arg)
{
	struct kube_req	*r;
	struct buf	 p;
	char		*ens = kube_escape(ns), *epod = kube_escape(pod), *c;
	char		 sep = '?';

	buf_init(&p);
	buf_printf(&p, "/api/v1/namespaces/%s/pods/%s/log", ens, epod);
	if (o != NULL && o->container != NULL) {
		c = kube_escape(o->container);
		buf_printf(&p, "%ccontainer=%s", sep, c);
		free(c);
		sep = '&';
	}
	if (o != NULL && o->follow && !o->previous) {
		buf_printf(&p, "%cfollow=true", sep);
		sep = '&';
	}
	if (o != NULL && o->previous) {
		buf_printf(&p, "%cprevious=true", sep);
		sep = '&';
	}
	if (o != NULL && o->tail_lines >= 0)
		buf_printf(&p, "%ctailLines=%ld", sep, o->tail_lines);
	r = kube_req_new(k, "GET", p.data);
	http_req_header(r->http, "Accept", "text/plain");
	r->stream = 1;
	r->data = data;
	if (o != NULL && o->follow)
		http_req_timeout(r->http, 0);
	buf_free(&p);
	free(ens);
	free(epod);
	return (kube_req_start(r, done, arg));
}

/* The spark service's endpoint path names its namespace: .../namespaces/N/... */
static char *
kube_path_namespace(const char *path)
{
	const char	*p = strstr(path, "/namespaces/"), *e;

	if (p == NULL)
		return (NULL);
	p += strlen("/namespaces/");
	e = strchr(p, '/');
	if (e == p || *p == '\0')
		return (NULL);
	return (e != NULL ? xstrndup(p, e - p) : xstrdup(p));
}

/* The first service of kind spark, else kube or k3s, when none is named. */
static const struct inv_service *
kube_default_service(const struct inventory *inv)
{
	static const char *const kinds[] = { "spark", "kube", "k3s", NULL };
	size_t			 i, j;

	for (j = 0; kinds[j] != NULL; j++) {
		for (i = 0; i < inv->nservices; i++) {
			if (strcmp(inv->services[i].kind, kinds[j]) == 0)
				return (&inv->services[i]);
		}
	}
	return (NULL);
}

/* A client from the inventory: a kubeconfig, else endpoint, CA file and token. */
struct kube *
kube_for_service(struct cmd_env *env, const char *service, char **cause)
{
	const struct inv_service	*s;
	const struct inv_endpoint	*ep;
	struct kube_config		 kc;
	struct kube			*k;
	char				*ns = NULL;

	if (env->inv == NULL) {
		xasprintf(cause, "no inventory loaded");
		return (NULL);
	}
	s = service != NULL ? inventory_service(env->inv, service) :
	    kube_default_service(env->inv);
	if (s == NULL) {
		if (service != NULL)
			xasprintf(cause, "no service '%s' in %s", service, env->inv->path);
		else
			xasprintf(cause, "no service of kind spark, kube or k3s in %s",
			    env->inv->path);
		return (NULL);
	}
	ep = s->nendpoints > 0 ? &s->endpoints[0] : NULL;
	if (ep != NULL)
		ns = kube_path_namespace(ep->path);
	if (s->kubeconfig != NULL) {
		if (kube_config_load(s->kubeconfig, s->context, &kc, cause) != 0) {
			free(ns);
			return (NULL);
		}
	} else {
		memset(&kc, 0, sizeof kc);
		if (ep == NULL) {
			xasprintf(cause, "service %s has no endpoint", s->name);
			return (NULL);
		}
		kc.server = xprintf("%s://%s:%s", ep->scheme, ep->host, ep->port);
		kc.ca_file = kube_strdup(s->ca_file);
		if (s->secret != NULL &&
		    (kc.token = secret_resolve(s->secret, cause)) == NULL) {
			char *c = *cause;

			xasprintf(cause, "service %s: secret %s: %s", s->name, s->secret, c);
			free(c);
			kube_config_clear(&kc);
			free(ns);
			return (NULL);
		}
	}
	if (s->namespace != NULL || ns != NULL) {
		free(kc.namespace);
		kc.namespace = xstrdup(s->namespace != NULL ? s->namespace : ns);
	}
	free(ns);
	k = kube_new(env->loop, &kc, s->timeout_ms > 0 ? s->timeout_ms : env->timeout_ms);
	kube_config_clear(&kc);
	return (k);
}

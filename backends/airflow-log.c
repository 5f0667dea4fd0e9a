/*
 * Task logs: 2.x answers the repr of a Python list of (host, text) tuples,
 * 3.x a list of structured messages; both come with a continuation token.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/airflow.h"
#include "backends/airflow-int.h"
#include "core/buf.h"
#include "core/xmalloc.h"

/* Append a UTF-8 code point. */
static void
af_log_utf8(struct buf *b, unsigned long cp)
{
	if (cp < 0x80)
		buf_addc(b, (char)cp);
	else if (cp < 0x800) {
		buf_addc(b, (char)(0xc0 | (cp >> 6)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addc(b, (char)(0xe0 | (cp >> 12)));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | (cp >> 18)));
		buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* One Python string literal at *pp (after its quote); *pp ends past the closing quote. */
static void
af_log_pystr(const char **pp, char quote, struct buf *out)
{
	const char	*p = *pp;
	char		 hex[9];
	int		 n;

	while (*p != '\0' && *p != quote) {
		if (*p != '\\') {
			buf_addc(out, *p++);
			continue;
		}
		p++;
		switch (*p) {
		case 'n': buf_addc(out, '\n'); p++; break;
		case 't': buf_addc(out, '\t'); p++; break;
		case 'r': buf_addc(out, '\r'); p++; break;
		case 'x': case 'u': case 'U':
			n = *p == 'x' ? 2 : *p == 'u' ? 4 : 8;
			p++;
			if ((int)strnlen(p, n) < n)
				return;
			memcpy(hex, p, n);
			hex[n] = '\0';
			af_log_utf8(out, strtoul(hex, NULL, 16));
			p += n;
			break;
		case '\0':
			break;
		default:
			buf_addc(out, *p++);
			break;
		}
	}
	if (*p == quote)
		p++;
	*pp = p;
}

/* The texts of "[('host', 'text'), ...]": every second string literal. */
static void
af_log_pylist(const char *s, struct buf *out)
{
	struct buf	 lit;
	int		 n = 0;

	buf_init(&lit);
	while (*s != '\0') {
		if (*s != '\'' && *s != '"') {
			s++;
			continue;
		}
		buf_reset(&lit);
		s++;
		af_log_pystr(&s, s[-1], &lit);
		if (n++ % 2 == 1)
			buf_add(out, lit.data, lit.len);
	}
	buf_free(&lit);
}

/* Split text into lines, without the empty piece after a final newline. */
static void
af_log_lines(const char *s, size_t len, char ***lines, size_t *n)
{
	size_t	i, start = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n')
			continue;
		if (i == len && i == start)
			break;
		*lines = xreallocarray(*lines, *n + 1, sizeof **lines);
		(*lines)[(*n)++] = xstrndup(s + start, i - start);
		start = i + 1;
	}
}

/* Lines of one answer of either version, and its continuation token. */
int
af_log_parse(json_t *answer, char ***lines, size_t *nlines, char **token)
{
	json_t		*content, *m;
	struct buf	 b;
	const char	*s, *ts, *lvl, *ev;
	size_t		 i;

	*lines = NULL;
	*nlines = 0;
	*token = NULL;
	if (!json_is_object(answer))
		return (-1);
	if ((s = af_str(answer, "continuation_token")) != NULL)
		*token = xstrdup(s);
	content = json_object_get(answer, "content");
	buf_init(&b);
	if (json_is_string(content)) {
		s = json_string_value(content);
		if (s[0] == '[' && (s[1] == '(' || s[1] == ']'))
			af_log_pylist(s, &b);
		else
			buf_adds(&b, s);
		af_log_lines(b.data, b.len, lines, nlines);
	} else if (json_is_array(content)) {
		json_array_foreach(content, i, m) {
			buf_reset(&b);
			if (json_is_string(m))
				buf_adds(&b, json_string_value(m));
			else if (json_is_object(m)) {
				ts = af_str(m, "timestamp");
				lvl = af_str(m, "level");
				ev = af_str(m, "event");
				if (ts != NULL)
					buf_printf(&b, "%s ", ts);
				if (lvl != NULL)
					buf_printf(&b, "[%s] ", lvl);
				buf_adds(&b, ev != NULL ? ev : "");
			} else
				continue;
			af_log_lines(b.data, b.len, lines, nlines);
			if (b.len == 0) {
				*lines = xreallocarray(*lines, *nlines + 1, sizeof **lines);
				(*lines)[(*nlines)++] = xstrdup("");
			}
		}
	} else if (content != NULL && !json_is_null(content)) {
		buf_free(&b);
		free(*token);
		*token = NULL;
		return (-1);
	}
	buf_free(&b);
	return (0);
}

/* Report the lines of one chunk. */
static void
af_log_report(struct af_job *j, struct af_result *r)
{
	struct af_result	 out;
	char			**lines, *token, *cause;
	size_t			 n, i;

	if (af_log_parse(r->json, &lines, &n, &token) != 0) {
		cause = xstrdup("the log answer is not of a known shape");
		af_job_report(j, AF_ERR_PROTOCOL, r->status, cause, 0);
		free(cause);
		return;
	}
	TAILQ_REMOVE(&j->client->jobs, j, entry);
	memset(&out, 0, sizeof out);
	out.status = r->status;
	out.json = r->json;
	out.lines = lines;
	out.nlines = n;
	out.token = token;
	out.try_number = j->try_number;
	j->cb(&out, j->arg);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(token);
	af_job_free(j);
}

/* A chunk arrived. */
static void
af_log_done(struct af_result *r, void *arg)
{
	struct af_job	*j = arg;

	j->op = NULL;
	if (r->error != AF_OK)
		af_job_report(j, r->error, r->status, r->message, 0);
	else
		af_log_report(j, r);
}

/* The try is known: ask for the chunk from the token on. */
static void
af_log_request(struct af_job *j)
{
	char	*d, *run, *t, *path, *q, *tok;

	d = af_escape_path(j->dag);
	run = af_escape_path(j->run);
	t = af_escape_path(j->task);
	path = xprintf("/dags/%s/dagRuns/%s/taskInstances/%s/logs/%d", d, run, t,
	    j->try_number);
	tok = j->token != NULL ? af_escape_path(j->token) : NULL;
	q = xprintf("map_index=-1%s%s", tok != NULL ? "&token=" : "", tok != NULL ? tok : "");
	j->op = af_request(j->client, "GET", path, q, NULL, af_log_done, j);
	free(tok);
	free(q);
	free(path);
	free(t);
	free(run);
	free(d);
}

/* The task instance says which try is the latest. */
static void
af_log_ti_done(struct af_result *r, void *arg)
{
	struct af_job	*j = arg;
	json_t		*n;

	j->op = NULL;
	if (r->error != AF_OK) {
		af_job_report(j, r->error, r->status, r->message, 0);
		return;
	}
	n = json_object_get(r->json, "try_number");
	j->try_number = json_is_integer(n) && json_integer_value(n) > 0 ?
	    (int)json_integer_value(n) : 1;
	af_log_request(j);
}

/* One chunk of a task's log from token on; try 0 asks the task instance first. */
struct af_op *
af_log_fetch(struct af_client *cl, const char *dag, const char *run, const char *task,
    int try_number, const char *token, af_done_cb cb, void *arg)
{
	struct af_job	*j = xcalloc(1, sizeof *j);
	char		*d, *rn, *t, *path;

	j->is_job = 1;
	j->client = cl;
	j->kind = AF_JOB_LOG;
	j->cb = cb;
	j->arg = arg;
	j->dag = xstrdup(dag);
	j->run = xstrdup(run);
	j->task = xstrdup(task);
	j->token = token != NULL ? xstrdup(token) : NULL;
	j->try_number = try_number;
	TAILQ_INSERT_TAIL(&cl->jobs, j, entry);
	if (try_number > 0) {
		af_log_request(j);
		return ((struct af_op *)j);
	}
	d = af_escape_path(dag);
	rn = af_escape_path(run);
	t = af_escape_path(task);
	path = xprintf("/dags/%s/dagRuns/%s/taskInstances/%s", d, rn, t);
	j->op = af_request(cl, "GET", path, NULL, NULL, af_log_ti_done, j);
	free(path);
	free(t);
	free(rn);
	free(d);
	return ((struct af_op *)j);
}

/*
 * {name:Type} query parameters: checked before a query starts, and written
 * into the query as CAST('value' AS Type) for servers without param_NAME.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "backends/clickhouse.h"
#include "backends/clickhouse-params.h"
#include "core/buf.h"
#include "core/xmalloc.h"

/*
 * Finds the {name:Type} placeholders outside strings, quoted names and
 * comments; calls fn for each with its span. Returns -1 if fn does.
 */
static int
ch_params_scan(const char *sql, int (*fn)(const char *start, size_t len,
    const char *name, size_t namelen, const char *type, size_t typelen, void *),
    void *arg)
{
	const char	*p = sql, *q, *colon, *close;
	char		 quote;
	int		 depth;

	while (*p != '\0') {
		if (*p == '\'' || *p == '"' || *p == '`') {
			quote = *p++;
			while (*p != '\0' && *p != quote) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				p++;
			}
			if (*p != '\0')
				p++;
			continue;
		}
		if (p[0] == '-' && p[1] == '-') {
			while (*p != '\0' && *p != '\n')
				p++;
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			if ((q = strstr(p + 2, "*/")) == NULL)
				break;
			p = q + 2;
			continue;
		}
		if (*p != '{') {
			p++;
			continue;
		}
		q = p + 1;
		while (*q == ' ')
			q++;
		colon = q;
		while (isalnum((unsigned char)*colon) || *colon == '_')
			colon++;
		if (colon == q || *colon != ':') {
			p++;
			continue;
		}
		/* The type may nest: Array(Nullable(String)). */
		depth = 0;
		for (close = colon + 1; *close != '\0'; close++) {
			if (*close == '(')
				depth++;
			else if (*close == ')')
				depth--;
			else if (*close == '}' && depth <= 0)
				break;
		}
		if (*close != '}') {
			p++;
			continue;
		}
		if (fn(p, (size_t)(close + 1 - p), q, (size_t)(colon - q), colon + 1,
		    (size_t)(close - colon - 1), arg) != 0)
			return (-1);
		p = close + 1;
	}
	return (0);
}

struct ch_subst {
	const struct ch_param	*params;
	size_t			 nparams;
	struct buf		 out;
	const char		*copied;	/* input copied up to here */
	char			*missing;	/* the first name without a value */
};

static const struct ch_param *
ch_param_find(const struct ch_param *params, size_t n, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strlen(params[i].name) == len && strncmp(params[i].name, name, len) == 0)
			return (&params[i]);
	}
	return (NULL);
}

/* Checks a placeholder has a value and, when building, writes CAST('value' AS Type). */
static int
ch_subst_one(const char *start, size_t len, const char *name, size_t namelen,
    const char *type, size_t typelen, void *arg)
{
	struct ch_subst		*s = arg;
	const struct ch_param	*p;
	const char		*v;

	if ((p = ch_param_find(s->params, s->nparams, name, namelen)) == NULL) {
		s->missing = xstrndup(name, namelen);
		return (-1);
	}
	if (s->copied == NULL)
		return (0);
	buf_add(&s->out, s->copied, (size_t)(start - s->copied));
	buf_adds(&s->out, "CAST('");
	for (v = p->value; *v != '\0'; v++) {
		if (*v == '\\' || *v == '\'')
			buf_addc(&s->out, '\\');
		buf_addc(&s->out, *v);
	}
	buf_adds(&s->out, "' AS ");
	while (typelen > 0 && *type == ' ')
		type++, typelen--;
	buf_add(&s->out, type, typelen);
	buf_addc(&s->out, ')');
	s->copied = start + len;
	return (0);
}

/* The query with its parameters as literals, for servers without param_NAME. */
char *
ch_params_substitute(const char *sql, const struct ch_param *params, size_t n)
{
	struct ch_subst	s;

	memset(&s, 0, sizeof s);
	s.params = params;
	s.nparams = n;
	buf_init(&s.out);
	s.copied = sql;
	if (ch_params_scan(sql, ch_subst_one, &s) != 0) {
		free(s.missing);	/* checked at start: cannot happen */
		buf_free(&s.out);
		return (xstrdup(sql));
	}
	buf_adds(&s.out, s.copied);
	return (buf_steal(&s.out));
}

/* Only checks that every placeholder has a value. */
int
ch_params_check(const char *sql, const struct ch_param *params, size_t n, char **cause)
{
	struct ch_subst	s;

	memset(&s, 0, sizeof s);
	s.params = params;
	s.nparams = n;
	if (ch_params_scan(sql, ch_subst_one, &s) != 0) {
		xasprintf(cause, "no value for the parameter {%s:...} (--param %s=VALUE)",
		    s.missing, s.missing);
		free(s.missing);
		return (-1);
	}
	return (0);
}

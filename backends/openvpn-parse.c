/*
 * OpenVPN management lines, classified and parsed without side effects:
 * the client in openvpn.c and the fuzz target share this file.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/openvpn.h"

/* Does line (of len bytes) start with prefix? */
static int
ovpn_parse_prefix(const char *line, size_t len, const char *prefix)
{
	size_t	n = strlen(prefix);

	return (len >= n && memcmp(line, prefix, n) == 0);
}

/* Copy a field of n bytes into out (size), cut to fit and without NULs. */
static void
ovpn_parse_copy(char *out, size_t size, const char *s, size_t n)
{
	size_t	i, j = 0;

	for (i = 0; i < n && j + 1 < size; i++) {
		if (s[i] != '\0')
			out[j++] = s[i];
	}
	out[j] = '\0';
}

/* A decimal number of up to 19 digits filling exactly n bytes. */
static int
ovpn_parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (n == 0 || n > 19)
		return (-1);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return (0);
}

/* The state line's fields, comma separated; only the first two are required. */
int
ovpn_parse_state(const char *s, size_t len, struct ovpn_state *st)
{
	const char	*f[8], *end = s + len, *p, *comma;
	size_t		 flen[8], nf = 0, i;
	uint64_t	 v;

	memset(st, 0, sizeof *st);
	for (p = s; nf < 8; p = comma + 1) {
		comma = memchr(p, ',', end - p);
		f[nf] = p;
		flen[nf] = (comma != NULL ? comma : end) - p;
		nf++;
		if (comma == NULL)
			break;
	}
	if (nf < 2 || ovpn_parse_u64(f[0], flen[0], &v) != 0 || flen[1] == 0)
		return (-1);
	for (i = 0; i < flen[1]; i++) {
		if ((f[1][i] < 'A' || f[1][i] > 'Z') && f[1][i] != '_')
			return (-1);
	}
	st->time = v > INT64_MAX ? INT64_MAX : (int64_t)v;
	ovpn_parse_copy(st->name, sizeof st->name, f[1], flen[1]);
	if (nf > 2)
		ovpn_parse_copy(st->desc, sizeof st->desc, f[2], flen[2]);
	if (nf > 3)
		ovpn_parse_copy(st->local_ip, sizeof st->local_ip, f[3], flen[3]);
	if (nf > 4)
		ovpn_parse_copy(st->remote_ip, sizeof st->remote_ip, f[4], flen[4]);
	if (nf > 5 && ovpn_parse_u64(f[5], flen[5], &v) == 0 && v <= 65535)
		st->remote_port = (int)v;
	return (0);
}

/* >BYTECOUNT:in,out (a server adds a client id first: >BYTECOUNT_CLI:id,in,out). */
static int
ovpn_parse_bytecount(const char *s, size_t len, struct ovpn_line *l)
{
	const char	*comma;

	if ((comma = memchr(s, ',', len)) == NULL)
		return (-1);
	if (ovpn_parse_u64(s, comma - s, &l->bytes_in) != 0 ||
	    ovpn_parse_u64(comma + 1, len - (comma + 1 - s), &l->bytes_out) != 0)
		return (-1);
	return (0);
}

/* >PASSWORD:Need 'Auth' username/password, or Verification Failed: 'Auth'. */
static int
ovpn_parse_password(const char *s, size_t len, struct ovpn_line *l)
{
	const char	*q1, *q2;

	if (ovpn_parse_prefix(s, len, "Verification Failed:"))
		l->type = OVPN_LINE_PASSWORD_FAILED;
	else if (ovpn_parse_prefix(s, len, "Need "))
		l->type = OVPN_LINE_PASSWORD;
	else {
		l->type = OVPN_LINE_ASYNC;	/* Auth-Token:, and others */
		return (0);
	}
	if ((q1 = memchr(s, '\'', len)) == NULL ||
	    (q2 = memchr(q1 + 1, '\'', len - (q1 + 1 - s))) == NULL ||
	    q2 == q1 + 1)
		return (-1);
	ovpn_parse_copy(l->realm, sizeof l->realm, q1 + 1, q2 - q1 - 1);
	return (0);
}

/* Classify one line; the fields of the kinds we use are parsed. */
int
ovpn_parse_line(const char *line, size_t len, struct ovpn_line *l)
{
	static const struct {
		const char		*prefix;
		enum ovpn_line_type	 type;
	} kinds[] = {
		{ "SUCCESS:", OVPN_LINE_SUCCESS },
		{ "ERROR:", OVPN_LINE_ERROR },
		{ ">STATE:", OVPN_LINE_STATE },
		{ ">BYTECOUNT:", OVPN_LINE_BYTECOUNT },
		{ ">HOLD:", OVPN_LINE_HOLD },
		{ ">PASSWORD:", OVPN_LINE_PASSWORD },
		{ ">INFO:", OVPN_LINE_INFO },
		{ ">FATAL:", OVPN_LINE_FATAL },
	};
	const char	*rest;
	size_t		 i, n;

	memset(l, 0, sizeof *l);
	l->type = OVPN_LINE_DATA;
	l->text = line;
	if (len == 3 && memcmp(line, "END", 3) == 0) {
		l->type = OVPN_LINE_END;
		return (0);
	}
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (ovpn_parse_prefix(line, len, kinds[i].prefix))
			break;
	}
	if (i == sizeof kinds / sizeof kinds[0]) {
		if (len > 0 && line[0] == '>')
			l->type = OVPN_LINE_ASYNC;
		else if (ovpn_parse_state(line, len, &l->state) == 0)
			l->has_state = 1;
		return (0);
	}
	l->type = kinds[i].type;
	n = strlen(kinds[i].prefix);
	rest = line + n;
	n = len - n;
	if (l->type == OVPN_LINE_SUCCESS || l->type == OVPN_LINE_ERROR)
		while (n > 0 && *rest == ' ')
			rest++, n--;
	l->text = rest;
	switch (l->type) {
	case OVPN_LINE_STATE:
		return (ovpn_parse_state(rest, n, &l->state));
	case OVPN_LINE_BYTECOUNT:
		return (ovpn_parse_bytecount(rest, n, l));
	case OVPN_LINE_PASSWORD:
		return (ovpn_parse_password(rest, n, l));
	default:
		return (0);
	}
}

/* "NAME,VALUE" of the status command's statistics, for one NAME. */
int
ovpn_parse_status_bytes(const char *line, const char *name, uint64_t *out)
{
	size_t	n = strlen(name);

	if (strncmp(line, name, n) != 0 || line[n] != ',')
		return (-1);
	return (ovpn_parse_u64(line + n + 1, strlen(line + n + 1), out));
}

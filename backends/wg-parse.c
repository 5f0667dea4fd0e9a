/*
 * WireGuard's two status formats, parsed without side effects (shared by
 * wg.c and the fuzz target). Key material other than public keys is
 * skipped field by field and never copied.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/wg.h"
#include "core/xmalloc.h"

#define WG_MAX_FIELDS	9

/* Copy n bytes into out (size), cut to fit, without NULs or control bytes. */
static void
wg_parse_copy(char *out, size_t size, const char *s, size_t n)
{
	size_t	i, j = 0;

	for (i = 0; i < n && j + 1 < size; i++) {
		if ((unsigned char)s[i] >= 0x20 && s[i] != 0x7f)
			out[j++] = s[i];
	}
	out[j] = '\0';
}

/* Decimal digits only, exactly n bytes, at most 19 of them. */
static int
wg_parse_u64(const char *s, size_t n, uint64_t *out)
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

/* A new zeroed interface at the end of the list. */
static struct wg_iface *
wg_parse_add_iface(struct wg_status *st)
{
	st->ifaces = xreallocarray(st->ifaces, st->nifaces + 1,
	    sizeof *st->ifaces);
	memset(&st->ifaces[st->nifaces], 0, sizeof *st->ifaces);
	return (&st->ifaces[st->nifaces++]);
}

/* A new zeroed peer at the end of the list. */
static struct wg_peer *
wg_parse_add_peer(struct wg_status *st)
{
	st->peers = xreallocarray(st->peers, st->npeers + 1, sizeof *st->peers);
	memset(&st->peers[st->npeers], 0, sizeof *st->peers);
	return (&st->peers[st->npeers++]);
}

/* Free the arrays; the status may be parsed into again. */
void
wg_status_clear(struct wg_status *st)
{
	free(st->ifaces);
	free(st->peers);
	memset(st, 0, sizeof *st);
}

/*
 * One dump line: 5 fields for an interface (name, private key, public key,
 * port, fwmark), 9 for a peer (name, public key, preshared key, endpoint,
 * allowed ips, handshake, rx, tx, keepalive).
 */
static int
wg_parse_dump_line(const char *s, size_t len, struct wg_status *st)
{
	const char	*f[WG_MAX_FIELDS], *end = s + len, *p, *tab;
	size_t		 fl[WG_MAX_FIELDS], nf = 0;
	struct wg_iface	*i;
	struct wg_peer	*pe;
	uint64_t	 v;

	for (p = s;; p = tab + 1) {
		if (nf == WG_MAX_FIELDS)
			return (-1);
		tab = memchr(p, '\t', end - p);
		f[nf] = p;
		fl[nf++] = (tab != NULL ? tab : end) - p;
		if (tab == NULL)
			break;
	}
	if (fl[0] == 0 || fl[0] > 15)
		return (-1);
	if (nf == 5) {
		i = wg_parse_add_iface(st);
		wg_parse_copy(i->name, sizeof i->name, f[0], fl[0]);
		/* f[1], the private key, is not read. */
		if (!(fl[2] == 6 && memcmp(f[2], "(none)", 6) == 0))
			wg_parse_copy(i->public_key, sizeof i->public_key, f[2],
			    fl[2]);
		if (wg_parse_u64(f[3], fl[3], &v) == 0 && v <= 65535)
			i->listen_port = (int)v;
		return (0);
	}
	if (nf != 9)
		return (-1);
	pe = wg_parse_add_peer(st);
	wg_parse_copy(pe->ifname, sizeof pe->ifname, f[0], fl[0]);
	wg_parse_copy(pe->public_key, sizeof pe->public_key, f[1], fl[1]);
	/* f[2], the preshared key, is not read. */
	if (!(fl[3] == 6 && memcmp(f[3], "(none)", 6) == 0))
		wg_parse_copy(pe->endpoint, sizeof pe->endpoint, f[3], fl[3]);
	if (!(fl[4] == 6 && memcmp(f[4], "(none)", 6) == 0))
		wg_parse_copy(pe->allowed_ips, sizeof pe->allowed_ips, f[4],
		    fl[4]);
	if (wg_parse_u64(f[5], fl[5], &v) != 0 ||
	    wg_parse_u64(f[6], fl[6], &pe->rx) != 0 ||
	    wg_parse_u64(f[7], fl[7], &pe->tx) != 0) {
		st->npeers--;
		return (-1);
	}
	pe->handshake = v > INT64_MAX ? INT64_MAX : (int64_t)v;
	if (wg_parse_u64(f[8], fl[8], &v) == 0 && v <= 65535)
		pe->keepalive = (int)v;
	return (0);
}

/* Line by line; the first bad line refuses the whole dump. */
int
wg_parse_dump(const char *text, size_t len, struct wg_status *st, char **cause)
{
	const char	*end = text + len, *nl;
	int		 line = 0;

	memset(st, 0, sizeof *st);
	while (text < end) {
		line++;
		if ((nl = memchr(text, '\n', end - text)) == NULL)
			nl = end;
		if (nl > text && wg_parse_dump_line(text, nl - text, st) != 0) {
			xasprintf(cause, "wg show all dump: line %d is not an"
			    " interface or a peer", line);
			wg_status_clear(st);
			return (-1);
		}
		text = nl + 1;
	}
	return (0);
}

/* 64 hex digits to base64, as wg shows keys; "" if it is not a key. */
static void
wg_parse_hexkey(char *out, size_t size, const char *hex, size_t n)
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char		 key[32];
	size_t			 i, j = 0;
	unsigned		 hi, lo, v;

	out[0] = '\0';
	if (n != 64 || size < 45)
		return;
	for (i = 0; i < 32; i++) {
		if (sscanf(hex + 2 * i, "%1x%1x", &hi, &lo) != 2)
			return;
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	for (i = 0; i < 30; i += 3) {
		v = (unsigned)key[i] << 16 | (unsigned)key[i + 1] << 8 | key[i + 2];
		out[j++] = b64[v >> 18 & 63];
		out[j++] = b64[v >> 12 & 63];
		out[j++] = b64[v >> 6 & 63];
		out[j++] = b64[v & 63];
	}
	v = (unsigned)key[30] << 16 | (unsigned)key[31] << 8;
	out[j++] = b64[v >> 18 & 63];
	out[j++] = b64[v >> 12 & 63];
	out[j++] = b64[v >> 6 & 63];
	out[j++] = '=';
	out[j] = '\0';
}

/* key=value lines; a public_key starts a peer; errno= ends the reply. */
int
wg_parse_uapi(const char *ifname, const char *text, size_t len,
    struct wg_status *st, char **cause)
{
	const char	*end = text + len, *nl, *eq, *val;
	struct wg_iface	*i;
	struct wg_peer	*pe = NULL;
	size_t		 klen, vlen, have;
	uint64_t	 v;
	int		 err = -1;

	memset(st, 0, sizeof *st);
	i = wg_parse_add_iface(st);
	wg_parse_copy(i->name, sizeof i->name, ifname, strlen(ifname));
	for (; text < end; text = nl + 1) {
		if ((nl = memchr(text, '\n', end - text)) == NULL)
			nl = end;
		if (nl == text)
			continue;
		if ((eq = memchr(text, '=', nl - text)) == NULL)
			goto bad;
		klen = eq - text;
		val = eq + 1;
		vlen = nl - val;
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(text, k, klen) == 0)
		if (KEY("errno")) {
			if (wg_parse_u64(val, vlen, &v) != 0)
				goto bad;
			err = (int)(v > 1000 ? 1000 : v);
			break;
		} else if (KEY("listen_port")) {
			if (wg_parse_u64(val, vlen, &v) == 0 && v <= 65535)
				i->listen_port = (int)v;
		} else if (KEY("public_key")) {
			pe = wg_parse_add_peer(st);
			wg_parse_copy(pe->ifname, sizeof pe->ifname, ifname,
			    strlen(ifname));
			wg_parse_hexkey(pe->public_key, sizeof pe->public_key,
			    val, vlen);
		} else if (pe == NULL) {
			continue;	/* private_key, fwmark: not read */
		} else if (KEY("endpoint"))
			wg_parse_copy(pe->endpoint, sizeof pe->endpoint, val, vlen);
		else if (KEY("last_handshake_time_sec")) {
			if (wg_parse_u64(val, vlen, &v) != 0)
				goto bad;
			pe->handshake = v > INT64_MAX ? INT64_MAX : (int64_t)v;
		} else if (KEY("rx_bytes")) {
			if (wg_parse_u64(val, vlen, &pe->rx) != 0)
				goto bad;
		} else if (KEY("tx_bytes")) {
			if (wg_parse_u64(val, vlen, &pe->tx) != 0)
				goto bad;
		} else if (KEY("persistent_keepalive_interval")) {
			if (wg_parse_u64(val, vlen, &v) == 0 && v <= 65535)
				pe->keepalive = (int)v;
		} else if (KEY("allowed_ip")) {
			have = strlen(pe->allowed_ips);
			if (have != 0 && have + 2 < sizeof pe->allowed_ips) {
				pe->allowed_ips[have++] = ',';
				pe->allowed_ips[have] = '\0';
			}
			wg_parse_copy(pe->allowed_ips + have,
			    sizeof pe->allowed_ips - have, val, vlen);
		}
#undef KEY
	}
	if (err == 0)
		return (0);
	if (err > 0)
		xasprintf(cause, "%s: the UAPI socket answered errno=%d", ifname,
		    err);
	else
		xasprintf(cause, "%s: the UAPI reply has no errno line", ifname);
	wg_status_clear(st);
	return (-1);
bad:
	xasprintf(cause, "%s: a malformed UAPI line", ifname);
	wg_status_clear(st);
	return (-1);
}

/* The handshake's age the way the status view shows it. */
void
wg_handshake_age(char *out, size_t size, int64_t handshake, int64_t now)
{
	int64_t	age;

	if (handshake <= 0) {
		snprintf(out, size, "never");
		return;
	}
	age = now > handshake ? now - handshake : 0;
	if (age < 120)
		snprintf(out, size, "%llds ago", (long long)age);
	else if (age < 7200)
		snprintf(out, size, "%lldm ago", (long long)(age / 60));
	else
		snprintf(out, size, "%lldh ago", (long long)(age / 3600));
	if (age > WG_STALE_S) {
		char	tmp[64];

		snprintf(tmp, sizeof tmp, "stale (%s)", out);
		snprintf(out, size, "%s", tmp);
	}
}

/*
 * Public key authentication, one candidate at a time without blocking: the
 * target's key file, then ssh-agent's identities, then the default files
 * (ed25519 first). When only RSA keys were tried the message says why
 * libssh2 1.10 cannot use them against current OpenSSH.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/ssh-int.h"
#include "core/buf.h"
#include "core/util.h"
#include "core/xmalloc.h"

#define SSH_AUTH_MAX_FILES	4

enum ssh_auth_phase {
	SSH_AUTH_FILE,		/* files[idx] */
	SSH_AUTH_AGENT,
	SSH_AUTH_END,
};

struct ssh_auth {
	struct ssh_session	*s;
	enum ssh_auth_phase	 phase;
	char			*files[SSH_AUTH_MAX_FILES];	/* owned */
	int			 nfiles;
	int			 idx;
	int			 agent_first;	/* agent after files[0] */
	LIBSSH2_AGENT		*agent;
	struct libssh2_agent_publickey *ident;	/* being tried */
	int			 tried;		/* keys offered */
	int			 tried_rsa;	/* of which RSA */
	struct buf		 names;		/* "FILE, agent:COMMENT" for the message */
};

/* Decode base64, skipping newlines; returns the length written to out. */
static size_t
ssh_auth_base64_decode(const char *in, unsigned char *out, size_t cap)
{
	static const char	 tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*p;
	unsigned		 acc = 0;
	int			 bits = 0;
	size_t			 n = 0;

	for (; *in != '\0' && *in != '-' && *in != '='; in++) {
		if ((p = strchr(tbl, *in)) == NULL || *in == '\0')
			continue;
		acc = (acc << 6) | (unsigned)(p - tbl);
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (n < cap)
				out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (n);
}

/* Is the key in this file RSA? Looks at FILE.pub, the PEM header, then the OpenSSH blob. */
int
ssh_auth_key_is_rsa(const char *path)
{
	static const char	 rsa[] = "\0\0\0\7ssh-rsa";
	char			*pub, buf[4096];
	unsigned char		 raw[2048];
	const char		*body;
	FILE			*f;
	size_t			 n, i;

	pub = xprintf("%s.pub", path);
	f = fopen(pub, "r");
	free(pub);
	if (f != NULL) {
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		return (strncmp(buf, "ssh-rsa ", 8) == 0);
	}
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (strstr(buf, "BEGIN RSA PRIVATE KEY") != NULL)
		return (1);
	if ((body = strstr(buf, "BEGIN OPENSSH PRIVATE KEY-----")) == NULL)
		return (0);
	body += strlen("BEGIN OPENSSH PRIVATE KEY-----");
	n = ssh_auth_base64_decode(body, raw, sizeof raw);
	for (i = 0; n >= sizeof rsa - 1 && i + sizeof rsa - 1 <= n && i < 128; i++) {
		if (memcmp(raw + i, rsa, sizeof rsa - 1) == 0)
			return (1);
	}
	return (0);
}

/* The key type an agent identity carries at the front of its blob. */
static int
ssh_auth_blob_is_rsa(const struct libssh2_agent_publickey *id)
{
	return (id->blob_len > 11 && memcmp(id->blob, "\0\0\0\7ssh-rsa", 11) == 0);
}

static void
ssh_auth_add_file(struct ssh_auth *a, const char *path)
{
	int	i;

	if (a->nfiles == SSH_AUTH_MAX_FILES || access(path, R_OK) != 0)
		return;
	for (i = 0; i < a->nfiles; i++) {
		if (strcmp(a->files[i], path) == 0)
			return;
	}
	a->files[a->nfiles++] = xstrdup(path);
}

/* The candidates in order: the target's key, the agent, the defaults. */
struct ssh_auth *
ssh_auth_new(struct ssh_session *s)
{
	static const char	*defaults[] = { "~/.ssh/id_ed25519",
	    "~/.ssh/id_ecdsa", "~/.ssh/id_rsa" };
	struct ssh_auth		*a;
	char			*path;
	size_t			 i;

	a = xcalloc(1, sizeof *a);
	a->s = s;
	buf_init(&a->names);
	if (s->key != NULL) {
		a->files[a->nfiles++] = xstrdup(s->key);
		a->agent_first = 1;
	}
	for (i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		path = util_expand_home(defaults[i]);
		ssh_auth_add_file(a, path);
		free(path);
	}
	a->phase = SSH_AUTH_FILE;
	if (s->key == NULL)
		a->phase = SSH_AUTH_AGENT;
	return (a);
}

void
ssh_auth_free(struct ssh_auth *a)
{
	int	i;

	if (a == NULL)
		return;
	if (a->agent != NULL) {
		libssh2_agent_disconnect(a->agent);
		libssh2_agent_free(a->agent);
	}
	for (i = 0; i < a->nfiles; i++)
		free(a->files[i]);
	buf_free(&a->names);
	free(a);
}

static void
ssh_auth_note(struct ssh_auth *a, const char *what, int rsa)
{
	buf_printf(&a->names, "%s%s", a->names.len > 0 ? ", " : "", what);
	a->tried++;
	if (rsa)
		a->tried_rsa++;
}

/* Next identity from the agent, connecting to it first; 0 when none is left. */
static int
ssh_auth_agent_next(struct ssh_auth *a)
{
	const char	*sock = getenv("SSH_AUTH_SOCK");
	LIBSSH2_SESSION	*sess = a->s->sess;

	if (a->agent == NULL) {
		if (sock == NULL || *sock == '\0')
			return (0);
		/* A local unix socket: connecting and listing are quick. */
		if ((a->agent = libssh2_agent_init(sess)) == NULL)
			return (0);
		if (libssh2_agent_connect(a->agent) != 0 ||
		    libssh2_agent_list_identities(a->agent) != 0) {
			libssh2_agent_free(a->agent);
			a->agent = NULL;
			unsetenv("SSH_AUTH_SOCK");	/* do not try it again */
			return (0);
		}
		a->ident = NULL;
	}
	if (libssh2_agent_get_identity(a->agent, &a->ident, a->ident) != 0) {
		a->ident = NULL;
		return (0);
	}
	return (1);
}

/* The message when nothing was accepted. */
static char *
ssh_auth_message(struct ssh_auth *a)
{
	struct ssh_session	*s = a->s;

	if (a->tried == 0) {
		return (xprintf("%s: no key to log in as %s: set ssh-key in the"
		    " inventory, run ssh-agent, or create ~/.ssh/id_ed25519",
		    s->name, s->user));
	}
	if (a->tried == a->tried_rsa) {
		return (xprintf("%s: %s refused the RSA key (%s): libssh2 1.10"
		    " signs RSA with SHA-1 only, which OpenSSH 8.8 and later"
		    " refuse: use an ed25519 key", s->name, s->user,
		    buf_str(&a->names)));
	}
	return (xprintf("%s: authentication as %s refused (tried %s)", s->name,
	    s->user, buf_str(&a->names)));
}

/* Try candidates until one is accepted: 1 done, 0 again, -1 failed. */
int
ssh_auth_step(struct ssh_auth *a, enum ssh_error *err, char **cause)
{
	struct ssh_session	*s = a->s;
	const char		*file;
	char			*what;
	int			 rc;

	for (;;) {
		switch (a->phase) {
		case SSH_AUTH_FILE:
			if (a->idx >= a->nfiles) {
				a->phase = SSH_AUTH_END;
				continue;
			}
			file = a->files[a->idx];
			rc = libssh2_userauth_publickey_fromfile_ex(s->sess, s->user,
			    (unsigned)strlen(s->user), NULL, file, NULL);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return (0);
			if (rc == 0)
				return (1);
			if (ssh_session_broken_rc(rc))
				goto broken;
			if (rc == LIBSSH2_ERROR_FILE) {
				what = xprintf("%s (unreadable or has a passphrase)",
				    file);
				ssh_auth_note(a, what, 0);
				a->tried--;
				free(what);
			} else
				ssh_auth_note(a, file, ssh_auth_key_is_rsa(file));
			a->idx++;
			if (a->idx == 1 && a->agent_first)
				a->phase = SSH_AUTH_AGENT;
			continue;
		case SSH_AUTH_AGENT:
			if (a->ident == NULL && !ssh_auth_agent_next(a)) {
				a->phase = a->idx < a->nfiles ? SSH_AUTH_FILE :
				    SSH_AUTH_END;
				a->agent_first = 0;
				continue;
			}
			rc = libssh2_agent_userauth(a->agent, s->user, a->ident);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return (0);
			if (rc == 0)
				return (1);
			if (ssh_session_broken_rc(rc))
				goto broken;
			what = xprintf("agent key %s", a->ident->comment != NULL &&
			    *a->ident->comment != '\0' ? a->ident->comment : "");
			ssh_auth_note(a, what, ssh_auth_blob_is_rsa(a->ident));
			free(what);
			if (!ssh_auth_agent_next(a)) {
				a->phase = a->idx < a->nfiles ? SSH_AUTH_FILE :
				    SSH_AUTH_END;
				a->agent_first = 0;
			}
			continue;
		case SSH_AUTH_END:
			*err = SSH_ERR_AUTH;
			*cause = ssh_auth_message(a);
			return (-1);
		}
	}
broken:
	*err = SSH_ERR_AUTH;
	what = ssh_session_last_error(s, "authentication");
	*cause = xprintf("%s: %s (tried %s)", s->name, what,
	    a->names.len > 0 ? buf_str(&a->names) : "nothing yet");
	free(what);
	if (a->tried > 0 && a->tried == a->tried_rsa) {
		free(*cause);
		*cause = ssh_auth_message(a);
	}
	return (-1);
}

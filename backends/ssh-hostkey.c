/*
 * Host keys against known_hosts: checked with libssh2's knownhost
 * functions, new keys appended in OpenSSH's format ([host]:port for other
 * ports than 22), and a changed key traced to the file and line that holds
 * the old one.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/ssh-int.h"
#include "core/digest.h"
#include "core/util.h"
#include "core/xmalloc.h"

/* OpenSSH's name of a libssh2 host key type. */
const char *
ssh_hostkey_type_name(int type)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA:
		return ("ssh-rsa");
	case LIBSSH2_HOSTKEY_TYPE_DSS:
		return ("ssh-dss");
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
		return ("ecdsa-sha2-nistp256");
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
		return ("ecdsa-sha2-nistp384");
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
		return ("ecdsa-sha2-nistp521");
	case LIBSSH2_HOSTKEY_TYPE_ED25519:
		return ("ssh-ed25519");
	}
	return ("unknown");
}

/* The knownhost type bit for a session host key type. */
static int
ssh_hostkey_bit(int type)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA:
		return (LIBSSH2_KNOWNHOST_KEY_SSHRSA);
	case LIBSSH2_HOSTKEY_TYPE_DSS:
		return (LIBSSH2_KNOWNHOST_KEY_SSHDSS);
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
		return (LIBSSH2_KNOWNHOST_KEY_ECDSA_256);
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
		return (LIBSSH2_KNOWNHOST_KEY_ECDSA_384);
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
		return (LIBSSH2_KNOWNHOST_KEY_ECDSA_521);
	case LIBSSH2_HOSTKEY_TYPE_ED25519:
		return (LIBSSH2_KNOWNHOST_KEY_ED25519);
	}
	return (LIBSSH2_KNOWNHOST_KEY_UNKNOWN);
}

/* How known_hosts names a host: plain for port 22, [host]:port otherwise. */
char *
ssh_hostkey_hostname(const char *host, int port)
{
	if (port == 22 || port <= 0)
		return (xstrdup(host));
	return (xprintf("[%s]:%d", host, port));
}

/* "SHA256:base64" without padding, as ssh-keygen -lf prints it. */
char *
ssh_hostkey_fingerprint(LIBSSH2_SESSION *sess)
{
	const char	*hash;
	char		 b64[64];
	size_t		 n;

	hash = libssh2_hostkey_hash(sess, LIBSSH2_HOSTKEY_HASH_SHA256);
	if (hash == NULL)
		return (xstrdup("SHA256:?"));
	digest_base64((const unsigned char *)hash, 32, b64);
	n = strlen(b64);
	while (n > 0 && b64[n - 1] == '=')
		b64[--n] = '\0';
	return (xprintf("SHA256:%s", b64));
}

/* Check one key against a knownhost list; port 22 is checked plain. */
static int
ssh_hostkey_checkp(LIBSSH2_KNOWNHOSTS *kh, const char *host, int port,
    const char *key, size_t keylen, int type)
{
	return (libssh2_knownhost_checkp(kh, host, port == 22 ? -1 : port, key,
	    keylen, LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
	    ssh_hostkey_bit(type), NULL));
}

/*
 * The line of PATH that holds a different key of the same type for the
 * host, and that key's type name; 0 when no line does. Each line is read
 * on its own, so hashed names and patterns match as libssh2 matches them.
 */
int
ssh_hostkey_find_line(const char *path, const char *host, int port,
    const char *key, size_t keylen, int type, char **stored_type)
{
	LIBSSH2_SESSION		*sess;
	LIBSSH2_KNOWNHOSTS	*kh;
	FILE			*f;
	char			*line = NULL, *p, *q;
	size_t			 cap = 0;
	ssize_t			 n;
	int			 lineno = 0, found = 0, rc;

	*stored_type = NULL;
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	if ((sess = libssh2_session_init()) == NULL) {
		fclose(f);
		return (0);
	}
	while (!found && (n = getline(&line, &cap, f)) != -1) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		p = line + strspn(line, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		if ((kh = libssh2_knownhost_init(sess)) == NULL)
			break;
		if (libssh2_knownhost_readline(kh, p, strlen(p),
		    LIBSSH2_KNOWNHOST_FILE_OPENSSH) == 0) {
			rc = ssh_hostkey_checkp(kh, host, port, key, keylen, type);
			if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
				found = lineno;
				/* Fields: [@marker] hosts keytype key [comment]. */
				if (*p == '@')
					p += strcspn(p, " \t"), p += strspn(p, " \t");
				p += strcspn(p, " \t");
				p += strspn(p, " \t");
				q = p + strcspn(p, " \t");
				*stored_type = xstrndup(p, (size_t)(q - p));
			}
		}
		libssh2_knownhost_free(kh);
	}
	free(line);
	fclose(f);
	libssh2_session_free(sess);
	return (found);
}

/* Check the session's host key against the pool's known_hosts file. */
enum ssh_hostkey_result
ssh_hostkey_check(struct ssh_session *s, char **cause)
{
	LIBSSH2_KNOWNHOSTS	*kh;
	const char		*key, *file = s->ssh->known_hosts;
	char			*stored = NULL, *name, *buf = NULL;
	size_t			 len, cap = 0;
	ssize_t			 n;
	FILE			*f;
	int			 type, rc, line;

	key = libssh2_session_hostkey(s->sess, &len, &type);
	if (key == NULL) {
		*cause = xprintf("%s: the server sent no host key", s->name);
		return (SSH_HOSTKEY_ERROR);
	}
	if ((kh = libssh2_knownhost_init(s->sess)) == NULL) {
		*cause = xstrdup("libssh2_knownhost_init failed");
		return (SSH_HOSTKEY_ERROR);
	}
	/* A missing file is an empty one; lines libssh2 cannot read are skipped. */
	if ((f = fopen(file, "r")) == NULL && errno != ENOENT) {
		libssh2_knownhost_free(kh);
		*cause = xprintf("cannot read %s: %s", file, strerror(errno));
		return (SSH_HOSTKEY_ERROR);
	}
	while (f != NULL && (n = getline(&buf, &cap, f)) != -1)
		libssh2_knownhost_readline(kh, buf, (size_t)n,
		    LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	free(buf);
	if (f != NULL)
		fclose(f);
	rc = ssh_hostkey_checkp(kh, s->host, s->port, key, len, type);
	libssh2_knownhost_free(kh);
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		return (SSH_HOSTKEY_MATCH);
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		return (SSH_HOSTKEY_UNKNOWN);
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		name = ssh_hostkey_hostname(s->host, s->port);
		line = ssh_hostkey_find_line(file, s->host, s->port, key, len,
		    type, &stored);
		if (line > 0) {
			*cause = xprintf("host key for %s changed: %s:%d has a"
			    " different %s key (refused; if the change is"
			    " expected, remove that line)", name, file, line,
			    stored);
		} else {
			*cause = xprintf("host key for %s changed: %s has a"
			    " different %s key (refused)", name, file,
			    ssh_hostkey_type_name(type));
		}
		free(stored);
		free(name);
		return (SSH_HOSTKEY_CHANGED);
	}
	*cause = xprintf("%s: checking the host key in %s failed", s->name, file);
	return (SSH_HOSTKEY_ERROR);
}

/* Append the session's host key to known_hosts, creating it (and ~/.ssh) if needed. */
int
ssh_hostkey_add(struct ssh_session *s, char **cause)
{
	const char	*key, *file = s->ssh->known_hosts;
	char		*b64, *name, *line, *dir, *slash;
	size_t		 len;
	int		 type, fd;
	ssize_t		 n;

	key = libssh2_session_hostkey(s->sess, &len, &type);
	if (key == NULL) {
		*cause = xprintf("%s: no host key to save", s->name);
		return (-1);
	}
	dir = xstrdup(file);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		util_mkdir_p(dir, 0700);
	}
	free(dir);
	b64 = xmalloc(4 * ((len + 2) / 3) + 1);
	digest_base64((const unsigned char *)key, len, b64);
	name = ssh_hostkey_hostname(s->host, s->port);
	line = xprintf("%s %s %s\n", name, ssh_hostkey_type_name(type), b64);
	free(b64);
	free(name);
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		*cause = xprintf("cannot add the host key to %s: %s", file,
		    strerror(errno));
		free(line);
		return (-1);
	}
	n = write(fd, line, strlen(line));
	if (n != (ssize_t)strlen(line) || fsync(fd) != 0) {
		*cause = xprintf("cannot add the host key to %s: %s", file,
		    strerror(errno));
		close(fd);
		free(line);
		return (-1);
	}
	close(fd);
	free(line);
	return (0);
}

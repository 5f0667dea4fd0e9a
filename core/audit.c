/* The audit log: time, user, command, target, result; O_APPEND and fsync so a crash loses nothing. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/util.h"
#include "core/xmalloc.h"

char *
audit_default_path(void)
{
	return (util_xdg_path("state", "audit.log"));
}

/* A field in double quotes with controls escaped, so one entry is one line. */
static void
audit_field(struct buf *b, const char *name, const char *value)
{
	const char	*p;

	buf_printf(b, " %s=\"", name);
	for (p = value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\x%02x", (unsigned char)*p);
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

int
audit_write(const char *path, const char *command, const char *target,
    const char *line, const char *result)
{
	struct buf	 b;
	struct tm	 tm;
	time_t		 now = time(NULL);
	char		 ts[32], *dir, *copy;
	int		 fd, rc = 0;
	ssize_t		 n;

	copy = xstrdup(path);
	dir = dirname(copy);
	util_mkdir_p(dir, 0700);
	free(copy);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("audit: %s: %s", path, strerror(errno));
		return (-1);
	}
	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);

	buf_init(&b);
	buf_adds(&b, ts);
	audit_field(&b, "user", util_user());
	audit_field(&b, "command", command);
	audit_field(&b, "target", target);
	audit_field(&b, "line", line);
	audit_field(&b, "result", result);
	buf_addc(&b, '\n');
	/* One write() of the whole line keeps concurrent writers from interleaving. */
	n = write(fd, b.data, b.len);
	if (n != (ssize_t)b.len || fsync(fd) != 0)
		rc = -1;
	close(fd);
	buf_free(&b);
	return (rc);
}

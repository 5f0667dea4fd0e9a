/* The audit log: one line per command that changed something, appended and synced. */
#ifndef AUDIT_H
#define AUDIT_H

char	*audit_default_path(void);
int	 audit_write(const char *path, const char *command, const char *target,
	     const char *line, const char *result);

#endif

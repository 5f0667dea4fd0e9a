/* Small helpers shared by every layer: durations, sizes, XDG paths, terminal-safe text. */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

struct buf;

int	 util_parse_duration(const char *, int *ms, char **cause);
void	 util_format_duration(char *, size_t, int64_t ms);
void	 util_format_bytes(char *, size_t, int64_t);
void	 util_format_time(char *, size_t, int64_t unix_seconds);
/* $XDG_<KIND>_HOME/platform-tui ("config" or "state"); caller frees. */
char	*util_xdg_dir(const char *kind);
/* A file in that directory: util_xdg_path("state", "audit.log"). */
char	*util_xdg_path(const char *kind, const char *file);
int	 util_mkdir_p(const char *, int mode);
char	*util_expand_home(const char *);
/* Append text for a terminal: controls and escapes shown escaped, bad UTF-8 replaced. */
void	 util_sanitize(struct buf *, const char *, size_t);
/* Its display width in terminal cells, as util_sanitize would print it. */
size_t	 util_width(const char *);
const char *util_user(void);

#endif

/* A debug log for developers and bug reports; off unless -v or PLATFORM_TUI_LOG names a file. */
#ifndef LOG_H
#define LOG_H

void	log_open(const char *path);
void	log_close(void);
int	log_enabled(void);
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif

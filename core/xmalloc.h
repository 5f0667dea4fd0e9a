/* Allocation wrappers that abort on failure: callers never check for NULL. */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **, const char *, va_list) __attribute__((format(printf, 2, 0)));
char	*xprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

/* Restores the terminal (when a front end registered a hook) and aborts. */
void	 fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	 fatal_set_hook(void (*)(void));

#endif

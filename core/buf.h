/* A growable byte buffer that owns its data; data is always NUL-terminated. */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

struct buf {
	char	*data;		/* owned, NUL-terminated, may be NULL when empty */
	size_t	 len;		/* bytes used, not counting the NUL */
	size_t	 cap;		/* bytes allocated */
};

void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_adds(struct buf *, const char *);
void	 buf_addc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...) __attribute__((format(printf, 2, 3)));
void	 buf_vprintf(struct buf *, const char *, va_list) __attribute__((format(printf, 2, 0)));
void	 buf_consume(struct buf *, size_t);
char	*buf_steal(struct buf *);
const char *buf_str(const struct buf *);
/*
 * Read fd to its end into dst (cap bytes, fixed: no copies are left behind
 * for secrets). Returns the length, cap when there was more, or -1 and errno.
 */
ssize_t	 buf_read_all(int fd, char *dst, size_t cap);

#endif

/*
 * A query result on disk: rows appended as they arrive to an unlinked file,
 * with the offset of every 64th row in memory, so ten million rows cost
 * about 1.3 MB of RAM and any window of them is one pread away.
 */
#ifndef SQLSPOOL_H
#define SQLSPOOL_H

#include <stddef.h>
#include <stdint.h>

struct sqlspool;

/* One row read back: valid only during the callback; NULL fields are NULL. */
struct sqlspool_row {
	uint64_t	 n;		/* its number in the result, from 0 */
	const char	**fields;
	const size_t	 *lens;
	size_t		  nfields;
};

/* Called for each row read; return -1 to stop. */
typedef int (*sqlspool_cb)(const struct sqlspool_row *, void *arg);

/* A new spool in dir (created if need be), or NULL and *cause. */
struct sqlspool	*sqlspool_new(const char *dir, size_t nfields, char **cause);
void		 sqlspool_free(struct sqlspool *);
/* Append a row; -1 and *cause when the disk is full. */
int		 sqlspool_add(struct sqlspool *, const char *const *fields,
		     const size_t *lens, size_t nfields, char **cause);
uint64_t	 sqlspool_rows(const struct sqlspool *);
uint64_t	 sqlspool_bytes(const struct sqlspool *);
size_t		 sqlspool_fields(const struct sqlspool *);
/* Read rows [from, from + n) (fewer at the end); -1 and *cause on error. */
int		 sqlspool_read(struct sqlspool *, uint64_t from, uint64_t n,
		     sqlspool_cb, void *arg, char **cause);

#endif

/*
 * How the SQL REPL prints a result as it streams: blocks of rows as a table
 * like clickhouse-client's PrettyCompact, or one "Row N:" block per row like
 * its Vertical format. Every value goes through util_sanitize.
 */
#ifndef REPL_PRINT_H
#define REPL_PRINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ch_column;
struct ch_row;

#define REPL_PRINT_BLOCK	1000	/* rows in one table block at most */
#define REPL_PRINT_LIMIT	10000	/* rows printed; the rest are only counted */

struct repl_print {
	FILE		*f;
	int		 vertical;	/* \G: one block per row */
	int		 utf8;		/* box drawing, else ASCII */
	int		 bold;		/* header names in bold */
	char		**names;	/* sanitized column names, owned */
	size_t		*namew;		/* their display widths */
	int		*right;		/* numeric: aligned right */
	size_t		 ncols;
	int		 has_header;	/* the header callback came */
	char		**cells;	/* the block: nrows * ncols sanitized, owned */
	size_t		*cellw;		/* their display widths */
	size_t		 nrows;
	uint64_t	 rows;		/* rows received */
	uint64_t	 shown;		/* rows printed */
	size_t		 limit;		/* REPL_PRINT_LIMIT */
};

void	repl_print_init(struct repl_print *, FILE *, int vertical, int utf8, int bold);
void	repl_print_header(struct repl_print *, const struct ch_column *, size_t);
void	repl_print_row(struct repl_print *, const struct ch_row *);
/* Print the rows held so far as one block (nothing when none). */
void	repl_print_flush(struct repl_print *);
void	repl_print_free(struct repl_print *);
/* Append s as a person should see it, lines kept: controls shown escaped. */
void	repl_print_text(FILE *, const char *);

#endif

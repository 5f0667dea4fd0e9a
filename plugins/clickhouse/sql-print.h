/*
 * Streaming printers of a query's rows for scripted mode: each row is
 * written as it arrives, so memory does not grow with the result.
 */
#ifndef SQL_PRINT_H
#define SQL_PRINT_H

#include <stdio.h>

struct ch_column;
struct ch_row;
struct sql_print;

enum sql_print_format {
	SQL_PRINT_TSV,		/* as clickhouse-client --format TabSeparated */
	SQL_PRINT_CSV,		/* names, then RFC 4180 rows; NULL is empty */
	SQL_PRINT_JSON,		/* an array of objects */
	SQL_PRINT_TABLE,	/* aligned on the first SQL_PRINT_TABLE_ROWS rows */
};

#define SQL_PRINT_TABLE_ROWS	1000	/* rows buffered to measure widths */

int			 sql_print_parse(const char *, enum sql_print_format *);
struct sql_print	*sql_print_new(FILE *, enum sql_print_format);
void			 sql_print_header(struct sql_print *, const struct ch_column *,
			     size_t);
void			 sql_print_row(struct sql_print *, const struct ch_row *);
/* After the last row (or an error): close the JSON array, print a short table. */
void			 sql_print_end(struct sql_print *);
void			 sql_print_free(struct sql_print *);
/* Write what is buffered: -1 once a write failed (a closed pipe). */
int			 sql_print_flush(struct sql_print *);
int			 sql_print_failed(const struct sql_print *);

#endif

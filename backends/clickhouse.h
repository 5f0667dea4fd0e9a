/*
 * ClickHouse over its HTTP interface, on the event loop: queries stream as
 * TabSeparatedWithNamesAndTypes through an incremental parser, every query
 * has a query_id, cancel sends KILL QUERY on another connection, progress
 * comes from X-ClickHouse-Progress or from polling system.processes.
 *
 * The contract the SQL pane, the REPL and scripted mode share.
 */
#ifndef CLICKHOUSE_H
#define CLICKHOUSE_H

#include <stddef.h>
#include <stdint.h>

struct http;
struct loop;
struct ch_query;

/* Where and how to connect: one shard's endpoint. Strings are borrowed. */
struct ch_target {
	const char	*name;		/* endpoint name, for messages: "shard1" */
	const char	*url;		/* http://host:8123 (no path) */
	const char	*user;		/* or NULL for "default" */
	const char	*password;	/* resolved secret, or NULL */
	const char	*database;	/* or NULL */
	const char	*ca_file;	/* or NULL */
	int		 timeout_ms;	/* to connect and for each silence; 0 = none */
};

/* A {name:Type} query parameter (sent as param_name=value). */
struct ch_param {
	const char	*name;
	const char	*value;
};

struct ch_column {
	char		*name;
	char		*type;		/* as the server spells it: Nullable(String) */
};

/* One row: fields unescaped (TSV escapes undone), NULL for \N; lens in bytes. */
struct ch_row {
	char		**fields;
	size_t		 *lens;
	size_t		  n;
	const char	 *raw;		/* the line as the server escaped it, no newline */
	size_t		  rawlen;
};

struct ch_progress {
	uint64_t	 rows_read;
	uint64_t	 bytes_read;
	uint64_t	 total_rows;	/* 0 when unknown */
	uint64_t	 rows_out;	/* rows received by us */
	uint64_t	 elapsed_ms;
};

enum ch_status {
	CH_OK,			/* the result is complete */
	CH_ERR_SERVER,		/* the server's "Code: N ..." (also after a 200) */
	CH_ERR_CONNECT,		/* refused, unreachable, TLS */
	CH_ERR_TIMEOUT,
	CH_ERR_AUTH,		/* 401/403 or Code 516/192/193/194 */
	CH_ERR_PROTOCOL,	/* malformed stream, connection dropped mid-result */
	CH_ERR_CANCELLED,	/* ch_query_cancel; kill_confirmed says if it stopped */
};

struct ch_result {
	enum ch_status	 status;
	int		 code;		/* the server's error code, or 0 */
	const char	*message;	/* why, for a person; NULL on CH_OK */
	uint64_t	 rows;		/* rows delivered */
	uint64_t	 elapsed_ms;
	int		 kill_confirmed; /* after cancel: gone from system.processes */
};

struct ch_callbacks {
	/* The names and types rows; always before the first row. */
	void	(*header)(const struct ch_column *, size_t ncols, void *arg);
	/* Each row as soon as it is complete; valid only during the call. */
	void	(*row)(const struct ch_row *, void *arg);
	/* Now and then while the query runs. Optional. */
	void	(*progress)(const struct ch_progress *, void *arg);
	/* Once, last; the query is freed after it returns. */
	void	(*done)(const struct ch_result *, void *arg);
};

struct ch_options {
	const char		*session_id;	/* or NULL: SET, temporary tables last in it */
	const struct ch_param	*params;
	size_t			 nparams;
	int			 gzip;		/* ask for gzip on the wire */
	uint64_t		 max_rows;	/* 0 = no limit (result_overflow_mode=break) */
	int			 readonly;	/* readonly=1 (--read-only) */
};

/* Start a query; NULL and *cause on a bad argument. */
struct ch_query	*ch_query_start(struct loop *, struct http *, const struct ch_target *,
		     const char *sql, const struct ch_options *,
		     const struct ch_callbacks *, void *arg, char **cause);
const char	*ch_query_id(const struct ch_query *);
/* Stop it: KILL QUERY on a separate connection to every target given (the
 * query runs on every shard of a Distributed table), then done(CANCELLED). */
void		 ch_query_cancel(struct ch_query *, const struct ch_target *targets,
		     size_t ntargets);

/* Parse "18.16.1.54405" or "24.3.2.23" into a comparable number. */
long		 ch_version_number(const char *);

/* The incremental parser of TabSeparatedWithNamesAndTypes, for the fuzz target. */
struct ch_tsv;
struct ch_tsv	*ch_tsv_new(const struct ch_callbacks *, void *arg);
/* Feed bytes as they come; -1 and *cause on malformed input. */
int		 ch_tsv_feed(struct ch_tsv *, const char *, size_t, char **cause);
/* The end of the stream: -1 if it ended inside a row or in an exception. */
int		 ch_tsv_end(struct ch_tsv *, char **cause);
void		 ch_tsv_free(struct ch_tsv *);

#endif

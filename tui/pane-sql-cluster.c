/*
 * The cluster view of the SQL pane: a sub-screen on the back stack with one
 * section at a time (clusters, parts, merges, mutations, processes, log),
 * each the same system.* query on every shard with the shard's name first.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/clickhouse.h"
#include "core/buf.h"
#include "core/cmd.h"
#include "core/view.h"
#include "core/xmalloc.h"
#include "tui/pane-sql.h"

static const struct {
	const char	*name;
	const char	*sql;
} sql_cluster_sections[] = {
	{ "clusters", "SELECT cluster, shard_num, replica_num, host_name, host_address,"
	    " port, is_local FROM system.clusters ORDER BY cluster, shard_num, replica_num" },
	{ "parts", "SELECT database, table, count() AS parts, sum(rows) AS rows,"
	    " sum(bytes_on_disk) AS bytes, min(min_date) AS min_date, max(max_date) AS max_date"
	    " FROM system.parts WHERE active GROUP BY database, table ORDER BY bytes DESC" },
	{ "merges", "SELECT database, table, round(elapsed, 1) AS elapsed,"
	    " round(progress, 3) AS progress, num_parts, result_part_name,"
	    " total_size_bytes_compressed AS bytes FROM system.merges" },
	{ "mutations", "SELECT database, table, mutation_id, command, create_time,"
	    " parts_to_do, is_done FROM system.mutations ORDER BY create_time DESC" },
	{ "processes", "SELECT query_id, user, round(elapsed, 1) AS elapsed, read_rows,"
	    " memory_usage, initial_query_id, query FROM system.processes"
	    " ORDER BY elapsed DESC" },
	{ "log", "SELECT event_time, type, query_duration_ms, read_rows, result_rows,"
	    " exception, query FROM system.query_log ORDER BY event_time DESC LIMIT 200" },
};
#define SQL_NSECTIONS (sizeof sql_cluster_sections / sizeof sql_cluster_sections[0])

struct sqlcluster;

/* One shard's query of the section being loaded. */
struct sqlcluster_run {
	struct sqlcluster	*cl;
	size_t			 target;
	struct ch_query		*q;
	int			 header;	/* its header is in the view */
};

struct sqlcluster {
	struct sqlpane		*st;
	struct pane		 pane;
	size_t			 section;
	struct view		*v;		/* being filled; shown as it fills */
	struct sqlcluster_run	*runs;		/* one per target */
	size_t			 pending;
	struct buf		 errors;	/* shards that failed, for the message */
};

static void	sql_cluster_load(struct tui *, struct sqlcluster *);

static void
sql_cluster_header(const struct ch_column *cols, size_t n, void *arg)
{
	struct sqlcluster_run	*run = arg;
	struct view		*v = run->cl->v;
	size_t			 i;

	run->header = 1;
	if (v->ncols != 0)
		return;
	view_add_column(v, "shard", VIEW_TEXT);
	for (i = 0; i < n; i++)
		view_add_column(v, cols[i].name, VIEW_TEXT);
}

static void
sql_cluster_row(const struct ch_row *r, void *arg)
{
	struct sqlcluster_run	*run = arg;
	struct view		*v = run->cl->v;
	size_t			 row, i;
	char			*s;

	row = view_add_row(v);
	view_set_text(v, row, 0, run->cl->st->targets[run->target].name);
	for (i = 0; i < r->n && i + 1 < v->ncols; i++) {
		if (r->fields[i] == NULL)
			continue;
		s = xstrndup(r->fields[i], r->lens[i]);
		view_set_text(v, row, i + 1, s);
		free(s);
	}
	tui_self->dirty = 1;
}

static void
sql_cluster_done(const struct ch_result *res, void *arg)
{
	struct sqlcluster_run	*run = arg;
	struct sqlcluster	*cl = run->cl;

	run->q = NULL;
	if (res->status != CH_OK)
		buf_printf(&cl->errors, "%s%s: %s", cl->errors.len ? "; " : "",
		    cl->st->targets[run->target].name, res->message != NULL ? res->message :
		    "failed");
	if (--cl->pending > 0)
		return;
	if (cl->errors.len != 0) {
		free(cl->pane.why);
		cl->pane.why = xstrdup(buf_str(&cl->errors));
		tui_message(tui_self, THEME_ERROR, "%s", buf_str(&cl->errors));
	} else
		tui_message(tui_self, THEME_MUTED, "%s: %zu rows from %zu shards%s",
		    sql_cluster_sections[cl->section].name, cl->v->nrows, cl->st->ntargets,
		    strcmp(sql_cluster_sections[cl->section].name, "processes") == 0 ?
		    " (K kills the one under the cursor)" : "");
	tui_self->dirty = 1;
}

/* The section's query on every shard; rows fill the view as they come. */
static void
sql_cluster_load(struct tui *t, struct sqlcluster *cl)
{
	static const struct ch_callbacks cb = {
		.header = sql_cluster_header,
		.row = sql_cluster_row,
		.done = sql_cluster_done,
	};
	struct sqlpane		*st = cl->st;
	struct ch_options	 opt = { .readonly = 1 };
	struct ch_target	 tg;
	char			 title[64], *cause = NULL;
	size_t			 i;

	if (cl->pending > 0) {
		tui_message(t, THEME_WARN, "still loading %s",
		    sql_cluster_sections[cl->section].name);
		return;
	}
	free(cl->runs);
	buf_reset(&cl->errors);
	free(cl->pane.why);
	cl->pane.why = NULL;
	snprintf(title, sizeof title, "Cluster %s", sql_cluster_sections[cl->section].name);
	cl->v = view_new(title);
	pane_set_view(t, &cl->pane, cl->v);
	cl->runs = xcalloc(st->ntargets, sizeof *cl->runs);
	for (i = 0; i < st->ntargets; i++) {
		cl->runs[i].cl = cl;
		cl->runs[i].target = i;
		tg = sql_target_short(st, i);
		cl->pending++;
		cl->runs[i].q = ch_query_start(t->env->loop, st->http, &tg,
		    sql_cluster_sections[cl->section].sql, &opt, &cb, &cl->runs[i], &cause);
		if (cl->runs[i].q == NULL) {
			cl->pending--;
			buf_printf(&cl->errors, "%s%s: %s", cl->errors.len ? "; " : "",
			    st->targets[i].name, cause);
			free(cause);
			cause = NULL;
		}
	}
	tui_message(t, THEME_MUTED, "loading %s from %zu shards ... (h/l: other sections)",
	    sql_cluster_sections[cl->section].name, st->ntargets);
}

static void
sql_cluster_reload(struct tui *t, struct pane *p)
{
	struct sqlpane	*st = sql_pane(t);

	(void)p;
	if (st != NULL && st->cluster != NULL)
		sql_cluster_load(t, st->cluster);
}

const struct pane_type pane_sql_cluster = {
	.name = "Cluster",
	.empty = "No rows in this section (h and l show the others).",
	.hints = "h/l section  K kill query  r refresh",
	.reload = sql_cluster_reload,
};

/* sql cluster [SECTION|next|prev]: push the view, or switch its section. */
void
sql_cluster_show(struct tui *t, struct sqlpane *st, const char *section, char **cause)
{
	struct sqlcluster	*cl = st->cluster;
	size_t			 i;

	if (st->targets == NULL) {
		xasprintf(cause, "not connected%s%s", st->why != NULL ? ": " : "",
		    st->why != NULL ? st->why : "");
		return;
	}
	if (cl == NULL) {
		cl = st->cluster = xcalloc(1, sizeof *cl);
		cl->st = st;
		buf_init(&cl->errors);
		pane_init(&cl->pane, &pane_sql_cluster);
	}
	i = cl->section;
	if (section != NULL && strcmp(section, "next") == 0)
		i = (i + 1) % SQL_NSECTIONS;
	else if (section != NULL && strcmp(section, "prev") == 0)
		i = (i + SQL_NSECTIONS - 1) % SQL_NSECTIONS;
	else if (section != NULL) {
		for (i = 0; i < SQL_NSECTIONS; i++) {
			if (strcmp(sql_cluster_sections[i].name, section) == 0)
				break;
		}
		if (i == SQL_NSECTIONS) {
			xasprintf(cause, "no section '%s' (clusters, parts, merges, mutations,"
			    " processes, log)", section);
			return;
		}
	}
	if (cl->pending > 0) {
		xasprintf(cause, "still loading %s (a shard is slow to answer)",
		    sql_cluster_sections[cl->section].name);
		return;
	}
	if (i != cl->section || cl->v == NULL || t->cur != &cl->pane) {
		cl->section = i;
		sql_cluster_load(t, cl);
	}
	if (t->cur != &cl->pane)
		tui_show(t, &cl->pane, 1);
}

/* The query id under the cursor of the processes section, or NULL. */
const char *
sql_cluster_query_id(struct tui *t)
{
	struct sqlpane		*st = sql_pane(t);
	const struct view_cell	*cell;
	size_t			 r;
	ssize_t			 col;

	if (st == NULL || st->cluster == NULL || t->cur != &st->cluster->pane ||
	    st->cluster->v == NULL || (col = view_column_index(st->cluster->v, "query_id")) < 0 ||
	    (r = table_current(&st->cluster->pane.table)) == SIZE_MAX)
		return (NULL);
	cell = view_cell(st->cluster->v, r, (size_t)col);
	return (cell != NULL ? cell->text : NULL);
}

int
sql_cluster_busy(const struct sqlpane *st)
{
	return (st->cluster != NULL && st->cluster->pending > 0);
}

void
sql_cluster_free(struct sqlpane *st)
{
	struct sqlcluster	*cl = st->cluster;

	if (cl == NULL)
		return;
	/* Queries still out end with the pane's http, without callbacks. */
	free(cl->runs);
	buf_free(&cl->errors);
	pane_free(&cl->pane);
	free(cl);
	st->cluster = NULL;
}

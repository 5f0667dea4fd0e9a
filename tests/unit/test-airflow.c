/* The Airflow backend's parsing: both versions' JSON to the same views, errors, logs. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "backends/airflow.h"
#include "core/view.h"
#include "tests/unit/tap.h"

/* A cell as a person sees it. */
static const char *
cell(const struct view *v, size_t row, const char *col)
{
	static char	out[256];
	ssize_t		c = view_column_index(v, col);

	if (c < 0)
		return ("(no column)");
	return (view_cell_display(v, row, (size_t)c, out, sizeof out));
}

/* One list answer into a view of kind. */
static struct view *
load(const char *kind, const char *key, const char *text)
{
	struct view	*v = af_view_new(kind, "t");
	json_t		*j = json_loads(text, 0, NULL);
	char		*cause = NULL;

	if (af_view_add_json(v, kind, json_object_get(j, key), &cause) != 0) {
		printf("# %s\n", cause);
		free(cause);
	}
	json_decref(j);
	return (v);
}

static void
test_dags(void)
{
	struct view	*v;

	v = load("dags", "dags", "{\"dags\": [{\"dag_id\": \"a\", \"is_paused\": true,"
	    " \"schedule_interval\": {\"__type\": \"CronExpression\", \"value\": \"0 * * * *\"},"
	    " \"owners\": [\"x\", \"y\"], \"tags\": [{\"name\": \"t1\"}, {\"name\": \"t2\"}],"
	    " \"next_dagrun\": \"2024-01-01T01:00:00+00:00\"}], \"total_entries\": 1}");
	is_int(v->nrows, 1, "2.x: one DAG");
	is_str(cell(v, 0, "paused"), "yes", "2.x: paused");
	is_str(cell(v, 0, "schedule"), "0 * * * *", "2.x: schedule from schedule_interval");
	is_str(cell(v, 0, "owners"), "x,y", "2.x: owners");
	is_str(cell(v, 0, "tags"), "t1,t2", "2.x: tags");
	is_int(view_cell(v, 0, 6)->num, 1704070800, "2.x: next_dagrun");
	view_free(v);

	v = load("dags", "dags", "{\"dags\": [{\"dag_id\": \"b\", \"is_paused\": false,"
	    " \"timetable_summary\": \"@daily\", \"owners\": [\"z\"], \"tags\": [],"
	    " \"next_dagrun_logical_date\": \"2024-01-01T02:00:00.5Z\"}]}");
	is_str(cell(v, 0, "paused"), "no", "3.x: not paused");
	is_str(cell(v, 0, "schedule"), "@daily", "3.x: schedule from timetable_summary");
	is_int(view_cell(v, 0, 6)->num, 1704074400, "3.x: next_dagrun_logical_date with fraction");
	view_free(v);
}

static void
test_runs(void)
{
	struct view	*v;

	v = load("runs", "dag_runs", "{\"dag_runs\": [{\"dag_run_id\": \"r1\","
	    " \"run_type\": \"manual\", \"state\": \"success\", \"execution_date\":"
	    " \"2024-01-01T00:00:00+02:00\", \"start_date\": \"2024-01-01T00:00:00+00:00\","
	    " \"end_date\": \"2024-01-01T00:01:30+00:00\", \"conf\": {\"a\": 1}}]}");
	is_int(view_cell(v, 0, 3)->num, 1704060000, "2.x: execution_date with an offset");
	is_int(view_cell(v, 0, 6)->num, 90000, "duration from start and end");
	is_str(cell(v, 0, "conf"), "{\"a\":1}", "conf as compact JSON");
	view_free(v);

	v = load("runs", "dag_runs", "{\"dag_runs\": [{\"dag_run_id\": \"r2\","
	    " \"run_type\": \"manual\", \"state\": \"queued\", \"logical_date\": null,"
	    " \"start_date\": null, \"end_date\": null, \"conf\": {}}]}");
	ok(view_cell(v, 0, 3)->text == NULL && !view_cell(v, 0, 3)->isnum,
	    "3.x: a null logical_date stays null");
	is_str(cell(v, 0, "state"), "queued", "3.x: state");
	view_free(v);

	v = load("tasks", "task_instances", "{\"task_instances\": [{\"task_id\": \"t\","
	    " \"state\": null, \"try_number\": 2, \"duration\": 1.5, \"hostname\": \"h\","
	    " \"operator\": \"BashOperator\"}]}");
	is_int(view_cell(v, 0, 2)->num, 2, "task: try number");
	is_int(view_cell(v, 0, 5)->num, 1500, "task: duration in ms");
	is_str(cell(v, 0, "operator"), "BashOperator", "task: operator");
	view_free(v);
}

/* Each format to one sentence. */
static void
test_errors(void)
{
	char		*m;
	const char	*problem = "{\"type\": \"x\", \"title\": \"Conflict\", \"status\": 409,"
	    " \"detail\": \"DAGRun with DAG ID: 'd' and DAGRun ID: 'r' already exists\"}";
	const char	*fastapi = "{\"detail\": \"DAG Run with dag_id: `d` and run_id: `r`"
	    " already exists\"}";
	const char	*v422 = "{\"detail\": [{\"type\": \"missing\", \"loc\": [\"body\","
	    " \"logical_date\"], \"msg\": \"Field required\"}, {\"type\": \"dict_type\","
	    " \"loc\": [\"body\", \"conf\"], \"msg\": \"Input should be a valid dictionary\"}]}";

	m = af_error_message(409, problem, strlen(problem));
	is_str(m, "Conflict: DAGRun with DAG ID: 'd' and DAGRun ID: 'r' already exists",
	    "2.x problem+json: title and detail");
	free(m);
	m = af_error_message(409, fastapi, strlen(fastapi));
	is_str(m, "HTTP 409: DAG Run with dag_id: `d` and run_id: `r` already exists",
	    "3.x detail string");
	free(m);
	m = af_error_message(422, v422, strlen(v422));
	is_str(m, "invalid request: body.logical_date: Field required; body.conf: Input "
	    "should be a valid dictionary", "3.x 422 list");
	free(m);
	m = af_error_message(502, "<html>Bad gateway</html>\nmore", 30);
	is_str(m, "HTTP 502: <html>Bad gateway</html>", "not JSON: the first line");
	free(m);
	m = af_error_message(500, "", 0);
	is_str(m, "HTTP 500", "empty body");
	free(m);
}

/* Lines of one log answer. */
static void
test_log(void)
{
	json_t	*j;
	char	**lines, *token;
	size_t	 n, i;

	j = json_loads("{\"continuation_token\": \"tok1\", \"content\":"
	    " \"[('worker-0', '*** Found\\\\nline \\\\'two\\\\'\\\\n\\\\xe9t\\\\u00e9\\\\n')]\"}",
	    0, NULL);
	ok(af_log_parse(j, &lines, &n, &token) == 0, "2.x: parsed");
	is_int(n, 3, "2.x: three lines");
	if (n == 3) {
		is_str(lines[0], "*** Found", "2.x: first line");
		is_str(lines[1], "line 'two'", "2.x: escaped quotes");
		is_str(lines[2], "\xc3\xa9t\xc3\xa9", "2.x: \\x and \\u escapes");
	}
	is_str(token, "tok1", "2.x: token");
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(token);
	json_decref(j);

	j = json_loads("{\"continuation_token\": \"tok2\", \"content\": ["
	    "{\"event\": \"::group::Log message source details\", \"sources\": [\"x\"]},"
	    "{\"timestamp\": \"2024-01-01T00:00:00Z\", \"level\": \"info\", \"event\": \"hi\"},"
	    "\"plain\"]}", 0, NULL);
	ok(af_log_parse(j, &lines, &n, &token) == 0, "3.x: parsed");
	is_int(n, 3, "3.x: three lines");
	if (n == 3) {
		is_str(lines[0], "::group::Log message source details", "3.x: no timestamp");
		is_str(lines[1], "2024-01-01T00:00:00Z [info] hi", "3.x: timestamp level event");
		is_str(lines[2], "plain", "3.x: a string message");
	}
	is_str(token, "tok2", "3.x: token");
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(token);
	json_decref(j);
}

int
main(void)
{
	test_dags();
	test_runs();
	test_errors();
	test_log();
	ok(af_state_final("upstream_failed") && !af_state_final("running") &&
	    !af_state_final(NULL), "final states");
	return (tap_done());
}

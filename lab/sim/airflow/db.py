"""The simulator's metadata database: Airflow's own table shapes (`dag`,
`dag_tag`, `dag_run`, `task_instance`, `job`) in the lab's PostgreSQL, plus
`sim_task` for the task graph a real Airflow keeps in `serialized_dag`.

The database is the only truth: the API and the scheduler both read and
write these tables, so psql shows what the REST API shows.
"""

import contextlib
import datetime as dt
import io
import json
import random
import re
import threading

import psycopg2
import psycopg2.extras
import psycopg2.pool

import dags as dagdefs

UTC = dt.timezone.utc

SCHEMA = """
CREATE TABLE IF NOT EXISTS dag (
    dag_id varchar(250) PRIMARY KEY,
    root_dag_id varchar(250),
    is_paused boolean DEFAULT false,
    is_subdag boolean DEFAULT false,
    is_active boolean DEFAULT true,
    last_parsed_time timestamptz,
    last_pickled timestamptz,
    last_expired timestamptz,
    scheduler_lock boolean,
    pickle_id integer,
    fileloc varchar(2000),
    processor_subdir varchar(2000),
    owners varchar(2000),
    dag_display_name varchar(2000),
    description text,
    default_view varchar(25) DEFAULT 'grid',
    schedule_interval text,
    timetable_description varchar(1000),
    dataset_expression json,
    max_active_tasks integer DEFAULT 16,
    max_active_runs integer,
    max_consecutive_failed_dag_runs integer DEFAULT 0,
    has_task_concurrency_limits boolean DEFAULT false,
    has_import_errors boolean DEFAULT false,
    next_dagrun timestamptz,
    next_dagrun_data_interval_start timestamptz,
    next_dagrun_data_interval_end timestamptz,
    next_dagrun_create_after timestamptz
);
CREATE TABLE IF NOT EXISTS dag_tag (
    name varchar(100) NOT NULL,
    dag_id varchar(250) NOT NULL REFERENCES dag(dag_id) ON DELETE CASCADE,
    PRIMARY KEY (name, dag_id)
);
CREATE TABLE IF NOT EXISTS sim_task (
    dag_id varchar(250) NOT NULL REFERENCES dag(dag_id) ON DELETE CASCADE,
    task_id varchar(250) NOT NULL,
    operator varchar(1000),
    upstream text[] NOT NULL DEFAULT '{}',
    retries integer DEFAULT 0,
    retry_delay integer DEFAULT 300,
    pool varchar(256),
    queue varchar(256),
    priority_weight integer,
    trigger_rule varchar(50),
    doc_md text,
    spec jsonb,
    PRIMARY KEY (dag_id, task_id)
);
CREATE TABLE IF NOT EXISTS dag_run (
    id serial PRIMARY KEY,
    dag_id varchar(250) NOT NULL,
    queued_at timestamptz,
    logical_date timestamptz,
    run_after timestamptz NOT NULL DEFAULT now(),
    start_date timestamptz,
    end_date timestamptz,
    state varchar(50),
    run_id varchar(250) NOT NULL,
    creating_job_id integer,
    external_trigger boolean DEFAULT false,
    run_type varchar(50) NOT NULL,
    triggered_by varchar(50),
    conf jsonb,
    data_interval_start timestamptz,
    data_interval_end timestamptz,
    last_scheduling_decision timestamptz,
    log_template_id integer DEFAULT 1,
    updated_at timestamptz DEFAULT now(),
    clear_number integer NOT NULL DEFAULT 0,
    note text,
    CONSTRAINT dag_run_dag_id_run_id_key UNIQUE (dag_id, run_id)
);
CREATE INDEX IF NOT EXISTS idx_dag_run_dag_id_logical ON dag_run (dag_id, logical_date);
CREATE INDEX IF NOT EXISTS idx_dag_run_state ON dag_run (state);
CREATE TABLE IF NOT EXISTS task_instance (
    id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    task_id varchar(250) NOT NULL,
    dag_id varchar(250) NOT NULL,
    run_id varchar(250) NOT NULL,
    map_index integer NOT NULL DEFAULT -1,
    start_date timestamptz,
    end_date timestamptz,
    duration double precision,
    state varchar(20),
    try_number integer DEFAULT 0,
    max_tries integer DEFAULT -1,
    hostname varchar(1000) DEFAULT '',
    unixname varchar(1000) DEFAULT 'airflow',
    job_id integer,
    pool varchar(256) NOT NULL DEFAULT 'default_pool',
    pool_slots integer NOT NULL DEFAULT 1,
    queue varchar(256),
    priority_weight integer,
    operator varchar(1000),
    custom_operator_name varchar(1000),
    queued_dttm timestamptz,
    scheduled_dttm timestamptz,
    queued_by_job_id integer,
    pid integer,
    executor varchar(1000),
    executor_config bytea,
    updated_at timestamptz DEFAULT now(),
    rendered_map_index varchar(250),
    external_executor_id varchar(250),
    task_display_name varchar(2000),
    note text,
    PRIMARY KEY (dag_id, task_id, run_id, map_index),
    FOREIGN KEY (dag_id, run_id) REFERENCES dag_run (dag_id, run_id)
        ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ti_state ON task_instance (state);
CREATE TABLE IF NOT EXISTS sim_loaded (
    key text PRIMARY KEY,
    loaded_at timestamptz DEFAULT now()
);
CREATE TABLE IF NOT EXISTS job (
    id serial PRIMARY KEY,
    dag_id varchar(250),
    state varchar(20),
    job_type varchar(30),
    start_date timestamptz,
    end_date timestamptz,
    latest_heartbeat timestamptz,
    executor_class varchar(500),
    hostname varchar(500),
    unixname varchar(1000)
);
"""


def now():
    """Aware UTC now, to the microsecond (what Airflow stores)."""
    return dt.datetime.now(UTC)


class Db:
    """A small thread-safe pool of connections in autocommit mode."""

    def __init__(self, cfg):
        d = cfg["db"]
        self.dsn = dict(host=d["host"], port=d["port"], dbname=d["dbname"],
                        user=d["user"], password=d.get("password", ""),
                        connect_timeout=5, application_name="airflowsim")
        # An optional schema keeps a private instance (the contract test's)
        # apart from the lab's tables in the same database.
        self.schema = d.get("schema")
        if self.schema:
            if not re.match(r"^[a-z_][a-z0-9_]{0,62}$", self.schema):
                raise ValueError("bad schema name: %r" % self.schema)
            self.dsn["options"] = "-c search_path=%s" % self.schema
        self.pool = psycopg2.pool.ThreadedConnectionPool(1, 24, **self.dsn)
        self.lock = threading.Lock()

    @contextlib.contextmanager
    def cursor(self):
        """A dict cursor on a pooled connection; a broken connection is dropped."""
        conn = self.pool.getconn()
        conn.autocommit = True
        broken = False
        try:
            with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
                yield cur
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            broken = True
            raise
        finally:
            self.pool.putconn(conn, close=broken or conn.closed != 0)

    def all(self, sql, args=()):
        with self.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()

    def one(self, sql, args=()):
        with self.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchone()

    def run(self, sql, args=()):
        """Execute; return the number of rows touched."""
        with self.cursor() as cur:
            cur.execute(sql, args)
            return cur.rowcount


def init_schema(db):
    """Create the tables and the DAGs if missing; give new DAGs a history."""
    with db.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(424242)")
        try:
            if db.schema:
                cur.execute("CREATE SCHEMA IF NOT EXISTS %s" % db.schema)
            cur.execute(SCHEMA)
            fresh = _sync_dags(cur)
        finally:
            cur.execute("SELECT pg_advisory_unlock(424242)")
    for dag_id in fresh:
        dag = dagdefs.BY_ID[dag_id]
        seed_history(db, dag_id, dag["history"])


def _sync_dags(cur):
    """Upsert every DAG definition; return the ids that were new."""
    fresh = []
    t = now()
    for dag in dagdefs.DAGS:
        cur.execute("SELECT 1 FROM dag WHERE dag_id=%s", (dag["dag_id"],))
        if cur.fetchone() is None:
            fresh.append(dag["dag_id"])
            cur.execute(
                "INSERT INTO dag (dag_id, is_paused, is_active, fileloc,"
                " processor_subdir, owners, dag_display_name, description,"
                " schedule_interval, timetable_description, max_active_runs,"
                " last_parsed_time) VALUES (%s,%s,true,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                (dag["dag_id"], dag["paused"], dagdefs.fileloc(dag),
                 dagdefs.DAGS_FOLDER, dag["owners"], dag["dag_id"],
                 dag["description"], json.dumps(dag["schedule"]),
                 dag["timetable_description"], dag["max_active_runs"], t))
        for tag in dag["tags"]:
            cur.execute("INSERT INTO dag_tag VALUES (%s,%s) ON CONFLICT DO NOTHING",
                        (tag, dag["dag_id"]))
        weights = dagdefs.priority_weights(dag)
        cur.execute("DELETE FROM sim_task WHERE dag_id=%s", (dag["dag_id"],))
        for tk in dag["tasks"]:
            cur.execute(
                "INSERT INTO sim_task VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                (dag["dag_id"], tk["task_id"], tk["operator"], tk["upstream"],
                 tk["retries"], tk["retry_delay"], tk["pool"], tk["queue"],
                 weights[tk["task_id"]], tk["trigger_rule"], tk["doc_md"],
                 json.dumps({"kind": tk["kind"], "dur": tk["dur"],
                             "fail_p": tk["fail_p"]})))
    return fresh


def run_id_for(run_type, logical):
    """Airflow's run id: `<run_type>__<iso logical date>`."""
    return "%s__%s" % (run_type, logical.isoformat())


def _copy(cur, table, cols, rows):
    """COPY rows (lists of python values) into table; None becomes NULL."""
    buf = io.StringIO()
    for r in rows:
        out = []
        for v in r:
            if v is None:
                out.append("\\N")
            elif isinstance(v, dt.datetime):
                out.append(v.isoformat())
            else:
                s = str(v)
                out.append(s.replace("\\", "\\\\").replace("\t", "\\t")
                           .replace("\n", "\\n"))
        buf.write("\t".join(out) + "\n")
    buf.seek(0)
    cur.copy_expert("COPY %s (%s) FROM STDIN" % (table, ",".join(cols)), buf)


RUN_COLS = ["dag_id", "queued_at", "logical_date", "run_after", "start_date",
            "end_date", "state", "run_id", "external_trigger", "run_type",
            "triggered_by", "conf", "data_interval_start", "data_interval_end",
            "last_scheduling_decision", "updated_at"]
TI_COLS = ["task_id", "dag_id", "run_id", "map_index", "start_date", "end_date",
           "duration", "state", "try_number", "max_tries", "hostname", "unixname",
           "pool", "pool_slots", "queue", "priority_weight", "operator",
           "queued_dttm", "scheduled_dttm", "pid", "executor", "updated_at",
           "task_display_name"]


def _history_run(dag, weights, logical, period, rnd):
    """One finished scheduled run and its task instances, as COPY rows."""
    rtype = "scheduled" if dag["every"] else "manual"
    run_id = run_id_for(rtype, logical)
    start = logical + dt.timedelta(seconds=period) + dt.timedelta(
        seconds=rnd.uniform(0.5, 3))
    t = start
    tis, failed, ends = [], False, {}
    for tk in dag["tasks"]:
        up_end = max([ends[u][0] for u in tk["upstream"]] or [start])
        up_bad = any(ends[u][1] in ("failed", "upstream_failed")
                     for u in tk["upstream"])
        if up_bad:
            ends[tk["task_id"]] = (up_end, "upstream_failed")
            tis.append([tk["task_id"], dag["dag_id"], run_id, -1, None, up_end,
                        None, "upstream_failed", 0, tk["retries"], "", "airflow",
                        tk["pool"], 1, tk["queue"], weights[tk["task_id"]],
                        tk["operator"], None, None, None, None, up_end,
                        tk["task_id"]])
            continue
        tries, state = 1, "success"
        while tk["fail_p"] and rnd.random() < tk["fail_p"]:
            if tries > tk["retries"]:
                state = "failed"
                break
            tries += 1
        s = up_end + dt.timedelta(seconds=rnd.uniform(0.3, 2))
        dur = rnd.uniform(*tk["dur"])
        e = s + dt.timedelta(seconds=dur)
        failed = failed or state == "failed"
        ends[tk["task_id"]] = (e, state)
        tis.append([tk["task_id"], dag["dag_id"], run_id, -1, s, e, round(dur, 6),
                    state, tries, tk["retries"], "airflow-worker-0", "airflow",
                    tk["pool"], 1, tk["queue"], weights[tk["task_id"]],
                    tk["operator"], s - dt.timedelta(seconds=0.4),
                    s - dt.timedelta(seconds=0.8), rnd.randint(200, 60000),
                    None, e, tk["task_id"]])
        t = max(t, e)
    state = "failed" if any(x[1] in ("failed", "upstream_failed")
                            for x in ends.values()) else "success"
    run = [dag["dag_id"], start - dt.timedelta(seconds=1), logical,
           logical + dt.timedelta(seconds=period), start, t, state, run_id,
           str(rtype == "manual").lower(), rtype,
           "timetable" if dag["every"] else "rest_api", "{}", logical,
           logical + dt.timedelta(seconds=period), t, t]
    return run, tis


def seed_history(db, dag_id, n, before=None):
    """Insert n finished scheduled runs of dag_id ending before `before`
    (default: the DAG's earliest run, or now) with COPY: fast at 100k runs."""
    dag = dagdefs.BY_ID.get(dag_id)
    if dag is None:
        raise KeyError("no such DAG: %s" % dag_id)
    period = dag["every"] or 3600
    if before is None:
        row = db.one("SELECT min(logical_date) AS m FROM dag_run WHERE dag_id=%s",
                     (dag_id,))
        before = row["m"] if row and row["m"] else None
    if before is None:
        epoch = int(now().timestamp())
        before = dt.datetime.fromtimestamp(epoch - epoch % period, UTC)
        before -= dt.timedelta(seconds=period)
    weights = dagdefs.priority_weights(dag)
    rnd = random.Random("%s-%s-%d" % (dag_id, before.isoformat(), n))
    done = 0
    while done < n:
        chunk = min(n - done, 20000)
        runs, tis = [], []
        for i in range(done, done + chunk):
            logical = before - dt.timedelta(seconds=period * (i + 1))
            r, t = _history_run(dag, weights, logical, period, rnd)
            runs.append(r)
            tis.extend(t)
        with db.cursor() as cur:
            _copy(cur, "dag_run", RUN_COLS, runs)
            _copy(cur, "task_instance", TI_COLS, tis)
        done += chunk
    return done

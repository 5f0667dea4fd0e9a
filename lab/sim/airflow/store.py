"""Queries and actions both API versions share: they read and change the
metadata tables and return plain rows; api_v1.py and api_v2.py shape them.
"""

import re

import dags as dagdefs


class ApiError(Exception):
    """An error either API renders in its own shape."""

    def __init__(self, status, title, detail=None):
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail


DAG_ORDER = {"dag_id", "dag_display_name", "is_paused", "last_parsed_time",
             "next_dagrun", "owners", "fileloc", "description"}
RUN_ORDER = {"id", "state", "dag_id", "run_id", "logical_date", "execution_date",
             "run_after", "start_date", "end_date", "updated_at", "queued_at",
             "conf", "dag_run_id", "duration", "data_interval_start",
             "data_interval_end"}
RUN_ALIAS = {"execution_date": "logical_date", "dag_run_id": "run_id",
             "duration": "(r.end_date - r.start_date)"}
TI_ORDER = {"id", "task_id", "state", "start_date", "end_date", "duration",
            "try_number", "map_index", "priority_weight", "pool", "queue",
            "dag_id", "run_id", "logical_date", "run_after", "operator",
            "queued_dttm"}


def order_sql(spec, allowed, alias=None, prefix="", default="id"):
    """`order_by` (a leading `-` descends; 3.x may give several) as SQL."""
    items = spec if isinstance(spec, list) else [spec or default]
    out = []
    for item in items:
        desc = item.startswith("-")
        name = item.lstrip("-")
        if name not in allowed:
            raise ApiError(400, "Bad Request",
                           "Ordering with '%s' is disallowed or the attribute "
                           "does not exist on the model" % name)
        col = (alias or {}).get(name, name)
        if not col.startswith("("):
            col = prefix + col
        out.append("%s %s NULLS LAST" % (col, "DESC" if desc else "ASC"))
    return " ORDER BY " + ", ".join(out)


def like_pattern(pattern, v2):
    """2.x: a substring; 3.x: SQL LIKE with %/_ and `|` alternatives."""
    if not v2:
        esc = re.sub(r"([\\%_])", r"\\\1", pattern)
        return ["%" + esc + "%"]
    return [p.strip() for p in pattern.split("|") if p.strip()]


def list_dags(db, limit, offset, order_by=None, pattern=None, paused=None,
              tags=None, only_active=True, v2=False, owners=None):
    """(rows with a `tags` list, total) after filters and paging."""
    where, args = [], []
    if only_active:
        where.append("d.is_active")
    if pattern:
        pats = like_pattern(pattern, v2)
        where.append("(" + " OR ".join(["d.dag_id ILIKE %s"] * len(pats)) + ")")
        args += pats
    if paused is not None:
        where.append("d.is_paused = %s")
        args.append(paused)
    if tags:
        where.append("EXISTS (SELECT 1 FROM dag_tag t WHERE t.dag_id=d.dag_id"
                     " AND t.name = ANY(%s))")
        args.append(list(tags))
    if owners:
        where.append("d.owners = ANY(%s)")
        args.append(list(owners))
    w = (" WHERE " + " AND ".join(where)) if where else ""
    total = db.one("SELECT count(*) AS n FROM dag d" + w, args)["n"]
    rows = db.all(
        "SELECT d.*, COALESCE((SELECT array_agg(t.name ORDER BY t.name) FROM"
        " dag_tag t WHERE t.dag_id=d.dag_id), '{}') AS tags FROM dag d" + w +
        order_sql(order_by, DAG_ORDER, prefix="d.", default="dag_id") +
        " LIMIT %s OFFSET %s", args + [limit, offset])
    return rows, total


def get_dag(db, dag_id):
    rows = db.all(
        "SELECT d.*, COALESCE((SELECT array_agg(t.name ORDER BY t.name) FROM"
        " dag_tag t WHERE t.dag_id=d.dag_id), '{}') AS tags FROM dag d"
        " WHERE d.dag_id=%s", (dag_id,))
    if not rows:
        raise ApiError(404, "DAG not found",
                       "The DAG with dag_id: `%s` was not found" % dag_id)
    return rows[0]


def set_paused(db, dag_id, paused):
    get_dag(db, dag_id)
    db.run("UPDATE dag SET is_paused=%s WHERE dag_id=%s", (paused, dag_id))
    return get_dag(db, dag_id)


def tasks_of(db, dag_id):
    """sim_task rows of a DAG (404 if the DAG is unknown), with downstream ids."""
    get_dag(db, dag_id)
    rows = db.all("SELECT * FROM sim_task WHERE dag_id=%s ORDER BY task_id", (dag_id,))
    down = {r["task_id"]: [] for r in rows}
    for r in rows:
        for u in r["upstream"]:
            down.setdefault(u, []).append(r["task_id"])
    for r in rows:
        r["downstream"] = sorted(down.get(r["task_id"], []))
    return rows


RUN_FILTERS = {"logical_date": "r.logical_date", "execution_date": "r.logical_date",
               "start_date": "r.start_date", "end_date": "r.end_date",
               "updated_at": "r.updated_at", "run_after": "r.run_after"}
OPS = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<"}


def range_filters(params):
    """Pairs `<field>_<gte|gt|lte|lt>` from params as SQL conditions."""
    where, args = [], []
    for k, v in params.items():
        m = re.match(r"^(\w+?)_(gte|gt|lte|lt)$", k)
        if m and m.group(1) in RUN_FILTERS and v not in (None, ""):
            where.append("%s %s %%s" % (RUN_FILTERS[m.group(1)], OPS[m.group(2)]))
            args.append(v)
    return where, args


def list_runs(db, dag_ids, params, states, order_by, limit, offset, v2=False):
    """Runs of some DAGs (None: all) with date-range and state filters."""
    where, args = range_filters(params)
    if dag_ids is not None:
        where.append("r.dag_id = ANY(%s)")
        args.append(list(dag_ids))
    if states:
        where.append("r.state = ANY(%s)")
        args.append(list(states))
    if params.get("run_type"):
        where.append("r.run_type = ANY(%s)")
        args.append(list(params["run_type"]))
    w = (" WHERE " + " AND ".join(where)) if where else ""
    total = db.one("SELECT count(*) AS n FROM dag_run r" + w, args)["n"]
    rows = db.all("SELECT r.* FROM dag_run r" + w +
                  order_sql(order_by, RUN_ORDER, RUN_ALIAS, "r.", default="id") +
                  " LIMIT %s OFFSET %s", args + [limit, offset])
    return rows, total


def get_run(db, dag_id, run_id):
    row = db.one("SELECT * FROM dag_run WHERE dag_id=%s AND run_id=%s", (dag_id, run_id))
    if row is None:
        raise ApiError(404, "DAGRun not found",
                       "DAGRun with DAG ID: '%s' and DagRun ID: '%s' not found"
                       % (dag_id, run_id))
    return row


TI_SELECT = ("SELECT ti.*, r.logical_date, r.run_after FROM task_instance ti"
             " JOIN dag_run r USING (dag_id, run_id)")


def list_tis(db, dag_id, run_id, params, states, limit, offset, order_by=None):
    where, args = [], []
    if dag_id is not None:
        where.append("ti.dag_id=%s")
        args.append(dag_id)
    if run_id is not None:
        where.append("ti.run_id=%s")
        args.append(run_id)
    if states:
        nulls = any(s in (None, "none", "") for s in states)
        where.append("(ti.state = ANY(%s)" + (" OR ti.state IS NULL)" if nulls else ")"))
        args.append([s for s in states if s])
    for k in ("task_id", "pool", "queue"):
        if params.get(k):
            where.append("ti.%s = %%s" % k)
            args.append(params[k])
    w = (" WHERE " + " AND ".join(where)) if where else ""
    total = db.one("SELECT count(*) AS n FROM task_instance ti" + w, args)["n"]
    rows = db.all(TI_SELECT + w + order_sql(order_by, TI_ORDER, prefix="ti.",
                                            alias={"logical_date": "r.logical_date",
                                                   "run_after": "r.run_after"},
                                            default="map_index") +
                  ", ti.priority_weight DESC, ti.task_id LIMIT %s OFFSET %s",
                  args + [limit, offset])
    return rows, total


def get_ti(db, dag_id, run_id, task_id, map_index=-1):
    rows = db.all(TI_SELECT + " WHERE ti.dag_id=%s AND ti.run_id=%s AND ti.task_id=%s"
                  " AND ti.map_index=%s", (dag_id, run_id, task_id, map_index))
    if not rows:
        raise ApiError(404, "Task instance not found",
                       "Task instance not found: dag_id=%s, run_id=%s, task_id=%s"
                       % (dag_id, run_id, task_id))
    return rows[0]


def set_run_state(db, dag_id, run_id, state):
    """Mark a run: success marks every task; failed fails running ones and
    skips the rest; queued lets the scheduler take it again."""
    get_run(db, dag_id, run_id)
    k = (dag_id, run_id)
    if state == "success":
        db.run("UPDATE task_instance SET state='success', end_date=COALESCE(end_date,"
               " now()), updated_at=now() WHERE dag_id=%s AND run_id=%s AND"
               " (state IS NULL OR state <> 'success')", k)
    elif state == "failed":
        db.run("UPDATE task_instance SET state='failed', end_date=now(), updated_at=now()"
               " WHERE dag_id=%s AND run_id=%s AND state='running'", k)
        db.run("UPDATE task_instance SET state='skipped', end_date=now(), updated_at="
               "now() WHERE dag_id=%s AND run_id=%s AND (state IS NULL OR state IN"
               " ('scheduled','queued','up_for_retry','restarting'))", k)
    end = "now()" if state in ("success", "failed") else "NULL"
    db.run("UPDATE dag_run SET state=%%s, end_date=%s, updated_at=now() WHERE"
           " dag_id=%%s AND run_id=%%s" % end, (state,) + k)
    return get_run(db, dag_id, run_id)


def clear(db, tis, dry_run):
    """Clear task instances (Airflow's clear_task_instances): a running one
    becomes restarting, the others lose their state; their runs are queued."""
    if dry_run or not tis:
        return tis
    for t in tis:
        db.run("UPDATE task_instance ti SET state=CASE WHEN ti.state='running'"
               " THEN 'restarting' ELSE NULL END, max_tries=ti.try_number +"
               " COALESCE((SELECT retries FROM sim_task s WHERE s.dag_id=ti.dag_id"
               " AND s.task_id=ti.task_id), 0), updated_at=now() WHERE"
               " ti.dag_id=%s AND ti.run_id=%s AND ti.task_id=%s AND ti.map_index=%s",
               (t["dag_id"], t["run_id"], t["task_id"], t["map_index"]))
    for dag_id, run_id in {(t["dag_id"], t["run_id"]) for t in tis}:
        db.run("UPDATE dag_run SET state='queued', end_date=NULL, queued_at=now(),"
               " clear_number=clear_number+1, updated_at=now() WHERE dag_id=%s AND"
               " run_id=%s", (dag_id, run_id))
    return tis


def clear_run(db, dag_id, run_id, dry_run, only_failed=False):
    get_run(db, dag_id, run_id)
    states = ["failed", "upstream_failed"] if only_failed else None
    tis, _ = list_tis(db, dag_id, run_id, {}, states, 100000, 0)
    return clear(db, tis, dry_run)


def _with_relatives(db, dag_id, task_ids, up, down):
    """Task ids plus their upstream and/or downstream closure."""
    rows = tasks_of(db, dag_id)
    ups = {r["task_id"]: r["upstream"] for r in rows}
    downs = {r["task_id"]: r["downstream"] for r in rows}
    out, todo = set(task_ids), list(task_ids)
    while todo:
        t = todo.pop()
        nxt = (ups.get(t, []) if up else []) + (downs.get(t, []) if down else [])
        for n in nxt:
            if n not in out:
                out.add(n)
                todo.append(n)
    return sorted(out)


def clear_task_instances(db, dag_id, body):
    """POST clearTaskInstances: dry_run defaults to true, only_failed too."""
    get_dag(db, dag_id)
    where, args = ["ti.dag_id=%s"], [dag_id]
    if body.get("dag_run_id"):
        where.append("ti.run_id=%s")
        args.append(body["dag_run_id"])
    ids = [t if isinstance(t, str) else t[0] for t in (body.get("task_ids") or [])]
    if ids:
        ids = _with_relatives(db, dag_id, ids, body.get("include_upstream"),
                              body.get("include_downstream"))
        where.append("ti.task_id = ANY(%s)")
        args.append(ids)
    if body.get("only_failed", True):
        where.append("ti.state IN ('failed','upstream_failed')")
    if body.get("only_running"):
        where.append("ti.state = 'running'")
    for k, op in (("start_date", ">="), ("end_date", "<=")):
        if body.get(k):
            where.append("r.logical_date %s %%s" % op)
            args.append(body[k])
    tis = db.all(TI_SELECT + " WHERE " + " AND ".join(where) +
                 " ORDER BY r.logical_date, ti.task_id LIMIT 10000", args)
    return clear(db, tis, body.get("dry_run", True))


def delete_run(db, dag_id, run_id):
    get_run(db, dag_id, run_id)
    db.run("DELETE FROM dag_run WHERE dag_id=%s AND run_id=%s", (dag_id, run_id))


def dag_spec(dag_id):
    return dagdefs.BY_ID.get(dag_id, {})

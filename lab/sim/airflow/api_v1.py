"""Airflow 2.10's stable REST API (/api/v1) with Basic auth, and /health.
Errors are RFC 7807 problem+json, as connexion writes them.
"""

import base64
import datetime as dt
import hmac

import common
import logs
import shapes
import store
from store import ApiError

VERSION = "2.10.5"
ERR_TYPE = ("https://airflow.apache.org/docs/apache-airflow/%s/"
            "stable-rest-api-ref.html#section/Errors/" % VERSION)
ERR_NAMES = {400: "BadRequest", 401: "Unauthenticated", 403: "PermissionDenied",
             404: "NotFound", 405: "MethodNotAllowed", 406: "NotAcceptable",
             409: "AlreadyExists", 500: "Unknown", 503: "Unknown"}
MAX_LIMIT = 100          # [api] maximum_page_limit


def problem(status, title, detail=None, instance=None, headers=None):
    body = {"type": ERR_TYPE + ERR_NAMES.get(status, "Unknown"), "title": title,
            "status": status}
    if detail is not None:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    return common.Response(status, body, "application/problem+json", headers)


def _date_arg(v, name):
    try:
        return dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise ApiError(400, "Bad Request", "'%s' is not a 'date-time' - '%s'" % (v, name))


def _int_arg(req, name, default):
    v = req.arg(name)
    if v is None or v == "":
        return default
    try:
        n = int(v)
    except ValueError:
        raise ApiError(400, "Bad Request", "'%s' is not of type 'integer' - '%s'" % (v, name))
    if n < 0:
        raise ApiError(400, "Bad Request", "%d is less than the minimum of 0 - '%s'" % (n, name))
    return n


class ApiV1:
    """The 2.x listener's application."""

    def __init__(self, cfg, db, sched, users, secret):
        self.cfg, self.db, self.sched, self.users = cfg, db, sched, users
        self.secret = secret
        self.faults = common.Faults(cfg["fault_file"])
        r = self.router = common.Router()
        p = "/api/v1"
        r.add("GET", "/health", self.health)
        r.add("GET", p + "/health", self.health)
        r.add("GET", p + "/version", self.version)
        r.add("GET", p + "/dags", self.dags)
        r.add("PATCH", p + "/dags", self.patch_dags)
        r.add("GET", p + "/dags/{d}", self.dag)
        r.add("PATCH", p + "/dags/{d}", self.patch_dag)
        r.add("GET", p + "/dags/{d}/details", self.details)
        r.add("GET", p + "/dags/{d}/tasks", self.tasks)
        r.add("GET", p + "/dags/{d}/tasks/{t}", self.task)
        r.add("POST", p + "/dags/~/dagRuns/list", self.runs_batch)
        r.add("GET", p + "/dags/{d}/dagRuns", self.runs)
        r.add("POST", p + "/dags/{d}/dagRuns", self.trigger)
        r.add("GET", p + "/dags/{d}/dagRuns/{r}", self.run)
        r.add("PATCH", p + "/dags/{d}/dagRuns/{r}", self.patch_run)
        r.add("DELETE", p + "/dags/{d}/dagRuns/{r}", self.delete_run)
        r.add("POST", p + "/dags/{d}/dagRuns/{r}/clear", self.clear_run)
        r.add("GET", p + "/dags/{d}/dagRuns/{r}/taskInstances", self.tis)
        r.add("GET", p + "/dags/{d}/dagRuns/{r}/taskInstances/{t}", self.ti)
        r.add("GET", p + "/dags/{d}/dagRuns/{r}/taskInstances/{t}/logs/{n}", self.log)
        r.add("POST", p + "/dags/{d}/clearTaskInstances", self.clear_tis)
        self.public = {self.health, self.version}

    # -- plumbing ---------------------------------------------------------

    def unavailable(self):
        return problem(503, "Service Unavailable", "The server is temporarily unable "
                       "to service your request (lab fault injection)")

    def internal_error(self, e):
        return problem(500, "Internal Server Error", "%s: %s" % (type(e).__name__, e))

    def _authorized(self, req):
        h = req.headers.get("Authorization") or ""
        if not h.startswith("Basic "):
            return False
        try:
            user, _, pw = base64.b64decode(h[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        want = self.users.get(user)
        return want is not None and hmac.compare_digest(want.encode(), pw.encode())

    def handle(self, req):
        fn, args = self.router.match(req.method, req.path.rstrip("/") or "/")
        if fn is None:
            if args:
                return problem(405, "Method Not Allowed", "The method is not allowed "
                               "for the requested URL.")
            return problem(404, "Not Found", "The requested URL was not found on the "
                           "server. If you entered the URL manually please check "
                           "your spelling and try again.")
        if fn not in self.public and not self._authorized(req):
            return problem(401, "Unauthorized", "The server could not verify that you "
                           "are authorized to access the URL requested. You either "
                           "supplied the wrong credentials (e.g. a bad password), or "
                           "your browser doesn't understand how to supply the "
                           "credentials required.",
                           headers={"WWW-Authenticate": 'Basic realm="Authentication Required"'})
        try:
            return fn(req, *args)
        except ApiError as e:
            return problem(e.status, e.title, e.detail)

    def _body(self, req):
        try:
            body = common.parse_json(req)
        except ValueError as e:
            raise ApiError(400, "Bad Request", "Request body must be JSON: %s" % e)
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request", "%r is not of type 'object'" % body)
        return body

    def _page(self, req):
        return min(_int_arg(req, "limit", 100), MAX_LIMIT), _int_arg(req, "offset", 0)

    # -- monitoring -------------------------------------------------------

    def health(self, req):
        return common.Response(200, health(self.db, shapes.iso1))

    def version(self, req):
        return common.Response(200, {"version": VERSION, "git_version": None})

    # -- DAGs -------------------------------------------------------------

    def dags(self, req):
        limit, offset = self._page(req)
        try:
            paused = common.parse_bool(req.arg("paused"))
            active = common.parse_bool(req.arg("only_active", "true"))
        except ValueError as e:
            raise ApiError(400, "Bad Request", str(e))
        rows, total = store.list_dags(self.db, limit, offset, req.arg("order_by"),
                                      req.arg("dag_id_pattern"), paused,
                                      req.args("tags"), active)
        return common.Response(200, {"dags": [shapes.dag_v1(r) for r in rows],
                                     "total_entries": total})

    def dag(self, req, dag_id):
        return common.Response(200, shapes.dag_v1(store.get_dag(self.db, dag_id)))

    def _paused_from(self, req):
        mask = [m.strip() for x in req.args("update_mask") for m in x.split(",")]
        if mask and mask != ["is_paused"]:
            raise ApiError(400, "Bad Request",
                           "Only `is_paused` field can be updated through the REST API")
        body = self._body(req)
        if not isinstance(body.get("is_paused"), bool):
            raise ApiError(400, "Bad Request", "%r is not of type 'boolean' - 'is_paused'"
                           % body.get("is_paused"))
        return body["is_paused"]

    def patch_dag(self, req, dag_id):
        paused = self._paused_from(req)
        return common.Response(200, shapes.dag_v1(store.set_paused(self.db, dag_id, paused)))

    def patch_dags(self, req):
        pattern = req.arg("dag_id_pattern")
        if pattern is None:
            raise ApiError(400, "Bad Request", "Missing query parameter 'dag_id_pattern'")
        paused = self._paused_from(req)
        limit, offset = self._page(req)
        rows, _ = store.list_dags(self.db, limit, offset, None,
                                  None if pattern == "~" else pattern, None,
                                  req.args("tags"))
        out = [shapes.dag_v1(store.set_paused(self.db, r["dag_id"], paused)) for r in rows]
        return common.Response(200, {"dags": out, "total_entries": len(out)})

    def details(self, req, dag_id):
        row = store.get_dag(self.db, dag_id)
        return common.Response(200, shapes.dag_detail_v1(row, store.dag_spec(dag_id)))

    def tasks(self, req, dag_id):
        owner = store.get_dag(self.db, dag_id)["owners"]
        ts = [shapes.task_v1(t, owner) for t in store.tasks_of(self.db, dag_id)]
        return common.Response(200, {"tasks": ts, "total_entries": len(ts)})

    def task(self, req, dag_id, task_id):
        owner = store.get_dag(self.db, dag_id)["owners"]
        for t in store.tasks_of(self.db, dag_id):
            if t["task_id"] == task_id:
                return common.Response(200, shapes.task_v1(t, owner))
        raise ApiError(404, "Task not found", "Task with id %s not found" % task_id)

    # -- DAG runs ---------------------------------------------------------

    def runs(self, req, dag_id):
        limit, offset = self._page(req)
        params = {}
        for k in req.query:
            if k.endswith(("_gte", "_lte")):
                params[k] = _date_arg(req.arg(k), k)
        ids = None
        if dag_id != "~":
            store.get_dag(self.db, dag_id)
            ids = [dag_id]
        rows, total = store.list_runs(self.db, ids, params, req.args("state"),
                                      req.arg("order_by"), limit, offset)
        return common.Response(200, {"dag_runs": [shapes.run_v1(r) for r in rows],
                                     "total_entries": total})

    def runs_batch(self, req):
        body = self._body(req)
        params = {}
        for k, v in body.items():
            if k.endswith(("_gte", "_lte")):
                params[k] = _date_arg(v, k)
        limit = min(int(body.get("page_limit", 100)), MAX_LIMIT)
        rows, total = store.list_runs(self.db, body.get("dag_ids"), params,
                                      body.get("states"), body.get("order_by"),
                                      limit, int(body.get("page_offset", 0)))
        return common.Response(200, {"dag_runs": [shapes.run_v1(r) for r in rows],
                                     "total_entries": total})

    def trigger(self, req, dag_id):
        body = self._body(req)
        for ro in ("dag_id", "state", "start_date", "end_date", "run_type",
                   "external_trigger", "last_scheduling_decision"):
            if ro in body:
                raise ApiError(400, "Bad Request", "Property is read-only - '%s'" % ro)
        conf = body.get("conf", {})
        if not isinstance(conf, dict):
            raise ApiError(400, "Bad Request", "%r is not of type 'object' - 'conf'" % conf)
        ld, ed = body.get("logical_date"), body.get("execution_date")
        if ld and ed and ld != ed:
            raise ApiError(400, "Bad Request", "logical_date conflicts with execution_date")
        logical = _date_arg(ld or ed, "logical_date") if (ld or ed) else common_now()
        if logical.tzinfo is None:
            raise ApiError(400, "Bad Request", "'%s' is not a 'date-time' - "
                           "'logical_date'" % (ld or ed))
        store.get_dag(self.db, dag_id)
        run_id = body.get("dag_run_id") or "manual__" + logical.isoformat()
        if self.db.one("SELECT 1 FROM dag_run WHERE dag_id=%s AND logical_date=%s",
                       (dag_id, logical)):
            raise ApiError(409, "Conflict", "DAGRun with DAG ID: '%s' and DAGRun logical "
                           "date: '%s' already exists" % (dag_id, logical.isoformat()))
        row = self.sched.create_run(dag_id, "manual", logical, conf, run_id, "rest_api",
                                    None, body.get("note"))
        if row is None:
            raise ApiError(409, "Conflict", "DAGRun with DAG ID: '%s' and DAGRun ID: '%s' "
                           "already exists" % (dag_id, run_id))
        return common.Response(200, shapes.run_v1(row))

    def run(self, req, dag_id, run_id):
        return common.Response(200, shapes.run_v1(store.get_run(self.db, dag_id, run_id)))

    def patch_run(self, req, dag_id, run_id):
        state = self._body(req).get("state")
        if state not in ("success", "failed", "queued"):
            raise ApiError(400, "Bad Request", "%r is not one of ['success', 'failed', "
                           "'queued'] - 'state'" % state)
        row = store.set_run_state(self.db, dag_id, run_id, state)
        return common.Response(200, shapes.run_v1(row))

    def delete_run(self, req, dag_id, run_id):
        store.delete_run(self.db, dag_id, run_id)
        return common.Response(204, b"", "application/json")

    def clear_run(self, req, dag_id, run_id):
        dry = self._body(req).get("dry_run", True)
        tis = store.clear_run(self.db, dag_id, run_id, dry)
        if dry:
            return common.Response(200, {"task_instances": [shapes.ti_v1(t) for t in tis],
                                         "total_entries": len(tis)})
        return common.Response(200, shapes.run_v1(store.get_run(self.db, dag_id, run_id)))

    # -- task instances ---------------------------------------------------

    def tis(self, req, dag_id, run_id):
        limit, offset = self._page(req)
        if dag_id != "~":
            store.get_dag(self.db, dag_id)
        if run_id != "~" and dag_id != "~":
            store.get_run(self.db, dag_id, run_id)
        rows, total = store.list_tis(self.db, None if dag_id == "~" else dag_id,
                                     None if run_id == "~" else run_id,
                                     {k: req.arg(k) for k in ("pool", "queue")},
                                     req.args("state"), limit, offset)
        return common.Response(200, {"task_instances": [shapes.ti_v1(t) for t in rows],
                                     "total_entries": total})

    def ti(self, req, dag_id, run_id, task_id):
        return common.Response(200, shapes.ti_v1(store.get_ti(self.db, dag_id, run_id, task_id)))

    def clear_tis(self, req, dag_id):
        body = self._body(req)
        if "task_ids" in body and not body["task_ids"]:
            raise ApiError(400, "Bad Request", "[] is too short - 'task_ids'")
        tis = store.clear_task_instances(self.db, dag_id, body)
        return common.Response(200, {"task_instances": [shapes.ti_ref_v1(t) for t in tis]})

    def log(self, req, dag_id, run_id, task_id, try_s):
        try:
            try_number = int(try_s)
            map_index = int(req.arg("map_index", "-1"))
            full = common.parse_bool(req.arg("full_content")) or False
        except ValueError as e:
            raise ApiError(400, "Bad Request", str(e))
        ti = store.get_ti(self.db, dag_id, run_id, task_id, map_index)
        pos = 0
        if req.arg("token") and not full:
            try:
                pos = int(common.load_token(req.arg("token"), self.secret).get("log_pos", 0))
            except ValueError as e:
                raise ApiError(400, "Bad Request", str(e))
        shown, text, done = logs.read(self.cfg, ti, try_number, map_index)
        full_text = "*** Found local files:\n***   * %s\n" % shown + text
        chunk = full_text[pos:]
        token = common.sign_token({"end_of_log": done, "log_pos": len(full_text)},
                                  self.secret)
        if req.accepts("text/plain"):
            return common.Response(200, chunk.encode(), "text/plain")
        host = ti["hostname"] or ""
        return common.Response(200, {"continuation_token": token,
                                     "content": shapes.log_v1_json(host, chunk)})


def common_now():
    return dt.datetime.now(dt.timezone.utc)


def health(db, fmt):
    """Metadatabase and scheduler health from the `job` table's heartbeat."""
    try:
        row = db.one("SELECT max(latest_heartbeat) AS hb FROM job WHERE "
                     "job_type='SchedulerJob' AND state='running'")
        hb = row["hb"]
        dbst = "healthy"
    except Exception:
        hb, dbst = None, "unhealthy"
    ok = hb is not None and (common_now() - hb).total_seconds() < 30
    return {"metadatabase": {"status": dbst},
            "scheduler": {"status": "healthy" if ok else "unhealthy",
                          "latest_scheduler_heartbeat": fmt(hb)},
            "triggerer": {"status": None, "latest_triggerer_heartbeat": None},
            "dag_processor": {"status": None, "latest_dag_processor_heartbeat": None}}

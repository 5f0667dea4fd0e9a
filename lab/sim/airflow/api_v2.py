"""Airflow 3.1's public API (/api/v2) with JWTs from the simple auth
manager's /auth/token. Errors are FastAPI's {"detail": …}; bad input is a
422 with a list of pydantic errors {type, loc, msg, input}.
"""

import datetime as dt
import hmac
import json
import time
import urllib.parse
import uuid

import api_v1
import common
import logs
import shapes
import store
from store import ApiError

VERSION = "3.1.0"


class Invalid(Exception):
    """A 422: errors is a list of pydantic-style dicts."""

    def __init__(self, errors):
        super().__init__("validation failed")
        self.errors = errors


def _err(kind, loc, msg, value):
    return {"type": kind, "loc": loc, "msg": msg, "input": value}


CHECKS = {
    "str": (lambda v: isinstance(v, str), "string_type", "Input should be a valid string"),
    "bool": (lambda v: isinstance(v, bool), "bool_type", "Input should be a valid boolean"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "int_type",
            "Input should be a valid integer"),
    "num": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "float_type", "Input should be a valid number"),
    "obj": (lambda v: isinstance(v, dict), "dict_type", "Input should be a valid dictionary"),
    "list": (lambda v: isinstance(v, list), "list_type", "Input should be a valid list"),
    "date": (lambda v: isinstance(v, str) and _parse_date(v) is not None,
             "datetime_from_date_parsing", "Input should be a valid datetime"),
}


def _parse_date(v):
    try:
        t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def validate(body, fields, required=()):
    """Check a JSON body against {name: type} with extra keys forbidden."""
    if not isinstance(body, dict):
        raise Invalid([_err("model_attributes_type", ["body"],
                            "Input should be a valid dictionary or object to extract "
                            "fields from", body)])
    errs = []
    for k in required:
        if k not in body:
            errs.append(_err("missing", ["body", k], "Field required", body))
    for k, v in body.items():
        if k not in fields:
            errs.append(_err("extra_forbidden", ["body", k],
                             "Extra inputs are not permitted", v))
            continue
        if v is None:
            continue
        ok, kind, msg = CHECKS[fields[k]]
        if not ok(v):
            errs.append(_err(kind, ["body", k], msg, v))
    if errs:
        raise Invalid(errs)
    return body


TRIGGER = {"dag_run_id": "str", "data_interval_start": "date", "data_interval_end": "date",
           "logical_date": "date", "run_after": "date", "conf": "obj", "note": "str",
           "partition_key": "str"}
BATCH = dict({"order_by": "str", "page_offset": "int", "page_limit": "int",
              "dag_ids": "list", "states": "list", "conf_contains": "str"},
             **{"%s_%s" % (f, o): "date" for f in ("run_after", "logical_date",
                                                  "start_date", "end_date")
                for o in ("gte", "gt", "lte", "lt")})
CLEAR_TIS = {"dry_run": "bool", "start_date": "date", "end_date": "date",
             "only_failed": "bool", "only_running": "bool", "reset_dag_runs": "bool",
             "task_ids": "list", "dag_run_id": "str", "include_upstream": "bool",
             "include_downstream": "bool", "include_future": "bool",
             "include_past": "bool", "run_on_latest_version": "bool",
             "prevent_running_task": "bool"}


class ApiV2:
    """The 3.x listener's application."""

    def __init__(self, cfg, db, sched, users, secret):
        self.cfg, self.db, self.sched, self.users = cfg, db, sched, users
        self.secret, self.ttl = secret, int(cfg.get("jwt_ttl", 3600))
        self.faults = common.Faults(cfg["fault_file"])
        r = self.router = common.Router()
        p = "/api/v2"
        r.add("POST", "/auth/token", self.token)
        r.add("POST", "/auth/token/cli", self.token)
        r.add("GET", "/auth/token", self.token_all_admins)
        r.add("GET", p + "/monitor/health", self.health)
        r.add("GET", p + "/version", self.version)
        r.add("GET", p + "/dags", self.dags)
        r.add("GET", p + "/dags/{d}", self.dag)
        r.add("PATCH", p + "/dags/{d}", self.patch_dag)
        r.add("GET", p + "/dags/{d}/details", self.details)
        r.add("GET", p + "/dags/{d}/tasks", self.tasks)
        r.add("POST", p + "/dags/{d}/dagRuns/list", self.runs_batch)
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
        self.public = {self.token, self.token_all_admins, self.health, self.version}

    # -- plumbing ---------------------------------------------------------

    def unavailable(self):
        return common.Response(503, {"detail": "Service Unavailable (lab fault injection)"})

    def internal_error(self, e):
        return common.Response(500, {"detail": "Internal Server Error"})

    def _auth_error(self, req):
        """None when the bearer token is valid, else the 401 response."""
        h = req.headers.get("Authorization") or ""
        if not h.lower().startswith("bearer "):
            return common.Response(401, {"detail": "Not authenticated"},
                                   headers={"WWW-Authenticate": "Bearer"})
        try:
            common.jwt_decode(h[7:].strip(), self.secret)
        except ValueError:
            return common.Response(401, {"detail": "Invalid JWT token"},
                                   headers={"WWW-Authenticate": "Bearer"})
        return None

    def handle(self, req):
        fn, args = self.router.match(req.method, req.path.rstrip("/") or "/")
        if fn is None:
            if args:
                return common.Response(405, {"detail": "Method Not Allowed"})
            return common.Response(404, {"detail": "Not Found"})
        if fn not in self.public:
            bad = self._auth_error(req)
            if bad:
                return bad
        try:
            return fn(req, *args)
        except Invalid as e:
            return common.Response(422, {"detail": e.errors})
        except ApiError as e:
            return common.Response(e.status, {"detail": e.detail or e.title})

    def _body(self, req):
        try:
            return common.parse_json(req)
        except ValueError as e:
            raise Invalid([_err("json_invalid", ["body", 0], "JSON decode error",
                                {"error": str(e)})])

    def _int(self, req, name, default, minimum=0):
        v = req.arg(name)
        if v is None or v == "":
            return default
        try:
            n = int(v)
        except ValueError:
            raise Invalid([_err("int_parsing", ["query", name], "Input should be a valid "
                                "integer, unable to parse string as an integer", v)])
        if n < minimum:
            raise Invalid([_err("greater_than_equal", ["query", name],
                                "Input should be greater than or equal to %d" % minimum, v)])
        return n

    def _bool(self, req, name):
        v = req.arg(name)
        try:
            return common.parse_bool(v) if v not in (None, "") else None
        except ValueError:
            raise Invalid([_err("bool_parsing", ["query", name], "Input should be a "
                                "valid boolean, unable to interpret input", v)])

    def _page(self, req):
        return self._int(req, "limit", 50), self._int(req, "offset", 0)

    def _dag(self, dag_id):
        try:
            return store.get_dag(self.db, dag_id)
        except ApiError:
            raise ApiError(404, "Not Found", "The Dag with ID: `%s` was not found" % dag_id)

    def _run(self, dag_id, run_id):
        try:
            return store.get_run(self.db, dag_id, run_id)
        except ApiError:
            raise ApiError(404, "Not Found", "The DagRun with dag_id: `%s` and run_id: "
                           "`%s` was not found" % (dag_id, run_id))

    # -- auth -------------------------------------------------------------

    def token(self, req):
        ctype = (req.headers.get("Content-Type") or "application/json").split(";")[0]
        if ctype == "application/x-www-form-urlencoded":
            body = {k: v[-1] for k, v in urllib.parse.parse_qs(req.body.decode()).items()}
        elif ctype == "application/json":
            body = self._body(req)
        else:
            return common.Response(415, {"detail": "Unsupported Media Type"})
        validate(body, {"username": "str", "password": "str"}, ("username", "password"))
        want = self.users.get(body["username"])
        if want is None or not hmac.compare_digest(want.encode(), body["password"].encode()):
            return common.Response(401, {"detail": "Invalid credentials"})
        return common.Response(201, {"access_token": self.issue(body["username"])})

    def issue(self, user, ttl=None):
        now = int(time.time())
        claims = {"sub": user, "role": "ADMIN", "iss": "airflowsim", "aud": "apache-airflow",
                  "iat": now, "nbf": now, "exp": now + (self.ttl if ttl is None else ttl),
                  "jti": uuid.uuid4().hex}
        return common.jwt_encode(claims, self.secret)

    def token_all_admins(self, req):
        if self.cfg.get("all_admins"):
            return common.Response(201, {"access_token": self.issue("admin")})
        return common.Response(403, {"detail": "This method is only allowed if "
                                     "``[core] simple_auth_manager_all_admins`` is True"})

    # -- monitoring -------------------------------------------------------

    def health(self, req):
        return common.Response(200, api_v1.health(self.db, shapes.iso3))

    def version(self, req):
        return common.Response(200, {"version": VERSION, "git_version": None})

    # -- DAGs -------------------------------------------------------------

    def dags(self, req):
        limit, offset = self._page(req)
        stale = self._bool(req, "exclude_stale")
        rows, total = store.list_dags(self.db, limit, offset,
                                      req.args("order_by") or ["dag_id"],
                                      req.arg("dag_id_pattern"), self._bool(req, "paused"),
                                      req.args("tags"), stale is not False, v2=True,
                                      owners=req.args("owners"))
        return common.Response(200, {"dags": [shapes.dag_v2(r) for r in rows],
                                     "total_entries": total})

    def dag(self, req, dag_id):
        return common.Response(200, shapes.dag_v2(self._dag(dag_id)))

    def patch_dag(self, req, dag_id):
        body = validate(self._body(req), {"is_paused": "bool"}, ("is_paused",))
        self._dag(dag_id)
        return common.Response(200, shapes.dag_v2(
            store.set_paused(self.db, dag_id, body["is_paused"])))

    def details(self, req, dag_id):
        row = self._dag(dag_id)
        n = self.db.one("SELECT count(*) AS n FROM dag_run WHERE dag_id=%s AND state IN "
                        "('queued','running')", (dag_id,))["n"]
        return common.Response(200, shapes.dag_detail_v2(row, store.dag_spec(dag_id), n))

    def tasks(self, req, dag_id):
        owner = self._dag(dag_id)["owners"]
        ts = [shapes.task_v2(t, owner) for t in store.tasks_of(self.db, dag_id)]
        return common.Response(200, {"tasks": ts, "total_entries": len(ts)})

    # -- DAG runs ---------------------------------------------------------

    def runs(self, req, dag_id):
        limit, offset = self._page(req)
        params = {"run_type": req.args("run_type")}
        for k in req.query:
            if k.endswith(("_gte", "_gt", "_lte", "_lt")) and not k.startswith("duration"):
                t = _parse_date(req.arg(k))
                if t is None:
                    raise Invalid([_err("datetime_from_date_parsing", ["query", k],
                                        "Input should be a valid datetime", req.arg(k))])
                params[k] = t
        ids = None
        if dag_id != "~":
            self._dag(dag_id)
            ids = [dag_id]
        rows, total = store.list_runs(self.db, ids, params, req.args("state"),
                                      req.args("order_by") or ["id"], limit, offset, True)
        return common.Response(200, {"dag_runs": [shapes.run_v2(r) for r in rows],
                                     "total_entries": total})

    def runs_batch(self, req, dag_id):
        if dag_id != "~":
            raise Invalid([_err("literal_error", ["path", "dag_id"],
                                "Input should be '~'", dag_id)])
        body = validate(self._body(req), BATCH)
        params = {k: _parse_date(v) for k, v in body.items()
                  if k in BATCH and BATCH[k] == "date" and v}
        rows, total = store.list_runs(self.db, body.get("dag_ids"), params,
                                      body.get("states"), body.get("order_by") or "id",
                                      body.get("page_limit", 100), body.get("page_offset", 0),
                                      True)
        return common.Response(200, {"dag_runs": [shapes.run_v2(r) for r in rows],
                                     "total_entries": total})

    def trigger(self, req, dag_id):
        body = validate(self._body(req), TRIGGER, ("logical_date",))
        self._dag(dag_id)
        logical = _parse_date(body["logical_date"]) if body["logical_date"] else None
        after = _parse_date(body["run_after"]) if body.get("run_after") else None
        after = after or logical or dt.datetime.now(dt.timezone.utc)
        run_id = body.get("dag_run_id") or "manual__" + (logical or after).isoformat()
        row = self.sched.create_run(dag_id, "manual", logical, body.get("conf") or {},
                                    run_id, "rest_api", None, body.get("note"), after)
        if row is None:
            raise ApiError(409, "Conflict", "DAG Run with dag_id: `%s` and run_id: `%s` "
                           "already exists" % (dag_id, run_id))
        return common.Response(200, shapes.run_v2(row))

    def run(self, req, dag_id, run_id):
        return common.Response(200, shapes.run_v2(self._run(dag_id, run_id)))

    def patch_run(self, req, dag_id, run_id):
        body = validate(self._body(req), {"state": "str", "note": "str"})
        self._run(dag_id, run_id)
        st = body.get("state")
        if st is not None and st not in ("queued", "success", "failed"):
            raise Invalid([_err("enum", ["body", "state"], "Input should be 'queued', "
                                "'success' or 'failed'", st)])
        if st:
            store.set_run_state(self.db, dag_id, run_id, st)
        if "note" in body:
            self.db.run("UPDATE dag_run SET note=%s WHERE dag_id=%s AND run_id=%s",
                        (body["note"], dag_id, run_id))
        return common.Response(200, shapes.run_v2(self._run(dag_id, run_id)))

    def delete_run(self, req, dag_id, run_id):
        self._run(dag_id, run_id)
        store.delete_run(self.db, dag_id, run_id)
        return common.Response(204, b"")

    def clear_run(self, req, dag_id, run_id):
        body = validate(self._body(req), {"dry_run": "bool", "only_failed": "bool",
                                          "run_on_latest_version": "bool"})
        self._run(dag_id, run_id)
        dry = body.get("dry_run", True)
        tis = store.clear_run(self.db, dag_id, run_id, dry, body.get("only_failed", False))
        if dry:
            return common.Response(200, {"task_instances": [shapes.ti_v2(t) for t in tis],
                                         "total_entries": len(tis)})
        return common.Response(200, shapes.run_v2(self._run(dag_id, run_id)))

    # -- task instances ---------------------------------------------------

    def tis(self, req, dag_id, run_id):
        limit, offset = self._page(req)
        if dag_id != "~":
            self._dag(dag_id)
            if run_id != "~":
                self._run(dag_id, run_id)
        rows, total = store.list_tis(self.db, None if dag_id == "~" else dag_id,
                                     None if run_id == "~" else run_id,
                                     {k: req.arg(k) for k in ("task_id", "pool", "queue")},
                                     req.args("state"), limit, offset,
                                     req.args("order_by") or ["map_index"])
        return common.Response(200, {"task_instances": [shapes.ti_v2(t) for t in rows],
                                     "total_entries": total})

    def ti(self, req, dag_id, run_id, task_id):
        try:
            t = store.get_ti(self.db, dag_id, run_id, task_id)
        except ApiError:
            raise ApiError(404, "Not Found", "The Task Instance with dag_id: `%s`, run_id: "
                           "`%s`, task_id: `%s` and map_index: `-1` was not found"
                           % (dag_id, run_id, task_id))
        return common.Response(200, shapes.ti_v2(t))

    def clear_tis(self, req, dag_id):
        body = validate(self._body(req), CLEAR_TIS)
        self._dag(dag_id)
        tis = store.clear_task_instances(self.db, dag_id, body)
        return common.Response(200, {"task_instances": [shapes.ti_v2(t) for t in tis],
                                     "total_entries": len(tis)})

    def log(self, req, dag_id, run_id, task_id, try_s):
        try:
            try_number = int(try_s)
        except ValueError:
            raise Invalid([_err("int_parsing", ["path", "try_number"], "Input should be a "
                                "valid integer, unable to parse string as an integer", try_s)])
        map_index = self._int(req, "map_index", -1, minimum=-1)
        full = self._bool(req, "full_content") or False
        try:
            ti = store.get_ti(self.db, dag_id, run_id, task_id, map_index)
        except ApiError:
            raise ApiError(404, "Not Found", "TaskInstance not found")
        pos = 0
        if req.arg("token") and not full:
            try:
                pos = int(common.load_token(req.arg("token"), self.secret).get("log_pos", 0))
            except ValueError as e:
                raise ApiError(400, "Bad Request", str(e))
        shown, text, done = logs.read(self.cfg, ti, try_number, map_index)
        msgs = shapes.log_v2_messages(shown, text, True)
        token = common.sign_token({"end_of_log": done, "log_pos": len(msgs)}, self.secret)
        chunk = msgs[pos:]
        if req.accepts("application/x-ndjson"):
            return common.Response(200, "".join(json.dumps(m) + "\n" for m in chunk).encode(),
                                   "application/x-ndjson")
        return common.Response(200, {"content": chunk, "continuation_token": token})

"""The scheduler thread and the executor: creates scheduled runs, moves runs
and task instances through Airflow's states in the database, and runs each
try of a task in a thread of its own (tasks.py says what a try does).
"""

import datetime as dt
import json
import os
import random
import socket
import sys
import threading
import time

import db as dbm
import tasks

HOSTNAME = "airflow-worker-0"
TERMINAL = ("success", "failed", "upstream_failed", "skipped", "removed")
PARALLELISM = 8          # tasks running at once, all DAGs (a 2-core machine)
TICK = 0.5               # seconds between scheduling passes


class Cancelled(Exception):
    """The try's task instance was cleared, marked or deleted meanwhile."""


def log_path(cfg, dag_id, run_id, task_id, try_number, map_index=-1):
    """Airflow's log layout: dag_id=…/run_id=…/task_id=…/attempt=N.log."""
    parts = ["dag_id=" + dag_id, "run_id=" + run_id, "task_id=" + task_id]
    if map_index >= 0:
        parts.append("map_index=%d" % map_index)
    rel = os.path.join(*parts, "attempt=%d.log" % try_number)
    return rel, os.path.join(cfg["log_dir"], rel)


def log_line(ts, level, src, msg):
    """One line in Airflow 2's format: [ts] {file.py:N} LEVEL - message."""
    stamp = ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+0000" % (ts.microsecond // 1000)
    return "[%s] {%s} %s - %s\n" % (stamp, src, level, msg)


class Context:
    """What a running try sees: its task instance, run, log and the lab."""

    def __init__(self, sched, ti, run, spec):
        self.sched, self.cfg, self.db = sched, sched.cfg, sched.db
        self.dag_id, self.task_id, self.run_id = ti["dag_id"], ti["task_id"], ti["run_id"]
        self.try_number, self.operator = ti["try_number"], ti["operator"]
        self.conf = run["conf"] or {}
        self.logical_date, self.run_after = run["logical_date"], run["run_after"]
        self.rnd = random.Random()
        self.fail_p = spec.get("fail_p", 0.0)
        lo, hi = spec.get("dur", (2, 20))
        self.duration = self.rnd.uniform(lo, hi) * self.cfg["pace"]
        self.rel, self.path = log_path(self.cfg, self.dag_id, self.run_id,
                                       self.task_id, self.try_number)
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.f = open(self.path, "a", buffering=1)
        self._s3 = None

    def now_iso(self):
        return dbm.now().isoformat()

    def log(self, msg, level="INFO", src="taskinstance.py:2612"):
        for line in str(msg).splitlines() or [""]:
            self.f.write(log_line(dbm.now(), level, src, line))

    def alive(self):
        """True while the database still has this try running."""
        row = self.db.one("SELECT state, try_number FROM task_instance WHERE "
                          "dag_id=%s AND run_id=%s AND task_id=%s AND map_index=-1",
                          (self.dag_id, self.run_id, self.task_id))
        return bool(row) and row["state"] == "running" and \
            row["try_number"] == self.try_number

    def sleep(self, seconds):
        """Wait (already pace-scaled seconds); stop if the try was cancelled."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.5))
            if not self.alive():
                raise Cancelled()

    def s3(self):
        """The lab's S3 client (lab/sim/labs3.py), made on first use."""
        if self._s3 is None:
            import labs3
            c = self.cfg["s3"]
            self._s3 = labs3.S3(c["endpoint"], c["access_key"], c["secret_key"],
                                c.get("region", "us-east-1"), timeout=15)
        return self._s3

    def loaded(self, keys):
        rows = self.db.all("SELECT key FROM sim_loaded WHERE key = ANY(%s)",
                           (list(keys),))
        return {r["key"] for r in rows}

    def mark_loaded(self, keys):
        for k in keys:
            self.db.run("INSERT INTO sim_loaded (key) VALUES (%s) "
                        "ON CONFLICT DO NOTHING", (k,))

    def spark(self, job, main_file):
        """Submit a SparkApplication and wait until it completes or fails."""
        ns = self.cfg["kube"]["namespace"]
        base = "/apis/sparkoperator.k8s.io/v1beta2/namespaces/%s/sparkapplications" % ns
        name = tasks.spark_app_name(self, job)
        body = tasks.spark_manifest(self, name, job, main_file)
        src = "spark_kubernetes.py:262"
        self.log("Creating sparkApplication %s in namespace %s" % (name, ns), src=src)
        tasks.kube_request(self, "POST", base, body)
        last, deadline = None, time.monotonic() + self.duration + 180
        while time.monotonic() < deadline:
            self.sleep(1.0)
            app = tasks.kube_request(self, "GET", "%s/%s" % (base, name))
            st = (app.get("status") or {}).get("applicationState") or {}
            state = st.get("state", "")
            if state != last:
                self.log("Spark application %s state: %s" % (name, state or "NEW"),
                         src=src)
                last = state
            if state == "COMPLETED":
                return
            if state in ("FAILED", "SUBMISSION_FAILED"):
                raise tasks.TaskFailed("Spark application %s failed: %s" % (
                    name, st.get("errorMessage", "driver exited with code 1")))
        raise tasks.TaskFailed("Spark application %s did not finish in time" % name)


class Scheduler:
    """One thread that schedules; one thread per running try."""

    def __init__(self, cfg, db):
        self.cfg, self.db = cfg, db
        self.active = set()           # (dag_id, run_id, task_id) with a thread
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.job_id = None
        self.last_sched = 0.0

    def start(self):
        self._reset_orphans()
        row = self.db.one(
            "INSERT INTO job (state, job_type, start_date, latest_heartbeat,"
            " executor_class, hostname, unixname) VALUES ('running',"
            " 'SchedulerJob', now(), now(), 'LocalExecutor', %s, 'airflow')"
            " RETURNING id", (socket.gethostname(),))
        self.job_id = row["id"]
        t = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        t.start()
        return t

    def _reset_orphans(self):
        """Tries a previous process left running have no thread: re-run them."""
        self.db.run("UPDATE task_instance SET state=NULL, updated_at=now() "
                    "WHERE state IN ('queued','running','scheduled','restarting')")
        self.db.run("UPDATE job SET state='failed', end_date=now() WHERE "
                    "job_type='SchedulerJob' AND state='running'")

    def _loop(self):
        while not self.stop.is_set():
            try:
                self.tick()
            except Exception as e:            # keep scheduling after a DB hiccup
                print("scheduler: %s: %s" % (type(e).__name__, e), file=sys.stderr)
                time.sleep(2)
            self.stop.wait(TICK)

    def tick(self):
        self.db.run("UPDATE job SET latest_heartbeat=now() WHERE id=%s", (self.job_id,))
        if time.monotonic() - self.last_sched > 5:
            self.last_sched = time.monotonic()
            self._create_scheduled()
        self._start_queued_runs()
        self._schedule_tasks()

    def _create_scheduled(self):
        """A run per elapsed interval (catchup off) for unpaused scheduled DAGs."""
        pace = self.cfg["pace"]
        for d in self.db.all("SELECT dag_id, next_dagrun_create_after FROM dag "
                             "WHERE NOT is_paused AND is_active"):
            spec = dbm.dagdefs.BY_ID.get(d["dag_id"])
            if not spec or not spec["every"]:
                continue
            period, now = spec["every"], dbm.now()
            when = d["next_dagrun_create_after"]
            epoch = int(now.timestamp())
            logical = dt.datetime.fromtimestamp(epoch - epoch % period - period, dbm.UTC)
            if when is None:
                when = now + dt.timedelta(seconds=period * pace * random.uniform(0.1, 0.6))
            elif when <= now:
                self.create_run(d["dag_id"], "scheduled", logical, {}, None,
                                "timetable", period)
                when = now + dt.timedelta(seconds=period * pace)
            else:
                continue
            nxt = logical + dt.timedelta(seconds=period)
            self.db.run("UPDATE dag SET next_dagrun=%s, next_dagrun_data_interval_start=%s,"
                        " next_dagrun_data_interval_end=%s, next_dagrun_create_after=%s"
                        " WHERE dag_id=%s", (nxt, nxt, nxt + dt.timedelta(seconds=period),
                                             when, d["dag_id"]))

    def create_run(self, dag_id, run_type, logical, conf, run_id, triggered_by,
                   period=None, note=None, run_after=None):
        """Insert a queued run with its task instances; None if run_id exists."""
        now = dbm.now()
        if run_id is None:
            run_id = dbm.run_id_for(run_type, logical or now)
        start = logical
        end = logical + dt.timedelta(seconds=period) if (logical and period) else logical
        with self.db.cursor() as cur:
            cur.execute(
                "INSERT INTO dag_run (dag_id, queued_at, logical_date, run_after,"
                " state, run_id, external_trigger, run_type, triggered_by, conf,"
                " data_interval_start, data_interval_end, note)"
                " VALUES (%s,%s,%s,%s,'queued',%s,%s,%s,%s,%s,%s,%s,%s)"
                " ON CONFLICT (dag_id, run_id) DO NOTHING RETURNING *",
                (dag_id, now, logical, run_after or now, run_id, run_type == "manual",
                 run_type, triggered_by, json.dumps(conf or {}), start, end, note))
            row = cur.fetchone()
            if row is None:
                return None
            cur.execute(
                "INSERT INTO task_instance (task_id, dag_id, run_id, max_tries,"
                " pool, queue, priority_weight, operator, task_display_name)"
                " SELECT task_id, dag_id, %s, retries, pool, queue, priority_weight,"
                " operator, task_id FROM sim_task WHERE dag_id=%s"
                " ON CONFLICT DO NOTHING", (run_id, dag_id))
        return row

    def _start_queued_runs(self):
        """Queued runs of unpaused DAGs start while under max_active_runs."""
        rows = self.db.all(
            "SELECT r.id, r.dag_id, d.max_active_runs,"
            " (SELECT count(*) FROM dag_run x WHERE x.dag_id=r.dag_id AND"
            "  x.state='running') AS active"
            " FROM dag_run r JOIN dag d USING (dag_id)"
            " WHERE r.state='queued' AND NOT d.is_paused ORDER BY r.queued_at, r.id")
        started = {}
        for r in rows:
            n = r["active"] + started.get(r["dag_id"], 0)
            if n >= (r["max_active_runs"] or 16):
                continue
            started[r["dag_id"]] = started.get(r["dag_id"], 0) + 1
            self.db.run("UPDATE dag_run SET state='running', start_date=now(),"
                        " end_date=NULL, updated_at=now(),"
                        " last_scheduling_decision=now() WHERE id=%s AND"
                        " state='queued'", (r["id"],))

    def _schedule_tasks(self):
        """Move the task instances of running runs along their dependencies."""
        rows = self.db.all(
            "SELECT ti.dag_id, ti.run_id, ti.task_id, ti.state, ti.try_number,"
            " ti.end_date, t.upstream, t.retry_delay, r.id AS run_pk, d.is_paused"
            " FROM dag_run r JOIN task_instance ti USING (dag_id, run_id)"
            " JOIN dag d ON d.dag_id = r.dag_id"
            " LEFT JOIN sim_task t ON t.dag_id=ti.dag_id AND t.task_id=ti.task_id"
            " WHERE r.state='running' ORDER BY r.queued_at, r.id, ti.priority_weight DESC")
        runs = {}
        for r in rows:
            runs.setdefault(r["run_pk"], []).append(r)
        busy = self.db.one("SELECT count(*) AS n FROM task_instance WHERE state IN "
                           "('queued','running')")["n"]
        now = dbm.now()
        for pk, tis in runs.items():
            busy = self._schedule_run(pk, tis, busy, now)

    def _schedule_run(self, pk, tis, busy, now):
        state = {t["task_id"]: t["state"] for t in tis}
        for t in tis:
            key = (t["dag_id"], t["run_id"], t["task_id"])
            st = t["state"]
            if st == "restarting" and key not in self.active:
                self._set(t, None)
                st = None
            if st == "up_for_retry":
                delay = (t["retry_delay"] or 30) * self.cfg["pace"]
                if t["end_date"] and (now - t["end_date"]).total_seconds() < delay:
                    continue
                st = None
            if st not in (None, "scheduled") or t["is_paused"]:
                continue
            ups = [state.get(u) for u in (t["upstream"] or [])]
            if any(u in ("failed", "upstream_failed") for u in ups):
                self.db.run("UPDATE task_instance SET state='upstream_failed',"
                            " end_date=now(), updated_at=now() WHERE dag_id=%s AND"
                            " run_id=%s AND task_id=%s AND map_index=-1",
                            (t["dag_id"], t["run_id"], t["task_id"]))
                state[t["task_id"]] = "upstream_failed"
            elif all(u in ("success", "skipped") for u in ups) and busy < PARALLELISM:
                if self._queue(t):
                    busy += 1
                    state[t["task_id"]] = "queued"
        if all(s in TERMINAL for s in state.values()):
            bad = any(s in ("failed", "upstream_failed") for s in state.values())
            self.db.run("UPDATE dag_run SET state=%s, end_date=now(), updated_at=now()"
                        " WHERE id=%s AND state='running'",
                        ("failed" if bad else "success", pk))
        return busy

    def _set(self, t, state):
        self.db.run("UPDATE task_instance SET state=%s, updated_at=now() WHERE"
                    " dag_id=%s AND run_id=%s AND task_id=%s AND map_index=-1",
                    (state, t["dag_id"], t["run_id"], t["task_id"]))

    def _queue(self, t):
        """scheduled → queued with the next try number, and hand to a thread."""
        key = (t["dag_id"], t["run_id"], t["task_id"])
        with self.lock:
            if key in self.active:
                return False
        row = self.db.one(
            "UPDATE task_instance SET state='queued', try_number=try_number+1,"
            " scheduled_dttm=now(), queued_dttm=now(), queued_by_job_id=%s,"
            " hostname='', pid=NULL, start_date=NULL, end_date=NULL, duration=NULL,"
            " executor='LocalExecutor', updated_at=now()"
            " WHERE dag_id=%s AND run_id=%s AND task_id=%s AND map_index=-1"
            " AND (state IS NULL OR state IN ('scheduled','up_for_retry'))"
            " RETURNING *", (self.job_id,) + key)
        if row is None:
            return False
        with self.lock:
            self.active.add(key)
        threading.Thread(target=self._execute, args=(row,), daemon=True,
                         name="task-%s.%s" % (key[0], key[2])).start()
        return True

    def _execute(self, ti):
        key = (ti["dag_id"], ti["run_id"], ti["task_id"])
        try:
            import executor
            executor.run_try(self, ti)
        except Exception as e:
            print("executor %s: %s: %s" % (key, type(e).__name__, e), file=sys.stderr)
        finally:
            with self.lock:
                self.active.discard(key)

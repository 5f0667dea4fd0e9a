"""One try of one task instance, as Airflow's LocalExecutor runs it: the
standard log preamble, queued → running, the task's work, then success,
up_for_retry or failed, and the log uploaded to s3://airflow-logs/.
"""

import os
import random
import sys
import time
import traceback

import db as dbm
import scheduler as sch
import tasks

UPDATE_END = (
    "UPDATE task_instance SET state=%s, end_date=now(),"
    " duration=extract(epoch FROM now() - start_date), updated_at=now()"
    " WHERE dag_id=%s AND run_id=%s AND task_id=%s AND map_index=-1"
    " AND state='running' AND try_number=%s")


def _ti_label(ti, state):
    return "<TaskInstance: %s.%s %s [%s]>" % (ti["dag_id"], ti["task_id"],
                                              ti["run_id"], state)


def _start(sched, ctx, ti, run):
    """Log the preamble and move queued → running; False if it was taken away."""
    pace = sched.cfg["pace"]
    time.sleep(random.uniform(0.2, 0.8) * pace)
    pid = random.randint(1000, 60000)
    n = sched.db.run(
        "UPDATE task_instance SET state='running', start_date=now(),"
        " hostname=%s, unixname='airflow', pid=%s, updated_at=now()"
        " WHERE dag_id=%s AND run_id=%s AND task_id=%s AND map_index=-1"
        " AND state='queued' AND try_number=%s",
        (sch.HOSTNAME, pid, ti["dag_id"], ti["run_id"], ti["task_id"],
         ti["try_number"]))
    if n == 0:
        return False
    tr = "taskinstance.py:2612"
    ctx.log("Dependencies all met for dep_context=non-requeueable deps ti=%s"
            % _ti_label(ti, "queued"), src=tr)
    ctx.log("Dependencies all met for dep_context=requeueable deps ti=%s"
            % _ti_label(ti, "queued"), src=tr)
    ctx.log("Starting attempt %d of %d" % (ti["try_number"], ti["max_tries"] + 1),
            src="taskinstance.py:2865")
    ctx.log("Executing <Task(%s): %s> on %s" % (
        ti["operator"], ti["task_id"],
        (run["logical_date"] or run["run_after"]).isoformat()),
        src="taskinstance.py:2888")
    ctx.log("Started process %d to run task" % pid, src="standard_task_runner.py:72")
    ctx.log("Running %s on host %s" % (_ti_label(ti, "running"), sch.HOSTNAME),
            src="task_command.py:467")
    return True


def run_try(sched, ti):
    """Run one try end to end; every state change is guarded by the try number."""
    run = sched.db.one("SELECT * FROM dag_run WHERE dag_id=%s AND run_id=%s",
                       (ti["dag_id"], ti["run_id"]))
    spec_row = sched.db.one("SELECT spec FROM sim_task WHERE dag_id=%s AND task_id=%s",
                            (ti["dag_id"], ti["task_id"]))
    if run is None or spec_row is None:
        return
    spec = spec_row["spec"] or {}
    ctx = sch.Context(sched, ti, run, spec)
    try:
        if not _start(sched, ctx, ti, run):
            return
        state, fn = "success", tasks.KINDS.get(spec.get("kind", "sleep"), tasks.run_sleep)
        try:
            fn(ctx)
        except sch.Cancelled:
            row = sched.db.one("SELECT state FROM task_instance WHERE dag_id=%s AND"
                               " run_id=%s AND task_id=%s AND map_index=-1",
                               (ti["dag_id"], ti["run_id"], ti["task_id"]))
            ctx.log("State of this instance has been externally set to %s. "
                    "Terminating instance." % (row["state"] if row else "removed"),
                    level="WARNING", src="local_task_job_runner.py:346")
            return
        except tasks.TaskFailed as e:
            state = _failed(ctx, ti, str(e))
        except Exception as e:           # a bug in a task is a failed try, too
            ctx.log(traceback.format_exc(), level="ERROR", src="taskinstance.py:3311")
            state = _failed(ctx, ti, "%s: %s" % (type(e).__name__, e))
        _finish(sched, ctx, ti, run, state)
    finally:
        ctx.f.close()
        _upload(sched, ctx)


def _failed(ctx, ti, msg):
    """Log the failure; the next state is up_for_retry while tries remain."""
    ctx.log("Task failed with exception", level="ERROR", src="taskinstance.py:3311")
    ctx.log("Traceback (most recent call last):\n  File \"/opt/airflow/dags/%s.py\","
            " line 57, in execute\n%s" % (ti["dag_id"], msg),
            level="ERROR", src="taskinstance.py:3311")
    return "up_for_retry" if ti["try_number"] <= ti["max_tries"] else "failed"


def _finish(sched, ctx, ti, run, state):
    n = sched.db.run(UPDATE_END, (state, ti["dag_id"], ti["run_id"], ti["task_id"],
                                  ti["try_number"]))
    if n == 0:
        ctx.log("State of this instance has been externally changed. "
                "Terminating instance.", level="WARNING",
                src="local_task_job_runner.py:346")
        return
    word = {"success": "SUCCESS", "failed": "FAILED",
            "up_for_retry": "UP_FOR_RETRY"}[state]
    ctx.log("Marking task as %s. dag_id=%s, task_id=%s, run_id=%s, "
            "execution_date=%s, end_date=%s" % (
                word, ti["dag_id"], ti["task_id"], ti["run_id"],
                (run["logical_date"] or run["run_after"]).strftime("%Y%m%dT%H%M%S"),
                dbm.now().strftime("%Y%m%dT%H%M%S")), src="taskinstance.py:1206")
    code = 0 if state == "success" else 1
    ctx.log("Task exited with return code %d" % code, src="local_task_job_runner.py:243")
    ctx.log("0 downstream tasks scheduled from follow-on schedule check",
            src="taskinstance.py:3895")


def _upload(sched, ctx):
    """Remote logging: copy the finished log to s3://airflow-logs/<layout>."""
    if not sched.cfg.get("s3", {}).get("endpoint"):
        return
    try:
        with open(ctx.path, "rb") as f:
            data = f.read()
        ctx.s3().put_object("airflow-logs", ctx.rel.replace(os.sep, "/"), data,
                            content_type="text/plain")
    except Exception as e:
        print("log upload %s: %s" % (ctx.rel, e), file=sys.stderr)

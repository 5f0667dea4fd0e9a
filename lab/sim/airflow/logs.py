"""Task logs for the API: the file the executor wrote, or for the thousands
of historic tries that never ran here, a log made up from the task
instance's row (same every time); cut at a continuation position.
"""

import datetime as dt
import os
import random
import re

import scheduler as sch

RUNNING = (None, "queued", "running", "scheduled", "restarting", "up_for_retry",
           "deferred", "up_for_reschedule")
LINE = re.compile(r"^\[(\S+)\] \{([^}]*)\} (\w+) - (.*)$")


def _synthetic(ti, try_number):
    """A plausible log for a finished historic try."""
    start = ti["start_date"] or ti["end_date"]
    end = ti["end_date"] or start
    if start is None:
        return ""
    rnd = random.Random("%s/%s/%s/%d" % (ti["dag_id"], ti["run_id"], ti["task_id"],
                                         try_number))
    label = "<TaskInstance: %s.%s %s [%%s]>" % (ti["dag_id"], ti["task_id"], ti["run_id"])
    failed = try_number < ti["try_number"] or ti["state"] == "failed"
    lines = [
        (start, "taskinstance.py:2612", "INFO",
         "Dependencies all met for dep_context=non-requeueable deps ti=" + label % "queued"),
        (start, "taskinstance.py:2865", "INFO",
         "Starting attempt %d of %d" % (try_number, (ti["max_tries"] or 0) + 1)),
        (start, "taskinstance.py:2888", "INFO", "Executing <Task(%s): %s> on %s"
         % (ti["operator"], ti["task_id"], (ti["logical_date"] or start).isoformat())),
        (start, "standard_task_runner.py:72", "INFO",
         "Started process %d to run task" % (ti["pid"] or rnd.randint(1000, 60000))),
        (start, "task_command.py:467", "INFO",
         "Running %s on host %s" % (label % "running", ti["hostname"] or sch.HOSTNAME)),
    ]
    span = (end - start).total_seconds()
    for i in range(rnd.randint(2, 4)):
        lines.append((start + dt.timedelta(seconds=span * (i + 1) / 5),
                      "%s.py:%d" % (ti["task_id"], 20 + i), "INFO",
                      "%s: step %d done" % (ti["task_id"], i + 1)))
    if failed:
        lines.append((end, "taskinstance.py:3311", "ERROR", "Task failed with exception"))
        word = "UP_FOR_RETRY" if try_number < ti["try_number"] else "FAILED"
    else:
        word = "SUCCESS"
    lines.append((end, "taskinstance.py:1206", "INFO",
                  "Marking task as %s. dag_id=%s, task_id=%s, run_id=%s"
                  % (word, ti["dag_id"], ti["task_id"], ti["run_id"])))
    lines.append((end, "local_task_job_runner.py:243", "INFO",
                  "Task exited with return code %d" % (1 if failed else 0)))
    return "".join(sch.log_line(t, lvl, src, msg) for t, src, lvl, msg in lines)


def read(cfg, ti, try_number, map_index=-1):
    """(file path as Airflow shows it, text, end_of_log)."""
    rel, path = sch.log_path(cfg, ti["dag_id"], ti["run_id"], ti["task_id"],
                             try_number, map_index)
    shown = "/opt/airflow/logs/" + rel
    current = try_number == ti["try_number"]
    done = not current or ti["state"] not in RUNNING
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return shown, f.read(), done
    except OSError:
        pass
    if 1 <= try_number <= (ti["try_number"] or 0) and done:
        return shown, _synthetic(ti, try_number), True
    return shown, "", done


def structured(text):
    """Airflow 3's structured messages from Airflow 2 style lines."""
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        if not m:
            if out:
                out[-1]["event"] += "\n" + line
            else:
                out.append({"event": line})
            continue
        ts = m.group(1)
        ts = ts[:-5] + "Z" if ts.endswith("+0000") else ts
        src = m.group(2).split(":")[0]
        out.append({"timestamp": ts, "event": m.group(4),
                    "level": m.group(3).lower(), "logger": "airflow.task",
                    "filename": src, "lineno": int(m.group(2).split(":")[-1])
                    if m.group(2).split(":")[-1].isdigit() else 0})
    return out


def exists(cfg, ti, try_number):
    return os.path.exists(sch.log_path(cfg, ti["dag_id"], ti["run_id"],
                                       ti["task_id"], try_number)[1])

"""What the lab's tasks do: real work against the lab's S3 (Swift), the
Kubernetes simulator's SparkApplications and ClickHouse.

Each kind is a function f(ctx) that logs through ctx.log, waits through
ctx.sleep (scaled by pace, interrupted when the task instance is cleared
or marked) and raises TaskFailed to fail the try.
"""

import datetime as dt
import hashlib
import json
import os
import random
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request

EVENT_TYPES = ["page_view", "click", "add_to_cart", "purchase", "search"]
COUNTRIES = ["DE", "FR", "US", "GB", "ES", "IT", "NL", "PL"]


class TaskFailed(Exception):
    """The try failed; the message goes to the task log."""


def label_safe(text, limit=63):
    """A Kubernetes label value: [A-Za-z0-9._-], alphanumeric at both ends."""
    s = re.sub(r"[^A-Za-z0-9._-]", "_", text)[:limit]
    return s.strip("._-") or "x"


def key_safe(run_id):
    """A run id as an S3 key component (no ':' or '+')."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", run_id)


def _date(ctx):
    """The partition date of this run: conf.date or the logical date's day."""
    d = (ctx.conf or {}).get("date")
    if d and re.match(r"^\d{4}-\d{2}-\d{2}$", str(d)):
        return str(d)
    return (ctx.logical_date or ctx.run_after).strftime("%Y-%m-%d")


def _staging(ctx, name):
    """A file the run's tasks share (stands in for XCom)."""
    path = os.path.join(ctx.cfg["staging_dir"], ctx.dag_id,
                        key_safe(ctx.run_id), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def _s3(ctx, what, fn, *args, **kw):
    """Call an S3 method; S3 or network errors fail the task with a log line."""
    import labs3
    try:
        return fn(*args, **kw)
    except labs3.S3Error as e:
        raise TaskFailed("S3 %s failed: %s %s: %s" % (what, e.status, e.code,
                                                      e.message))
    except OSError as e:
        raise TaskFailed("S3 %s failed: could not connect to endpoint %s: %s"
                         % (what, ctx.cfg["s3"]["endpoint"], e))


# -- generic ---------------------------------------------------------------

def run_sleep(ctx):
    """A task that only takes time, with the lines its operator would log."""
    op = ctx.operator
    if op == "BashOperator":
        ctx.log("Tmp dir root location: /tmp", src="subprocess.py:63")
        ctx.log("Running command: ['/usr/bin/bash', '-c', 'run %s']"
                % ctx.task_id, src="subprocess.py:75")
        ctx.log("Output:", src="subprocess.py:86")
    steps = ctx.rnd.randint(2, 5)
    for i in range(steps):
        ctx.sleep(ctx.duration / steps)
        ctx.log("%s: step %d/%d done" % (ctx.task_id, i + 1, steps),
                src="%s.py:%d" % (ctx.task_id, 20 + i))
    if op == "BashOperator":
        ctx.log("Command exited with return code 0", src="subprocess.py:97")
    else:
        ctx.log("Done. Returned value was: None", src="python.py:240")


def run_flaky(ctx):
    """Like run_sleep, but fails a share of tries (an unreliable partner)."""
    ctx.sleep(ctx.duration / 2)
    if ctx.rnd.random() < ctx.fail_p:
        ctx.log("Connecting to sftp.partner.example:22", src="ssh.py:290")
        raise TaskFailed("paramiko.ssh_exception.SSHException: Error reading "
                         "SSH protocol banner[Errno 104] Connection reset by peer")
    ctx.sleep(ctx.duration / 2)
    ctx.log("Done. Returned value was: None", src="python.py:240")


# -- ingest_events ----------------------------------------------------------

def run_fetch(ctx):
    """Fetch events from the (simulated) tracking API into the run's XCom."""
    n = int((ctx.conf or {}).get("events", ctx.rnd.randint(200, 800)))
    day = _date(ctx)
    base = dt.datetime.strptime(day, "%Y-%m-%d")
    rnd = random.Random(ctx.run_id)
    events = []
    for _ in range(n):
        t = base + dt.timedelta(seconds=rnd.randint(0, 86399))
        kind = rnd.choice(EVENT_TYPES)
        events.append({"event_time": t.strftime("%Y-%m-%d %H:%M:%S"),
                       "user_id": rnd.randint(1, 50000), "event_type": kind,
                       "country": rnd.choice(COUNTRIES),
                       "amount": round(rnd.uniform(5, 300), 2)
                       if kind == "purchase" else 0.0})
    ctx.log("Calling HTTP method GET https://tracking.internal/api/events"
            "?date=%s" % day, src="http.py:183")
    ctx.sleep(ctx.duration)
    with open(_staging(ctx, "events.json"), "w") as f:
        json.dump(events, f)
    ctx.log("Fetched %d events for %s" % (n, day), src="ingest_events.py:41")
    ctx.log("Done. Returned value was: %d" % n, src="python.py:240")


def _bronze_key(ctx):
    return "bronze/events/date=%s/%s.json" % (_date(ctx), key_safe(ctx.run_id))


def run_write_bronze(ctx):
    """Write the fetched events as one raw JSON object into bronze/."""
    path = _staging(ctx, "events.json")
    if not os.path.exists(path):
        raise TaskFailed("XCom not found: fetch_events returned nothing "
                         "(was it cleared?)")
    with open(path) as f:
        events = json.load(f)
    doc = {"source": "tracking-api", "dag_run_id": ctx.run_id,
           "fetched_at": ctx.now_iso(), "count": len(events), "events": events}
    body = json.dumps(doc).encode()
    s3 = ctx.s3()
    key = _bronze_key(ctx)
    ctx.sleep(ctx.duration / 2)
    etag = _s3(ctx, "PutObject", s3.put_object, "lakehouse", key, body,
               content_type="application/json")
    ctx.log("Uploaded %d bytes to s3://lakehouse/%s (ETag %s)"
            % (len(body), key, etag), src="s3.py:1108")


def run_validate_bronze(ctx):
    """Read the bronze object back and check the event count."""
    s3 = ctx.s3()
    key = _bronze_key(ctx)
    data = _s3(ctx, "GetObject", s3.get_object, "lakehouse", key)
    doc = json.loads(data)
    n = len(doc.get("events", []))
    ctx.log("Read s3://lakehouse/%s: %d bytes, %d events" % (key, len(data), n),
            src="ingest_events.py:63")
    ctx.sleep(ctx.duration)
    if n != doc.get("count") or n == 0:
        raise TaskFailed("count mismatch: header says %s, found %d events"
                         % (doc.get("count"), n))
    ctx.log("Validation passed: count=%d" % n, src="ingest_events.py:70")


# -- process_medallion ------------------------------------------------------

def _partition(ctx, prefix, what):
    """The date partition to work on: the run's date, else the newest one."""
    s3 = ctx.s3()
    day = _date(ctx)
    objs, _ = _s3(ctx, "ListObjectsV2", s3.list_objects, "lakehouse",
                  "%sdate=%s/" % (prefix, day))
    if not objs:
        _, parts = _s3(ctx, "ListObjectsV2", s3.list_objects, "lakehouse",
                       prefix, delimiter="/")
        dates = sorted(p for p in parts if "date=" in p)
        if not dates:
            raise TaskFailed("Sensor timed out: no %s objects under "
                             "s3://lakehouse/%s" % (what, prefix))
        new = dates[-1].rstrip("/").split("date=")[-1]
        ctx.log("No %s objects for %s; using newest partition date=%s"
                % (what, day, new), src="s3.py:118", level="WARNING")
        day = new
        objs, _ = _s3(ctx, "ListObjectsV2", s3.list_objects, "lakehouse",
                      "%sdate=%s/" % (prefix, day))
    keys = [o["Key"] for o in objs if not o["Key"].endswith("/")]
    ctx.log("Poking for keys under s3://lakehouse/%sdate=%s/: found %d"
            % (prefix, day, len(keys)), src="s3.py:128")
    with open(_staging(ctx, "partition.json"), "w") as f:
        json.dump({"date": day, "keys": keys}, f)
    return day, keys


def run_wait_bronze(ctx):
    ctx.sleep(ctx.duration)
    _partition(ctx, "bronze/events/", "bronze")
    ctx.log("Success criteria met. Exiting.", src="base.py:289")


def _chosen(ctx):
    path = _staging(ctx, "partition.json")
    if not os.path.exists(path):
        raise TaskFailed("XCom not found: the sensor chose no partition")
    with open(path) as f:
        return json.load(f)


def _read_lines(ctx, keys, need=("event_type",)):
    """Records from bronze documents or JSON-lines objects (silver, gold);
    objects in another shape (the lab's own samples) are skipped."""
    s3 = ctx.s3()
    out = []
    for k in keys:
        text = _s3(ctx, "GetObject", s3.get_object, "lakehouse", k).decode(
            "utf-8", "replace").strip()
        try:
            doc = json.loads(text)
            recs = doc.get("events") if isinstance(doc, dict) else None
            recs = recs if isinstance(recs, list) else [doc]
        except ValueError:
            try:
                recs = [json.loads(x) for x in text.splitlines() if x.strip()]
            except ValueError:
                recs = []
        good = [r for r in recs if isinstance(r, dict) and all(n in r for n in need)]
        if len(good) < len(recs) or not recs:
            ctx.log("Skipped %d records of s3://lakehouse/%s not in the expected "
                    "shape" % (len(recs) - len(good) or 1, k), level="WARNING",
                    src="s3.py:142")
        out.extend(good)
    return out


def run_spark_silver(ctx):
    """Spark job bronze → silver, then the cleaned events as JSON lines."""
    part = _chosen(ctx)
    ctx.spark("bronze-to-silver", "s3a://lakehouse/jobs/bronze_to_silver.py")
    events = _read_lines(ctx, part["keys"], ("event_time", "user_id", "event_type",
                                             "country"))
    seen, clean = set(), []
    for e in events:
        k = (e.get("user_id"), e.get("event_time"), e.get("event_type"))
        if k in seen or not e.get("event_type"):
            continue
        seen.add(k)
        clean.append(e)
    key = "silver/events/date=%s/part-%s.json" % (part["date"],
                                                  key_safe(ctx.run_id))
    body = "".join(json.dumps(e) + "\n" for e in clean).encode()
    _s3(ctx, "PutObject", ctx.s3().put_object, "lakehouse", key, body,
        content_type="application/x-ndjson")
    ctx.log("Wrote %d rows (%d duplicates dropped) to s3://lakehouse/%s"
            % (len(clean), len(events) - len(clean), key), src="spark.py:212")


def run_spark_gold(ctx):
    """Spark job silver → gold: daily aggregates per event type and country."""
    part = _chosen(ctx)
    ctx.spark("silver-to-gold", "s3a://lakehouse/jobs/silver_to_gold.py")
    objs, _ = _s3(ctx, "ListObjectsV2", ctx.s3().list_objects, "lakehouse",
                  "silver/events/date=%s/" % part["date"])
    events = _read_lines(ctx, [o["Key"] for o in objs], ("event_type", "country"))
    agg = {}
    for e in events:
        a = agg.setdefault((e["event_type"], e["country"]), [0, 0.0])
        a[0] += 1
        a[1] += float(e.get("amount") or 0)
    rows = [{"day": part["date"], "event_type": k[0], "country": k[1],
             "events": v[0], "amount": round(v[1], 2)}
            for k, v in sorted(agg.items())]
    key = "gold/daily/date=%s/part-%s.json" % (part["date"], key_safe(ctx.run_id))
    body = "".join(json.dumps(r) + "\n" for r in rows).encode()
    _s3(ctx, "PutObject", ctx.s3().put_object, "lakehouse", key, body,
        content_type="application/x-ndjson")
    ctx.log("Wrote %d aggregate rows from %d events to s3://lakehouse/%s"
            % (len(rows), len(events), key), src="spark.py:240")


# -- load_clickhouse --------------------------------------------------------

def clickhouse(ctx, sql, body=b""):
    """One query over ClickHouse's HTTP interface; errors fail the task."""
    url = ctx.cfg["clickhouse"]["url"].rstrip("/") + "/?" + urllib.parse.urlencode(
        {"query": sql, "insert_distributed_sync": "1"})
    req = urllib.request.Request(url, data=body or b"", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read().decode()
    except urllib.error.HTTPError as e:
        raise TaskFailed("ClickHouse error %d: %s" % (
            e.code, e.read().decode("utf-8", "replace").strip()[:300]))
    except OSError as e:
        raise TaskFailed("ClickHouse at %s unreachable: %s"
                         % (ctx.cfg["clickhouse"]["url"], e))


def run_check_gold(ctx):
    ctx.sleep(ctx.duration)
    _partition(ctx, "gold/daily/", "gold")


def _unloaded(ctx, prefix, day):
    objs, _ = _s3(ctx, "ListObjectsV2", ctx.s3().list_objects, "lakehouse",
                  "%sdate=%s/" % (prefix, day))
    keys = [o["Key"] for o in objs]
    done = ctx.loaded(keys)
    return [k for k in keys if k not in done]


def run_load_events(ctx):
    """Insert the partition's silver events not loaded yet into lakehouse.events."""
    day = _chosen(ctx)["date"]
    keys = _unloaded(ctx, "silver/events/", day)
    rows = _read_lines(ctx, keys, ("event_time", "user_id", "event_type", "country"))
    body = "".join(json.dumps({
        "event_date": e["event_time"][:10], "event_time": e["event_time"],
        "user_id": e["user_id"], "event_type": e["event_type"],
        "country": e["country"], "amount": e.get("amount") or 0}) + "\n"
        for e in rows).encode()
    ctx.sleep(ctx.duration / 2)
    if rows:
        clickhouse(ctx, "INSERT INTO lakehouse.events FORMAT JSONEachRow", body)
    ctx.mark_loaded(keys)
    ctx.log("Inserted %d rows from %d objects into lakehouse.events"
            % (len(rows), len(keys)), src="clickhouse.py:88")


def run_load_gold(ctx):
    """Insert the partition's gold aggregates into lakehouse.gold_daily."""
    day = _chosen(ctx)["date"]
    keys = _unloaded(ctx, "gold/daily/", day)
    rows = _read_lines(ctx, keys, ("day", "event_type", "country", "events"))
    body = "".join(json.dumps(r) + "\n" for r in rows).encode()
    ctx.sleep(ctx.duration / 2)
    if rows:
        clickhouse(ctx, "INSERT INTO lakehouse.gold_daily FORMAT JSONEachRow", body)
    ctx.mark_loaded(keys)
    ctx.log("Inserted %d rows from %d objects into lakehouse.gold_daily"
            % (len(rows), len(keys)), src="clickhouse.py:88")


def run_verify_ch(ctx):
    day = _chosen(ctx)["date"]
    n = clickhouse(ctx, "SELECT count() FROM lakehouse.events WHERE "
                   "event_date = '%s'" % day).strip()
    g = clickhouse(ctx, "SELECT count() FROM lakehouse.gold_daily WHERE "
                   "day = '%s'" % day).strip()
    ctx.sleep(ctx.duration)
    ctx.log("lakehouse.events has %s rows and lakehouse.gold_daily %s rows "
            "for %s" % (n, g, day), src="clickhouse.py:120")


# -- Spark on Kubernetes ----------------------------------------------------

def spark_app_name(ctx, job):
    """A DNS-1123 name unique per run, task and try."""
    h = hashlib.sha1(("%s/%s" % (ctx.dag_id, ctx.run_id)).encode()).hexdigest()[:8]
    return ("%s-%s-t%d" % (job, h, ctx.try_number))[:63]


def kube_request(ctx, method, path, body=None):
    """A request to the Kubernetes API with the lab's token and CA."""
    k = ctx.cfg["kube"]
    sslctx = ssl.create_default_context(cafile=k["ca_file"])
    req = urllib.request.Request(k["url"].rstrip("/") + path, method=method,
                                 data=json.dumps(body).encode() if body else None)
    req.add_header("Authorization", "Bearer " + k["token"])
    req.add_header("Content-Type", "application/json")
    req.add_header("Accept", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10, context=sslctx) as r:
            return json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        text = e.read().decode("utf-8", "replace")
        try:
            text = json.loads(text).get("message", text)
        except ValueError:
            pass
        raise TaskFailed("Kubernetes API %s %s: %d %s" % (method, path, e.code,
                                                          text[:300]))
    except OSError as e:
        raise TaskFailed("Kubernetes API %s unreachable: %s" % (k["url"], e))


def spark_manifest(ctx, name, job, main_file):
    """The v1beta2 SparkApplication a SparkKubernetesOperator submits."""
    secs = max(1, int(round(ctx.duration)))
    fail = bool((ctx.conf or {}).get("fail_spark")) or ctx.rnd.random() < ctx.fail_p
    return {
        "apiVersion": "sparkoperator.k8s.io/v1beta2", "kind": "SparkApplication",
        "metadata": {
            "name": name, "namespace": ctx.cfg["kube"]["namespace"],
            "labels": {"platform-tui/dag-id": label_safe(ctx.dag_id),
                       "platform-tui/run-id": label_safe(ctx.run_id),
                       "platform-tui/task-id": label_safe(ctx.task_id)},
            "annotations": {"lab.platform-tui/duration-seconds": str(secs),
                            "lab.platform-tui/fail": "true" if fail else "false"}},
        "spec": {"type": "Python", "mode": "cluster", "pythonVersion": "3",
                 "image": "apache/spark-py:v3.5.1", "sparkVersion": "3.5.1",
                 "mainApplicationFile": main_file,
                 "arguments": ["--date", _date(ctx), "--run-id", ctx.run_id],
                 "restartPolicy": {"type": "Never"},
                 "driver": {"cores": 1, "memory": "1g",
                            "serviceAccount": "spark", "labels": {"job": job}},
                 "executor": {"instances": 2, "cores": 1, "memory": "2g",
                              "labels": {"job": job}}},
    }


KINDS = {"sleep": run_sleep, "flaky": run_flaky, "fetch": run_fetch,
         "write_bronze": run_write_bronze, "validate_bronze": run_validate_bronze,
         "wait_bronze": run_wait_bronze, "spark_silver": run_spark_silver,
         "spark_gold": run_spark_gold, "check_gold": run_check_gold,
         "load_events": run_load_events, "load_gold": run_load_gold,
         "verify_ch": run_verify_ch}

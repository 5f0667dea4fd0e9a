#!/usr/bin/python3
"""Airflow REST API simulator for the platform-tui lab.

One process serves Airflow 2.x (/api/v1, Basic auth) and 3.x (/api/v2, JWT
from /auth/token) on two listeners and runs a scheduler thread; DAGs, runs
and task instances live in the lab's metadata PostgreSQL in Airflow's own
table shapes.

  airflowsim.py serve     --config sim.json
  airflowsim.py init-db   --config sim.json
  airflowsim.py seed-runs --config sim.json --dag DAG --runs N
"""

import argparse
import json
import os
import secrets
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))          # lab/sim: labs3.py

import db as dbm  # noqa: E402


def read_secret(path):
    """A secret file's content without the trailing newline."""
    with open(path) as f:
        return f.read().rstrip("\r\n")


def jwt_key(path):
    """The JWT signing key; made (mode 600) if absent."""
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return read_secret(path).encode()


def load_config(path):
    """sim.json with secrets resolved; paths relative to the file's folder."""
    with open(path) as f:
        cfg = json.load(f)
    cfg.setdefault("pace", 1.0)
    cfg["pace"] = float(cfg["pace"])
    d = cfg["db"]
    if d.get("password_file"):
        d["password"] = read_secret(d["password_file"])
    base = os.path.dirname(os.path.abspath(path))
    cfg.setdefault("log_dir", os.path.join(base, "logs"))
    cfg.setdefault("fault_file", os.path.join(base, "faults-airflow"))
    cfg.setdefault("jwt_secret_file", os.path.join(base, "jwt.key"))
    cfg.setdefault("staging_dir", os.path.join(os.path.dirname(cfg["log_dir"]), "staging"))
    s3 = cfg.get("s3") or {}
    if s3.get("secret_file"):
        try:
            s3["secret_key"] = read_secret(s3["secret_file"])
        except OSError:
            s3["secret_key"] = ""
    cfg["s3"] = s3
    k = cfg.get("kube") or {}
    if k.get("token_file"):
        try:
            k["token"] = read_secret(k["token_file"])
        except OSError:
            k["token"] = ""
    cfg["kube"] = k
    cfg.setdefault("clickhouse", {"url": "http://127.0.1.3:8123"})
    return cfg


def users_of(cfg):
    out = {}
    for name, path in (cfg.get("users") or {}).items():
        out[name] = read_secret(path)
    return out


def split_addr(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


def connect(cfg, wait=30):
    """The pool, retrying while the database is starting."""
    end = time.monotonic() + wait
    while True:
        try:
            return dbm.Db(cfg)
        except Exception as e:
            if time.monotonic() > end:
                raise SystemExit("airflowsim: cannot connect to PostgreSQL: %s" % e)
            time.sleep(0.5)


def serve(cfg):
    """Both listeners and the scheduler, until SIGTERM/SIGINT."""
    import api_v1
    import api_v2
    import common
    import scheduler
    t0 = time.monotonic()
    secret = jwt_key(cfg["jwt_secret_file"])
    os.makedirs(cfg["log_dir"], exist_ok=True)
    db = connect(cfg)
    dbm.init_schema(db)
    users = users_of(cfg)
    sched = scheduler.Scheduler(cfg, db)
    servers = []
    for key, cls in (("listen_v1", api_v1.ApiV1), ("listen_v2", api_v2.ApiV2)):
        srv = common.Server(split_addr(cfg[key]), common.Handler)
        srv.app = cls(cfg, db, sched, users, secret)
        servers.append(srv)
        threading.Thread(target=srv.serve_forever, name=key, daemon=True).start()
    sched.start()
    print("airflowsim: serving 2.x on %s, 3.x on %s (pace %.2f), ready in %.2fs"
          % (cfg["listen_v1"], cfg["listen_v2"], cfg["pace"], time.monotonic() - t0),
          flush=True)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    sched.stop.set()
    for srv in servers:
        srv.shutdown()
    db.run("UPDATE job SET state='success', end_date=now() WHERE id=%s", (sched.job_id,))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("verb", choices=["serve", "init-db", "seed-runs"])
    ap.add_argument("--config", required=True)
    ap.add_argument("--dag", default="cleanup_tmp_files")
    ap.add_argument("--runs", type=int, default=1000)
    a = ap.parse_args(argv)
    cfg = load_config(a.config)
    if a.verb == "serve":
        serve(cfg)
    elif a.verb == "init-db":
        db = connect(cfg)
        dbm.init_schema(db)
        print("airflowsim: schema and DAGs ready")
    else:
        db = connect(cfg)
        dbm.init_schema(db)
        t0 = time.monotonic()
        try:
            n = dbm.seed_history(db, a.dag, a.runs)
        except KeyError as e:
            raise SystemExit("airflowsim: %s" % e.args[0])
        print("airflowsim: seeded %d runs of %s in %.1fs" % (n, a.dag, time.monotonic() - t0))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""TAP: the Airflow simulator against the Airflow 2.10 and 3.1 OpenAPI specs,
plus the behaviour clients rely on.

It starts a private simulator on 127.0.0.9x (its own schema in the lab's
metadata PostgreSQL, pace 0.2, JWTs living 3 s) from the lab's sim.json,
and checks answers of both versions, success and error cases, against the
response schemas of the specs; and that a broken answer IS caught.

    PLATFORM_LAB_DIR=/tmp/platform-lab /usr/bin/python3 tests/lab/airflow-contract.py
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(HERE, "..", "..", "lab", "sim", "airflow", "airflowsim.py")
sys.path.insert(0, HERE)
import airflow_schemas  # noqa: E402

RESULTS = []


def check(name, cond, why=""):
    RESULTS.append(bool(cond))
    print("%s %d - %s" % ("ok" if cond else "not ok", len(RESULTS), name))
    if not cond and why:
        print("#   " + str(why)[:600].replace("\n", "\n#   "))
    return bool(cond)


def free_addr():
    """A 127.0.0.9x address with ports 8080 and 8082 free."""
    for last in range(90, 100):
        host = "127.0.0.%d" % last
        ok = True
        for port in (8080, 8082):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return host
    raise SystemExit("Bail out! no free 127.0.0.9x address")


class Client:
    """Tiny HTTP client: (status, content type, parsed body, raw)."""

    def __init__(self, base, auth=None, refresh=None):
        self.base, self.auth, self.refresh = base, auth, refresh

    def call(self, method, path, body=None, headers=None, auth=True):
        got = self._call(method, path, body, headers, auth)
        if got[0] == 401 and auth and self.refresh:
            # As a client should: on 401, get a new token and retry once.
            self.auth = self.refresh()
            got = self._call(method, path, body, headers, auth)
        return got

    def _call(self, method, path, body, headers, auth):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if auth and self.auth:
            req.add_header("Authorization", self.auth)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                status, ctype, raw = r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            status, ctype, raw = e.code, e.headers.get("Content-Type", ""), e.read()
        try:
            parsed = json.loads(raw) if raw and "json" in ctype else raw.decode()
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return status, ctype, parsed, raw


def q(s):
    return urllib.parse.quote(s, safe="")


class Private:
    """A private simulator from the lab's sim.json; stopped and dropped at exit."""

    def __init__(self, lab):
        with open(os.path.join(lab, "airflow", "sim.json")) as f:
            cfg = json.load(f)
        self.tmp = tempfile.mkdtemp(prefix="airflow-contract-")
        os.chmod(self.tmp, 0o755)
        host = free_addr()
        self.schema = "contract_%d" % os.getpid()
        cfg["db"]["schema"] = self.schema
        cfg.update({"listen_v1": host + ":8080", "listen_v2": host + ":8082",
                    "jwt_secret_file": os.path.join(self.tmp, "jwt.key"), "jwt_ttl": 3,
                    "fault_file": os.path.join(self.tmp, "fault"),
                    "log_dir": os.path.join(self.tmp, "logs"), "pace": 0.2})
        cfg["s3"] = dict(cfg.get("s3", {}), endpoint="http://%s:9" % host)
        self.cfg = cfg
        self.path = os.path.join(self.tmp, "sim.json")
        with open(self.path, "w") as f:
            json.dump(cfg, f)
        self.users = {u: open(p).read().rstrip("\r\n") for u, p in cfg["users"].items()}
        self.proc = None

    def start(self):
        t0 = time.monotonic()
        self.log = open(os.path.join(self.tmp, "sim.log"), "w")
        self.proc = subprocess.Popen(["/usr/bin/python3", SIM, "serve", "--config", self.path],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        host, port = self.cfg["listen_v1"].split(":")
        while time.monotonic() - t0 < 30:
            try:
                socket.create_connection((host, int(port)), 0.2).close()
                return time.monotonic() - t0
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise SystemExit("Bail out! simulator did not start: %s" %
                         open(os.path.join(self.tmp, "sim.log")).read()[-800:])

    def db(self):
        import psycopg2
        d = self.cfg["db"]
        return psycopg2.connect(host=d["host"], port=d["port"], dbname=d["dbname"],
                                user=d["user"], password=open(d["password_file"]).read()
                                .rstrip("\r\n"), options="-c search_path=" + self.schema)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        try:
            conn = self.db()
            conn.autocommit = True
            conn.cursor().execute("DROP SCHEMA IF EXISTS %s CASCADE" % self.schema)
            conn.close()
        except Exception as e:
            print("# could not drop schema %s: %s" % (self.schema, e))
        shutil.rmtree(self.tmp, ignore_errors=True)


def valid(spec, name, path, method, status, got, ctype="application/json"):
    """One TAP line: the answer has the status and follows the spec's schema."""
    st, _, body, _ = got
    if st != status:
        return check(name, False, "status %s, want %s: %s" % (st, status, str(body)[:300]))
    errs = spec.errors(spec.response_schema(path, method, status, ctype), body)
    return check(name, not errs, "; ".join(errs[:3]))


def main():
    lab = os.environ.get("PLATFORM_LAB_DIR", "/tmp/platform-lab")
    if not os.path.exists(os.path.join(lab, "airflow", "sim.json")):
        print("1..0 # SKIP no lab at %s (run lab/lab up)" % lab)
        return 0
    if airflow_schemas.find_specs() is None:
        print("1..0 # SKIP Airflow OpenAPI specs not found (set AIRFLOW_SPECS)")
        return 0
    v1spec, v2spec, authspec = airflow_schemas.load()
    sim = Private(lab)
    try:
        took = sim.start()
        print("# private simulator on %s ready in %.2fs" % (sim.cfg["listen_v1"], took))
        import airflow_contract_cases as cases
        cases.run(sim, v1spec, v2spec, authspec, check, valid, Client)
    finally:
        sim.stop()
    print("1..%d" % len(RESULTS))
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())

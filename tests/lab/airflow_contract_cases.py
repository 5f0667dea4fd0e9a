"""The cases of airflow-contract.py: schema checks of both API versions,
behaviour (trigger, conf in the database, logs, clearing, JWT expiry,
faults) and the proof that a broken answer is caught.
"""

import base64
import copy
import json
import time

P1 = "/dags"                      # 2.x spec paths are relative to /api/v1


def q(s):
    import urllib.parse
    return urllib.parse.quote(s, safe="")


def run(sim, s1, s2, sa, check, valid, Client):
    host1 = "http://" + sim.cfg["listen_v1"]
    host2 = "http://" + sim.cfg["listen_v2"]
    user, pw = next(iter(sim.users.items()))
    basic = "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
    c1 = Client(host1 + "/api/v1", basic)
    token = v2_auth(sim, sa, check, valid, Client(host2), user, pw)

    def refresh():          # JWTs of the private simulator live 3 s
        return "Bearer " + Client(host2).call(
            "POST", "/auth/token", {"username": user, "password": pw})[2]["access_token"]
    c2 = Client(host2 + "/api/v2", "Bearer " + token, refresh)
    sections = [
        lambda: v1_cases(sim, s1, check, valid, c1, Client(host1)),
        lambda: v2_cases(sim, s2, check, valid, c2, Client(host2 + "/api/v2"), Client,
                         host2, user, pw),
        lambda: broken(s1, s2, check, c1, c2),
        lambda: faults(sim, s1, s2, check, valid, c1, c2)]
    for i, section in enumerate(sections):
        try:
            section()
        except Exception as e:      # one broken section must not hide the others
            import traceback
            check("section %d ran to the end" % (i + 1), False,
                  "%s\n%s" % (e, traceback.format_exc()))


def wait_for(fn, timeout, step=0.1):
    """Poll fn() until truthy; (value, seconds)."""
    t0 = time.monotonic()
    while True:
        v = fn()
        if v or time.monotonic() - t0 > timeout:
            return v, time.monotonic() - t0
        time.sleep(step)


# -- 2.x --------------------------------------------------------------------

def v1_cases(sim, s, check, valid, c, anon):
    valid(s, "2.x GET /health is HealthInfo", "/health", "get", 200, anon.call("GET", "/health"))
    valid(s, "2.x GET /version is VersionInfo", "/version", "get", 200, c.call("GET", "/version"))
    got = c.call("GET", "/dags")
    valid(s, "2.x GET /dags is DAGCollection", P1, "get", 200, got)
    ids = [d["dag_id"] for d in got[2].get("dags", [])] if got[0] == 200 else []
    check("2.x DAGs tell the story (ingest, medallion, load, paused, 40+ tasks, "
          "1000+ runs)", {"ingest_events", "process_medallion", "load_clickhouse",
                          "backfill_legacy_orders", "reindex_catalog",
                          "cleanup_tmp_files"} <= set(ids), ids)
    got = c.call("GET", "/dags?limit=2&offset=1&order_by=-dag_id")
    check("2.x limit/offset/order_by page the DAGs",
          got[0] == 200 and len(got[2]["dags"]) == 2 and
          got[2]["dags"][0]["dag_id"] == sorted(ids)[-2], got[2])
    got = c.call("GET", "/dags?dag_id_pattern=medallion")
    check("2.x dag_id_pattern filters", got[0] == 200 and
          [d["dag_id"] for d in got[2]["dags"]] == ["process_medallion"], got[2])
    got = c.call("GET", "/dags?paused=true")
    check("2.x paused=true lists only paused DAGs", got[0] == 200 and got[2]["dags"] and
          all(d["is_paused"] for d in got[2]["dags"]), got[2])
    got = c.call("GET", "/dags?tags=spark")
    check("2.x tags filter", got[0] == 200 and
          [d["dag_id"] for d in got[2]["dags"]] == ["process_medallion"], got[2])
    valid(s, "2.x GET /dags/{id} is DAG", "/dags/{dag_id}", "get", 200,
          c.call("GET", "/dags/ingest_events"))
    got = c.call("GET", "/dags/no_such_dag")
    valid(s, "2.x unknown DAG is a 404 Error", "/dags/{dag_id}", "get", 404, got)
    check("2.x errors are application/problem+json", "problem+json" in got[1], got[1])
    valid(s, "2.x no credentials is a 401 Error", P1, "get", 401,
          c.call("GET", "/dags", auth=False))
    bad = "Basic " + base64.b64encode(b"admin:wrong").decode()
    valid(s, "2.x wrong password is a 401 Error", P1, "get", 401,
          c.call("GET", "/dags", headers={"Authorization": bad}, auth=False))
    valid(s, "2.x GET details is DAGDetail", "/dags/{dag_id}/details", "get", 200,
          c.call("GET", "/dags/process_medallion/details"))
    got = c.call("GET", "/dags/reindex_catalog/tasks")
    valid(s, "2.x GET tasks is TaskCollection", "/dags/{dag_id}/tasks", "get", 200, got)
    check("2.x fan-out DAG has 40+ tasks", got[0] == 200 and len(got[2]["tasks"]) >= 40)
    got = c.call("GET", "/dags/~/dagRuns?limit=5&order_by=-start_date")
    valid(s, "2.x GET dags/~/dagRuns is DAGRunCollection", "/dags/{dag_id}/dagRuns",
          "get", 200, got)
    got = c.call("GET", "/dags/cleanup_tmp_files/dagRuns?limit=1")
    check("2.x long-history DAG has 1000+ runs", got[0] == 200 and
          got[2]["total_entries"] >= 1000, got[2].get("total_entries"))
    got = c.call("GET", "/dags/~/dagRuns?state=failed&limit=100")
    check("2.x state filter", got[0] == 200 and got[2]["dag_runs"] and
          all(r["state"] == "failed" for r in got[2]["dag_runs"]))
    got = c.call("GET", "/dags/~/dagRuns?start_date_gte=2999-01-01T00:00:00Z")
    check("2.x start_date_gte filter", got[0] == 200 and got[2]["total_entries"] == 0)
    valid(s, "2.x POST dags/~/dagRuns/list is DAGRunCollection", "/dags/~/dagRuns/list",
          "post", 200, c.call("POST", "/dags/~/dagRuns/list",
                              {"dag_ids": ["ingest_events"], "page_limit": 3}))
    v1_trigger(sim, s, check, valid, c)
    v1_pause(s, check, valid, c)
    v1_clear(sim, s, check, valid, c)


def v1_trigger(sim, s, check, valid, c):
    conf = {"date": "2024-05-01", "probe": "contract-%d" % time.time()}
    t0 = time.monotonic()
    got = c.call("POST", "/dags/adhoc_export/dagRuns", {"dag_run_id": "contract_v1",
                                                         "conf": conf})
    valid(s, "2.x trigger answers a DAGRun", "/dags/{dag_id}/dagRuns", "post", 200, got)
    check("2.x triggered run is queued with its conf", got[0] == 200 and
          got[2]["state"] == "queued" and got[2]["conf"] == conf, got[2])
    valid(s, "2.x duplicate run id is a 409 Error", "/dags/{dag_id}/dagRuns", "post", 409,
          c.call("POST", "/dags/adhoc_export/dagRuns", {"dag_run_id": "contract_v1"}))
    valid(s, "2.x conf that is not an object is a 400 Error", "/dags/{dag_id}/dagRuns",
          "post", 400, c.call("POST", "/dags/adhoc_export/dagRuns", {"conf": [1]}))
    valid(s, "2.x trigger on an unknown DAG is a 404", "/dags/{dag_id}/dagRuns", "post", 404,
          c.call("POST", "/dags/nope/dagRuns", {}))
    run_path = "/dags/adhoc_export/dagRuns/contract_v1"
    st, secs = wait_for(lambda: c.call("GET", run_path)[2].get("state") == "running", 5)
    check("2.x triggered run is running within 5 s (%.2fs)" % secs, st)
    print("# trigger-to-running latency: %.2fs" % (time.monotonic() - t0))
    valid(s, "2.x GET dagRun is DAGRun", "/dags/{dag_id}/dagRuns/{dag_run_id}", "get", 200,
          c.call("GET", run_path))
    db = sim.db()
    cur = db.cursor()
    cur.execute("SELECT conf, state FROM dag_run WHERE dag_id='adhoc_export' AND "
                "run_id='contract_v1'")
    row = cur.fetchone()
    db.close()
    check("2.x conf is in the dag_run table", row and row[0] == conf, row)
    got = c.call("GET", run_path + "/taskInstances")
    valid(s, "2.x taskInstances is TaskInstanceCollection",
          "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances", "get", 200, got)
    valid(s, "2.x GET taskInstance is TaskInstance",
          "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}", "get", 200,
          c.call("GET", run_path + "/taskInstances/run_query"))
    v1_logs(s, check, valid, c, run_path + "/taskInstances/run_query/logs/1")


def v1_logs(s, check, valid, c, path):
    lp = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{task_try_number}"
    wait_for(lambda: "Running <TaskInstance" in str(
        c.call("GET", path, headers={"Accept": "text/plain"})[2]), 5)
    got = c.call("GET", path)
    valid(s, "2.x log JSON follows the spec", lp, "get", 200, got)
    first = got[2].get("continuation_token", "") if got[0] == 200 else ""
    first_text = c.call("GET", path + "?full_content=true",
                        headers={"Accept": "text/plain"})[2]
    wait_for(lambda: "Marking task as" in str(
        c.call("GET", path + "?full_content=true", headers={"Accept": "text/plain"})[2]), 20)
    full = c.call("GET", path + "?full_content=true", headers={"Accept": "text/plain"})
    check("2.x text/plain log when Accept asks", full[0] == 200 and
          full[1].startswith("text/plain") and "Marking task as" in full[2], full[1])
    rest = c.call("GET", path + "?token=" + q(first), headers={"Accept": "text/plain"})
    pos = json.loads(base64.urlsafe_b64decode(first.split(".")[0] + "==="))["log_pos"]
    check("2.x continuation token resumes where the last read ended",
          rest[0] == 200 and pos >= len(first_text) - 200 and full[2].endswith(rest[2]) and
          len(rest[2]) == len(full[2]) - pos and len(rest[2]) > 0,
          (pos, len(full[2]), len(rest[2])))
    got = c.call("GET", path + "?token=forged.token")
    check("2.x a forged token is a 400", got[0] == 400, got[0])


def v1_pause(s, check, valid, c):
    got = c.call("PATCH", "/dags/adhoc_export?update_mask=is_paused", {"is_paused": True})
    valid(s, "2.x PATCH is_paused answers the DAG", "/dags/{dag_id}", "patch", 200, got)
    check("2.x DAG is paused", got[0] == 200 and got[2]["is_paused"] is True)
    valid(s, "2.x PATCH another field is a 400", "/dags/{dag_id}", "patch", 400,
          c.call("PATCH", "/dags/adhoc_export?update_mask=description", {"is_paused": 1}))
    c.call("PATCH", "/dags/adhoc_export?update_mask=is_paused", {"is_paused": False})


def v1_clear(sim, s, check, valid, c):
    got = c.call("GET", "/dags/partner_feed_sync/dagRuns?state=failed&limit=1")
    run_id = got[2]["dag_runs"][0]["dag_run_id"] if got[0] == 200 and got[2]["dag_runs"] else ""
    ti_path = "/dags/partner_feed_sync/dagRuns/%s/taskInstances" % q(run_id)
    before = {t["task_id"]: t["state"] for t in c.call("GET", ti_path)[2]["task_instances"]}
    got = c.call("POST", "/dags/partner_feed_sync/clearTaskInstances", {"dag_run_id": run_id})
    valid(s, "2.x clearTaskInstances answers TaskInstanceReferenceCollection",
          "/dags/{dag_id}/clearTaskInstances", "post", 200, got)
    after = {t["task_id"]: t["state"] for t in c.call("GET", ti_path)[2]["task_instances"]}
    check("2.x clearTaskInstances is a dry run by default", got[0] == 200 and
          len(got[2]["task_instances"]) > 0 and before == after, (before, after))
    got = c.call("POST", "/dags/partner_feed_sync/clearTaskInstances",
                 {"dag_run_id": run_id, "dry_run": False})
    run = c.call("GET", "/dags/partner_feed_sync/dagRuns/" + q(run_id))[2]
    check("2.x clear with dry_run false re-queues the run",
          run.get("state") in ("queued", "running"), run.get("state"))
    got = c.call("PATCH", "/dags/partner_feed_sync/dagRuns/" + q(run_id), {"state": "success"})
    valid(s, "2.x PATCH run state answers a DAGRun", "/dags/{dag_id}/dagRuns/{dag_run_id}",
          "patch", 200, got)
    tis = c.call("GET", ti_path)[2]["task_instances"]
    check("2.x marking a run success marks its tasks", got[2].get("state") == "success" and
          all(t["state"] == "success" for t in tis), [t["state"] for t in tis])
    valid(s, "2.x bad state is a 400", "/dags/{dag_id}/dagRuns/{dag_run_id}", "patch", 400,
          c.call("PATCH", "/dags/partner_feed_sync/dagRuns/" + q(run_id), {"state": "x"}))
    got = c.call("POST", "/dags/partner_feed_sync/dagRuns/%s/clear" % q(run_id), {})
    valid(s, "2.x run clear dry run answers a collection",
          "/dags/{dag_id}/dagRuns/{dag_run_id}/clear", "post", 200, got)
    st = c.call("DELETE", "/dags/partner_feed_sync/dagRuns/" + q(run_id))[0]
    gone = c.call("GET", "/dags/partner_feed_sync/dagRuns/" + q(run_id))
    check("2.x DELETE run is 204, then 404", st == 204 and gone[0] == 404, (st, gone[0]))


# -- 3.x --------------------------------------------------------------------

def v2_auth(sim, sa, check, valid, c, user, pw):
    got = c.call("POST", "/auth/token", {"username": user, "password": pw})
    valid(sa, "3.x POST /auth/token answers 201 LoginResponse", "/auth/token", "post", 201, got)
    valid(sa, "3.x wrong password is a 401", "/auth/token", "post", 401,
          c.call("POST", "/auth/token", {"username": user, "password": pw + "x"}))
    valid(sa, "3.x missing password is a 422", "/auth/token", "post", 422,
          c.call("POST", "/auth/token", {"username": user}))
    valid(sa, "3.x GET /auth/token without all_admins is a 403", "/auth/token", "get", 403,
          c.call("GET", "/auth/token"))
    return got[2]["access_token"] if got[0] == 201 else ""


def v2_cases(sim, s, check, valid, c, anon, Client, host2, user, pw):
    P = "/api/v2"
    valid(s, "3.x monitor/health follows the spec", P + "/monitor/health", "get", 200,
          anon.call("GET", "/monitor/health"))
    valid(s, "3.x version follows the spec", P + "/version", "get", 200,
          anon.call("GET", "/version"))
    got = c.call("GET", "/dags")
    valid(s, "3.x GET /dags is DAGCollectionResponse", P + "/dags", "get", 200, got)
    valid(s, "3.x GET /dags/{id}", P + "/dags/{dag_id}", "get", 200,
          c.call("GET", "/dags/ingest_events"))
    valid(s, "3.x details", P + "/dags/{dag_id}/details", "get", 200,
          c.call("GET", "/dags/ingest_events/details"))
    valid(s, "3.x unknown DAG is a 404 detail", P + "/dags/{dag_id}", "get", 404,
          c.call("GET", "/dags/nope"))
    valid(s, "3.x no token is a 401", P + "/dags", "get", 401, anon.call("GET", "/dags"))
    valid(s, "3.x a forged token is a 401", P + "/dags", "get", 401,
          anon.call("GET", "/dags", headers={"Authorization": "Bearer a.b.c"}))
    valid(s, "3.x bad limit is a 422", P + "/dags", "get", 422, c.call("GET", "/dags?limit=x"))
    rp = P + "/dags/{dag_id}/dagRuns"
    got = c.call("POST", "/dags/adhoc_export/dagRuns", {"conf": {}})
    valid(s, "3.x trigger without logical_date is a 422", rp, "post", 422, got)
    got = c.call("POST", "/dags/adhoc_export/dagRuns", {"logical_date": None, "x": 1})
    valid(s, "3.x unknown key is a 422", rp, "post", 422, got)
    check("3.x 422 names the extra key", got[0] == 422 and
          got[2]["detail"][0]["loc"] == ["body", "x"], got[2])
    conf = {"v": 3}
    got = c.call("POST", "/dags/adhoc_export/dagRuns",
                 {"logical_date": None, "dag_run_id": "contract_v2", "conf": conf})
    valid(s, "3.x trigger answers DAGRunResponse", rp, "post", 200, got)
    check("3.x run keeps conf, logical_date null", got[0] == 200 and
          got[2]["conf"] == conf and got[2]["logical_date"] is None, got[2])
    valid(s, "3.x duplicate run id is a 409", rp, "post", 409,
          c.call("POST", "/dags/adhoc_export/dagRuns",
                 {"logical_date": None, "dag_run_id": "contract_v2"}))
    valid(s, "3.x runs list", rp, "get", 200, c.call("GET", "/dags/~/dagRuns?limit=3"))
    valid(s, "3.x runs batch list", P + "/dags/{dag_id}/dagRuns/list", "post", 200,
          c.call("POST", "/dags/~/dagRuns/list", {"dag_ids": ["ingest_events"]}))
    run = "/dags/adhoc_export/dagRuns/contract_v2"
    valid(s, "3.x GET run", P + "/dags/{dag_id}/dagRuns/{dag_run_id}", "get", 200,
          c.call("GET", run))
    wait_for(lambda: c.call("GET", run)[2].get("state") == "running", 5)
    valid(s, "3.x task instances", P + "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances",
          "get", 200, c.call("GET", run + "/taskInstances"))
    valid(s, "3.x task instance", P + "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/"
          "{task_id}", "get", 200, c.call("GET", run + "/taskInstances/run_query"))
    v2_logs(s, check, valid, c, run + "/taskInstances/run_query/logs/1")
    cp = P + "/dags/{dag_id}/clearTaskInstances"
    valid(s, "3.x clearTaskInstances answers a collection", cp, "post", 200,
          c.call("POST", "/dags/partner_feed_sync/clearTaskInstances", {}))
    valid(s, "3.x clearTaskInstances unknown key is a 422", cp, "post", 422,
          c.call("POST", "/dags/partner_feed_sync/clearTaskInstances", {"nope": 1}))
    v2_expiry(sim, s, check, Client, host2, user, pw)


def v2_logs(s, check, valid, c, path):
    lp = "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{try_number}"
    wait_for(lambda: any("Running <TaskInstance" in m.get("event", "") for m in
                         c.call("GET", path)[2].get("content", [])), 5)
    got = c.call("GET", path)
    valid(s, "3.x log follows TaskInstancesLogResponse", lp, "get", 200, got)
    msgs = got[2].get("content", []) if got[0] == 200 else []
    check("3.x log content is structured messages with event and timestamp",
          msgs and all("event" in m for m in msgs) and
          any("timestamp" in m for m in msgs), msgs[:3])
    tok = got[2].get("continuation_token") if got[0] == 200 else ""
    wait_for(lambda: any("Marking task" in m.get("event", "") for m in
                         c.call("GET", path + "?full_content=true")[2].get("content", [])), 20)
    full = c.call("GET", path + "?full_content=true")[2]["content"]
    rest = c.call("GET", path + "?token=" + q(tok or ""))
    check("3.x continuation token gives the messages after the first read",
          rest[0] == 200 and rest[2]["content"] == full[len(msgs):],
          (len(msgs), len(full), len(rest[2].get("content", []))))


def v2_expiry(sim, s, check, Client, host2, user, pw):
    auth = Client(host2)
    tok = auth.call("POST", "/auth/token", {"username": user, "password": pw})[2]["access_token"]
    c = Client(host2 + "/api/v2", "Bearer " + tok)
    first = c.call("GET", "/dags?limit=1")[0]
    time.sleep(sim.cfg["jwt_ttl"] + 1.5)
    got = c.call("GET", "/dags?limit=1")
    check("3.x an expired JWT is a 401 (token lives %ss)" % sim.cfg["jwt_ttl"],
          first == 200 and got[0] == 401 and "detail" in got[2], (first, got[0]))


# -- the checker must be able to fail -----------------------------------------

def broken(s1, s2, check, c1, c2):
    dag = c1.call("GET", "/dags/ingest_events")[2]
    bad = copy.deepcopy(dag)
    bad["is_paused"] = "no"
    errs = s1.errors(s1.response_schema("/dags/{dag_id}", "get", 200), bad)
    check("2.x a DAG with is_paused as a string IS caught", errs, "no error reported")
    run = c1.call("GET", "/dags/~/dagRuns?limit=1")[2]
    bad = copy.deepcopy(run)
    bad["dag_runs"][0]["state"] = "exploded"
    errs = s1.errors(s1.response_schema("/dags/{dag_id}/dagRuns", "get", 200), bad)
    check("2.x a run with an unknown state IS caught", errs, "no error reported")
    dag = c2.call("GET", "/dags/ingest_events")[2]
    bad = copy.deepcopy(dag)
    del bad["dag_id"]
    errs = s2.errors(s2.response_schema("/api/v2/dags/{dag_id}", "get", 200), bad)
    check("3.x a DAG without dag_id IS caught", errs, "no error reported")
    lst = c2.call("GET", "/dags/~/dagRuns?limit=1")[2]
    bad = copy.deepcopy(lst)
    bad["total_entries"] = "1"
    errs = s2.errors(s2.response_schema("/api/v2/dags/{dag_id}/dagRuns", "get", 200), bad)
    check("3.x total_entries as a string IS caught", errs, "no error reported")


def faults(sim, s1, s2, check, valid, c1, c2):
    path = sim.cfg["fault_file"]
    with open(path, "w") as f:
        f.write("flaky 100\n")
    check("2.x flaky fault answers 503 with an Error body",
          _is_503_v1(s1, c1.call("GET", "/dags")))
    got = c2.call("GET", "/dags")
    check("3.x flaky fault answers 503 with a detail", got[0] == 503 and "detail" in got[2])
    with open(path, "w") as f:
        f.write("slow 400\n")
    t0 = time.monotonic()
    st = c1.call("GET", "/dags?limit=1")[0]
    check("slow fault delays answers", st == 200 and time.monotonic() - t0 >= 0.4)
    import os
    os.unlink(path)
    check("clearing the fault restores answers", c2.call("GET", "/dags")[0] == 200)


def _is_503_v1(s1, got):
    if got[0] != 503:
        return False
    return not s1.errors(s1.component("Error"), got[2])

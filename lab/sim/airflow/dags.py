"""The lab's DAGs: static definitions the simulator writes into the `dag`,
`dag_tag` and `sim_task` tables (the DAG "files" of a real Airflow).

Each task names a `kind` that tasks.py knows how to run; `fail_p` is the
chance that one try fails, `dur` the (min, max) seconds a try lasts before
the lab's pace scales it.
"""

DAGS_FOLDER = "/opt/airflow/dags"


def _t(task_id, operator, upstream=(), kind="sleep", retries=1, dur=(2, 20),
       fail_p=0.0, pool="default_pool", queue="default", doc=None):
    """One task definition with Airflow's usual defaults."""
    return {"task_id": task_id, "operator": operator, "upstream": list(upstream),
            "kind": kind, "retries": retries, "dur": dur, "fail_p": fail_p,
            "pool": pool, "queue": queue, "doc_md": doc,
            "trigger_rule": "all_success", "retry_delay": 30}


def _fanout_tasks():
    """reindex_catalog: plan → 42 shard tasks in parallel → merge → publish."""
    tasks = [_t("plan_shards", "PythonOperator", dur=(2, 4))]
    shards = ["reindex_shard_%02d" % i for i in range(42)]
    for s in shards:
        tasks.append(_t(s, "PythonOperator", ["plan_shards"], dur=(3, 15)))
    tasks.append(_t("merge_indexes", "PythonOperator", shards, dur=(3, 8)))
    tasks.append(_t("publish_catalog", "BashOperator", ["merge_indexes"], dur=(2, 4)))
    return tasks


# every: the schedule's period in seconds of lab time (None = manual only).
DAGS = [
    {"dag_id": "ingest_events", "owners": "data-eng",
     "description": "Fetch click events from the tracking API and land them "
                    "as raw JSON in s3://lakehouse/bronze/events/.",
     "tags": ["ingestion", "bronze", "s3"], "schedule": "*/10 * * * *",
     "timetable_description": "Every 10 minutes", "every": 600,
     "paused": False, "max_active_runs": 1, "history": 144,
     "tasks": [
         _t("fetch_events", "HttpOperator", kind="fetch", dur=(2, 5)),
         _t("write_bronze", "S3CreateObjectOperator", ["fetch_events"],
            kind="write_bronze", dur=(2, 4)),
         _t("validate_counts", "PythonOperator", ["write_bronze"],
            kind="validate_bronze", dur=(2, 3)),
     ]},
    {"dag_id": "process_medallion", "owners": "data-eng",
     "description": "Spark jobs on Kubernetes: bronze → silver (clean, "
                    "dedupe) → gold (daily aggregates).",
     "tags": ["spark", "silver", "gold"], "schedule": "15 * * * *",
     "timetable_description": "At 15 minutes past the hour", "every": 3600,
     "paused": False, "max_active_runs": 1, "history": 24,
     "tasks": [
         _t("wait_for_bronze", "S3KeySensor", kind="wait_bronze", dur=(2, 4)),
         _t("bronze_to_silver", "SparkKubernetesOperator", ["wait_for_bronze"],
            kind="spark_silver", dur=(8, 20), queue="kubernetes",
            fail_p=0.05),
         _t("silver_to_gold", "SparkKubernetesOperator", ["bronze_to_silver"],
            kind="spark_gold", dur=(8, 20), queue="kubernetes",
            fail_p=0.05),
         _t("data_quality", "SQLCheckOperator", ["silver_to_gold"], dur=(2, 5)),
     ]},
    {"dag_id": "load_clickhouse", "owners": "analytics",
     "description": "Load silver events and gold aggregates from S3 into "
                    "ClickHouse (lakehouse.events, lakehouse.gold_daily).",
     "tags": ["clickhouse", "gold", "load"], "schedule": "45 * * * *",
     "timetable_description": "At 45 minutes past the hour", "every": 3600,
     "paused": False, "max_active_runs": 1, "history": 24,
     "tasks": [
         _t("check_gold", "S3KeySensor", kind="check_gold", dur=(2, 3)),
         _t("load_events", "ClickHouseOperator", ["check_gold"],
            kind="load_events", dur=(2, 6)),
         _t("load_gold_daily", "ClickHouseOperator", ["check_gold"],
            kind="load_gold", dur=(2, 6)),
         _t("verify_counts", "ClickHouseOperator",
            ["load_events", "load_gold_daily"], kind="verify_ch", dur=(2, 3)),
     ]},
    {"dag_id": "partner_feed_sync", "owners": "integrations",
     "description": "Download the partner product feed over SFTP; the "
                    "partner's server is unreliable.",
     "tags": ["ingestion", "partner"], "schedule": "*/30 * * * *",
     "timetable_description": "Every 30 minutes", "every": 1800,
     "paused": False, "max_active_runs": 2, "history": 48,
     "tasks": [
         _t("download_feed", "SFTPOperator", kind="flaky", fail_p=0.3,
            retries=2, dur=(2, 8)),
         _t("parse_feed", "PythonOperator", ["download_feed"], kind="flaky",
            fail_p=0.3, retries=0, dur=(2, 6)),
         _t("publish_products", "PostgresOperator", ["parse_feed"], dur=(2, 5)),
     ]},
    {"dag_id": "reindex_catalog", "owners": "search",
     "description": "Rebuild the product search index shard by shard "
                    "(fan-out / fan-in).",
     "tags": ["search", "fanout"], "schedule": "0 3 * * *",
     "timetable_description": "At 03:00", "every": 86400,
     "paused": False, "max_active_runs": 1, "history": 3,
     "tasks": _fanout_tasks()},
    {"dag_id": "cleanup_tmp_files", "owners": "platform",
     "description": "Hourly housekeeping of scratch space on the workers.",
     "tags": ["maintenance"], "schedule": "@hourly",
     "timetable_description": "At the start of every hour", "every": 3600,
     "paused": False, "max_active_runs": 1, "history": 1200,
     "tasks": [
         _t("find_old_files", "BashOperator", dur=(2, 4)),
         _t("delete_old_files", "BashOperator", ["find_old_files"], dur=(2, 4)),
     ]},
    {"dag_id": "backfill_legacy_orders", "owners": "data-eng",
     "description": "One-off migration of legacy orders; paused since "
                    "the migration finished.",
     "tags": ["migration", "oltp"], "schedule": "@daily",
     "timetable_description": "At 00:00", "every": 86400,
     "paused": True, "max_active_runs": 1, "history": 10,
     "tasks": [
         _t("extract_orders", "PostgresOperator", dur=(2, 6)),
         _t("load_orders", "S3CreateObjectOperator", ["extract_orders"], dur=(2, 6)),
     ]},
    {"dag_id": "adhoc_export", "owners": "analytics",
     "description": "Export a ClickHouse query to S3 on demand; pass "
                    "{\"table\": …} in conf.",
     "tags": ["export", "manual"], "schedule": None,
     "timetable_description": "Never, external triggers only", "every": None,
     "paused": False, "max_active_runs": 4, "history": 5,
     "tasks": [
         _t("run_query", "ClickHouseOperator", dur=(2, 6)),
         _t("upload_result", "S3CreateObjectOperator", ["run_query"], dur=(2, 4)),
     ]},
]

BY_ID = {d["dag_id"]: d for d in DAGS}


def fileloc(dag):
    """The path a real Airflow would show for the DAG's file."""
    return "%s/%s.py" % (DAGS_FOLDER, dag["dag_id"])


def downstream(dag):
    """task_id → list of task ids that depend on it."""
    out = {t["task_id"]: [] for t in dag["tasks"]}
    for t in dag["tasks"]:
        for u in t["upstream"]:
            out[u].append(t["task_id"])
    return out


def priority_weights(dag):
    """Airflow's default weight rule: 1 + number of all downstream tasks."""
    down = downstream(dag)
    memo = {}

    def reach(tid):
        if tid not in memo:
            s = set()
            for d in down[tid]:
                s.add(d)
                s |= reach(d)
            memo[tid] = s
        return memo[tid]
    return {t["task_id"]: 1 + len(reach(t["task_id"])) for t in dag["tasks"]}

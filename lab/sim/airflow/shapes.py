"""Rows → JSON in the shapes of Airflow 2.10 (/api/v1) and 3.1 (/api/v2)."""

import hashlib
import json
import uuid

import logs

MODULES = {
    "BashOperator": "airflow.operators.bash",
    "PythonOperator": "airflow.operators.python",
    "HttpOperator": "airflow.providers.http.operators.http",
    "S3CreateObjectOperator": "airflow.providers.amazon.aws.operators.s3",
    "S3KeySensor": "airflow.providers.amazon.aws.sensors.s3",
    "SparkKubernetesOperator":
        "airflow.providers.cncf.kubernetes.operators.spark_kubernetes",
    "SQLCheckOperator": "airflow.providers.common.sql.operators.sql",
    "ClickHouseOperator": "airflow_clickhouse_plugin.operators.clickhouse",
    "SFTPOperator": "airflow.providers.sftp.operators.sftp",
    "PostgresOperator": "airflow.providers.postgres.operators.postgres",
}
PRESETS = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0"}


def iso1(t):
    """2.x dates: ISO 8601 with +00:00."""
    return t.isoformat() if t is not None else None


def iso3(t):
    """3.x dates: pydantic's ISO 8601 with Z."""
    if t is None:
        return None
    s = t.isoformat()
    return s[:-6] + "Z" if s.endswith("+00:00") else s


def file_token(fileloc):
    return hashlib.sha1(fileloc.encode()).hexdigest()


def _schedule(row):
    s = json.loads(row["schedule_interval"]) if row["schedule_interval"] else None
    return s if s is None else PRESETS.get(s, s)


# -- 2.x --------------------------------------------------------------------

def dag_v1(r):
    sched = _schedule(r)
    return {
        "dag_id": r["dag_id"], "dag_display_name": r["dag_display_name"] or r["dag_id"],
        "root_dag_id": None, "is_paused": r["is_paused"], "is_active": r["is_active"],
        "is_subdag": False, "last_parsed_time": iso1(r["last_parsed_time"]),
        "last_pickled": None, "last_expired": None, "scheduler_lock": None,
        "pickle_id": None, "default_view": r["default_view"],
        "fileloc": r["fileloc"], "file_token": file_token(r["fileloc"]),
        "owners": [o for o in (r["owners"] or "").split(",") if o],
        "description": r["description"],
        "schedule_interval": {"__type": "CronExpression", "value": sched} if sched else None,
        "timetable_description": r["timetable_description"],
        "tags": [{"name": t} for t in r["tags"]],
        "max_active_tasks": r["max_active_tasks"], "max_active_runs": r["max_active_runs"],
        "max_consecutive_failed_dag_runs": r["max_consecutive_failed_dag_runs"],
        "has_task_concurrency_limits": r["has_task_concurrency_limits"],
        "has_import_errors": r["has_import_errors"],
        "next_dagrun": iso1(r["next_dagrun"]),
        "next_dagrun_data_interval_start": iso1(r["next_dagrun_data_interval_start"]),
        "next_dagrun_data_interval_end": iso1(r["next_dagrun_data_interval_end"]),
        "next_dagrun_create_after": iso1(r["next_dagrun_create_after"]),
    }


def dag_detail_v1(r, spec):
    d = dag_v1(r)
    d.update({"timezone": "Timezone('UTC')", "catchup": False, "orientation": "LR",
              "concurrency": r["max_active_tasks"], "start_date": "2024-01-01T00:00:00+00:00",
              "dag_run_timeout": None, "dataset_expression": None,
              "doc_md": spec.get("description"), "params": {}, "end_date": None,
              "is_paused_upon_creation": None, "last_parsed": iso1(r["last_parsed_time"]),
              "template_search_path": None, "render_template_as_native_obj": False})
    return d


def _delta(seconds):
    return {"__type": "TimeDelta", "days": seconds // 86400,
            "seconds": seconds % 86400, "microseconds": 0}


def task_v1(t, owner):
    return {
        "class_ref": {"module_path": MODULES.get(t["operator"], "airflow.operators.python"),
                      "class_name": t["operator"]},
        "task_id": t["task_id"], "task_display_name": t["task_id"], "owner": owner,
        "start_date": "2024-01-01T00:00:00+00:00", "end_date": None,
        "trigger_rule": t["trigger_rule"], "extra_links": [], "depends_on_past": False,
        "is_mapped": False, "wait_for_downstream": False, "retries": t["retries"],
        "queue": t["queue"], "executor": None, "pool": t["pool"], "pool_slots": 1,
        "execution_timeout": None, "retry_delay": _delta(t["retry_delay"]),
        "retry_exponential_backoff": False, "priority_weight": t["priority_weight"],
        "weight_rule": "downstream", "ui_color": "#fff", "ui_fgcolor": "#000",
        "template_fields": [], "downstream_task_ids": t["downstream"],
        "doc_md": t["doc_md"],
    }


def run_v1(r):
    return {
        "dag_run_id": r["run_id"], "dag_id": r["dag_id"],
        "logical_date": iso1(r["logical_date"]), "execution_date": iso1(r["logical_date"]),
        "start_date": iso1(r["start_date"]), "end_date": iso1(r["end_date"]),
        "data_interval_start": iso1(r["data_interval_start"]),
        "data_interval_end": iso1(r["data_interval_end"]),
        "last_scheduling_decision": iso1(r["last_scheduling_decision"]),
        "run_type": r["run_type"], "state": r["state"],
        "external_trigger": r["external_trigger"], "conf": r["conf"] or {},
        "note": r["note"],
    }


def ti_v1(t):
    return {
        "task_id": t["task_id"], "task_display_name": t["task_display_name"] or t["task_id"],
        "dag_id": t["dag_id"], "dag_run_id": t["run_id"],
        "execution_date": iso1(t["logical_date"] or t["run_after"]),
        "start_date": iso1(t["start_date"]), "end_date": iso1(t["end_date"]),
        "duration": t["duration"], "state": t["state"], "try_number": t["try_number"],
        "map_index": t["map_index"], "max_tries": t["max_tries"],
        "hostname": t["hostname"] or "", "unixname": t["unixname"] or "airflow",
        "pool": t["pool"], "pool_slots": t["pool_slots"], "queue": t["queue"],
        "priority_weight": t["priority_weight"], "operator": t["operator"],
        "queued_when": iso1(t["queued_dttm"]), "pid": t["pid"],
        "executor": t["executor"], "executor_config": "{}", "sla_miss": None,
        "rendered_map_index": t["rendered_map_index"], "rendered_fields": {},
        "trigger": None, "triggerer_job": None, "note": t["note"],
    }


def ti_ref_v1(t):
    return {"task_id": t["task_id"], "dag_id": t["dag_id"], "dag_run_id": t["run_id"],
            "execution_date": iso1(t["logical_date"] or t["run_after"])}


# -- 3.x --------------------------------------------------------------------

def dag_v2(r):
    sched = _schedule(r)
    return {
        "dag_id": r["dag_id"], "dag_display_name": r["dag_display_name"] or r["dag_id"],
        "is_paused": r["is_paused"], "is_stale": not r["is_active"],
        "last_parsed_time": iso3(r["last_parsed_time"]), "last_parse_duration": 0.21,
        "last_expired": None, "bundle_name": "dags-folder", "bundle_version": None,
        "relative_fileloc": r["fileloc"].rsplit("/", 1)[-1], "fileloc": r["fileloc"],
        "description": r["description"], "timetable_summary": sched,
        "timetable_description": r["timetable_description"], "timetable_partitioned": False,
        "tags": [{"name": t, "dag_id": r["dag_id"],
                  "dag_display_name": r["dag_display_name"] or r["dag_id"]}
                 for t in r["tags"]],
        "max_active_tasks": r["max_active_tasks"], "max_active_runs": r["max_active_runs"],
        "max_consecutive_failed_dag_runs": r["max_consecutive_failed_dag_runs"],
        "has_task_concurrency_limits": r["has_task_concurrency_limits"],
        "has_import_errors": r["has_import_errors"],
        "next_dagrun_logical_date": iso3(r["next_dagrun"]),
        "next_dagrun_data_interval_start": iso3(r["next_dagrun_data_interval_start"]),
        "next_dagrun_data_interval_end": iso3(r["next_dagrun_data_interval_end"]),
        "next_dagrun_run_after": iso3(r["next_dagrun_create_after"]),
        "allowed_run_types": None,
        "owners": [o for o in (r["owners"] or "").split(",") if o],
        "file_token": file_token(r["fileloc"]),
    }


def dag_version(dag_id):
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, "airflowsim/" + dag_id)),
            "version_number": 1, "dag_id": dag_id, "bundle_name": "dags-folder",
            "bundle_version": None, "created_at": "2024-01-01T00:00:00Z",
            "dag_display_name": dag_id, "bundle_url": None}


def dag_detail_v2(r, spec, active_runs):
    d = dag_v2(r)
    d.update({"catchup": False, "dag_run_timeout": None, "asset_expression": None,
              "doc_md": spec.get("description"), "start_date": "2024-01-01T00:00:00Z",
              "end_date": None, "is_paused_upon_creation": None, "params": {},
              "render_template_as_native_obj": False, "template_search_path": None,
              "timezone": "UTC", "last_parsed": iso3(r["last_parsed_time"]),
              "default_args": {"owner": r["owners"], "retries": 1},
              "owner_links": {}, "is_favorite": False, "active_runs_count": active_runs,
              "concurrency": r["max_active_tasks"],
              "latest_dag_version": dag_version(r["dag_id"])})
    return d


def task_v2(t, owner):
    return {
        "task_id": t["task_id"], "task_display_name": t["task_id"], "owner": owner,
        "start_date": "2024-01-01T00:00:00Z", "end_date": None,
        "trigger_rule": t["trigger_rule"], "depends_on_past": False,
        "wait_for_downstream": False, "retries": t["retries"], "queue": t["queue"],
        "pool": t["pool"], "pool_slots": 1, "execution_timeout": None,
        "retry_delay": {"__type": "TimeDelta", "days": 0, "seconds": t["retry_delay"],
                        "microseconds": 0},
        "retry_exponential_backoff": 0, "priority_weight": t["priority_weight"],
        "weight_rule": "downstream", "ui_color": "#fff", "ui_fgcolor": "#000",
        "template_fields": [], "downstream_task_ids": t["downstream"],
        "doc_md": t["doc_md"], "operator_name": t["operator"], "params": {},
        "class_ref": {"module_path": MODULES.get(t["operator"], "airflow.operators.python"),
                      "class_name": t["operator"]},
        "is_mapped": False, "extra_links": [],
    }


def run_v2(r):
    dur = None
    if r["start_date"] and r["end_date"]:
        dur = (r["end_date"] - r["start_date"]).total_seconds()
    return {
        "dag_run_id": r["run_id"], "dag_id": r["dag_id"],
        "logical_date": iso3(r["logical_date"]), "queued_at": iso3(r["queued_at"]),
        "start_date": iso3(r["start_date"]), "end_date": iso3(r["end_date"]),
        "duration": dur, "data_interval_start": iso3(r["data_interval_start"]),
        "data_interval_end": iso3(r["data_interval_end"]), "run_after": iso3(r["run_after"]),
        "last_scheduling_decision": iso3(r["last_scheduling_decision"]),
        "run_type": r["run_type"], "state": r["state"],
        "triggered_by": r["triggered_by"],
        "triggering_user_name": "admin" if r["run_type"] == "manual" else None,
        "conf": r["conf"] or {}, "note": r["note"],
        "dag_versions": [dag_version(r["dag_id"])], "bundle_version": None,
        "dag_display_name": r["dag_id"], "partition_key": None,
    }


def ti_v2(t):
    return {
        "id": str(t["id"]), "task_id": t["task_id"], "dag_id": t["dag_id"],
        "dag_run_id": t["run_id"], "map_index": t["map_index"],
        "logical_date": iso3(t["logical_date"]), "run_after": iso3(t["run_after"]),
        "start_date": iso3(t["start_date"]), "end_date": iso3(t["end_date"]),
        "duration": t["duration"], "state": t["state"], "try_number": t["try_number"],
        "max_tries": t["max_tries"], "task_display_name": t["task_display_name"] or t["task_id"],
        "dag_display_name": t["dag_id"], "hostname": t["hostname"] or None,
        "unixname": t["unixname"], "pool": t["pool"], "pool_slots": t["pool_slots"],
        "queue": t["queue"], "priority_weight": t["priority_weight"],
        "operator": t["operator"], "operator_name": t["operator"],
        "queued_when": iso3(t["queued_dttm"]), "scheduled_when": iso3(t["scheduled_dttm"]),
        "pid": t["pid"], "executor": t["executor"], "executor_config": "{}",
        "note": t["note"], "rendered_map_index": t["rendered_map_index"],
        "rendered_fields": {}, "trigger": None, "triggerer_job": None,
        "dag_version": dag_version(t["dag_id"]),
    }


def log_v1_json(host, text):
    """2.x JSON log content is the repr of a list of (host, text) tuples."""
    return repr([(host, text)])


def log_v2_messages(shown, text, first):
    msgs = logs.structured(text)
    if first:
        msgs = [{"event": "::group::Log message source details",
                 "sources": [shown]}, {"event": "::endgroup::"}] + msgs
    return msgs

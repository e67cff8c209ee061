#!/usr/bin/env python3
"""Write the JSON files `schedsim import airflow` reads, from where your DAGs live.

Needs nothing beyond Airflow itself (and the Python standard library).

  # Serialized DAGs (SerializedDAG.to_dict, the document the serialized_dag table
  # keeps), one file per DAG, parsed from a DAG folder with Airflow's own DagBag; each
  # ExternalTaskSensor also gets `schedsim_sensor_args`, what Airflow does not
  # serialize of it (execution_delta, execution_date_fn, the states, timeout):
  python tools/airflow_export.py dags/ -o export/
  schedsim import airflow export/*.json

  # The REST API v2 responses built offline from the same DagBag with Airflow's own
  # response models (DAG_ID.details.json, DAG_ID.tasks.json):
  python tools/airflow_export.py dags/ --rest -o export/

  # Or the REST API v2 responses of a running Airflow 3 (GET /api/v2/dags/{id}/details
  # and /tasks), saved as DAG_ID.details.json and DAG_ID.tasks.json:
  python tools/airflow_export.py --api http://localhost:8080 --token "$TOKEN" \\
      --dag-id sales_daily -o export/
  schedsim import airflow export/sales_daily.details.json export/sales_daily.tasks.json
"""

import argparse
import json
import os
import sys
import urllib.request


def dag_bag(dag_folder):
    """Airflow's own DagBag of the folder, without the examples (Airflow 3.0-3.2 take
    include_examples; 3.3 moved DagBag and dropped the argument: it never loads them)."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:
        from airflow.models.dagbag import DagBag
    try:
        return DagBag(dag_folder=dag_folder, include_examples=False)
    except TypeError:
        return DagBag(dag_folder=dag_folder)


def serializer():
    """SerializedDAG (Airflow 3.0-3.2), DagSerialization (3.3): the same to_dict."""
    from airflow.serialization import serialized_objects

    return getattr(serialized_objects, "DagSerialization", None) or serialized_objects.SerializedDAG


def state_names(states):
    return [str(getattr(s, "value", s)) for s in states or []]


def sensor_args(op):
    """What an ExternalTaskSensor waits for that Airflow does not serialize (its
    get_serialized_fields keep the targets and `reschedule` alone): when, in which
    states, how often and how long. `execution_date_fn` is code: its name only."""
    delta = op.execution_delta
    fn = op.execution_date_fn
    return {
        "execution_delta": delta.total_seconds() if delta is not None else None,
        "execution_date_fn": getattr(fn, "__qualname__", repr(fn)) if fn is not None else None,
        "allowed_states": state_names(op.allowed_states),
        "failed_states": state_names(op.failed_states),
        "skipped_states": state_names(getattr(op, "skipped_states", [])),
        "poke_interval": float(op.poke_interval),
        "timeout": float(op.timeout),
        "mode": op.mode,
        "deferrable": bool(getattr(op, "deferrable", False)),
        "soft_fail": bool(op.soft_fail),
    }


def add_sensor_args(doc, dag):
    """Each ExternalTaskSensor's `schedsim_sensor_args` (sensor_args), beside the
    fields Airflow serialized."""
    for wrapper in doc["dag"].get("tasks", []):
        var = wrapper.get("__var", wrapper)
        op = dag.task_dict.get(var.get("task_id"))
        if op is not None and getattr(op, "_is_sensor", False) and hasattr(op, "external_dag_id"):
            var["schedsim_sensor_args"] = sensor_args(op)


def serialized(dag_folder, out):
    SerializedDAG = serializer()

    bag = dag_bag(dag_folder)
    for path, error in sorted(bag.import_errors.items()):
        print(f"error: {path}: {error}", file=sys.stderr)
    written = []
    for dag_id in sorted(bag.dag_ids):
        # bag.dags, not get_dag(): no metadata database needed.
        doc = SerializedDAG.to_dict(bag.dags[dag_id])
        add_sensor_args(doc, bag.dags[dag_id])
        # The DAG file's location is the machine's own path: not part of the schedule.
        doc["dag"].pop("fileloc", None)
        doc["dag"].pop("_processor_dags_folder", None)
        path = os.path.join(out, f"{dag_id}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, sort_keys=True, ensure_ascii=False)
            f.write("\n")
        written.append(path)
    return written, bool(bag.import_errors)


def alias_of(name, field):
    """The attribute a pydantic response field is validated from: its validation alias
    or alias when that is one name, else its own name."""
    for alias in (field.validation_alias, field.alias):
        if isinstance(alias, str):
            return alias
    return name


def rest_offline(dag_folder, out):
    """The REST API v2 responses without a running API server, built with Airflow's own
    response models: /tasks exactly as the API route builds it (TaskResponse of each
    task of the serialized DAG); /details from the parsed DAG's fields, with what only
    the metadata database knows (last parse, next run, versions) left null."""
    from types import SimpleNamespace

    from airflow.api_fastapi.core_api.datamodels.dags import DAGDetailsResponse
    from airflow.api_fastapi.core_api.datamodels.tasks import TaskCollectionResponse, TaskResponse

    # 3.3 has no SerializedDAG.from_dict: DagSerialization holds both directions.
    SerializedDAG = serializer()
    bag = dag_bag(dag_folder)
    for path, error in sorted(bag.import_errors.items()):
        print(f"error: {path}: {error}", file=sys.stderr)
    written = []
    for dag_id in sorted(bag.dag_ids):
        dag = bag.dags[dag_id]
        sdag = SerializedDAG.from_dict(SerializedDAG.to_dict(dag))
        tasks = sorted(sdag.tasks, key=lambda t: t.task_id)
        docs = {
            "tasks": TaskCollectionResponse(
                tasks=[TaskResponse.model_validate(t) for t in tasks], total_entries=len(tasks)
            ).model_dump(mode="json"),
        }
        # Each field from the DAG attribute the response model reads it from (its
        # validation alias: dag_run_timeout from dagrun_timeout, and so on).
        fields = {
            name: getattr(dag, alias_of(name, field), None)
            for name, field in DAGDetailsResponse.model_fields.items()
        }
        fields.update(
            dag_display_name=dag.dag_display_name,
            is_paused=bool(dag.is_paused_upon_creation),
            is_stale=False,
            has_import_errors=False,
            has_task_concurrency_limits=any(t.max_active_tis_per_dag is not None for t in dag.tasks),
            # The core timetable (the serialized DAG's): 3.3's SDK timetables have no summary.
            timetable_summary=sdag.timetable.summary,
            timetable_description=sdag.timetable.description,
            owners=sorted({t.owner for t in dag.tasks}),
            tags=sorted(dag.tags),
            timezone=str(dag.timezone),
            bundle_name=None,
            bundle_version=None,
            fileloc=None,
            last_parsed_time=None,
            last_parsed=None,
            last_expired=None,
            params=dag.params.dump(),
        )
        details = DAGDetailsResponse.model_construct(**fields)
        docs["details"] = details.model_dump(mode="json", exclude=set(DAGDetailsResponse.model_computed_fields))
        for what in ("details", "tasks"):
            path = os.path.join(out, f"{dag_id}.{what}.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(docs[what], f, indent=2, sort_keys=True, ensure_ascii=False)
                f.write("\n")
            written.append(path)
    return written, bool(bag.import_errors)


def rest(api, token, dag_ids, out):
    written = []
    for dag_id in dag_ids:
        for what in ("details", "tasks"):
            url = f"{api.rstrip('/')}/api/v2/dags/{dag_id}/{what}"
            req = urllib.request.Request(url, headers={"Accept": "application/json"})
            if token:
                req.add_header("Authorization", f"Bearer {token}")
            with urllib.request.urlopen(req) as r:
                doc = json.load(r)
            path = os.path.join(out, f"{dag_id}.{what}.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f, indent=2, sort_keys=True, ensure_ascii=False)
                f.write("\n")
            written.append(path)
    return written, False


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dag_folder", nargs="?", help="a DAG folder (serialized DAGs)")
    p.add_argument("-o", "--out", required=True, help="directory to write the JSON files into")
    p.add_argument("--api", help="base URL of a running Airflow 3 API server (REST responses)")
    p.add_argument("--token", help="a bearer token for the API")
    p.add_argument("--rest", action="store_true", help="with a DAG folder: write the REST /details and /tasks responses (built offline) instead of serialized DAGs")
    p.add_argument("--dag-id", action="append", default=[], help="a DAG to fetch (repeatable)")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.api:
        if not a.dag_id:
            p.error("--api needs at least one --dag-id")
        written, failed = rest(a.api, a.token, a.dag_id, a.out)
    elif a.dag_folder and a.rest:
        written, failed = rest_offline(a.dag_folder, a.out)
    elif a.dag_folder:
        written, failed = serialized(a.dag_folder, a.out)
    else:
        p.error("give a DAG folder, or --api with --dag-id")
    for path in written:
        print(path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

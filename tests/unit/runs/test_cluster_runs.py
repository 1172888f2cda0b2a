"""Flows sent to a Kubeflow cluster and followed back, against stand-ins that execute them.

Each task runs in bubblewrap from an installed build of the project, with only the environment
the pipeline gives it, reading and writing through the S3 server (``tests.fixtures.
cluster_stack``): a flow that depended on the designer's disk or environment would fail here.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2
from sqlalchemy import Engine

from designer.datasets import library
from designer.flow.cluster import ClusterSetupError
from designer.flow.compile import CompiledFlow, FlowInvalid, compile_flow
from designer.flow.document import Flow
from designer.flow.validate import check_data, check_flow
from designer.objects.configured import open_store
from designer.objects.s3 import S3Store
from designer.runs.artifacts import open_download
from designer.runs.launcher import Launcher, LaunchError
from designer.runs.record import RunRecord, Status
from designer.runs.report import run_report
from designer.runs.scheduler import Scheduler
from designer.runs.schedules import add_schedule
from designer.settings import Settings, load_settings
from designer.store import accounts, flows, migrate
from designer.store import runs as run_store
from designer.store.db import engine_for
from designer.templates.gallery import with_sample_paths
from tests.fixtures.cluster_stack import (
    NAMESPACE,
    SECRET,
    ClusterStack,
    block_image,
    cluster,
    needs_bwrap,
)
from tests.fixtures.databases import engine, migrated_database_url, migrated_template
from tests.fixtures.flow_files import fixture_flow
from tests.fixtures.object_stores import s3_server, s3_settings
from tests.fixtures.people import World, world

__all__ = [
    "block_image",
    "cluster",
    "engine",
    "migrated_database_url",
    "migrated_template",
    "s3_server",
    "s3_settings",
    "world",
]

pytestmark = [pytest.mark.slow, needs_bwrap]
PROJECT_ROOT = Path(__file__).resolve().parents[3]
HOUSES = PROJECT_ROOT / "tests" / "fixtures" / "data" / "houses.csv"
TEMPLATES = PROJECT_ROOT / "designer" / "templates" / "builtin"


def template_flow(name: str) -> dict[str, Any]:
    doc = json.loads((TEMPLATES / f"{name}.json").read_text())["flow"]
    return with_sample_paths(Flow.model_validate(doc)).model_dump(mode="json")


def compiled_for(settings: Settings, doc: dict[str, Any], datasets: Any = None) -> CompiledFlow:
    check = check_data(doc) if datasets is None else check_flow(Flow.model_validate(doc), datasets)
    assert check.valid, check.diagnostics
    assert check.flow is not None
    return compile_flow(check.flow, check, datasets, settings=settings, engine="kubeflow")


def follow(launcher: Launcher, run_id: str, timeout: float = 180) -> RunRecord:
    deadline = time.monotonic() + timeout
    record = launcher.snapshot(run_id)
    while not record.status.finished:
        assert time.monotonic() < deadline, f"the run never finished: {record.summary()}"
        time.sleep(0.3)
        record = launcher.snapshot(run_id)
    return record


def test_a_template_runs_on_the_cluster_and_comes_back_like_a_local_run(
    cluster: ClusterStack,
) -> None:
    settings = cluster.settings()
    flow = compiled_for(settings, template_flow("messy-customers"))

    # Nothing of the designer's machine is in what is sent: no path, no key.
    for secret in (settings.storage.secret_key, settings.storage.access_key):  # type: ignore[union-attr]
        assert secret and secret not in flow.ir_yaml
    for place in (str(PROJECT_ROOT), str(cluster.home), "/tmp/", "/root"):
        assert place not in flow.ir_yaml
    ir, platform = yaml.safe_load_all(flow.ir_yaml)
    json_format.ParseDict(ir, pipeline_spec_pb2.PipelineSpec())
    secrets = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert {s["secretAsEnv"][0]["secretName"] for s in secrets.values()} == {SECRET}
    [sample] = flow.reads  # the shipped sample, copied into the storage and granted
    assert sample.startswith(f"s3://{cluster.storage.bucket}/samples/")

    launcher = Launcher(settings)
    record = follow(launcher, launcher.start(flow, flow_name="Clean a messy table").run_id)
    assert record.status is Status.SUCCEEDED, record.summary()
    assert {n.status for n in record.nodes.values()} == {Status.SUCCEEDED}

    # Metrics and the confusion matrix, as the run panel reads them.
    evaluate = record.nodes["evaluate"]
    assert 0.5 < evaluate.metrics["accuracy"] <= 1
    report = {n["node"]: n for n in run_report(record)["nodes"]}
    matrix = report["evaluate"]["confusion_matrix"]
    assert matrix is not None and matrix["categories"]
    assert report["evaluate"]["roc"] is not None
    # Each node's log is its pod's log, read through the Kubernetes API.
    assert "rows" in record.nodes["load"].log
    pod = record.nodes["load"].pod
    assert ("GET", f"/api/v1/namespaces/{NAMESPACE}/pods/{pod}/log") in cluster.kube.requests
    # Outputs download from the designer's storage.
    download = open_download(open_store(settings), record, "split", "train")
    table = pd.read_parquet(io.BytesIO(b"".join(download.chunks)))
    assert "churned" in table.columns

    # The pods had only what the pipeline gave them.
    for task in cluster.tasks.runs[record.run_id].tasks.values():
        assert "DESIGNER_HOME" not in task.env_names
        assert "DESIGNER_DATABASE_URL" not in task.env_names
        assert {"DESIGNER_S3_ACCESS_KEY", "DESIGNER_S3_ENDPOINT"} <= set(task.env_names)


@pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)
def test_a_library_dataset_is_read_from_storage_by_its_pod(
    cluster: ClusterStack, engine: Engine, world: World, tmp_path: Path
) -> None:
    settings = cluster.settings()
    store = open_store(settings)
    assert isinstance(store, S3Store)
    with library.Spool(tmp_path, "houses.csv", 10_000_000) as spool:
        spool.write(HOUSES.read_bytes())
        dataset_id = library.add_file(engine, store, world.owner, spool.finish()).dataset_id
    lookup = library.dataset_lookup(engine, store, world.owner)
    doc = {
        "schema_version": 1,
        "name": "Houses",
        "nodes": [
            {"id": "load", "block": "load.dataset", "params": {"dataset": dataset_id}},
            {"id": "split", "block": "split.train_test", "params": {"stratify": False}},
        ],
        "edges": [
            {"source": "load", "source_port": "data", "target": "split", "target_port": "data"}
        ],
    }
    doc["nodes"][0]["params"]["target"] = "price"
    flow = compiled_for(settings, doc, lookup)
    [granted] = flow.reads
    assert granted.startswith(f"s3://{store.bucket}/") and "X-Amz-Signature" not in flow.ir_yaml

    launcher = Launcher(settings)
    record = follow(launcher, launcher.start(flow, flow_name="Houses").run_id)
    assert record.status is Status.SUCCEEDED, record.summary()
    assert record.nodes["load"].outputs["data"].metadata["dataset_version"] == 1


def test_a_cluster_run_is_cancelled(cluster: ClusterStack) -> None:
    settings = cluster.settings()
    flow = compiled_for(settings, fixture_flow("iris_classification"))
    launcher = Launcher(settings)
    run_id = launcher.start(flow, flow_name="iris").run_id
    deadline = time.monotonic() + 60
    while launcher.snapshot(run_id).status is not Status.RUNNING:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert launcher.cancel(run_id) == "Cancelling the run on Kubeflow…"
    record = follow(launcher, run_id)
    assert record.status is Status.CANCELLED
    assert Status.SUCCEEDED not in {record.nodes["deploy"].status}


def test_a_missing_secret_is_refused_before_submitting(cluster: ClusterStack) -> None:
    settings = cluster.settings(DESIGNER_KFP_STORAGE_SECRET="no-such-secret")
    flow = compiled_for(settings, fixture_flow("iris_classification"))
    with pytest.raises(LaunchError) as raised:
        Launcher(settings).start(flow, flow_name="iris")
    message = str(raised.value)
    assert "the run was not sent to Kubeflow" in message
    assert "'no-such-secret' does not exist in namespace 'team-a'" in message
    assert not cluster.kfp.runs


def test_without_the_kubernetes_api_a_missing_secret_fails_the_first_task(
    cluster: ClusterStack,
) -> None:
    settings = cluster.settings(
        DESIGNER_KFP_STORAGE_SECRET="no-such-secret", DESIGNER_K8S_HOST="-", DESIGNER_K8S_TOKEN="-"
    )
    flow = compiled_for(settings, fixture_flow("iris_classification"))
    launcher = Launcher(settings)
    record = follow(launcher, launcher.start(flow, flow_name="iris").run_id)
    assert record.status is Status.FAILED
    assert 'secret "no-such-secret" not found' in record.nodes["load"].error
    assert "DESIGNER_K8S_HOST" in record.nodes["load"].log  # says which pod holds the log
    assert record.nodes["split"].status is Status.SKIPPED


def test_local_storage_is_refused_before_anything_is_compiled(tmp_path: Path) -> None:
    settings = load_settings({"DESIGNER_HOME": str(tmp_path), "DESIGNER_KFP_HOST": "http://kfp"})
    check = check_data(fixture_flow("iris_classification"))
    assert check.flow is not None
    with pytest.raises(ClusterSetupError, match="needs the designer's storage in S3 or MinIO"):
        compile_flow(check.flow, check, settings=settings, engine="kubeflow")


def test_a_file_on_the_designers_machine_is_refused_for_the_cluster(
    cluster: ClusterStack,
) -> None:
    settings = cluster.settings(DESIGNER_DATA_DIRS=str(HOUSES.parent))
    doc = {
        "schema_version": 1,
        "name": "Houses from a file",
        "nodes": [
            {"id": "load", "block": "load.table_file", "params": {"uri": str(HOUSES)}},
            {"id": "split", "block": "split.train_test", "params": {"stratify": False}},
        ],
        "edges": [
            {"source": "load", "source_port": "data", "target": "split", "target_port": "data"}
        ],
    }
    check = check_flow(Flow.model_validate(doc))
    assert check.flow is not None
    with pytest.raises(FlowInvalid, match=r"a Kubeflow pod cannot read .*houses\.csv"):
        compile_flow(check.flow, check, settings=settings, engine="kubeflow")


def test_a_cluster_run_nobody_watches_is_settled_and_its_model_served(
    cluster: ClusterStack,
) -> None:
    """The browser tab closed after Run: the scheduler's thread follows the run from the
    database, records how it ended, and has KServe serve the model it deployed."""
    cluster.kube.add_storage_secret(NAMESPACE, "designer-models", cluster.storage)
    settings = cluster.settings()
    database = engine_for(settings.database_url)
    migrate.upgrade(database)
    owner = accounts.create_user(database, "olive", "Olive Owner")
    doc = fixture_flow("iris_classification")
    stored = flows.create_flow(database, owner, Flow.model_validate(doc))
    flow = compiled_for(settings, doc)
    record = Launcher(settings).start(flow, flow_name="iris", owner_id=owner.id, flow_id=stored.id)
    run_store.record_run(database, stored.id, 1, record, owner.id)

    scheduler = Scheduler(settings)
    deadline = time.monotonic() + 180
    while record.run_id not in scheduler.follow_cluster_runs(database):
        assert time.monotonic() < deadline, "the run was never seen finished"
        time.sleep(0.5)
    [summary] = run_store.list_runs(database, owner, stored.id)
    finished = Launcher(settings).snapshot(record.run_id)
    assert summary.status is Status.SUCCEEDED, finished.nodes["deploy"].error
    assert cluster.kube.inference_service(NAMESPACE, "iris-forest") is not None
    assert not scheduler.follow_cluster_runs(database)  # settled: nothing left to ask about


def test_runs_a_kubeflow_schedule_starts_appear_in_the_history_marked_scheduled(
    cluster: ClusterStack,
) -> None:
    settings = cluster.settings()
    database = engine_for(settings.database_url)
    migrate.upgrade(database)
    owner = accounts.create_user(database, "olive", "Olive Owner")
    doc = fixture_flow("iris_classification")
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] != "deploy"]
    doc["edges"] = [e for e in doc["edges"] if "deploy" not in (e["source"], e["target"])]
    stored = flows.create_flow(database, owner, Flow.model_validate(doc))
    schedule = add_schedule(settings, database, owner, stored.id, "0 6 * * *", "UTC")
    assert schedule.kubeflow_id
    run_id = cluster.kfp.fire(schedule.kubeflow_id)  # 06:00 UTC has come, on the cluster

    scheduler = Scheduler(settings)
    deadline = time.monotonic() + 180
    while run_id not in scheduler.follow_cluster_runs(database):
        assert time.monotonic() < deadline, "the scheduled run was never seen finished"
        time.sleep(0.5)
    [summary] = run_store.list_runs(database, owner, stored.id)
    assert (summary.id, summary.schedule_id) == (run_id, schedule.id)
    assert summary.status is Status.SUCCEEDED
    assert summary.headline_name == "accuracy"
    assert not scheduler.adopt_scheduled_runs(database)  # recorded once

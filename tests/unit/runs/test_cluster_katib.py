"""A tuning block searching as a Katib Experiment, on the cluster stand-ins.

The block's pod reaches the Kubernetes API with its own service account over HTTPS, creates
the Experiment, and Katib's stand-in runs every trial as a pod of the block image
(``tests.fixtures.katib_stack``): what comes back must be what the in-block search finds.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from minio import Minio

from blocks.runtime.tables import read_table
from blocks.runtime.tuning import tune
from designer.flow.compile import CompiledFlow, compile_flow
from designer.flow.validate import check_data
from designer.objects.configured import open_store
from designer.runs.artifacts import open_download
from designer.runs.launcher import Launcher
from designer.runs.local_log import error_line
from designer.runs.record import RunRecord, Status
from designer.settings import Settings
from tests.fixtures.cluster_stack import NAMESPACE, block_image, needs_bwrap
from tests.fixtures.katib_stack import KatibStack, katib_cluster
from tests.fixtures.object_stores import s3_server, s3_settings

__all__ = ["block_image", "katib_cluster", "s3_server", "s3_settings"]

pytestmark = [pytest.mark.slow, needs_bwrap]
FOLDS, SEED = 3, 42


def tuning_flow() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "name": "Iris tuned on Katib",
        "nodes": [
            {"id": "load", "block": "load.sklearn_dataset", "params": {"dataset": "iris"}},
            {"id": "split", "block": "split.train_test", "params": {"seed": SEED}},
            {
                "id": "tune",
                "block": "train.tune_classifier",
                "params": {
                    "algorithm": "random_forest",
                    "search_method": "grid",
                    "search_on": "katib",
                    "folds": FOLDS,
                    "seed": SEED,
                },
            },
        ],
        "edges": [
            {"source": "load", "source_port": "data", "target": "split", "target_port": "data"},
            {"source": "split", "source_port": "train", "target": "tune", "target_port": "train"},
        ],
    }


def compiled(settings: Settings) -> CompiledFlow:
    check = check_data(tuning_flow())
    assert check.valid and check.flow is not None, check.diagnostics
    return compile_flow(check.flow, check, settings=settings, engine="kubeflow")


def run(cluster: KatibStack) -> tuple[Settings, RunRecord]:
    settings = cluster.settings()
    launcher = Launcher(settings)
    run_id = launcher.start(compiled(settings), flow_name="Iris tuned on Katib").run_id
    deadline = time.monotonic() + 150
    record = launcher.snapshot(run_id)
    while not record.status.finished:
        assert time.monotonic() < deadline, f"the run never finished: {record.summary()}"
        time.sleep(0.3)
        record = launcher.snapshot(run_id)
    return settings, record


def test_a_grid_search_on_katib_keeps_what_the_block_would(
    katib_cluster: KatibStack, tmp_path: Path
) -> None:
    settings, record = run(katib_cluster)
    assert record.status is Status.SUCCEEDED, record.nodes["tune"].log

    # The Experiment went through the pod's own service account, and is gone once refitted.
    [sent] = katib_cluster.kube.context().api.katib.received
    name = sent["metadata"]["name"]
    requests = katib_cluster.kube.requests
    path = f"/apis/kubeflow.org/v1beta1/namespaces/{NAMESPACE}/experiments"
    assert ("POST", path) in requests and ("DELETE", f"{path}/{name}") in requests
    assert not katib_cluster.katib.experiments and not katib_cluster.katib.trials
    # Each of the 9 settings ran as a trial pod of the block image and printed its score.
    logs = katib_cluster.kube.context().api.logs
    trial_logs = [
        text for (_, pod), c in logs.items() if pod.startswith(name) for text in c.values()
    ]
    assert len(trial_logs) == 9
    assert all("score=" in text for text in trial_logs)

    # The block's outputs are the in-block grid search's on the same rows.
    download = open_download(open_store(settings), record, "split", "train")
    (tmp_path / "train.parquet").write_bytes(b"".join(download.chunks))
    table = read_table(str(tmp_path / "train.parquet"))
    here = tune(table, "random_forest", "grid", FOLDS, 10, "accuracy", SEED)
    tuned = record.nodes["tune"]
    assert tuned.outputs["model"].metadata["best_params"] == here.metadata["best_params"]
    assert tuned.metrics["candidates_tried"] == 9 == here.metrics["candidates_tried"]
    assert tuned.metrics["best_cv_score"] == here.metrics["best_cv_score"]
    assert tuned.metrics["cv_score_std"] == here.metrics["cv_score_std"]
    assert f"searching on Katib: Experiment {name} in namespace {NAMESPACE}" in tuned.log
    assert "Katib trials: 9 succeeded" in tuned.log


def test_a_failing_trial_fails_the_block_saying_why(katib_cluster: KatibStack) -> None:
    storage = katib_cluster.storage
    client = Minio(
        storage.endpoint,
        access_key=storage.access_key,
        secret_key=storage.secret_key,
        secure=False,
    )

    def lose_the_table(experiment: dict[str, Any]) -> None:
        """Before any trial starts, the table the block uploaded disappears (a lifecycle
        rule, a person cleaning the bucket): every trial fails to read it."""
        container = experiment["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]
        args = container["spec"]["containers"][0]["args"]
        table = urlsplit(args[args.index("--table") + 1])
        client.remove_object(table.netloc, table.path.lstrip("/"))

    katib_cluster.katib.before_trials = lose_the_table
    _, record = run(katib_cluster)
    assert record.status is Status.FAILED
    tuned = record.nodes["tune"]
    assert tuned.status is Status.FAILED
    [name] = [key[1] for key in katib_cluster.katib.experiments]
    # The block's error line: the exception line of its log, as the designer shows it.
    error = error_line(tuned.log)
    assert error.startswith(f"KatibError: the Katib Experiment {name} failed"), tuned.log
    assert "max failed count has reached" in error
    assert "NoSuchKey" in error  # the trial's own words, from its result
    assert f"kubectl -n {NAMESPACE} describe experiment {name}" in error
    # The failed Experiment is kept to look at; its failed trial is listed.
    status = katib_cluster.katib.experiments[(NAMESPACE, name)]["status"]
    assert status["trialsFailed"] >= 1 and status["failedTrialList"]
    assert not tuned.metrics

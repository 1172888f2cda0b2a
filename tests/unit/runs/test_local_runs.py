"""Real kfp.local runs through the ``designer`` command: the flows people will draw, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from designer.runs.local import LocalEngine, LocalRun, load_record
from designer.runs.record import RunRecord, Status
from tests.fixtures.flow_files import FLOWS, fixture_flow

pytestmark = pytest.mark.slow

DESIGNER = [sys.executable, "-c", "import sys; from designer.cli import main; sys.exit(main())"]


def designer(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DESIGNER, *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(doc))
    return path


def test_iris_flow_trains_evaluates_deploys_and_predicts(tmp_path: Path) -> None:
    done = designer("run", FLOWS / "iris_classification.json", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "succeeded"
    assert {n: v["status"] for n, v in result["nodes"].items()} == dict.fromkeys(
        ["load", "split", "train", "evaluate", "deploy"], "succeeded"
    )
    metrics = result["nodes"]["evaluate"]["metrics"]
    assert metrics["accuracy"] > 0.8  # chance is 1/3 for three balanced classes
    assert 0.8 < metrics["f1"] <= 1.0
    assert metrics["roc_auc"] > 0.9

    models = json.loads(designer("models", "--json").stdout)
    assert [(m["name"], m["version"]) for m in models] == [("iris-forest", 1)]

    rows = tmp_path / "rows.json"
    rows.write_text(
        json.dumps(
            [
                {
                    "sepal length (cm)": 5.1,
                    "sepal width (cm)": 3.5,
                    "petal length (cm)": 1.4,
                    "petal width (cm)": 0.2,
                },
                {
                    "sepal length (cm)": 6.7,
                    "sepal width (cm)": 3.0,
                    "petal length (cm)": 5.2,
                    "petal width (cm)": 2.3,
                },
            ]
        )
    )
    predicted = designer("predict", "iris-forest", rows)
    assert predicted.returncode == 0, predicted.stderr
    assert json.loads(predicted.stdout)["predictions"] == ["setosa", "virginica"]


def test_run_record_keeps_outputs_logs_and_artifact_locations(designer_home: Path) -> None:
    done = designer("run", FLOWS / "diabetes_regression.json", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    record = load_record(designer_home / "runs", result["run_id"])
    assert record.status == "succeeded"
    score = record.nodes["score"]
    assert score.metrics["rmse"] > 0 and -1 < score.metrics["r2"] < 1
    assert score.started_at and score.finished_at and score.finished_at >= score.started_at
    split = record.nodes["split"]
    assert Path(split.outputs["train"].uri).is_file()
    assert split.outputs["train"].type == "system.Dataset"
    assert split.outputs["train"].metadata["target"] == "progression"
    assert "KFP Executor" not in record.nodes["load"].log
    assert Path(record.artifacts_root).is_dir()


def test_a_failing_block_fails_its_node_and_keeps_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_DATA_DIRS", str(tmp_path))  # allowed, and the file is missing
    doc = fixture_flow("iris_classification")
    doc["nodes"][0] = {
        "id": "load",
        "block": "load.table_file",
        "params": {"uri": str(tmp_path / "missing.csv"), "target": "species"},
    }
    done = designer("run", _write(tmp_path, doc), "--json")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["status"] == "failed"
    load = result["nodes"]["load"]
    assert load["status"] == "failed"
    assert "missing.csv" in load["error"]
    assert {result["nodes"][n]["status"] for n in ("split", "train", "evaluate", "deploy")} == {
        "skipped"
    }


def test_flow_params_can_be_set_for_a_run(tmp_path: Path) -> None:
    done = designer("run", FLOWS / "wine_boosting.json", "--json", "-p", "dataset=breast_cancer")
    assert done.returncode == 0, done.stdout + done.stderr
    nodes = json.loads(done.stdout)["nodes"]
    assert nodes["eval_logreg"]["metrics"]["accuracy"] > 0.85
    assert nodes["eval_boost"]["metrics"]["roc_auc"] > 0.9


def _compiled(name: str):
    from designer.flow.compile import compile_flow
    from designer.flow.validate import check_data

    check = check_data(fixture_flow(name))
    assert check.flow is not None
    return check.flow, compile_flow(check.flow, check)


def _wait_for(run: LocalRun, predicate: Callable[[RunRecord], bool]) -> RunRecord:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        record = run.snapshot()
        if predicate(record):
            return record
        time.sleep(0.05)
    raise AssertionError(f"never happened; last record: {run.snapshot().summary()}")


def test_progress_is_visible_while_the_run_goes_and_it_can_be_cancelled(
    designer_home: Path,
) -> None:
    flow, compiled = _compiled("iris_classification")
    run = LocalEngine(designer_home / "runs").start(compiled, flow_name=flow.name)
    seen = _wait_for(run, lambda r: r.nodes["split"].status == Status.RUNNING)
    assert seen.nodes["load"].status == Status.SUCCEEDED
    assert seen.nodes["train"].status == Status.PENDING
    on_disk = load_record(designer_home / "runs", run.run_id)
    assert on_disk.nodes["load"].status == Status.SUCCEEDED  # other processes can follow too
    run.cancel()
    final = run.wait(timeout=60)
    assert final.status == Status.CANCELLED
    assert final.nodes["load"].status == Status.SUCCEEDED
    assert final.nodes["evaluate"].status == Status.SKIPPED

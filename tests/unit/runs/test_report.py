"""The run report: charts read from metadata exactly as the real evaluate blocks write it, and
downloads that never leave the run's artifact folder. (A report of a whole real run is checked
in test_launcher.py, which shares one kfp.local run.)"""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import joblib
import pytest
from kfp import dsl

from blocks.evaluate.classification import evaluate_classification
from blocks.evaluate.regression import evaluate_regression
from blocks.runtime.sklearn_data import load_sample
from blocks.runtime.splitting import split_table
from blocks.runtime.tables import write_table
from blocks.runtime.training import fit
from designer.objects.local import LocalFolderStore
from designer.runs.artifacts import ArtifactUnavailable, open_download
from designer.runs.record import NodeRun, OutputRecord, RunRecord, Status, StoredOutput
from designer.runs.report import (
    RESIDUAL_KEYS,
    format_number,
    headline,
    run_report,
)

FOREST = {"n_estimators": 20, "max_depth": 0, "seed": 0}


def artifact_download(record: RunRecord, node_id: str, port: str) -> tuple[str, bytes]:
    """Name and bytes of an output not kept in object storage: read from the run's folder."""
    download = open_download(LocalFolderStore(Path("/nonexistent")), record, node_id, port)
    try:
        return download.name, b"".join(download.chunks)
    finally:
        download.close()


def record_of(nodes: dict[str, NodeRun], root: Path | str = "") -> RunRecord:
    return RunRecord(
        run_id="r1",
        flow_name="flow",
        engine="local",
        status=Status.SUCCEEDED,
        nodes=nodes,
        artifacts_root=str(root),
    )


def evaluated(folder: Path, dataset: str, estimator: str, params: dict[str, Any]) -> NodeRun:
    """A node that ran the real evaluate block, its outputs recorded as the local engine does."""
    folder.mkdir(parents=True, exist_ok=True)
    table = load_sample(dataset)
    train, test = split_table(table, 0.3, 0, table.task == "classification")
    model = dsl.Model(name="model", uri=str(folder / "model"))
    joblib.dump(fit(train, estimator, params)[0], model.path)
    test_set = dsl.Dataset(name="test", uri=str(folder / "test"))
    write_table(test, test_set.path)
    metrics = dsl.Metrics(name="metrics", uri=str(folder / "metrics"))
    outputs = {"metrics": metrics}
    if test.task == "classification":
        report = dsl.ClassificationMetrics(name="report", uri=str(folder / "report"))
        evaluate_classification(model, test_set, metrics, report)
        outputs["report"] = report
    else:
        evaluate_regression(model, test_set, metrics)
    return NodeRun(
        status=Status.SUCCEEDED,
        outputs={
            port: OutputRecord(a.uri, a.schema_title, json.loads(json.dumps(a.metadata)))
            for port, a in outputs.items()
        },
        metrics={k: float(v) for k, v in metrics.metadata.items()},
    )


# -- charts from real block output ----------------------------------------------------------


@pytest.mark.parametrize(
    ("dataset", "estimator", "params", "categories", "average"),
    [
        ("breast_cancer", "random_forest", FOREST, ["benign", "malignant"], "binary"),
        (
            "iris",
            "logistic_regression",
            {"C": 1.0, "max_iter": 1000},
            ["setosa", "versicolor", "virginica"],
            "micro",
        ),
    ],
    ids=["two-classes", "three-classes"],
)
def test_classification_report(
    tmp_path: Path,
    dataset: str,
    estimator: str,
    params: dict[str, Any],
    categories: list[str],
    average: str,
) -> None:
    node = evaluated(tmp_path, dataset, estimator, params)
    report = run_report(record_of({"evaluate": node}, tmp_path))
    json.dumps(report, allow_nan=False)
    [view] = report["nodes"]
    matrix = view["confusion_matrix"]
    assert matrix is not None and matrix["port"] == "report"
    assert matrix["categories"] == categories
    assert all(isinstance(c, int) for row in matrix["rows"] for c in row)
    test_rows = round(len(load_sample(dataset).frame) * 0.3)
    assert matrix["total"] == pytest.approx(test_rows, abs=1)
    assert all(sum(shares) == pytest.approx(1, abs=1e-3) for shares in matrix["shares"])
    roc = view["roc"]
    assert roc is not None and roc["average"] == average
    fprs = [p["fpr"] for p in roc["points"]]
    assert fprs == sorted(fprs) and (fprs[0], fprs[-1]) == (0.0, 1.0)
    assert set(roc["points"][0]) == {"fpr", "tpr", "threshold"}
    assert (
        roc["auc"] is not None and roc["auc"] > 0.9 and roc["auc_text"] == format_number(roc["auc"])
    )
    if average == "binary":  # one curve: its area is the roc_auc metric
        assert roc["auc"] == pytest.approx(node.metrics["roc_auc"], abs=1e-4)
    assert report["headline"] == {
        "node": "evaluate",
        "name": "accuracy",
        "label": "Accuracy",
        "value": node.metrics["accuracy"],
        "text": format_number(node.metrics["accuracy"]),
    }
    assert view["residuals"] is None


def test_regression_report_groups_the_residuals(tmp_path: Path) -> None:
    node = evaluated(tmp_path, "diabetes", "linear_regression", {"alpha": 0.0})
    record = record_of({"score": node}, tmp_path)
    [view] = run_report(record)["nodes"]
    assert [(m["name"], m["label"]) for m in view["metrics"]] == [
        ("rmse", "RMSE"),
        ("mae", "MAE"),
        ("r2", "R²"),
    ]
    residuals = view["residuals"]
    assert residuals is not None and list(residuals) == list(RESIDUAL_KEYS)
    box = [residuals[k]["value"] for k in ("min", "p25", "median", "p75", "max")]
    assert None not in box and box == sorted(box)
    assert residuals["mean"]["value"] == node.metrics["residual_mean"]
    assert view["confusion_matrix"] is None and view["roc"] is None
    assert headline(record) == ("r2", node.metrics["r2"])


# -- scalars -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        ({}, None),
        ({"a": {"rows": 3.0}}, None),
        ({"a": {"rmse": 4.0}, "b": {"r2": 0.5}}, ("r2", 0.5)),
        ({"a": {"f1": 0.7, "roc_auc": 0.9}, "b": {"accuracy": 0.8}}, ("accuracy", 0.8)),
        ({"a": {"accuracy": 0.6}, "b": {"accuracy": 0.8}}, ("accuracy", 0.6)),
        ({"a": {"accuracy": math.nan, "f1": 0.7}}, ("f1", 0.7)),
        ({"a": {"mae": 12.5}}, ("mae", 12.5)),
    ],
    ids=["none", "unknown-only", "r2-before-rmse", "accuracy-first", "first-node", "nan", "mae"],
)
def test_headline(metrics: dict[str, dict[str, float]], expected: tuple[str, float] | None) -> None:
    record = record_of({n: NodeRun(metrics=m) for n, m in metrics.items()})
    assert headline(record) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.9737, "0.974"),
        (0.95555, "0.956"),
        (1.0, "1"),
        (0.0, "0"),
        (-0.0, "0"),
        (53.123, "53.1"),
        (-12.345, "-12.3"),
        (999.6, "1,000"),
        (12345.6, "12,346"),
        (-2_500_000.0, "-2,500,000"),
        (150.0, "150"),
        (0.000123456, "0.000123"),
        (math.nan, "n/a"),
        (math.inf, "n/a"),
        (None, "n/a"),
    ],
)
def test_format_number(value: float | None, text: str) -> None:
    assert format_number(value) == text


def test_not_a_number_reads_as_missing_and_stays_valid_json() -> None:
    record = record_of({"score": NodeRun(metrics={"r2": math.nan, "residual_mean": math.inf})})
    report = run_report(record)
    json.dumps(report, allow_nan=False)
    [view] = report["nodes"]
    assert view["metrics"] == [{"name": "r2", "label": "R²", "value": None, "text": "n/a"}]
    assert view["residuals"] is not None
    assert {k: v["value"] for k, v in view["residuals"].items()} == dict.fromkeys(RESIDUAL_KEYS)
    assert report["headline"] is None


def test_only_nodes_with_something_to_show_are_listed() -> None:
    record = record_of(
        {
            "load": NodeRun(status=Status.SUCCEEDED),
            "train": NodeRun(status=Status.FAILED, error="ValueError: bad input"),
            "evaluate": NodeRun(status=Status.SKIPPED),
        }
    )
    report = run_report(record)
    assert [(n["node"], n["status"], n["error"]) for n in report["nodes"]] == [
        ("train", "failed", "ValueError: bad input")
    ]
    assert report["headline"] is None


# -- reading ClassificationMetrics metadata ------------------------------------------------

ROWS = [{"row": [3, 1]}, {"row": [0, 4]}]
SPECS = [{"displayName": "cat"}, {"displayName": "dog"}]


@pytest.mark.parametrize(
    ("metadata", "categories"),
    [
        ({"confusionMatrix": {"annotationSpecs": SPECS, "rows": ROWS}}, ["cat", "dog"]),
        (
            {"confusionMatrix": {"structure": {"annotationSpecs": SPECS}, "rows": ROWS}},
            ["cat", "dog"],
        ),
        ({"confusionMatrix": {"annotationSpecs": [{}, {}], "rows": [[3, 1], [0, 4]]}}, ["0", "1"]),
        ({"confusionMatrix": {"annotationSpecs": SPECS, "rows": ROWS[:1]}}, None),
        ({"confusionMatrix": {"annotationSpecs": SPECS, "rows": [{"row": [1, "x"]}] * 2}}, None),
        ({"confusionMatrix": {"annotationSpecs": SPECS, "rows": [{"row": [True, 1]}] * 2}}, None),
        ({"confusionMatrix": {"annotationSpecs": [], "rows": []}}, None),
        ({"confusionMatrix": "3x3"}, None),
        ({}, None),
    ],
    ids=[
        "sdk-form",
        "proto-form",
        "plain-rows-no-names",
        "missing-row",
        "not-numbers",
        "booleans",
        "empty",
        "not-a-mapping",
        "absent",
    ],
)
def test_confusion_matrix_forms(metadata: dict[str, Any], categories: list[str] | None) -> None:
    record = record_of({"e": NodeRun(outputs={"report": OutputRecord("", metadata=metadata)})})
    matrix = run_report(record)["nodes"][0]["confusion_matrix"]
    if categories is None:
        assert matrix is None
        return
    assert matrix is not None and matrix["categories"] == categories
    assert matrix["rows"] == [[3, 1], [0, 4]] and matrix["total"] == 8
    assert matrix["shares"] == [[0.75, 0.25], [0.0, 1.0]]


def _points(*triples: tuple[Any, Any, Any]) -> dict[str, Any]:
    keys = ("falsePositiveRate", "recall", "confidenceThreshold")
    return {"confidenceMetrics": [dict(zip(keys, t, strict=True)) for t in triples]}


@pytest.mark.parametrize(
    ("metadata", "auc"),
    [
        (_points((0, 0, 1), (0, 1, 0.5), (1, 1, 0)), 1.0),
        (_points((1, 1, 0), (0, 0, 1), (0.5, 0.5, 0.5)), 0.5),  # unsorted, as logged point-wise
        (_points((0, 0, 1)), None),
        (_points((0, 0, 1), (1, None, 0)), "absent"),
        ({"confidenceMetrics": []}, "absent"),
        ({"confidenceMetrics": ["x"]}, "absent"),
    ],
    ids=["perfect", "diagonal-unsorted", "one-point", "missing-value", "empty", "not-points"],
)
def test_roc_curve_forms(metadata: dict[str, Any], auc: float | str | None) -> None:
    record = record_of({"e": NodeRun(outputs={"report": OutputRecord("", metadata=metadata)})})
    nodes = run_report(record)["nodes"]
    roc = nodes[0]["roc"]
    if auc == "absent":
        assert roc is None
        return
    assert roc is not None and roc["auc"] == auc and roc["average"] == ""
    assert [p["fpr"] for p in roc["points"]] == sorted(p["fpr"] for p in roc["points"])


# -- downloads -----------------------------------------------------------------------------


@pytest.fixture
def run_folder(tmp_path: Path) -> RunRecord:
    """A run whose artifact folder holds a table, a model folder (with a symlink pointing out
    of the run) and files that try to reach outside it."""
    root = tmp_path / "run" / "artifacts"
    task = root / "pipeline" / "task"
    (task / "folder" / "sub").mkdir(parents=True)
    write_table(load_sample("iris"), str(task / "data"))
    (task / "folder" / "a.txt").write_text("alpha")
    (task / "folder" / "sub" / "b.txt").write_text("beta!")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not yours")
    (task / "folder" / "escape.txt").symlink_to(outside / "secret.txt")
    (task / "link").symlink_to(outside / "secret.txt")
    outputs = {
        "data": OutputRecord(str(task / "data"), "system.Dataset"),
        "file-uri": OutputRecord((task / "data").as_uri(), "system.Dataset"),
        "folder": OutputRecord(str(task / "folder"), "system.Model"),
        "outside": OutputRecord(str(outside / "secret.txt"), "system.Artifact"),
        "dotdot": OutputRecord(f"{root}/../../outside/secret.txt", "system.Artifact"),
        "link": OutputRecord(str(task / "link"), "system.Artifact"),
        "gone": OutputRecord(str(task / "gone"), "system.Dataset"),
        "metrics": OutputRecord(str(task / "metrics"), "system.Metrics", {"rmse": 1.0}),
        "remote": OutputRecord("s3://bucket/run/data", "system.Dataset"),
        "blank": OutputRecord("", "system.Dataset"),
    }
    return record_of({"node": NodeRun(status=Status.SUCCEEDED, outputs=outputs)}, root)


def test_a_file_downloads_with_a_useful_name(run_folder: RunRecord) -> None:
    for port in ("data", "file-uri"):
        name, data = artifact_download(run_folder, "node", port)
        assert name == f"node-{port}.parquet" and data.startswith(b"PAR1")


def test_a_folder_downloads_as_a_zip_without_what_points_outside(run_folder: RunRecord) -> None:
    name, data = artifact_download(run_folder, "node", "folder")
    assert name == "node-folder.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["a.txt", "sub/b.txt"]
        assert archive.read("sub/b.txt") == b"beta!"


@pytest.mark.parametrize(
    ("node", "port", "words"),
    [
        ("nope", "data", "run r1 has no block 'nope'"),
        ("node", "nope", "block 'node' has no output 'nope'; its outputs: 'data', "),
        ("node", "outside", "lies outside the run's artifact folder"),
        ("node", "dotdot", "lies outside the run's artifact folder"),
        ("node", "link", "lies outside the run's artifact folder"),
        ("node", "gone", "is no longer on disk at"),
        ("node", "metrics", "holds only metrics, shown in the report"),
        ("node", "remote", "is stored at s3://bucket/run/data, not on this machine"),
        ("node", "blank", "is stored with no location recorded"),
    ],
)
def test_what_cannot_be_downloaded_says_why(
    run_folder: RunRecord, node: str, port: str, words: str
) -> None:
    with pytest.raises(ArtifactUnavailable) as raised:
        artifact_download(run_folder, node, port)
    assert words in str(raised.value)


def test_no_artifact_folder_means_nothing_is_served(run_folder: RunRecord) -> None:
    run_folder.artifacts_root = ""
    with pytest.raises(ArtifactUnavailable, match="has no artifact folder on this machine"):
        artifact_download(run_folder, "node", "data")


def test_report_lists_every_output_with_size_or_reason(run_folder: RunRecord) -> None:
    [view] = run_report(run_folder)["nodes"]
    listed = {a["port"]: a for a in view["artifacts"]}
    data = Path(run_folder.nodes["node"].outputs["data"].uri)
    assert listed["data"]["downloadable"] and listed["data"]["size"] == data.stat().st_size
    assert listed["folder"]["downloadable"] and listed["folder"]["size"] == len("alphabeta!")
    assert listed["data"]["reason"] == "" and listed["data"]["node"] == "node"
    for port in ("outside", "dotdot", "link", "gone", "metrics", "remote", "blank"):
        assert not listed[port]["downloadable"] and listed[port]["size"] is None
        assert listed[port]["href"] == ""
        assert listed[port]["reason"]
    json.dumps(view, allow_nan=False)
    assert listed["data"]["href"] == "/api/v1/runs/r1/artifacts/node/data"


def test_an_output_kept_in_storage_is_downloadable_once_its_folder_is_gone(
    run_folder: RunRecord,
) -> None:
    output = run_folder.nodes["node"].outputs["gone"]
    output.stored = StoredOutput(
        "runs/r1/node/gone/", files={"gone": "runs/r1/node/gone/gone"}, size=7
    )
    run_folder.run_id = "run 1/a"
    [view] = run_report(run_folder)["nodes"]
    listed = {a["port"]: a for a in view["artifacts"]}
    assert listed["gone"]["downloadable"] and listed["gone"]["size"] == 7
    assert listed["gone"]["href"] == "/api/v1/runs/run%201%2Fa/artifacts/node/gone"


def test_when_storage_failed_an_output_gone_from_disk_says_so_too(run_folder: RunRecord) -> None:
    run_folder.artifacts_error = "the run's outputs could not be kept in S3: down"
    [view] = run_report(run_folder)["nodes"]
    listed = {a["port"]: a for a in view["artifacts"]}
    assert listed["gone"]["reason"].endswith("(the run's outputs could not be kept in S3: down)")
    assert "could not be kept" not in listed["metrics"]["reason"]

"""Scores that say what they are: each class's precision, recall and F1 beside the macro
averages, carried from the evaluate block's metadata to the run report, the run tab's view and
`designer run`'s output, with the class names the sample data holds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import joblib
import pytest
from kfp import dsl

from blocks.evaluate.classification import evaluate_classification
from blocks.runtime.sklearn_data import load_sample
from blocks.runtime.splitting import split_table
from blocks.runtime.tables import write_table
from blocks.runtime.training import fit
from designer.cli.runs import print_record
from designer.runs.record import NodeRun, OutputRecord, RunRecord, Status
from designer.runs.report import run_report
from designer.ui.editor.run_views import averaged_sentence, run_tab_view

FOREST = {"n_estimators": 20, "max_depth": 0, "seed": 0}
CLASSES = {
    "iris": ["setosa", "versicolor", "virginica"],
    "breast_cancer": ["benign", "malignant"],
    "wine": ["class_0", "class_1", "class_2"],
}
MACRO = "macro average: each class counts the same"


def evaluated(folder: Path, dataset: str) -> NodeRun:
    """A node that ran the real evaluate block on a sample, recorded as the local engine does."""
    folder.mkdir(parents=True, exist_ok=True)
    table = load_sample(dataset)
    train, test = split_table(table, 0.3, 0, True)
    model = dsl.Model(name="model", uri=str(folder / "model"))
    joblib.dump(fit(train, "random_forest", FOREST)[0], model.path)
    test_set = dsl.Dataset(name="test", uri=str(folder / "test"))
    write_table(test, test_set.path)
    metrics = dsl.Metrics(name="metrics", uri=str(folder / "metrics"))
    report = dsl.ClassificationMetrics(name="report", uri=str(folder / "report"))
    evaluate_classification(model, test_set, metrics, report)
    return NodeRun(
        status=Status.SUCCEEDED,
        outputs={
            port: OutputRecord(a.uri, a.schema_title, json.loads(json.dumps(a.metadata)))
            for port, a in (("metrics", metrics), ("report", report))
        },
        metrics={k: float(v) for k, v in metrics.metadata.items()},
    )


def record_of(nodes: dict[str, NodeRun]) -> RunRecord:
    return RunRecord("r1", "flow", "local", Status.SUCCEEDED, nodes=nodes)


@pytest.mark.parametrize("dataset", list(CLASSES))
def test_the_report_names_classes_and_how_scores_average_them(tmp_path: Path, dataset: str) -> None:
    node = evaluated(tmp_path, dataset)
    report = run_report(record_of({"evaluate": node}))
    json.dumps(report, allow_nan=False)
    [view] = report["nodes"]
    assert view["confusion_matrix"] is not None
    assert view["confusion_matrix"]["categories"] == CLASSES[dataset]
    assert view["average"] == "macro"
    scores = view["class_scores"]
    assert scores is not None and scores["port"] == "report"
    assert (scores["average"], scores["average_text"]) == ("macro", MACRO)
    assert [row["category"] for row in scores["rows"]] == CLASSES[dataset]
    assert sum(row["support"] for row in scores["rows"]) == view["confusion_matrix"]["total"]
    mean_f1 = sum(row["f1"]["value"] or 0 for row in scores["rows"]) / len(scores["rows"])
    assert node.metrics["f1"] == pytest.approx(mean_f1)


@pytest.mark.parametrize(
    ("class_scores", "average", "expected"),
    [
        (None, None, None),  # a record from before per-class figures: averages still named
        ("not a list", None, None),
        ([{"category": "a", "precision": 1, "recall": "x", "f1": 1, "support": 2}], None, None),
        ([{"category": 3, "precision": 1, "recall": 1, "f1": 1, "support": 2}], None, None),
        (
            [{"category": "a", "precision": 0.5, "recall": 1, "f1": 0.667, "support": 2}],
            "weighted",
            ("weighted", [("a", "0.5", "1", "0.667", 2)]),
        ),
    ],
    ids=["old-record", "not-a-list", "not-a-number", "unnamed", "weighted"],
)
def test_class_scores_are_read_strictly(
    class_scores: object, average: str | None, expected: tuple | None
) -> None:
    metadata: dict = {"classScores": class_scores} if class_scores is not None else {}
    if average:
        metadata["average"] = average
    node = NodeRun(
        status=Status.SUCCEEDED,
        outputs={"report": OutputRecord("", "system.ClassificationMetrics", metadata)},
        metrics={"accuracy": 0.9, "precision": 0.8},
    )
    [view] = run_report(record_of({"evaluate": node}))["nodes"]
    scores = view["class_scores"]
    if expected is None:
        assert scores is None and view["average"] == "macro"
        return
    assert scores is not None and view["average"] == expected[0]
    assert [
        (r["category"], r["precision"]["text"], r["recall"]["text"], r["f1"]["text"], r["support"])
        for r in scores["rows"]
    ] == expected[1]


def test_a_regression_names_no_average() -> None:
    node = NodeRun(status=Status.SUCCEEDED, metrics={"rmse": 3.0, "r2": 0.5})
    [view] = run_report(record_of({"score": node}))["nodes"]
    assert (view["average"], view["class_scores"]) == ("", None)


def test_the_run_tab_says_which_scores_are_averages(tmp_path: Path) -> None:
    record = record_of({"evaluate": evaluated(tmp_path, "breast_cancer")})
    view = run_tab_view(dict(run_report(record)))
    details = {m["label"]: (m["detail"], m["average"]) for m in view["metrics"]}
    assert details["Precision"] == ("macro average · evaluate", "macro average")
    assert details["F1"] == ("macro average · evaluate", "macro average")
    assert details["Accuracy"] == ("evaluate", "")
    assert view["averages"] == [
        {"text": "Precision, recall and F1 are macro averages: each class counts the same."}
    ]
    [table] = view["classes"]
    assert [row["category"] for row in table["rows"]] == ["benign", "malignant"]
    assert table["average_text"] == MACRO
    assert view["matrices"][0]["categories"] == ["benign", "malignant"]
    [roc] = view["rocs"]
    assert re.fullmatch(
        r"ROC curve · evaluate · AUC 0\.\d+|ROC curve · evaluate · AUC 1", roc["title"]
    )
    assert "“malignant”" in roc["about"]  # the positive class of two, by name


def test_models_compared_share_one_averaging_sentence(tmp_path: Path) -> None:
    record = record_of(
        {
            "eval_a": evaluated(tmp_path / "a", "iris"),
            "eval_b": evaluated(tmp_path / "b", "iris"),
        }
    )
    view = run_tab_view(dict(run_report(record)))
    assert len(view["averages"]) == 1 and len(view["classes"]) == 2
    assert "micro average" in view["rocs"][0]["about"]


@pytest.mark.parametrize(
    ("average", "sentence"),
    [
        ("macro", "Precision, recall and F1 are macro averages: each class counts the same."),
        ("weighted", "Precision, recall and F1 are weighted averages: each class counts by"),
        ("samples", "Precision, recall and F1 are samples averages."),
    ],
)
def test_averaged_sentence(average: str, sentence: str) -> None:
    assert averaged_sentence(average).startswith(sentence)


def test_designer_run_prints_each_class_and_names_the_averaging(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = record_of({"evaluate": evaluated(tmp_path, "iris")})
    print_record(record, as_json=False)
    out = capsys.readouterr().out
    assert f"precision, recall and F1 are the {MACRO}" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["class", "precision"])
    rows = [line.split() for line in lines[header + 1 : header + 4]]
    assert [row[0] for row in rows] == CLASSES["iris"]
    assert sum(int(row[-1]) for row in rows) == 45  # 30% of 150 test rows
    print_record(record, as_json=True)  # the JSON contract is unchanged
    assert set(json.loads(capsys.readouterr().out)) == {"run_id", "status", "error", "nodes"}

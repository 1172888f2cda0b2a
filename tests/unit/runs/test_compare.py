"""Models side by side: which nodes become columns, which metrics rows, which cells win."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from designer.flow.document import Flow
from designer.runs.compare import Comparison, compare_models, model_names
from designer.runs.record import NodeRun, RunRecord, Status
from tests.fixtures.flow_files import fixture_flow

NAN = math.nan
#: A node that failed after logging numbers (or with numbers from a previous attempt).
FAILED = "failed:"


def record_of(metrics: dict[str, dict[str, float]]) -> RunRecord:
    """A finished run; a node id starting with FAILED is recorded as failed."""
    nodes = {
        node_id.removeprefix(FAILED): NodeRun(
            status=Status.FAILED if node_id.startswith(FAILED) else Status.SUCCEEDED,
            metrics=values,
        )
        for node_id, values in metrics.items()
    }
    return RunRecord(
        run_id="r1", flow_name="flow", engine="local", status=Status.SUCCEEDED, nodes=nodes
    )


def outline(table: Comparison) -> tuple[str, list[str], str | None, dict[str, list[str]]]:
    """kind, column nodes, overall winner, and each row's best cells by node."""
    best = {row["name"]: [c["node"] for c in row["cells"] if c["best"]] for row in table["rows"]}
    return table["kind"], [c["node"] for c in table["columns"]], table["best_node"], best


CLF_A = {"accuracy": 0.90, "precision": 0.91, "recall": 0.88, "f1": 0.89, "roc_auc": 0.95}
CLF_B = {"accuracy": 0.95, "precision": 0.90, "recall": 0.93, "f1": 0.92, "roc_auc": 0.97}
CLF_C = {"accuracy": 0.80, "precision": 0.95, "recall": 0.70, "f1": 0.75}
REG_A = {"rmse": 50.0, "mae": 40.0, "r2": 0.40, "residual_mean": 0.1, "residual_max": 90.0}
REG_B = {"rmse": 45.0, "mae": 42.0, "r2": 0.50, "residual_mean": -2.0, "residual_max": 80.0}
#: The best cells of CLF_A against CLF_B, by metric.
AB_WINNERS = {"accuracy": ["b"], "precision": ["a"], "recall": ["b"], "f1": ["b"], "roc_auc": ["b"]}


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        (
            {"load": {}, "a": CLF_A, "b": CLF_B},
            [("classification", ["a", "b"], "b", AB_WINNERS)],
        ),
        (
            {"a": CLF_A, "b": CLF_B, "c": CLF_C},
            [
                (
                    "classification",
                    ["a", "b", "c"],
                    "b",
                    {"accuracy": ["b"], "precision": ["c"], "recall": ["b"], "f1": ["b"]}
                    | {"roc_auc": ["b"]},  # c has none: a and b are still ranked
                )
            ],
        ),
        (
            {"a": REG_A, "b": REG_B},
            [("regression", ["a", "b"], "b", {"rmse": ["b"], "mae": ["a"], "r2": ["b"]})],
        ),
        (  # without r2 the headline is rmse, where the lower value wins
            {"a": {"rmse": 3.0, "mae": 2.0}, "b": {"rmse": 2.5, "mae": 2.1}},
            [("regression", ["a", "b"], "b", {"rmse": ["b"], "mae": ["a"]})],
        ),
        (
            {"a": {"accuracy": 0.9, "f1": 0.7}, "b": {"accuracy": 0.9, "f1": 0.8}},
            [("classification", ["a", "b"], None, {"accuracy": [], "f1": ["b"]})],
        ),
        (  # two of three tie at the top: both are marked, neither wins overall
            {"a": {"accuracy": 0.9}, "b": {"accuracy": 0.9}, "c": {"accuracy": 0.8}},
            [("classification", ["a", "b", "c"], None, {"accuracy": ["a", "b"]})],
        ),
        (  # both read "0.974": a difference nobody can see is no win
            {"a": {"accuracy": 0.97368, "f1": 0.5}, "b": {"accuracy": 0.97371, "f1": 0.6}},
            [("classification", ["a", "b"], None, {"accuracy": [], "f1": ["b"]})],
        ),
        (
            {FAILED + "a": CLF_A, "b": CLF_B, "c": CLF_C},
            [
                (
                    "classification",
                    ["b", "c"],
                    "b",
                    {"accuracy": ["b"], "precision": ["c"], "recall": ["b"], "f1": ["b"]},
                )
            ],
        ),
        ({FAILED + "a": CLF_A, "b": CLF_B}, []),
        ({"load": {}, "a": CLF_A, "deploy": {}}, []),
        ({"a": CLF_A, "b": REG_B}, []),
        (
            {"a": CLF_A, "r": REG_A, "b": CLF_B},
            [("classification", ["a", "b"], "b", AB_WINNERS)],
        ),
        (
            {"r": REG_A, "a": CLF_A, "s": REG_B, "b": CLF_B},
            [
                ("regression", ["r", "s"], "s", {"rmse": ["s"], "mae": ["r"], "r2": ["s"]}),
                ("classification", ["a", "b"], "b", AB_WINNERS),
            ],
        ),
        (  # NaN reads as missing: never best; only numbers make a metric shared
            {"a": {"accuracy": NAN, "f1": 0.8}, "b": {"accuracy": 0.9, "f1": 0.7}}
            | {"c": {"accuracy": 0.8, "roc_auc": 0.9}},
            [("classification", ["a", "b", "c"], "b", {"accuracy": ["b"], "f1": ["a"]})],
        ),
        ({"a": {"accuracy": NAN}, "b": {"accuracy": 0.9}}, []),
        ({"a": {"accuracy": NAN, "f1": NAN}, "b": {"accuracy": 0.9}, "c": {"f1": 0.8}}, []),
    ],
    ids=[
        "two-classifiers",
        "three-classifiers",
        "regression",
        "regression-lower-rmse-wins",
        "tie-whole-row",
        "tie-at-the-top",
        "tie-at-shown-precision",
        "failed-left-out",
        "failed-leaves-one",
        "one-evaluation",
        "one-of-each-kind",
        "mixed-kinds-apart",
        "two-of-each-kind",
        "nan-and-missing",
        "nan-leaves-one-number",
        "nothing-shared",
    ],
)
def test_comparison(
    metrics: dict[str, dict[str, float]],
    expected: list[tuple[str, list[str], str | None, dict[str, list[str]]]],
) -> None:
    tables = compare_models(record_of(metrics))
    json.dumps(tables, allow_nan=False)
    assert [outline(table) for table in tables] == expected


def test_rows_cells_and_winner_read_as_the_panel_shows_them() -> None:
    [table] = compare_models(
        record_of({"a": REG_A | {"rows": 45.0}, "b": REG_B | {"rows": 45.0}, "c": {"mae": 1.5}})
    )
    assert [(r["name"], r["label"], r["better"]) for r in table["rows"]] == [
        ("rmse", "RMSE", "lower"),
        ("mae", "MAE", "lower"),
        ("r2", "R²", "higher"),
        ("rows", "Rows", ""),  # not a score we know the direction of: lined up, never marked
    ]
    rows = {r["name"]: r for r in table["rows"]}
    assert rows["mae"]["cells"] == [
        {"node": "a", "best": False, "value": 40.0, "text": "40"},
        {"node": "b", "best": False, "value": 42.0, "text": "42"},
        {"node": "c", "best": True, "value": 1.5, "text": "1.5"},
    ]
    assert [c["text"] for c in rows["r2"]["cells"]] == ["0.4", "0.5", "n/a"]
    assert not any(c["best"] for c in rows["rows"]["cells"])
    assert (table["best_node"], table["best_by"], table["best_by_label"]) == ("b", "r2", "R²")
    assert [c["best"] for c in table["columns"]] == [False, True, False]


def test_no_winner_means_no_headline_either() -> None:
    [table] = compare_models(record_of({"a": {"r2": 0.5}, "b": {"r2": 0.5}}))
    assert (table["best_node"], table["best_by"], table["best_by_label"]) == (None, "", "")
    assert not any(c["best"] for c in table["columns"])


@pytest.mark.parametrize(
    ("names", "labels"),
    [
        (None, ["a", "b", "c"]),
        ({"a": "Forest", "b": "Boosting"}, ["Forest", "Boosting", "c"]),
        ({"a": "Forest", "b": "Forest", "c": "Linear"}, ["Forest (a)", "Forest (b)", "Linear"]),
        ({"a": "c", "b": "", "c": "c"}, ["c (a)", "b", "c"]),
    ],
    ids=["ids", "names", "same-name-shows-ids", "name-equal-to-an-id"],
)
def test_column_labels(names: dict[str, str] | None, labels: list[str]) -> None:
    [table] = compare_models(record_of({"a": CLF_A, "b": CLF_B, "c": CLF_C}), names)
    assert [c["label"] for c in table["columns"]] == labels


def flow_with_labels(labels: dict[str, str]) -> Flow:
    doc: dict[str, Any] = fixture_flow("wine_boosting")
    for node in doc["nodes"]:
        node["label"] = labels.get(node["id"], "")
    return Flow.model_validate(doc)


@pytest.mark.parametrize(
    ("labels", "eval_boost", "eval_logreg"),
    [
        ({}, "Gradient boosting", "Logistic regression"),
        ({"boost": "Boosted trees"}, "Boosted trees", "Logistic regression"),
        ({"eval_boost": "Score A", "boost": "Boosted trees"}, "Score A", "Logistic regression"),
    ],
    ids=["block-titles", "model-label", "own-label-first"],
)
def test_model_names_follow_the_trained_model(
    labels: dict[str, str], eval_boost: str, eval_logreg: str
) -> None:
    names = model_names(flow_with_labels(labels))
    assert (names["eval_boost"], names["eval_logreg"]) == (eval_boost, eval_logreg)
    assert names["split"] == "split"  # no trained model upstream: its id


def test_a_comparison_flow_names_its_columns_after_its_models() -> None:
    flow = flow_with_labels({})
    record = record_of({"load": {}, "eval_boost": CLF_B, "eval_logreg": CLF_A})
    [table] = compare_models(record, model_names(flow))
    assert [(c["node"], c["label"], c["best"]) for c in table["columns"]] == [
        ("eval_boost", "Gradient boosting", True),
        ("eval_logreg", "Logistic regression", False),
    ]

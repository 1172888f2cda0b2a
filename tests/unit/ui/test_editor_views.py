"""The editor panels' data, computed from real flows, checks and run records."""

from __future__ import annotations

import pytest

from designer.flow.document import Flow
from designer.flow.edit import apply_edit
from designer.flow.validate import check_flow
from designer.runs.record import NodeRun, RunRecord, Status
from designer.ui.editor import views
from tests.fixtures.flow_files import fixture_flow


@pytest.fixture
def iris() -> Flow:
    return Flow.model_validate(fixture_flow("iris_classification"))


def test_properties_show_values_defaults_refs_and_ports(iris: Flow) -> None:
    panel = views.properties_view(iris, "split", check_flow(iris).diagnostics)
    fields = {f["name"]: f for f in panel["fields"]}
    assert fields["test_size"]["value"] == "0.3"
    assert fields["test_size"]["bounds"] == "0.05 to 0.95"
    assert fields["seed"]["kind"] == "reference"
    assert fields["seed"]["value"] == "flow parameter seed"
    assert fields["stratify"]["checked"] is True
    assert panel["inputs"] == [
        {"name": "data", "type": "Dataset", "color": "#2563eb", "link": "load.data"}
    ]
    assert {p["name"]: p["link"] for p in panel["outputs"]} == {
        "train": "train.train",
        "test": "evaluate.test",
    }


def test_a_bad_value_shows_on_its_field_and_blocks_the_run(iris: Flow) -> None:
    bad = apply_edit(iris, {"kind": "params", "node": "split", "params": {"test_size": 2}})
    check = check_flow(bad)
    fields = {
        f["name"]: f for f in views.properties_view(bad, "split", check.diagnostics)["fields"]
    }
    assert "0.95" in fields["test_size"]["error"]
    assert views.run_blocker(check.diagnostics).startswith("Fix first: split:")
    assert views.problems_by_node(check.diagnostics) == {"split": [fields["test_size"]["error"]]}


def test_the_panel_says_what_a_node_waits_for(iris: Flow) -> None:
    ordered = iris.model_copy(deep=True)
    ordered.node("evaluate").after = ["deploy", "load"]  # type: ignore[union-attr]
    assert views.properties_view(ordered, "evaluate", [])["after"] == "deploy, load"
    assert views.properties_view(iris, "evaluate", [])["after"] == ""


def test_unknown_node_has_no_panel(iris: Flow) -> None:
    assert views.properties_view(iris, "ghost", check_flow(iris).diagnostics) == {}


def test_diagnostics_list_errors_first() -> None:
    flow = Flow.model_validate(
        {
            "name": "x",
            "nodes": [
                {"id": "a", "block": "split.train_test"},
                {"id": "b", "block": "load.sklearn_dataset"},
            ],
        }
    )
    rows = views.diagnostics_view(check_flow(flow).diagnostics)
    severities = [r["severity"] for r in rows]
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert rows[0]["node"] == "a"


@pytest.mark.parametrize(
    ("started", "finished", "text"),
    [
        (None, None, ""),
        (0.0, 4.25, "4.2 s"),
        (0.0, 61.0, "1 min 01 s"),
        (0.0, 3600.0, "60 min 00 s"),
    ],
)
def test_duration(started: float | None, finished: float | None, text: str) -> None:
    assert views.duration(started, finished) == text


def test_node_run_view_keeps_the_end_of_a_long_log() -> None:
    record = RunRecord(
        run_id="r",
        flow_name="f",
        engine="local",
        nodes={
            "train": NodeRun(
                status=Status.FAILED,
                log="x" * 10_000 + "END",
                error="boom",
                started_at=1.0,
                finished_at=3.0,
            )
        },
    )
    view = views.node_run_view(record.to_dict(), "train")
    assert view["log"].endswith("END") and view["log_cut"]
    assert (view["status"], view["error"], view["duration"]) == ("failed", "boom", "2.0 s")
    assert views.run_failure(record) == "train: boom"
    assert views.node_run_view(record.to_dict(), "other") == {}


def test_run_panel_view_flattens_a_report() -> None:
    report = {
        "nodes": [
            {
                "node": "evaluate",
                "metrics": [{"label": "Accuracy", "text": "0.956"}],
                "confusion_matrix": {
                    "categories": ["a", "b"],
                    "rows": [[3, 1], [0, 4]],
                    "shares": [[0.75, 0.25], [0.0, 1.0]],
                },
                "roc": {
                    "auc_text": "0.9",
                    "average": "binary",
                    "points": [{"fpr": 0.0, "tpr": 0.0, "threshold": 1.0}],
                },
                "residuals": None,
                "artifacts": [
                    {
                        "node": "evaluate",
                        "port": "metrics",
                        "type": "system.Metrics",
                        "size": None,
                        "downloadable": False,
                        "reason": "metrics only",
                    }
                ],
            }
        ]
    }
    view = views.run_panel_view(report)
    assert view["metrics"] == [{"node": "evaluate", "label": "Accuracy", "text": "0.956"}]
    cells = view["matrices"][0]["rows"][0]["cells"]
    assert [c["text"] for c in cells] == ["3", "1"] and cells[0]["dark"]
    assert view["rocs"][0]["points"] == [{"fpr": 0.0, "tpr": 0.0}]
    assert view["artifacts"][0]["type"] == "Metrics"

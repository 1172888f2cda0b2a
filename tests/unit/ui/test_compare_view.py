"""The "Compare models" table builds from a real comparison and carries the data-testids the
browser tests look for (the browser itself is the e2e suite's business)."""

from __future__ import annotations

import reflex as rx

from designer.runs.compare import compare_models
from designer.runs.record import NodeRun, RunRecord, Status
from designer.ui.editor import compare_view, run_panel


def rendered(component: rx.Component) -> str:
    return str(component.render())


def comparison_var() -> rx.Var:
    record = RunRecord(
        run_id="r1",
        flow_name="flow",
        engine="local",
        status=Status.SUCCEEDED,
        nodes={
            "eval_forest": NodeRun(Status.SUCCEEDED, metrics={"accuracy": 0.91, "f1": 0.88}),
            "eval_boost": NodeRun(Status.SUCCEEDED, metrics={"accuracy": 0.95, "f1": 0.86}),
        },
    )
    [table] = compare_models(record, {"eval_forest": "Random forest"})
    return rx.Var.create(dict(table))


def test_the_table_carries_its_test_ids_and_best_flags() -> None:
    markup = rendered(compare_view.compare_table(comparison_var()))
    for test_id in ("compare-table", "compare-column", "compare-best", "compare-cell"):
        assert f'"data-testid":"{test_id}"' in markup
    # data-best reads each cell's and column's own flag, as "true" or "false"
    assert markup.count('["best"] ? "true" : "false"') == 2
    assert "best by " in markup
    assert "compare-cell best" in markup
    for text in ("Random forest", "eval_boost", "Accuracy", "0.95"):
        assert text in markup


def test_the_run_tab_shows_the_comparison_above_the_node_details() -> None:
    markup = rendered(run_panel.run_panel())
    assert markup.index('"data-testid":"compare-table"') < markup.index('"data-testid":"node-run"')
    assert "Compare models" in markup


def test_the_table_is_styled_with_the_run_panel() -> None:
    assert ".compare-cell.best" in run_panel.STYLE

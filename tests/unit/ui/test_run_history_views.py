"""The run history's lines, an opened run's summary and the refusals of "Rerun from here",
computed without a browser."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from designer.flow.document import Flow
from designer.runs.record import NodeRun, RunRecord, Status
from designer.store.runs import RunSummary
from designer.ui.editor.rerun import rerun_refusal
from designer.ui.editor.run_history_views import (
    PARAMS_SHOWN,
    history_rows,
    node_run_detail,
    progress_text,
    run_markers,
)
from tests.fixtures.flow_files import fixture_flow

IRIS = Flow.model_validate(fixture_flow("iris_classification"))


def summary(**fields: Any) -> RunSummary:
    values: dict[str, Any] = {
        "id": "r1",
        "flow_id": "f",
        "flow_version": 2,
        "engine": "local",
        "status": Status.SUCCEEDED,
        "started_at": datetime(2026, 12, 6, 9, 30, tzinfo=UTC),
        "finished_at": None,
        "duration_s": 7.5,
        "headline_name": "accuracy",
        "headline_value": 0.95,
        "error": "",
        "started_by": "Ada",
        "node_count": 5,
        **fields,
    }
    return RunSummary(**values)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, {"who": "Ada", "params": "", "cached": "", "rerun_from": "", "no_cache": False}),
        (
            {"arguments": {"seed": 3, "dataset": "iris", "scale": True}},
            {"params": "dataset=iris, scale=true, seed=3"},
        ),
        (
            {"rerun_from": "train", "cached_nodes": 3},
            {"rerun_from": "train", "cached": "cached 3 of 5"},
        ),
        ({"cache": False}, {"no_cache": True}),
        ({"started_by": "", "schedule_id": "s1"}, {"who": "a schedule", "scheduled": True}),
        ({"started_by": ""}, {"who": "someone before accounts"}),
    ],
)
def test_a_history_line_says_who_with_what_and_how(
    fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    [row] = history_rows([summary(**fields)])
    assert {key: row[key] for key in expected} == expected
    assert row["version"] == 2 and row["headline"] == "accuracy 0.950"


def test_long_parameter_values_are_cut_on_the_line_and_whole_in_the_tooltip() -> None:
    arguments = {"note": "x" * 80, "seed": 3}
    [row] = history_rows([summary(arguments=arguments, rerun_from="train", cached_nodes=2)])
    assert len(row["params"]) == PARAMS_SHOWN and row["params"].endswith("…")
    assert f"note = {'x' * 80}\nseed = 3" in row["title"]
    assert "rerun from train" in row["title"] and "cached 2 of 5" in row["title"]
    assert "started by Ada" in row["title"]


def record(*statuses: Status, **fields: Any) -> RunRecord:
    nodes = {f"n{i}": NodeRun(status=s) for i, s in enumerate(statuses)}
    return RunRecord(run_id="r", flow_name="f", engine="local", nodes=nodes, **fields)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ((), ""),
        ((Status.SUCCEEDED, Status.RUNNING), "1 of 2 blocks done"),
        (
            (Status.CACHED, Status.CACHED, Status.SUCCEEDED, Status.FAILED),
            "3 of 4 blocks done (2 reused from earlier runs)",
        ),
    ],
)
def test_cached_blocks_count_as_done(statuses: tuple[Status, ...], expected: str) -> None:
    assert progress_text(record(*statuses)) == expected


def test_how_a_run_was_started_is_said() -> None:
    assert run_markers(record()) == []
    said = run_markers(record(rerun_from="train", cache=False))
    assert said[0].startswith("Rerun from train:") and said[1].startswith("Run without the cache")


def test_a_cached_node_names_the_run_it_reused() -> None:
    run = record(Status.CACHED, Status.SUCCEEDED)
    run.nodes["n0"].cached_from = "earlier"
    assert node_run_detail(run.to_dict(), "n0")["cached_from"] == "earlier"
    assert node_run_detail(run.to_dict(), "n1")["cached_from"] == ""
    assert node_run_detail(run.to_dict(), "gone") == {}


@pytest.mark.parametrize(
    ("running", "mode", "run_id", "flow", "node", "blocker", "said"),
    [
        (False, "flow", "r1", IRIS, "train", "", ""),
        (False, "run", "r1", IRIS, "train", "", ""),
        (True, "flow", "r1", IRIS, "train", "", "A run is already going"),
        (False, "version", "r1", IRIS, "train", "", "Go back to the latest version"),
        (False, "link", "r1", IRIS, "train", "", "cannot rerun it"),
        (False, "template", "r1", IRIS, "train", "", "Use this template"),
        (False, "flow", "", IRIS, "train", "", "press Run first"),
        (False, "flow", "r1", None, "train", "", "not open yet"),
        (False, "flow", "r1", IRIS, "gone", "", "The block 'gone' is no longer in this flow"),
        (False, "flow", "r1", IRIS, "train", "Fix 1 problem", "Fix 1 problem"),
    ],
)
def test_a_rerun_is_refused_with_the_reason(
    running: bool,
    mode: str,
    run_id: str,
    flow: Flow | None,
    node: str,
    blocker: str,
    said: str,
) -> None:
    refused = rerun_refusal(running, mode, run_id, flow, node, blocker)
    if said:
        assert said in refused
    else:
        assert refused == ""

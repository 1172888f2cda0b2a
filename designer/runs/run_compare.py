"""Runs side by side: what differs between two to eight runs, and which did better.

Kubeflow's "Compare runs" page and MLflow's run comparison are the model: the run parameters
that differ, each evaluating node's metrics with the better value marked, the confusion
matrices next to each other, and what changed in the flow between one run and the next.

Nodes are matched by id across runs, also across runs of different flows (a copied flow keeps
its ids). Which way a metric is better comes from ``designer.runs.compare.METRIC_RULES``, the
numbers and confusion matrices from ``designer.runs.report``, the flow changes from
``designer.flow.diff``: this module only lines them up. The result is plain JSON-able data
(``RunComparison.to_dict``), served by the REST API and drawn by the compare page.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal, TypedDict

from designer.flow.diff import diff_flows
from designer.flow.document import Flow
from designer.runs.compare import (
    METRIC_RULES,
    Better,
    mark_best,
    model_names,
    scored_metrics,
)
from designer.runs.record import RunRecord
from designer.runs.report import ConfusionMatrix, Number, as_number, metric_label, run_report
from designer.runs.run_values import (
    ValueRow,
    node_setting_rows,
    parameter_rows,
    run_setting_rows,
)

MIN_RUNS = 2
MAX_RUNS = 8
Mark = Literal["added", "changed"]


class CompareRunsError(ValueError):
    """The runs asked for cannot be compared (too few, too many, one picked twice)."""


@dataclass(frozen=True)
class RunSide:
    """One run to compare: its record, the flow version it ran, and what to call it."""

    record: RunRecord
    flow: Flow
    label: str
    #: The flow and version the run ran, when known (links on the page and in the REST reply).
    flow_id: str = ""
    version: int = 0


class RunColumn(TypedDict):
    run_id: str
    label: str
    flow_id: str
    version: int
    flow_name: str
    status: str
    engine: str
    started_at: float | None


class MetricCell(Number):
    run: str
    best: bool


class MetricRow(TypedDict):
    name: str
    label: str
    better: Better
    cells: list[MetricCell]


class NodeMetrics(TypedDict):
    node: str
    label: str
    rows: list[MetricRow]


class RunMatrix(TypedDict):
    run: str
    label: str
    #: None when this run's node drew none (it failed, or the node is not in its flow).
    matrix: ConfusionMatrix | None


class NodeMatrices(TypedDict):
    node: str
    label: str
    runs: list[RunMatrix]


class FlowStep(TypedDict):
    """What changed in the flow from one run to the next."""

    from_run: str
    to_run: str
    from_label: str
    to_label: str
    same: bool
    added: list[str]
    removed: list[str]
    changed: list[str]
    lines: list[str]


class CanvasMarks(TypedDict):
    """The last run's flow drawn with what changed since the first run marked on it."""

    run: str
    marks: dict[str, Mark]
    #: Names of the blocks the first run had and the last one has not (not on its canvas).
    removed: list[str]


@dataclass(frozen=True)
class RunComparison:
    runs: list[RunColumn]
    parameters: list[ValueRow]
    settings: list[ValueRow]
    metrics: list[NodeMetrics]
    matrices: list[NodeMatrices]
    steps: list[FlowStep]
    canvas: CanvasMarks

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (``json.dumps`` takes it as is)."""
        return asdict(self)


def check_run_count(count: int) -> None:
    """Raise ``CompareRunsError`` unless ``count`` runs can be compared."""
    if count < MIN_RUNS:
        picked = "none" if count == 0 else f"only {count}"
        raise CompareRunsError(f"pick at least {MIN_RUNS} runs to compare; you picked {picked}")
    if count > MAX_RUNS:
        raise CompareRunsError(
            f"pick at most {MAX_RUNS} runs to compare; you picked {count}: side by side, "
            "more would not fit the page"
        )


def compare_runs(runs: list[RunSide]) -> RunComparison:
    """The runs side by side, in the order given (the store's loader gives oldest first)."""
    check_run_count(len(runs))
    seen: set[str] = set()
    for side in runs:
        if side.record.run_id in seen:
            raise CompareRunsError(f"run {side.record.run_id!r} is picked twice")
        seen.add(side.record.run_id)
    return RunComparison(
        runs=[_column(side) for side in runs],
        parameters=parameter_rows(runs),
        settings=run_setting_rows(runs) + node_setting_rows(runs),
        metrics=_metrics(runs),
        matrices=_matrices(runs),
        steps=[_step(old, new) for old, new in itertools.pairwise(runs)],
        canvas=_canvas(runs[0], runs[-1]),
    )


def _column(side: RunSide) -> RunColumn:
    record = side.record
    return {
        "run_id": record.run_id,
        "label": side.label,
        "flow_id": side.flow_id,
        "version": side.version,
        "flow_name": record.flow_name,
        "status": str(record.status),
        "engine": record.engine,
        "started_at": record.started_at,
    }


# -- metrics and confusion matrices --------------------------------------------------------


def _metrics(runs: list[RunSide]) -> list[NodeMetrics]:
    """One table per evaluating node: its metrics as rows, the runs as columns."""
    scores = [{n: scored_metrics(node) for n, node in side.record.nodes.items()} for side in runs]
    names = _names(runs)
    tables: list[NodeMetrics] = []
    for node_id in _first_seen(n for side in scores for n, found in side.items() if found):
        per_run = [side.get(node_id, {}) for side in scores]
        metrics = _first_seen(name for found in per_run for name in found)
        known = [name for name in METRIC_RULES if name in metrics]
        ordered = known + [name for name in metrics if name not in METRIC_RULES]
        rows = [_metric_row(runs, name, [found.get(name) for found in per_run]) for name in ordered]
        tables.append({"node": node_id, "label": names.get(node_id, node_id), "rows": rows})
    return tables


def _metric_row(runs: list[RunSide], name: str, values: list[float | None]) -> MetricRow:
    cells: list[MetricCell] = [
        {"run": side.record.run_id, "best": False, **as_number(value)}
        for side, value in zip(runs, values, strict=True)
    ]
    return {
        "name": name,
        "label": metric_label(name),
        "better": mark_best(name, cells),
        "cells": cells,
    }


def _matrices(runs: list[RunSide]) -> list[NodeMatrices]:
    drawn: list[dict[str, ConfusionMatrix]] = []
    for side in runs:
        report = run_report(side.record)
        drawn.append({n["node"]: m for n in report["nodes"] if (m := n["confusion_matrix"])})
    names = _names(runs)
    return [
        {
            "node": node_id,
            "label": names.get(node_id, node_id),
            "runs": [
                {"run": side.record.run_id, "label": side.label, "matrix": found.get(node_id)}
                for side, found in zip(runs, drawn, strict=True)
            ],
        }
        for node_id in _first_seen(n for found in drawn for n in found)
    ]


def _names(runs: list[RunSide]) -> dict[str, str]:
    """What each node is called, the latest run's flow having the last word."""
    names: dict[str, str] = {}
    for side in runs:
        names |= model_names(side.flow)
    return names


# -- the flow's changes --------------------------------------------------------------------


def _step(old: RunSide, new: RunSide) -> FlowStep:
    diff = diff_flows(old.flow, new.flow)
    return {
        "from_run": old.record.run_id,
        "to_run": new.record.run_id,
        "from_label": old.label,
        "to_label": new.label,
        "same": diff.is_empty,
        "added": [node.id for node in diff.nodes_added],
        "removed": [node.id for node in diff.nodes_removed],
        "changed": [change.id for change in diff.nodes_changed],
        "lines": diff.lines(),
    }


def _canvas(first: RunSide, last: RunSide) -> CanvasMarks:
    diff = diff_flows(first.flow, last.flow)
    marks: dict[str, Mark] = {node.id: "added" for node in diff.nodes_added}
    marks |= {change.id: "changed" for change in diff.nodes_changed}
    return {
        "run": last.record.run_id,
        "marks": marks,
        "removed": [node.name for node in diff.nodes_removed],
    }


def _first_seen(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))

"""Models side by side: the scores of every evaluating node of one run in one table.

A model-comparison flow trains two or three models on the same split and evaluates each. This
lines their metrics up, one column per evaluating node and one row per metric they share, marks
the best value of each row and names an overall winner by the headline metric. Classifiers and
regressors are never ranked against each other: each kind gets its own table.

Built on the run report's numbers (same formatting, same headline order) and, like it, plain
JSON-able data, so the CLI or a REST endpoint can serve it as the run panel does.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypedDict, TypeVar

from blocks.catalogue import get_block
from designer.flow.document import Flow
from designer.runs.record import NodeRun, RunRecord, Status
from designer.runs.report import (
    HEADLINE_METRICS,
    RESIDUAL_PREFIX,
    Number,
    as_number,
    metric_label,
)

CLASSIFICATION = "classification"
REGRESSION = "regression"
#: Which way a row's best value lies; "" for a metric not in METRIC_RULES.
Better = Literal["higher", "lower", ""]
#: A table cell holding a number: a model's here, a run's in ``designer.runs.run_compare``.
Cell = TypeVar("Cell", bound=Number)


@dataclass(frozen=True)
class MetricRule:
    kind: str
    higher_is_better: bool


#: What each metric scores and which way is better: the one place that rule lives. Errors and
#: losses are better low. A metric not listed is still lined up but never marked best, since a
#: guessed direction could crown the worst model. Rows follow this order.
METRIC_RULES: dict[str, MetricRule] = {
    "accuracy": MetricRule(CLASSIFICATION, higher_is_better=True),
    "precision": MetricRule(CLASSIFICATION, higher_is_better=True),
    "recall": MetricRule(CLASSIFICATION, higher_is_better=True),
    "f1": MetricRule(CLASSIFICATION, higher_is_better=True),
    "roc_auc": MetricRule(CLASSIFICATION, higher_is_better=True),
    "log_loss": MetricRule(CLASSIFICATION, higher_is_better=False),
    "rmse": MetricRule(REGRESSION, higher_is_better=False),
    "mse": MetricRule(REGRESSION, higher_is_better=False),
    "mae": MetricRule(REGRESSION, higher_is_better=False),
    "mape": MetricRule(REGRESSION, higher_is_better=False),
    "r2": MetricRule(REGRESSION, higher_is_better=True),
}


class CompareCell(Number):
    node: str
    #: The best value of its row (ties at the shown precision are all best; none is when the
    #: whole row ties, as nothing stands out).
    best: bool


class CompareRow(TypedDict):
    name: str
    label: str
    better: Better
    #: One per column, in column order; "n/a" where a model lacks the metric or it is NaN.
    cells: list[CompareCell]


class CompareColumn(TypedDict):
    node: str
    #: What people call the model: see ``model_names``; the node id when no name was given.
    label: str
    #: The overall winner (at most one column of a table).
    best: bool


class Comparison(TypedDict):
    kind: str
    #: The evaluating nodes, in the record's (flow) order.
    columns: list[CompareColumn]
    rows: list[CompareRow]
    #: The winning column's node, None when the headline metric ties at the top or is missing.
    best_node: str | None
    #: The headline metric that chose the winner ("" when there is none) and its label.
    best_by: str
    best_by_label: str


def compare_models(record: RunRecord, names: Mapping[str, str] | None = None) -> list[Comparison]:
    """One table per kind of model (classification, regression) that two or more nodes of the
    run scored, in the order the kinds first appear; [] when nothing can be compared.

    ``names`` maps node ids to what the columns should say (``model_names`` of the flow); the
    record itself knows nodes only by id. Failed nodes and nodes without metrics are left out.
    """
    groups: dict[str, dict[str, Mapping[str, float]]] = {}
    for node_id, node in record.nodes.items():
        scores = scored_metrics(node)
        kind = _kind(scores)
        if kind is not None:
            groups.setdefault(kind, {})[node_id] = scores
    tables = [
        _comparison(kind, scored, names or {}) for kind, scored in groups.items() if len(scored) > 1
    ]
    return [table for table in tables if table["rows"]]


def model_names(flow: Flow) -> dict[str, str]:
    """What to call each node's column: its own label, else the label or block title of the
    trained model it scores ("Gradient boosting"), else its id."""
    by_id = {node.id: node for node in flow.nodes}
    trained: dict[str, str] = {}
    for edge in flow.edges:  # one pass: the panel names columns on every look at a live run
        source = by_id.get(edge.source)
        block = get_block(source.block) if source is not None else None
        if source is not None and block is not None and block.category == "train":
            trained.setdefault(edge.target, source.label or block.title)
    return {node.id: node.label or trained.get(node.id) or node.id for node in flow.nodes}


# -- building a table ----------------------------------------------------------------------


def scored_metrics(node: NodeRun) -> Mapping[str, float]:
    """The metrics a node's column can show: none for a failed node, whose numbers (if any)
    would not describe a finished evaluation; residual summaries describe one model only."""
    if node.status in (Status.FAILED, Status.CANCELLED):
        return {}
    return {k: v for k, v in node.metrics.items() if not k.startswith(RESIDUAL_PREFIX)}


def _kind(scores: Mapping[str, float]) -> str | None:
    """The kind most of the node's known, finite metrics belong to; None if it has none."""
    kinds = Counter(
        METRIC_RULES[name].kind
        for name, value in scores.items()
        if name in METRIC_RULES and _finite(value)
    )
    return kinds.most_common(1)[0][0] if kinds else None


def _comparison(
    kind: str, scored: Mapping[str, Mapping[str, float]], names: Mapping[str, str]
) -> Comparison:
    rows = [_row(name, scored) for name in _shared_metrics(scored)]
    best_by, best_node = _overall_best(rows)
    return {
        "kind": kind,
        "columns": [
            {"node": node, "label": label, "best": node == best_node}
            for node, label in _column_labels(list(scored), names).items()
        ],
        "rows": rows,
        "best_node": best_node,
        "best_by": best_by,
        "best_by_label": metric_label(best_by) if best_by else "",
    }


def _shared_metrics(scored: Mapping[str, Mapping[str, float]]) -> list[str]:
    """Metric names at least two columns hold a number for: known ones in METRIC_RULES order,
    then the others as first logged."""
    counts = Counter(
        name for scores in scored.values() for name, value in scores.items() if _finite(value)
    )
    shared = [name for name, count in counts.items() if count > 1]
    known = [name for name in METRIC_RULES if name in shared]
    return known + [name for name in shared if name not in METRIC_RULES]


def _row(name: str, scored: Mapping[str, Mapping[str, float]]) -> CompareRow:
    cells: list[CompareCell] = [
        {"node": node, "best": False, **as_number(scores.get(name))}
        for node, scores in scored.items()
    ]
    return {
        "name": name,
        "label": metric_label(name),
        "better": mark_best(name, cells),
        "cells": cells,
    }


def mark_best(name: str, cells: list[Cell]) -> Better:
    """Mark the best of ``cells`` (one metric's values, each with a ``best`` flag) by the
    metric's rule; which way is better ("" for a metric without a rule, nothing marked)."""
    rule = METRIC_RULES.get(name)
    if rule is None:
        return ""
    for cell in best_cells(cells, rule.higher_is_better):
        cell["best"] = True
    return "higher" if rule.higher_is_better else "lower"


def best_cells(cells: list[Cell], higher_is_better: bool) -> list[Cell]:
    """The cells holding the row's best value. Values that read the same in the table tie: a
    difference nobody can see is no win. Empty when every number ties."""
    numbers = [cell for cell in cells if cell["value"] is not None]
    if len(numbers) < 2:
        return []
    pick = max if higher_is_better else min
    top = pick(numbers, key=lambda cell: cell["value"] or 0.0)
    winners = [cell for cell in numbers if cell["text"] == top["text"]]
    return [] if len(winners) == len(numbers) else winners


def _overall_best(rows: list[CompareRow]) -> tuple[str, str | None]:
    """The headline metric of the table and the one column it ranks first, if exactly one."""
    by_name = {row["name"]: row for row in rows}
    name = next((n for n in HEADLINE_METRICS if n in by_name), "")
    if not name:
        return "", None
    winners = [cell["node"] for cell in by_name[name]["cells"] if cell["best"]]
    return (name, winners[0]) if len(winners) == 1 else ("", None)


def _column_labels(nodes: list[str], names: Mapping[str, str]) -> dict[str, str]:
    """Each column's name; two models of the same block would read alike, so those also show
    their node id."""
    labels = {node: names.get(node) or node for node in nodes}
    seen = Counter(labels.values())
    return {
        node: f"{label} ({node})" if seen[label] > 1 and label != node else label
        for node, label in labels.items()
    }


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)

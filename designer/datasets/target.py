"""Which column a person most likely wants to predict, and the task the load block will take.

The task comes from ``blocks.runtime.target_kind``, the rule the load block applies at run
time, given the same summary of the column (type, distinct count, smallest and largest value,
whether all are whole numbers, name) built from the profile instead of the values, so the
suggestion agrees without reading the column again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from blocks.runtime.target_kind import ColumnSummary, TargetKind, target_kind

if TYPE_CHECKING:
    from designer.datasets.profile import ColumnProfile

#: Whole names (lower case, runs of other characters as "_") that say "predict me", best first.
TARGET_NAMES = (
    "target",
    "label",
    "labels",
    "class",
    "y",
    "outcome",
    "species",
    "survived",
    "churn",
    "churned",
    "diagnosis",
    "quality",
    "default",
    "fraud",
    "is_fraud",
    "sentiment",
    "price",
    "saleprice",
    "sale_price",
    "median_house_value",
    "medv",
)
#: Words that make a longer name a target ("income_class", "target_value").
TARGET_WORDS = ("target", "label", "class", "outcome")
_ID_NAMES = ("id", "index", "uuid", "guid", "key", "row", "rowid", "row_id")


def _normal(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [word for word in re.split(r"[^0-9a-z]+", spaced.lower()) if word]


def _usable(column: ColumnProfile, rows: int) -> bool:
    present = rows - column.missing
    return present > 0 and column.type != "datetime" and column.distinct != 1


def named_like_id(name: str) -> bool:
    """Whether a column's name says it holds ids ("id", "Row ID", "customer_id"...)."""
    normal = _normal(name)
    return normal in _ID_NAMES or normal.endswith("_id")


def _id_like(column: ColumnProfile, rows: int) -> bool:
    if named_like_id(column.name):
        return True
    if column.type not in ("integer", "text"):
        return False
    return column.distinct is None or column.distinct == rows - column.missing


def suggest_target(columns: Sequence[ColumnProfile], rows: int) -> str | None:
    """A column named like a target, else the last column unless it is an id or constant."""
    ranked: list[tuple[int, int, str]] = []
    for position, column in enumerate(columns):
        if not _usable(column, rows):
            continue
        name = _normal(column.name)
        if name in TARGET_NAMES:
            ranked.append((TARGET_NAMES.index(name), -position, column.name))
        elif any(word in TARGET_WORDS for word in _words(column.name)):
            ranked.append((len(TARGET_NAMES), -position, column.name))
    if ranked:
        return min(ranked)[2]
    if not columns:
        return None
    last = columns[-1]
    if _usable(last, rows) and not _id_like(last, rows):
        return last.name
    return None


def suggest_task(column: ColumnProfile) -> str:
    """The task the load block picks for ``column`` as the target when Task is auto."""
    return suggest_kind(column).task


def suggest_kind(column: ColumnProfile) -> TargetKind:
    """That task and why, in words (``blocks.runtime.target_kind``)."""
    return target_kind(summary_of(column.name, column.type, column.distinct, column.stats))


def summary_of(
    name: str, kind: str, distinct: int | None, stats: Mapping[str, Any] | None
) -> ColumnSummary:
    """The rule's summary of a profiled column (also of a stored profile's column dict).

    Numbers carry their smallest and largest value and, in profiles made since it was
    recorded, whether they are all whole; older profiles leave it unknown.
    """
    if kind not in ("integer", "number"):
        return ColumnSummary(name, kind, distinct)
    stats = stats or {}
    whole = stats.get("whole")
    return ColumnSummary(
        name,
        kind,
        distinct,
        _finite_number(stats.get("min")),
        _finite_number(stats.get("max")),
        whole if isinstance(whole, bool) else None,
    )


def _finite_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None

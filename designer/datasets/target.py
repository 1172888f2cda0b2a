"""Which column a person most likely wants to predict, and the task the load block will take.

The task comes from ``blocks.runtime.tables.guess_task`` itself, the rule the load block applies
at run time, called on a small stand-in column with the profiled column's dtype and distinct
count (all that rule looks at), so the suggestion agrees without reading the column again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from blocks.runtime.tables import guess_task
from designer.datasets.stats import DISTINCT_CAP

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
    """What ``guess_task`` says of the whole column, from its type and distinct count."""
    return guess_task(stand_in(column.type, column.distinct))


def stand_in(kind: str, distinct: int | None) -> pd.Series:
    """A small column with the dtype pandas gives ``kind`` and ``distinct`` distinct values."""
    n = DISTINCT_CAP + 1 if distinct is None else distinct
    if kind == "integer":
        return pd.Series(np.arange(n, dtype="int64"))
    if kind == "number":
        return pd.Series(np.arange(n, dtype="float64") + 0.5)
    if kind == "boolean":
        return pd.Series([True, False][: min(n, 2)], dtype="bool")
    if kind == "datetime":
        return pd.Series(pd.date_range("2000-01-01", periods=n))
    return pd.Series([f"v{i}" for i in range(n)], dtype=object)

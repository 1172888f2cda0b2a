"""Statistics of one column, gathered chunk by chunk from the pandas frames of a chunked read.

A column's type is the one pandas gives it when it reads the whole file: chunks that disagree
combine as pandas combines them (integers and floats make floats, anything else makes text).
Counts of each value are kept exactly up to ``DISTINCT_CAP`` distinct values; they give the
distinct count, the most common value and, for numbers, the histogram without reading the file
again. Mean and spread are merged across chunks with Chan's formulas, which stay accurate where
a plain sum of squares would not.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from blocks.runtime.target_kind import kind_of

DISTINCT_CAP = 10_000
HISTOGRAM_BINS = 10
NUMERIC = ("integer", "number")
_NESTED = (np.ndarray, list, tuple, dict, set)


def merge_kinds(old: str | None, new: str) -> str:
    if old is None or old == new:
        return new
    if old in NUMERIC and new in NUMERIC:
        return "number"
    return "text"


def display(value: Any) -> str | None:
    """A cell as text for people; None when missing."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


class ColumnStats:
    """Everything kept about one column while its chunks go by."""

    def __init__(self) -> None:
        self.kind: str | None = None
        self.missing = 0
        #: value -> count, until more than DISTINCT_CAP distinct values are seen
        self.counts: dict[Any, int] | None = {}
        # finite numbers: count, mean, sum of squared deviations, extremes
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.low = math.inf
        self.high = -math.inf
        self.infinite = 0
        #: a finite number with a fraction was seen (integers never have one)
        self.fractions = False
        self.first: pd.Timestamp | None = None
        self.last: pd.Timestamp | None = None

    def add(self, values: pd.Series) -> None:
        kind = merge_kinds(self.kind, kind_of(values.dtype))
        if kind == "text" and self.kind not in (None, "text"):
            self._become_text()
        self.kind = kind
        self.missing += int(values.isna().sum())
        self._count(values)
        if kind in NUMERIC:
            self._add_numbers(values)
        elif kind == "datetime":
            low, high = values.min(), values.max()
            if not pd.isna(low):
                self.first = low if self.first is None else min(self.first, low)
                self.last = high if self.last is None else max(self.last, high)

    def _become_text(self) -> None:
        if self.counts is not None:
            texts: dict[Any, int] = {}
            for value, count in self.counts.items():
                key = value if type(value) is str else display(value)
                texts[key] = texts.get(key, 0) + count
            self.counts = texts

    def _count(self, values: pd.Series) -> None:
        if self.counts is None:
            return
        if values.dtype == object and any(isinstance(v, _NESTED) for v in values.head(100)):
            self.counts = None  # lists or records (nested Parquet types): slow or unhashable
            return
        try:
            found = values.value_counts(dropna=True, sort=False)
        except TypeError:  # unhashable cells further down
            self.counts = None
            return
        if len(found) > DISTINCT_CAP:
            self.counts = None
            return
        as_text = self.kind == "text"
        counts = self.counts
        for value, count in zip(found.index.tolist(), found.to_numpy().tolist(), strict=True):
            if count:  # categoricals list unused categories with 0
                key = display(value) if as_text and type(value) is not str else value
                counts[key] = counts.get(key, 0) + count
        if len(counts) > DISTINCT_CAP:
            self.counts = None

    def _add_numbers(self, values: pd.Series) -> None:
        array = values.to_numpy(dtype="float64", na_value=np.nan)
        finite = array[np.isfinite(array)]
        self.infinite += int(np.isinf(array).sum())
        n = int(finite.size)
        if not n:
            return
        with np.errstate(over="ignore", invalid="ignore"):  # huge values: see _finite
            mean = float(finite.mean())
            m2 = float(np.square(finite - mean).sum())
        total = self.n + n
        delta = mean - self.mean
        self.mean += delta * n / total
        self.m2 += m2 + delta * delta * self.n * n / total
        self.n = total
        self.low = min(self.low, float(finite.min()))
        self.high = max(self.high, float(finite.max()))
        if not self.fractions and self.kind == "number":
            self.fractions = bool(np.any(finite != np.floor(finite)))

    # --- results -------------------------------------------------------------------------------

    @property
    def distinct(self) -> int | None:
        return None if self.counts is None else len(self.counts)

    @property
    def needs_histogram_pass(self) -> bool:
        """Numbers whose values were too many to keep: their histogram needs a second read."""
        return self.kind in NUMERIC and self.counts is None and self.n > 0

    def stats(self) -> dict[str, float | str | None]:
        if self.kind in NUMERIC:
            found = self.n > 0
            std = math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else None
            result: dict[str, float | str | None] = {
                "min": self.low if found else None,
                "max": self.high if found else None,
                "mean": _finite(self.mean) if found else None,
                "std": _finite(std),
            }
            if self.infinite:
                result["infinite"] = self.infinite
            if found:  # whole numbers, even read as floats: what the target rule looks at
                result["whole"] = not self.fractions
            return result
        if self.kind == "datetime":
            return {
                "min": None if self.first is None else self.first.isoformat(),
                "max": None if self.last is None else self.last.isoformat(),
            }
        top, top_count = self._top()
        if self.kind == "boolean":
            counts = self.counts or {}
            return {
                "true": counts.get(True, 0),
                "false": counts.get(False, 0),
                "top": top,
                "top_count": top_count,
            }
        return {"top": top, "top_count": top_count}

    def _top(self) -> tuple[str | None, int | None]:
        if not self.counts:
            return None, None
        value, count = min(self.counts.items(), key=lambda item: (-item[1], str(item[0])))
        return display(value), count

    def histogram_edges(self) -> np.ndarray | None:
        """Ten equal bins from min to max; one bin per value for a few nearby integers."""
        if self.kind not in NUMERIC or not self.n:
            return None
        low, high = self.low, self.high
        if low == high:
            return np.array([low, high])
        if self.kind == "integer" and high - low < HISTOGRAM_BINS:
            return np.arange(low, high + 2, dtype="float64")
        # in halves, so that -1e308..1e308 does not overflow
        step = (high / 2 - low / 2) / HISTOGRAM_BINS
        edges = (low / 2 + step * np.arange(HISTOGRAM_BINS + 1, dtype="float64")) * 2
        edges[0], edges[-1] = low, high
        return np.maximum.accumulate(edges)  # never decreasing, whatever the rounding

    def histogram_from_counts(self) -> list[dict[str, float]]:
        edges = self.histogram_edges()
        if edges is None or self.counts is None:
            return []
        values = np.fromiter(self.counts.keys(), dtype="float64", count=len(self.counts))
        weights = np.fromiter(self.counts.values(), dtype="float64", count=len(self.counts))
        keep = np.isfinite(values)
        counts = bin_counts(values[keep], edges, weights[keep])
        return histogram(edges, counts)


def bin_counts(values: np.ndarray, edges: np.ndarray, weights: np.ndarray | None = None) -> Any:
    """How many finite ``values`` fall in each bin (the last bin includes its right edge)."""
    if len(edges) == 2 and edges[0] == edges[1]:
        total = weights.sum() if weights is not None else values.size
        return np.array([total])
    counts, _ = np.histogram(values, bins=edges, weights=weights)
    return counts


def histogram(edges: np.ndarray, counts: Any) -> list[dict[str, float]]:
    return [
        {"start": float(edges[i]), "end": float(edges[i + 1]), "count": int(counts[i])}
        for i in range(len(edges) - 1)
    ]


class HistogramPass:
    """Counts for a numeric column's bins, added chunk by chunk on a second read."""

    def __init__(self, edges: np.ndarray) -> None:
        self.edges = edges
        self.counts = np.zeros(len(edges) - 1, dtype="int64")

    def add(self, values: pd.Series) -> None:
        array = values.to_numpy(dtype="float64", na_value=np.nan)
        self.counts += bin_counts(array[np.isfinite(array)], self.edges).astype("int64")

    def result(self) -> list[dict[str, float]]:
        return histogram(self.edges, self.counts)


def _finite(value: float | None) -> float | None:
    """None for an overflowed mean or spread (JSON and databases take no inf or NaN)."""
    return value if value is not None and math.isfinite(value) else None

"""The one rule for "what is this target: categories or a number?", with the reason in words.

Every place that guesses a task applies it: the load blocks when Task is auto (at run time, from
the target column itself, and while the flow is drawn), the dataset library's likely target and
the tasks the Dataset block offers, and the guided start. They differ only in how they describe
a column (a pandas Series here, a dataset profile in the designer), both as a ``ColumnSummary``.

The rule, first match wins (thresholds chosen so that the common cases need no setting):

1. no values at all, one value only, text, true/false values or dates: classification
   (regression needs numbers; the guided start refuses empty, constant and date targets itself);
2. numbers with fractions (3.5, 19.99): regression, however few their values; categories are not
   written with fractions (half-star ratings are the rare exception: set Task by hand);
3. whole numbers (integers, or floats that are all whole, as a column of integers with an empty
   cell reads) with exactly 2 values, such as 0/1: classification;
4. whole numbers whose name says codes or classes (a word such as ``code``, ``class``,
   ``category``, ``label``, ``type``: ``CLASS_WORDS``) and at most ``MAX_NAMED_CLASSES`` (100)
   values: classification, since nobody averages zip or product codes;
5. whole numbers with at most ``MAX_CLASSES`` (20) values, such as a rating 1-5 or class codes
   0-9: classification, unless the name says an amount (a word such as ``count``, ``price``,
   ``age``, ``year``: ``AMOUNT_WORDS``; "pets_count" 0..4 is a count): regression;
6. more whole numbers (a count 0..977 with 245 values, years 1950..2020): regression.

Few whole numbers far apart (100, 250, 1000) stay categories by step 5: such a column is rare
as a target and ambiguous; Task set by hand in the load block overrules the rule.

A number column whose wholeness is unknown (a dataset profiled before the profile recorded it)
counts as whole unless its smallest or largest value has a fraction, which is how the rule read
such columns before (few values: categories, many: a number).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

TASKS = ("classification", "regression")
KINDS = ("integer", "number", "boolean", "text", "datetime")
#: Whole numbers with more different values than this are counts, amounts or years.
MAX_CLASSES = 20
#: Whole numbers named like codes or classes are categories up to this many different values.
MAX_NAMED_CLASSES = 100
#: Different values are counted exactly up to this many (as in a dataset's profile).
DISTINCT_CAP = 10_000
#: Words in a column's name that say its whole numbers are codes or classes.
CLASS_WORDS = frozenset(
    {
        "code",
        "codes",
        "class",
        "classes",
        "category",
        "categories",
        "label",
        "labels",
        "type",
        "kind",
        "group",
        "cluster",
        "segment",
    }
)
#: Words in a column's name that say its whole numbers are an amount, however few they are.
AMOUNT_WORDS = frozenset(
    {"count", "amount", "total", "price", "cost", "age", "year", "years", "quantity", "qty"}
)
_SPELLED = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True)
class ColumnSummary:
    """What the rule looks at in a column: never its values themselves."""

    name: str
    #: "integer", "number", "boolean", "text" or "datetime"
    kind: str
    #: different non-missing values; None when more than DISTINCT_CAP
    distinct: int | None
    #: numbers only: the smallest and largest finite value (None when unknown or none)
    low: float | None = None
    high: float | None = None
    #: numbers only: every finite value is a whole number; None when unknown
    whole: bool | None = None


@dataclass(frozen=True)
class TargetKind:
    """The task "auto" picks for a target and why."""

    task: str
    #: What the column holds that decides it, to follow "holds": "five whole numbers from 1 to
    #: 5, like a rating or a class code". Messages quote it after the task.
    holds: str
    #: The whole reason as one sentence for people.
    reason: str


def target_kind(column: ColumnSummary) -> TargetKind:
    """Classification or regression for ``column`` as the target, and why (see module doc)."""
    name, count = column.name, column.distinct
    if count == 0:
        return _kind(name, "classification", "no values at all")
    if column.kind == "boolean":
        return _kind(name, "classification", "true/false values")
    if column.kind == "datetime":
        return _kind(name, "classification", "dates")
    if column.kind not in ("integer", "number"):
        return _kind(name, "classification", f"text with {_values(count)}")
    if count == 1:
        return _kind(name, "classification", f"one number only ({_number(column.low)})")
    whole = _whole(column)
    numbers = "whole numbers" if whole else "numbers"
    span = _span(column)
    if whole is False:
        return _kind(
            name,
            "regression",
            f"numbers with fractions{span}, like an amount or a measurement",
        )
    if count == 2:
        pair = "" if column.low is None else f", {_number(column.low)} and {_number(column.high)}"
        return _kind(name, "classification", f"two {numbers}{pair}, like a yes/no answer")
    words = _words(name)
    if words & CLASS_WORDS and count is not None and count <= MAX_NAMED_CLASSES:
        return _kind(
            name,
            "classification",
            f"{_different(count)} {numbers}{span}, and its name says they are codes or classes",
        )
    if count is not None and count <= MAX_CLASSES:
        if words & AMOUNT_WORDS:
            return _kind(
                name,
                "regression",
                f"{_different(count)} {numbers}{span}, and its name says it is a count or an "
                "amount",
            )
        return _kind(
            name, "classification", f"{_few(count)} {numbers}{span}, like a rating or a class code"
        )
    return _kind(
        name,
        "regression",
        f"{_different(count)} {numbers}{span}, like a count, an amount or a year",
    )


def summarize(values: pd.Series, name: str | None = None) -> ColumnSummary:
    """The summary of a whole column as a block reads it (``name`` defaults to the Series')."""
    kind = kind_of(values.dtype)
    label = str(values.name if name is None else name)
    try:
        distinct: int | None = int(values.nunique(dropna=True))
    except TypeError:  # unhashable cells (lists from nested Parquet types)
        distinct = None
    if distinct is not None and distinct > DISTINCT_CAP:
        distinct = None
    if kind not in ("integer", "number"):
        return ColumnSummary(label, kind, distinct)
    array = values.to_numpy(dtype="float64", na_value=np.nan)
    finite = array[np.isfinite(array)]
    if not finite.size:
        return ColumnSummary(label, kind, distinct, whole=kind == "integer" or None)
    whole = kind == "integer" or bool(np.all(finite == np.floor(finite)))
    return ColumnSummary(label, kind, distinct, float(finite.min()), float(finite.max()), whole)


def kind_of(dtype: object) -> str:
    """ "integer", "number", "boolean", "datetime" or "text" for a pandas dtype."""
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "text"


def _kind(name: str, task: str, holds: str) -> TargetKind:
    then = (
        "the model will predict a number: regression"
        if task == "regression"
        else "the model will predict which of them a row has: classification"
    )
    return TargetKind(task, holds, f"“{name}” holds {holds}, so {then}.")


def _whole(column: ColumnSummary) -> bool | None:
    """Whether the numbers are whole; unknown counts as whole unless an extreme has a fraction."""
    if column.kind == "integer":
        return True
    if column.whole is not None:
        return column.whole
    for value in (column.low, column.high):
        if value is not None and math.isfinite(value) and value != math.floor(value):
            return False
    return None


def _words(name: str) -> set[str]:
    """The words of a column name: "ZoneCode", "zone_code" and "zone code" give zone, code."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return {word for word in re.split(r"[^0-9a-z]+", spaced.lower()) if word}


def _number(value: float | None) -> str:
    """A value as people write it: 1950 (no separator in a year), 12,000, 19.99."""
    if value is None:
        return "?"
    if not math.isfinite(value):
        return str(value)
    if value == math.floor(value) and abs(value) < 1e15:
        whole = int(value)
        return f"{whole:,}" if abs(whole) >= 10_000 else str(whole)
    return f"{value:,.6g}"


def _span(column: ColumnSummary) -> str:
    if column.low is None or column.high is None:
        return ""
    return f" from {_number(column.low)} to {_number(column.high)}"


def _few(count: int) -> str:
    """Three, ten, 14: small counts in words, as people say them."""
    return _SPELLED[count] if count < len(_SPELLED) else f"{count:,}"


def _different(count: int | None) -> str:
    if count is None:
        return f"more than {DISTINCT_CAP:,} different"
    return f"{_few(count)} different"


def _values(count: int | None) -> str:
    if count == 1:
        return "one value"
    return f"{_different(count)} values"

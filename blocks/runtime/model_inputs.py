"""What a deployed model takes as input: its feature columns, their kinds and example values.

A model is registered from its fitted files alone (the training rows are long gone), so what is
known about each column is read from the fitted objects: the Prepare columns preprocessor knows
which columns hold numbers and which text, and its imputers and scalers remember typical
values; a tree ensemble's split thresholds lie inside the range of the data it learned from.
The same descriptions turn rows sent by people (JSON objects, or a form's text) into a table of
the right types, refusing what cannot be used with a message naming the row and column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

NUMBER, TEXT, UNKNOWN = "number", "text", "unknown"
#: At most this many known categories of a text column are kept as its choices.
MAX_CHOICES = 50
#: Enough trees to find typical split values; a forest of thousands need not be read whole.
MAX_TREES = 200
#: Value problems listed in one error: enough to fix a batch, short enough to read.
MAX_PROBLEMS = 5
#: Column names listed in one error; a script sending thousands gets the first few.
MAX_LISTED = 20
#: Values never seen in training reported for one call, and known values named in each note.
MAX_UNSEEN = 20
MAX_KNOWN_SHOWN = 10

Feature = dict[str, Any]


class RowsProblem(ValueError):
    """Rows that do not fit a model: missing or unknown columns, or values of the wrong kind."""

    def __init__(
        self,
        who: str,
        expected: Sequence[str],
        missing: Sequence[str] = (),
        unknown: Sequence[str] = (),
        values: Sequence[dict[str, Any]] = (),
        lacking: int | None = None,
    ) -> None:
        self.expected, self.missing = list(expected), list(missing)
        self.unknown = list(unknown)[:MAX_LISTED]
        self.values = list(values)
        parts = []
        if missing:
            where = f" (row {lacking} is the first without {missing[0]!r})" if lacking else ""
            parts.append(f"missing column(s) {_names(missing)}{where}")
        if unknown:
            parts.append(f"unknown column(s) {_names(unknown)}")
        parts.extend(f"row {v['row']}, column {v['column']!r}: {v['message']}" for v in values)
        super().__init__(
            f"the rows do not fit {who}: {'; '.join(parts)}; "
            f"it expects the columns {', '.join(self.expected) or '(any)'}"
        )


def describe_features(
    model: Any, preprocessor: Any | None, columns: Sequence[str]
) -> list[Feature]:
    """``[{"name", "type", "example", "choices"?}]`` for each column the model is sent.

    A description is a convenience: objects it cannot read leave the columns' kind unknown.
    """
    columns = [str(c) for c in columns]
    try:
        if preprocessor is not None:
            known = _from_preprocessor(preprocessor)
            return [known.get(c) or _bare(c) for c in columns]
        # Without a preprocessor the trainers take numbers only (training.feature_matrix).
        examples = _model_examples(model, len(columns))
    except Exception:  # fitted objects of another shape than the catalogue's
        return [_bare(c) for c in columns]
    return [
        {"name": c, "type": NUMBER, "example": e} for c, e in zip(columns, examples, strict=True)
    ]


def features_of(info: Mapping[str, Any]) -> list[Feature]:
    """A registration's features; registrations older than the descriptions get bare names."""
    described = info.get("features")
    if isinstance(described, list):
        return described
    return [_bare(str(c)) for c in info.get("feature_columns", [])]


def _bare(column: str) -> Feature:
    return {"name": column, "type": UNKNOWN, "example": None}


def rows_frame(
    features: Sequence[Feature], rows: Sequence[Mapping[str, Any]], who: str
) -> pd.DataFrame:
    """``rows`` as a table in the model's column order, each value converted to its column's kind.

    Numbers may come as text ("5.1", as a form sends them); an empty cell is missing (NaN),
    left for the preprocessor to fill. With no known columns the rows pass as they are.
    """
    expected = [str(f["name"]) for f in features]
    if not expected:
        return pd.DataFrame.from_records([dict(row) for row in rows])
    sent = list(dict.fromkeys(str(key) for row in rows for key in row))
    missing = [c for c in expected if any(c not in row for row in rows)]
    unknown = [c for c in sent if c not in expected]
    if missing or unknown:
        raise RowsProblem(who, expected, missing, unknown, lacking=_first_lacking(rows, missing))
    kinds = {str(f["name"]): f.get("type", UNKNOWN) for f in features}
    problems: list[dict[str, Any]] = []
    records = []
    for index, row in enumerate(rows, start=1):
        record = {}
        for column in expected:
            try:
                record[column] = _convert(row[column], kinds[column])
            except ValueError as exc:
                problems.append({"row": index, "column": column, "message": str(exc)})
                record[column] = None
        records.append(record)
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise RowsProblem(who, expected, values=problems[:MAX_PROBLEMS])
    frame = pd.DataFrame.from_records(records, columns=expected)
    for column in expected:
        if kinds[column] == NUMBER:
            frame[column] = frame[column].astype("float64")
    return frame


def unseen_values(
    features: Sequence[Feature], frame: pd.DataFrame, preprocessor: Any | None = None
) -> list[dict[str, Any]]:
    """Text values of ``frame`` that no training row held, in row order (at most MAX_UNSEEN):
    ``{"row", "column", "value", "known", "known_count", "note"}``, ``known`` trimmed.

    The model still answers for such a row (Prepare columns' one-hot encoding reads an unknown
    value as none of the known ones), but the person should know its answer rests on less.
    The known values come from the fitted preprocessor when there is one (all of them), else
    from the registration's choices when those were kept whole.
    """
    known = _known_categories(preprocessor)
    for feature in features:
        choices = feature.get("choices")
        name = str(feature["name"])
        if name not in known and isinstance(choices, list) and len(choices) < MAX_CHOICES:
            known[name] = [str(c) for c in choices]
    found: list[dict[str, Any]] = []
    for column, values in known.items():
        if column not in frame.columns or not values:
            continue
        allowed = set(values)
        for row, value in enumerate(frame[column].tolist(), start=1):
            if _missing(value) or str(value) in allowed:
                continue
            found.append(_unseen(row, column, str(value), values, several=len(frame) > 1))
    found.sort(key=lambda entry: (entry["row"], entry["column"]))
    return found[:MAX_UNSEEN]


def _unseen(
    row: int, column: str, value: str, known: list[str], *, several: bool
) -> dict[str, Any]:
    shown = known[:MAX_KNOWN_SHOWN]
    listed = ", ".join(shown) + (
        f" and {len(known) - len(shown)} more" if known[len(shown) :] else ""
    )
    where = f"row {row}, {column}" if several else column
    return {
        "row": row,
        "column": column,
        "value": value,
        "known": shown,
        "known_count": len(known),
        "note": (
            f"{where}: {_shown(value)} was not seen in training, so the model treats it as none "
            f"of the values it knows ({listed}); its answer rests on the other columns"
        ),
    }


def _known_categories(preprocessor: Any | None) -> dict[str, list[str]]:
    """Every value each one-hot encoded text column learned, from a fitted Prepare columns."""
    known: dict[str, list[str]] = {}
    try:
        for part, transformer, columns in getattr(preprocessor, "transformers_", []):
            encoder = dict(getattr(transformer, "steps", [])).get("one_hot")
            if part != "text" or encoder is None or not hasattr(encoder, "categories_"):
                continue
            for column, categories in zip(columns, encoder.categories_, strict=True):
                known[str(column)] = [str(c) for c in categories if not _missing(c)]
    except (TypeError, ValueError):  # fitted objects of another shape than the catalogue's
        return {}
    return known


def _first_lacking(rows: Sequence[Mapping[str, Any]], missing: Sequence[str]) -> int | None:
    """Which row lacks the first missing column, when some rows have it (else None)."""
    if not missing:
        return None
    lacking = [number for number, row in enumerate(rows, start=1) if missing[0] not in row]
    return lacking[0] if len(lacking) < len(rows) else None


def _convert(value: Any, kind: str) -> Any:
    if isinstance(value, dict | list):
        raise ValueError(
            f"expected a single value, found {'an object' if isinstance(value, dict) else 'a list'}"
        )
    if kind == NUMBER:
        return _number(value)
    if kind == TEXT:
        return None if value is None else str(value)
    if isinstance(value, str):  # an older registration: a number if it reads as one
        try:
            return _number(value)
        except ValueError:
            return value
    return value


def _number(value: Any) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    if isinstance(value, bool):
        return float(value)
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"expected a number, found {_shown(value)}") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, found {_shown(value)}")
    return number


def _from_preprocessor(preprocessor: Any) -> dict[str, Feature]:
    """Column descriptions from a fitted Prepare columns ``ColumnTransformer``.

    Its parts are named "numbers" and "text" (``preparation.build_preprocessor``); a part of
    another name is someone else's design, and its columns stay of unknown kind.
    """
    found: dict[str, Feature] = {}
    for part, transformer, columns in getattr(preprocessor, "transformers_", []):
        if part not in ("numbers", "text") or not isinstance(columns, list | tuple | np.ndarray):
            continue
        steps = dict(getattr(transformer, "steps", []))
        for position, column in enumerate(map(str, columns)):
            if part == "numbers":
                found[column] = {
                    "name": column,
                    "type": NUMBER,
                    "example": _number_example(steps, position),
                }
            else:
                found[column] = _text_feature(column, steps, position)
    return found


def _number_example(steps: Mapping[str, Any], position: int) -> float | None:
    """The imputer's fill value (median or mean) or the scaler's centre: a typical value."""
    impute, scale = steps.get("impute"), steps.get("scale")
    if impute is not None and hasattr(impute, "statistics_"):
        return _round(impute.statistics_[position])
    if scale is not None and hasattr(scale, "mean_"):
        return _round(scale.mean_[position])
    if scale is not None and hasattr(scale, "data_min_"):
        return _round((scale.data_min_[position] + scale.data_max_[position]) / 2)
    return None


def _text_feature(column: str, steps: Mapping[str, Any], position: int) -> Feature:
    feature: Feature = {"name": column, "type": TEXT, "example": None}
    encoder, impute = steps.get("one_hot"), steps.get("impute")
    if encoder is not None and hasattr(encoder, "categories_"):
        choices = [str(c) for c in encoder.categories_[position] if not _missing(c)]
        feature["choices"] = choices[:MAX_CHOICES]
        feature["example"] = choices[0] if choices else None
    if impute is not None and hasattr(impute, "statistics_"):
        feature["example"] = str(impute.statistics_[position])  # the most frequent value
    return feature


def _model_examples(model: Any, count: int) -> list[float | None]:
    """Per feature, a value the model saw: the centre of a clustering's groups, or the median
    split threshold of a tree model (None for models that keep neither).

    Thresholds sit between two training values, so their median is a value the feature really
    takes, and one the model pays attention to.
    """
    centres = getattr(model, "cluster_centers_", None)
    if centres is not None and np.shape(centres)[-1] == count:
        return [_round(value) for value in np.mean(centres, axis=0)]
    trees = [model] if hasattr(model, "tree_") else []
    members = getattr(model, "estimators_", None)
    if members is not None:
        flat = np.ravel(np.asarray(members, dtype=object))
        trees = [t for t in flat[:MAX_TREES] if hasattr(t, "tree_")]
    thresholds: list[list[float]] = [[] for _ in range(count)]
    for tree in trees:
        for feature, threshold in zip(tree.tree_.feature, tree.tree_.threshold, strict=True):
            if 0 <= feature < count:
                thresholds[feature].append(float(threshold))
    return [_round(float(np.median(values))) if values else None for values in thresholds]


def _round(value: float) -> float | None:
    """Four significant digits: an example reads 5.843, not 5.843333333333334."""
    number = float(value)
    return float(f"{number:.4g}") if math.isfinite(number) else None


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _names(columns: Sequence[str]) -> str:
    shown = ", ".join(repr(c) for c in columns[:MAX_LISTED])
    return shown + (f" and {len(columns) - MAX_LISTED} more" if len(columns) > MAX_LISTED else "")

"""Tables as artifacts: one Parquet file whose schema metadata remembers the target column."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

_META_KEY = b"designer"


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame
    target: str | None = None
    #: "classification", "regression" or None
    task: str | None = None

    @property
    def features(self) -> pd.DataFrame:
        return self.frame.drop(columns=[self.target]) if self.target else self.frame

    @property
    def labels(self) -> pd.Series:
        if not self.target:
            raise ValueError(
                "this table has no target column; choose one in the block that loads the data"
            )
        return self.frame[self.target]

    def summary(self) -> dict[str, Any]:
        """Small facts worth showing next to the artifact (KFP artifact metadata)."""
        return {
            "rows": len(self.frame),
            "columns": list(map(str, self.frame.columns)),
            "target": self.target or "",
            "task": self.task or "",
        }


def write_table(table: Table, path: str) -> None:
    arrow = pa.Table.from_pandas(table.frame, preserve_index=False)
    meta = dict(arrow.schema.metadata or {})
    meta[_META_KEY] = json.dumps({"target": table.target, "task": table.task}).encode()
    pq.write_table(arrow.replace_schema_metadata(meta), path)


def read_table(path: str) -> Table:
    arrow = pq.read_table(path)
    raw = (arrow.schema.metadata or {}).get(_META_KEY, b"{}")
    meta = json.loads(raw)
    return Table(arrow.to_pandas(), meta.get("target"), meta.get("task"))


def require_columns(frame: pd.DataFrame, names: list[str], what: str) -> None:
    """Raise a clear error naming the missing columns and the ones that exist."""
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise ValueError(
            f"{what}: column(s) {', '.join(map(repr, missing))} not found; "
            f"the table has: {', '.join(map(str, frame.columns))}"
        )


#: A float target with more distinct values than this is taken to be a regression target.
MAX_CLASSES_GUESS = 20


def guess_task(labels: pd.Series) -> str:
    """Classification unless the target is a float with many distinct values."""
    floating = pd.api.types.is_float_dtype(labels)
    if floating and labels.nunique(dropna=True) > MAX_CLASSES_GUESS:
        return "regression"
    return "classification"


def text_columns(frame: pd.DataFrame) -> list[str]:
    """Columns a model cannot take as they are: anything not a number or a true/false value."""
    return [
        str(name)
        for name, dtype in frame.dtypes.items()
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
    ]

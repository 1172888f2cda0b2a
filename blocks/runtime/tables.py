"""Tables as artifacts: one Parquet file whose schema metadata remembers the target column."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from blocks.runtime.target_kind import MAX_CLASSES, TargetKind, summarize, target_kind

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


#: Kept for callers of the old name: the rule itself lives in ``blocks.runtime.target_kind``.
MAX_CLASSES_GUESS = MAX_CLASSES


def guess_task(labels: pd.Series) -> str:
    """The task "auto" picks for this target column (see ``blocks.runtime.target_kind``)."""
    return guess_kind(labels).task


def guess_kind(labels: pd.Series) -> TargetKind:
    """The task "auto" picks for this target column, and why in words."""
    return target_kind(summarize(labels))


def text_columns(frame: pd.DataFrame) -> list[str]:
    """Columns a model cannot take as they are: anything not a number or a true/false value."""
    return [
        str(name)
        for name, dtype in frame.dtypes.items()
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
    ]

"""Check an uploaded table file and describe it: ``inspect_file`` and the profile it returns.

The file is read as a stream, never whole: a CSV once for its structure (UTF-8, field counts;
see ``structure``), once in chunks of rows for the statistics, and a third time, numeric columns
only, when some have too many distinct values for their histogram to come from the value counts
(``stats``). A Parquet file is read in batches of rows. Column names and types are those
``pandas.read_csv(path, sep=delimiter)`` or ``pandas.read_parquet(path)`` gives a block at run
time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from designer.datasets.sniff import (
    CsvHead,
    DatasetProblem,
    decode_head,
    detect_format,
    encoding_problem,
    find_utf8_fault,
    read_head,
    sniff_csv,
)
from designer.datasets.stats import ColumnStats, HistogramPass, display
from designer.datasets.structure import count_rows, last_record_line
from designer.datasets.target import suggest_target, suggest_task

__all__ = [
    "PREVIEW_ROWS",
    "ColumnProfile",
    "DatasetProblem",
    "TableProfile",
    "detect_format",
    "inspect_file",
]

PREVIEW_ROWS = 20
#: Rows per chunk: 100k, fewer for wide tables so that a chunk stays near 1M cells (about
#: 50 MB of parser buffers and frame for the bench's table; larger chunks are no faster).
MAX_CHUNK_ROWS = 100_000
CHUNK_CELLS = 1_000_000


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    #: "integer" | "number" | "boolean" | "datetime" | "text", as pandas reads the column
    type: str
    missing: int
    #: exact count of distinct non-missing values, None above stats.DISTINCT_CAP
    distinct: int | None
    #: numbers: min, max, mean, std (+ infinite; + whole, True when every finite value is a
    #: whole number, absent from profiles made before it was recorded); text: top, top_count;
    #: boolean: true, false, top, top_count; datetime: min, max (ISO text)
    stats: dict[str, float | str | None]
    #: numbers only: [{"start", "end", "count"}], counts summing to the finite values
    histogram: list[dict[str, float]]


@dataclass(frozen=True)
class TableProfile:
    format: str
    #: "," ";" "\t" "|" for CSV, "" for Parquet
    delimiter: str
    rows: int
    columns: list[ColumnProfile]
    #: the first PREVIEW_ROWS rows as display strings (None = missing)
    preview: list[list[str | None]]
    suggested_target: str | None
    suggested_task: str | None

    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableProfile:
        return cls(
            format=data["format"],
            delimiter=data["delimiter"],
            rows=int(data["rows"]),
            columns=[ColumnProfile(**column) for column in data["columns"]],
            preview=[list(row) for row in data["preview"]],
            suggested_target=data.get("suggested_target"),
            suggested_task=data.get("suggested_task"),
        )


def inspect_file(path: Path, filename: str) -> TableProfile:
    """Check the file at ``path`` (uploaded as ``filename``) and profile it.

    Raises ``DatasetProblem`` for anything that is not a readable, non-empty table.
    """
    path = Path(path)
    head, complete = read_head(path)
    name = filename or "The file"
    if not head:
        raise DatasetProblem(
            "empty",
            f"{name} is empty (0 bytes): check that you chose the right file, and upload it "
            "again if it was not empty.",
        )
    if detect_format(head, filename) == "parquet":
        return _profile_parquet(path, name)
    return _profile_csv(path, name, head, complete)


# --- CSV -------------------------------------------------------------------------------------


def _profile_csv(path: Path, name: str, head: bytes, complete: bool) -> TableProfile:
    text = decode_head(head, complete)
    if text is None:
        raise encoding_problem(find_utf8_fault(path))
    csv_head = sniff_csv(text, complete, name)
    if count_rows(path, csv_head) == 0:
        raise _no_rows(name, csv_head.header)
    sep = csv_head.delimiter
    try:
        # the preview as written (dtype=str keeps "007", "1.50"), gaps as pandas sees them
        first = pd.read_csv(path, sep=sep, nrows=PREVIEW_ROWS, dtype=str)
        names = [str(c) for c in first.columns]
        preview = [[display(v) for v in row] for row in first.itertuples(index=False)]
        chunk_rows = _chunk_rows(len(names))
        columns = [ColumnStats() for _ in names]
        rows = 0
        with pd.read_csv(path, sep=sep, chunksize=chunk_rows) as reader:
            for chunk in reader:
                rows += len(chunk)
                for index, stats in enumerate(columns):
                    stats.add(chunk.iloc[:, index])
        if not rows:
            raise _no_rows(name, csv_head.header)
        passes = _histogram_passes(columns)
        if passes:  # numbers with too many values to count: read them again, binned
            wanted = sorted(passes)
            with pd.read_csv(path, sep=sep, usecols=wanted, chunksize=chunk_rows) as reader:
                for chunk in reader:
                    for position, index in enumerate(wanted):
                        passes[index].add(chunk.iloc[:, position])
    except pd.errors.EmptyDataError:
        raise _no_rows(name, csv_head.header) from None
    except (ValueError, OverflowError, pa.ArrowException) as exc:
        raise _unreadable_csv(exc, path, csv_head) from None
    return _table("csv", sep, rows, names, columns, passes, preview)


def _unreadable_csv(exc: Exception, path: Path, head: CsvHead) -> DatasetProblem:
    if isinstance(exc, DatasetProblem):
        return exc
    if isinstance(exc, UnicodeDecodeError):
        return encoding_problem(find_utf8_fault(path))
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "EOF inside string" in reason:
        line = last_record_line(path, head)
        return DatasetProblem(
            "unreadable",
            f'A double quote (") on line {line} opens a value that is never closed, so the '
            "rest of the file would be one value: close the quote, or remove it.",
        )
    return DatasetProblem(
        "unreadable",
        f"The file cannot be read as CSV with {head.delimiter!r} between columns: {reason}.",
    )


def _chunk_rows(width: int) -> int:
    return max(1_000, min(MAX_CHUNK_ROWS, CHUNK_CELLS // max(1, width)))


def _no_rows(name: str, header: list[str]) -> DatasetProblem:
    shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
    return DatasetProblem(
        "no_rows",
        f"{name} has a header ({shown}) but no rows of data under it: a dataset needs at "
        "least one row.",
    )


# --- Parquet ---------------------------------------------------------------------------------


def _profile_parquet(path: Path, name: str) -> TableProfile:
    try:
        with pq.ParquetFile(path) as parquet:
            return _profile_parquet_file(parquet, name)
    except DatasetProblem:
        raise
    except (pa.ArrowException, OSError, ValueError, TypeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatasetProblem(
            "unreadable",
            f"{name} cannot be read as Parquet ({reason}): it may be cut short or damaged; "
            "export it again and upload the new file.",
        ) from None


def _profile_parquet_file(parquet: pq.ParquetFile, name: str) -> TableProfile:
    schema = parquet.schema_arrow
    index = _index_columns(schema)
    fields = [field for field in schema.names if field not in index]
    if not fields:
        raise DatasetProblem("empty", f"{name} is a Parquet file with no columns.")
    if parquet.metadata.num_rows == 0:
        raise DatasetProblem(
            "no_rows",
            f"{name} has columns ({', '.join(fields[:8])}) but no rows: a dataset needs "
            "at least one row.",
        )
    chunk_rows = _chunk_rows(len(fields))
    columns = [ColumnStats() for _ in fields]
    names: list[str] = []
    preview: list[list[str | None]] = []
    rows = 0
    for batch in parquet.iter_batches(batch_size=chunk_rows, columns=fields):
        frame = batch.to_pandas()
        if not names:
            names = [str(c) for c in frame.columns]
            top = frame.head(PREVIEW_ROWS)
            preview = [[display(v) for v in row] for row in top.itertuples(index=False)]
        rows += len(frame)
        for position, stats in enumerate(columns):
            stats.add(frame.iloc[:, position])
    passes = _histogram_passes(columns)
    if passes:  # numbers with too many values to count: read those columns again, binned
        wanted = sorted(passes)
        chosen = [fields[i] for i in wanted]
        for batch in parquet.iter_batches(batch_size=chunk_rows, columns=chosen):
            frame = batch.to_pandas()
            for position, index in enumerate(wanted):
                passes[index].add(frame.iloc[:, position])
    if not rows:
        raise DatasetProblem("no_rows", f"{name} has no rows: a dataset needs at least one row.")
    return _table("parquet", "", rows, names, columns, passes, preview)


def _index_columns(schema: pa.Schema) -> set[str]:
    """Columns pandas stored as the index: ``pandas.read_parquet`` makes them the index again."""
    meta = schema.pandas_metadata or {}
    return {entry for entry in meta.get("index_columns", []) if isinstance(entry, str)}


# --- both ------------------------------------------------------------------------------------


def _histogram_passes(columns: list[ColumnStats]) -> dict[int, HistogramPass]:
    passes = {}
    for index, stats in enumerate(columns):
        edges = stats.histogram_edges()
        if stats.needs_histogram_pass and edges is not None:
            passes[index] = HistogramPass(edges)
    return passes


def _table(
    fmt: str,
    delimiter: str,
    rows: int,
    names: list[str],
    columns: list[ColumnStats],
    passes: dict[int, HistogramPass],
    preview: list[list[str | None]],
) -> TableProfile:
    profiles = []
    for index, (name, stats) in enumerate(zip(names, columns, strict=True)):
        bins = passes[index].result() if index in passes else stats.histogram_from_counts()
        profiles.append(
            ColumnProfile(
                name=name,
                type=stats.kind or "text",
                missing=stats.missing,
                distinct=stats.distinct,
                stats=stats.stats(),
                histogram=bins,
            )
        )
    target = suggest_target(profiles, rows)
    task = None
    if target is not None:
        task = suggest_task(next(p for p in profiles if p.name == target))
    return TableProfile(fmt, delimiter, rows, profiles, preview, target, task)

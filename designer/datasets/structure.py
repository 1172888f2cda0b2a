"""One streaming pass over a CSV: does every row have as many fields as the header?

pyarrow's CSV reader counts the fields (hundreds of MB a second, quoting as pandas reads it,
bytes left undecoded). Only when a row is wrong does the slower csv module read the file again,
up to the problem, to tell the line as an editor numbers lines (quoted line breaks included),
decoding strictly so that an earlier byte that is not UTF-8 is reported first. The rest of the
UTF-8 check is pandas' own strict decoding in the statistics pass (see ``profile``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv

from designer.datasets.sniff import (
    CsvHead,
    DatasetProblem,
    encoding_problem,
    find_utf8_fault,
    is_blank_record,
)

#: pyarrow reads blocks of this size; a record longer than a block needs a larger one. Its
#: memory grows with the block (20 to 30 times it, measured), so the first is small.
_BLOCK_SIZES = (1 << 18, 1 << 22)
#: The longest value the csv module reads (its default is 128 KB); longer means a lost quote.
MAX_FIELD_CHARS = 1 << 24


@dataclass(frozen=True)
class _BadRow:
    number: int | None
    fields: int
    text: str


def count_rows(path: Path, head: CsvHead) -> int:
    """Data rows of the CSV (blank lines not counted); ``DatasetProblem`` when it is malformed."""
    for block_size in _BLOCK_SIZES:
        bad: list[_BadRow] = []
        try:
            records = _arrow_records(path, head, block_size, bad)
        except pa.ArrowException:
            if bad:
                scan_rows(path, head, bad[0])  # finds the line (or an earlier encoding fault)
                row = bad[0]  # the csv module saw no problem: say what pyarrow saw
                raise _ragged(row.number, row.fields, row.text, head, None, counted=True) from None
            continue  # a record longer than a block, or bytes that are not UTF-8 in a bad row
        return max(0, records - 1)
    return scan_rows(path, head)


def _arrow_records(path: Path, head: CsvHead, block_size: int, bad: list[_BadRow]) -> int:
    """Records (header included) as pyarrow counts them; stops at the first bad one."""
    width = len(head.header)

    def on_invalid(row: pcsv.InvalidRow) -> str:
        if head.delimiter not in row.text and not row.text.strip():
            return "skip"  # a line of spaces: pandas skips it
        bad.append(_BadRow(row.number, row.actual_columns, row.text))
        return "error"

    reader = pcsv.open_csv(
        str(path),
        read_options=pcsv.ReadOptions(
            use_threads=False,
            block_size=block_size,
            column_names=[f"f{i}" for i in range(width)],
        ),
        parse_options=pcsv.ParseOptions(
            delimiter=head.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
        ),
        convert_options=pcsv.ConvertOptions(
            include_columns=["f0"], column_types={"f0": pa.binary()}
        ),
        # the system allocator gives the blocks back; Arrow's default pool keeps them
        memory_pool=pa.system_memory_pool(),
    )
    return sum(batch.num_rows for batch in reader)


def scan_rows(path: Path, head: CsvHead, seen: _BadRow | None = None) -> int:
    """Count the data rows with the csv module; raise ``DatasetProblem`` at the first bad row.

    ``seen``: the bad row pyarrow found, whose text (quotes kept) the message shows.
    """
    width = len(head.header)
    rows = -1
    start = 1
    try:
        with _field_limit(), open(path, encoding="utf-8-sig", newline="", errors="strict") as text:
            reader = csv.reader(text, delimiter=head.delimiter)
            for fields in reader:
                if not is_blank_record(fields):
                    if len(fields) != width:
                        line = head.delimiter.join(fields)
                        if seen is not None and seen.fields == len(fields):
                            line = seen.text
                        raise _ragged(start, len(fields), line, head, reader.line_num)
                    rows += 1
                start = reader.line_num + 1
    except UnicodeDecodeError:
        raise encoding_problem(find_utf8_fault(path)) from None
    except csv.Error as exc:
        raise DatasetProblem(
            "unreadable",
            f"Line {start} cannot be read as CSV ({exc}); a value that long usually means a "
            'double quote (") that is never closed: close it, or remove it.',
        ) from None
    return max(0, rows)


def last_record_line(path: Path, head: CsvHead) -> int:
    """The line the last record starts on (where a quote left open to the end begins)."""
    start = last = 1
    try:
        with _field_limit(), open(path, encoding="utf-8-sig", newline="", errors="replace") as text:
            reader = csv.reader(text, delimiter=head.delimiter)
            for fields in reader:
                if not is_blank_record(fields):
                    last = start
                start = reader.line_num + 1
    except csv.Error:
        return start
    return last


@contextmanager
def _field_limit() -> Iterator[None]:
    """Let the csv module read values up to MAX_FIELD_CHARS long, then restore its limit."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, MAX_FIELD_CHARS))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _ragged(
    line: int | None, fields: int, text: str, head: CsvHead, end: int | None, counted: bool = False
) -> DatasetProblem:
    width = len(head.header)
    excerpt = text if len(text) <= 80 else text[:77] + "..."
    d = head.delimiter
    sep = "tab" if d == "\t" else repr(d)
    if counted:
        where = (
            "A row" if line is None else f"Row {line} (counting the header as 1, not blank lines)"
        )
    else:
        where = f"Line {line}"
    if fields > width:
        advice = (
            f"check it for an extra {sep}, or a value holding a {sep} that is not in double "
            'quotes ("like, this")'
        )
    else:
        empty = "two tabs in a row" if d == "\t" else f"1{d}{d}3"
        advice = f"a missing value still needs its {sep} (an empty middle value: {empty})"
    if end is not None and line is not None and end > line:
        advice += (
            f"; the row runs on to line {end} because a double quote on line {line} starts a "
            "value that ends only there (or never): check the quotes"
        )
    return DatasetProblem(
        "ragged",
        f"{where} has {fields} field{'s' if fields != 1 else ''} but the header (line "
        f"{head.header_line}) has {width}: every row needs one value per column. Fix it: "
        f"{advice}. The row reads: {excerpt!r}",
    )

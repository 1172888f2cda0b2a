"""Fuzzing inspect_file: any bytes give a profile or a DatasetProblem; good tables match pandas."""

from __future__ import annotations

import codecs
import csv
import json
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.datasets.profile import DatasetProblem, TableProfile, inspect_file
from designer.datasets.sniff import PROBLEM_CODES
from designer.datasets.stats import kind_of

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# --- (a) arbitrary bytes -------------------------------------------------------------------

#: Bytes that steer the parser into its corners: separators, quotes, line ends, values.
CLEAN_ATOMS = [
    b",",
    b";",
    b"\t",
    b"|",
    b'"',
    b'""',
    b"\n",
    b"\n",
    b"\r\n",
    b"\r",
    b" ",
    b"a",
    b"b",
    b"1",
    b"2.5",
    b"-3",
    b"inf",
    b"NA",
    b"True",
    b"\xc3\xa9",  # é
]
#: ... and bytes that are not UTF-8 or not text.
DIRTY_ATOMS = [*CLEAN_ATOMS, b"\xe9", b"\xc3", b"\x00"]
PREFIXES = [b"", codecs.BOM_UTF8, b"PAR1", b"PK\x03\x04", b"{", b"[", b"<html>", b"\xff\xfe"]


def _joined(prefix: bytes, atoms: list[bytes]) -> bytes:
    return prefix + b"".join(atoms)


raw_bytes = st.one_of(
    st.binary(max_size=300),
    st.builds(_joined, st.just(b""), st.lists(st.sampled_from(CLEAN_ATOMS), max_size=120)),
    st.builds(_joined, st.just(b""), st.lists(st.sampled_from(CLEAN_ATOMS), max_size=120)),
    st.builds(
        _joined, st.sampled_from(PREFIXES), st.lists(st.sampled_from(DIRTY_ATOMS), max_size=120)
    ),
)
filenames = st.sampled_from(["x.csv", "x.csv", "x.csv", "x.parquet", "x.txt", ""])


@FUZZ
@given(data=raw_bytes, filename=filenames)
def test_any_bytes_give_a_profile_or_a_problem(data: bytes, filename: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        try:
            result = inspect_file(path, filename)
        except DatasetProblem as problem:
            assert problem.code in PROBLEM_CODES
            assert str(problem)
            return
    assert isinstance(result, TableProfile)
    assert result.rows > 0 and result.columns
    assert all(len(row) == len(result.columns) for row in result.preview)
    json.dumps(result.to_dict(), allow_nan=False)


# --- (b) well-formed tables ----------------------------------------------------------------

names = st.lists(
    st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,7}", fullmatch=True),
    min_size=1,
    max_size=5,
    unique_by=str.lower,
)
text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\x00", max_codepoint=0x2FF
    )
    | st.sampled_from([",", ";", '"', "\n", "\r", "|", "\t", " "]),
    max_size=8,
)
CELLS = {
    "int": st.integers(-(10**6), 10**6).map(str),
    "float": st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    "bool": st.sampled_from(["True", "False"]),
    "text": text,
}


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]], str, str]:
    header = draw(names)
    kinds = draw(st.lists(st.sampled_from(list(CELLS)), min_size=len(header), max_size=len(header)))
    cells = [CELLS[kind] | st.just("") for kind in kinds]
    rows = draw(st.lists(st.tuples(*cells).map(list), min_size=1, max_size=30))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"])) if len(header) > 1 else ","
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    if newline == "\n":  # the csv module quotes only the line end's characters: a lone \r
        rows = [[cell.replace("\r", "") for cell in row] for row in rows]  # would break rows
    return header, rows, delimiter, newline


@FUZZ
@given(table=tables())
def test_well_formed_tables_profile_as_pandas_reads_them(
    table: tuple[list[str], list[list[str]], str, str],
) -> None:
    header, rows, delimiter, newline = table
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=delimiter, lineterminator=newline)
            writer.writerow(header)
            writer.writerows(rows)
        frame = pd.read_csv(path, sep=delimiter)
        try:
            result = inspect_file(path, "table.csv")
        except DatasetProblem as problem:  # only when pandas finds no rows (lines of spaces)
            assert problem.code == "no_rows", str(problem)
            assert frame.empty
            return
    assert result.delimiter == delimiter
    assert result.column_names() == [str(c) for c in frame.columns] == header
    assert result.rows == len(frame)
    for column in result.columns:
        series = frame[column.name]
        assert column.type == kind_of(series.dtype)
        assert column.missing == series.isna().sum()
        assert column.distinct == series.nunique(dropna=True)
        if column.histogram:
            assert sum(b["count"] for b in column.histogram) == series.notna().sum()
    assert TableProfile.from_dict(json.loads(json.dumps(result.to_dict()))) == result

"""inspect_file on fixture files: what good files profile to, what bad files are told."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from blocks.runtime.tables import guess_task
from designer.datasets import profile as profile_module
from designer.datasets import structure
from designer.datasets.profile import (
    PREVIEW_ROWS,
    DatasetProblem,
    TableProfile,
    inspect_file,
)
from designer.datasets.sniff import CsvHead
from designer.datasets.stats import DISTINCT_CAP

DATA = Path(__file__).resolve().parents[2] / "fixtures" / "data" / "datasets"
PEOPLE = ["id", "age", "height", "name", "member", "group"]
PEOPLE_TYPES = ["integer", "number", "number", "text", "boolean", "text"]

GOOD = [
    "comma.csv",
    "semicolon.csv",
    "tab.tsv",
    "pipe.txt",
    "crlf.csv",
    "bom.csv",
    "quoted.csv",
    "one_column.csv",
    "duplicates.csv",
    "blank_lines.csv",
    "price.csv",
    "mixed_types.csv",
    "ids_last.csv",
    "good.parquet",
]


def inspect(name: str) -> TableProfile:
    return inspect_file(DATA / name, name)


def read_with_pandas(name: str, result: TableProfile) -> pd.DataFrame:
    """The frame a pipeline block gets at run time."""
    if result.format == "parquet":
        return pd.read_parquet(DATA / name)
    return pd.read_csv(DATA / name, sep=result.delimiter)


def pandas_type(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "text"


# --- good files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "delimiter"),
    [
        ("comma.csv", ","),
        ("semicolon.csv", ";"),
        ("tab.tsv", "\t"),
        ("pipe.txt", "|"),
        ("crlf.csv", ","),
    ],
)
def test_each_delimiter_gives_the_same_profile(name: str, delimiter: str) -> None:
    result = inspect(name)
    assert (result.format, result.delimiter, result.rows) == ("csv", delimiter, 25)
    assert result.column_names() == PEOPLE
    assert [c.type for c in result.columns] == PEOPLE_TYPES
    assert [c.missing for c in result.columns] == [0, 2, 0, 0, 0, 0]
    assert [c.distinct for c in result.columns] == [25, 23, 25, 12, 2, 3]
    assert result.suggested_target == "group"
    assert result.suggested_task == "classification"
    assert len(result.preview) == PREVIEW_ROWS
    assert result.preview[0] == ["1", "20", "150.0", "ada", "False", "red"]
    assert result.preview[3][1] is None  # the missing age of id 4
    assert result.to_dict() == inspect("comma.csv").to_dict() | {"delimiter": delimiter}


def test_numeric_statistics_match_pandas() -> None:
    result = inspect("comma.csv")
    frame = pd.read_csv(DATA / "comma.csv")
    for column in result.columns:
        if column.type not in ("integer", "number"):
            continue
        values = frame[column.name]
        assert column.stats["min"] == values.min()
        assert column.stats["max"] == values.max()
        assert column.stats["mean"] == pytest.approx(values.mean())
        assert column.stats["std"] == pytest.approx(values.std())
        assert sum(b["count"] for b in column.histogram) == values.notna().sum()
        assert column.histogram[0]["start"] == values.min()
        assert column.histogram[-1]["end"] == values.max()
        assert len(column.histogram) == 10


def test_text_and_boolean_statistics() -> None:
    columns = {c.name: c for c in inspect("comma.csv").columns}
    assert columns["group"].stats == {"top": "red", "top_count": 9}
    assert columns["name"].stats["top_count"] == 3
    assert columns["member"].stats["true"] == 16
    assert columns["member"].stats["false"] == 9
    assert columns["name"].histogram == []


def test_bom_and_utf8_text() -> None:
    result = inspect("bom.csv")
    assert result.column_names() == ["city", "country", "visitors"]
    assert result.preview[1][0] == "Saint-Étienne"
    assert result.preview[2][0] == "東京"
    # the last column is all distinct integers: an id more likely than a target
    assert result.suggested_target is None
    assert result.suggested_task is None


def test_quoted_fields_with_commas_quotes_and_line_breaks() -> None:
    result = inspect("quoted.csv")
    assert result.rows == 6
    assert [row[1] for row in result.preview] == [
        "plain",
        "has, a comma",
        "two\nlines",
        'she said "hi"',
        "three\nwhole\nlines",
        None,
    ]
    assert result.columns[1].missing == 1


def test_one_column_file_is_legal() -> None:
    result = inspect("one_column.csv")
    assert result.column_names() == ["value"]
    assert result.rows == 5
    assert pd.read_csv(DATA / "one_column.csv", sep=result.delimiter).shape == (5, 1)
    # few integers: one bin per value, counts summing to the rows
    bins = result.columns[0].histogram
    assert [(b["start"], b["count"]) for b in bins] == [(1, 2), (2, 0), (3, 1), (4, 1), (5, 1)]


def test_duplicate_names_are_reported_as_pandas_mangles_them() -> None:
    assert inspect("duplicates.csv").column_names() == ["a", "a.1", "b", "a.2"]


def test_blank_lines_are_skipped_as_pandas_skips_them() -> None:
    result = inspect("blank_lines.csv")
    assert result.rows == 3
    assert result.preview == [["1", "2"], ["3", "4"], ["5", "6"]]


def test_types_follow_pandas_when_values_disagree() -> None:
    columns = {c.name: c for c in inspect("mixed_types.csv").columns}
    # True with gaps: pandas keeps objects, which blocks treat as text
    assert columns["flag"].type == "text"
    assert columns["code"].type == "text"
    # an integer column with a gap is a float column in pandas
    assert columns["x"].type == "number"
    assert columns["x"].missing == 1


def test_parquet_profile() -> None:
    result = inspect("good.parquet")
    assert (result.format, result.delimiter, result.rows) == ("parquet", "", 6)
    # the stored pandas index (row_id) is not a column, as pandas.read_parquet restores it
    assert result.column_names() == ["count", "size", "kind", "ok", "when", "level"]
    columns = {c.name: c for c in result.columns}
    assert [c.type for c in result.columns] == [
        "number",
        "number",
        "text",
        "boolean",
        "datetime",
        "integer",
    ]
    assert columns["when"].stats == {"min": "2024-01-01T00:00:00", "max": "2024-05-01T00:00:00"}
    assert columns["kind"].stats == {"top": "a", "top_count": 3}
    assert sum(b["count"] for b in columns["size"].histogram) == 5
    assert result.preview[2] == [None, "2.5", None, "True", None, "2"]
    assert result.preview[0] == ["1.0", "0.5", "a", "True", "2024-01-01T00:00:00", "3"]


def test_price_is_a_regression_target() -> None:
    result = inspect("price.csv")
    assert result.suggested_target == "price"
    assert result.suggested_task == "regression"


@pytest.mark.parametrize("name", GOOD)
def test_names_types_and_task_agree_with_what_a_block_reads(name: str) -> None:
    result = inspect(name)
    frame = read_with_pandas(name, result)
    assert result.column_names() == [str(c) for c in frame.columns]
    assert result.rows == len(frame)
    assert [c.type for c in result.columns] == [pandas_type(frame[c]) for c in frame.columns]
    for column in result.columns:
        series = frame[column.name]
        assert column.missing == int(series.isna().sum())
        assert column.distinct == series.nunique(dropna=True)
        assert guess_task(series) == profile_module.suggest_task(column), column.name
        if column.type in ("integer", "number") and column.histogram:
            finite = np.isfinite(series.to_numpy(dtype="float64", na_value=np.nan)).sum()
            assert sum(b["count"] for b in column.histogram) == finite


@pytest.mark.parametrize("name", GOOD)
def test_profile_survives_a_json_round_trip(name: str) -> None:
    result = inspect(name)
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert TableProfile.from_dict(json.loads(text)) == result


def test_no_target_when_last_column_looks_like_an_id() -> None:
    result = inspect("ids_last.csv")
    assert result.suggested_target is None
    assert result.suggested_task is None


# --- bad files -----------------------------------------------------------------------------

BAD = [
    ("empty.csv", "empty", ["0 bytes"]),
    ("blank.csv", "empty", ["only blank"]),
    ("header_only.csv", "no_rows", ["a, b, c", "no rows"]),
    ("header_blank_lines.csv", "no_rows", ["no rows"]),
    ("no_rows.parquet", "no_rows", ["no rows"]),
    ("workbook.xlsx", "not_a_table", ["Excel workbook", "CSV"]),
    ("old.xls", "not_a_table", ["old Excel", ".xls", "CSV"]),
    ("archive.zip", "not_a_table", ["ZIP archive", "unzip"]),
    ("data.csv.gz", "not_a_table", ["gzip", "decompress"]),
    ("doc.pdf", "not_a_table", ["PDF"]),
    ("image.png", "not_a_table", ["PNG image"]),
    ("records.json", "not_a_table", ["JSON"]),
    ("object.json", "not_a_table", ["JSON"]),
    ("page.html", "not_a_table", ["web page", "HTML"]),
    ("binary.csv", "not_a_table", ["binary", "NUL"]),
    ("utf16.csv", "encoding", ["UTF-16", "UTF-8"]),
    ("latin1.csv", "encoding", ["line 4", "character 4", "0xE9", "'é'", "UTF-8"]),
    ("ragged_more.csv", "ragged", ["Line 5 has 4 fields", "header (line 1) has 3", "10,11,12,13"]),
    ("ragged_fewer.csv", "ragged", ["Line 6 has 2 fields", "has 3", "1;;3", "13;14"]),
    ("ragged_after_quotes.csv", "ragged", ["Line 8 has 4 fields", '4,"x",4,extra']),
    ("unclosed_quote.csv", "unreadable", ["line 3", "never closed"]),
    ("broken.parquet", "unreadable", ["Parquet", "damaged"]),
    ("fake.parquet", "unreadable", ["PAR1"]),
    ("unnamed_column.csv", "bad_header", ["Column 1", "no name", "index=False"]),
    ("spaces.txt", "bad_header", ["spaces", "commas"]),
    ("header_only_separator.csv", "bad_header", ["split by a ';'", "no line below"]),
]


@pytest.mark.parametrize(("name", "code", "fragments"), BAD, ids=[b[0] for b in BAD])
def test_bad_files_are_refused_with_a_reason(name: str, code: str, fragments: list[str]) -> None:
    with pytest.raises(DatasetProblem) as caught:
        inspect(name)
    assert caught.value.code == code
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_problem_codes_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown"):
        DatasetProblem("nope", "message")
    problem = DatasetProblem("empty", "nothing here")
    assert isinstance(problem, ValueError)
    assert (problem.code, str(problem)) == ("empty", "nothing here")


# --- big files: problems past the head, chunks that disagree ------------------------------


def write_rows(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("bad_row", [5_000, 150_000])
def test_ragged_row_far_down_is_found_on_its_line(tmp_path: Path, bad_row: int) -> None:
    rows = [f"{i},{i * 2},x{i}" for i in range(200_000)]
    rows[bad_row] = "1,2"
    path = write_rows(tmp_path / "big.csv", "a,b,c", rows)
    with pytest.raises(DatasetProblem, match=f"Line {bad_row + 2} has 2 fields") as caught:
        inspect_file(path, "big.csv")
    assert caught.value.code == "ragged"


def test_encoding_fault_far_down_is_found_on_its_line(tmp_path: Path) -> None:
    rows = [f"{i},name{i}" for i in range(300_000)]
    path = tmp_path / "late.csv"
    with open(path, "wb") as handle:
        handle.write(("a,b\n" + "\n".join(rows[:250_000]) + "\n").encode())
        handle.write(b"250000,Mu\xf1oz\n")
        handle.write(("\n".join(rows[250_001:]) + "\n").encode())
    with pytest.raises(DatasetProblem) as caught:
        inspect_file(path, "late.csv")
    assert caught.value.code == "encoding"
    assert "line 250002, character 10," in str(caught.value)
    assert "0xF1" in str(caught.value)
    assert "'ñ'" in str(caught.value)


def test_a_value_longer_than_a_read_block_is_fine(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "long.csv", "a,b", ["1,short", f'2,"{"x" * 5_000_000}"'])
    result = inspect_file(path, "long.csv")
    assert result.rows == 2
    assert result.columns[1].type == "text"


def test_chunks_that_disagree_combine_as_pandas_reads_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profile_module, "CHUNK_CELLS", 1)  # 1000-row chunks
    rows = []
    for i in range(3_500):
        late = i >= 2_500
        ints_then_floats = f"{i}.5" if late else str(i)
        ints_then_gap = "" if i == 3_000 else str(i % 7)
        numbers_then_text = "n/a-ish" if i == 3_400 else str(i % 5)
        bools_then_gap = "" if i == 1_999 else ("True" if i % 2 else "False")
        empty_then_text = "late" if i == 3_499 else ""
        cells = [ints_then_floats, ints_then_gap, numbers_then_text, bools_then_gap]
        rows.append(",".join([*cells, empty_then_text]))
    path = write_rows(tmp_path / "chunks.csv", "f,g,t,b,e", rows)
    result = inspect_file(path, "chunks.csv")
    frame = pd.read_csv(path)
    assert [c.type for c in result.columns] == ["number", "number", "text", "text", "text"]
    assert [c.type for c in result.columns] == [pandas_type(frame[c]) for c in frame.columns]
    for column in result.columns:
        assert column.missing == frame[column.name].isna().sum()
    columns = {c.name: c for c in result.columns}
    assert columns["f"].stats["mean"] == pytest.approx(frame["f"].mean())
    assert columns["f"].stats["std"] == pytest.approx(frame["f"].std())
    assert columns["t"].distinct == 6
    assert columns["t"].stats["top"] in {"0", "1", "2", "3", "4"}
    assert columns["e"].stats == {"top": "late", "top_count": 1}


def test_many_distinct_values_cap_the_count_and_keep_the_histogram_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profile_module, "CHUNK_CELLS", 1)
    rng = np.random.default_rng(3)
    values = rng.normal(size=DISTINCT_CAP + 500)
    rows = [f"{float(v)!r},w{i}" for i, v in enumerate(values)]
    path = write_rows(tmp_path / "wide.csv", "x,word", rows)
    result = inspect_file(path, "wide.csv")
    x, word = result.columns
    assert x.distinct is None and word.distinct is None
    assert word.stats == {"top": None, "top_count": None}
    expected, _ = np.histogram(values, bins=10)
    assert [b["count"] for b in x.histogram] == expected.tolist()
    assert x.stats["min"] == values.min() and x.stats["max"] == values.max()
    assert x.stats["std"] == pytest.approx(values.std(ddof=1))
    assert result.suggested_target is None  # text with every value different: an id


def test_infinities_are_counted_apart(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "inf.csv", "x", ["1", "inf", "2", "-inf", "3", ""])
    (column,) = inspect_file(path, "inf.csv").columns
    assert column.type == "number"
    assert (column.stats["min"], column.stats["max"], column.stats["infinite"]) == (1, 3, 2)
    assert sum(b["count"] for b in column.histogram) == 3
    json.dumps(column.stats, allow_nan=False)


def test_huge_numbers_do_not_overflow_into_the_profile(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "huge.csv", "x", ["1e308", "1e308", "-1e308", "5"])
    (column,) = inspect_file(path, "huge.csv").columns
    assert (column.stats["min"], column.stats["max"]) == (-1e308, 1e308)
    assert column.stats["mean"] is None  # the sum overflows
    assert [b["count"] for b in column.histogram] == [1, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    json.dumps(column.stats, allow_nan=False)


def test_all_missing_column_is_a_float_column_as_in_pandas(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "gap.csv", "a,b", ["1,", "2,", "3,"])
    result = inspect_file(path, "gap.csv")
    b = result.columns[1]
    assert (b.type, b.missing, b.distinct, b.histogram) == ("number", 3, 0, [])
    assert b.stats == {"min": None, "max": None, "mean": None, "std": None}
    assert result.suggested_target is None  # nothing to learn from
    assert pandas_type(pd.read_csv(path)["b"]) == "number"


def test_parquet_in_several_batches_with_a_nested_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profile_module, "CHUNK_CELLS", 1)
    n = 2_500
    table = pa.table(
        {
            "x": pa.array([float(i) if i % 100 else None for i in range(n)]),
            "tags": pa.array([[i % 3, i % 5] for i in range(n)]),
            "label": pa.array(["yes" if i % 4 else "no" for i in range(n)]),
        }
    )
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=700)
    result = inspect_file(tmp_path / "t.parquet", "t.parquet")
    frame = pd.read_parquet(tmp_path / "t.parquet")
    assert result.rows == n
    assert result.column_names() == list(frame.columns)
    x, tags, label = result.columns
    assert x.missing == 25 and x.stats["mean"] == pytest.approx(frame["x"].mean())
    assert (tags.type, tags.distinct, tags.stats["top"]) == ("text", None, None)  # lists
    assert result.preview[0][1] == "[0 0]"
    assert result.suggested_target == "label"
    assert label.stats == {"top": "yes", "top_count": n - n // 4}


def test_core_module_does_not_import_reflex() -> None:
    code = "import sys, designer.datasets.profile; print('reflex' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("rest", [1_000, 300_000])
def test_a_quote_left_open_is_pinned_to_its_line(tmp_path: Path, rest: int) -> None:
    rows = [f"{i},{i},x" for i in range(10)] + ['10,"oops,x']
    rows += [f"{i},{i},y" for i in range(11, 11 + rest // 8)]
    path = write_rows(tmp_path / "open.csv", "a,b,c", rows)
    with pytest.raises(DatasetProblem) as caught:
        inspect_file(path, "open.csv")
    assert caught.value.code == "ragged"
    assert "Line 12 has 2 fields" in str(caught.value)
    assert "check the quotes" in str(caught.value)


def test_a_bad_byte_in_a_short_row_is_an_encoding_problem(tmp_path: Path) -> None:
    path = tmp_path / "both.csv"
    path.write_bytes(b"a,b\n1,2\n3\xe9\n4,5\n")
    with pytest.raises(DatasetProblem) as caught:
        inspect_file(path, "both.csv")
    assert caught.value.code == "encoding"
    assert "line 3, character 2," in str(caught.value)


def test_a_row_only_pyarrow_finds_bad_is_named_by_its_record_number() -> None:
    head = CsvHead(",", ["a", "b", "c"], 1)
    problem = structure._ragged(7, 2, "1,2", head, None, counted=True)
    assert problem.code == "ragged"
    assert str(problem).startswith("Row 7 (counting the header as 1, not blank lines) has 2")

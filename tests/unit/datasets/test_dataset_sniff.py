"""Format detection, separator sniffing, UTF-8 fault finding and target suggestion, on bytes."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from designer.datasets.profile import ColumnProfile
from designer.datasets.sniff import (
    HEAD_BYTES,
    DatasetProblem,
    decode_head,
    detect_format,
    find_utf8_fault,
    read_head,
    sniff_csv,
)
from designer.datasets.target import suggest_target, suggest_task

# --- detect_format ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "filename", "expected"),
    [
        (b"PAR1\x15\x04", "data.parquet", "parquet"),
        (b"PAR1\x15\x04", "data.bin", "parquet"),
        (b"a,b\n1,2\n", "data.csv", "csv"),
        (b"a,b\n1,2\n", "data.xlsx", "csv"),  # the content decides, not the name
        (codecs.BOM_UTF8 + b"a;b\n", "x.txt", "csv"),
        (b"[id],[name]\n1,a\n", "brackets.csv", "csv"),  # not JSON
        (b"", "empty.csv", "csv"),
    ],
)
def test_tables_are_recognised(head: bytes, filename: str, expected: str) -> None:
    assert detect_format(head, filename) == expected


@pytest.mark.parametrize(
    ("head", "filename", "code", "says"),
    [
        (b"PK\x03\x04\x14\x00[Content_Types].xml.xl/a", "f", "not_a_table", "Excel workbook"),
        (b"PK\x03\x04\x14\x00whatever", "book.xlsx", "not_a_table", "Excel workbook"),
        (b"PK\x03\x04mimetype...opendocument.spreadsheet", "s", "not_a_table", "OpenDocument"),
        (b"PK\x03\x04\x14\x00data.csv", "data.zip", "not_a_table", "ZIP archive"),
        (b"\x1f\x8b\x08\x00", "data.csv.gz", "not_a_table", "gzip"),
        (b"BZh91AY&SY", "a.csv", "csv", ""),  # not a signature this checks: read as text
        (b"\xfd7zXZ\x00\x00", "a.xz", "not_a_table", "xz"),
        (b"%PDF-1.7\n", "report.pdf", "not_a_table", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00", "chart.png", "not_a_table", "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "photo.jpg", "not_a_table", "JPEG image"),
        (b"GIF89a\x01\x00", "anim.gif", "not_a_table", "GIF image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "old.xls", "not_a_table", ".xls"),
        (b"SQLite format 3\x00", "db.sqlite", "not_a_table", "SQLite"),
        (b"ARROW1\x00\x00", "t.feather", "not_a_table", "Feather"),
        (b'{"a": 1}', "data.csv", "not_a_table", "JSON"),
        (b'  \n[{"a": 1}]', "data.json", "not_a_table", "JSON"),
        (b"[1, 2, 3]", "data.json", "not_a_table", "JSON"),
        (b"<!DOCTYPE html><html>", "data.csv", "not_a_table", "web page"),
        (b"\n<html lang='en'>", "download", "not_a_table", "web page"),
        (b'<?xml version="1.0"?><root/>', "data.xml", "not_a_table", "XML document"),
        (
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
            "book.xml",
            "not_a_table",
            "Excel XML",
        ),
        (b"a,b\n1,\x00\x00\x07", "data.csv", "not_a_table", "NUL"),
        ("a,b\n1,2\n".encode("utf-16"), "data.csv", "encoding", "UTF-16"),
        ("a,b\n1,2\n".encode("utf-16-le"), "data.csv", "encoding", "UTF-16"),
        ("a,b\n".encode("utf-32"), "data.csv", "encoding", "UTF-32"),
        (b"a,b\n1,2\n", "data.parquet", "unreadable", "PAR1"),
    ],
)
def test_other_things_are_named(head: bytes, filename: str, code: str, says: str) -> None:
    if code == "csv":
        assert detect_format(head, filename) == "csv"
        return
    with pytest.raises(DatasetProblem) as caught:
        detect_format(head, filename)
    assert caught.value.code == code
    assert says in str(caught.value)


# --- the head and its encoding ----------------------------------------------------------------


def test_head_is_64_kb_of_a_long_file_and_whole_for_a_short_one(tmp_path: Path) -> None:
    short = tmp_path / "short.csv"
    short.write_text("a\n1\n")
    assert read_head(short) == (b"a\n1\n", True)
    long = tmp_path / "long.csv"
    long.write_text("a\n" + "1\n" * 100_000)
    head, complete = read_head(long)
    assert len(head) == HEAD_BYTES and not complete


def test_head_grows_until_it_holds_whole_lines(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    header = ",".join(f"column_{i}" for i in range(20_000))  # about 200 KB
    wide.write_text(header + "\n" + "\n".join([",".join(["1"] * 20_000)] * 40) + "\n")
    head, complete = read_head(wide)
    assert not complete and head.count(b"\n") >= 5
    text = decode_head(head, complete)
    assert text is not None
    assert len(sniff_csv(text, complete).header) == 20_000


def test_a_character_cut_by_the_head_is_not_an_encoding_error() -> None:
    text = "é" * 10
    head = text.encode()[:-1]
    assert decode_head(head, complete=False) == "é" * 9
    assert decode_head(head, complete=True) is None
    assert decode_head(codecs.BOM_UTF8 + b"a,b", complete=True) == "a,b"


def test_utf8_fault_across_block_boundary(tmp_path: Path) -> None:
    path = tmp_path / "edge.csv"
    line = b"x" * 99 + b"\n"
    body = line * ((1 << 20) // 100)  # ends a few bytes before the 1 MB block boundary
    padding = (1 << 20) - len(body) - 1
    # "é" split across the block boundary is fine; a lone continuation byte later is not
    data = body + b"y" * padding + "é".encode() + b"\n" + b"ok\n" + b"bad \x80 here\n"
    path.write_bytes(data)
    fault = find_utf8_fault(path)
    assert fault is not None
    assert fault.offset == data.index(b"\x80")
    assert fault.line == data.count(b"\n", 0, fault.offset) + 1
    assert (fault.column, fault.byte) == (5, 0x80)
    assert "bad" in fault.excerpt


def test_truncated_character_at_the_end_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_bytes(b"a\n1\n\xc3")
    fault = find_utf8_fault(path)
    assert fault is not None and (fault.line, fault.column, fault.byte) == (3, 1, 0xC3)
    (tmp_path / "fine.csv").write_bytes("a\né\n".encode())
    assert find_utf8_fault(tmp_path / "fine.csv") is None


# --- separator and header ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delimiter", "header"),
    [
        ("a,b,c\n1,2,3\n", ",", ["a", "b", "c"]),
        ("a;b;c\n1,5;2,5;3\n", ";", ["a", "b", "c"]),  # decimal commas
        ("a\tb\n1,2\t3\n", "\t", ["a", "b"]),
        ("a|b\n1|2\n", "|", ["a", "b"]),
        ('"x;y",z\n"1;2",3\n', ",", ["x;y", "z"]),  # separators inside quotes do not count
        ("name;note\nann;a, b and c\nbo;d, e\n", ";", ["name", "note"]),
        ("a,b\n1,2\n3,4,5\n6,7\n", ",", ["a", "b"]),  # one ragged row does not change it
        ("value\n1\n2\n", ",", ["value"]),
        ("value\n1,5\n2,5\n", ";", ["value"]),  # one column: a separator that splits nothing
        ("\n\n  \nx,y\n1,2\n", ",", ["x", "y"]),
    ],
)
def test_separator_is_sniffed(text: str, delimiter: str, header: list[str]) -> None:
    head = sniff_csv(text, complete=True)
    assert (head.delimiter, head.header) == (delimiter, header)


def test_header_line_counts_blank_lines_before_it() -> None:
    assert sniff_csv("\n\nx,y\n1,2\n", complete=True).header_line == 3


def test_last_line_of_a_partial_head_is_not_trusted() -> None:
    head = sniff_csv("a,b\n1,2\n3,4\n5,", complete=False)
    assert head.delimiter == ","


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a,,c\n1,2,3\n", "Column 2 "),
        ("a,b,\n1,2,3\n", "Column 3 "),
        (" ,b, \n1,2,3\n", "Columns 1, 3 "),
        ("x y z\n1 2 3\n4 5 6\n7 8 9\n", "spaces"),
        ("x:y\n1:2\n3:4\n5:6\n", "colons"),
    ],
)
def test_bad_headers(text: str, says: str) -> None:
    with pytest.raises(DatasetProblem) as caught:
        sniff_csv(text, complete=True)
    assert caught.value.code == "bad_header"
    assert says in str(caught.value)


def test_one_column_of_words_is_not_mistaken_for_spaces() -> None:
    head = sniff_csv("full name\nAda Lovelace\nAlan Turing\nGrace Hopper\n", complete=True)
    assert head.header == ["full name"]


# --- target and task -----------------------------------------------------------------------


def column(name: str, kind: str = "number", distinct: int | None = 50, missing: int = 0):
    return ColumnProfile(name, kind, missing, distinct, {}, [])


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ([column("a"), column("Target", "integer", 2), column("b")], "Target"),
        ([column("label", "text", 3), column("price")], "label"),  # strong names first
        ([column("Species", "text", 3), column("x")], "Species"),
        ([column("SalePrice"), column("x", "integer", 3)], "SalePrice"),
        ([column("income_class", "text", 2), column("x")], "income_class"),
        ([column("classification_score"), column("z", "boolean", 2)], "z"),
        ([column("a"), column("b", "integer", 7)], "b"),  # the last column
        ([column("a"), column("customer_id", "integer", 5)], None),  # an id
        ([column("a"), column("code", "text", 100)], None),  # all different: an id
        ([column("a"), column("big", "integer", None)], None),  # too many values
        ([column("a"), column("same", "text", 1)], None),  # constant
        ([column("label", "text", 1), column("b", "integer", 3)], "b"),  # constant label
        ([column("a"), column("when", "datetime", 10)], None),
        ([column("a"), column("gaps", "number", 0, missing=100)], None),
        ([], None),
    ],
)
def test_target_suggestion(columns: list[ColumnProfile], expected: str | None) -> None:
    assert suggest_target(columns, rows=100) == expected


@pytest.mark.parametrize(
    ("kind", "distinct", "task"),
    [
        ("number", 21, "regression"),
        ("number", 20, "classification"),  # wholeness unknown (no stats): read as whole
        ("number", None, "regression"),
        ("integer", None, "regression"),  # many whole numbers: a count or an amount
        ("integer", 500, "regression"),
        ("integer", 5, "classification"),  # a few: a rating or a class code
        ("text", None, "classification"),
        ("boolean", 2, "classification"),
    ],
)
def test_task_follows_the_target_rule(kind: str, distinct: int | None, task: str) -> None:
    assert suggest_task(column("t", kind, distinct)) == task

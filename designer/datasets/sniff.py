"""What an uploaded file is, and how a CSV's first lines are written: encoding, separator, header.

Everything here looks at the head of the file only (``read_head``), apart from
``find_utf8_fault``, which streams the whole file once to find where it stops being UTF-8.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

PROBLEM_CODES = (
    "empty",
    "no_rows",
    "not_a_table",
    "encoding",
    "ragged",
    "unreadable",
    "bad_header",
)
#: The separators a CSV may use between columns, in order of preference.
DELIMITERS = (",", ";", "\t", "|")
HEAD_BYTES = 64 * 1024
#: The head grows (doubling) up to this size until it holds a few whole lines.
MAX_HEAD_BYTES = 4 * 1024 * 1024
HEAD_LINES = 5
#: Records of the head used to choose the separator.
SNIFF_RECORDS = 200
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_BLOCK_BYTES = 1 << 20
_SAVE_AS_CSV = 'open it in Excel or LibreOffice, save the sheet as "CSV UTF-8" and upload that'


class DatasetProblem(ValueError):
    """Why a file cannot be a dataset, for a person: what is wrong, where (line), what to do.

    ``code`` says which kind of problem, one of ``PROBLEM_CODES``.
    """

    code: str

    def __init__(self, code: str, message: str) -> None:
        if code not in PROBLEM_CODES:
            raise ValueError(f"unknown dataset problem code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message


# --- what kind of file ----------------------------------------------------------------------

#: (leading bytes, what the file is, what to do instead)
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it and upload the CSV or Parquet inside"),
    (b"\xfd7zXZ\x00", "an xz-compressed file", "decompress it and upload the file inside"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it and upload the CSV or Parquet inside"),
    (b"Rar!\x1a\x07", "a RAR archive", "extract it and upload the CSV or Parquet inside"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file", "decompress it and upload the file inside"),
    (b"%PDF-", "a PDF document", "export the table as CSV from the program that made the PDF"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "upload the table itself as CSV or Parquet"),
    (b"\xff\xd8\xff", "a JPEG image", "upload the table itself as CSV or Parquet"),
    (b"GIF87a", "a GIF image", "upload the table itself as CSV or Parquet"),
    (b"GIF89a", "a GIF image", "upload the table itself as CSV or Parquet"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Excel workbook (.xls) or another Microsoft Office file",
        _SAVE_AS_CSV,
    ),
    (b"SQLite format 3\x00", "an SQLite database", "export the table you need as CSV"),
    (b"ARROW1", "an Arrow (Feather) file", "save it as Parquet or CSV instead"),
    (b"\x7fELF", "a program, not data", "choose the data file instead"),
    (b"{\\rtf", "an RTF document", "save the table as CSV from the program that made it"),
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_JSON_ARRAY = re.compile(rb'\[\s*(?:[\[{"\]\-0-9]|true|false|null)')
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<!--", b"<meta", b"<table")


def detect_format(head: bytes, filename: str) -> str:
    """``"csv"`` or ``"parquet"`` from the first bytes of a file (the name only as a hint).

    Raises ``DatasetProblem`` ("not_a_table") for anything else, saying what it looks like, and
    ("encoding") for UTF-16/32 text.
    """
    subject = f"{filename} looks like" if filename else "This looks like"
    if head.startswith(b"PAR1"):
        return "parquet"
    for magic, what, advice in _SIGNATURES:
        if head.startswith(magic):
            raise DatasetProblem("not_a_table", f"{subject} {what}, not a table: {advice}.")
    if head.startswith(_ZIP_MAGIC):
        what, advice = _zip_kind(head, filename.lower())
        raise DatasetProblem("not_a_table", f"{subject} {what}, not a table: {advice}.")
    if filename.lower().endswith(PARQUET_SUFFIXES):
        raise DatasetProblem(
            "unreadable",
            f"{filename} is named like a Parquet file but does not start like one (a Parquet "
            "file begins with PAR1), so it is damaged or not Parquet: export it again, or give "
            "it a .csv name if it is a CSV.",
        )
    _check_text_encoding(head, subject)
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    lower = text[:512].lower()
    if text.startswith(b"{") or _JSON_ARRAY.match(text):
        raise DatasetProblem(
            "not_a_table",
            f"{subject} JSON, not a table: convert it to CSV first (for example with "
            "pandas.read_json(...).to_csv(..., index=False)) and upload that.",
        )
    if lower.startswith(_HTML_STARTS) or (lower.startswith(b"<?xml") and b"<html" in lower):
        raise DatasetProblem(
            "not_a_table",
            f"{subject} a web page (HTML), not a CSV: if you downloaded it, the link probably "
            "led to a page about the file rather than the file itself (on GitHub, use the Raw "
            "button); download the file again and upload that.",
        )
    if lower.startswith(b"<?xml"):
        what = (
            "an Excel XML spreadsheet"
            if b"urn:schemas-microsoft-com:office:spreadsheet" in text
            else "an XML document"
        )
        advice = _SAVE_AS_CSV if "Excel" in what else "convert the table in it to CSV first"
        raise DatasetProblem("not_a_table", f"{subject} {what}, not a table: {advice}.")
    return "csv"


def _zip_kind(head: bytes, name: str) -> tuple[str, str]:
    if b"xl/" in head or name.endswith((".xlsx", ".xlsm", ".xlsb")):
        return "an Excel workbook", _SAVE_AS_CSV
    if b"opendocument.spreadsheet" in head or name.endswith(".ods"):
        return "an OpenDocument spreadsheet", _SAVE_AS_CSV
    if b"word/" in head or name.endswith(".docx"):
        return "a Word document", "save the table in it as CSV first"
    return "a ZIP archive", "unzip it and upload the CSV or Parquet file inside"


def _check_text_encoding(head: bytes, subject: str) -> None:
    """UTF-16/32 text and binary data show themselves by their BOM or their NUL bytes."""
    wide = None
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        wide = "UTF-32"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        wide = "UTF-16"
    elif b"\x00" in head:
        sample = head[:512]
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if max(even, odd) >= 0.4 * (len(sample) / 2) and min(even, odd) == 0:
            wide = "UTF-16"
        else:
            raise DatasetProblem(
                "not_a_table",
                f"{subject} binary data (it holds NUL bytes), not a text table: upload a CSV "
                "or Parquet file.",
            )
    if wide:
        raise DatasetProblem(
            "encoding",
            f"The file is {wide} text; only UTF-8 can be read. Save it again as UTF-8 (in "
            'Excel: Save As, "CSV UTF-8"; in LibreOffice: character set "Unicode (UTF-8)") '
            "and upload it again.",
        )


# --- the head and its encoding -----------------------------------------------------------------


def read_head(path: Path) -> tuple[bytes, bool]:
    """The first bytes of the file (64 KB, more when lines are long) and whether that is all."""
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
        size = HEAD_BYTES
        while len(head) == size and size < MAX_HEAD_BYTES:
            if head.strip() and head.count(b"\n") + head.count(b"\r") >= 2 * HEAD_LINES:
                return head, False
            more = handle.read(size)
            head += more
            size *= 2
        return head, not handle.read(1)


def decode_head(head: bytes, complete: bool) -> str | None:
    """The head as text (no BOM), cut before a character split by the end; None if not UTF-8."""
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not complete and exc.reason == "unexpected end of data":
            return head[: exc.start].decode("utf-8-sig")
        return None


@dataclass(frozen=True)
class Utf8Fault:
    """Where a file first stops being UTF-8."""

    offset: int
    #: 1-based line and character (None when the line began too far back to count)
    line: int
    column: int | None
    byte: int
    excerpt: str


def find_utf8_fault(path: Path) -> Utf8Fault | None:
    """Stream the file through a strict UTF-8 decoder and locate the first bad byte."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = lines = 0
    with open(path, "rb") as handle:
        while True:
            block = handle.read(_BLOCK_BYTES)
            pending = decoder.getstate()[0]
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                bad = offset - len(pending) + exc.start
                line = lines + block[: max(0, exc.start - len(pending))].count(b"\n") + 1
                return _describe_fault(path, bad, line)
            if not block:
                return None
            offset += len(block)
            lines += block.count(b"\n")


def _describe_fault(path: Path, bad: int, line: int) -> Utf8Fault:
    start = max(0, bad - 2048)
    with open(path, "rb") as handle:
        handle.seek(start)
        window = handle.read(4096)
    at = bad - start
    newline = window.rfind(b"\n", 0, at)
    line_start = newline + 1
    if start == 0 and line_start == 0 and window.startswith(codecs.BOM_UTF8) and at >= 3:
        line_start = 3  # the BOM is not a character of the first line
    line_end = window.find(b"\n", at)
    line_end = len(window) if line_end < 0 else line_end
    before = window[line_start:at].decode("utf-8", "replace")
    column = len(before) + 1 if newline >= 0 or start == 0 else None
    excerpt_bytes = window[max(line_start, at - 40) : min(line_end, at + 30)]
    excerpt = excerpt_bytes.decode("utf-8", "replace").rstrip("\r")
    return Utf8Fault(bad, line, column, window[at], excerpt)


def encoding_problem(fault: Utf8Fault | None) -> DatasetProblem:
    if fault is None:  # should not happen: something failed to decode but the scan found nothing
        return DatasetProblem(
            "encoding", "The file is not UTF-8 text: save it again as UTF-8 and upload it again."
        )
    where = f"line {fault.line}" + (f", character {fault.column}," if fault.column else "")
    guess = ""
    try:
        char = bytes([fault.byte]).decode("cp1252")
    except UnicodeDecodeError:
        char = ""
    if char.isprintable() and not char.isascii():
        guess = (
            f"It was probably saved as Windows-1252 or Latin-1, where 0x{fault.byte:02X} is "
            f"{char!r}. "
        )
    return DatasetProblem(
        "encoding",
        f"The file is not UTF-8 text: {where} has the byte 0x{fault.byte:02X}, which UTF-8 does "
        f"not allow there (near {fault.excerpt!r}). {guess}Save the file again as UTF-8 (in "
        'Excel: Save As, "CSV UTF-8"; in LibreOffice: character set "Unicode (UTF-8)") and '
        "upload it again.",
    )


# --- separator and header ----------------------------------------------------------------------


@dataclass(frozen=True)
class CsvHead:
    """How the CSV is written, from its head: separator, header fields, header line."""

    delimiter: str
    header: list[str]
    header_line: int


def is_blank_record(fields: list[str]) -> bool:
    """A line pandas skips: empty, or only spaces (one field of spaces to the csv module).

    A line holding just ``""`` is one empty field to the csv module too, but pandas reads it
    as a row with a missing value, so it is not blank.
    """
    return not fields or (len(fields) == 1 and fields[0] != "" and not fields[0].strip())


def _records(text: str, delimiter: str, limit: int) -> list[tuple[int, list[str]]]:
    """Up to ``limit`` non-blank records of ``text`` with the line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            if not is_blank_record(fields):
                records.append((start, fields))
                if len(records) >= limit:
                    break
            start = reader.line_num + 1
    except csv.Error:  # a quote left open for longer than the csv module's field limit
        pass
    return records


def sniff_csv(text: str, complete: bool, filename: str = "") -> CsvHead:
    """Choose the separator and read the header; ``DatasetProblem`` when that cannot be done.

    A separator is a candidate when it splits the header in two or more; the one whose field
    count agrees with the header's on the most lines of the head wins (ties: the order of
    ``DELIMITERS``). With no candidate the file has one column, and its separator is one that
    splits no line, so that ``pandas.read_csv(path, sep=delimiter)`` reads one column too.
    """
    name = filename or "The file"
    if not text.strip():
        if complete:
            raise DatasetProblem(
                "empty",
                f"{name} holds only blank lines or spaces, no table: check that you chose the "
                "right file and export it again.",
            )
        raise DatasetProblem(
            "empty", f"{name} begins with more than {len(text)} characters of blank space."
        )
    limit = SNIFF_RECORDS + 1 + (0 if complete else 1)
    parsed = {d: _records(text, d, limit) for d in DELIMITERS}
    if not complete:  # the last record of a head may be cut short
        parsed = {
            d: records[:-1] if len(records) >= 2 else records for d, records in parsed.items()
        }
    if not parsed[DELIMITERS[0]]:  # e.g. nothing but quotes around nothing
        raise DatasetProblem(
            "bad_header",
            f"{name} has no header: its first line with something in it must name the columns.",
        )
    best: tuple[float, int, str] | None = None
    for index, delimiter in enumerate(DELIMITERS):
        records = parsed[delimiter]
        if not records or len(records[0][1]) < 2:
            continue
        width, data = len(records[0][1]), records[1:]
        agree = sum(len(fields) == width for _, fields in data) / len(data) if data else 1.0
        if best is None or (agree, -index) > (best[0], -best[1]):
            best = (agree, index, delimiter)
    if best is None:
        delimiter = next(
            (d for d in DELIMITERS if all(len(f) == 1 for _, f in parsed[d])), DELIMITERS[0]
        )
        head = _head_of(parsed[delimiter], delimiter)
        _check_single_column(head, text, complete)
        return head
    agree, _, delimiter = best
    head = _head_of(parsed[delimiter], delimiter)
    data = parsed[delimiter][1:]
    if data and agree == 0 and all(len(fields) == 1 for _, fields in data):
        raise DatasetProblem(
            "bad_header",
            f"The header (line {head.header_line}) has {len(head.header)} columns split by "
            f"{_say(delimiter)}, but no line below it has {_say(delimiter)}: use the same "
            "separator in the header and the rows (if the table has one column, put its name "
            'in double quotes, "like, this").',
        )
    _check_names(head)
    return head


def _head_of(records: list[tuple[int, list[str]]], delimiter: str) -> CsvHead:
    line, header = records[0]
    return CsvHead(delimiter, header, line)


def _check_names(head: CsvHead) -> None:
    unnamed = [i + 1 for i, name in enumerate(head.header) if not name.strip()]
    if not unnamed:
        return
    which = ", ".join(map(str, unnamed[:10])) + (", ..." if len(unnamed) > 10 else "")
    plural = "s" if len(unnamed) > 1 else ""
    raise DatasetProblem(
        "bad_header",
        f"Column{plural} {which} of the header (line {head.header_line}) ha"
        f"{'ve' if plural else 's'} no name: the first line must name every column. Name "
        f"{'them' if plural else 'it'}, or delete the column if it is empty or a saved row "
        "index (pandas writes one unless you call to_csv with index=False).",
    )


#: Separators people use that pandas would not split on by default.
_OTHER_SEPARATORS = ((None, "spaces"), (":", "colons"))
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _check_single_column(head: CsvHead, text: str, complete: bool) -> None:
    """One column is fine, unless the lines are plainly columns split by something else."""
    lines = [line for line in text.splitlines() if line.strip()]
    lines = lines[: SNIFF_RECORDS + 1] if complete else lines[:-1][: SNIFF_RECORDS + 1]
    if len(lines) < 3:
        return
    for separator, said in _OTHER_SEPARATORS:
        header, *rows = (line.split(separator) for line in lines)
        width = len(header)
        if width < 2 or any(len(row) != width for row in rows):
            continue
        tokens = [token.strip() for row in rows for token in row]
        if sum(bool(_NUMBER.fullmatch(token)) for token in tokens) * 2 >= len(tokens):
            raise DatasetProblem(
                "bad_header",
                f"The header (line {head.header_line}) looks like {width} columns separated by "
                f"{said}, which is not a separator this reads: save the table with commas, "
                "semicolons, tabs or | between the columns.",
            )


def _say(delimiter: str) -> str:
    return "a tab" if delimiter == "\t" else f"a {delimiter!r}"

"""Reading a user's own table from a data folder, a web server or a presigned storage address.

Every address goes through the read policy (``blocks.runtime.read_policy``) first, here in the
run as well as when the flow was checked: a flow parameter can change it at run time. Every
failure is turned into one sentence that names the address and what went wrong, because the
user only sees the error line of a failed run. Errors never quote what a file holds, beyond the
column names of a file the block was allowed to read.
"""

from __future__ import annotations

import io
import os
from typing import BinaryIO
from urllib.parse import urlparse

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from blocks.runtime import pod_storage
from blocks.runtime.read_policy import (
    LocalFile,
    ReadPolicy,
    ReadRefused,
    S3Address,
    WebAddress,
)
from blocks.runtime.tables import Table, guess_kind, require_columns
from blocks.runtime.web_fetch import download

FORMATS = ("auto", "csv", "parquet")
TASKS = ("auto", "classification", "regression")
#: infer() guesses the task of a CSV target only for files up to this size, to stay fast.
MAX_INFER_CSV_BYTES = 50_000_000
_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_CSV_SUFFIXES = (".csv", ".csv.gz", ".txt")
_COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".zip": "zip", ".xz": "xz", ".zst": "zstd"}


def read_table_file(
    uri: str,
    fmt: str = "auto",
    target: str = "",
    task: str = "auto",
    sep: str = ",",
    policy: ReadPolicy | None = None,
) -> Table:
    """Load the table at ``uri`` and mark its target column and task (``sep``: CSV only).

    ``policy`` says what may be read (default: this process's environment); an address it
    refuses raises ReadRefused before anything is opened or fetched.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    policy = policy or ReadPolicy.from_env()
    address = policy.check(uri)
    if isinstance(address, LocalFile):
        with policy.open_file(address) as handle:
            frame = parse(handle, resolve_format(address, fmt, _head(handle)), uri, sep)
    else:
        data = fetch(address, policy)
        frame = parse(io.BytesIO(data), resolve_format(address, fmt, data[:4]), uri, sep)
    frame.columns = [str(c) for c in frame.columns]
    if not target:
        return Table(frame)
    require_columns(frame, [target], f"Target column of {_plain(uri)}")
    return Table(frame, target, resolve_task(frame[target], task))


def resolve_task(labels: pd.Series, task: str) -> str:
    """The task set in the block, or when it is auto the one the target's values call for
    (``blocks.runtime.target_kind``)."""
    if task == "auto":
        return guess_kind(labels).task
    numeric = pd.api.types.is_numeric_dtype(labels) and not pd.api.types.is_bool_dtype(labels)
    if task == "regression" and not numeric:
        raise ValueError(
            f"Task is regression but the target {labels.name!r} holds text; regression needs "
            "numbers: set Task to classification or auto."
        )
    return task


def resolve_format(address: LocalFile | WebAddress | S3Address, fmt: str, head: bytes) -> str:
    """The chosen format, else the one the file name says, else the one the content says."""
    if fmt != "auto":
        return fmt
    if isinstance(address, LocalFile):
        name = address.path.name.lower()
    else:
        name = urlparse(address.address).path.lower()
    if name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    return "parquet" if head.startswith(b"PAR1") else "csv"


def fetch(address: WebAddress | S3Address, policy: ReadPolicy) -> bytes:
    """The bytes at a web address, judged hop by hop; an s3:// address is read with the
    storage keys a cluster task is given when the designer granted the task that address,
    and refused otherwise (one arriving from a flow parameter, or a run without keys)."""
    if isinstance(address, S3Address):
        if address.address in policy.grants and pod_storage.has_keys():
            return _read_s3(address)
        raise ReadRefused(
            address.address,
            "a run holds no storage keys: the designer signs s3:// addresses written in the "
            "block when it starts the run, and this one arrived later (from a flow parameter)",
            "write the address in the block's File setting, or use the Dataset block",
        )
    return download(address.address, policy)


def _read_s3(address: S3Address) -> bytes:
    try:
        return pod_storage.read_bytes(address.address)
    except Exception as exc:  # minio's S3Error, a refused connection: one line for the person
        code = getattr(exc, "code", "") or type(exc).__name__
        raise ValueError(f"could not read {address.address} from storage: {code}") from exc


def parse(source: BinaryIO, fmt: str, uri: str, sep: str = ",") -> pd.DataFrame:
    try:
        if fmt == "parquet":
            return pd.read_parquet(source)
        return pd.read_csv(source, sep=sep or ",", compression=_compression(uri))
    except pd.errors.EmptyDataError:
        raise ValueError(f"{_plain(uri)} is empty: it has no columns to read") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pa.ArrowException, OSError) as exc:
        raise ValueError(
            f"could not read {_plain(uri)} as {fmt.upper()}: {_reason(exc)}; check that it is a "
            f"{fmt} file or set Format to the right one"
        ) from exc


def _compression(uri: str) -> str | None:
    """How a CSV is compressed, from its name (pandas cannot tell from an open file)."""
    name = urlparse(uri).path if uri.lower().startswith(("http://", "https://")) else uri
    suffix = os.path.splitext(name.lower())[1]
    return _COMPRESSIONS.get(suffix)


def _reason(exc: Exception) -> str:
    """What went wrong, without quoting the file: a decoder's message shows its bytes."""
    if isinstance(exc, UnicodeDecodeError):
        return f"it is not {exc.encoding.upper()} text"
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def read_local_schema(
    handle: BinaryIO, file: LocalFile, fmt: str, target: str, task: str
) -> tuple[list[str], str | None, str | None]:
    """Columns, task and why that task, of an open local file without loading all of it
    (design-time checks). The why is None unless Task is auto and the target was read: what
    the target holds, in words ("five whole numbers from 1 to 5, like a rating...")."""
    fmt = resolve_format(file, fmt, _head(handle))
    if fmt == "parquet":
        columns = _parquet_columns(handle)
    else:
        columns = [str(c) for c in pd.read_csv(handle, nrows=0).columns]
    handle.seek(0)
    if not target or target not in columns:
        return columns, None, None
    if task != "auto":
        return columns, task, None
    if fmt == "parquet":
        labels = pq.read_table(handle, columns=[target]).column(0).to_pandas()
    elif os.fstat(handle.fileno()).st_size <= MAX_INFER_CSV_BYTES:
        labels = pd.read_csv(handle, usecols=[target])[target]
    else:
        return columns, None, None
    kind = guess_kind(labels.rename(target))
    return columns, kind.task, kind.holds


def _parquet_columns(handle: BinaryIO) -> list[str]:
    schema = pq.read_schema(handle)
    index = set()
    pandas_meta = schema.pandas_metadata or {}
    for entry in pandas_meta.get("index_columns", []):
        if isinstance(entry, str):
            index.add(entry)
    return [name for name in schema.names if name not in index]


def _head(handle: BinaryIO) -> bytes:
    head = handle.read(4)
    handle.seek(0)
    return head


def _plain(uri: str) -> str:
    """An address as messages show it: without a query string, which may hold a signature."""
    return uri.split("?", 1)[0] if uri.lower().startswith(("http://", "https://")) else uri

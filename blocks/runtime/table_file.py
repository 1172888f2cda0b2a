"""Reading a user's own table from a local path, a web server or S3-compatible storage.

Every failure is turned into one sentence that names the address and what went wrong, because
the user only sees the error line of a failed run.
"""

from __future__ import annotations

import io
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse
from urllib.request import url2pathname

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from blocks.runtime.tables import Table, guess_task, require_columns

if TYPE_CHECKING:
    from minio import Minio

FORMATS = ("auto", "csv", "parquet")
TASKS = ("auto", "classification", "regression")
HTTP_TIMEOUT_S = 30.0
#: infer() guesses the task of a CSV target only for files up to this size, to stay fast.
MAX_INFER_CSV_BYTES = 50_000_000
_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_CSV_SUFFIXES = (".csv", ".csv.gz", ".txt")


def local_path(uri: str) -> Path | None:
    """The file system path of a local address (plain path or file://), else None."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(url2pathname(parsed.path))
    if len(parsed.scheme) > 1:  # one letter is a Windows drive, not a scheme
        return None
    return Path(uri).expanduser()


def read_table_file(
    uri: str, fmt: str = "auto", target: str = "", task: str = "auto", sep: str = ","
) -> Table:
    """Load the table at ``uri`` and mark its target column and task (``sep``: CSV only)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    data = fetch(uri)
    head = data[:4] if isinstance(data, bytes) else _read_head(data)
    frame = parse(data, resolve_format(uri, fmt, head), uri, sep)
    frame.columns = [str(c) for c in frame.columns]
    if not target:
        return Table(frame)
    require_columns(frame, [target], f"Target column of {uri}")
    return Table(frame, target, resolve_task(frame[target], task))


def resolve_task(labels: pd.Series, task: str) -> str:
    if task == "auto":
        return guess_task(labels)
    numeric = pd.api.types.is_numeric_dtype(labels) and not pd.api.types.is_bool_dtype(labels)
    if task == "regression" and not numeric:
        examples = ", ".join(map(repr, labels.dropna().astype(str).unique()[:3]))
        raise ValueError(
            f"Task is regression but the target {labels.name!r} holds text ({examples}); "
            "regression needs numbers: set Task to classification or auto."
        )
    return task


def resolve_format(uri: str, fmt: str, head: bytes) -> str:
    """The chosen format, else the one the file name says, else the one the content says."""
    if fmt != "auto":
        return fmt
    name = urlparse(uri).path.lower() if local_path(uri) is None else uri.lower()
    if name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    return "parquet" if head.startswith(b"PAR1") else "csv"


def fetch(uri: str) -> bytes | Path:
    """The file's bytes (remote) or its path (local), with a clear error when unavailable."""
    if not uri:
        raise ValueError("no file given: set File to a path, an http(s):// or an s3:// address")
    scheme = urlparse(uri).scheme.lower()
    if scheme in ("http", "https"):
        return _download_http(uri)
    if scheme == "s3":
        return _download_s3(uri)
    path = local_path(uri)
    if path is None:
        raise ValueError(
            f"cannot read {uri!r}: addresses starting with {scheme}:// are not supported; "
            "use a local path, http(s)://... or s3://bucket/key"
        )
    if path.is_dir():
        raise IsADirectoryError(
            f"{uri!r} is a folder, not a file; give the path of a CSV or Parquet"
        )
    if not path.is_file():
        raise FileNotFoundError(
            f"no file at {uri!r} (looked in {path.resolve()}); check the path, which is read "
            "where the block runs"
        )
    return path


def parse(data: bytes | Path, fmt: str, uri: str, sep: str = ",") -> pd.DataFrame:
    gzip = str(uri).lower().endswith(".gz")
    source: io.BytesIO | Path = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        if fmt == "parquet":
            return pd.read_parquet(source)
        return pd.read_csv(source, sep=sep or ",", compression="gzip" if gzip else "infer")
    except pd.errors.EmptyDataError:
        raise ValueError(f"{uri} is empty: it has no columns to read") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pa.ArrowException, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(
            f"could not read {uri} as {fmt.upper()}: {reason}; check that it is a {fmt} file "
            "or set Format to the right one"
        ) from exc


def read_local_schema(path: Path, fmt: str, target: str, task: str) -> tuple[list[str], str | None]:
    """Columns and task of a local file without loading all of it (for design-time checks)."""
    fmt = resolve_format(str(path), fmt, _read_head(path))
    if fmt == "parquet":
        columns = _parquet_columns(path)
    else:
        columns = [str(c) for c in pd.read_csv(path, nrows=0).columns]
    if not target or target not in columns:
        return columns, None
    if task != "auto":
        return columns, task
    if fmt == "parquet":
        labels = pq.read_table(path, columns=[target]).column(0).to_pandas()
    elif path.stat().st_size <= MAX_INFER_CSV_BYTES:
        labels = pd.read_csv(path, usecols=[target])[target]
    else:
        return columns, None
    return columns, guess_task(labels)


def _parquet_columns(path: Path) -> list[str]:
    schema = pq.read_schema(path)
    index = set()
    pandas_meta = schema.pandas_metadata or {}
    for entry in pandas_meta.get("index_columns", []):
        if isinstance(entry, str):
            index.add(entry)
    return [name for name in schema.names if name not in index]


def _read_head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(4)


def _download_http(uri: str) -> bytes:
    request = urllib.request.Request(uri, headers={"User-Agent": "designer-blocks"})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise FileNotFoundError(
            f"could not download {uri}: the server answered HTTP {exc.code} {exc.reason}"
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConnectionError(f"could not reach {uri}: {reason}") from None


def s3_client() -> tuple[Minio, str]:
    """A MinIO client from the DESIGNER_S3_* environment variables, and its endpoint."""
    import urllib3
    from minio import Minio

    endpoint = os.environ.get("DESIGNER_S3_ENDPOINT", "").strip()
    if not endpoint:
        raise ValueError(
            "s3:// addresses need the storage endpoint: set DESIGNER_S3_ENDPOINT (host:port), "
            "DESIGNER_S3_ACCESS_KEY and DESIGNER_S3_SECRET_KEY"
        )
    secure = os.environ.get("DESIGNER_S3_SECURE", "false").strip().lower() in ("true", "1", "yes")
    for prefix, is_secure in (("https://", True), ("http://", False)):
        if endpoint.startswith(prefix):
            endpoint, secure = endpoint[len(prefix) :].rstrip("/"), is_secure
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=10, read=60),
        retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)),
    )
    client = Minio(
        endpoint,
        access_key=os.environ.get("DESIGNER_S3_ACCESS_KEY") or None,
        secret_key=os.environ.get("DESIGNER_S3_SECRET_KEY") or None,
        secure=secure,
        http_client=http,
    )
    return client, endpoint


def _download_s3(uri: str) -> bytes:
    import urllib3
    from minio.error import S3Error

    parsed = urlparse(uri)
    bucket, key = parsed.netloc, parsed.path.lstrip("/")
    if not bucket or not key:
        raise ValueError(f"{uri!r} is not a full S3 address; write it as s3://bucket/path/file.csv")
    client, endpoint = s3_client()
    try:
        response = client.get_object(bucket, key)
    except S3Error as exc:
        if exc.code in ("NoSuchKey", "NoSuchBucket"):
            what = f"bucket {bucket!r}" if exc.code == "NoSuchBucket" else f"object {key!r}"
            raise FileNotFoundError(f"no {what} at {endpoint} (reading {uri})") from None
        raise PermissionError(
            f"S3 storage at {endpoint} refused {uri}: {exc.code} {exc.message}"
        ) from exc
    except urllib3.exceptions.HTTPError as exc:
        raise ConnectionError(f"could not reach S3 storage at {endpoint}: {exc}") from None
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()

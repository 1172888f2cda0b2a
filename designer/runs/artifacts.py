"""Run outputs kept in object storage, so they outlive the engine's folders, and read back.

When a local run finishes, whatever its status, ``keep_artifacts`` copies every output that has
a file (a folder output: each of its files) and the console output into the object store:

    runs/<run>/console.log
    runs/<run>/<node>/<port>/<file name, or the file's path inside a folder output>

Node ids and file names come from people and blocks, so each part of a key is encoded by
``key_part``: a safe name stays as it is, anything else keeps its safe characters and gains a
short hash of the original (``"load data" -> "load_data--5f1c0a9e2b"``). The record keeps each
file's original path beside its key, so downloads carry the names the block wrote.

Storage never fails a run: when the store is down or refuses us, the run keeps its status, its
record says why in ``artifacts_error``, and downloads read the run's folder while it exists.

``open_download`` is the other half: the bytes of one output, streamed from the store (or the
run's folder), a folder as a .zip built in a temporary file. It never reads a whole artifact
into memory, and serves nothing outside the run's artifact folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, unquote, urlsplit

from designer.objects.base import (
    CHUNK_BYTES,
    ObjectNotFound,
    ObjectStore,
    ObjectStoreError,
    StorageUnavailable,
)
from designer.objects.keys import MAX_KEY_LENGTH, join_key
from designer.runs.record import OutputRecord, RunRecord, StoredOutput

#: Every run's objects live under ``runs/<run>/``.
RUNS_PREFIX = "runs"
#: The key, under the run's prefix, of its console output. No node's part can be this name.
CONSOLE_NAME = "console.log"
#: Where the REST API serves an output (designer.api.rest_artifacts); ``download_href``.
API_PREFIX = "/api/v1"
#: Output types that carry only metadata: kfp.local writes no file for them.
METADATA_ONLY = frozenset({"system.Metrics", "system.ClassificationMetrics"})

_SAFE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,119}")
#: What ``key_part`` appends: a name that already looks like this is encoded too, so an
#: unchanged name can never equal an encoded one.
_HASHED = re.compile(r".*--[0-9a-f]{10}")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = frozenset({CONSOLE_NAME})
#: Bytes read from the start of an output to tell its kind (Parquet, JSON...).
_SNIFF_BYTES = 4096


class ArtifactUnavailable(Exception):
    """An output cannot be downloaded; the message says why."""


# -- keys ----------------------------------------------------------------------------------


def key_part(name: str) -> str:
    """``name`` as one safe key segment: itself when safe, else readable and hashed.

    Deterministic, and different names give different parts (up to the 40-bit hash).
    """
    if _SAFE_PART.fullmatch(name) and not _HASHED.fullmatch(name) and name not in _RESERVED:
        return name
    readable = _UNSAFE_CHARS.sub("_", name).lstrip(".-")[:60] or "x"
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{readable}--{digest}"


def run_prefix(run_id: str) -> str:
    """``runs/<run>/``: every object of one run, for listing or deleting them together."""
    return join_key(RUNS_PREFIX, key_part(run_id)) + "/"


def output_prefix(run_id: str, node_id: str, port: str) -> str:
    return join_key(RUNS_PREFIX, key_part(run_id), key_part(node_id), key_part(port)) + "/"


def console_key(run_id: str) -> str:
    return join_key(RUNS_PREFIX, key_part(run_id), CONSOLE_NAME)


def _file_key(prefix: str, relative: str) -> str:
    key = prefix + "/".join(key_part(part) for part in relative.split("/"))
    if len(key) <= MAX_KEY_LENGTH:
        return key
    # A very deep folder: one flat, hashed name (the record keeps the real path).
    return join_key(prefix.rstrip("/"), key_part(relative.replace("/", "_")))


def download_href(run_id: str, node_id: str, port: str) -> str:
    """The API path that downloads an output, each part URL-quoted."""
    parts = (quote(part, safe="") for part in (run_id, node_id, port))
    return "{}/runs/{}/artifacts/{}/{}".format(API_PREFIX, *parts)


# -- keeping a finished run's outputs ------------------------------------------------------


@dataclass
class KeptArtifacts:
    """What ``keep_artifacts`` stored, to be written into the run's record by ``apply``."""

    outputs: dict[tuple[str, str], StoredOutput] = field(default_factory=dict)
    console_key: str = ""
    error: str = ""

    def apply(self, record: RunRecord) -> None:
        for (node_id, port), stored in self.outputs.items():
            record.nodes[node_id].outputs[port].stored = stored
        record.console_key = self.console_key
        record.artifacts_error = self.error


def keep_artifacts(
    store: ObjectStore, record: RunRecord, console: Path | None = None
) -> KeptArtifacts:
    """Copy every output of ``record`` that has a file, and ``console``, into ``store``.

    ``record`` is only read (pass a snapshot): the result is applied to the live record
    afterwards, so a long copy holds no lock. Never raises for a storage or disk problem: the
    result's ``error`` says what could not be kept.
    """
    kept = KeptArtifacts()
    problems: list[str] = []
    try:
        for node_id, node in record.nodes.items():
            for port, output in node.outputs.items():
                try:
                    stored = _keep_output(store, record, node_id, port, output)
                except StorageUnavailable:
                    raise
                except (ObjectStoreError, OSError) as exc:
                    problems.append(f"output {port!r} of block {node_id!r}: {_why(exc)}")
                    continue
                if stored is not None:
                    kept.outputs[node_id, port] = stored
        if console is not None and console.is_file():
            key = console_key(record.run_id)
            try:
                store.put_file(key, console)
                kept.console_key = key
            except StorageUnavailable:
                raise
            except (ObjectStoreError, OSError) as exc:
                problems.append(f"the console output: {_why(exc)}")
    except StorageUnavailable as exc:
        kept.outputs.clear()  # nothing half-kept is listed; downloads read the run's folder
        kept.console_key = ""
        kept.error = (
            f"the run's outputs could not be kept in {store.description}: {_why(exc)}; "
            "they can be downloaded from the run's folder on this machine while it lasts"
        )
        return kept
    if problems:
        kept.error = f"some outputs could not be kept in {store.description}: " + "; ".join(
            problems
        )
    return kept


def _keep_output(
    store: ObjectStore, record: RunRecord, node_id: str, port: str, output: OutputRecord
) -> StoredOutput | None:
    try:
        path = local_output_path(record, node_id, port)
    except ArtifactUnavailable:
        return None  # metrics only, remote, or not on disk: nothing to copy
    prefix = output_prefix(record.run_id, node_id, port)
    if path.is_dir():
        files = {f.relative_to(path).as_posix(): f for f in _files(path, _root(record))}
    else:
        files = {path.name: path}
    stored = StoredOutput(prefix=prefix, folder=path.is_dir())
    for relative, source in files.items():
        key = _file_key(prefix, relative)
        info = store.put_file(key, source)
        stored.files[relative] = key
        stored.size += info.size
    return stored


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, ObjectStoreError) and exc.strerror:
        return f"{exc.strerror} ({exc.filename})" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__


# -- downloads -----------------------------------------------------------------------------


@dataclass
class Download:
    """One output's bytes, ready to stream: iterate ``chunks`` once, then ``close``."""

    name: str
    size: int
    chunks: Iterator[bytes]
    #: What to close once sent (or not): a temporary zip, an open file, a storage stream.
    resources: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for resource in self.resources:
            _close(resource)


def open_download(store: ObjectStore, record: RunRecord, node_id: str, port: str) -> Download:
    """The file name and bytes of one output: from object storage when it was kept there,
    else (or when storage cannot give it back) from the run's folder; a folder as a .zip.

    Raises ArtifactUnavailable when neither has it, StorageUnavailable or ObjectNotFound when
    only storage had it and cannot give it now.
    """
    output = _output(record, node_id, port)
    base = _UNSAFE_CHARS.sub("-", f"{node_id}-{port}").strip("-") or "output"
    if output.stored is not None:
        try:
            return _stored_download(store, output.stored, base, output.type)
        except (StorageUnavailable, ObjectNotFound) as storage_error:
            try:
                path = local_output_path(record, node_id, port)
            except ArtifactUnavailable:
                raise storage_error from None  # storage is what holds it: say what it said
            return _local_download(path, _root(record), base, output.type)
    return _local_download(
        local_output_path(record, node_id, port), _root(record), base, output.type
    )


def _stored_download(store: ObjectStore, stored: StoredOutput, base: str, kind: str) -> Download:
    if stored.folder:
        archive = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the Download
        try:
            with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
                for relative, key in sorted(stored.files.items()):
                    with zipped.open(relative, "w", force_zip64=True) as entry:
                        for chunk in store.read_chunks(key):
                            entry.write(chunk)
        except BaseException:
            archive.close()
            raise
        return _file_download(f"{base}.zip", archive)
    key = next(iter(stored.files.values()), "")
    if not key:
        raise ObjectNotFound(stored.prefix)
    size = store.stat(key).size
    chunks = store.read_chunks(key)
    try:
        first = next(chunks, b"")
    except BaseException:
        _close(chunks)
        raise
    return Download(base + _suffix(kind, first), size, itertools.chain([first], chunks), [chunks])


def _local_download(path: Path, root: Path, base: str, kind: str) -> Download:
    if path.is_dir():
        archive = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the Download
        try:
            with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
                for file in _files(path, root):
                    zipped.write(file, file.relative_to(path).as_posix())
        except BaseException:
            archive.close()
            raise
        return _file_download(f"{base}.zip", archive)
    handle = path.open("rb")
    start = handle.read(_SNIFF_BYTES)
    handle.seek(0)
    return _file_download(base + _suffix(kind, start), handle)


def _file_download(name: str, handle: IO[bytes]) -> Download:
    size = handle.seek(0, 2)
    handle.seek(0)
    return Download(name, size, _read(handle), [handle])


def _close(resource: object) -> None:
    close = getattr(resource, "close", None)
    if close is not None:
        with contextlib.suppress(Exception):
            close()


def _read(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def _suffix(kind: str, start: bytes) -> str:
    """A file extension so the download opens in the right program; blocks write files
    without one (tables are Parquet, models joblib pickles, deployments JSON)."""
    if start.startswith(b"PAR1"):
        return ".parquet"
    if kind == "system.Model":
        return ".joblib"
    if start.lstrip()[:1] in (b"{", b"["):
        return ".json"
    return ""


# -- outputs on this machine ---------------------------------------------------------------


def local_output_path(record: RunRecord, node_id: str, port: str) -> Path:
    """The output's path on this machine, inside the run's artifact folder, or why not."""
    output = _output(record, node_id, port)
    what = f"output {port!r} of block {node_id!r}"
    parts = urlsplit(output.uri)
    if not output.uri or parts.scheme not in ("", "file") or parts.netloc:
        where = f"at {output.uri}" if output.uri else "with no location recorded"
        see = f" (open the run at {record.url})" if record.url else ""
        raise ArtifactUnavailable(
            f"{what} is stored {where}, not on this machine; get it from the engine's own "
            f"storage{see}"
        )
    if not record.artifacts_root:
        raise ArtifactUnavailable(f"run {record.run_id} has no artifact folder on this machine")
    path = Path(unquote(parts.path) if parts.scheme else output.uri).resolve()
    if not path.is_relative_to(_root(record)):
        raise ArtifactUnavailable(f"{what} lies outside the run's artifact folder: not served")
    if not path.exists():
        if output.type in METADATA_ONLY:
            raise ArtifactUnavailable(f"{what} holds only metrics, shown in the report: no file")
        raise ArtifactUnavailable(
            f"{what} is no longer on disk at {path}: the run's folder may have been cleaned up"
        )
    return path


def folder_size(path: Path, record: RunRecord) -> int:
    """Bytes of the files a folder output's download would hold."""
    return sum(f.stat().st_size for f in _files(path, _root(record)))


def _output(record: RunRecord, node_id: str, port: str) -> OutputRecord:
    node = record.nodes.get(node_id)
    if node is None:
        raise ArtifactUnavailable(f"run {record.run_id} has no block {node_id!r}")
    output = node.outputs.get(port)
    if output is None:
        have = ", ".join(map(repr, node.outputs)) or f"none (the block is {node.status})"
        raise ArtifactUnavailable(f"block {node_id!r} has no output {port!r}; its outputs: {have}")
    return output


def _root(record: RunRecord) -> Path:
    return Path(record.artifacts_root).resolve()


def _files(folder: Path, root: Path) -> Iterator[Path]:
    """Regular files under ``folder`` whose real location is inside ``root`` (symlinks that
    point elsewhere are left out, so nothing from outside the run is kept or served)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.resolve().is_relative_to(root):
            yield path

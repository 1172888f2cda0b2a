"""The dataset library: uploading a file, finding what flows read, downloading, deleting.

An upload is spooled to a temporary file while its SHA-256 is computed and its size checked
against the limit, so the body is never held in memory and an oversized one is cut off early.
If the target dataset already holds that content nothing more happens. Otherwise the file is
checked and profiled (``designer.datasets.profile``), stored in object storage under a key made
of its hash, and only then recorded in the database: a failure at any step leaves the library
as it was (an object stored for a record that could not be written is removed again).

The web pages, the REST API and the CLI all upload through ``add_file``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from blocks.base import DatasetLookup, StoredTable
from blocks.runtime.tables import MAX_CLASSES_GUESS
from designer.datasets.profile import TableProfile, inspect_file
from designer.objects.base import ObjectStore
from designer.objects.keys import join_key
from designer.store import dataset_versions as versions
from designer.store import datasets as records
from designer.store.access import Actor

log = logging.getLogger(__name__)

#: A numeric column with more different values than this is a regression target under "auto"
#: (the rule ``blocks.runtime.tables.guess_task`` applies when the flow runs).
MAX_CLASSES = MAX_CLASSES_GUESS


class UploadTooLarge(ValueError):
    """The upload is bigger than the server accepts; says the limit and how to raise it."""

    def __init__(self, limit: int, size: int | None = None) -> None:
        said = f"is {_megabytes(size)}" if size is not None else "is larger than that"
        super().__init__(
            f"the file {said}; the largest upload accepted here is {_megabytes(limit)} "
            "(an administrator can raise DESIGNER_MAX_UPLOAD_MB)"
        )
        self.limit = limit


@dataclass(frozen=True)
class Spooled:
    """An upload written to a temporary file, with its hash and size."""

    path: Path
    sha256: str
    size: int
    filename: str


def content_key(sha256: str) -> str:
    """Where the bytes with this hash are stored (shared by every version holding them)."""
    return join_key("datasets", "sha256", sha256[:2], sha256)


class Spool:
    """A temporary file an upload is written into, chunk by chunk, hashing as it goes.

    Fed the same way from a file, a request body or a test; the file is removed when the
    ``with`` block ends, whatever happened::

        with Spool(folder, "houses.csv", limit) as spool:
            for chunk in chunks:
                spool.write(chunk)
            add_file(engine, store, actor, spool.finish())
    """

    def __init__(self, folder: Path, filename: str, limit: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=folder)
        self.path = Path(name)
        self.filename = filename
        self.limit = limit
        self.size = 0
        self._out = os.fdopen(fd, "wb")
        self._digest = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise UploadTooLarge(self.limit)
        self._digest.update(chunk)
        self._out.write(chunk)

    def finish(self) -> Spooled:
        self._out.close()
        return Spooled(self.path, self._digest.hexdigest(), self.size, self.filename)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._out.close()
        self.path.unlink(missing_ok=True)


def add_file(
    engine: Engine,
    store: ObjectStore,
    actor: Actor | None,
    spooled: Spooled,
    *,
    name: str = "",
    dataset_id: str = "",
) -> versions.AddedVersion:
    """Add a spooled upload to the library (see the module's docstring for the steps).

    The file becomes a new version of ``dataset_id`` or of the person's dataset called
    ``name`` (default: the file's name without its extension). Raises DatasetProblem for a
    file that is not a usable table, UploadTooLarge, the store's errors and the object
    store's (StorageUnavailable when it cannot be reached).
    """
    if not dataset_id:
        name = (
            records.check_dataset_name(name)
            if name.strip()
            else records.name_from_filename(spooled.filename)
        )
    found = versions.existing_version(
        engine, actor, spooled.sha256, dataset_id=dataset_id, name=name
    )
    if found is not None:
        return found
    profile = inspect_file(spooled.path, spooled.filename)
    key = content_key(spooled.sha256)
    stored_now = not store.exists(key)
    if stored_now:
        store.put_file(key, spooled.path)
    try:
        return versions.add_version(
            engine, actor, _new_version(spooled, profile, key), dataset_id=dataset_id, name=name
        )
    except BaseException:
        if stored_now:
            _forget_unused(engine, store, [key])
        raise


def _new_version(spooled: Spooled, profile: TableProfile, key: str) -> versions.NewVersion:
    return versions.NewVersion(
        sha256=spooled.sha256,
        size=spooled.size,
        format=profile.format,
        filename=spooled.filename,
        rows=profile.rows,
        columns=tuple(profile.column_names()),
        profile=profile.to_dict(),
        object_key=key,
    )


def delete_dataset(
    engine: Engine, store: ObjectStore, actor: Actor | None, dataset_id: str, *, confirm: bool
) -> int:
    """Delete a dataset (see ``store.datasets.delete_dataset``) and the files only it held;
    return how many files were removed from storage."""
    keys = records.delete_dataset(engine, actor, dataset_id, confirm=confirm)
    return _forget_unused(engine, store, keys)


def _forget_unused(engine: Engine, store: ObjectStore, keys: list[str]) -> int:
    """Remove stored files no version points at; a failure is logged, never raised, since
    the records are already right and a leftover file only takes space."""
    removed = 0
    for key in keys:
        try:
            if not versions.content_is_referenced(engine, key):
                store.delete(key)
                removed += 1
        except Exception:
            log.warning("could not remove %s from %s", key, store.description, exc_info=True)
    return removed


def read_version(
    engine: Engine, store: ObjectStore, actor: Actor | None, dataset_id: str, number: int = 0
) -> tuple[records.DatasetVersion, Iterator[bytes]]:
    """A version's record and its bytes, streamed from storage (access checked first)."""
    version, _profile = records.get_version(engine, actor, dataset_id, number)
    return version, store.read_chunks(version.object_key)


def dataset_lookup(engine: Engine, store: ObjectStore, actor: Actor | None) -> DatasetLookup:
    """How a flow checked for ``actor`` finds the datasets it reads (see ``check_flow``)."""
    found: dict[tuple[str, int], StoredTable] = {}

    def lookup(dataset_id: str, version: int) -> StoredTable:
        if (dataset_id, version) not in found:
            try:
                stored, profile = records.get_version(engine, actor, dataset_id, version)
            except records.DatasetNotFound as exc:
                raise LookupError(
                    f"{exc}; pick another dataset, or ask its owner to share it with you"
                ) from None
            found[(dataset_id, version)] = stored_table(stored, profile, store)
        return found[(dataset_id, version)]

    return lookup


def stored_table(
    version: records.DatasetVersion, profile: dict[str, Any], store: ObjectStore
) -> StoredTable:
    parsed = TableProfile.from_dict(profile)
    return StoredTable(
        dataset_id=version.dataset_id,
        name=version.dataset_name,
        version=version.number,
        uri=store.location(version.object_key),
        format=version.format,
        delimiter=parsed.delimiter,
        columns=version.columns,
        suggested_target=parsed.suggested_target,
        tasks={c.name: auto_task(c.type, c.distinct) for c in parsed.columns},
    )


def auto_task(column_type: str, distinct: int | None) -> str:
    """The task "auto" picks for a target column of this type (see ``guess_task``)."""
    many = distinct is None or distinct > MAX_CLASSES
    return "regression" if column_type == "number" and many else "classification"


def _megabytes(size: int | None) -> str:
    return f"{(size or 0) / 1_000_000:,.1f} MB"

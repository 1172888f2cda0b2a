"""The dataset library: uploading a file, finding what flows read, downloading, deleting.

An upload is spooled to a temporary file while its SHA-256 is computed and its size checked
against the limit, so the body is never held in memory and an oversized one is cut off early;
the web app's uploads also share one budget of disk (``SPOOL_BUDGET``), so many at once cannot
fill it.
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
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from blocks.base import StoredTable
from designer.datasets.profile import ColumnProfile, TableProfile, inspect_file
from designer.datasets.target import suggest_kind
from designer.objects.base import ObjectStore
from designer.objects.keys import join_key
from designer.objects.s3 import S3Store
from designer.ops import metrics
from designer.store import dataset_versions as versions
from designer.store import datasets as records
from designer.store.access import Actor

log = logging.getLogger(__name__)


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


class UploadsBusy(RuntimeError):
    """Uploads in progress already hold all the disk they may spool together; try later."""

    def __init__(self, budget: int) -> None:
        super().__init__(
            "the designer is receiving other uploads just now and has no room for this one "
            f"(uploads in progress may use {_megabytes(budget)} of disk together): try again "
            "in a minute (an administrator can raise DESIGNER_MAX_SPOOL_MB)"
        )
        self.budget = budget


class SpoolBudget:
    """The bytes every upload in progress in this process may spool to disk, together.

    Each upload has its own size limit, but without a shared one, many uploads at once could
    fill the disk before any of them reaches its limit (four 500 MB uploads are 2 GB). A spool
    reserves bytes before writing them, up front for a declared size and then as they arrive;
    the limit is passed on each reservation, so a changed setting applies at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._used = 0

    @property
    def used(self) -> int:
        return self._used

    def reserve(self, nbytes: int, limit: int) -> None:
        """Take ``nbytes``, or raise ``UploadsBusy`` when that would pass ``limit``."""
        with self._lock:
            if self._used + nbytes > limit:
                raise UploadsBusy(limit)
            self._used += nbytes

    def release(self, nbytes: int) -> None:
        with self._lock:
            self._used = max(0, self._used - nbytes)


#: The budget the web app's uploads share (the CLI's single upload needs none).
SPOOL_BUDGET = SpoolBudget()
#: Reserve at least this much at a time, so an upload of unknown size does not take the budget's
#: lock for every small chunk.
RESERVE_STEP = 1_000_000


class Spool:
    """A temporary file an upload is written into, chunk by chunk, hashing as it goes.

    Fed the same way from a file, a request body or a test; the file is removed when the
    ``with`` block ends, whatever happened::

        with Spool(folder, "houses.csv", limit) as spool:
            for chunk in chunks:
                spool.write(chunk)
            add_file(engine, store, actor, spool.finish())

    With a ``budget``, the spool's bytes are reserved in it (``expected`` of them at once, for a
    declared size) before they are written, and given back when the block ends.
    """

    def __init__(
        self,
        folder: Path,
        filename: str,
        limit: int,
        *,
        budget: SpoolBudget | None = None,
        budget_limit: int = 0,
        expected: int = 0,
    ) -> None:
        self.filename = filename
        self.limit = limit
        self.size = 0
        self._budget = budget
        self._budget_limit = budget_limit
        self._reserved = 0
        self._reserve(min(max(expected, 0), limit))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=folder)
        except BaseException:
            self._release()
            raise
        self.path = Path(name)
        self._out = os.fdopen(fd, "wb")
        self._digest = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            metrics.upload("refused")
            raise UploadTooLarge(self.limit)
        if self.size > self._reserved:
            self._reserve(min(max(self.size, self._reserved + RESERVE_STEP), self.limit))
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
        self._release()

    def _reserve(self, total: int) -> None:
        """Hold ``total`` bytes of the budget in all (more than now held)."""
        if self._budget is not None and total > self._reserved:
            self._budget.reserve(total - self._reserved, self._budget_limit)
            self._reserved = total

    def _release(self) -> None:
        if self._budget is not None and self._reserved:
            self._budget.release(self._reserved)
        self._reserved = 0


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
    try:
        added = _add_file(engine, store, actor, spooled, name=name, dataset_id=dataset_id)
    except BaseException:
        metrics.upload("refused")
        raise
    metrics.upload("stored", spooled.size)
    return added


def _add_file(
    engine: Engine,
    store: ObjectStore,
    actor: Actor | None,
    spooled: Spooled,
    *,
    name: str,
    dataset_id: str,
) -> versions.AddedVersion:
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


def dataset_lookup(engine: Engine, store: ObjectStore, actor: Actor | None) -> LibraryLookup:
    """How a flow checked for ``actor`` finds the datasets it reads (see ``check_flow``)."""
    return LibraryLookup(engine, store, actor)


class LibraryLookup:
    """Finds the dataset versions ``actor`` may use (a ``DatasetLookup``), and says where a run
    reads each one (``run_location``), from the store that holds them."""

    def __init__(self, engine: Engine, store: ObjectStore, actor: Actor | None) -> None:
        self.engine = engine
        self.store = store
        self.actor = actor
        self._found: dict[tuple[str, int], StoredTable] = {}

    def __call__(self, dataset_id: str, version: int) -> StoredTable:
        if (dataset_id, version) not in self._found:
            try:
                stored, profile = records.get_version(self.engine, self.actor, dataset_id, version)
            except records.DatasetNotFound as exc:
                raise LookupError(
                    f"{exc}; pick another dataset, or ask its owner to share it with you"
                ) from None
            self._found[(dataset_id, version)] = stored_table(stored, profile, self.store)
        return self._found[(dataset_id, version)]

    def run_location(self, table: StoredTable) -> str:
        """Where a run reads ``table``: its file's path in local folder storage, or an address
        presigned for this object alone in S3 storage (so the run needs no storage keys)."""
        if isinstance(self.store, S3Store) and table.uri.startswith("s3://"):
            return self.store.presigned_get(table.uri)
        return table.uri


def stored_table(
    version: records.DatasetVersion, profile: dict[str, Any], store: ObjectStore
) -> StoredTable:
    parsed = TableProfile.from_dict(profile)
    kinds = {c.name: suggest_kind(c) for c in parsed.columns}
    return StoredTable(
        dataset_id=version.dataset_id,
        name=version.dataset_name,
        version=version.number,
        uri=store.location(version.object_key),
        format=version.format,
        delimiter=parsed.delimiter,
        columns=version.columns,
        suggested_target=parsed.suggested_target,
        tasks={name: kind.task for name, kind in kinds.items()},
        task_reasons={name: kind.holds for name, kind in kinds.items()},
    )


def auto_task(column: ColumnProfile) -> str:
    """The task "auto" picks for ``column`` as the target (``blocks.runtime.target_kind``)."""
    return suggest_kind(column).task


def _megabytes(size: int | None) -> str:
    return f"{(size or 0) / 1_000_000:,.1f} MB"

"""What every object store offers, and the errors it raises.

Two back ends implement ``ObjectStore``: a local folder (``designer.objects.local``, the
embedded default) and any S3-compatible service (``designer.objects.s3``, MinIO first). Callers
never learn which one they have: datasets and run artifacts are written and read the same way.

Writes are atomic: an object is either absent or complete, never half-written, because both
back ends publish it only once every byte is in (a rename on disk, a completed upload on S3).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

#: Bytes read or written at a time when streaming.
CHUNK_BYTES = 1024 * 1024


class ObjectStoreError(Exception):
    """Something went wrong with object storage; the message says what, for a person."""


class StorageUnavailable(ObjectStoreError, ConnectionError):
    """The store cannot be reached or refuses our credentials (server down, wrong keys)."""


class ObjectNotFound(ObjectStoreError, LookupError):
    def __init__(self, key: str) -> None:
        super().__init__(f"no object {key!r} in storage: it was deleted or never written")
        self.key = key


class InvalidKey(ObjectStoreError, ValueError):
    """A key that could point outside its prefix (``..``, a leading ``/``, odd characters)."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified: datetime | None = None


class ObjectStore(Protocol):
    """A flat namespace of keys (``datasets/ab/abcd.csv``) holding immutable byte strings."""

    #: Where the objects are, for messages: "the folder /srv/designer/objects",
    #: "bucket designer at minio:9000".
    description: str

    def check(self) -> None:
        """Raise StorageUnavailable, saying why, unless the store answers and lets us in."""
        ...

    def put_file(self, key: str, path: Path) -> ObjectInfo:
        """Store the file at ``path`` under ``key``, replacing any object there, atomically."""
        ...

    def put_stream(self, key: str, stream: BinaryIO) -> ObjectInfo:
        """Store everything ``stream`` yields under ``key`` (length unknown), atomically."""
        ...

    def put_bytes(self, key: str, data: bytes) -> ObjectInfo: ...

    def read_chunks(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """The object's bytes, streamed; ObjectNotFound when there is no such object.

        The object is looked up before the first chunk is asked for, so a missing object
        raises when this is called, not halfway through sending it.
        """
        ...

    def read_bytes(self, key: str) -> bytes: ...

    def download(self, key: str, path: Path) -> None:
        """Copy the object to a local file (written atomically too)."""
        ...

    def stat(self, key: str) -> ObjectInfo:
        """Size and time of one object; ObjectNotFound when there is none."""
        ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix`` (a folder-like ``runs/abc/``), by key."""
        ...

    def delete(self, key: str) -> None:
        """Remove one object; removing one that is not there is not an error."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under ``prefix`` (which must end in ``/``); return how many."""
        ...

    def location(self, key: str) -> str:
        """Where a block running on this machine reads the object: a file path or s3:// URI."""
        ...

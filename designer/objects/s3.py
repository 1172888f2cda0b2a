"""Object storage on any S3-compatible service (MinIO, AWS S3, Ceph...), through the MinIO SDK.

Every object lives in the one configured bucket, under an optional key prefix; keys are checked
with ``check_key`` before any request, so no key can leave its prefix, let alone its bucket.

Writes are atomic by the nature of S3: an object appears only once its upload completes (a
single PUT, or a multipart upload that is completed, and aborted if anything goes wrong). A
stream of unknown length is sent one part at a time, so memory holds a part, never the stream.

Timeouts are short and retries few, so a server that is down fails an operation in seconds with
a message saying so, rather than hanging a page for minutes (``s3_connection`` builds the
client and words the errors).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from designer.objects.base import (
    CHUNK_BYTES,
    InvalidKey,
    ObjectInfo,
    ObjectNotFound,
    ObjectStoreError,
    StorageUnavailable,
)
from designer.objects.keys import check_key, check_prefix
from designer.objects.local import _atomic_file
from designer.objects.s3_connection import connect, storage_error
from designer.ops import metrics
from designer.settings import StorageSettings

#: Size of each part of a multipart upload: memory holds one part (plus a byte) per upload.
#: S3 allows 10,000 parts, so a stream of unknown length may be up to ~80 GB.
PART_BYTES = 8 * 1024 * 1024
#: Objects removed per DeleteObjects request (S3's own limit).
DELETE_BATCH = 1000
#: How long a presigned address works after the start of the hour it was signed in.
PRESIGN_VALID = timedelta(hours=6)


class S3Store:
    def __init__(self, settings: StorageSettings, *, prefix: str = "") -> None:
        connection = connect(settings)
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        check_prefix(prefix)

        self.settings = settings
        self.bucket = settings.bucket
        self.prefix = prefix
        self.endpoint = connection.endpoint
        self.secure = connection.secure
        self.description = f"bucket {self.bucket} at {self.endpoint}" + (
            f" (under {prefix})" if prefix else ""
        )
        self._anonymous = not settings.access_key
        self._bucket_ready = False
        self._client = connection.client

    def __repr__(self) -> str:
        return f"S3Store({self.description})"

    # -- checking ---------------------------------------------------------------------------

    def check(self) -> None:
        """Ask the server whether the bucket exists: it must answer, and accept our keys."""
        try:
            with self._translated():
                self._client.bucket_exists(self.bucket)
        except StorageUnavailable:
            raise
        except ObjectStoreError as exc:
            raise StorageUnavailable(str(exc)) from exc

    # -- writing ----------------------------------------------------------------------------

    def put_file(self, key: str, path: Path) -> ObjectInfo:
        name = self._name(key)
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            self._upload(name, _Source(handle), size)
        return self.stat(key)

    def put_stream(self, key: str, stream: BinaryIO) -> ObjectInfo:
        name = self._name(key)
        self._upload(name, _Source(stream), -1)
        return self.stat(key)

    def put_bytes(self, key: str, data: bytes) -> ObjectInfo:
        name = self._name(key)
        data = data if isinstance(data, bytes) else bytes(data)
        self._upload(name, _Source(io.BytesIO(data)), len(data))
        return self.stat(key)

    def _upload(self, name: str, source: _Source, length: int) -> None:
        for attempt in range(2):
            self._ensure_bucket()
            with self._translated(source=source):
                try:
                    self._client.put_object(
                        self.bucket,
                        name,
                        source,
                        length,
                        # Unknown length: parts of PART_BYTES. Known: the SDK sizes the parts.
                        part_size=PART_BYTES if length < 0 else 0,
                        # One part at a time: the SDK's upload threads would outlive a failed
                        # upload, and each would hold a part in memory.
                        num_parallel_uploads=1,
                    )
                    return
                except S3Error as exc:
                    # The bucket was removed while we used it: make it again and send the
                    # data again, if it can be read again (bytes, a file, a seekable stream).
                    if exc.code != "NoSuchBucket" or attempt or not source.rewind():
                        raise
                    self._bucket_ready = False

    def ensure_bucket(self) -> None:
        """Create the bucket when it is missing, as the first write would (before a cluster
        run, whose outputs Kubeflow writes there itself)."""
        self._ensure_bucket()

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with self._translated():
            if not self._client.bucket_exists(self.bucket):
                try:
                    self._client.make_bucket(self.bucket)
                except S3Error as exc:
                    # Another process (or thread) created it between our look and our make.
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
        self._bucket_ready = True

    # -- reading ----------------------------------------------------------------------------

    def read_chunks(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        name = self._name(key)
        with self._translated(key):
            response = self._client.get_object(self.bucket, name)
        return _Chunks(self, response, chunk_bytes)

    def read_bytes(self, key: str) -> bytes:
        return b"".join(self.read_chunks(key))

    def download(self, key: str, path: Path) -> None:
        chunks = self.read_chunks(key)  # a missing object raises before any file is made
        try:
            with _atomic_file(path) as out:
                for chunk in chunks:
                    out.write(chunk)
        finally:
            chunks.close()

    def stat(self, key: str) -> ObjectInfo:
        name = self._name(key)
        with self._translated(key):
            found = self._client.stat_object(self.bucket, name)
        return ObjectInfo(key, int(found.size or 0), found.last_modified)

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        check_prefix(prefix)
        found = [
            ObjectInfo(key, int(item.size or 0), item.last_modified)
            for key, item in self._listed(prefix)
        ]
        return iter(sorted(found, key=lambda info: info.key))

    def _listed(self, prefix: str) -> Iterator[tuple[str, Any]]:
        """(key, listing entry) of every object under ``prefix`` with a key we could write.

        Objects someone put in the bucket by other means under names that are not keys (a
        console's ``folder/`` marker, ``a//b``) are skipped: no method could read them anyway.
        """
        with self._translated(missing_bucket_ok=True):
            for item in self._client.list_objects(
                self.bucket, prefix=self.prefix + prefix, recursive=True
            ):
                name = item.object_name or ""
                key = name[len(self.prefix) :]
                try:
                    check_key(key)
                except InvalidKey:
                    continue
                yield key, item

    # -- deleting ---------------------------------------------------------------------------

    def delete(self, key: str) -> None:
        name = self._name(key)
        try:
            with self._translated(key, missing_bucket_ok=True):
                self._client.remove_object(self.bucket, name)
        except ObjectNotFound:  # S3 says nothing of a missing object; some servers do
            return

    def delete_prefix(self, prefix: str) -> int:
        if not check_prefix(prefix):
            raise ObjectStoreError("refusing to delete every object: give a prefix")
        count = 0
        batch: list[str] = []
        for key, _ in self._listed(prefix):
            batch.append(key)
            if len(batch) == DELETE_BATCH:
                count += self._delete_batch(batch)
                batch = []
        if batch:
            count += self._delete_batch(batch)
        return count

    def _delete_batch(self, keys: list[str]) -> int:
        with self._translated(missing_bucket_ok=True):
            errors = list(
                self._client.remove_objects(
                    self.bucket, [DeleteObject(self.prefix + key) for key in keys]
                )
            )
        failed = [error for error in errors if error.code != "NoSuchKey"]
        if failed:
            first = failed[0]
            raise ObjectStoreError(
                f"S3 storage at {self.endpoint} would not delete {len(failed)} of {len(keys)} "
                f"objects (first: {first.name!r}, {first.code}: {first.message})"
            )
        return len(keys) - len(errors)

    def presigned_get(self, location: str, *, now: datetime | None = None) -> str:
        """An https (or http) address that reads the object at ``location`` (``s3://bucket/name``,
        as ``location`` gives) with no keys, for at least five hours.

        How a run reads a stored object without holding the designer's keys. It is signed as of
        the start of the hour, so a flow compiled twice within an hour gets the same address and
        Kubeflow's cache still recognises the task. Any bucket the designer's keys can read is
        signed: the caller decides who may read what.
        """
        if not location.startswith("s3://") or "/" not in location[5:]:
            raise InvalidKey(f"{location!r} is not an s3://bucket/name address")
        bucket, name = location[5:].split("/", 1)
        signed_at = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
        with self._translated(name):
            return self._client.presigned_get_object(
                bucket, name, expires=PRESIGN_VALID, request_date=signed_at
            )

    # -- naming -----------------------------------------------------------------------------

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._name(key)}"

    def _name(self, key: str) -> str:
        """The object's name in the bucket: the store's prefix and the (checked) key."""
        return self.prefix + check_key(key)

    # -- errors -----------------------------------------------------------------------------

    @contextmanager
    def _translated(
        self,
        key: str | None = None,
        *,
        source: _Source | None = None,
        missing_bucket_ok: bool = False,
    ) -> Iterator[None]:
        """Turn the SDK's and urllib3's exceptions into ours, with messages for a person.

        ``source`` is the caller's stream being uploaded: what it raises passes through as is.
        ``missing_bucket_ok``: a bucket that does not exist yet holds no objects (the block
        simply ends; only listings and deletions use it, which have nothing to return).
        """
        try:
            yield
        except Exception as exc:
            if source is not None and exc is source.failure:
                raise
            if isinstance(exc, S3Error) and exc.code == "NoSuchBucket":
                self._bucket_ready = False
                if missing_bucket_ok:
                    return
                if key is not None:
                    raise ObjectNotFound(key) from None
            metrics.storage_error()
            error = self._error(exc, key)
            if error is None:
                raise
            raise error from exc

    def _error(self, exc: Exception, key: str | None) -> ObjectStoreError | None:
        """Our exception for one the SDK or urllib3 raised; None for any other exception."""
        return storage_error(exc, self.endpoint, self.bucket, key, anonymous=self._anonymous)


class _Source:
    """The caller's stream as the SDK reads it: bytes only, and its own failures marked.

    An exception the caller's stream raises (the person's upload broke off) must reach the
    caller unchanged, even when it is one urllib3 also raises (the stream may be another
    HTTP response), not be reported as S3 storage being unreachable.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.failure: BaseException | None = None
        try:
            self._start: int | None = stream.tell() if stream.seekable() else None
        except (AttributeError, OSError, ValueError):
            self._start = None

    def rewind(self) -> bool:
        """Go back to where the upload started, so it can be sent again; False if we cannot."""
        if self._start is None:
            return False
        try:
            self._stream.seek(self._start)
        except (OSError, ValueError):
            return False
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._stream.read(size)
        except BaseException as exc:
            self.failure = exc
            raise
        if data is None:  # a non-blocking stream with nothing yet; S3 uploads cannot wait
            data = b""
        return data if isinstance(data, bytes) else bytes(data)


class _Chunks(Iterator[bytes]):
    """An object's bytes from an open response, which is closed and released at the end.

    Closed when the bytes run out, on error, on ``close()`` (download calls it), or when the
    iterator is collected, so an abandoned read never keeps a connection from the pool.
    """

    def __init__(self, store: S3Store, response: Any, chunk_bytes: int) -> None:
        self._store = store
        self._response = response
        self._stream = response.stream(chunk_bytes, decode_content=False)
        self._closed = False
        length = response.headers.get("Content-Length")
        self._expected = int(length) if length and length.isdigit() else None
        self._received = 0

    def __next__(self) -> bytes:
        if self._closed:
            raise StopIteration
        try:
            chunk = next(self._stream)
        except StopIteration:
            self.close()
            if self._expected is not None and self._received != self._expected:
                # urllib3 notices a connection that breaks; this also catches one it does not.
                raise StorageUnavailable(
                    f"S3 storage at {self._store.endpoint} sent {self._received} of the "
                    f"{self._expected} bytes of an object, then stopped"
                ) from None
            raise
        except Exception as exc:
            self.close()
            error = self._store._error(exc, None)
            if error is None:
                raise
            raise error from exc
        self._received += len(chunk)
        return chunk

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._response.close()
            self._response.release_conn()

    def __del__(self) -> None:
        # Collected late (at exit) there may be nothing left to release into.
        with suppress(Exception):
            if hasattr(self, "_closed"):
                self.close()

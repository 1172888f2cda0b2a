"""Object storage on any S3-compatible service (MinIO, AWS S3, Ceph...), through the MinIO SDK.

Every object lives in the one configured bucket, under an optional key prefix; keys are checked
with ``check_key`` before any request, so no key can leave its prefix, let alone its bucket.

Writes are atomic by the nature of S3: an object appears only once its upload completes (a
single PUT, or a multipart upload that is completed, and aborted if anything goes wrong). A
stream of unknown length is sent one part at a time, so memory holds a part, never the stream.

Timeouts are short and retries few, so a server that is down fails an operation in seconds with
a message saying so, rather than hanging a page for minutes.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import certifi
import urllib3
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.helpers import check_bucket_name
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

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
from designer.settings import StorageSettings

#: Size of each part of a multipart upload: memory holds one part (plus a byte) per upload.
#: S3 allows 10,000 parts, so a stream of unknown length may be up to ~80 GB.
PART_BYTES = 8 * 1024 * 1024
#: Seconds to wait for a connection: a server that is down fails fast.
CONNECT_TIMEOUT_S = 5.0
#: Seconds to wait for the server's answer once a request is sent (completing a large
#: multipart upload can take the server a while).
READ_TIMEOUT_S = 60.0
#: Objects removed per DeleteObjects request (S3's own limit).
DELETE_BATCH = 1000

#: S3 error codes meaning the server does not accept our credentials.
_REFUSED_CODES = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken"}
)


class S3Store:
    def __init__(self, settings: StorageSettings, *, prefix: str = "") -> None:
        netloc, secure = _endpoint(settings)
        try:
            check_bucket_name(settings.bucket, strict=True)  # as for making a bucket
        except ValueError:
            raise ValueError(
                f"DESIGNER_S3_BUCKET {settings.bucket!r} is not a bucket name: bucket names are "
                "3 to 63 lowercase letters, digits, '.' and '-', starting and ending with a "
                "letter or digit"
            ) from None
        if bool(settings.access_key) != bool(settings.secret_key):
            have, missing = (
                ("DESIGNER_S3_ACCESS_KEY", "DESIGNER_S3_SECRET_KEY")
                if settings.access_key
                else ("DESIGNER_S3_SECRET_KEY", "DESIGNER_S3_ACCESS_KEY")
            )
            raise ValueError(f"{have} is set but {missing} is not: set both, or neither")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        check_prefix(prefix)

        self.settings = settings
        self.bucket = settings.bucket
        self.prefix = prefix
        self.endpoint = netloc
        self.secure = secure
        self.description = f"bucket {self.bucket} at {netloc}" + (
            f" (under {prefix})" if prefix else ""
        )
        self._anonymous = not settings.access_key
        self._bucket_ready = False
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S),
            retries=urllib3.Retry(
                total=2,
                connect=1,
                read=1,
                status=2,
                backoff_factor=0.2,
                status_forcelist=(500, 502, 503, 504),
                # Let the last answer through, so its S3 error code reaches the message.
                raise_on_status=False,
            ),
            maxsize=10,
            cert_reqs="CERT_REQUIRED" if settings.verify_tls else "CERT_NONE",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        )
        self._client = Minio(
            netloc,
            access_key=settings.access_key or None,
            secret_key=settings.secret_key or None,
            secure=secure,
            region=settings.region or None,
            http_client=http,
            cert_check=settings.verify_tls,
        )

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
            error = self._error(exc, key)
            if error is None:
                raise
            raise error from exc

    def _error(self, exc: Exception, key: str | None) -> ObjectStoreError | None:
        """Our exception for one the SDK or urllib3 raised; None for any other exception."""
        where = f"S3 storage at {self.endpoint}"
        if isinstance(exc, S3Error):
            if exc.code == "NoSuchKey" and key is not None:
                return ObjectNotFound(key)
            if exc.code in _REFUSED_CODES:
                if self._anonymous:
                    return StorageUnavailable(
                        f"{where} refused anonymous access to bucket {self.bucket} ({exc.code}): "
                        "set DESIGNER_S3_ACCESS_KEY and DESIGNER_S3_SECRET_KEY"
                    )
                return StorageUnavailable(
                    f"{where} refused our keys for bucket {self.bucket} ({exc.code}): check "
                    "DESIGNER_S3_ACCESS_KEY and DESIGNER_S3_SECRET_KEY, and that this user may "
                    "use the bucket"
                )
            status = getattr(exc.response, "status", None) or 0
            kind = StorageUnavailable if status >= 500 else ObjectStoreError
            return kind(f"{where} failed on bucket {self.bucket} with {exc.code}: {exc.message}")
        if isinstance(exc, ServerError):
            return StorageUnavailable(
                f"{where} failed with HTTP status {exc.status_code}: try again shortly"
            )
        if isinstance(exc, InvalidResponseError):
            return StorageUnavailable(
                f"the server at {self.endpoint} does not answer like S3 storage: is "
                f"DESIGNER_S3_ENDPOINT right? ({_first_line(str(exc))})"
            )
        if isinstance(exc, HTTPError):
            return StorageUnavailable(f"cannot reach {where}: {_reason(exc)}")
        return None


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


def _endpoint(settings: StorageSettings) -> tuple[str, bool]:
    """``host:port`` and whether to use TLS, from ``host:port`` or an http(s) URL."""
    raw = settings.endpoint.strip()
    if "://" not in raw:
        if not raw or "/" in raw or "?" in raw or "#" in raw:
            raise ValueError(
                f"DESIGNER_S3_ENDPOINT must be host:port or an http(s):// URL; found {raw!r}"
            )
        return raw, settings.secure
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https"):
        raise ValueError(
            f"DESIGNER_S3_ENDPOINT must be host:port or an http:// or https:// URL; found {raw!r}"
        )
    if not parts.netloc or parts.username or parts.password:
        raise ValueError(
            f"DESIGNER_S3_ENDPOINT must name a host (and no user or password); found {raw!r}"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            f"DESIGNER_S3_ENDPOINT cannot have a path ({parts.path!r} in {raw!r}): S3 storage is "
            "reached at the root of its server; give the bucket in DESIGNER_S3_BUCKET"
        )
    return parts.netloc, parts.scheme == "https"


def _reason(exc: HTTPError) -> str:
    """Why a request did not get through, in a few words."""
    if isinstance(exc, MaxRetryError) and exc.reason is not None:
        exc = exc.reason  # type: ignore[assignment]
    # NewConnectionError is a ConnectTimeoutError to urllib3: look for it (and for its own
    # kind, NameResolutionError) first.
    if isinstance(exc, NameResolutionError):
        return "the host name is unknown"
    if isinstance(exc, NewConnectionError):
        cause = _os_error(exc)
        return (cause.strerror or str(cause)).lower() if cause else _first_line(str(exc))
    if isinstance(exc, ConnectTimeoutError):
        return f"no answer within {CONNECT_TIMEOUT_S:g} seconds (is the server up and reachable?)"
    if isinstance(exc, ReadTimeoutError):
        return f"the server stopped answering for {READ_TIMEOUT_S:g} seconds"
    if isinstance(exc, SSLError):
        return (
            f"TLS failed ({_first_line(str(exc))}): check DESIGNER_S3_SECURE, or "
            "DESIGNER_S3_VERIFY_TLS for a self-signed certificate"
        )
    if isinstance(exc, ProtocolError):
        return f"the connection broke ({_first_line(str(exc))})"
    return _first_line(str(exc))


def _os_error(exc: BaseException) -> OSError | None:
    """The socket error behind a failed connection, if urllib3 kept it."""
    seen = exc.__cause__ or exc.__context__
    for _ in range(10):
        if seen is None or (isinstance(seen, OSError) and seen.strerror):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "no details"
    return line if len(line) <= 300 else line[:297] + "..."

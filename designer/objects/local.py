"""The embedded object store: a folder on this machine (``<home>/objects`` by default).

Each object is a file at ``<root>/<key>``. A write goes to a hidden temporary file in the same
folder, is flushed to disk, then renamed over the final name: readers see the old object or the
whole new one, never a part. Temporary files start with ``.`` so listings never show them, and
keys cannot start with ``.`` so no key can name one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from designer.objects.base import (
    CHUNK_BYTES,
    ObjectInfo,
    ObjectNotFound,
    ObjectStoreError,
    StorageUnavailable,
)
from designer.objects.keys import check_key, check_prefix


class LocalFolderStore:
    def __init__(self, root: Path) -> None:
        self.root = root.expanduser().resolve()
        self.description = f"the folder {self.root}"

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot use {self.description}: {exc.strerror}") from None
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageUnavailable(f"cannot write to {self.description}: permission denied")

    def put_file(self, key: str, path: Path) -> ObjectInfo:
        with path.open("rb") as source:
            return self.put_stream(key, source)

    def put_bytes(self, key: str, data: bytes) -> ObjectInfo:
        with self._writing(key) as out:
            out.write(data)
        return self.stat(key)

    def put_stream(self, key: str, stream: BinaryIO) -> ObjectInfo:
        with self._writing(key) as out:
            shutil.copyfileobj(stream, out, CHUNK_BYTES)
        return self.stat(key)

    def read_chunks(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        path = self._existing(key)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        return _chunks(handle, chunk_bytes)

    def read_bytes(self, key: str) -> bytes:
        try:
            return self._existing(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def download(self, key: str, path: Path) -> None:
        source = self._existing(key)
        with _atomic_file(path) as out, source.open("rb") as handle:
            shutil.copyfileobj(handle, out, CHUNK_BYTES)

    def stat(self, key: str) -> ObjectInfo:
        try:
            info = self._path(key).stat()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        if not os.path.isfile(self._path(key)):
            raise ObjectNotFound(key)
        return ObjectInfo(key, info.st_size, datetime.fromtimestamp(info.st_mtime, UTC))

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        check_prefix(prefix)
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return iter(())
        found = []
        for folder, dirs, files in os.walk(base):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if name.startswith("."):
                    continue
                path = Path(folder) / name
                key = path.relative_to(self.root).as_posix()
                stat = path.stat()
                modified = datetime.fromtimestamp(stat.st_mtime, UTC)
                found.append(ObjectInfo(key, stat.st_size, modified))
        return iter(sorted(found, key=lambda info: info.key))

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        self._prune(path.parent)

    def delete_prefix(self, prefix: str) -> int:
        if not check_prefix(prefix):
            raise ObjectStoreError("refusing to delete every object: give a prefix")
        count = 0
        for info in list(self.list(prefix)):
            self.delete(info.key)
            count += 1
        return count

    def location(self, key: str) -> str:
        return str(self._path(key))

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _existing(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        return path

    @contextmanager
    def _writing(self, key: str) -> Iterator[BinaryIO]:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            message = f"cannot write to {self.description}: {exc.strerror}"
            raise StorageUnavailable(message) from None
        with _atomic_file(path) as out:
            yield out

    def _prune(self, folder: Path) -> None:
        """Remove folders a deletion left empty, up to (not including) the root."""
        while folder != self.root and folder.is_relative_to(self.root):
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent


@contextmanager
def _atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A temporary file beside ``path`` that becomes ``path`` only if the block succeeds."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:50]}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _chunks(handle: BinaryIO, chunk_bytes: int) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(chunk_bytes):
            yield chunk

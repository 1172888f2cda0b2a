"""What every object store does, proven on both back ends (``object_store``: local and s3)."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from designer.objects.base import (
    CHUNK_BYTES,
    InvalidKey,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    ObjectStoreError,
)
from designer.objects.local import LocalFolderStore
from designer.objects.s3 import PART_BYTES, S3Store


def _random_bytes(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


#: What ChunkedReader streams, over and over: random, and of an odd length so that no part
#: or chunk boundary lines up with it.
PATTERN = random.Random(3).randbytes(1_000_003)


class ChunkedReader:
    """A stream of unknown length, like an upload being received: short, uneven reads.

    It yields ``limit`` bytes in all (PATTERN repeated), made a block at a time as they are
    asked for, never all at once. It records every size asked for, calls ``on_read`` before
    each read, and raises ``failure`` once ``fail_after`` bytes have been read, as a client
    that went away would.
    """

    def __init__(
        self,
        limit: int,
        *,
        block: int = 64 * 1024 + 3,
        fail_after: int | None = None,
        failure: BaseException | None = None,
        on_read: Callable[[], None] | None = None,
    ) -> None:
        self.limit = limit
        self.block = block
        self.fail_after = fail_after
        self.failure = failure or ConnectionResetError("the person's upload broke off")
        self.on_read = on_read
        self.sent = 0
        self.asked: list[int] = []

    def expected(self) -> bytes:
        """Every byte the stream yields when read to the end."""
        return (PATTERN * (self.limit // len(PATTERN) + 1))[: self.limit]

    def read(self, size: int = -1) -> bytes:
        self.asked.append(size)
        if self.on_read is not None:
            self.on_read()
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise self.failure
        want = min(self.block, self.limit - self.sent)
        if size is not None and size >= 0:
            want = min(want, size)
        start = self.sent % len(PATTERN)
        data = PATTERN[start : start + want]
        if len(data) < want:
            data += PATTERN[: want - len(data)]
        self.sent += len(data)
        return data


# -- writing and reading back -------------------------------------------------------------

CONTENTS = {
    "empty": b"",
    "one-byte": b"x",
    "all-byte-values": bytes(range(256)) * 4,
    "text": "Q3 sales (final), naïve café\n".encode() * 100,
    "over-one-chunk": _random_bytes(CHUNK_BYTES + 17),
}


def _put(store: ObjectStore, how: str, key: str, data: bytes, folder: Path) -> ObjectInfo:
    if how == "bytes":
        return store.put_bytes(key, data)
    if how == "file":
        source = folder / "source.bin"
        source.write_bytes(data)
        return store.put_file(key, source)
    return store.put_stream(key, _Bytes(data))


class _Bytes:
    """A readable stream over bytes that is not a file (no fileno, no seek)."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else self._at + size
        chunk = bytes(self._data[self._at : end])
        self._at += len(chunk)
        return chunk


@pytest.mark.parametrize("how", ["bytes", "file", "stream"])
@pytest.mark.parametrize("name", list(CONTENTS))
def test_every_way_of_writing_reads_back_every_way(
    object_store: ObjectStore, tmp_path: Path, how: str, name: str
) -> None:
    data = CONTENTS[name]
    key = "datasets/ab/abcd1234.csv"

    info = _put(object_store, how, key, data, tmp_path)

    assert info.key == key
    assert info.size == len(data)
    assert object_store.read_bytes(key) == data
    assert b"".join(object_store.read_chunks(key)) == data
    target = tmp_path / "downloaded.csv"
    object_store.download(key, target)
    assert target.read_bytes() == data
    assert object_store.stat(key).size == len(data)


@pytest.mark.parametrize("chunk_bytes", [1, 100, 4096, CHUNK_BYTES])
def test_read_chunks_are_never_bigger_than_asked(
    object_store: ObjectStore, chunk_bytes: int
) -> None:
    data = _random_bytes(10_000 if chunk_bytes == 1 else 300_000)
    object_store.put_bytes("a/b", data)

    chunks = list(object_store.read_chunks("a/b", chunk_bytes))

    assert b"".join(chunks) == data
    assert all(0 < len(chunk) <= chunk_bytes for chunk in chunks)


def test_a_stream_bigger_than_one_upload_part_is_streamed_and_stored_whole(
    object_store: ObjectStore,
) -> None:
    reader = ChunkedReader(12_000_000)
    assert reader.limit > PART_BYTES  # so S3 makes a multipart upload of it

    info = object_store.put_stream("runs/r1/model.bin", reader)

    assert info.size == reader.limit
    assert object_store.read_bytes("runs/r1/model.bin") == reader.expected()
    # Read a bounded amount at a time: never the whole stream at once.
    assert reader.asked and all(0 < size <= PART_BYTES + 1 for size in reader.asked)


@pytest.mark.parametrize("how", ["bytes", "file", "stream"])
def test_an_empty_object_is_an_object(object_store: ObjectStore, tmp_path: Path, how: str) -> None:
    _put(object_store, how, "empty/thing", b"", tmp_path)

    assert object_store.exists("empty/thing")
    assert object_store.stat("empty/thing").size == 0
    assert object_store.read_bytes("empty/thing") == b""
    assert list(object_store.read_chunks("empty/thing")) in ([], [b""])
    assert [info.key for info in object_store.list()] == ["empty/thing"]


@pytest.mark.parametrize("how", ["bytes", "file", "stream"])
def test_writing_again_replaces_the_object(
    object_store: ObjectStore, tmp_path: Path, how: str
) -> None:
    for data in (b"first version", b"a much longer second version of it", b"3"):
        info = _put(object_store, how, "k/v", data, tmp_path)
        assert info.size == len(data)
        assert object_store.read_bytes("k/v") == data
    assert [info.key for info in object_store.list()] == ["k/v"]


# -- looking objects up -------------------------------------------------------------------

KEYS = ["runs/b/3", "datasets/z.csv", "runs/a/2.txt", "runs/ab/x", "runs/a/1.txt", "top"]


@pytest.fixture
def filled(object_store: ObjectStore) -> ObjectStore:
    for index, key in enumerate(KEYS):
        object_store.put_bytes(key, b"x" * index)
    return object_store


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", sorted(KEYS)),
        ("runs/", ["runs/a/1.txt", "runs/a/2.txt", "runs/ab/x", "runs/b/3"]),
        ("runs/a/", ["runs/a/1.txt", "runs/a/2.txt"]),  # not runs/ab/
        ("datasets/", ["datasets/z.csv"]),
        ("nothing/", []),
        ("runs/a/1.txt/", []),
    ],
)
def test_list_gives_the_objects_under_a_prefix_sorted_by_key(
    filled: ObjectStore, prefix: str, expected: list[str]
) -> None:
    found = list(filled.list(prefix))

    assert [info.key for info in found] == expected
    for info in found:
        assert info.size == KEYS.index(info.key)
        assert isinstance(info.modified, datetime) and info.modified.tzinfo is not None


def test_stat_and_exists(filled: ObjectStore) -> None:
    info = filled.stat("runs/a/2.txt")

    assert (info.key, info.size) == ("runs/a/2.txt", 2)
    assert isinstance(info.modified, datetime) and info.modified.tzinfo is not None
    assert filled.exists("runs/a/2.txt")
    for missing in ("runs/a/9.txt", "runs/a", "runs", "nope"):
        assert not filled.exists(missing)
        with pytest.raises(ObjectNotFound) as raised:
            filled.stat(missing)
        assert raised.value.key == missing


def test_an_empty_store_has_nothing(object_store: ObjectStore, tmp_path: Path) -> None:
    assert list(object_store.list()) == []
    assert list(object_store.list("runs/")) == []
    assert not object_store.exists("a")
    with pytest.raises(ObjectNotFound):
        object_store.stat("a")
    with pytest.raises(ObjectNotFound):
        object_store.read_bytes("a")
    object_store.delete("a")
    assert object_store.delete_prefix("runs/") == 0


@pytest.mark.parametrize("prefix", ["runs", "/runs/", "../", "runs//", "./", "runs/../"])
def test_list_refuses_a_prefix_that_is_not_a_folder(object_store: ObjectStore, prefix: str) -> None:
    with pytest.raises(InvalidKey):
        list(object_store.list(prefix))


def test_read_chunks_of_a_missing_object_fails_when_called(
    object_store: ObjectStore,
) -> None:
    with pytest.raises(ObjectNotFound):
        object_store.read_chunks("never/written")  # not only once iterated
    object_store.put_bytes("written", b"1")  # the bucket exists now
    with pytest.raises(ObjectNotFound):
        object_store.read_chunks("never/written")


def test_download_of_a_missing_object_makes_no_file(
    object_store: ObjectStore, tmp_path: Path
) -> None:
    with pytest.raises(ObjectNotFound):
        object_store.download("missing", tmp_path / "out.bin")

    assert list(tmp_path.iterdir()) == []


def test_a_download_that_fails_leaves_the_old_file_and_no_partial_one(
    object_store: ObjectStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    target = folder / "model.bin"
    target.write_bytes(b"the previous download")
    object_store.put_bytes("runs/r/model.bin", _random_bytes(3 * CHUNK_BYTES))

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    # Every byte is written, then making it durable fails: the file must not appear.
    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        object_store.download("runs/r/model.bin", target)
    monkeypatch.undo()

    assert sorted(path.name for path in folder.iterdir()) == ["model.bin"]
    assert target.read_bytes() == b"the previous download"

    object_store.download("runs/r/model.bin", target)
    assert target.read_bytes() == object_store.read_bytes("runs/r/model.bin")
    assert sorted(path.name for path in folder.iterdir()) == ["model.bin"]


# -- atomic writes ------------------------------------------------------------------------

STREAM_FAILURES = {
    # Breaks before the first S3 part is full: nothing has been sent yet.
    "early": 100_000,
    # Breaks after two S3 parts were uploaded: the multipart upload must be abandoned.
    "after-two-parts": 2 * PART_BYTES + 5,
}


@pytest.mark.parametrize("had_old", [False, True], ids=["no-old-object", "old-object"])
@pytest.mark.parametrize("fail_after", list(STREAM_FAILURES.values()), ids=list(STREAM_FAILURES))
def test_a_stream_that_breaks_halfway_leaves_the_old_object_or_none(
    object_store: ObjectStore, had_old: bool, fail_after: int
) -> None:
    key = "datasets/ab/abcd.csv"
    if had_old:
        object_store.put_bytes(key, b"the old object")
    failure = ConnectionResetError("the person's upload broke off")
    reader = ChunkedReader(fail_after * 2, fail_after=fail_after, failure=failure)

    with pytest.raises(ConnectionResetError) as raised:
        object_store.put_stream(key, reader)

    assert raised.value is failure  # the stream's own error, not a storage error
    if had_old:
        assert object_store.read_bytes(key) == b"the old object"
        assert [info.key for info in object_store.list()] == [key]
    else:
        assert not object_store.exists(key)
        assert list(object_store.list()) == []
    _assert_no_leftovers(object_store)


def test_an_object_being_written_is_not_visible_until_complete(
    object_store: ObjectStore,
) -> None:
    key = "runs/r/big.bin"
    seen: list[tuple[bool, list[str]]] = []

    def look() -> None:
        if len(seen) < 3 or len(seen) % 50 == 0:
            seen.append((object_store.exists(key), [i.key for i in object_store.list()]))

    reader = ChunkedReader(PART_BYTES + 1_000_000, on_read=look)
    object_store.put_stream(key, reader)

    assert seen
    assert all(found == (False, []) for found in seen)
    assert object_store.exists(key)


def test_temporary_files_of_the_local_store_are_never_listed(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path / "objects")
    store.put_bytes("runs/a/1", b"1")
    (tmp_path / "objects" / "runs" / "a" / ".1.abc.part").write_bytes(b"half")
    (tmp_path / "objects" / ".tmpdir").mkdir()
    (tmp_path / "objects" / ".tmpdir" / "x").write_bytes(b"x")

    assert [info.key for info in store.list()] == ["runs/a/1"]
    assert [info.key for info in store.list("runs/a/")] == ["runs/a/1"]
    assert store.delete_prefix("runs/") == 1


def _assert_no_leftovers(store: ObjectStore) -> None:
    """No temporary file (local) or unfinished multipart upload (S3) was left behind."""
    if isinstance(store, LocalFolderStore):
        leftovers = [p for p in store.root.rglob("*") if p.is_file()] if store.root.exists() else []
        assert all(not p.name.startswith(".") for p in leftovers), leftovers
    elif isinstance(store, S3Store):
        uploads = store._client._list_multipart_uploads(store.bucket)
        assert list(uploads.uploads) == []


# -- deleting -----------------------------------------------------------------------------


def test_delete_removes_one_object_and_may_be_repeated(filled: ObjectStore) -> None:
    filled.delete("runs/a/1.txt")

    assert not filled.exists("runs/a/1.txt")
    assert filled.exists("runs/a/2.txt")
    filled.delete("runs/a/1.txt")  # already gone: not an error
    filled.delete("never/was")
    assert [info.key for info in filled.list()] == sorted(set(KEYS) - {"runs/a/1.txt"})


@pytest.mark.parametrize(
    ("prefix", "count"),
    [("runs/a/", 2), ("runs/", 4), ("datasets/", 1), ("nothing/", 0), ("runs/a/1.txt/", 0)],
)
def test_delete_prefix_removes_what_is_under_it_and_counts(
    filled: ObjectStore, prefix: str, count: int
) -> None:
    assert filled.delete_prefix(prefix) == count

    assert [info.key for info in filled.list()] == sorted(
        k for k in KEYS if not k.startswith(prefix)
    )
    assert filled.delete_prefix(prefix) == 0


@pytest.mark.parametrize("prefix", ["runs", "../", "/runs/", "runs//"])
def test_delete_prefix_refuses_a_bad_prefix(filled: ObjectStore, prefix: str) -> None:
    with pytest.raises(InvalidKey):
        filled.delete_prefix(prefix)
    assert len(list(filled.list())) == len(KEYS)


def test_delete_prefix_refuses_to_delete_everything(filled: ObjectStore) -> None:
    with pytest.raises(ObjectStoreError, match="give a prefix"):
        filled.delete_prefix("")
    assert len(list(filled.list())) == len(KEYS)


# -- health and locations -----------------------------------------------------------------


def test_check_passes_on_a_working_store(object_store: ObjectStore) -> None:
    object_store.check()
    object_store.put_bytes("a", b"1")
    object_store.check()


def test_location_names_the_object_for_a_block(object_store: ObjectStore) -> None:
    object_store.put_bytes("datasets/ab/abcd.csv", b"a,b\n1,2\n")

    location = object_store.location("datasets/ab/abcd.csv")

    if isinstance(object_store, S3Store):
        assert location == f"s3://{object_store.bucket}/datasets/ab/abcd.csv"
    else:
        assert Path(location).read_bytes() == b"a,b\n1,2\n"
    assert object_store.description

"""Keys: only safe ones reach storage, in every back end, before anything touches it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from designer.objects.base import InvalidKey, ObjectStore
from designer.objects.keys import MAX_KEY_LENGTH, check_key, check_prefix, join_key
from designer.objects.local import LocalFolderStore
from designer.objects.s3 import S3Store
from tests.fixtures.object_stores import unreachable_s3_store

BAD_KEYS = {
    "dot-dot": "..",
    "dot": ".",
    "parent": "../x",
    "parent-inside": "a/../../b",
    "dot-segment": "a/./b",
    "absolute": "/abs",
    "empty-segment": "a//b",
    "trailing-slash": "a/",
    "backslash": "a\\b",
    "backslash-parent": "..\\x",
    "hidden": ".hidden",
    "hidden-inside": "a/.part",
    "dash": "-x",
    "empty": "",
    "nul": "a\x00b",
    "newline": "a\nb",
    "space": "a b",
    "unicode": "données/é.csv",
    "fullwidth-dot": "\uff0e\uff0e/x",
    "too-long": "a" * 1000,
    "segment-too-long": "b" * 201,
    "url": "s3://other-bucket/x",
    "query": "a?b",
}

#: Every method that takes a key, called with one (and whatever else it needs).
KEY_METHODS: dict[str, Callable[[ObjectStore, str, Path], Any]] = {
    "put_bytes": lambda store, key, tmp: store.put_bytes(key, b"data"),
    "put_file": lambda store, key, tmp: store.put_file(key, _source(tmp)),
    "put_stream": lambda store, key, tmp: store.put_stream(key, _source(tmp).open("rb")),
    "read_chunks": lambda store, key, tmp: store.read_chunks(key),
    "read_bytes": lambda store, key, tmp: store.read_bytes(key),
    "download": lambda store, key, tmp: store.download(key, tmp / "out.bin"),
    "stat": lambda store, key, tmp: store.stat(key),
    "exists": lambda store, key, tmp: store.exists(key),
    "delete": lambda store, key, tmp: store.delete(key),
    "location": lambda store, key, tmp: store.location(key),
}


def _source(tmp: Path) -> Path:
    path = tmp / "source.bin"
    path.write_bytes(b"data")
    return path


@pytest.mark.parametrize("method", list(KEY_METHODS))
@pytest.mark.parametrize("key", list(BAD_KEYS.values()), ids=list(BAD_KEYS))
def test_every_method_refuses_an_unsafe_key(
    object_store: ObjectStore, tmp_path: Path, method: str, key: str
) -> None:
    with pytest.raises(InvalidKey):
        KEY_METHODS[method](object_store, key, tmp_path)

    assert list(object_store.list()) == []
    assert not (tmp_path / "out.bin").exists()
    if isinstance(object_store, LocalFolderStore):
        assert not object_store.root.exists()  # not even the folder was made


@pytest.mark.parametrize("method", list(KEY_METHODS))
@pytest.mark.parametrize("key", ["../x", "/abs", "a//b", ".hidden", "a\x00b"])
def test_an_unsafe_key_is_refused_before_any_request(tmp_path: Path, method: str, key: str) -> None:
    # The server is down: a method that sent a request would fail with StorageUnavailable.
    store = unreachable_s3_store()
    with pytest.raises(InvalidKey):
        KEY_METHODS[method](store, key, tmp_path)


@pytest.mark.parametrize("prefix", ["../", "/", "/abs/", "a//", "a", ".hidden/", "a\\b/", "é/"])
@pytest.mark.parametrize("method", ["list", "delete_prefix"])
def test_prefix_methods_refuse_an_unsafe_prefix(
    object_store: ObjectStore, method: str, prefix: str
) -> None:
    with pytest.raises(InvalidKey):
        result = getattr(object_store, method)(prefix)
        if method == "list":
            list(result)
    # And nothing was reached on a server that is down either.
    with pytest.raises(InvalidKey):
        getattr(unreachable_s3_store(), method)(prefix)


@pytest.mark.parametrize(
    "key",
    ["a", "A9", "_x", "datasets/ab/abcd1234.csv", "runs/r-1/out.tar.gz", "a...b", "x" * 200],
)
def test_safe_keys_pass_unchanged(key: str) -> None:
    assert check_key(key) == key
    assert check_prefix(key + "/") == key + "/"


def test_the_longest_key() -> None:
    key = "/".join(["a" * 99] * 9)  # 899 characters
    assert check_key(key) == key
    with pytest.raises(InvalidKey, match="at most"):
        check_key(key + "ab")


@pytest.mark.parametrize("value", [None, 7, b"bytes"])
def test_a_key_that_is_not_text_is_refused(value: Any) -> None:
    with pytest.raises(InvalidKey):
        check_key(value)


def test_join_key_refuses_parts_that_hold_a_slash() -> None:
    assert join_key("runs", "r1", "model.bin") == "runs/r1/model.bin"
    for parts in (("runs", "../x"), ("a/b",), ("runs", ""), ("..",)):
        with pytest.raises(InvalidKey):
            join_key(*parts)


@pytest.mark.parametrize("prefix", ["../x", "/abs", "a//b", ".hidden", "a/../b"])
def test_an_s3_store_prefix_must_be_safe_too(prefix: str) -> None:
    with pytest.raises(InvalidKey):
        S3Store(unreachable_s3_store().settings, prefix=prefix)


# -- property: whatever text comes in, a safe key or InvalidKey ---------------------------

SAFE_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")

#: Text built from the characters that matter, so safe keys and near misses are common.
key_like = st.lists(
    st.text(alphabet="aZ9_.-/\\ \x00é", min_size=0, max_size=6), min_size=1, max_size=6
).map("/".join)


def _assert_safe(key: str) -> None:
    assert isinstance(key, str) and key
    assert len(key) <= MAX_KEY_LENGTH
    assert not key.startswith("/")
    for segment in key.split("/"):
        assert SAFE_SEGMENT.fullmatch(segment), segment
        assert len(segment) <= 200
        assert segment not in (".", "..")
        assert not segment.startswith(".")


@settings(max_examples=800, deadline=None)
@given(st.one_of(st.text(), key_like))
@example("..")
@example("a/../b")
@example("a" * 1000)
def test_check_key_gives_a_safe_key_or_invalid_key(text: str) -> None:
    try:
        key = check_key(text)
    except InvalidKey:
        return
    assert key == text
    _assert_safe(key)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), key_like))
def test_check_prefix_gives_a_safe_prefix_or_invalid_key(text: str) -> None:
    try:
        prefix = check_prefix(text)
    except InvalidKey:
        return
    assert prefix == text
    if prefix:
        assert prefix.endswith("/")
        _assert_safe(prefix[:-1])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=10), key_like), min_size=1, max_size=5))
def test_join_key_gives_a_safe_key_or_invalid_key(parts: list[str]) -> None:
    try:
        key = join_key(*parts)
    except InvalidKey:
        return
    assert key.split("/") == parts
    _assert_safe(key)

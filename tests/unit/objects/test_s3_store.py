"""What only the S3 back end has: endpoints, buckets, prefixes, connections and its errors."""

from __future__ import annotations

import gc
import io
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from minio.error import S3Error

import designer.objects.s3 as s3_module
from designer.objects.base import (
    ObjectNotFound,
    ObjectStoreError,
    StorageUnavailable,
)
from designer.objects.s3 import PART_BYTES, S3Store
from designer.settings import StorageSettings
from tests.fixtures.loopback import LoopbackServer
from tests.fixtures.object_stores import (
    ACCESS_KEY,
    SECRET_KEY,
    S3ErrorServer,
    closed_port,
    unreachable_s3_store,
)
from tests.fixtures.threads import at_once

# -- endpoints and settings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "secure", "netloc", "https"),
    [
        ("127.0.0.1:9000", False, "127.0.0.1:9000", False),
        ("minio:9000", True, "minio:9000", True),
        (" minio:9000 ", False, "minio:9000", False),
        ("http://minio:9000", True, "minio:9000", False),  # the URL's scheme wins
        ("https://minio.example.com", False, "minio.example.com", True),
        ("https://minio.example.com/", False, "minio.example.com", True),
        ("HTTPS://minio.example.com:443", False, "minio.example.com:443", True),
        ("http://[::1]:9000", False, "[::1]:9000", False),
    ],
)
def test_the_endpoint_is_host_and_port_or_a_url(
    endpoint: str, secure: bool, netloc: str, https: bool
) -> None:
    store = S3Store(StorageSettings(endpoint=endpoint, secure=secure, bucket="datasets"))

    assert store.endpoint == netloc
    assert store.secure is https
    assert store.description == f"bucket datasets at {netloc}"
    assert store._client._base_url.is_https is https


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("https://minio.example.com/designer", "cannot have a path"),
        ("http://minio:9000/a/b", "cannot have a path"),
        ("http://minio:9000?x=1", "cannot have a path"),
        ("minio:9000/designer", "host:port or an http"),
        ("ftp://minio:21", "http:// or https://"),
        ("https://", "must name a host"),
        ("https://user:pw@minio", "must name a host"),
        ("", "host:port"),
    ],
)
def test_an_endpoint_with_a_path_or_odd_scheme_is_refused(endpoint: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        S3Store(StorageSettings(endpoint=endpoint))
    assert "DESIGNER_S3_ENDPOINT" in str(raised.value)


@pytest.mark.parametrize("bucket", ["ab", "Designer", "under_score", "-start", "a" * 64, "a..b"])
def test_a_bucket_name_s3_would_refuse_is_refused_at_once(bucket: str) -> None:
    with pytest.raises(ValueError, match=r"DESIGNER_S3_BUCKET .* is not a bucket name"):
        S3Store(StorageSettings(endpoint="minio:9000", bucket=bucket))


@pytest.mark.parametrize(
    ("access_key", "secret_key", "missing"),
    [("key", None, "DESIGNER_S3_SECRET_KEY"), (None, "secret", "DESIGNER_S3_ACCESS_KEY")],
)
def test_half_a_pair_of_keys_is_refused(
    access_key: str | None, secret_key: str | None, missing: str
) -> None:
    settings = StorageSettings(endpoint="minio:9000", access_key=access_key, secret_key=secret_key)
    with pytest.raises(ValueError, match=f"{missing} is not"):
        S3Store(settings)


def test_timeouts_are_short_and_retries_few() -> None:
    store = unreachable_s3_store()
    pool = store._client._http

    assert pool.connection_pool_kw["timeout"].connect_timeout <= 5
    assert pool.connection_pool_kw["retries"].total <= 3


# -- the bucket ---------------------------------------------------------------------------


def test_the_bucket_is_made_on_the_first_write_and_remembered(
    s3_settings: StorageSettings,
) -> None:
    store = S3Store(s3_settings)
    looks = _counting(store._client, "bucket_exists")
    assert not store._client.bucket_exists(s3_settings.bucket)
    store.check()  # checking makes nothing

    assert not store._client.bucket_exists(s3_settings.bucket)
    store.put_bytes("a", b"1")
    store.put_bytes("b", b"2")
    store.put_stream("c", _stream(b"3"))

    assert store._client.bucket_exists(s3_settings.bucket)
    assert len(looks) == 4 + 1  # the four asked here, and one before the first write


def test_a_bucket_made_by_someone_else_meanwhile_is_used(s3_settings: StorageSettings) -> None:
    store = S3Store(s3_settings)
    real_make = store._client.make_bucket

    def made_meanwhile(bucket: str, *args: Any, **kwargs: Any) -> None:
        real_make(bucket, *args, **kwargs)  # another process got there first...
        raise S3Error(None, "BucketAlreadyOwnedByYou", "already yours", bucket, "r", "h")  # type: ignore[arg-type]

    store._client.make_bucket = made_meanwhile  # type: ignore[method-assign]
    store.put_bytes("a", b"1")

    assert store.read_bytes("a") == b"1"


def test_stores_writing_to_a_new_bucket_at_once_all_succeed(
    s3_settings: StorageSettings,
) -> None:
    stores = [S3Store(s3_settings) for _ in range(6)]

    results = at_once(
        [lambda s=s, i=i: s.put_bytes(f"k/{i}", b"x" * i) for i, s in enumerate(stores)]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert [info.key for info in stores[0].list()] == [f"k/{i}" for i in range(6)]


class _OneWayStream:
    """A stream that cannot be read twice (no seek), like a request body."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._inner.read(size)


def _remove_bucket(store: S3Store) -> None:
    for info in store.list():
        store._client.remove_object(store.bucket, info.key)
    store._client.remove_bucket(store.bucket)


def test_a_bucket_removed_behind_our_back_is_made_again(
    s3_settings: StorageSettings, tmp_path: Path
) -> None:
    store = S3Store(s3_settings)
    store.put_bytes("a", b"1")
    _remove_bucket(store)

    store.put_bytes("a", b"2")  # the data can be sent again: the write succeeds
    assert store.read_bytes("a") == b"2"

    _remove_bucket(store)
    with pytest.raises(ObjectStoreError, match="NoSuchBucket"):
        store.put_stream("b", _OneWayStream(b"3"))  # half sent: it cannot be sent again
    store.put_stream("b", _OneWayStream(b"3"))
    assert store.read_bytes("b") == b"3"

    _remove_bucket(store)
    assert not store.exists("a")
    assert list(store.list()) == []
    (tmp_path / "c").write_bytes(b"4")
    store.put_file("c", tmp_path / "c")
    assert store.read_bytes("c") == b"4"


# -- prefixes and locations ---------------------------------------------------------------


def test_a_prefix_keeps_a_store_to_its_own_part_of_the_bucket(
    s3_settings: StorageSettings,
) -> None:
    whole = S3Store(s3_settings)
    tenant_a = S3Store(s3_settings, prefix="tenant-a")
    tenant_b = S3Store(s3_settings, prefix="tenant-b/")
    tenant_a.put_bytes("runs/r/x", b"a")
    tenant_b.put_bytes("runs/r/x", b"b")
    whole.put_bytes("tenant-a.txt", b"not under the prefix")

    assert tenant_a.read_bytes("runs/r/x") == b"a"
    assert [i.key for i in tenant_a.list()] == ["runs/r/x"]
    assert [i.key for i in whole.list()] == [
        "tenant-a.txt",
        "tenant-a/runs/r/x",
        "tenant-b/runs/r/x",
    ]
    assert tenant_a.location("runs/r/x") == f"s3://{s3_settings.bucket}/tenant-a/runs/r/x"
    assert "under tenant-a/" in tenant_a.description

    assert tenant_a.delete_prefix("runs/") == 1
    assert tenant_b.read_bytes("runs/r/x") == b"b"
    assert [i.key for i in whole.list()] == ["tenant-a.txt", "tenant-b/runs/r/x"]


def test_objects_not_written_as_keys_are_not_listed(s3_settings: StorageSettings) -> None:
    store = S3Store(s3_settings)
    store.put_bytes("runs/r/ok", b"1")
    for odd in ("runs/r/", "runs/r/.hidden", "runs//x", "runs/r/sp ace"):
        store._client.put_object(s3_settings.bucket, odd, _stream(b"odd"), 3)

    assert [i.key for i in store.list()] == ["runs/r/ok"]
    assert [i.key for i in store.list("runs/r/")] == ["runs/r/ok"]


def test_delete_prefix_deletes_in_batches(
    s3_settings: StorageSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s3_module, "DELETE_BATCH", 3)
    store = S3Store(s3_settings)
    for i in range(8):
        store.put_bytes(f"runs/r/{i}", b"x")
    store.put_bytes("runs/s/keep", b"x")
    batches = _counting(store._client, "remove_objects")

    assert store.delete_prefix("runs/r/") == 8

    assert len(batches) == 3  # 3 + 3 + 2
    assert [i.key for i in store.list()] == ["runs/s/keep"]


# -- reading releases its connection ------------------------------------------------------


@pytest.fixture
def responses(s3_settings: StorageSettings) -> tuple[S3Store, list[Any]]:
    """A store with a 3 MB object, and every response its reads opened."""
    store = S3Store(s3_settings)
    store.put_bytes("big", b"x" * (3 * 1024 * 1024))
    opened: list[Any] = []
    real_get = store._client.get_object

    def get_object(*args: Any, **kwargs: Any) -> Any:
        response = real_get(*args, **kwargs)
        opened.append(response)
        return response

    store._client.get_object = get_object  # type: ignore[method-assign]
    return store, opened


def _released(response: Any) -> bool:
    return bool(response.closed) and response.connection is None


READS: dict[str, Callable[[S3Store, Path], object]] = {
    "to-the-end": lambda store, tmp: b"".join(store.read_chunks("big", 4096)),
    "read_bytes": lambda store, tmp: store.read_bytes("big"),
    "download": lambda store, tmp: store.download("big", tmp / "big"),
    "closed-early": lambda store, tmp: _first_then_close(store.read_chunks("big", 4096)),
    "abandoned": lambda store, tmp: next(store.read_chunks("big", 4096)),
    "never-read": lambda store, tmp: store.read_chunks("big"),
}


def _first_then_close(chunks: Any) -> None:
    next(chunks)
    chunks.close()


@pytest.mark.parametrize("how", list(READS))
def test_every_read_closes_and_releases_its_response(
    responses: tuple[S3Store, list[Any]], tmp_path: Path, how: str
) -> None:
    store, opened = responses

    READS[how](store, tmp_path)
    gc.collect()

    assert len(opened) == 1
    assert _released(opened[0])
    assert store.read_bytes("big") == b"x" * (3 * 1024 * 1024)  # the pool still works


def test_a_read_cut_short_is_reported_and_released(
    responses: tuple[S3Store, list[Any]], tmp_path: Path
) -> None:
    store, opened = responses
    chunks = store.read_chunks("big", 4096)
    next(chunks)
    opened[0].close()  # the response ends early, as if its connection were cut

    with pytest.raises(StorageUnavailable, match="sent 4096 of the 3145728 bytes"):
        b"".join(chunks)
    assert _released(opened[0])


class _CutShortServer(LoopbackServer):
    """An S3 server whose objects' connections drop after the first bytes."""

    class handler(BaseHTTPRequestHandler):  # the name LoopbackServer expects
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"z" * 1000)
            self.wfile.flush()
            self.close_connection = True

    @property
    def endpoint(self) -> str:
        return self.base_url.removeprefix("http://")


def test_a_connection_that_drops_mid_object_is_reported() -> None:
    with _CutShortServer() as server:
        store = S3Store(StorageSettings(endpoint=server.endpoint, region="us-east-1"))
        chunks = store.read_chunks("big", 100)
        assert next(chunks) == b"z" * 100
        with pytest.raises(StorageUnavailable, match=f"S3 storage at {server.endpoint}.*broke"):
            list(chunks)


def test_a_download_that_breaks_halfway_leaves_no_partial_file(
    responses: tuple[S3Store, list[Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, opened = responses
    target = tmp_path / "big"
    real_next = s3_module._Chunks.__next__
    served = []

    def breaking(chunks: Any) -> bytes:
        if len(served) == 2:
            raise StorageUnavailable("cannot reach S3 storage at test: the connection broke")
        served.append(1)
        return real_next(chunks)

    monkeypatch.setattr(s3_module._Chunks, "__next__", breaking)
    with pytest.raises(StorageUnavailable):
        store.download("big", target)

    assert list(tmp_path.iterdir()) == []
    assert _released(opened[0])


# -- errors -------------------------------------------------------------------------------

#: Every operation, as a call on a store.
OPERATIONS: dict[str, Callable[[S3Store], object]] = {
    "check": lambda store: store.check(),
    "put_bytes": lambda store: store.put_bytes("a/b", b"data"),
    "put_stream": lambda store: store.put_stream("a/b", _stream(b"data")),
    "read_chunks": lambda store: store.read_chunks("a/b"),
    "read_bytes": lambda store: store.read_bytes("a/b"),
    "stat": lambda store: store.stat("a/b"),
    "exists": lambda store: store.exists("a/b"),
    "list": lambda store: list(store.list("a/")),
    "delete": lambda store: store.delete("a/b"),
    "delete_prefix": lambda store: store.delete_prefix("a/"),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_a_server_that_is_down_fails_fast_and_says_so(operation: str) -> None:
    store = unreachable_s3_store()

    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as raised:
        OPERATIONS[operation](store)
    took = time.monotonic() - started

    assert took < 15
    message = str(raised.value)
    assert message.startswith(f"cannot reach S3 storage at {store.endpoint}: ")
    assert "connection refused" in message
    assert isinstance(raised.value, ConnectionError)


def test_location_needs_no_server() -> None:
    store = unreachable_s3_store(bucket="designer")
    assert store.location("datasets/x.csv") == "s3://designer/datasets/x.csv"


def test_an_unknown_host_is_named() -> None:
    store = S3Store(StorageSettings(endpoint="no-such-host.invalid:9000", bucket="designer"))
    with pytest.raises(StorageUnavailable, match=r"no-such-host\.invalid:9000: the host name"):
        store.check()


@pytest.mark.parametrize("code", ["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"])
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_refused_keys_say_which_settings_to_check(code: str, operation: str) -> None:
    with S3ErrorServer(403, code) as server:
        endpoint = server.endpoint
        store = S3Store(
            StorageSettings(endpoint=server.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
        )
        with pytest.raises(StorageUnavailable) as raised:
            OPERATIONS[operation](store)

    message = str(raised.value)
    assert f"S3 storage at {endpoint} refused our keys" in message
    assert code in message
    assert "DESIGNER_S3_ACCESS_KEY" in message and "DESIGNER_S3_SECRET_KEY" in message


def test_anonymous_access_refused_says_to_set_keys() -> None:
    with S3ErrorServer(403, "AccessDenied") as server:
        store = S3Store(StorageSettings(endpoint=server.endpoint))
        with pytest.raises(StorageUnavailable, match=r"refused anonymous access.*set DESIGNER_S3"):
            store.check()


def test_any_other_s3_error_names_the_endpoint_and_code() -> None:
    with S3ErrorServer(400, "InvalidBucketState", "the bucket is busy") as server:
        endpoint = server.endpoint
        store = S3Store(StorageSettings(endpoint=server.endpoint, region="us-east-1"))
        with pytest.raises(ObjectStoreError) as raised:
            store.stat("a")  # a HEAD: S3 sends no error document, the SDK names the status
        with pytest.raises(ObjectStoreError) as from_get:
            store.read_bytes("a")
        with pytest.raises(StorageUnavailable) as from_check:
            store.check()

    assert type(raised.value) is ObjectStoreError
    assert type(from_get.value) is ObjectStoreError
    assert f"S3 storage at {endpoint}" in str(raised.value)
    assert "BadRequest" in str(raised.value)
    assert str(from_get.value) == (
        f"S3 storage at {endpoint} failed on bucket designer with InvalidBucketState: "
        "the bucket is busy"
    )
    assert endpoint in str(from_check.value)


def test_a_server_failing_is_retried_a_little_then_reported() -> None:
    with S3ErrorServer(503, "SlowDown", "reduce your request rate") as server:
        store = S3Store(StorageSettings(endpoint=server.endpoint, region="us-east-1"))
        started = time.monotonic()
        with pytest.raises(StorageUnavailable, match="with SlowDown: reduce your request rate"):
            store.read_bytes("a")
        took = time.monotonic() - started

    assert len(server.requests) == 3  # the request and two retries
    assert took < 5


def test_a_server_that_is_not_s3_is_named() -> None:
    with S3ErrorServer(404, "NotS3", content_type="text/html") as server:
        store = S3Store(StorageSettings(endpoint=server.endpoint, region="us-east-1"))
        with pytest.raises(StorageUnavailable, match=r"does not answer like S3.*DESIGNER_S3_END"):
            list(store.list())


def test_a_missing_object_is_not_found(s3_settings: StorageSettings) -> None:
    store = S3Store(s3_settings)
    store.put_bytes("there", b"1")

    for call in (store.stat, store.read_bytes, store.read_chunks):
        with pytest.raises(ObjectNotFound, match="'not/there'"):
            call("not/there")


def test_check_passes_on_a_healthy_server(s3_settings: StorageSettings) -> None:
    S3Store(s3_settings).check()
    S3Store(s3_settings).put_bytes("a", b"1")
    S3Store(s3_settings).check()


def test_a_stream_upload_holds_one_part_at_a_time(s3_settings: StorageSettings) -> None:
    store = S3Store(s3_settings)
    calls = _counting(store._client, "put_object")

    store.put_stream("big", _stream(b"y" * (PART_BYTES * 2 + 1)))

    (args, kwargs), *_ = calls
    assert args[3] == -1  # length unknown
    assert kwargs["part_size"] == PART_BYTES
    assert kwargs["num_parallel_uploads"] == 1


def test_a_port_nothing_listens_on_is_closed() -> None:
    port = closed_port()
    assert 0 < port < 65536


# -- helpers ------------------------------------------------------------------------------


def _stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def _counting(client: Any, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Record every call to ``client.name`` (still calling it)."""
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    real = getattr(client, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs))
        return real(*args, **kwargs)

    setattr(client, name, counted)
    return calls

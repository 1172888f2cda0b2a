"""Table file: local, http and S3 reading on real files and real servers, and its checks.

Where a block may read from at all is tested in test_read_policy.py; here the servers are on
loopback, so the tests that fetch from them allow it as an administrator would.
"""

import functools
import http.server
import json
import os
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kfp import dsl

from blocks.load.table_file import Params, infer, load_table_file
from blocks.runtime.read_policy import ReadRefused
from blocks.runtime.table_file import read_table_file
from blocks.runtime.tables import read_table
from designer.objects.s3 import S3Store
from designer.settings import StorageSettings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def http_base(fixtures_dir: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(fixtures_dir))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def s3_endpoint(fixtures_dir: Path) -> Iterator[str]:
    from minio import Minio
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"127.0.0.1:{port}"
    client = Minio(endpoint, access_key="test", secret_key="test", secure=False)
    client.make_bucket("designer-data")
    client.fput_object("designer-data", "tables/pets.csv", str(fixtures_dir / "pets.csv"))
    yield endpoint
    server.stop()


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESIGNER_S3_ENDPOINT", s3_endpoint)
    monkeypatch.setenv("DESIGNER_S3_ACCESS_KEY", "test")
    monkeypatch.setenv("DESIGNER_S3_SECRET_KEY", "test")
    monkeypatch.setenv("DESIGNER_S3_SECURE", "false")


@pytest.fixture
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test servers listen on 127.0.0.1: allow it, as an administrator can."""
    monkeypatch.setenv("DESIGNER_ALLOWED_NETWORKS", "127.0.0.1/32")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixtures_dir: Path) -> Path:
    """A data folder of this test's own (tmp_path/data) besides the test tables."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("DESIGNER_DATA_DIRS", os.pathsep.join([str(folder), str(fixtures_dir)]))
    return folder


@pytest.mark.parametrize(
    ("name", "fmt", "target", "task", "rows", "expected_task"),
    [
        ("pets.csv", "auto", "species", "auto", 40, "classification"),
        ("pets.parquet", "auto", "species", "auto", 40, "classification"),
        ("pets.csv", "csv", "weight", "regression", 40, "regression"),
        ("houses.csv", "auto", "price", "auto", 60, "regression"),
        ("houses.csv", "auto", "rooms", "auto", 60, "classification"),
        ("houses.csv", "auto", "", "regression", 60, None),
    ],
)
def test_reads_local_files(
    fixtures_dir: Path,
    name: str,
    fmt: str,
    target: str,
    task: str,
    rows: int,
    expected_task: str | None,
) -> None:
    table = read_table_file(str(fixtures_dir / name), fmt, target, task)
    assert len(table.frame) == rows
    assert table.target == (target or None)
    assert table.task == expected_task


def test_format_is_sniffed_without_an_extension(fixtures_dir: Path, data_dir: Path) -> None:
    unnamed = data_dir / "export.data"
    shutil.copyfile(fixtures_dir / "pets.parquet", unnamed)
    table = read_table_file(unnamed.as_uri(), "auto", "species")
    assert list(table.frame.columns) == ["name", "age", "weight", "color", "indoor", "species"]


@pytest.fixture
def bad_files(data_dir: Path) -> Path:
    (data_dir / "garbage.parquet").write_bytes(b"not a parquet file at all")
    (data_dir / "empty.csv").write_text("")
    (data_dir / "folder").mkdir()
    (data_dir / "latin1.csv").write_bytes("name,price\ncr\xe8me,3\n".encode("latin-1"))
    return data_dir


@pytest.mark.parametrize(
    ("uri", "fmt", "target", "task", "error", "words"),
    [
        ("{tmp}/missing.csv", "auto", "", "auto", FileNotFoundError, "no file at"),
        ("{tmp}/folder", "auto", "", "auto", IsADirectoryError, "is a folder"),
        ("{tmp}/garbage.parquet", "auto", "", "auto", ValueError, "could not read"),
        ("{tmp}/empty.csv", "auto", "", "auto", ValueError, "is empty"),
        ("{fixtures}/pets.csv", "auto", "kind", "auto", ValueError, "the table has: name, age"),
        ("{fixtures}/pets.csv", "auto", "species", "regression", ValueError, "holds text;"),
        ("missing.csv", "auto", "", "auto", FileNotFoundError, "no file 'missing.csv' in the"),
        ("{tmp}/latin1.csv", "auto", "", "auto", ValueError, "as CSV: it is not UTF-8 text;"),
        ("ftp://example.org/pets.csv", "auto", "", "auto", ValueError, "not supported"),
        ("{fixtures}/pets.csv", "xlsx", "", "auto", ValueError, "choose one of: auto, csv"),
    ],
)
def test_clear_errors(
    bad_files: Path,
    fixtures_dir: Path,
    uri: str,
    fmt: str,
    target: str,
    task: str,
    error: type[Exception],
    words: str,
) -> None:
    with pytest.raises(error, match=words):
        read_table_file(uri.format(tmp=bad_files, fixtures=fixtures_dir), fmt, target, task)


@pytest.mark.usefixtures("loopback_allowed")
def test_reads_over_http(http_base: str) -> None:
    table = read_table_file(f"{http_base}/houses.csv", "auto", "price")
    assert (len(table.frame), table.task) == (60, "regression")


@pytest.mark.parametrize(
    ("url", "error", "words"),
    [
        ("{base}/nothing-here.csv", FileNotFoundError, "HTTP 404"),
        ("http://127.0.0.1:{closed}/pets.csv", ConnectionError, "could not reach"),
    ],
)
@pytest.mark.usefixtures("loopback_allowed")
def test_http_errors(http_base: str, url: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        read_table_file(url.format(base=http_base, closed=free_port()))


def presigned(endpoint: str, location: str) -> str:
    store = S3Store(StorageSettings(endpoint, "test", "test", bucket="designer"))
    return store.presigned_get(location)


def test_reads_a_presigned_object_it_was_granted_with_no_keys(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = presigned(s3_endpoint, "s3://designer-data/tables/pets.csv")
    assert url.startswith(f"http://{s3_endpoint}/designer-data/tables/pets.csv?")
    with pytest.raises(ReadRefused, match="is this computer"):  # the store is on loopback
        read_table_file(url)
    monkeypatch.setenv("DESIGNER_READ_GRANTS", json.dumps([url]))
    table = read_table_file(url, "auto", "species")
    assert (len(table.frame), table.target, table.task) == (40, "species", "classification")


def test_a_presigned_object_that_is_missing_is_a_clear_error(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = presigned(s3_endpoint, "s3://designer-data/tables/nope.csv")
    monkeypatch.setenv("DESIGNER_READ_GRANTS", json.dumps([url]))
    with pytest.raises(FileNotFoundError, match="HTTP 404") as caught:
        read_table_file(url)
    assert "Signature" not in str(caught.value)  # the signed part of the address is not shown


@pytest.mark.usefixtures("s3_env")
@pytest.mark.parametrize(
    ("buckets", "words"),
    [
        ("designer-data", "from a flow parameter"),
        ("", "not one blocks may read"),
    ],
)
def test_a_run_never_reads_s3_with_keys(
    monkeypatch: pytest.MonkeyPatch, buckets: str, words: str
) -> None:
    """The worker may have storage keys in its environment; it still reads no s3:// address."""
    monkeypatch.setenv("DESIGNER_S3_READ_BUCKETS", buckets)
    with pytest.raises(ReadRefused, match=words):
        read_table_file("s3://designer-data/tables/pets.csv")


def test_component_writes_the_table(
    fixtures_dir: Path, artifact: Callable[..., dsl.Artifact]
) -> None:
    data = artifact(dsl.Dataset, "data")
    load_table_file(str(fixtures_dir / "pets.csv"), "auto", "species", "auto", data)
    table = read_table(data.path)
    assert (table.target, table.task, len(table.frame)) == ("species", "classification", 40)
    assert data.metadata["rows"] == 40 and data.metadata["target"] == "species"


@pytest.mark.parametrize("name", ["pets.csv", "pets.parquet"])
def test_infer_reads_the_local_schema(fixtures_dir: Path, name: str) -> None:
    result = infer(Params(uri=str(fixtures_dir / name), target="species"), {})
    schema = result.outputs["data"]
    assert schema is not None and not result.problems
    assert schema.columns == ("name", "age", "weight", "color", "indoor", "species")
    assert (schema.target, schema.task) == ("species", "classification")


def test_infer_reports_a_missing_target(fixtures_dir: Path) -> None:
    result = infer(Params(uri=str(fixtures_dir / "houses.csv"), target="cost"), {})
    assert result.outputs["data"] is None
    [problem] = result.problems
    assert problem.param == "target"
    assert "'cost' not found" in problem.message and "rooms, area, city, price" in problem.message


@pytest.mark.parametrize(
    "uri", ["https://example.org/x.csv", "s3://open-data/x.csv", "no-such-file.csv"]
)
def test_infer_leaves_remote_and_missing_files_to_run_time(
    uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_S3_READ_BUCKETS", "open-data")
    result = infer(Params(uri=uri, target="y"), {})
    assert result.outputs == {"data": None} and not result.problems


def test_infer_reports_an_unreadable_file(data_dir: Path) -> None:
    broken = data_dir / "broken.parquet"
    broken.write_bytes(b"PAR1 but not really")
    result = infer(Params(uri=str(broken)), {})
    assert result.outputs == {"data": None}
    assert [p.param for p in result.problems] == ["uri"]
    assert "could not read" in result.problems[0].message

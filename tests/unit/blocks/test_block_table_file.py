"""Table file: local, http and S3 reading on real files and real servers, and its checks."""

import functools
import http.server
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kfp import dsl

from blocks.load.table_file import Params, infer, load_table_file
from blocks.runtime.table_file import read_table_file
from blocks.runtime.tables import read_table


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


def test_format_is_sniffed_without_an_extension(fixtures_dir: Path, tmp_path: Path) -> None:
    unnamed = tmp_path / "export.data"
    shutil.copyfile(fixtures_dir / "pets.parquet", unnamed)
    table = read_table_file(unnamed.as_uri(), "auto", "species")
    assert list(table.frame.columns) == ["name", "age", "weight", "color", "indoor", "species"]


@pytest.fixture
def bad_files(tmp_path: Path) -> Path:
    (tmp_path / "garbage.parquet").write_bytes(b"not a parquet file at all")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "folder").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("uri", "fmt", "target", "task", "error", "words"),
    [
        ("{tmp}/missing.csv", "auto", "", "auto", FileNotFoundError, "no file at"),
        ("{tmp}/folder", "auto", "", "auto", IsADirectoryError, "is a folder"),
        ("{tmp}/garbage.parquet", "auto", "", "auto", ValueError, "could not read"),
        ("{tmp}/empty.csv", "auto", "", "auto", ValueError, "is empty"),
        ("{fixtures}/pets.csv", "auto", "kind", "auto", ValueError, "the table has: name, age"),
        ("{fixtures}/pets.csv", "auto", "species", "regression", ValueError, "holds text"),
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
def test_http_errors(http_base: str, url: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        read_table_file(url.format(base=http_base, closed=free_port()))


@pytest.mark.usefixtures("s3_env")
def test_reads_from_s3() -> None:
    table = read_table_file("s3://designer-data/tables/pets.csv", "auto", "species")
    assert (len(table.frame), table.target, table.task) == (40, "species", "classification")


@pytest.mark.usefixtures("s3_env")
@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("s3://designer-data/tables/nope.csv", "no object 'tables/nope.csv'"),
        ("s3://no-such-bucket/pets.csv", "no bucket 'no-such-bucket'"),
    ],
)
def test_s3_missing_object(uri: str, words: str) -> None:
    with pytest.raises(FileNotFoundError, match=words):
        read_table_file(uri)


def test_s3_needs_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESIGNER_S3_ENDPOINT", raising=False)
    with pytest.raises(ValueError, match="DESIGNER_S3_ENDPOINT"):
        read_table_file("s3://bucket/key.csv")


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


@pytest.mark.parametrize("uri", ["https://example.org/x.csv", "s3://b/x.csv", "/no/such/file.csv"])
def test_infer_leaves_remote_and_missing_files_to_run_time(uri: str) -> None:
    result = infer(Params(uri=uri, target="y"), {})
    assert result.outputs == {"data": None} and not result.problems


def test_infer_reports_an_unreadable_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 but not really")
    result = infer(Params(uri=str(broken)), {})
    assert result.outputs == {"data": None}
    assert [p.param for p in result.problems] == ["uri"]
    assert "could not read" in result.problems[0].message

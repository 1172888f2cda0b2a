"""``designer datasets`` and ``--as`` on a real SQLite database and the local object store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from designer.cli import main
from designer.store import accounts, dispose_engine, engine_for
from tests.fixtures.object_stores import closed_port

DATA = Path(__file__).parents[1] / "fixtures" / "data"


@pytest.fixture(autouse=True)
def ada(designer_home: Path) -> Iterator[None]:
    url = f"sqlite:///{designer_home / 'designer.db'}"
    accounts.create_user(engine_for(url), "ada", "Ada", password_hash=None)
    yield
    dispose_engine(url)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_upload_list_show_and_delete(capsys: pytest.CaptureFixture[str]) -> None:
    houses = str(DATA / "houses.csv")
    code, out, _ = run(capsys, "datasets", "upload", houses, "--as", "ada", "--json")
    assert code == 0
    added = json.loads(out)
    assert (added["name"], added["number"], added["created"]) == ("houses", 1, True)
    code, out, _ = run(capsys, "datasets", "upload", houses, "--as", "ada")
    assert code == 0 and "already stored as houses version 1" in out
    code, out, _ = run(capsys, "datasets", "list", "--as", "ada")
    assert code == 0 and "houses  v1  60 rows x 4 columns" in out
    code, out, _ = run(capsys, "datasets", "show", added["dataset_id"], "--as", "ada")
    assert code == 0 and "price: number, 0 missing" in out and "likely target: price" in out
    code, out, _ = run(capsys, "datasets", "delete", added["dataset_id"], "--as", "ada")
    assert code == 0
    code, out, err = run(capsys, "datasets", "list", "--as", "ada")
    assert out == "" and "no datasets" in err


def test_a_flow_reading_the_library_is_checked_as_someone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "datasets", "upload", str(DATA / "houses.csv"), "--as", "ada", "--json")
    code, out, _ = run(capsys, "datasets", "list", "--as", "ada", "--json")
    dataset_id = json.loads(out)[0]["id"]
    flow = tmp_path / "flow.json"
    node = {
        "id": "data",
        "block": "load.dataset",
        "params": {"dataset": dataset_id, "target": "cost"},
    }
    flow.write_text(json.dumps({"schema_version": 1, "name": "Prices", "nodes": [node]}))
    code, out, _ = run(capsys, "validate", str(flow), "--as", "ada", "--json")
    problems = json.loads(out)["diagnostics"]
    assert code == 1 and [p["code"] for p in problems] == ["bad_column"]
    assert "its columns: rooms, area, city, price" in problems[0]["message"]
    code, out, _ = run(capsys, "validate", str(flow), "--json")
    assert [p["code"] for p in json.loads(out)["diagnostics"]] == ["dataset_unavailable"]
    code, _, err = run(capsys, "validate", str(flow), "--as", "nobody")
    assert code == 2 and "nobody" in err


@pytest.mark.parametrize(
    ("fixture", "says"),
    [("datasets/image.png", "PNG"), ("datasets/ragged_more.csv", "line")],
)
def test_a_bad_file_exits_1_with_the_reason(
    capsys: pytest.CaptureFixture[str], fixture: str, says: str
) -> None:
    code, _, err = run(capsys, "datasets", "upload", str(DATA / fixture), "--as", "ada")
    assert code == 1 and says in err and err.count("\n") == 1


def test_storage_that_is_down_exits_3_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_S3_ENDPOINT", f"127.0.0.1:{closed_port()}")
    monkeypatch.setenv("DESIGNER_S3_ACCESS_KEY", "key")
    monkeypatch.setenv("DESIGNER_S3_SECRET_KEY", "secret")
    code, _, err = run(capsys, "datasets", "upload", str(DATA / "houses.csv"), "--as", "ada")
    assert code == 3 and "cannot reach S3 storage" in err and err.count("\n") == 1
    code, _, _ = run(capsys, "datasets", "list", "--as", "ada")
    assert code == 0  # the records do not need the storage

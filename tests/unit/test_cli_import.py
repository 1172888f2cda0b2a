"""``designer import PIPELINE.yaml -o FLOW.json --as USER``: the exit codes and output scripts
rely on, on a real database: 0 imported (the flow written, its blocks the person's), 1 refused
(each problem with its line), 2 unreadable file or usage, 3 the database cannot be reached."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from designer.cli import main
from designer.cli.import_pipeline import NEEDS_A_PERSON
from designer.flow.document import parse_flow
from designer.store import accounts, dispose_engine, engine_for
from designer.store.userblocks import newest_versions
from tests.fixtures.object_stores import closed_port

PIPELINES = Path(__file__).parents[1] / "fixtures" / "pipelines_sdk"


@pytest.fixture
def database(designer_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A SQLite database with one account, "ada"."""
    url = f"sqlite:///{designer_home / 'designer.db'}"
    monkeypatch.setenv("DESIGNER_DATABASE_URL", url)
    engine = engine_for(url)
    accounts.create_user(engine, "ada", "Ada Lovelace")
    yield url
    dispose_engine(url)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_pipeline_is_imported_as_the_persons_flow(
    database: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "flow.json"
    code, out, err = run(
        capsys, "import", PIPELINES / "add_numbers.yaml", "-o", target, "--as", "ada"
    )
    assert (code, err) == (0, "")
    assert "imported 5 tasks of 'add-numbers' into" in out
    flow, problems = parse_flow(json.loads(target.read_text()))
    assert flow is not None and problems == []
    engine = engine_for(database)
    ada = accounts.actor_named(engine, "ada")
    owned = {v.id for v in newest_versions(engine, ada)}
    assert {node.block for node in flow.nodes} <= owned
    assert all(block in out for block in owned)
    # The flow checks as Ada: her blocks are found.
    code, out, err = run(capsys, "validate", target, "--as", "ada")
    assert code == 0, err


@pytest.mark.parametrize(
    ("file_name", "said"),
    [
        ("with_condition.yaml", "task 'add-up' runs under a condition (dsl.If / dsl.Condition)"),
        ("with_importer.yaml", "task 'importer' is an importer (dsl.importer)"),
    ],
)
def test_a_pipeline_a_flow_cannot_hold_is_refused_with_its_reasons(
    database: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, file_name: str, said: str
) -> None:
    target = tmp_path / "flow.json"
    code, out, err = run(capsys, "import", PIPELINES / file_name, "-o", target, "--as", "ada")
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(f"{PIPELINES / file_name}:") and said in line
    assert not target.exists()
    assert (
        newest_versions(engine_for(database), accounts.actor_named(engine_for(database), "ada"))
        == []
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["import", PIPELINES / "add_numbers.yaml", "-o", "flow.json"], NEEDS_A_PERSON),
        (["import", "nothing-here.yaml", "-o", "flow.json", "--as", "ada"], "no such file"),
        (["import", PIPELINES, "-o", "flow.json", "--as", "ada"], "it is a folder"),
        (["import", PIPELINES / "add_numbers.yaml", "-o", "f.json", "--as", "nobody"], "nobody"),
    ],
    ids=["no --as", "no file", "a folder", "no such person"],
)
def test_usage_errors_and_unreadable_files_exit_2(
    database: str, capsys: pytest.CaptureFixture[str], args: list[str | Path], said: str
) -> None:
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert said in err, err


def test_a_file_that_is_not_utf8_exits_2(
    database: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "pipeline.yaml"
    path.write_bytes(b"\xff\xfe not text")
    code, _, err = run(capsys, "import", path, "-o", tmp_path / "f.json", "--as", "ada")
    assert code == 2 and "not UTF-8 text" in err


def test_a_file_that_is_no_pipeline_exits_1(
    database: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "pipeline.yaml"
    path.write_text("name: x\ninputs: [1, 2\n")
    code, _, err = run(capsys, "import", path, "-o", tmp_path / "f.json", "--as", "ada")
    assert code == 1 and f"{path}:3: this is not valid YAML" in err


def test_a_database_that_cannot_be_reached_exits_3(
    designer_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    url = f"postgresql://designer@127.0.0.1:{closed_port()}/designer"
    monkeypatch.setenv("DESIGNER_DATABASE_URL", url)
    code, out, err = run(
        capsys, "import", PIPELINES / "add_numbers.yaml", "-o", tmp_path / "f.json", "--as", "ada"
    )
    assert (code, out) == (3, "")
    assert "cannot reach the database" in err

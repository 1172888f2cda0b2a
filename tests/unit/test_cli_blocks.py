"""``designer blocks``, ``designer blocks add`` and a person's own block in validate, compile
and run: the command line on a real SQLite database in the test's designer home.

The people: ``ada`` and ``bob`` write blocks, ``cyd`` has nothing of her own. The first account
of a new database is an admin (who may use every block), so ``root`` takes that place first.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from blocks.catalogue import CATALOGUE
from designer.cli import main
from designer.store import Role, accounts, dispose_engine, engine_for
from designer.store.access import Actor
from designer.store.block_shares import share_block
from designer.store.userblocks import BlockNotFound, block_version, list_blocks

COMPONENTS = Path(__file__).parents[1] / "fixtures" / "components"
BUILT_IN = {block.id for block in CATALOGUE}

#: A block people write early on: keep the short petals, and say how many stayed.
KEEP = '''\
from blocks.runtime.tables import Table, read_table, write_table
from blocks.types import Dataset, Input, Metrics, Output


def keep_short_petals(
    data: Input[Dataset],
    kept: Output[Dataset],
    counts: Output[Metrics],
    limit: float = 5.0,
) -> None:
    """Keep short petals

    Keeps the rows whose petal is at most as long as the limit.

    Category: preprocess

    Args:
        data: The table to filter.
        kept: The rows that stayed.
        counts: How many rows stayed, as a metric.
        limit: Longest petal kept, in centimetres.
    """
    table = read_table(data.path)
    short = table.frame[table.frame["petal length (cm)"] <= limit]
    write_table(Table(short, table.target, table.task), kept.path)
    counts.log_metric("kept_rows", len(short))
'''
#: The same block, a little stricter: a new version of it.
STRICTER = KEEP.replace("<= limit", "< limit")


@pytest.fixture(autouse=True)
def database(designer_home: Path) -> Iterator[Engine]:
    """The designer's default database, with the people of this module in it."""
    url = f"sqlite:///{designer_home / 'designer.db'}"
    engine = engine_for(url)
    for name in ("root", "ada", "bob", "cyd"):
        accounts.create_user(engine, name, name.title(), password_hash=None)
    yield engine
    dispose_engine(url)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Exit code, standard output and error of ``designer ARGS`` (argparse's own refusals
    exit the process: their code is the one a script would see)."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit:
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def add(capsys: pytest.CaptureFixture[str], path: Path, user: str, *more: str) -> dict[str, Any]:
    """``designer blocks add PATH --as USER --json``, which must succeed."""
    code, out, err = run(capsys, "blocks", "add", path, "--as", user, "--json", *more)
    assert code == 0, err
    return json.loads(out)


def listed(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict[str, Any]]:
    """The blocks ``designer blocks --json`` lists, by id."""
    code, out, err = run(capsys, "blocks", "--json", *args)
    assert code == 0, err
    return {block["id"]: block for block in json.loads(out)}


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def person(engine: Engine, name: str) -> Actor:
    return accounts.actor_named(engine, name)


def flow_file(tmp_path: Path, block_id: str, limit: float = 4.5) -> Path:
    """Load iris, then the person's block."""
    flow = {
        "schema_version": 1,
        "name": "Short petals",
        "nodes": [
            {"id": "load", "block": "load.sklearn_dataset", "params": {"dataset": "iris"}},
            {"id": "keep", "block": block_id, "params": {"limit": limit}},
        ],
        "edges": [
            {"source": "load", "source_port": "data", "target": "keep", "target_port": "data"}
        ],
    }
    return write(tmp_path, "flow.json", json.dumps(flow))


# --- listing ---------------------------------------------------------------------------------


def test_without_as_only_the_built_in_blocks_are_listed(
    capsys: pytest.CaptureFixture[str], database: Engine, tmp_path: Path
) -> None:
    add(capsys, write(tmp_path, "keep.py", KEEP), "ada")
    assert set(listed(capsys)) == BUILT_IN
    code, out, _ = run(capsys, "blocks")
    ids = {line.split()[0] for line in out.splitlines() if not line.startswith(" ")}
    assert code == 0 and ids == BUILT_IN


def test_with_as_a_persons_own_and_shared_blocks_are_listed_too(
    capsys: pytest.CaptureFixture[str], database: Engine, tmp_path: Path
) -> None:
    add(capsys, write(tmp_path, "keep.py", KEEP), "ada")
    add(capsys, write(tmp_path, "bobs.py", KEEP.replace("keep_short_petals", "bobs_petals")), "bob")
    add(capsys, write(tmp_path, "secret.py", KEEP.replace("keep_short_petals", "secret")), "bob")
    bobs = block_version(database, person(database, "bob"), "bob", "bobs_petals").block
    share_block(database, person(database, "bob"), bobs.id, "user", "ada", Role.VIEWER)

    found = listed(capsys, "--as", "ada")
    assert set(found) == BUILT_IN | {"ada/keep_short_petals@1", "bob/bobs_petals@1"}
    keep = found["ada/keep_short_petals@1"]
    assert (keep["owner"], keep["title"], keep["category"]) == (
        "ada",
        "Keep short petals",
        "preprocess",
    )
    assert [(p["name"], p["type"]) for p in keep["outputs"]] == [
        ("kept", "Dataset"),
        ("counts", "Metrics"),
    ]
    limit = keep["params"]["properties"]["limit"]
    assert (limit["type"], limit["default"]) == ("number", 5.0)
    assert limit["description"] == "Longest petal kept, in centimetres."
    assert keep["engines"] == ["local", "kubeflow"]

    code, out, _ = run(capsys, "blocks", "--as", "ada")
    assert code == 0
    assert "ada/keep_short_petals@1          Keep short petals\n" in out
    assert "in [data:Dataset]  out [kept:Dataset, counts:Metrics]" in out
    assert "bob/bobs_petals@1" in out and "secret" not in out
    # Nothing is shared with cyd: she sees what everyone sees.
    assert set(listed(capsys, "--as", "cyd")) == BUILT_IN


def test_listing_as_an_unknown_person_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "blocks", "--as", "nobody")
    assert (code, out) == (2, "") and "nobody" in err and err.count("\n") == 1


# --- adding ------------------------------------------------------------------------------------


def test_adding_makes_versions_only_when_the_text_changes(
    capsys: pytest.CaptureFixture[str], database: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "keep.py", KEEP)
    assert add(capsys, path, "ada") == {"id": "ada/keep_short_petals", "version": 1}
    assert add(capsys, path, "ada") == {"id": "ada/keep_short_petals", "version": 1}
    path.write_text(STRICTER, encoding="utf-8")
    code, out, _ = run(capsys, "blocks", "add", path, "--as", "ada", "-m", "stricter")
    assert code == 0 and out == "added ada/keep_short_petals@2: Keep short petals\n"
    ada = person(database, "ada")
    second = block_version(database, ada, "ada", "keep_short_petals", 2)
    first = block_version(database, ada, "ada", "keep_short_petals", 1)
    assert (second.message, second.text, first.text) == ("stricter", STRICTER, KEEP)
    assert add(capsys, path, "ada") == {"id": "ada/keep_short_petals", "version": 2}


BROKEN = [
    pytest.param(
        KEEP.replace("limit: float = 5.0,", "limit: float = ,"),
        "limit: float = ,",
        "Python cannot read this",
        id="syntax error",
    ),
    pytest.param(
        KEEP.replace("data: Input[Dataset]", "data: Input[Table]"),
        "data: Input[Table]",
        "`Input[Table]` is not a port type",
        id="unsupported port type",
    ),
    pytest.param(
        KEEP.replace("limit: float = 5.0", "limit: complex = 5.0"),
        "limit: complex",
        "`limit: complex` is neither a port nor a setting",
        id="unsupported setting type",
    ),
]


@pytest.mark.parametrize(("text", "where", "says"), BROKEN)
def test_a_source_that_makes_no_block_exits_1_with_file_line_and_problem(
    capsys: pytest.CaptureFixture[str],
    database: Engine,
    tmp_path: Path,
    text: str,
    where: str,
    says: str,
) -> None:
    path = write(tmp_path, "keep.py", text)
    code, out, err = run(capsys, "blocks", "add", path, "--as", "ada")
    assert (code, out) == (1, "")
    assert err.startswith(f"{path}:{line_of(text, where)}: {says}"), err
    assert all(line.startswith(f"{path}:") for line in err.splitlines())
    assert list_blocks(database, person(database, "ada")) == []


@pytest.mark.parametrize(
    ("name", "args", "says"),
    [
        pytest.param("missing.py", ["--as", "ada"], "no such file", id="missing file"),
        pytest.param("keep.txt", ["--as", "ada"], "a block is a Python file (.py)", id="txt"),
        pytest.param("keep.py", [], "--as", id="no --as"),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str],
    database: Engine,
    tmp_path: Path,
    name: str,
    args: list[str],
    says: str,
) -> None:
    write(tmp_path, "keep.py", KEEP)
    write(tmp_path, "keep.txt", KEEP)
    code, out, err = run(capsys, "blocks", "add", tmp_path / name, *args)
    assert (code, out) == (2, "") and says in err
    assert list_blocks(database, person(database, "ada")) == []


def test_an_unknown_person_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "keep.py", KEEP)
    code, out, err = run(capsys, "blocks", "add", path, "--as", "nobody")
    assert (code, out) == (2, "") and "'nobody'" in err


def test_adding_never_touches_someone_elses_block(
    capsys: pytest.CaptureFixture[str], database: Engine, tmp_path: Path
) -> None:
    add(capsys, write(tmp_path, "keep.py", KEEP), "ada")
    # The same name from bob is bob's own block; ada's keeps its one version.
    assert add(capsys, write(tmp_path, "bobs.py", STRICTER), "bob") == {
        "id": "bob/keep_short_petals",
        "version": 1,
    }
    ada, bob = person(database, "ada"), person(database, "bob")
    mine = block_version(database, ada, "ada", "keep_short_petals")
    assert (mine.number, mine.text) == (1, KEEP)
    # Neither sees the other's: nothing was shared.
    assert "bob/keep_short_petals@1" not in listed(capsys, "--as", "ada")
    assert "ada/keep_short_petals@1" not in listed(capsys, "--as", "bob")
    with pytest.raises(BlockNotFound):
        block_version(database, bob, "ada", "keep_short_petals")


def test_a_component_file_is_added_and_a_container_one_runs_on_kubeflow_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    embed = add(capsys, COMPONENTS / "container_embed_texts.yaml", "ada")
    count = add(capsys, COMPONENTS / "python_count_rows.yaml", "ada")
    assert (embed, count) == (
        {"id": "ada/embed_texts", "version": 1},
        {"id": "ada/count_rows", "version": 1},
    )
    found = listed(capsys, "--as", "ada")
    assert found["ada/embed_texts@1"]["engines"] == ["kubeflow"]
    assert found["ada/count_rows@1"]["engines"] == ["local", "kubeflow"]
    _, out, _ = run(capsys, "blocks", "--as", "ada")
    shown = {line.split()[0]: line for line in out.splitlines() if not line.startswith(" ")}
    assert shown["ada/embed_texts@1"].endswith("(runs on Kubeflow only)")
    assert "Kubeflow" not in shown["ada/count_rows@1"]

    flow = {
        "schema_version": 1,
        "name": "Embed",
        "nodes": [
            {"id": "load", "block": "load.sklearn_dataset", "params": {"dataset": "iris"}},
            {"id": "embed", "block": "ada/embed_texts@1", "params": {"model_name": "small"}},
        ],
        "edges": [
            {"source": "load", "source_port": "data", "target": "embed", "target_port": "texts"}
        ],
    }
    path = write(tmp_path, "embed.json", json.dumps(flow))
    code, _, err = run(capsys, "compile", path, "--as", "ada", "-o", tmp_path / "embed.yaml")
    assert code == 1 and "runs on Kubeflow only" in err
    assert not (tmp_path / "embed.yaml").exists()


# --- a person's block in a flow --------------------------------------------------------------


def test_validate_and_compile_find_the_persons_block_and_the_version_pinned(
    capsys: pytest.CaptureFixture[str], database: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "keep.py", KEEP)
    add(capsys, path, "ada")
    path.write_text(STRICTER, encoding="utf-8")
    add(capsys, path, "ada")
    flow = flow_file(tmp_path, "ada/keep_short_petals@1")

    code, out, _ = run(capsys, "validate", flow, "--as", "ada")
    assert (code, out) == (0, f"{flow}: valid\n")
    for who in ([], ["--as", "bob"]):
        code, out, _ = run(capsys, "validate", flow, "--json", *who)
        codes = [d["code"] for d in json.loads(out)["diagnostics"] if d["severity"] == "error"]
        assert (code, codes) == (1, ["unknown_block"])

    code, out, _ = run(capsys, "compile", flow, "--as", "ada", "-o", tmp_path / "p.yaml")
    assert code == 0 and "2 tasks" in out
    pipeline = (tmp_path / "p.yaml").read_text()
    # Version 1 is what the flow pins: its source travels in the pipeline, not version 2's.
    assert "def keep_short_petals(" in pipeline
    assert "<= limit" in pipeline and "] < limit" not in pipeline

    # Shared with bob, the block is his to use too.
    keep = block_version(database, person(database, "ada"), "ada", "keep_short_petals").block
    share_block(database, person(database, "ada"), keep.id, "user", "bob", Role.VIEWER)
    assert run(capsys, "validate", flow, "--as", "bob")[0] == 0


DESIGNER = [sys.executable, "-c", "import sys; from designer.cli import main; sys.exit(main())"]


@pytest.mark.slow
def test_run_runs_the_persons_block_and_reports_its_metrics(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    add(capsys, write(tmp_path, "keep.py", KEEP), "ada")
    flow = flow_file(tmp_path, "ada/keep_short_petals@1", limit=4.5)
    # A real local run, in a process of its own with this test's designer home.
    done = subprocess.run(
        [*DESIGNER, "run", str(flow), "--as", "ada", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "succeeded"
    # Iris has 150 rows, its petals 1 to 6.9 cm long: some are kept, not all.
    assert 0 < result["nodes"]["keep"]["metrics"]["kept_rows"] < 150

    refused = subprocess.run(
        [*DESIGNER, "run", str(flow), "--json"], capture_output=True, text=True, timeout=300
    )
    assert refused.returncode == 1 and "unknown_block" in refused.stderr

"""``designer templates`` and ``designer start``: output shapes and exit codes, in-process, on a
SQLite database of the test's own (only where ``--as`` needs one)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from designer.cli import main
from designer.store import accounts, dispose_engine, engine_for, flows, teams, templates
from designer.store.access import Actor
from designer.templates.gallery import builtin_templates, filter_templates
from tests.fixtures.people import sample_flow

DATA = Path(__file__).parents[1] / "fixtures" / "data"
PETS = DATA / "pets.csv"
BUILTIN_IDS = [t.id for t in builtin_templates()]


@dataclass(frozen=True)
class Lab:
    """Ada's team "Lab" with one published template; Bob has an account but no team."""

    url: str
    ada: Actor
    team_template: str


@pytest.fixture
def lab(designer_home: Path) -> Iterator[Lab]:
    url = f"sqlite:///{designer_home / 'designer.db'}"
    engine = engine_for(url)
    ada = accounts.create_user(engine, "ada", "Ada", password_hash=None)
    accounts.create_user(engine, "bob", "Bob", password_hash=None)
    team = teams.create_team(engine, ada, "Lab")
    flow = flows.create_flow(engine, ada, sample_flow("Lab flow", "load", "split"))
    published = templates.publish_template(
        engine, ada, flow.id, team.id,
        title="Lab starter", description="Our usual start.", task="other", difficulty="advanced",
    )  # fmt: skip
    yield Lab(url, ada, published.id)
    dispose_engine(url)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# --- templates list / show / use ----------------------------------------------------------------

FILTERS = {
    "everything": ([], {}),
    "regression": (["--task", "regression"], {"task": "regression"}),
    "advanced": (["--difficulty", "advanced"], {"difficulty": "advanced"}),
    "search": (["--search", "iris forest"], {"query": "iris forest"}),
    "all at once": (
        ["--task", "classification", "--difficulty", "beginner", "--search", "tumours"],
        {"task": "classification", "difficulty": "beginner", "query": "tumours"},
    ),
    "nothing": (["--search", "no such words anywhere"], {"query": "no such words anywhere"}),
}


@pytest.mark.parametrize(("args", "chosen"), FILTERS.values(), ids=FILTERS.keys())
def test_list_json_filters_the_built_in_templates(
    capsys: pytest.CaptureFixture[str], args: list[str], chosen: dict[str, str]
) -> None:
    code, out, _ = run(capsys, "templates", "list", *args, "--json")

    cards = json.loads(out)
    assert code == 0
    expected = filter_templates(builtin_templates(), **chosen)
    assert [c["id"] for c in cards] == [t.id for t in expected]
    for c in cards:
        assert set(c) >= {"id", "title", "task", "difficulty", "run_seconds", "node_count"}
        assert c["builtin"] is True


def test_list_prints_a_table_with_a_row_per_template(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "templates", "list")

    header, *rows = out.splitlines()
    assert code == 0
    assert header.split() == ["ID", "TITLE", "TASK", "LEVEL", "BLOCKS", "EXPECTED", "RUN"]
    assert [row.split()[0] for row in rows] == BUILTIN_IDS
    iris = next(row for row in rows if row.startswith("iris-flowers "))
    assert "Recognise iris flowers" in iris and "Classification" in iris and "Beginner" in iris
    # Block counts are right-aligned under their heading, as numbers are.
    blocks_end = header.index("BLOCKS") + len("BLOCKS")
    assert all(row[blocks_end - 1].isdigit() and row[blocks_end] == " " for row in rows)
    code, out, err = run(capsys, "templates", "list", "--search", "no such words anywhere")
    assert (code, out, err) == (0, "", "no templates match\n")


def test_a_team_template_is_listed_shown_and_used_as_a_member(
    capsys: pytest.CaptureFixture[str], lab: Lab
) -> None:
    code, out, _ = run(
        capsys, "templates", "list", "--difficulty", "advanced", "--as", "ada", "--json"
    )
    ours = next(c for c in json.loads(out) if not c["builtin"])
    assert code == 0
    assert (ours["id"], ours["team_name"], ours["node_count"]) == (lab.team_template, "Lab", 2)
    code, out, _ = run(capsys, "templates", "show", lab.team_template, "--as", "ada")
    assert code == 0 and json.loads(out)["name"] == "Lab flow"

    code, out, _ = run(capsys, "templates", "use", lab.team_template, "--as", "ada", "--json")

    created = json.loads(out)
    assert code == 0 and created["name"] == "Lab starter"
    stored = flows.get_flow(engine_for(lab.url), lab.ada, created["id"])
    assert [n.id for n in stored.flow.nodes] == ["load", "split"]


def test_using_a_template_twice_makes_two_flows(
    capsys: pytest.CaptureFixture[str], lab: Lab
) -> None:
    code, out, _ = run(capsys, "templates", "use", "iris-flowers", "--as", "ada", "--json")
    first = json.loads(out)
    assert code == 0
    assert first == {
        "id": first["id"],
        "name": "Recognise iris flowers",
        "version": 1,
        "path": f"/flows/{first['id']}",
    }

    code, out, _ = run(capsys, "templates", "use", "iris-flowers", "--as", "ada")

    assert code == 0 and out.startswith("created flow 'Recognise iris flowers 2' (")
    assert out.rstrip().split(" open ")[1].startswith("/flows/")
    names = {f.name for f in flows.list_flows(engine_for(lab.url), lab.ada)}
    assert {"Recognise iris flowers", "Recognise iris flowers 2"} <= names


def test_show_prints_a_flow_document_validate_accepts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for template_id in BUILTIN_IDS:
        code, out, _ = run(capsys, "templates", "show", template_id)
        assert code == 0, template_id
        path = tmp_path / f"{template_id}.json"
        path.write_text(out)
        assert run(capsys, "validate", path)[0] == 0, template_id


@pytest.mark.slow
def test_a_shown_template_runs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # The shell's `designer templates show iris-flowers > flow.json && designer run flow.json`.
    flow = tmp_path / "flow.json"
    code, out, _ = run(capsys, "templates", "show", "iris-flowers")
    flow.write_text(out)

    code, out, err = run(capsys, "run", flow, "--json")

    result = json.loads(out)
    assert code == 0, err
    assert result["status"] == "succeeded"
    assert result["nodes"]["evaluate"]["metrics"]["accuracy"] > 0.8


# --- start --------------------------------------------------------------------------------------

PROPOSALS = {
    "a sample": (["iris"], "classification", "species", "load.sklearn_dataset"),
    "a regression sample": (["diabetes"], "regression", "progression", "load.sklearn_dataset"),
    "a CSV, target named": ([PETS, "--target", "species"], "classification", "species", "file"),
    "a CSV, target guessed": ([PETS], "classification", "species", "file"),
    "a Parquet file": ([DATA / "pets.parquet"], "classification", "species", "file"),
    "numbers to predict": ([DATA / "houses.csv"], "regression", "price", "file"),
    "a count (Task auto's rule)": (
        [DATA / "target_kinds.csv", "--target", "rentals"],
        "regression",
        "rentals",
        "file",
    ),
    "a rating": (
        [DATA / "target_kinds.csv", "--target", "rating"],
        "classification",
        "rating",
        "file",
    ),
    "the shipped messy table": (["customers"], "classification", "churned", "file"),
}


@pytest.mark.parametrize(
    ("args", "task", "target", "loader"), PROPOSALS.values(), ids=PROPOSALS.keys()
)
def test_start_explains_on_stderr_and_prints_a_valid_flow(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str | Path],
    task: str,
    target: str,
    loader: str,
) -> None:
    code, out, err = run(capsys, "start", *args)

    assert code == 0, err
    assert err.startswith(f"Task: {task}, predicting “{target}”\n")
    assert "\nSteps:\n  1. " in err and "Test the model" in err
    load = json.loads(out)["nodes"][0]
    if loader == "file":
        # A full path: the flow reads the same file whichever folder it is run from.
        assert load["block"] == "load.table_file" and Path(load["params"]["uri"]).is_absolute()
        assert load["params"]["target"] == target
    else:
        assert load["block"] == loader
    path = tmp_path / "flow.json"
    path.write_text(out)
    assert run(capsys, "validate", path)[:2] == (0, f"{path}: valid\n")


def test_start_save_makes_the_flow_and_says_where(
    capsys: pytest.CaptureFixture[str], lab: Lab
) -> None:
    code, out, err = run(capsys, "start", PETS, "--target", "species", "--as", "ada", "--save")

    assert code == 0 and err == ""
    explanation, created = out.rstrip().rsplit("\n", 1)
    assert explanation.startswith("Task: classification")
    flow_id = created.split("(")[1].split(")")[0]
    name = "Predict species from pets.csv"
    assert created == f"created flow '{name}' ({flow_id}): open /flows/{flow_id}"
    stored = flows.get_flow(engine_for(lab.url), lab.ada, flow_id)
    assert (stored.flow.name, stored.flow.nodes[0].block) == (name, "load.table_file")


# --- what goes wrong ----------------------------------------------------------------------------

BAD_CALLS = {
    "unknown template": (["templates", "show", "nope"], "the built-in templates are: "),
    "a team template needs --as": (["templates", "show", "TEAM"], "(team templates need --as)"),
    "another team's template": (["templates", "show", "TEAM", "--as", "bob"], "no team template"),
    "no such template to use": (["templates", "use", "nope", "--as", "ada"], "no team template"),
    "no such person": (["templates", "list", "--as", "nobody"], "'nobody'"),
    "no one to copy for": (["templates", "use", "iris-flowers", "--as", "nobody"], "'nobody'"),
    "a sample's target is fixed": (["start", "iris", "--target", "colour"], "“species”"),
    "no such sample or file": (["start", "no/such/pets.csv"], "neither a sample (iris, "),
    "a folder": (["start", str(DATA)], "it is a folder"),
    "no such column": (["start", str(PETS), "--target", "nope"], "pick one of: name, age"),
    "an id column": (["start", str(PETS), "--target", "name"], "like an id or a name"),
    "save for nobody": (["start", "iris", "--save"], "--save needs --as USER"),
    "save for a stranger": (["start", "iris", "--save", "--as", "nobody"], "'nobody'"),
}


@pytest.mark.parametrize(("args", "says"), BAD_CALLS.values(), ids=BAD_CALLS.keys())
def test_bad_calls_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], lab: Lab, args: list[str], says: str
) -> None:
    args = [lab.team_template if arg == "TEAM" else arg for arg in args]

    code, out, err = run(capsys, *args)

    assert (code, out) == (2, "")
    assert says in err and err.startswith("designer: ") and err.count("\n") == 1


def test_a_file_that_is_not_a_table_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "start", DATA / "datasets" / "image.png")

    assert (code, out) == (1, "")
    assert "PNG" in err and err.count("\n") == 1


NEEDS_THE_DATABASE = {
    "list --as": ["templates", "list", "--as", "ada"],
    "show --as": ["templates", "show", "team-template", "--as", "ada"],
    "use": ["templates", "use", "iris-flowers", "--as", "ada"],
    "start --save": ["start", "iris", "--save", "--as", "ada"],
}
WITHOUT_THE_DATABASE = {
    "list": ["templates", "list"],
    "show": ["templates", "show", "iris-flowers"],
    "start": ["start", "iris"],
}


@pytest.mark.parametrize("args", NEEDS_THE_DATABASE.values(), ids=NEEDS_THE_DATABASE.keys())
def test_a_database_that_cannot_be_reached_exits_3(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("DESIGNER_DATABASE_URL", f"sqlite:///{tmp_path / 'a-file' / 'x.db'}")

    code, out, err = run(capsys, *args)

    assert (code, out) == (3, "")
    assert "cannot create its folder" in err and err.count("\n") == 1


@pytest.mark.parametrize("args", WITHOUT_THE_DATABASE.values(), ids=WITHOUT_THE_DATABASE.keys())
def test_built_in_templates_and_samples_need_no_database(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("DESIGNER_DATABASE_URL", f"sqlite:///{tmp_path / 'a-file' / 'x.db'}")

    assert run(capsys, *args)[0] == 0


def test_start_refuses_a_file_no_block_may_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere" / "pets.csv"
    outside.parent.mkdir()
    outside.write_bytes(PETS.read_bytes())

    code, out, err = run(capsys, "start", outside)

    assert (code, out) == (2, "")
    assert "DESIGNER_DATA_DIRS" in err and "designer datasets upload" in err

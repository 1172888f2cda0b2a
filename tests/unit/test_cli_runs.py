"""``designer run FLOW --as USER`` on a stored flow: recorded in its history as a run from the
page is, ``--rerun RUN_ID --from NODE`` reusing what is upstream, and every refusal in one line
with nothing started."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from designer.cli import main
from designer.cli.runs import print_record
from designer.flow.document import Flow
from designer.runs.record import NodeRun, RunRecord, Status
from designer.store import accounts, dispose_engine, engine_for, flows, shares
from designer.store.access import Role
from designer.store.runs import list_runs, record_run
from tests.fixtures.flow_files import fixture_flow

DESIGNER = [sys.executable, "-c", "import sys; from designer.cli import main; sys.exit(main())"]


@dataclass(frozen=True)
class Desk:
    engine: Engine
    flow_id: str


def iris_without_deploy() -> Flow:
    """The iris flow, load to evaluate: four blocks, quick to run."""
    doc = fixture_flow("iris_classification")
    return Flow.model_validate(
        {
            **doc,
            "name": "Iris quick",
            "nodes": [n for n in doc["nodes"] if n["id"] != "deploy"],
            "edges": [e for e in doc["edges"] if "deploy" not in (e["source"], e["target"])],
        }
    )


@pytest.fixture
def desk(designer_home: Path) -> Iterator[Desk]:
    """Ada's flow "Iris quick", shared with Vera to view; Sam sees nothing."""
    url = f"sqlite:///{designer_home / 'designer.db'}"
    engine = engine_for(url)
    ada = accounts.create_user(engine, "ada", "Ada Byron", password_hash=None)
    accounts.create_user(engine, "vera", "Vera", password_hash=None)
    accounts.create_user(engine, "sam", "Sam", password_hash=None)
    flow = flows.create_flow(engine, ada, iris_without_deploy())
    shares.share_with_user(engine, ada, flow.id, "vera", Role.VIEWER)
    yield Desk(engine, flow.id)
    dispose_engine(url)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["run", *args])
    out, err = capsys.readouterr()
    return code, out, err


def designer(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own (a real local run), with this test's home."""
    return subprocess.run([*DESIGNER, "run", *args], capture_output=True, text=True, timeout=300)


def ada(desk: Desk) -> accounts.Actor:
    return accounts.actor_named(desk.engine, "ada")


@pytest.mark.slow
def test_a_stored_flow_runs_recorded_and_reruns_from_a_block(desk: Desk) -> None:
    done = designer("Iris quick", "--as", "ada", "--json", "-p", "seed=3")
    assert done.returncode == 0, done.stdout + done.stderr
    first = json.loads(done.stdout)
    assert first["status"] == "succeeded"
    [listed] = list_runs(desk.engine, ada(desk), desk.flow_id)
    # Recorded as a run from the page: who, which version, the values, how it ended.
    assert (listed.id, listed.started_by, listed.flow_version) == (first["run_id"], "Ada Byron", 1)
    assert (listed.arguments, listed.status, listed.rerun_from) == ({"seed": 3}, "succeeded", "")

    done = designer("--rerun", first["run_id"], "--from", "evaluate", "--as", "ada", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    again = json.loads(done.stdout)
    nodes = again["nodes"]
    for upstream in ("load", "split", "train"):
        assert nodes[upstream]["status"] == "cached", nodes
        assert nodes[upstream]["cached_from"] == first["run_id"]
    assert nodes["evaluate"]["status"] == "succeeded" and "cached_from" not in nodes["evaluate"]
    assert (
        nodes["evaluate"]["metrics"]["accuracy"]
        == first["nodes"]["evaluate"]["metrics"]["accuracy"]
    )  # same version, same seed: the same model scored the same
    latest = list_runs(desk.engine, ada(desk), desk.flow_id)[0]
    assert (latest.id, latest.rerun_from, latest.arguments) == (
        again["run_id"],
        "evaluate",
        {"seed": 3},
    )
    assert (latest.cached_nodes, latest.node_count) == (3, 4)


def stored_run(desk: Desk, run_id: str = "run-1") -> str:
    """A finished run of version 1 in the store, as the engines record one."""
    record = RunRecord(
        run_id=run_id,
        flow_name="Iris quick",
        engine="local",
        status=Status.SUCCEEDED,
        started_at=1_800_000_000.0,
        nodes={"load": NodeRun(status=Status.SUCCEEDED)},
        arguments={"seed": 3},
    )
    record_run(desk.engine, desk.flow_id, 1, record, ada(desk).id)
    return run_id


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--rerun", "nope", "--from", "train", "--as", "ada"], "no run with id 'nope'"),
        (["--rerun", "run-1", "--from", "nowhere", "--as", "ada"], "no node 'nowhere'"),
        (["--rerun", "run-1", "--from", "train", "--as", "sam"], "no run with id 'run-1'"),
        (["--rerun", "run-1", "--as", "ada"], "needs --from NODE"),
        (["--rerun", "run-1", "--from", "train"], "needs --as USER"),
        (["Iris quick", "--from", "train", "--as", "ada"], "give --rerun RUN_ID too"),
        (["Nothing like it", "--as", "ada"], "no file Nothing like it and no flow ada may see"),
        (["Iris quick", "--as", "sam"], "no flow sam may see"),
        (["Iris quick", "--as", "nobody"], "nobody"),
        (["Iris quick", "--as", "ada", "-p", "seed=many"], "'seed' expects a whole number"),
        (["Iris quick", "--as", "ada", "-p", "depth=3"], "no parameter 'depth'"),
        (["Iris quick", "--as", "ada", "-p", "seed"], "--param expects NAME=VALUE"),
        ([], "name a flow"),
    ],
)
def test_refusals_are_one_line_and_start_nothing(
    desk: Desk, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    stored_run(desk)
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert said in err and err.count("\n") == 1, err
    assert [r.id for r in list_runs(desk.engine, ada(desk), desk.flow_id)] == ["run-1"]


def test_several_flows_of_one_name_are_told_apart_by_id(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    twin = flows.create_flow(desk.engine, ada(desk), iris_without_deploy())
    code, _, err = run(capsys, "Iris quick", "--as", "ada")
    assert code == 2 and "several flows are named 'Iris quick'" in err
    assert twin.id in err and desk.flow_id in err
    assert list_runs(desk.engine, ada(desk), desk.flow_id) == []


def test_a_viewer_may_not_run_when_only_editors_may(
    desk: Desk, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_VIEWERS_CAN_RUN", "false")
    code, out, err = run(capsys, desk.flow_id, "--as", "vera")
    assert (code, out) == (1, "")
    assert "only editors" in err
    assert list_runs(desk.engine, ada(desk), desk.flow_id) == []


def test_a_path_to_a_file_means_the_file(
    desk: Desk, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even with ``--as`` and a stored flow of the same name: the file is read, not the store."""
    monkeypatch.chdir(tmp_path)
    Path("Iris quick").write_text("{not json")
    code, out, err = run(capsys, "Iris quick", "--as", "ada")
    assert (code, out) == (1, "") and "the file is not valid JSON" in err
    assert list_runs(desk.engine, ada(desk), desk.flow_id) == []


def test_a_cached_node_says_which_run_it_reused(capsys: pytest.CaptureFixture[str]) -> None:
    nodes = {
        "load": NodeRun(Status.CACHED, cached_from="r0"),
        "train": NodeRun(Status.SUCCEEDED),
    }
    notes = ["The cache folder is full: this run reused nothing and kept nothing."]
    record = RunRecord("r1", "iris", "local", Status.SUCCEEDED, nodes=nodes, notes=notes)
    print_record(record, as_json=False)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["load", "cached"]
    assert lines[2].strip() == "reused the result of run r0"
    assert lines[-1] == notes[0]
    print_record(record, as_json=True)
    summary = json.loads(capsys.readouterr().out)["nodes"]
    assert summary["load"] == {"status": "cached", "metrics": {}, "error": "", "cached_from": "r0"}
    assert "cached_from" not in summary["train"]

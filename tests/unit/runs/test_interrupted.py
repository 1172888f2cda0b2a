"""Runs whose designer stopped while they were going: told apart from live ones and settled.

The attack: a server killed mid-run and restarted left the run, its nodes and the editor saying
"running" forever, Run disabled and Cancel refusing. Here a real run is started by a child
process that is then killed with SIGKILL, and the start-up sweep must settle it, in its folder
and in the database (SQLite and PostgreSQL), so the flow runs again; a run whose supervisor is
alive is left alone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import select

from designer.flow.compile import compile_flow
from designer.flow.document import Flow
from designer.runs import supervisor
from designer.runs.interrupted import mark_interrupted_runs, settle_at_start
from designer.runs.launcher import Launcher, LaunchError
from designer.runs.local import RECORD_FILE, LocalRun
from designer.runs.record import INTERRUPTED, NodeRun, RunRecord, Status
from designer.runs.sandbox import choose_sandbox
from designer.settings import Settings, load_settings
from designer.store.access import Actor
from designer.store.accounts import create_user, get_actor
from designer.store.db import engine_for, session_scope
from designer.store.flows import create_flow
from designer.store.runs import get_run_record, list_runs, record_run, settle_unfinished_run
from designer.store.tables import FlowRow
from tests.fixtures.databases import (  # noqa: F401  (fixtures)
    migrated_database_url,
    migrated_template,
)
from tests.fixtures.flow_files import FLOWS, fixture_flow
from tests.fixtures.object_stores import closed_port

REPO = Path(__file__).resolve().parents[3]
TOKEN_CODE = "from designer.runs import supervisor; print(supervisor.current().token(), flush=True)"


def token_of_a_process(*, stays: bool) -> tuple[str, subprocess.Popen[str]]:
    """The supervisor token a child process would write, and the process (still running or
    exited and reaped)."""
    code = TOKEN_CODE + ("; import time; time.sleep(600)" if stays else "")
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert child.stdout is not None
    token = child.stdout.readline().strip()
    if not stays:
        child.wait(timeout=30)
    return token, child


@pytest.fixture(scope="module")
def dead_token() -> str:
    return token_of_a_process(stays=False)[0]


@pytest.fixture
def live_token() -> Iterator[str]:
    token, child = token_of_a_process(stays=True)
    yield token
    child.kill()
    child.wait()


# -- who supervises a run ------------------------------------------------------------------


def test_this_process_and_a_live_child_supervise_a_dead_one_does_not(
    dead_token: str, live_token: str
) -> None:
    assert supervisor.is_alive(supervisor.current().token())
    assert supervisor.is_alive(live_token)
    assert not supervisor.is_alive(dead_token)


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "a/b/c", "0000000000000000/1/1", "x/y/z/w"],
    ids=["none-older-record", "garbage", "not-numbers", "another-machine", "too-many-parts"],
)
def test_records_naming_no_supervisor_here_are_unsupervised(token: str) -> None:
    assert not supervisor.is_alive(token)


@settings(max_examples=300, deadline=None)
@given(token=st.text(max_size=80) | st.from_regex(r"[0-9a-f]{16}/-?[0-9]{1,8}/-?[0-9]{1,12}"))
def test_any_token_a_record_holds_is_judged_without_error(token: str) -> None:
    """Records are files and database rows anyone with the runs folder could have edited."""
    assert isinstance(supervisor.is_alive(token), bool)


def test_a_reused_process_id_is_not_the_same_supervisor() -> None:
    me = supervisor.current()
    reborn = supervisor.Supervisor(me.machine, me.pid, me.started + 1)
    assert not supervisor.is_alive(reborn.token())


# -- the record ------------------------------------------------------------------------------


def unfinished(run_id: str, token: str, engine: str = "local") -> RunRecord:
    return RunRecord(
        run_id=run_id,
        flow_name="Iris classification",
        engine=engine,
        status=Status.RUNNING,
        started_at=time.time() - 60,
        nodes={
            "load": NodeRun(status=Status.SUCCEEDED, task="a"),
            "train": NodeRun(status=Status.RUNNING, task="b"),
            "deploy": NodeRun(status=Status.PENDING, task="c"),
        },
        supervisor=token,
    )


def assert_interrupted(record: RunRecord) -> None:
    assert record.status is Status.FAILED and record.error == INTERRUPTED
    assert record.finished_at is not None
    assert {n: (r.status, r.error) for n, r in record.nodes.items()} == {
        "load": (Status.SUCCEEDED, ""),
        "train": (Status.FAILED, INTERRUPTED),
        "deploy": (Status.SKIPPED, INTERRUPTED),
    }


def test_an_interrupted_record_fails_where_it_stopped() -> None:
    record = unfinished("r", "")
    record.interrupt(time.time())
    assert_interrupted(record)
    assert record.nodes["train"].finished_at == record.finished_at


def test_a_worker_that_cannot_start_leaves_no_running_record(tmp_path: Path) -> None:
    run = LocalRun(tmp_path, unfinished("r-never", supervisor.current().token()), {}, {})
    with pytest.raises(OSError):
        run.launch([str(tmp_path / "no-such-program")], {})
    saved = RunRecord.load(tmp_path / RECORD_FILE)
    assert saved.status is Status.FAILED and saved.error.startswith("the run could not start")
    assert saved == run.snapshot()


# -- read later: the launcher settles it lazily ----------------------------------------------


def save(settings: Settings, record: RunRecord) -> Path:
    folder = settings.runs_dir / record.run_id
    folder.mkdir(parents=True, exist_ok=True)
    record.save(folder / RECORD_FILE)
    return folder / RECORD_FILE


def test_reading_a_run_whose_designer_is_gone_settles_it(tmp_path: Path, dead_token: str) -> None:
    settings = load_settings({"DESIGNER_HOME": str(tmp_path)})
    path = save(settings, unfinished("r-gone", dead_token))
    launcher = Launcher(settings)
    assert_interrupted(launcher.snapshot("r-gone"))
    assert_interrupted(RunRecord.load(path))  # saved, for every other reader
    said = launcher.cancel("r-gone")
    assert said.startswith("The run had already finished (failed: interrupted")
    assert "nothing to stop" in said


def test_a_run_another_live_process_follows_is_left_alone(tmp_path: Path, live_token: str) -> None:
    settings = load_settings({"DESIGNER_HOME": str(tmp_path)})
    save(settings, unfinished("r-live", live_token))
    launcher = Launcher(settings)
    assert launcher.snapshot("r-live").status is Status.RUNNING
    with pytest.raises(LaunchError, match="followed by another designer process"):
        launcher.cancel("r-live")
    assert mark_interrupted_runs(settings, None) == []
    assert launcher.snapshot("r-live").status is Status.RUNNING


# -- at start: the sweep over folders and the database ---------------------------------------


@pytest.fixture
def database(migrated_database_url: str) -> Engine:  # noqa: F811
    return engine_for(migrated_database_url)


def new_flow(engine: Engine) -> tuple[str, str]:
    """A stored flow (the iris fixture) and its owner: their ids."""
    ada = create_user(engine, "ada", "Ada Lovelace")
    flow = create_flow(engine, ada, Flow.model_validate(fixture_flow("iris_classification")))
    return flow.id, ada.id


def last_run_status(engine: Engine, flow_id: str) -> str | None:
    with session_scope(engine) as session:
        return session.exec(select(FlowRow.last_run_status).where(FlowRow.id == flow_id)).one()


def test_the_start_sweep_settles_only_runs_nobody_follows(
    tmp_path: Path, database: Engine, dead_token: str, live_token: str
) -> None:
    settings = load_settings({"DESIGNER_HOME": str(tmp_path)})
    flow_id, user_id = new_flow(database)
    me = supervisor.current().token()
    records = {
        "r1-gone": (unfinished("r1-gone", dead_token), "both"),
        "r2-older-record": (unfinished("r2-older-record", ""), "database"),
        "r3-alive": (unfinished("r3-alive", live_token), "both"),
        "r4-finished-on-disk": (unfinished("r4-finished-on-disk", dead_token), "database"),
        "r5-this-process": (unfinished("r5-this-process", me), "both"),
        "r6-kubeflow": (unfinished("r6-kubeflow", dead_token, engine="kubeflow"), "both"),
        "r7-folder-only": (unfinished("r7-folder-only", dead_token), "folder"),
    }
    for index, (record, where) in enumerate(records.values()):
        record.started_at = time.time() - 100 - index  # r1 is the flow's last run
        if where in ("both", "database"):
            record_run(database, flow_id, 1, record, user_id)
        if where in ("both", "folder"):
            save(settings, record)
    # The designer stopped after the worker finished but before the database heard of it.
    done = unfinished("r4-finished-on-disk", dead_token)
    done.status, done.finished_at = Status.SUCCEEDED, time.time()
    for node in done.nodes.values():
        node.status = Status.SUCCEEDED
    save(settings, done)

    marked = mark_interrupted_runs(settings, database)

    assert marked == ["r1-gone", "r2-older-record", "r4-finished-on-disk", "r7-folder-only"]
    stored = {
        run_id: get_run_record(database, _actor(database, user_id), run_id)
        for run_id, (_, where) in records.items()
        if where != "folder"
    }
    for run_id in ("r1-gone", "r2-older-record"):
        assert_interrupted(stored[run_id])
    for run_id in ("r1-gone", "r7-folder-only"):
        assert_interrupted(RunRecord.load(settings.runs_dir / run_id / RECORD_FILE))
    assert stored["r4-finished-on-disk"].status is Status.SUCCEEDED
    for run_id in ("r3-alive", "r5-this-process", "r6-kubeflow"):
        assert stored[run_id].status is Status.RUNNING, run_id
    summaries = {s.id: s for s in list_runs(database, _actor(database, user_id), flow_id)}
    assert summaries["r1-gone"].status is Status.FAILED
    assert summaries["r1-gone"].error == INTERRUPTED
    assert summaries["r1-gone"].finished_at is not None
    assert last_run_status(database, flow_id) == "failed"
    assert mark_interrupted_runs(settings, database) == []  # settled once


def test_settling_never_overwrites_how_a_run_really_ended(
    database: Engine, dead_token: str
) -> None:
    flow_id, user_id = new_flow(database)
    record = unfinished("r-done", dead_token)
    record.status, record.finished_at = Status.SUCCEEDED, time.time()
    record_run(database, flow_id, 1, record, user_id)
    late = unfinished("r-done", dead_token)
    late.interrupt(time.time())
    assert not settle_unfinished_run(database, late)
    assert not settle_unfinished_run(database, unfinished("r-unknown", dead_token))
    stored = get_run_record(database, _actor(database, user_id), "r-done")
    assert stored.status is Status.SUCCEEDED


def _actor(engine: Engine, user_id: str) -> Actor | None:
    return get_actor(engine, user_id)


# -- a real server killed mid-run ------------------------------------------------------------

SERVER = textwrap.dedent(
    """
    # A designer server in miniature: start a run the way the editor does, follow it into the
    # database, then hang until killed.
    import json, sys, time
    from designer.flow.compile import compile_flow
    from designer.flow.validate import check_data
    from designer.runs.launcher import Launcher
    from designer.settings import load_settings
    from designer.store.db import engine_for
    from designer.store.runs import record_run

    flow_file, flow_id, user_id = sys.argv[1:]
    settings = load_settings()
    engine = engine_for(settings.database_url)
    check = check_data(json.load(open(flow_file)))
    launcher = Launcher(settings)
    record = launcher.start(
        compile_flow(check.flow, check), flow_name=check.flow.name, owner_id=user_id,
        flow_id=flow_id,
    )
    record_run(engine, flow_id, 1, record, user_id)
    while record.nodes["split"].status != "running":
        time.sleep(0.05)
        record = launcher.snapshot(record.run_id)
        record_run(engine, flow_id, 1, record)
    print(record.run_id, flush=True)
    time.sleep(600)
    """
)


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``, by parent id in /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def kill_all(pids: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_a_server_killed_mid_run_leaves_a_failed_run_and_the_flow_runs_again(
    tmp_path: Path,
    migrated_database_url: str,  # noqa: F811
) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "DESIGNER_HOME": str(home), "DESIGNER_DATABASE_URL": migrated_database_url}
    settings = load_settings(env)
    database = engine_for(migrated_database_url)
    flow_id, user_id = new_flow(database)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(FLOWS / "iris_classification.json"), flow_id, user_id],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    workers: set[int] = set()
    try:
        assert server.stdout is not None
        run_id = server.stdout.readline().strip()
        assert run_id, "the server never got its run going"
        workers = descendants(server.pid)
        assert workers, "the run has no worker"
        # While the server lives, its run is its own: nothing to settle.
        assert mark_interrupted_runs(settings, database) == []
        assert Launcher(settings).snapshot(run_id).status is Status.RUNNING

        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        if choose_sandbox(settings) is not None:  # a sandboxed run dies with its server
            deadline = time.monotonic() + 10
            while any(Path(f"/proc/{pid}").exists() for pid in workers):
                assert time.monotonic() < deadline, "the sandboxed worker outlived its server"
                time.sleep(0.1)
        kill_all(workers)  # unsandboxed, as a host restart would

        assert mark_interrupted_runs(settings, database) == [run_id]
    finally:
        server.kill()
        server.wait()
        kill_all(workers)

    on_disk = RunRecord.load(settings.runs_dir / run_id / RECORD_FILE)
    in_database = get_run_record(database, _actor(database, user_id), run_id)
    for record in (on_disk, in_database):
        assert record.status is Status.FAILED and record.error == INTERRUPTED
        assert record.nodes["load"].status is Status.SUCCEEDED
        assert record.nodes["split"].status is Status.FAILED
        assert record.nodes["split"].error == INTERRUPTED
        assert {record.nodes[n].status for n in ("train", "evaluate", "deploy")} == {Status.SKIPPED}
    assert last_run_status(database, flow_id) == "failed"

    # The restarted designer runs the flow again.
    launcher = Launcher(settings)
    flow = Flow.model_validate(fixture_flow("iris_classification"))
    again = launcher.start(compile_flow(flow), flow_name=flow.name, flow_id=flow_id)
    assert again.status is Status.RUNNING and again.run_id != run_id
    launcher.cancel(again.run_id)
    deadline = time.monotonic() + 60
    while not launcher.snapshot(again.run_id).status.finished:
        assert time.monotonic() < deadline, "the new run never ended"
        time.sleep(0.1)
    assert launcher.snapshot(again.run_id).status is Status.CANCELLED


def test_the_app_settles_folders_even_while_the_database_is_down(
    tmp_path: Path, dead_token: str
) -> None:
    """The web app's start: an unreachable database does not stop the folders being settled."""
    url = f"postgresql+psycopg2://nobody@127.0.0.1:{closed_port()}/nothing"
    settings = load_settings({"DESIGNER_HOME": str(tmp_path), "DESIGNER_DATABASE_URL": url})
    save(settings, unfinished("r1-gone", dead_token))

    assert settle_at_start(settings) == ["r1-gone"]
    assert_interrupted(RunRecord.load(settings.runs_dir / "r1-gone" / RECORD_FILE))

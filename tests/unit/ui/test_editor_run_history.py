"""The run history in an editor tab: an old run opens on the version it ran, read-only, and
"Back to the current flow" brings the working canvas back as it was; a cached block names the
run it reused; "Rerun from here" refuses, starting nothing, when its block or run is gone.

Tabs are built and loaded as a page load does it (``tests/fixtures/editor_tabs.py``) on a real
SQLite store; the runs are records stored as the engines store them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete

from designer.flow.document import Flow
from designer.runs.record import NodeRun, RunRecord, Status
from designer.settings import load_settings
from designer.store import engine_for
from designer.store.accounts import create_user
from designer.store.db import session_scope
from designer.store.flows import create_flow, get_flow
from designer.store.runs import list_runs, record_run
from designer.store.signin import create_session
from designer.store.tables import RunRow
from designer.store.versions import save_version
from designer.ui.editor.parsed_flows import PARSED
from designer.ui.editor.run_history import RunHistoryState
from designer.ui.editor.run_state import RunState
from designer.ui.editor.state import EditorState
from tests.fixtures.editor_tabs import Tab, open_tab
from tests.fixtures.flow_files import fixture_flow
from tests.fixtures.threads import run_coroutine

NODES = ("load", "split", "train", "evaluate", "deploy")
T0 = 1_800_000_000.0


@dataclass
class Desk:
    engine: Engine
    actor: Any
    flow_id: str
    tab: Tab

    @property
    def editor(self) -> Any:
        return self.tab.state(EditorState)

    @property
    def runs(self) -> Any:
        return self.tab.state(RunHistoryState)

    def record(self, run_id: str, version: int, **statuses: Status) -> RunRecord:
        """Store a finished run of ``version`` whose nodes ended as ``statuses`` (else
        succeeded), as the engines record them."""
        nodes = {
            node: NodeRun(
                status=statuses.get(node, Status.SUCCEEDED),
                cached_from="run-before" if statuses.get(node) is Status.CACHED else "",
                started_at=T0,
                finished_at=T0 + 1,
            )
            for node in NODES
        }
        record = RunRecord(
            run_id=run_id,
            flow_name="Iris",
            engine="local",
            status=Status.SUCCEEDED,
            nodes=nodes,
            started_at=T0 + version,
            finished_at=T0 + version + 5,
            arguments={"seed": 3},
        )
        record_run(self.engine, self.flow_id, version, record, self.actor.id)
        return record


@pytest.fixture
def desk() -> Iterator[Desk]:
    """Ann's iris flow at version 2 (version 1 had no deploy block), open in a tab."""
    engine = engine_for(load_settings().database_url)
    create_user(engine, "admin", "Admin")
    ann = create_user(engine, "ann", "Ann Smith")
    token = create_session(engine, ann.id, timedelta(hours=1))
    doc = fixture_flow("iris_classification")
    first = {
        **doc,
        "nodes": [n for n in doc["nodes"] if n["id"] != "deploy"],
        "edges": [e for e in doc["edges"] if "deploy" not in (e["source"], e["target"])],
    }
    flow_id = create_flow(engine, ann, Flow.model_validate(first)).id
    save_version(engine, ann, flow_id, Flow.model_validate(doc), base_version=1)
    PARSED.clear()
    yield Desk(engine, ann, flow_id, open_tab(f"/flows/{flow_id}", token))
    PARSED.clear()


def node_ids(state: Any) -> list[str]:
    return [node.id for node in state._doc().nodes]


def test_an_old_run_opens_on_its_version_and_back_restores_the_canvas(desk: Desk) -> None:
    desk.record("run-v1", 1, split=Status.FAILED, train=Status.SKIPPED)
    desk.tab.run(EditorState.canvas_edit, {"kind": "remove", "nodes": ["evaluate"]})
    editor = desk.editor
    assert (editor.save_state, "evaluate" in node_ids(editor)) == ("unsaved", False)

    desk.tab.run(RunHistoryState.open_run, "run-v1")
    runs = desk.runs
    # Version 1 as it ran: no deploy block, evaluate still there; read-only, the run's statuses.
    assert node_ids(editor) == ["load", "split", "train", "evaluate"]
    assert (editor.mode, editor.viewing, editor.read_only) == ("run", 1, True)
    assert runs.viewed_run == "run-v1"
    assert runs.statuses["split"] == "failed" and runs.statuses["train"] == "skipped"
    assert editor.canvas_key.endswith(":run:1") and not editor.can_undo
    assert runs.run_arguments == "seed=3"
    # The edit waiting for its autosave was kept as the draft before the canvas changed.
    assert not get_flow(desk.engine, desk.actor, desk.flow_id).saved

    desk.tab.run(RunHistoryState.back_to_flow)
    assert (editor.mode, editor.read_only, editor.viewing) == ("flow", False, 0)
    assert node_ids(editor) == ["load", "split", "train", "deploy"]
    assert editor.save_state == "draft" and editor.can_undo and runs.viewed_run == ""
    assert runs.run_id == "" and runs.statuses == {}  # no run was on show before
    desk.tab.run(EditorState.undo)
    assert "evaluate" in node_ids(editor)


def test_back_shows_the_run_that_was_on_show_before(desk: Desk) -> None:
    desk.record("run-v1", 1)
    desk.record("run-v2", 2, train=Status.CACHED)
    desk.tab.run(RunState.attach)
    assert desk.runs.run_id == "run-v2"

    desk.tab.run(RunHistoryState.open_run, "run-v1")
    desk.tab.run(RunHistoryState.open_run, "run-v2")  # from one old run to another
    assert (desk.editor.viewing, desk.runs.viewed_run) == (2, "run-v2")
    desk.tab.run(RunHistoryState.back_to_flow)
    assert (desk.editor.mode, desk.runs.run_id) == ("flow", "run-v2")
    assert desk.runs.statuses["train"] == "cached"


@pytest.mark.parametrize("run_id", ["no-such-run", "run-elsewhere"])
def test_a_run_that_cannot_be_opened_changes_nothing(desk: Desk, run_id: str) -> None:
    other = create_flow(
        desk.engine, desk.actor, Flow.model_validate(fixture_flow("iris_classification"))
    )
    record_run(
        desk.engine,
        other.id,
        1,
        RunRecord(run_id="run-elsewhere", flow_name="x", engine="local", started_at=T0),
        desk.actor.id,
    )
    toast = desk.tab.run(RunHistoryState.open_run, run_id)
    assert "Could not open the run" in str(toast)
    assert (desk.editor.mode, desk.editor.read_only, desk.runs.viewed_run) == ("flow", False, "")


def test_a_cached_block_names_the_run_it_reused(desk: Desk) -> None:
    desk.record("run-v2", 2, load=Status.CACHED, split=Status.CACHED)
    desk.tab.run(RunState.attach)
    desk.tab.run(RunHistoryState.open_run, "run-v2")
    desk.tab.run(EditorState.canvas_select, ["split"])
    runs = desk.runs
    assert runs.node_run["status"] == "cached"
    assert runs.node_run["cached_from"] == "run-before"
    assert runs.run_progress == "5 of 5 blocks done (2 reused from earlier runs)"
    [row] = runs.runs
    assert (row["cached"], row["who"], row["params"]) == ("cached 2 of 5", "Ann Smith", "seed=3")


def rerun(desk: Desk, node_id: str) -> list[Any]:
    """Send "Rerun from here" as the browser does, and what it answered."""

    async def drive() -> list[Any]:
        return [item async for item in RunHistoryState.rerun_from.fn(desk.runs, node_id)]

    return run_coroutine(drive())


def test_a_rerun_from_a_block_no_longer_there_starts_nothing(desk: Desk) -> None:
    desk.record("run-v2", 2)
    desk.tab.run(RunState.attach)
    desk.tab.run(EditorState.canvas_edit, {"kind": "remove", "nodes": ["deploy"]})

    said = rerun(desk, "deploy")
    assert "no longer in this flow" in str(said) and "nothing was started" in str(said)
    assert [r.id for r in list_runs(desk.engine, desk.actor, desk.flow_id)] == ["run-v2"]
    assert not desk.runs.starting


def test_a_rerun_of_a_deleted_run_starts_nothing(desk: Desk) -> None:
    desk.record("run-v2", 2)
    desk.tab.run(RunState.attach)
    with session_scope(desk.engine) as session:
        session.exec(delete(RunRow).where(RunRow.id == "run-v2"))  # type: ignore[call-overload]

    said = rerun(desk, "train")
    assert "The run run-v2 was deleted" in str(said) and "Nothing started" in str(said)
    assert list_runs(desk.engine, desk.actor, desk.flow_id) == []
    assert not desk.runs.starting and desk.editor.save_state == "saved"


def test_a_rerun_needs_a_run_on_show(desk: Desk) -> None:
    said = rerun(desk, "train")
    assert "press Run first" in str(said)

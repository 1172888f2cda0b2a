"""The settings form in an editor tab: a bad value stays, is a problem, and holds the run back.

Tabs are built and loaded as a page load does it (``tests/fixtures/editor_tabs.py``), on a real
SQLite store; the form's events are sent as the browser sends them (text from the boxes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from designer.flow.document import Flow
from designer.settings import load_settings
from designer.store import engine_for
from designer.store.accounts import Actor, create_user
from designer.store.flows import create_flow, get_flow
from designer.store.signin import create_session
from designer.ui.editor.parsed_flows import PARSED
from designer.ui.editor.properties_state import PropertiesState
from designer.ui.editor.state import EditorState
from designer.ui.editor.versions import VersionsState
from tests.fixtures.editor_tabs import Tab, open_tab
from tests.fixtures.flow_files import fixture_flow
from tests.fixtures.threads import run_coroutine

OUT_OF_RANGE = "Test share must be a number from 0.05 to 0.95; found 1.5"
EMPTY = "Test share is empty; enter a number from 0.05 to 0.95"


@dataclass
class Opened:
    tab: Tab
    flow_id: str
    engine: Any
    actor: Actor

    @property
    def editor(self) -> Any:
        return self.tab.state(EditorState)

    def field(self, name: str) -> dict[str, Any]:
        return next(f for f in self.editor.panel["fields"] if f["name"] == name)

    def stored(self) -> Flow:
        return get_flow(self.engine, self.actor, self.flow_id).flow


@pytest.fixture
def opened() -> Iterator[Opened]:
    """Ann's iris flow open in a tab, its split block selected."""
    engine = engine_for(load_settings().database_url)
    create_user(engine, "admin", "Admin")
    ann = create_user(engine, "ann", "Ann")
    token = create_session(engine, ann.id, timedelta(hours=1))
    flow_id = create_flow(engine, ann, Flow.model_validate(fixture_flow("iris_classification"))).id
    PARSED.clear()
    tab = open_tab(f"/flows/{flow_id}", token)
    tab.run(EditorState.canvas_select, ["split"])
    yield Opened(tab, flow_id, engine, ann)
    PARSED.clear()


@pytest.mark.parametrize(
    ("typed", "shown", "message"), [("1.5", "1.5", OUT_OF_RANGE), ("", "", EMPTY)]
)
def test_a_bad_value_stays_in_the_box_and_blocks_the_run(
    opened: Opened, typed: str, shown: str, message: str
) -> None:
    assert opened.editor.run_blocker == ""
    opened.tab.run(PropertiesState.set_param, "test_size", typed)
    editor = opened.editor
    assert (opened.field("test_size")["value"], opened.field("test_size")["error"]) == (
        shown,
        message,
    )
    assert editor.problems == {"split": [message]}
    assert editor.error_count == 1
    assert [(d["where"], d["message"]) for d in editor.diagnostics] == [
        ("Train/test split (split) · Test share", message)
    ]
    assert editor.run_blocker == f"Fix first: split: {message}"

    opened.tab.run(PropertiesState.set_param, "test_size", "0.25")
    assert opened.field("test_size")["error"] == ""
    assert (editor.problems, editor.error_count, editor.run_blocker) == ({}, 0, "")


def test_a_version_saved_with_a_bad_value_keeps_it_as_typed(opened: Opened) -> None:
    opened.tab.run(PropertiesState.set_param, "test_size", "1.5")
    run_coroutine(VersionsState.save.fn(opened.tab.state(VersionsState)))
    assert opened.editor.save_state == "saved"
    split = opened.stored().node("split")
    assert split is not None and split.params["test_size"] == 1.5
    # Opened again, the box shows what was typed, with the same problem.
    opened.tab.run(EditorState.load)
    opened.tab.run(EditorState.canvas_select, ["split"])
    assert (opened.field("test_size")["value"], opened.field("test_size")["error"]) == (
        "1.5",
        OUT_OF_RANGE,
    )
    assert opened.editor.run_blocker == f"Fix first: split: {OUT_OF_RANGE}"

"""Sticky notes between the editor and its canvas: drawn as canvas nodes, edited with undo, and
kept from changes where the flow is read only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from designer.flow.document import Flow, Note, NoteSize, Position
from designer.settings import load_settings
from designer.store import engine_for
from designer.store.accounts import create_user
from designer.store.flows import create_flow
from designer.store.shares import create_link
from designer.store.signin import create_session
from designer.ui.canvas.scene import canvas_note, scene_nodes
from designer.ui.editor.parsed_flows import PARSED
from designer.ui.editor.state import EditorState
from tests.fixtures.editor_tabs import Tab, open_tab
from tests.fixtures.flow_files import fixture_flow

NOTE = Note(
    id="why",
    text="Read me <i>first</i>",
    position=Position(x=-20, y=-150),
    size=NoteSize(width=260, height=80),
    color="green",
)


def test_a_note_is_a_canvas_node_of_its_own_type() -> None:
    assert canvas_note(NOTE) == {
        "id": "why",
        "type": "note",
        "position": {"x": -20, "y": -150},
        "width": 260,
        "height": 80,
        "data": {"text": "Read me <i>first</i>", "color": "green"},
    }


def test_notes_come_first_so_blocks_are_drawn_over_them() -> None:
    flow = Flow.model_validate({**fixture_flow("iris_classification"), "notes": [NOTE]})
    nodes = scene_nodes(flow)
    assert [n["type"] for n in nodes] == ["note"] + ["block"] * len(flow.nodes)


@pytest.fixture
def flow_and_token() -> Iterator[tuple[str, str, str]]:
    """Ann's iris flow with a note, her session, and a share link to the flow."""
    engine = engine_for(load_settings().database_url)
    create_user(engine, "admin", "Admin")
    ann = create_user(engine, "ann", "Ann")
    flow = Flow.model_validate({**fixture_flow("iris_classification"), "notes": [NOTE]})
    flow_id = create_flow(engine, ann, flow).id
    token = create_session(engine, ann.id, timedelta(hours=1))
    link = f"/links/{create_link(engine, ann, flow_id)[1]}"
    PARSED.clear()
    yield flow_id, token, link
    PARSED.clear()


def editor(tab: Tab) -> Any:
    return tab.state(EditorState)


def test_note_edits_apply_undo_and_redo(flow_and_token: tuple[str, str, str]) -> None:
    flow_id, token, _ = flow_and_token
    tab = open_tab(f"/flows/{flow_id}", token)
    assert editor(tab).scene["nodes"].value()[0]["id"] == "why"
    spec = {"id": "note", "text": "", "position": [0, 0], "size": [240, 120], "color": "yellow"}
    tab.run(EditorState.canvas_edit, {"kind": "add", "nodes": [], "edges": [], "notes": [spec]})
    tab.run(EditorState.canvas_edit, {"kind": "note", "id": "note", "text": "Tuned on Monday"})
    assert editor(tab)._doc().note("note").text == "Tuned on Monday"
    assert editor(tab).undo_label == "Edit note"

    tab.run(EditorState.undo)
    assert editor(tab)._doc().note("note").text == ""
    replace = editor(tab).ops[-1]
    assert replace["kind"] == "replace"
    assert [n["id"] for n in replace["nodes"].value() if n["type"] == "note"] == ["why", "note"]
    tab.run(EditorState.undo)
    assert editor(tab)._doc().note("note") is None
    tab.run(EditorState.redo)
    assert editor(tab)._doc().note("note") is not None


def test_a_refused_note_edit_puts_the_canvas_back(flow_and_token: tuple[str, str, str]) -> None:
    flow_id, token, _ = flow_and_token
    tab = open_tab(f"/flows/{flow_id}", token)
    tab.run(EditorState.canvas_edit, {"kind": "note", "id": "gone", "text": "x"})
    assert editor(tab).ops[-1]["kind"] == "replace"
    assert editor(tab)._doc().notes == [NOTE]


def test_a_share_link_shows_notes_and_refuses_note_edits(
    flow_and_token: tuple[str, str, str],
) -> None:
    _, _, link = flow_and_token
    tab = open_tab(link, None)
    assert editor(tab).read_only
    assert editor(tab).scene["nodes"].value()[0]["data"]["text"] == NOTE.text
    tab.run(EditorState.canvas_edit, {"kind": "note", "id": "why", "text": "defaced"})
    assert editor(tab)._doc().notes == [NOTE]

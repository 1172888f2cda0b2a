"""What an open editor tab keeps in the server: little, however big its flow (issue 13, item 9).

Reflex keeps every tab's state for an hour after its last event; the editor's state used to
hold the parsed flow, the canvas's scene as Python lists and a whole scene per undo, about
3 MB per tab per 1,000 nodes. Tabs are built and loaded here as a page load does it
(``tests/fixtures/editor_tabs.py``), on a real SQLite store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from bench.flowgen import generated_flow
from designer.flow.document import Flow
from designer.settings import load_settings
from designer.store import engine_for
from designer.store.accounts import create_user
from designer.store.flows import create_flow
from designer.store.shares import create_link
from designer.store.signin import create_session
from designer.ui.canvas.scene import scene_edges, scene_nodes
from designer.ui.editor.parsed_flows import PARSED
from designer.ui.editor.state import EditorState
from tests.fixtures.editor_tabs import EDITOR_STATES, Tab, held_bytes, open_tab

MB = 1024 * 1024
#: A tab on a 10,000-node flow keeps less than this of its own (it was about 31 MB).
TAB_BOUND = 1 * MB
#: What Reflex's disk or Redis state manager writes for such a tab (it was about 4 MB).
PICKLED_BOUND = 1 * MB
#: Another tab on a flow some tab already shows shares its document.
SHARED_TAB_BOUND = 64 * 1024


#: One tab after 20 moves and 10 undos on a 1,000-node flow (it was about 9 MB: a whole scene
#: kept per undo, 30 of them at most).
EDITED_TAB_BOUND = 1 * MB


@dataclass
class Person:
    token: str
    new_flow: Callable[[int], str]
    link_to: Callable[[str], str]


@pytest.fixture
def person() -> Iterator[Person]:
    """Someone signed in to a designer on SQLite (in the test's own designer home)."""
    engine = engine_for(load_settings().database_url)
    create_user(engine, "admin", "Admin")
    ann = create_user(engine, "ann", "Ann")
    token = create_session(engine, ann.id, timedelta(hours=1))

    def new_flow(nodes: int) -> str:
        return create_flow(engine, ann, Flow.model_validate(generated_flow(nodes))).id

    def link_to(flow_id: str) -> str:
        return f"/links/{create_link(engine, ann, flow_id)[1]}"

    PARSED.clear()
    yield Person(token, new_flow, link_to)
    PARSED.clear()


def editor(tab: Tab) -> Any:
    return tab.state(EditorState)


def move(node: str, x: int) -> dict[str, Any]:
    return {"kind": "move", "positions": {node: [x, 7]}}


def test_a_tab_on_a_10000_node_flow_keeps_little_in_the_server(person: Person) -> None:
    flow_id = person.new_flow(10_000)
    first = open_tab(f"/flows/{flow_id}", person.token)
    second = open_tab(f"/flows/{flow_id}", person.token)
    assert editor(first).node_count == editor(second).node_count == 10_000
    own, shared = held_bytes(first), held_bytes(second, first)
    assert own < TAB_BOUND, f"a tab keeps {own / MB:.1f} MB"
    assert shared < SHARED_TAB_BOUND, f"another tab on the same flow keeps {shared / 1024:.0f} KB"
    pickled = sum(len(first.state(cls)._serialize()) for cls in EDITOR_STATES)
    assert pickled < PICKLED_BOUND, f"the state managers would write {pickled / MB:.1f} MB"


def test_tabs_opened_by_a_share_link_share_its_flow(person: Person) -> None:
    """Anyone with a link can open many tabs: after the first, each costs a few KB."""
    link = person.link_to(person.new_flow(1000))
    tabs = [open_tab(link, None) for _ in range(4)]
    assert {editor(tab).mode for tab in tabs} == {"link"}
    assert {editor(tab).node_count for tab in tabs} == {1000}
    for index, tab in enumerate(tabs[1:], start=1):
        assert held_bytes(tab, *tabs[:index]) < SHARED_TAB_BOUND


def test_editing_a_large_flow_keeps_a_bounded_history(person: Person) -> None:
    tab = open_tab(f"/flows/{person.new_flow(1000)}", person.token)
    opened = held_bytes(tab)
    for x in range(20):
        tab.run(EditorState.canvas_edit, move("load0", x))
    for _ in range(10):
        tab.run(EditorState.undo)
    assert editor(tab).can_undo and editor(tab).can_redo
    assert held_bytes(tab) - opened < EDITED_TAB_BOUND


def test_the_canvas_receives_the_same_scene_as_plain_lists(person: Person) -> None:
    tab = open_tab(f"/flows/{person.new_flow(12)}", person.token)
    flow = editor(tab)._doc()
    sent = tab.snapshot(EditorState)["scene_rx_state_"]
    assert sent["nodes"] == scene_nodes(flow)
    assert sent["edges"] == scene_edges(flow)


def test_editing_survives_the_parsed_flow_being_dropped(person: Person) -> None:
    tab = open_tab(f"/flows/{person.new_flow(12)}", person.token)
    for x in (10, 20, 30):
        tab.run(EditorState.canvas_edit, move("load0", x))
        PARSED.clear()  # as when other tabs' flows push this one out of the cache
    assert editor(tab)._doc().node("load0").position.x == 30
    tab.run(EditorState.undo)
    PARSED.clear()
    tab.run(EditorState.undo)
    assert editor(tab)._doc().node("load0").position.x == 10
    tab.run(EditorState.redo)
    assert editor(tab)._doc().node("load0").position.x == 20
    assert editor(tab).undo_label == "Move 1 block"


def test_an_undo_sends_one_whole_flow_not_one_per_op_kept(person: Person) -> None:
    tab = open_tab(f"/flows/{person.new_flow(12)}", person.token)
    tab.run(EditorState.add_block, "train.random_forest")
    tab.run(EditorState.canvas_edit, move("load0", 50))
    tab.run(EditorState.undo)
    tab.run(EditorState.undo)
    ops = tab.snapshot(EditorState)["ops_rx_state_"]
    assert [op["kind"] for op in ops] == ["replace"]
    assert ops[0]["nodes"] == scene_nodes(editor(tab)._doc())
    assert len(ops[0]["nodes"]) == 12


def test_a_state_made_again_numbers_its_scene_above_every_earlier_op(person: Person) -> None:
    """Reflex makes a fresh state for a tab whose state expired; the canvas, still mounted,
    must take the flow it loads as new (a seq it has seen would be skipped)."""
    flow_id = person.new_flow(12)
    before = open_tab(f"/flows/{flow_id}", person.token)
    for x in range(5):
        before.run(EditorState.canvas_edit, move("load0", x))
    before.run(EditorState.undo)
    seen = max(op["seq"] for op in editor(before).ops)
    again = open_tab(f"/flows/{flow_id}", person.token)
    assert editor(again).scene["seq"] > seen

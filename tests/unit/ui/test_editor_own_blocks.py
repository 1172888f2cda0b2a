"""People's own blocks in an editor tab: the palette's groups (mine, each team's, shared), the
canvas told how to draw them (pinned versions too), adding one, its form, and moving a node to
a newer version of its block.

Tabs are built and loaded as a page load does it (``tests/fixtures/editor_tabs.py``), on a
real SQLite store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from designer.flow.document import Flow
from designer.settings import load_settings
from designer.store import Role, engine_for, teams
from designer.store.accounts import create_user
from designer.store.block_shares import share_block
from designer.store.flows import create_flow
from designer.store.shares import create_link
from designer.store.signin import create_session
from designer.ui.editor.own_blocks import MINE, SHARED
from designer.ui.editor.parsed_flows import PARSED
from designer.ui.editor.properties_state import PropertiesState
from designer.ui.editor.state import EditorState
from designer.userblocks.saving import save_block_text
from tests.fixtures.editor_tabs import Tab, open_tab

CLEAN = '''\
from blocks.types import Dataset, Input, Output


def drop_gaps(data: Input[Dataset], cleaned: Output[Dataset], at_least: int = {n}) -> None:
    """Drop gaps

    Category: preprocess

    Args:
        at_least: Rows to keep at least.
    """
    print(data.path, cleaned.path, at_least)
'''
SHOUT = '''\
from blocks.types import Dataset, Input


def shout(data: Input[Dataset], word: str = "hey") -> None:
    """Shout"""
    print(word.upper())
'''


@dataclass
class Opened:
    tab: Tab
    ann: Any
    flow_id: str

    @property
    def editor(self) -> Any:
        return self.tab.state(EditorState)


@pytest.fixture
def opened() -> Iterator[Opened]:
    """Ann's empty flow open in a tab; Ann has a block, Bob shares one with her directly and
    one with their team."""
    engine = engine_for(load_settings().database_url)
    create_user(engine, "admin", "Admin")
    ann = create_user(engine, "ann", "Ann")
    bob = create_user(engine, "bob", "Bob")
    save_block_text(engine, ann, CLEAN.format(n=1), "python")
    shared = save_block_text(engine, bob, SHOUT, "python")
    share_block(engine, bob, shared.block.id, "user", "ann", Role.VIEWER)
    team = teams.create_team(engine, bob, "Data team")
    teams.add_member(engine, bob, team.id, "ann")
    by_team = save_block_text(engine, bob, SHOUT.replace("shout", "whisper"), "python")
    share_block(engine, bob, by_team.block.id, "team", team.id, Role.VIEWER)
    token = create_session(engine, ann.id, timedelta(hours=1))
    flow_id = create_flow(engine, ann, Flow(name="Mine")).id
    PARSED.clear()
    yield Opened(open_tab(f"/flows/{flow_id}", token), ann, flow_id)
    PARSED.clear()


def test_the_palette_groups_a_persons_blocks_and_the_canvas_can_draw_them(
    opened: Opened,
) -> None:
    groups = {g["group"]: [b["id"] for b in g["blocks"]] for g in opened.editor.own_palette}
    assert groups == {
        MINE: ["ann/drop_gaps@1"],
        "Data team": ["bob/whisper@1"],
        SHARED: ["bob/shout@1"],
    }
    assert [g["group"] for g in opened.editor.own_palette] == [MINE, "Data team", SHARED]
    drawn = {b["id"]: b for b in opened.editor.extra_blocks}
    assert set(drawn) == {"ann/drop_gaps@1", "bob/shout@1", "bob/whisper@1"}
    assert [p["type"] for p in drawn["ann/drop_gaps@1"]["outputs"]] == ["Dataset"]


def test_adding_a_persons_block_gives_its_form_and_a_newer_version_can_be_taken(
    opened: Opened,
) -> None:
    opened.tab.run(EditorState.add_block, "ann/drop_gaps@1")
    editor = opened.editor
    [node] = editor._doc().nodes
    assert (node.id, node.block, node.params) == ("drop_gaps", "ann/drop_gaps@1", {"at_least": 1})
    panel = editor.panel
    assert [f["name"] for f in panel["fields"]] == ["at_least"]
    assert (panel["owner"], panel["version"], panel["newer"]) == ("ann", "1", "")
    opened.tab.run(PropertiesState.set_param, "at_least", "7")
    assert editor._doc().nodes[0].params == {"at_least": 7}

    # Ann saves version 2 (a new setting); a flow pinning version 1, opened, offers it.
    engine = engine_for(load_settings().database_url)
    newer = CLEAN.format(n=3).replace("at_least: int = 3)", "at_least: int = 3, note: str = 'x')")
    assert save_block_text(engine, opened.ann, newer, "python").number == 2
    pinned = Flow.model_validate(
        {
            "name": "Pinned",
            "nodes": [{"id": "drop_gaps", "block": node.block, "params": {"at_least": 7}}],
        }
    )
    flow_id = create_flow(engine, opened.ann, pinned).id
    token = create_session(engine, opened.ann.id, timedelta(hours=1))
    tab = open_tab(f"/flows/{flow_id}", token)
    tab.run(EditorState.canvas_select, ["drop_gaps"])
    editor = tab.state(EditorState)
    assert editor.block_updates == {"ann/drop_gaps@1": "ann/drop_gaps@2"}
    # Both versions can be drawn: the one the node pins and the newest in the palette.
    assert {"ann/drop_gaps@1", "ann/drop_gaps@2"} <= {b["id"] for b in editor.extra_blocks}
    assert editor.panel["newer_version"] == "2"
    tab.run(PropertiesState.update_block, "drop_gaps")
    editor = tab.state(EditorState)
    [node] = editor._doc().nodes
    # The value set stays; the new setting takes its default.
    assert (node.block, node.params) == ("ann/drop_gaps@2", {"at_least": 7, "note": "x"})
    assert editor.block_updates == {}
    assert editor.panel["newer"] == ""
    assert editor.undo_label == "Update block"


def test_a_share_link_draws_the_owners_blocks(opened: Opened) -> None:
    engine = engine_for(load_settings().database_url)
    pinned = Flow.model_validate(
        {"name": "Linked", "nodes": [{"id": "clean", "block": "ann/drop_gaps@1", "params": {}}]}
    )
    flow_id = create_flow(engine, opened.ann, pinned).id
    _, token = create_link(engine, opened.ann, flow_id)
    tab = open_tab(f"/links/{token}", None)  # nobody signed in
    editor = tab.state(EditorState)
    assert editor.mode == "link" and editor.read_only
    assert [b["id"] for b in editor.extra_blocks] == ["ann/drop_gaps@1"]
    assert editor.own_palette == [] and "unknown_block" not in {
        d["code"] for d in editor.diagnostics
    }


SHOUT_COMPONENT = """\
name: Shout
description: Prints a word, loudly.
inputs:
- {name: word, type: String, default: hello}
implementation:
  container:
    image: alpine:3.20
    command: [sh, -c, 'echo "$0" | tr a-z A-Z', {inputValue: word}]
"""


def test_a_block_that_cannot_run_here_holds_the_run_back_before_it_starts(
    opened: Opened,
) -> None:
    engine = engine_for(load_settings().database_url)
    shout = save_block_text(engine, opened.ann, SHOUT_COMPONENT, "component")
    flow = Flow.model_validate(
        {"name": "Loud", "nodes": [{"id": "shout", "block": shout.id, "params": {}}]}
    )
    flow_id = create_flow(engine, opened.ann, flow).id
    token = create_session(engine, opened.ann.id, timedelta(hours=1))
    editor = open_tab(f"/flows/{flow_id}", token).state(EditorState)
    assert editor.problems["shout"] == [
        "block 'Shout' runs on Kubeflow only (a container component: this machine has no "
        "container engine); run the flow on Kubeflow, or take the block out"
    ]
    assert editor.run_blocker.startswith("Fix first: shout: block 'Shout' runs on Kubeflow only")

"""People's own blocks in the store, on SQLite and PostgreSQL: versions, who may use them,
sharing, and deleting without breaking the flows that pin a version."""

from __future__ import annotations

import pytest

from designer.flow.document import Flow, Node
from designer.store import Role, flows
from designer.store.access import NotAllowed, SignInRequired
from designer.store.block_shares import block_access, share_block, unshare_block
from designer.store.userblocks import (
    BlockInUse,
    BlockNotFound,
    InvalidBlock,
    block_history,
    block_version,
    delete_block,
    list_blocks,
    newest_versions,
    save_block,
)
from designer.userblocks.spec import BlockSpec, ParamSpec, PortSpec
from tests.fixtures.people import Persona, World, world

__all__ = ["world"]


def spec(title: str = "Drop missing rows", name: str = "drop_missing") -> BlockSpec:
    return BlockSpec(
        name=name,
        title=title,
        description="Rows with a gap go.",
        category="preprocess",
        kind="python",
        inputs=(PortSpec("data", "Dataset"),),
        outputs=(PortSpec("cleaned", "Dataset"),),
        params=(ParamSpec("min_rows", "integer", 5),),
        function=name,
    )


def source(body: str = "pass") -> str:
    return f"def drop_missing(data, cleaned, min_rows: int = 5):\n    {body}\n"


def shared_block(world: World) -> str:
    """The owner's block, shared like the standard flow (editors and editors' team as editors,
    viewer and viewers' team as viewers); its id."""
    engine, owner = world.engine, world.owner
    saved = save_block(engine, owner, spec(), source(), "python")
    block_id = saved.block.id
    share_block(engine, owner, block_id, "user", world.editor.username, Role.EDITOR)
    share_block(engine, owner, block_id, "user", world.viewer.username, Role.VIEWER)
    share_block(engine, owner, block_id, "team", world.viewers_team, Role.VIEWER)
    share_block(engine, owner, block_id, "team", world.editors_team, Role.EDITOR)
    return block_id


def test_saving_numbers_versions_and_identical_text_adds_none(world: World) -> None:
    engine, owner = world.engine, world.owner
    first = save_block(engine, owner, spec(), source(), "python", message="first")
    again = save_block(engine, owner, spec(), source(), "python")
    second = save_block(engine, owner, spec("Drop gaps"), source("return None"), "python")
    assert (first.number, again.number, second.number) == (1, 1, 2)
    assert first.id == f"{owner.username}/drop_missing@1"
    assert second.block.title == "Drop gaps" and second.block.version == 2
    history = block_history(engine, owner, first.block.id)
    assert [(v.number, v.message, v.spec.title) for v in history] == [
        (2, "", "Drop gaps"),
        (1, "first", "Drop missing rows"),
    ]
    pinned = block_version(engine, owner, owner.username, "drop_missing", 1)
    assert pinned.text == source() and pinned.spec == spec()
    newest = block_version(engine, owner, owner.username, "drop_missing")
    assert newest.number == 2 and newest.author == owner.display_name


@pytest.mark.parametrize(
    ("persona", "uses", "edits", "owns"),
    [
        ("owner", True, True, True),
        ("editor", True, True, False),
        ("viewer", True, False, False),
        ("team_viewer", True, False, False),
        ("team_editor", True, True, False),
        ("stranger", False, False, False),
        ("admin", True, True, True),
    ],
)
def test_who_may_use_edit_and_share_a_block(
    world: World, persona: Persona, uses: bool, edits: bool, owns: bool
) -> None:
    engine, owner = world.engine, world.owner
    block_id = shared_block(world)
    actor = world.actor(persona)
    listed = [b.id for b in list_blocks(engine, actor)]
    assert (block_id in listed) is uses
    if uses:
        found = block_version(engine, actor, owner.username, "drop_missing", 1)
        assert found.block.role.allows(Role.VIEWER)
    else:
        with pytest.raises(BlockNotFound):
            block_version(engine, actor, owner.username, "drop_missing", 1)
    if edits:
        saved = save_block(engine, actor, spec(), source("x = 1"), "python", block_id=block_id)
        assert saved.block.owner == owner.username and saved.number == 2
    else:
        with pytest.raises((NotAllowed, BlockNotFound)):
            save_block(engine, actor, spec(), source("x = 1"), "python", block_id=block_id)
    if owns:
        share_block(engine, actor, block_id, "user", world.stranger.username)
        assert block_id in [b.id for b in list_blocks(engine, world.stranger)]
    else:
        with pytest.raises((NotAllowed, BlockNotFound)):
            share_block(engine, actor, block_id, "user", world.stranger.username)


def test_nobody_signed_in_has_no_blocks(world: World) -> None:
    shared_block(world)
    with pytest.raises(SignInRequired):
        list_blocks(world.engine, None)


def test_the_access_list_and_unsharing(world: World) -> None:
    engine, owner = world.engine, world.owner
    block_id = shared_block(world)
    entries = block_access(engine, world.viewer, block_id)
    assert entries[0].kind == "owner" and entries[0].role is Role.OWNER
    assert {(e.kind, e.role) for e in entries[1:]} == {
        ("user", Role.EDITOR),
        ("user", Role.VIEWER),
        ("team", Role.VIEWER),
        ("team", Role.EDITOR),
    }
    unshare_block(engine, owner, block_id, "user", world.viewer.id)
    assert block_id not in [b.id for b in list_blocks(engine, world.viewer)]
    with pytest.raises(InvalidBlock, match="viewer or editor"):
        share_block(engine, owner, block_id, "user", world.viewer.username, "owner")


def test_a_block_in_use_asks_first_and_its_versions_outlive_it(world: World) -> None:
    engine, owner = world.engine, world.owner
    saved = save_block(engine, owner, spec(), source(), "python")
    # A look-alike name must not count: underscores are not wildcards.
    look_alike = f"{owner.username}/dropXmissing@1"
    flows.create_flow(engine, owner, Flow(name="Other", nodes=[Node(id="a", block=look_alike)]))
    delete_block(engine, owner, saved.block.id)  # nothing uses it: no question asked
    again = save_block(engine, owner, spec(), source("y = 2"), "python")
    assert again.number == 2 and not again.block.deleted  # saving brings it back
    flows.create_flow(engine, owner, Flow(name="Cleaning", nodes=[Node(id="c", block=again.id)]))
    with pytest.raises(BlockInUse, match="'Cleaning'"):
        delete_block(engine, owner, saved.block.id)
    delete_block(engine, owner, saved.block.id, confirm=True)
    assert list_blocks(engine, owner) == [] and newest_versions(engine, owner) == []
    kept = block_version(engine, owner, owner.username, "drop_missing", 2)
    assert kept.block.deleted and kept.text == source("y = 2")


def test_a_title_is_one_plain_line(world: World) -> None:
    with pytest.raises(InvalidBlock, match="one line"):
        save_block(world.engine, world.owner, spec("Two\nlines"), source(), "python")

"""A flow's history: personal drafts, saving safely when people meet, restore, rename, compare."""

from __future__ import annotations

from functools import partial

import pytest

from designer.flow.diff import diff_flows
from designer.flow.document import Flow
from designer.store import Role
from designer.store.flows import create_flow, get_flow, list_flows
from designer.store.shares import share_with_user
from designer.store.versions import (
    SavedVersion,
    VersionConflict,
    VersionNotFound,
    compare_versions,
    discard_draft,
    get_version,
    list_versions,
    rename_flow,
    restore_version,
    save_draft,
    save_version,
)
from tests.fixtures.people import World, sample_flow, world
from tests.fixtures.threads import at_once

__all__ = ["world"]


def shared_with_editor(world: World) -> str:
    """A flow of the owner's at version 1, shared with the editor."""
    flow_id = create_flow(world.engine, world.owner, sample_flow("Team flow")).id
    share_with_user(world.engine, world.owner, flow_id, world.editor.username, Role.EDITOR)
    return flow_id


def edit(name: str = "Team flow", *nodes: str) -> Flow:
    return sample_flow(name, "load", *nodes)


def test_each_person_sees_their_own_draft(world: World) -> None:
    engine, owner, editor, viewer = world.engine, world.owner, world.editor, world.viewer
    flow_id = shared_with_editor(world)
    share_with_user(engine, owner, flow_id, viewer.username, Role.VIEWER)

    saved_at = save_draft(engine, owner, flow_id, edit("Team flow", "mine"), base_version=1)
    save_draft(engine, editor, flow_id, edit("Team flow", "theirs"), base_version=1)

    mine, theirs = get_flow(engine, owner, flow_id), get_flow(engine, editor, flow_id)
    latest = get_flow(engine, viewer, flow_id)
    assert (mine.flow, mine.saved, mine.base_version, mine.updated_at) == (
        edit("Team flow", "mine"),
        False,
        1,
        saved_at,
    )
    assert (theirs.flow, theirs.saved) == (edit("Team flow", "theirs"), False)
    assert (latest.flow, latest.saved, latest.version) == (sample_flow("Team flow"), True, 1)
    assert [v.number for v in list_versions(engine, viewer, flow_id)] == [1]


def test_a_later_autosave_replaces_the_draft(world: World) -> None:
    flow_id = shared_with_editor(world)
    for nodes in (("a",), ("a", "b")):
        save_draft(world.engine, world.editor, flow_id, edit("Team flow", *nodes), base_version=1)

    assert get_flow(world.engine, world.editor, flow_id).flow == edit("Team flow", "a", "b")


def test_two_tabs_autosaving_the_first_edit_at_once_keep_one_draft(world: World) -> None:
    for attempt in range(3):
        flow_id = shared_with_editor(world)
        tabs = [edit("Team flow", f"tab{tab}-{attempt}") for tab in (1, 2)]

        results = at_once(
            [partial(save_draft, world.engine, world.editor, flow_id, t, 1) for t in tabs]
        )

        assert not [r for r in results if isinstance(r, Exception)], results
        assert get_flow(world.engine, world.editor, flow_id).flow in tabs


def test_discarding_a_draft_shows_the_latest_version_again(world: World) -> None:
    flow_id = shared_with_editor(world)
    save_draft(world.engine, world.editor, flow_id, edit("Team flow", "x"), base_version=1)

    discard_draft(world.engine, world.editor, flow_id)

    opened = get_flow(world.engine, world.editor, flow_id)
    assert (opened.flow, opened.saved) == (sample_flow("Team flow"), True)


def test_saving_makes_the_next_version_and_ends_the_draft(world: World) -> None:
    engine, editor = world.engine, world.editor
    flow_id = shared_with_editor(world)
    save_draft(engine, editor, flow_id, edit("Team flow", "x"), base_version=1)

    saved = save_version(
        engine, editor, flow_id, edit("Team flow", "x"), base_version=1, message="Add x"
    )

    assert saved == SavedVersion(number=2, created=True)
    opened = get_flow(engine, editor, flow_id)
    assert (opened.flow, opened.version, opened.base_version, opened.saved) == (
        edit("Team flow", "x"),
        2,
        2,
        True,
    )
    [latest, first] = list_versions(engine, world.owner, flow_id)
    assert (latest.number, latest.message, latest.author, latest.node_count) == (
        2,
        "Add x",
        editor.display_name,
        2,
    )
    assert (first.number, first.message, first.author) == (1, "Created", world.owner.display_name)
    assert get_version(engine, editor, flow_id, 1) == sample_flow("Team flow")
    summary = next(f for f in list_flows(engine, world.owner) if f.id == flow_id)
    assert (summary.version, summary.node_count) == (2, 2)


def test_saving_an_identical_document_creates_nothing(world: World) -> None:
    engine, editor = world.engine, world.editor
    flow_id = shared_with_editor(world)
    save_draft(engine, editor, flow_id, sample_flow("Team flow"), base_version=1)
    reread = Flow.model_validate_json(sample_flow("Team flow").to_json())

    saved = save_version(engine, editor, flow_id, reread, base_version=1, message="again")

    assert saved == SavedVersion(number=1, created=False)
    assert [v.number for v in list_versions(engine, editor, flow_id)] == [1]
    assert get_flow(engine, editor, flow_id).saved  # the draft is done with all the same


def test_a_save_after_someone_elses_is_refused_and_keeps_the_draft(world: World) -> None:
    engine, owner, editor = world.engine, world.owner, world.editor
    flow_id = shared_with_editor(world)
    save_draft(engine, owner, flow_id, edit("Team flow", "mine"), base_version=1)
    save_version(engine, editor, flow_id, edit("Team flow", "theirs"), base_version=1)

    with pytest.raises(VersionConflict) as conflict:
        save_version(engine, owner, flow_id, edit("Team flow", "mine"), base_version=1)

    assert str(conflict.value) == (
        f"{editor.display_name} saved version 2 while you were editing version 1: reload to "
        "see their changes, or save yours as a copy"
    )
    assert (conflict.value.base_version, conflict.value.latest.number) == (1, 2)
    assert [v.number for v in list_versions(engine, owner, flow_id)] == [2, 1]
    assert get_version(engine, owner, flow_id, 2) == edit("Team flow", "theirs")
    kept = get_flow(engine, owner, flow_id)
    assert (kept.flow, kept.base_version, kept.version, kept.saved) == (
        edit("Team flow", "mine"),
        1,
        2,
        False,
    )


def test_of_two_saves_on_the_same_version_at_once_exactly_one_wins(world: World) -> None:
    for attempt in range(3):
        flow_id = shared_with_editor(world)
        results = at_once(
            [
                partial(
                    save_version,
                    world.engine,
                    who,
                    flow_id,
                    edit("Team flow", f"{who.username}-{attempt}"),
                    base_version=1,
                )
                for who in (world.owner, world.editor)
            ]
        )

        won = [r for r in results if isinstance(r, SavedVersion)]
        lost = [r for r in results if isinstance(r, VersionConflict)]
        assert (won, len(lost)) == ([SavedVersion(2, True)], 1), results
        assert [v.number for v in list_versions(world.engine, world.owner, flow_id)] == [2, 1]


def test_restoring_saves_an_old_version_again_and_keeps_the_ones_between(world: World) -> None:
    engine, owner, editor = world.engine, world.owner, world.editor
    flow_id = shared_with_editor(world)
    save_version(engine, owner, flow_id, edit("Team flow", "b"), base_version=1)
    save_version(engine, owner, flow_id, edit("Team flow", "b", "c"), base_version=2)
    save_draft(engine, editor, flow_id, edit("Team flow", "d"), base_version=3)

    assert restore_version(engine, editor, flow_id, 1) == 4

    history = list_versions(engine, owner, flow_id)
    assert [(v.number, v.message) for v in history][:2] == [(4, "Restored version 1"), (3, "")]
    assert [v.number for v in history] == [4, 3, 2, 1]
    assert history[0].author == editor.display_name
    assert get_version(engine, owner, flow_id, 4) == get_version(engine, owner, flow_id, 1)
    assert get_version(engine, owner, flow_id, 3) == edit("Team flow", "b", "c")
    restored = get_flow(engine, editor, flow_id)  # the restorer's draft is gone
    assert (restored.flow, restored.version, restored.saved) == (sample_flow("Team flow"), 4, True)
    with pytest.raises(VersionNotFound, match="has no saved version 9"):
        restore_version(engine, owner, flow_id, 9)


def test_renaming_saves_a_version_and_renames_the_renamers_draft(world: World) -> None:
    engine, owner, editor = world.engine, world.owner, world.editor
    flow_id = shared_with_editor(world)
    save_draft(engine, owner, flow_id, edit("Team flow", "mine"), base_version=1)
    save_draft(engine, editor, flow_id, edit("Team flow", "theirs"), base_version=1)

    assert rename_flow(engine, owner, flow_id, "Renamed") == 2

    [latest, _] = list_versions(engine, owner, flow_id)
    assert (latest.number, latest.message, latest.author) == (
        2,
        "Renamed to Renamed",
        "Olive Owner",
    )
    assert get_version(engine, owner, flow_id, 2) == sample_flow("Renamed")
    mine = get_flow(engine, owner, flow_id)
    assert (mine.flow, mine.base_version, mine.saved) == (edit("Renamed", "mine"), 2, False)
    # Saving the renamer's draft keeps the new name and does not conflict with the rename.
    assert save_version(engine, owner, flow_id, mine.flow, base_version=2).number == 3
    # The other person's draft is theirs: still on version 1, so their save must reload first.
    theirs = get_flow(engine, editor, flow_id)
    assert (theirs.flow.name, theirs.base_version) == ("Team flow", 1)
    assert [f.name for f in list_flows(engine, owner) if f.id == flow_id] == ["Renamed"]


def test_comparing_versions_says_what_changed(world: World) -> None:
    engine, owner = world.engine, world.owner
    flow_id = shared_with_editor(world)
    save_version(engine, owner, flow_id, edit("Team flow", "b"), base_version=1)

    diff = compare_versions(engine, world.editor, flow_id, 1, 2)

    assert diff == diff_flows(sample_flow("Team flow"), edit("Team flow", "b"))
    assert diff != diff_flows(sample_flow("Team flow"), sample_flow("Team flow"))
    assert compare_versions(engine, owner, flow_id, 2, 2) == diff_flows(
        edit("Team flow", "b"), edit("Team flow", "b")
    )
    with pytest.raises(VersionNotFound):
        compare_versions(engine, owner, flow_id, 1, 3)


def test_only_editors_keep_drafts(world: World) -> None:
    """A viewer (say, an editor demoted since) opens the latest version, not an old draft."""
    engine, owner, editor = world.engine, world.owner, world.editor
    flow_id = shared_with_editor(world)
    save_draft(engine, editor, flow_id, edit("Team flow", "theirs"), base_version=1)

    share_with_user(engine, owner, flow_id, editor.username, Role.VIEWER)

    opened = get_flow(engine, editor, flow_id)
    assert (opened.flow, opened.saved, opened.role) == (sample_flow("Team flow"), True, Role.VIEWER)

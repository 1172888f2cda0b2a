"""Who may do what with a flow: the whole authorization matrix at the repository layer.

One row per repository action, one column per persona (see tests/fixtures/people.py). Each cell
expects the action to succeed ("ok") or to raise exactly the error named, and a refused action
must leave every row the store keeps about the flow as it was. Cells run on one flow until an
action changes it; the next persona then gets a fresh one, so no cell sees another's effects.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from designer.store import (
    Actor,
    FlowNotFound,
    NotAllowed,
    Role,
    SignInRequired,
    flows,
    runs,
    shares,
    teams,
    templates,
    versions,
)
from designer.store.db import session_scope
from designer.store.runs import RunNotFound
from designer.store.tables import (
    DraftRow,
    FlowRow,
    FlowVersionRow,
    RunRow,
    ShareLinkRow,
    ShareRow,
    TeamTemplateRow,
)
from designer.store.teams import TeamNotFound
from tests.fixtures.people import PERSONAS, SharedFlow, World, sample_flow, world

__all__ = ["world"]

Action = Callable[[Engine, Actor | None, SharedFlow, World], object]
Outcome = str | type[Exception]

OK = "ok"
SIGN_IN = SignInRequired
HIDDEN = FlowNotFound
DENIED = NotAllowed

# The columns, in the order of PERSONAS:
#   anonymous, owner, editor, viewer, team_viewer, team_editor, stranger, admin.
# fmt: off
#: Who may view: everyone with a role; strangers are told the flow does not exist.
VIEW = (SIGN_IN, OK, OK,     OK,     OK,     OK,     HIDDEN, OK)
#: Who may edit: the owner, editors (directly or through a team), site admins.
EDIT = (SIGN_IN, OK, OK,     DENIED, DENIED, OK,     HIDDEN, OK)
#: Who may manage (share, make links, delete): the owner and site admins only.
OWN  = (SIGN_IN, OK, DENIED, DENIED, DENIED, DENIED, HIDDEN, OK)
# fmt: on

EDITED = sample_flow("Shared flow", "load", "split", "train")


def _publish(engine: Engine, actor: Actor | None, shared: SharedFlow, world: World) -> object:
    """Publish the flow to the viewers' team, under a title of the persona's own (so nobody
    replaces another persona's template: that is test_store_templates.py's business)."""
    return templates.publish_template(
        engine,
        actor,
        shared.id,
        world.viewers_team,
        title=f"Published by {actor.username if actor else 'nobody'}",
        description="",
        task="classification",
        difficulty="beginner",
    )


MATRIX: dict[str, tuple[Action, tuple[Outcome, ...]]] = {
    "get_flow": (lambda e, a, f, w: flows.get_flow(e, a, f.id), VIEW),
    "list_versions": (lambda e, a, f, w: versions.list_versions(e, a, f.id), VIEW),
    "get_version": (lambda e, a, f, w: versions.get_version(e, a, f.id, 1), VIEW),
    "compare_versions": (lambda e, a, f, w: versions.compare_versions(e, a, f.id, 1, 2), VIEW),
    "list_runs": (lambda e, a, f, w: runs.list_runs(e, a, f.id), VIEW),
    # A run of a flow nobody shared with you does not exist either.
    "get_run_record": (
        lambda e, a, f, w: runs.get_run_record(e, a, f.run_id),
        (SIGN_IN, OK, OK, OK, OK, OK, RunNotFound, OK),
    ),
    "get_stored_run": (
        lambda e, a, f, w: runs.get_stored_run(e, a, f.run_id),
        (SIGN_IN, OK, OK, OK, OK, OK, RunNotFound, OK),
    ),
    # Noting who stopped a run: anyone who may see it (whether they may stop it is
    # check_may_run's question, asked first); a stranger's run does not exist.
    "record_cancel": (
        lambda e, a, f, w: runs.record_cancel(e, a, f.run_id),
        (SIGN_IN, OK, OK, OK, OK, OK, RunNotFound, OK),
    ),
    "duplicate_flow": (lambda e, a, f, w: flows.duplicate_flow(e, a, f.id), VIEW),
    "list_access": (lambda e, a, f, w: shares.list_access(e, a, f.id), VIEW),
    "save_draft": (
        lambda e, a, f, w: versions.save_draft(e, a, f.id, EDITED, base_version=f.version),
        EDIT,
    ),
    "save_version": (
        lambda e, a, f, w: versions.save_version(e, a, f.id, EDITED, base_version=f.version),
        EDIT,
    ),
    "rename_flow": (lambda e, a, f, w: versions.rename_flow(e, a, f.id, "Renamed"), EDIT),
    "restore_version": (lambda e, a, f, w: versions.restore_version(e, a, f.id, 1), EDIT),
    # Dropping one's own draft touches nobody else's work: anyone who may see the flow may.
    "discard_draft": (lambda e, a, f, w: versions.discard_draft(e, a, f.id), VIEW),
    "check_may_run, viewers may run": (
        lambda e, a, f, w: runs.check_may_run(e, a, f.id, viewers_can_run=True),
        VIEW,
    ),
    "check_may_run, only editors run": (
        lambda e, a, f, w: runs.check_may_run(e, a, f.id, viewers_can_run=False),
        EDIT,
    ),
    "share_with_user": (
        lambda e, a, f, w: shares.share_with_user(e, a, f.id, w.stranger.username, Role.VIEWER),
        OWN,
    ),
    "share_with_team": (
        lambda e, a, f, w: shares.share_with_team(e, a, f.id, w.viewers_team, Role.EDITOR),
        OWN,
    ),
    "remove_access": (
        lambda e, a, f, w: shares.remove_access(e, a, f.id, "user", w.viewer.id),
        OWN,
    ),
    "create_link": (lambda e, a, f, w: shares.create_link(e, a, f.id), OWN),
    "list_links": (lambda e, a, f, w: shares.list_links(e, a, f.id), OWN),
    "revoke_link": (lambda e, a, f, w: shares.revoke_link(e, a, f.id, f.link_id), OWN),
    "delete_flow": (lambda e, a, f, w: flows.delete_flow(e, a, f.id), OWN),
    # Viewing the flow is not enough: one must be in the team too (site admins are in all).
    "publish_template": (
        _publish,
        (SIGN_IN, OK, TeamNotFound, TeamNotFound, OK, TeamNotFound, HIDDEN, OK),
    ),
}


@pytest.mark.parametrize(("action", "expected"), MATRIX.values(), ids=MATRIX.keys())
def test_who_may_do_what(
    engine: Engine, world: World, action: Action, expected: tuple[Outcome, ...]
) -> None:
    outcomes: dict[str, Outcome] = {}
    shared = world.shared_flow()
    for persona, wanted in zip(PERSONAS, expected, strict=True):
        before = _footprint(engine, shared.id)
        outcomes[persona] = _outcome(action, world.actor(persona), shared, world)
        if _footprint(engine, shared.id) != before:
            assert outcomes[persona] == wanted == OK, f"{persona} was refused, yet changed the flow"
            shared = world.shared_flow()  # the next persona starts from an untouched flow

    assert outcomes == dict(zip(PERSONAS, expected, strict=True))


def test_the_matrix_has_a_row_for_every_action_on_a_flow() -> None:
    acting = {
        name
        for module in (flows, versions, runs, shares, templates)
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__
        and not name.startswith("_")
        and "actor" in (parameters := inspect.signature(function).parameters)
        and ("flow_id" in parameters or "run_id" in parameters)
    }

    # check_may_run has two rows, with viewers_can_run on and off.
    assert acting == {name.split(",")[0] for name in MATRIX}


def test_a_stranger_is_told_exactly_what_a_missing_flow_would_say(world: World) -> None:
    shared = world.shared_flow()
    missing = "0123456789abcdef0123456789abcdef"

    with pytest.raises(FlowNotFound) as hidden:
        flows.get_flow(world.engine, world.stranger, shared.id)
    with pytest.raises(FlowNotFound) as absent:
        flows.get_flow(world.engine, world.stranger, missing)

    assert str(hidden.value).replace(shared.id, missing) == str(absent.value)


def test_a_role_from_a_team_and_a_direct_share_is_the_stronger_one(world: World) -> None:
    shared = world.shared_flow()
    engine, owner = world.engine, world.owner
    shares.share_with_user(engine, owner, shared.id, world.team_viewer.username, Role.EDITOR)
    shares.share_with_user(engine, owner, shared.id, world.team_editor.username, Role.VIEWER)

    assert flows.get_flow(engine, world.team_viewer, shared.id).role == Role.EDITOR
    assert flows.get_flow(engine, world.team_editor, shared.id).role == Role.EDITOR


def test_leaving_a_team_takes_away_the_flows_shared_with_it(world: World) -> None:
    shared = world.shared_flow()
    teams.remove_member(world.engine, world.team_viewer, world.viewers_team, world.team_viewer.id)

    with pytest.raises(FlowNotFound):
        flows.get_flow(world.engine, world.team_viewer, shared.id)


def _outcome(action: Action, actor: Actor | None, shared: SharedFlow, world: World) -> Outcome:
    try:
        action(world.engine, actor, shared, world)
    except (SignInRequired, FlowNotFound, NotAllowed, RunNotFound, TeamNotFound) as exc:
        return type(exc)
    return OK


def _footprint(engine: Engine, flow_id: str) -> list[list[dict[str, Any]]]:
    """Every row the store keeps about the flow: what a refused action must leave alone."""
    with session_scope(engine) as session:
        return [
            sorted(
                (row.model_dump() for row in session.exec(select(table).where(where))),
                key=repr,
            )
            for table, where in (
                (FlowRow, col(FlowRow.id) == flow_id),
                (FlowVersionRow, col(FlowVersionRow.flow_id) == flow_id),
                (DraftRow, col(DraftRow.flow_id) == flow_id),
                (ShareRow, col(ShareRow.flow_id) == flow_id),
                (ShareLinkRow, col(ShareLinkRow.flow_id) == flow_id),
                (RunRow, col(RunRow.flow_id) == flow_id),
                (TeamTemplateRow, col(TeamTemplateRow.source_flow_id) == flow_id),
            )
        ]

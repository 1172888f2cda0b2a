"""The audit log on SQLite and PostgreSQL: what is kept, each filter, paging, who reads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import update

from designer.store import SignInRequired, flows
from designer.store.access import Actor
from designer.store.audit import (
    ACTIONS,
    AuditFilter,
    InvalidAuditFilter,
    list_events,
    record,
    record_event,
)
from designer.store.db import session_scope
from designer.store.tables import AuditEventRow, FlowRow
from tests.fixtures.people import World, sample_flow, world

__all__ = ["world"]

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def seeded(world: World) -> dict[str, str]:
    """Four events an hour apart, oldest first: the owner shares their flow, the viewer signs
    in, the admin deletes the owner's dataset, the editor is refused a sign-in."""
    engine = world.engine
    flow = flows.create_flow(engine, world.owner, sample_flow("Churn")).id
    events = [
        (world.owner, "shared", "flow", flow, "Churn", world.owner.id, flow, {"user": "viewer"}),
        (world.viewer, "signed_in", "user", world.viewer.id, "viewer", world.viewer.id, None, {}),
        (world.admin, "deleted", "dataset", "d" * 32, "houses", world.owner.id, None, {}),
        (None, "sign_in_refused", "user", world.editor.id, "editor", world.editor.id, None, {}),
    ]
    for actor, action, kind, object_id, name, owner, flow_id, detail in events:
        record_event(
            engine,
            actor,
            action,
            kind,
            object_id,
            name,
            owner_id=owner,
            flow_id=flow_id,
            detail=detail,
        )
    with session_scope(engine) as session:  # an hour apart, so time filters can tell them apart
        for number, action in enumerate(e[1] for e in events):
            session.exec(
                update(AuditEventRow)
                .where(AuditEventRow.action == action)  # type: ignore[arg-type]
                .values(at=T0 + timedelta(hours=number))
            )
    return {"flow": flow}


def actions(world: World, actor: Actor | None, filters: AuditFilter | None = None) -> list[str]:
    return [e.action for e in list_events(world.engine, actor, filters, limit=500).events]


def test_an_event_keeps_who_what_and_when(world: World) -> None:
    engine, owner = world.engine, world.owner
    before = datetime.now(UTC)
    detail = {"user": "viewer", "role": "viewer"}
    record_event(engine, owner, "shared", "flow", "f" * 32, "Churn", detail=detail)

    [event] = list_events(engine, world.admin).events

    assert before <= event.at <= datetime.now(UTC)
    assert (event.actor_id, event.actor_name, event.action) == (owner.id, "owner", "shared")
    assert (event.object_kind, event.object_id, event.object_name) == ("flow", "f" * 32, "Churn")
    assert event.detail == {"user": "viewer", "role": "viewer"}


def test_newest_first(world: World) -> None:
    seeded(world)
    assert actions(world, world.admin) == ["sign_in_refused", "deleted", "signed_in", "shared"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (AuditFilter(person="owner"), ["shared"]),
        (AuditFilter(person=" ADMIN "), ["deleted"]),
        (AuditFilter(person="nobody-at-all"), []),
        (AuditFilter(action="signed_in"), ["signed_in"]),
        (AuditFilter(object_kind="user"), ["sign_in_refused", "signed_in"]),
        (AuditFilter(object_kind="dataset"), ["deleted"]),
        (AuditFilter(object_id="d" * 32), ["deleted"]),
        (AuditFilter(since=T0 + timedelta(hours=2)), ["sign_in_refused", "deleted"]),
        (AuditFilter(until=T0 + timedelta(hours=1)), ["shared"]),
        (
            AuditFilter(since=T0 + timedelta(minutes=30), until=T0 + timedelta(hours=2)),
            ["signed_in"],
        ),
        (AuditFilter(object_kind="user", action="signed_in"), ["signed_in"]),
    ],
)
def test_each_filter(world: World, filters: AuditFilter, expected: list[str]) -> None:
    seeded(world)
    assert actions(world, world.admin, filters) == expected


def test_filtering_by_the_flow_id(world: World) -> None:
    ids = seeded(world)
    assert actions(world, world.admin, AuditFilter(object_id=ids["flow"])) == ["shared"]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (AuditFilter(action="hacked"), "no action 'hacked' in the log; choose one of signed_in"),
        (AuditFilter(object_kind="planet"), "no kind of thing 'planet'"),
        (AuditFilter(person="x" * 65), "at most 64 characters"),
        (AuditFilter(object_id="x" * 201), "at most 200 characters"),
        (AuditFilter(since=datetime(2026, 1, 1)), "with their time zone"),
        (AuditFilter(since=T0, until=T0), "must come before its end"),
    ],
)
def test_a_filter_it_cannot_apply_says_why(
    world: World, filters: AuditFilter, message: str
) -> None:
    with pytest.raises(InvalidAuditFilter, match=message.replace("(", r"\(")):
        list_events(world.engine, world.admin, filters)


def test_pages_follow_one_another_without_gaps(world: World) -> None:
    seeded(world)
    first = list_events(world.engine, world.admin, limit=3)
    second = list_events(world.engine, world.admin, offset=3, limit=3)
    assert [e.action for e in first.events] == ["sign_in_refused", "deleted", "signed_in"]
    assert first.more and not second.more
    assert [e.action for e in second.events] == ["shared"]


@pytest.mark.parametrize(("offset", "limit"), [(0, 0), (0, 501), (-1, 10)])
def test_a_page_out_of_range_is_refused(world: World, offset: int, limit: int) -> None:
    with pytest.raises(InvalidAuditFilter):
        list_events(world.engine, world.admin, offset=offset, limit=limit)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        # Everything.
        ("admin", ["sign_in_refused", "deleted", "signed_in", "shared"]),
        # Their flow's share, and the deletion of their dataset by the admin.
        ("owner", ["deleted", "shared"]),
        # Their own sign-in only: the flow shared with them is not theirs.
        ("viewer", ["signed_in"]),
        # A sign-in refused under their name.
        ("editor", ["sign_in_refused"]),
        ("stranger", []),
    ],
)
def test_who_reads_which_events(world: World, persona: str, expected: list[str]) -> None:
    seeded(world)
    assert actions(world, world.actor(persona)) == expected  # type: ignore[arg-type]


def test_a_flow_handed_to_someone_brings_its_events_along(world: World) -> None:
    ids = seeded(world)
    with session_scope(world.engine) as session:
        session.exec(
            update(FlowRow).where(FlowRow.id == ids["flow"]).values(owner_id=world.stranger.id)  # type: ignore[arg-type]
        )
    assert actions(world, world.stranger) == ["shared"]


def test_nobody_signed_in_reads_nothing(world: World) -> None:
    with pytest.raises(SignInRequired):
        list_events(world.engine, None)


@pytest.mark.parametrize("key", ["password", "token", "api_key", "Secret", "password_hash"])
def test_a_secret_is_never_kept(world: World, key: str) -> None:
    with pytest.raises(ValueError, match="keeps no secrets"), session_scope(world.engine) as s:
        record(s, world.owner, "signed_in", "user", world.owner.id, detail={key: "hunter2"})
    assert list_events(world.engine, world.admin).events == []


@pytest.mark.parametrize(("action", "kind"), [("hacked", "flow"), ("shared", "planet")])
def test_an_unknown_action_or_kind_is_a_programming_error(
    world: World, action: str, kind: str
) -> None:
    with pytest.raises(ValueError, match="unknown audit"), session_scope(world.engine) as s:
        record(s, world.owner, action, kind, "x")


def test_every_action_can_be_recorded_and_found(world: World) -> None:
    for action in ACTIONS:
        record_event(world.engine, world.owner, action, "flow", "f", owner_id=world.owner.id)
    for action in ACTIONS:
        assert actions(world, world.owner, AuditFilter(action=action)) == [action]

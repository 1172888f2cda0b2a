"""Sharing a flow with people and teams, and through view-only links."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select, update

from designer.store import FlowNotFound, NotAllowed, Role
from designer.store.accounts import UserNotFound
from designer.store.db import session_scope
from designer.store.flows import create_flow, delete_flow, get_flow, list_flows
from designer.store.shares import (
    AccessEntry,
    InvalidShare,
    LinkNotValid,
    flow_for_link,
    list_access,
    list_links,
    remove_access,
    revoke_link,
    share_with_team,
    share_with_user,
)
from designer.store.shares import create_link as make_link
from designer.store.signin import token_hash
from designer.store.tables import ShareLinkRow
from designer.store.teams import TeamNotFound, add_member, create_team
from designer.store.versions import save_version
from tests.fixtures.people import World, sample_flow, world

__all__ = ["world"]


def own_flow(world: World, name: str = "Mine") -> str:
    """A flow of the owner's, shared with nobody."""
    return create_flow(world.engine, world.owner, sample_flow(name)).id


def test_sharing_with_a_person_gives_them_the_role(world: World) -> None:
    engine, owner, viewer = world.engine, world.owner, world.viewer
    flow_id = own_flow(world)

    entry = share_with_user(engine, owner, flow_id, " Viewer ", Role.VIEWER)

    assert entry == AccessEntry("user", viewer.id, viewer.display_name, "viewer", Role.VIEWER)
    assert get_flow(engine, viewer, flow_id).role == Role.VIEWER
    [listed] = list_flows(engine, viewer, "shared")
    assert (listed.id, listed.role, listed.owner) == (flow_id, Role.VIEWER, owner.display_name)
    assert list_flows(engine, viewer, "mine") == []


def test_sharing_again_changes_the_role(world: World) -> None:
    engine, owner, viewer = world.engine, world.owner, world.viewer
    flow_id = own_flow(world)
    share_with_user(engine, owner, flow_id, "viewer", Role.VIEWER)

    share_with_user(engine, owner, flow_id, "viewer", Role.EDITOR)

    assert get_flow(engine, viewer, flow_id).role == Role.EDITOR
    assert [(e.kind, e.role) for e in list_access(engine, owner, flow_id)] == [
        ("owner", Role.OWNER),
        ("user", Role.EDITOR),
    ]
    share_with_user(engine, owner, flow_id, "viewer", Role.VIEWER)
    assert get_flow(engine, viewer, flow_id).role == Role.VIEWER


def test_removing_access_hides_the_flow_again(world: World) -> None:
    engine, owner = world.engine, world.owner
    flow_id = own_flow(world)
    share_with_user(engine, owner, flow_id, "viewer", Role.EDITOR)
    share_with_team(engine, owner, flow_id, world.viewers_team, Role.VIEWER)

    remove_access(engine, owner, flow_id, "user", world.viewer.id)
    remove_access(engine, owner, flow_id, "team", world.viewers_team)

    for person in (world.viewer, world.team_viewer):
        with pytest.raises(FlowNotFound):
            get_flow(engine, person, flow_id)
    assert [e.kind for e in list_access(engine, owner, flow_id)] == ["owner"]


def test_sharing_with_a_team_gives_every_member_the_role(world: World) -> None:
    engine, owner = world.engine, world.owner
    flow_id = own_flow(world)

    entry = share_with_team(engine, owner, flow_id, world.editors_team, Role.EDITOR)

    assert (entry.kind, entry.id, entry.name, entry.role) == (
        "team",
        world.editors_team,
        "Editors",
        Role.EDITOR,
    )
    assert get_flow(engine, world.team_editor, flow_id).role == Role.EDITOR
    assert [f.id for f in list_flows(engine, world.team_editor, world.editors_team)] == [flow_id]
    assert [f.id for f in list_flows(engine, world.team_editor, "shared")] == [flow_id]
    # A member added later gets the role too.
    add_member(engine, owner, world.editors_team, world.stranger.username)
    assert get_flow(engine, world.stranger, flow_id).role == Role.EDITOR


@pytest.mark.parametrize(
    ("whom", "role", "error", "reason"),
    [
        ("owner", Role.VIEWER, NotAllowed, "Olive Owner owns this flow already"),
        ("viewer", Role.OWNER, InvalidShare, "can be shared as viewer or editor, not as 'owner'"),
        ("viewer", "admin", InvalidShare, "can be shared as viewer or editor, not as 'admin'"),
        ("nobody", Role.VIEWER, UserNotFound, "nobody has the user name 'nobody'"),
    ],
)
def test_a_share_that_cannot_be_made_says_why(
    world: World, whom: str, role: Role, error: type[Exception], reason: str
) -> None:
    flow_id = own_flow(world)

    with pytest.raises(error, match=reason):
        share_with_user(world.engine, world.owner, flow_id, whom, role)

    assert len(list_access(world.engine, world.owner, flow_id)) == 1


def test_a_flow_is_shared_only_with_teams_of_the_owners_own(world: World) -> None:
    engine = world.engine
    outsiders = create_team(engine, world.stranger, "Outsiders").id
    flow_id = own_flow(world)

    with pytest.raises(TeamNotFound):
        share_with_team(engine, world.owner, flow_id, outsiders, Role.VIEWER)
    share_with_team(engine, world.admin, flow_id, outsiders, Role.VIEWER)  # site admins may

    assert get_flow(engine, world.stranger, flow_id).role == Role.VIEWER


def test_the_access_list_names_the_owner_then_people_then_teams(world: World) -> None:
    engine, owner = world.engine, world.owner
    flow_id = own_flow(world)
    share_with_user(engine, owner, flow_id, "viewer", Role.VIEWER)
    share_with_user(engine, owner, flow_id, "editor", Role.EDITOR)
    share_with_team(engine, owner, flow_id, world.viewers_team, Role.VIEWER)
    share_with_team(engine, owner, flow_id, world.editors_team, Role.EDITOR)
    add_member(engine, owner, world.editors_team, "stranger")

    access = list_access(engine, world.viewer, flow_id)  # anyone who may see it may look

    assert access == [
        AccessEntry("owner", owner.id, "Olive Owner", "owner", Role.OWNER),
        AccessEntry("user", world.editor.id, "Eddie Editor", "editor", Role.EDITOR),
        AccessEntry("user", world.viewer.id, "Vera Viewer", "viewer", Role.VIEWER),
        AccessEntry("team", world.editors_team, "Editors", "3 members", Role.EDITOR),
        AccessEntry("team", world.viewers_team, "Viewers", "2 members", Role.VIEWER),
    ]


# Links.


def test_a_link_token_is_long_random_and_shown_only_once(world: World) -> None:
    engine, owner = world.engine, world.owner
    flow_id = own_flow(world)

    link, token = make_link(engine, owner, flow_id)
    _, other = make_link(engine, owner, flow_id)

    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token)
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 256
    assert other != token
    with session_scope(engine) as session:
        row = session.get(ShareLinkRow, link.id)
        assert row is not None
        stored = [str(value) for value in row.model_dump().values()]
    assert row.token_hash == token_hash(token) != token
    assert not any(token in value for value in stored)
    assert link.role == Role.VIEWER and link.created_by == owner.display_name


def test_a_link_opens_the_latest_version_to_view(world: World) -> None:
    engine, owner = world.engine, world.owner
    flow_id = own_flow(world, "Linked")
    _, token = make_link(engine, owner, flow_id)
    save_version(engine, owner, flow_id, sample_flow("Linked", "load", "more"), base_version=1)

    opened = flow_for_link(engine, token)

    assert (opened.id, opened.version, opened.role, opened.owner) == (
        flow_id,
        2,
        Role.VIEWER,
        owner.display_name,
    )
    assert opened.flow == sample_flow("Linked", "load", "more")


def test_a_link_lasts_as_long_as_asked(world: World) -> None:
    engine, owner = world.engine, world.owner
    flow_id = own_flow(world)
    before = datetime.now(UTC)

    week, _ = make_link(engine, owner, flow_id)
    hour, _ = make_link(engine, owner, flow_id, timedelta(hours=1))
    forever, token = make_link(engine, owner, flow_id, None)

    assert week.expires_at is not None and hour.expires_at is not None
    assert before + timedelta(days=7) <= week.expires_at <= datetime.now(UTC) + timedelta(days=7)
    assert hour.expires_at - hour.created_at == timedelta(hours=1)
    assert forever.expires_at is None and forever.active()
    assert flow_for_link(engine, token).id == flow_id
    for too_long in (timedelta(0), timedelta(days=366), timedelta(seconds=-1)):
        with pytest.raises(InvalidShare, match="a link can last"):
            make_link(engine, owner, flow_id, too_long)


def test_an_expired_link_opens_nothing(world: World) -> None:
    engine, owner = world.engine, world.owner
    flow_id = own_flow(world)
    link, token = make_link(engine, owner, flow_id)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    with session_scope(engine) as session:
        session.exec(
            update(ShareLinkRow).where(col(ShareLinkRow.id) == link.id).values(expires_at=yesterday)
        )

    with pytest.raises(LinkNotValid, match="this link has expired: ask the flow's owner"):
        flow_for_link(engine, token)
    [listed] = list_links(engine, owner, flow_id)
    assert not listed.active()


def test_a_revoked_link_opens_nothing(world: World) -> None:
    engine, owner = world.engine, world.owner
    flow_id = own_flow(world)
    kept, kept_token = make_link(engine, owner, flow_id)
    revoked, token = make_link(engine, owner, flow_id)

    revoke_link(engine, owner, flow_id, revoked.id)
    revoke_link(engine, owner, flow_id, revoked.id)  # twice is harmless

    with pytest.raises(LinkNotValid, match="this link was revoked by the flow's owner"):
        flow_for_link(engine, token)
    assert flow_for_link(engine, kept_token).id == flow_id
    links = {link.id: link for link in list_links(engine, owner, flow_id)}
    assert links[revoked.id].revoked_at is not None and not links[revoked.id].active()
    assert links[kept.id].revoked_at is None and links[kept.id].active()
    with pytest.raises(LinkNotValid, match="this flow has no such link"):
        revoke_link(engine, owner, own_flow(world, "Other"), kept.id)


def test_links_are_listed_newest_first(world: World) -> None:
    flow_id = own_flow(world)
    made = [make_link(world.engine, world.owner, flow_id)[0].id for _ in range(3)]

    assert [link.id for link in list_links(world.engine, world.owner, flow_id)] == made[::-1]


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "this is not a link to any flow"),
        ("x" * 201, "this is not a link to any flow"),
        ("not-a-token-anyone-made", "this is not a link to any flow: check it was copied whole"),
    ],
    ids=["empty", "too long", "unknown"],
)
def test_a_wrong_token_opens_nothing(world: World, token: str, reason: str) -> None:
    make_link(world.engine, world.owner, own_flow(world))

    with pytest.raises(LinkNotValid, match=reason):
        flow_for_link(world.engine, token)


def test_a_truncated_token_opens_nothing(world: World) -> None:
    _, token = make_link(world.engine, world.owner, own_flow(world))

    with pytest.raises(LinkNotValid, match="check it was copied whole"):
        flow_for_link(world.engine, token[:-1])


def test_deleting_a_flow_ends_its_shares_and_links(world: World) -> None:
    engine, owner = world.engine, world.owner
    flow_id = own_flow(world)
    share_with_user(engine, owner, flow_id, "viewer", Role.VIEWER)
    _, token = make_link(engine, owner, flow_id)

    delete_flow(engine, owner, flow_id)

    with pytest.raises(LinkNotValid):
        flow_for_link(engine, token)
    assert list_flows(engine, world.viewer, "shared") == []
    with session_scope(engine) as session:
        assert session.exec(select(ShareLinkRow)).all() == []

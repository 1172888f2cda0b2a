"""Teams: who is in them, who manages them, and what people outside them see."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from designer.store import Actor, NotAllowed, SignInRequired
from designer.store.accounts import UserNotFound, create_user
from designer.store.flows import list_flows
from designer.store.teams import (
    InvalidTeam,
    Member,
    TeamNotFound,
    TeamRole,
    TeamSummary,
    add_member,
    create_team,
    list_teams,
    remove_member,
    set_member_role,
    team_members,
)

ADMIN, MEMBER = TeamRole.ADMIN, TeamRole.MEMBER


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """A site admin (first account), then ada, bob, cy and dee."""
    return {
        name: create_user(engine, name, name.title())
        for name in ("siteadmin", "ada", "bob", "cy0", "dee")
    }


def test_whoever_creates_a_team_is_its_first_admin(
    engine: Engine, people: dict[str, Actor]
) -> None:
    ada = people["ada"]

    team = create_team(engine, ada, "  Data   science ")

    assert team == TeamSummary(id=team.id, name="Data science", role=ADMIN, member_count=1)
    assert list_teams(engine, ada) == [team]
    assert team_members(engine, ada, team.id) == [Member(ada.id, "ada", "Ada", ADMIN)]
    assert list_teams(engine, people["bob"]) == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "a team name is 1 to 100 characters"),
        (" \n ", "a team name is 1 to 100 characters"),
        ("x" * 101, "a team name is 1 to 100 characters"),
        ("Data  science", "there is already a team called 'Data science'"),
    ],
)
def test_a_team_name_must_be_new_and_plain(
    engine: Engine, people: dict[str, Actor], name: str, reason: str
) -> None:
    create_team(engine, people["ada"], "Data science")

    with pytest.raises(InvalidTeam, match=reason):
        create_team(engine, people["bob"], name)


def test_admins_add_members_and_everyone_in_the_team_sees_them(
    engine: Engine, people: dict[str, Actor]
) -> None:
    ada, bob, cy = people["ada"], people["bob"], people["cy0"]
    team = create_team(engine, ada, "Zeta").id
    other = create_team(engine, bob, "alpha").id

    assert add_member(engine, ada, team, " BOB ") == Member(bob.id, "bob", "Bob", MEMBER)
    add_member(engine, ada, team, "cy0", ADMIN)

    expected = [
        Member(ada.id, "ada", "Ada", ADMIN),
        Member(cy.id, "cy0", "Cy0", ADMIN),
        Member(bob.id, "bob", "Bob", MEMBER),
    ]
    assert team_members(engine, bob, team) == expected  # admins first, then by user name
    assert [(t.name, t.role, t.member_count) for t in list_teams(engine, bob)] == [
        ("alpha", ADMIN, 1),
        ("Zeta", MEMBER, 3),
    ]
    assert other != team


@pytest.mark.parametrize(
    ("username", "error", "reason"),
    [
        ("bob", InvalidTeam, "Bob is already in this team"),
        ("nobody", UserNotFound, "nobody has the user name 'nobody'"),
    ],
)
def test_adding_someone_who_cannot_be_added_says_why(
    engine: Engine,
    people: dict[str, Actor],
    username: str,
    error: type[Exception],
    reason: str,
) -> None:
    team = create_team(engine, people["ada"], "Team").id
    add_member(engine, people["ada"], team, "bob")

    with pytest.raises(error, match=reason):
        add_member(engine, people["ada"], team, username)


#: What a plain member may not do to the team (only its admins may).
Change = Callable[[Engine, Actor | None, str, dict[str, Actor]], object]
ADMIN_ONLY: dict[str, Change] = {
    "add a member": lambda e, a, t, p: add_member(e, a, t, "dee"),
    "promote someone": lambda e, a, t, p: set_member_role(e, a, t, p["cy0"].id, ADMIN),
    "demote an admin": lambda e, a, t, p: set_member_role(e, a, t, p["ada"].id, MEMBER),
    "remove someone else": lambda e, a, t, p: remove_member(e, a, t, p["cy0"].id),
}


@pytest.mark.parametrize("change", ADMIN_ONLY.values(), ids=ADMIN_ONLY.keys())
def test_only_team_admins_and_site_admins_change_who_is_in_it(
    engine: Engine,
    people: dict[str, Actor],
    change: Change,
) -> None:
    ada = people["ada"]
    team = create_team(engine, ada, "Team").id
    add_member(engine, ada, team, "bob")
    add_member(engine, ada, team, "cy0")
    add_member(engine, ada, team, "siteadmin", ADMIN)  # so demoting ada leaves an admin
    before = team_members(engine, ada, team)

    with pytest.raises(NotAllowed, match="only the team's admins can change who is in it"):
        change(engine, people["bob"], team, people)
    with pytest.raises(TeamNotFound):
        change(engine, people["dee"], team, people)
    with pytest.raises(SignInRequired):
        change(engine, None, team, people)
    assert team_members(engine, ada, team) == before

    change(engine, people["siteadmin"], team, people)
    assert team_members(engine, ada, team) != before


def test_a_team_keeps_at_least_one_admin(engine: Engine, people: dict[str, Actor]) -> None:
    ada, bob = people["ada"], people["bob"]
    team = create_team(engine, ada, "Team").id
    add_member(engine, ada, team, "bob")
    last_admin = "a team needs at least one admin: make someone else an admin first"

    with pytest.raises(InvalidTeam, match=last_admin):
        set_member_role(engine, ada, team, ada.id, MEMBER)
    with pytest.raises(InvalidTeam, match=last_admin):
        remove_member(engine, ada, team, ada.id)

    set_member_role(engine, ada, team, bob.id, ADMIN)
    set_member_role(engine, ada, team, ada.id, MEMBER)  # now bob is an admin, ada may step down
    assert [(m.username, m.role) for m in team_members(engine, ada, team)] == [
        ("bob", ADMIN),
        ("ada", MEMBER),
    ]
    with pytest.raises(InvalidTeam, match=last_admin):
        remove_member(engine, bob, team, bob.id)


def test_anyone_may_leave_a_team(engine: Engine, people: dict[str, Actor]) -> None:
    ada, bob = people["ada"], people["bob"]
    team = create_team(engine, ada, "Team").id
    add_member(engine, ada, team, "bob")
    add_member(engine, ada, team, "cy0")

    remove_member(engine, bob, team, bob.id)
    remove_member(engine, ada, team, people["cy0"].id)

    assert [m.username for m in team_members(engine, ada, team)] == ["ada"]
    assert list_teams(engine, bob) == []
    with pytest.raises(TeamNotFound):
        team_members(engine, bob, team)
    with pytest.raises(InvalidTeam, match="that person is not in this team"):
        remove_member(engine, ada, team, bob.id)


def test_people_outside_a_team_are_told_it_does_not_exist(
    engine: Engine, people: dict[str, Actor]
) -> None:
    team = create_team(engine, people["ada"], "Team").id
    missing = "0123456789abcdef0123456789abcdef"
    outsider = people["bob"]

    for team_id in (team, missing):
        with pytest.raises(TeamNotFound, match=f"no team with id '{team_id}', or you are not"):
            team_members(engine, outsider, team_id)
        with pytest.raises(TeamNotFound):
            add_member(engine, outsider, team_id, "cy0")
        with pytest.raises(TeamNotFound):
            remove_member(engine, outsider, team_id, outsider.id)
    with pytest.raises(TeamNotFound):
        team_members(engine, people["siteadmin"], missing)
    assert [m.username for m in team_members(engine, people["siteadmin"], team)] == ["ada"]


def test_only_members_list_the_flows_shared_with_a_team(
    engine: Engine, people: dict[str, Actor]
) -> None:
    team = create_team(engine, people["ada"], "Team").id

    assert list_flows(engine, people["ada"], team) == []
    assert list_flows(engine, people["siteadmin"], team) == []
    for outsider_asks in (team, "0123456789abcdef0123456789abcdef"):
        with pytest.raises(TeamNotFound):
            list_flows(engine, people["bob"], outsider_asks)


def test_nobody_signed_in_sees_no_teams(engine: Engine) -> None:
    with pytest.raises(SignInRequired):
        list_teams(engine, None)
    with pytest.raises(SignInRequired):
        create_team(engine, None, "Team")

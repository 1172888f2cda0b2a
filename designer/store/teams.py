"""Teams: create one, see its members, add people, make them admins, remove them.

A team's admins manage its members (a site admin may manage any team); every member sees the
flows shared with the team. A team always keeps at least one admin, so it cannot be orphaned.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from designer.store.access import Actor, NotAllowed, signed_in
from designer.store.accounts import user_by_name
from designer.store.db import StoreError, session_scope
from designer.store.flows import is_plain_line
from designer.store.tables import TeamMemberRow, TeamRow, UserRow

MAX_TEAM_NAME = 100


class TeamRole(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


class TeamNotFound(StoreError, LookupError):
    def __init__(self, team_id: str) -> None:
        super().__init__(f"no team with id {team_id!r}, or you are not one of its members")
        self.team_id = team_id


class InvalidTeam(StoreError, ValueError):
    """A team name or membership change that cannot be made; the message says why."""


@dataclass(frozen=True)
class TeamSummary:
    id: str
    name: str
    #: The person's own role in it; None for a site admin who is not a member.
    role: TeamRole | None
    member_count: int


@dataclass(frozen=True)
class Member:
    user_id: str
    username: str
    display_name: str
    role: TeamRole


def create_team(engine: Engine, actor: Actor | None, name: str) -> TeamSummary:
    """A new team with ``actor`` as its first admin."""
    person = signed_in(actor)
    shown = " ".join(name.split())
    if not shown or len(shown) > MAX_TEAM_NAME or not is_plain_line(shown):
        raise InvalidTeam(f"a team name is 1 to {MAX_TEAM_NAME} characters of plain text")
    now = datetime.now(UTC)
    team = TeamRow(id=uuid.uuid4().hex, name=shown, created_at=now)
    try:
        with session_scope(engine) as session:
            session.add(team)
            session.flush()
            session.add(
                TeamMemberRow(team_id=team.id, user_id=person.id, role=TeamRole.ADMIN, added_at=now)
            )
    except IntegrityError as exc:
        raise InvalidTeam(f"there is already a team called {shown!r}") from exc
    return TeamSummary(id=team.id, name=shown, role=TeamRole.ADMIN, member_count=1)


def list_teams(engine: Engine, actor: Actor | None) -> list[TeamSummary]:
    """The teams ``actor`` belongs to, by name."""
    person = signed_in(actor)
    counts = (
        select(TeamMemberRow.team_id, func.count().label("members"))
        .group_by(col(TeamMemberRow.team_id))
        .subquery()
    )
    statement = (
        select(TeamRow.id, TeamRow.name, TeamMemberRow.role, counts.c.members)
        .join(TeamMemberRow, col(TeamMemberRow.team_id) == col(TeamRow.id))
        .join(counts, counts.c.team_id == col(TeamRow.id))
        .where(TeamMemberRow.user_id == person.id)
        .order_by(func.lower(TeamRow.name))
    )
    with session_scope(engine) as session:
        rows = session.exec(statement).all()
    return [TeamSummary(id, name, TeamRole(role), count) for id, name, role, count in rows]


def team_members(engine: Engine, actor: Actor | None, team_id: str) -> list[Member]:
    """The team's members, admins first; only its members (and site admins) may look."""
    with session_scope(engine) as session:
        _require_team(session, actor, team_id, TeamRole.MEMBER)
        return _members(session, team_id)


def add_member(
    engine: Engine,
    actor: Actor | None,
    team_id: str,
    username: str,
    role: TeamRole = TeamRole.MEMBER,
) -> Member:
    """Add the person called ``username`` to the team (team admins only)."""
    with session_scope(engine) as session:
        _require_team(session, actor, team_id, TeamRole.ADMIN)
        user = user_by_name(session, username)
        if session.get(TeamMemberRow, (team_id, user.id)) is not None:
            raise InvalidTeam(f"{user.display_name} is already in this team")
        session.add(
            TeamMemberRow(
                team_id=team_id, user_id=user.id, role=TeamRole(role), added_at=datetime.now(UTC)
            )
        )
        return Member(user.id, user.username, user.display_name, TeamRole(role))


def set_member_role(
    engine: Engine, actor: Actor | None, team_id: str, user_id: str, role: TeamRole
) -> None:
    with session_scope(engine) as session:
        _require_team(session, actor, team_id, TeamRole.ADMIN)
        member = _member(session, team_id, user_id)
        if member.role == TeamRole.ADMIN and role != TeamRole.ADMIN:
            _keep_an_admin(session, team_id)
        member.role = TeamRole(role)


def remove_member(engine: Engine, actor: Actor | None, team_id: str, user_id: str) -> None:
    """Remove someone from the team: a team admin may remove anyone, anyone may leave."""
    person = signed_in(actor)
    with session_scope(engine) as session:
        needed = TeamRole.MEMBER if user_id == person.id else TeamRole.ADMIN
        _require_team(session, person, team_id, needed)
        member = _member(session, team_id, user_id)
        if member.role == TeamRole.ADMIN:
            _keep_an_admin(session, team_id)
        session.delete(member)


def team_role(session: Session, actor: Actor, team_id: str) -> TeamRole | None:
    row = session.get(TeamMemberRow, (team_id, actor.id))
    return TeamRole(row.role) if row is not None else None


def _require_team(session: Session, actor: Actor | None, team_id: str, needed: TeamRole) -> None:
    person = signed_in(actor)
    if session.get(TeamRow, team_id) is None:
        raise TeamNotFound(team_id)
    if person.is_admin:
        return
    role = team_role(session, person, team_id)
    if role is None:
        raise TeamNotFound(team_id)
    if needed == TeamRole.ADMIN and role != TeamRole.ADMIN:
        raise NotAllowed("only the team's admins can change who is in it")


def _member(session: Session, team_id: str, user_id: str) -> TeamMemberRow:
    row = session.get(TeamMemberRow, (team_id, user_id))
    if row is None:
        raise InvalidTeam("that person is not in this team")
    return row


def _keep_an_admin(session: Session, team_id: str) -> None:
    admins = session.exec(
        select(func.count()).where(
            TeamMemberRow.team_id == team_id, TeamMemberRow.role == TeamRole.ADMIN
        )
    ).one()
    if admins <= 1:
        raise InvalidTeam("a team needs at least one admin: make someone else an admin first")


def _members(session: Session, team_id: str) -> list[Member]:
    rows = session.exec(
        select(UserRow.id, UserRow.username, UserRow.display_name, TeamMemberRow.role)
        .join(TeamMemberRow, col(TeamMemberRow.user_id) == col(UserRow.id))
        .where(TeamMemberRow.team_id == team_id)
        .order_by(col(TeamMemberRow.role), col(UserRow.username))
    ).all()
    return [Member(uid, name, shown, TeamRole(role)) for uid, name, shown, role in rows]

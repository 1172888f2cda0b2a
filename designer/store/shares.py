"""Sharing a flow: with people and teams as viewer or editor, and through view-only links.

Only a flow's owner (or a site admin) changes who has access; anyone who can see a flow can see
who else can. A link's token is shown once, when it is made: only its hash is stored, it carries
256 random bits, it can be revoked, and it stops working when it expires.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from designer.flow.document import Flow
from designer.store.access import SHARE_ROLES, Actor, NotAllowed, Role, require_flow
from designer.store.accounts import user_by_name
from designer.store.audit import record
from designer.store.db import StoreError, session_scope
from designer.store.signin import TOKEN_BYTES, token_hash
from designer.store.tables import (
    FlowRow,
    ShareLinkRow,
    ShareRow,
    TeamMemberRow,
    TeamRow,
    UserRow,
)
from designer.store.teams import TeamNotFound

#: How long a new link works unless its maker says otherwise.
DEFAULT_LINK_LIFETIME = timedelta(days=7)
MAX_LINK_LIFETIME = timedelta(days=365)


class InvalidShare(StoreError, ValueError):
    """A role or link lifetime that cannot be used; the message lists what can."""


class LinkNotValid(StoreError, LookupError):
    """A share link that opens nothing; the message says whether it expired or was revoked."""


@dataclass(frozen=True)
class AccessEntry:
    """One line of "who has access": the owner, a person or a team, and their role."""

    kind: Literal["owner", "user", "team"]
    #: The user's or team's id.
    id: str
    name: str
    #: The user name, or how many members the team has.
    detail: str
    role: Role


@dataclass(frozen=True)
class LinkSummary:
    id: str
    role: Role
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    created_by: str

    def active(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True)
class LinkedFlow:
    """What a share link opens: the latest version of the flow, to view."""

    id: str
    flow: Flow
    version: int
    role: Role
    owner: str


def list_access(engine: Engine, actor: Actor | None, flow_id: str) -> list[AccessEntry]:
    """Who has access to the flow: the owner first, then people, then teams."""
    with session_scope(engine) as session:
        row, _ = require_flow(session, actor, flow_id, Role.VIEWER)
        entries: list[AccessEntry] = []
        owner = session.get(UserRow, row.owner_id) if row.owner_id else None
        if owner is not None:
            entries.append(
                AccessEntry("owner", owner.id, owner.display_name, owner.username, Role.OWNER)
            )
        people = session.exec(
            select(UserRow, ShareRow.role)
            .join(ShareRow, col(ShareRow.user_id) == col(UserRow.id))
            .where(ShareRow.flow_id == flow_id)
            .order_by(col(UserRow.username))
        ).all()
        entries += [
            AccessEntry("user", user.id, user.display_name, user.username, Role(role))
            for user, role in people
        ]
        teams = session.exec(
            select(TeamRow, ShareRow.role)
            .join(ShareRow, col(ShareRow.team_id) == col(TeamRow.id))
            .where(ShareRow.flow_id == flow_id)
            .order_by(col(TeamRow.name))
        ).all()
        for team, role in teams:
            count = len(
                session.exec(
                    select(TeamMemberRow.user_id).where(TeamMemberRow.team_id == team.id)
                ).all()
            )
            members = f"{count} member" + ("" if count == 1 else "s")
            entries.append(AccessEntry("team", team.id, team.name, members, Role(role)))
        return entries


def share_with_user(
    engine: Engine, actor: Actor | None, flow_id: str, username: str, role: Role
) -> AccessEntry:
    """Give the person called ``username`` ``role`` on the flow (or change their role)."""
    role = _share_role(role)
    with session_scope(engine) as session:
        row, _ = require_flow(session, actor, flow_id, Role.OWNER)
        user = user_by_name(session, username)
        if user.id == row.owner_id:
            raise NotAllowed(f"{user.display_name} owns this flow already")
        share = session.exec(
            select(ShareRow).where(ShareRow.flow_id == flow_id, ShareRow.user_id == user.id)
        ).first()
        if share is None:
            share = ShareRow(flow_id=flow_id, user_id=user.id, created_at=datetime.now(UTC))
            session.add(share)
        share.role = role
        _flow_event(session, actor, "shared", row, {"user": user.username, "role": str(role)})
        return AccessEntry("user", user.id, user.display_name, user.username, role)


def share_with_team(
    engine: Engine, actor: Actor | None, flow_id: str, team_id: str, role: Role
) -> AccessEntry:
    """Give every member of the team ``role`` on the flow; only a team of the owner's own."""
    role = _share_role(role)
    with session_scope(engine) as session:
        row, _ = require_flow(session, actor, flow_id, Role.OWNER)
        assert actor is not None
        team = session.get(TeamRow, team_id)
        member = session.get(TeamMemberRow, (team_id, actor.id))
        if team is None or (member is None and not actor.is_admin):
            raise TeamNotFound(team_id)
        share = session.exec(
            select(ShareRow).where(ShareRow.flow_id == flow_id, ShareRow.team_id == team_id)
        ).first()
        if share is None:
            share = ShareRow(flow_id=flow_id, team_id=team_id, created_at=datetime.now(UTC))
            session.add(share)
        share.role = role
        _flow_event(session, actor, "shared", row, {"team": team.name, "role": str(role)})
        return AccessEntry("team", team.id, team.name, "", role)


def remove_access(
    engine: Engine, actor: Actor | None, flow_id: str, kind: Literal["user", "team"], target: str
) -> None:
    """Stop sharing the flow with a person or a team (by id)."""
    column = col(ShareRow.user_id) if kind == "user" else col(ShareRow.team_id)
    with session_scope(engine) as session:
        row, _ = require_flow(session, actor, flow_id, Role.OWNER)
        removed = session.exec(
            delete(ShareRow).where(col(ShareRow.flow_id) == flow_id, column == target)
        )
        if removed.rowcount:
            whom = session.get(UserRow if kind == "user" else TeamRow, target)
            name = getattr(whom, "username" if kind == "user" else "name", target)
            _flow_event(session, actor, "unshared", row, {kind: name})


def create_link(
    engine: Engine,
    actor: Actor | None,
    flow_id: str,
    lifetime: timedelta | None = DEFAULT_LINK_LIFETIME,
) -> tuple[LinkSummary, str]:
    """A new view-only link to the flow, and its token (shown this once, never stored)."""
    if lifetime is not None and not timedelta(0) < lifetime <= MAX_LINK_LIFETIME:
        raise InvalidShare(f"a link can last from a minute to {MAX_LINK_LIFETIME.days} days")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        flow, _ = require_flow(session, actor, flow_id, Role.OWNER)
        assert actor is not None
        row = ShareLinkRow(
            id=uuid.uuid4().hex,
            flow_id=flow_id,
            token_hash=token_hash(token),
            role=Role.VIEWER,
            created_by=actor.id,
            created_at=now,
            expires_at=now + lifetime if lifetime is not None else None,
        )
        session.add(row)
        expires = row.expires_at.isoformat() if row.expires_at else None
        _flow_event(
            session, actor, "shared", flow, {"link": row.id, "role": "viewer", "until": expires}
        )
    return _link(row, actor.display_name), token


def list_links(engine: Engine, actor: Actor | None, flow_id: str) -> list[LinkSummary]:
    """The flow's links, newest first, revoked and expired ones included (marked so)."""
    with session_scope(engine) as session:
        require_flow(session, actor, flow_id, Role.OWNER)
        rows = session.exec(
            select(ShareLinkRow, UserRow.display_name)
            .join(UserRow, col(UserRow.id) == col(ShareLinkRow.created_by), isouter=True)
            .where(ShareLinkRow.flow_id == flow_id)
            .order_by(col(ShareLinkRow.created_at).desc())
        ).all()
        return [_link(row, maker or "") for row, maker in rows]


def revoke_link(engine: Engine, actor: Actor | None, flow_id: str, link_id: str) -> None:
    with session_scope(engine) as session:
        flow, _ = require_flow(session, actor, flow_id, Role.OWNER)
        row = session.get(ShareLinkRow, link_id)
        if row is None or row.flow_id != flow_id:
            raise LinkNotValid("this flow has no such link")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            _flow_event(session, actor, "unshared", flow, {"link": row.id})


def flow_for_link(engine: Engine, token: str) -> LinkedFlow:
    """The flow a link opens, for anyone holding the token, while it is valid."""
    if not token or len(token) > 200:
        raise LinkNotValid("this is not a link to any flow")
    with session_scope(engine) as session:
        row = session.exec(
            select(ShareLinkRow).where(ShareLinkRow.token_hash == token_hash(token))
        ).first()
        if row is None:
            raise LinkNotValid("this is not a link to any flow: check it was copied whole")
        if row.revoked_at is not None:
            raise LinkNotValid("this link was revoked by the flow's owner")
        if row.expires_at is not None and row.expires_at <= datetime.now(UTC):
            raise LinkNotValid("this link has expired: ask the flow's owner for a new one")
        stored = session.get(FlowRow, row.flow_id)
        assert stored is not None  # links are deleted with their flow
        owner = session.get(UserRow, stored.owner_id) if stored.owner_id else None
        return LinkedFlow(
            id=stored.id,
            flow=Flow.model_validate_json(stored.document),
            version=stored.version,
            role=Role(row.role),
            owner=owner.display_name if owner is not None else "",
        )


def _flow_event(
    session: Session, actor: Actor | None, action: str, row: FlowRow, detail: dict[str, Any]
) -> None:
    record(
        session,
        actor,
        action,
        "flow",
        row.id,
        row.name,
        owner_id=row.owner_id,
        flow_id=row.id,
        detail=detail,
    )


def _share_role(role: Role | str) -> Role:
    if role not in SHARE_ROLES:  # a Role is a str, so both compare alike
        raise InvalidShare(
            f"a flow can be shared as {' or '.join(SHARE_ROLES)}, not as {str(role)!r}"
        )
    return Role(role)


def _link(row: ShareLinkRow, maker: str) -> LinkSummary:
    return LinkSummary(
        id=row.id,
        role=Role(row.role),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        created_by=maker,
    )

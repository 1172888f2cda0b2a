"""Who may do what with a flow: the one place that decides, for every caller.

A person's role on a flow is the strongest of: owning it, being a site admin (who may manage
every flow), a share with them, and a share with any team they belong to. Repository functions
ask ``require_flow`` before reading or writing, so the web pages, the REST API and the CLI
cannot disagree about permissions.

Someone with no role at all is told the flow does not exist, exactly as if it did not: a
stranger cannot probe which flow ids are real.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, select

from designer.store.db import StoreError
from designer.store.tables import FlowRow, ShareRow, TeamMemberRow


class Role(StrEnum):
    """What someone may do with a flow, weakest first."""

    VIEWER = "viewer"  # open, inspect, duplicate into their own flows, run if settings allow
    EDITOR = "editor"  # ... and save new versions, rename, restore versions
    OWNER = "owner"  # ... and share, make links, delete

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


_RANKS = {Role.VIEWER: 1, Role.EDITOR: 2, Role.OWNER: 3}
#: The roles a flow can be shared with (ownership is not shared).
SHARE_ROLES = (Role.VIEWER, Role.EDITOR)


@dataclass(frozen=True)
class Actor:
    """The signed-in person a request acts for."""

    id: str
    username: str
    display_name: str
    is_admin: bool = False


class FlowNotFound(StoreError, LookupError):
    """No such flow, or none the person may see (the two look the same on purpose)."""

    def __init__(self, flow_id: str) -> None:
        super().__init__(
            f"no flow with id {flow_id!r}: it may have been deleted, or not shared with you"
        )
        self.flow_id = flow_id


class SignInRequired(StoreError, PermissionError):
    def __init__(self) -> None:
        super().__init__("sign in first: only signed-in people can see and change flows")


class NotAllowed(StoreError, PermissionError):
    """The person may see the thing but not do this to it; the message says what they lack."""


def signed_in(actor: Actor | None) -> Actor:
    if actor is None:
        raise SignInRequired()
    return actor


def flow_role(session: Session, actor: Actor, flow: FlowRow) -> Role | None:
    """``actor``'s role on ``flow``, or None when they have none."""
    return flow_roles(session, actor, [flow]).get(flow.id)


def flow_roles(session: Session, actor: Actor, flows: Sequence[FlowRow]) -> dict[str, Role]:
    """``actor``'s role on each of ``flows`` that they have one on, in one query at most."""
    roles = {f.id: Role.OWNER for f in flows if f.owner_id == actor.id or actor.is_admin}
    others = [f.id for f in flows if f.id not in roles]
    if not others:
        return roles
    teams = select(TeamMemberRow.team_id).where(TeamMemberRow.user_id == actor.id)
    shared = session.exec(
        select(ShareRow.flow_id, ShareRow.role).where(
            col(ShareRow.flow_id).in_(others),
            (col(ShareRow.user_id) == actor.id) | col(ShareRow.team_id).in_(teams),
        )
    ).all()
    for flow_id, name in shared:
        role = Role(name)
        if flow_id not in roles or role.rank > roles[flow_id].rank:
            roles[flow_id] = role
    return roles


def require_flow(
    session: Session, actor: Actor | None, flow_id: str, needed: Role
) -> tuple[FlowRow, Role]:
    """The flow's row and ``actor``'s role on it, if that role allows ``needed``.

    Raises ``SignInRequired`` for nobody, ``FlowNotFound`` when the flow does not exist or the
    person has no role on it, and ``NotAllowed`` when their role is too weak.
    """
    person = signed_in(actor)
    row = session.get(FlowRow, flow_id)
    role = flow_role(session, person, row) if row is not None else None
    if row is None or role is None:
        raise FlowNotFound(flow_id)
    if not role.allows(needed):
        raise NotAllowed(_lacking(role, needed))
    return row, role


def _lacking(role: Role, needed: Role) -> str:
    if needed is Role.EDITOR:
        return (
            "this flow is shared with you to view only: duplicate it into your own flows to "
            "change it, or ask its owner to make you an editor"
        )
    return f"only the flow's owner can do that; you are one of its {role}s"

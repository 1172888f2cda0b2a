"""Who may do what with a flow: the one place that decides, for every caller.

A person's role on a flow is the strongest of: owning it, being a site admin (who may manage
every flow), a share with them, and a share with any team they belong to. Repository functions
ask ``require_flow`` before reading or writing, so the web pages, the REST API and the CLI
cannot disagree about permissions.

Someone with no role at all is told the flow does not exist, exactly as if it did not: a
stranger cannot probe which flow ids are real.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

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
    return owned_or_shared_roles(
        session, actor, {f.id: f.owner_id for f in flows}, ShareRow, col(ShareRow.flow_id)
    )


def owned_or_shared_roles(
    session: Session,
    actor: Actor,
    owners: Mapping[str, str | None],
    share: Any,
    shared_id: Any,
) -> dict[str, Role]:
    """The strongest role ``actor`` has on each thing in ``owners`` (id -> owner id).

    Owning a thing (or being a site admin) makes one its owner; otherwise the strongest share
    with them or one of their teams counts. ``share`` is a share table with ``user_id``,
    ``team_id`` and ``role`` columns, and ``shared_id`` its column naming the shared thing.
    Flows and datasets are shared by the same rules through this one function.
    """
    roles = {
        thing: Role.OWNER for thing, owner in owners.items() if owner == actor.id or actor.is_admin
    }
    others = [thing for thing in owners if thing not in roles]
    if not others:
        return roles
    teams = select(TeamMemberRow.team_id).where(TeamMemberRow.user_id == actor.id)
    shared = session.exec(
        select(shared_id, share.role).where(
            shared_id.in_(others),
            (col(share.user_id) == actor.id) | col(share.team_id).in_(teams),
        )
    ).all()
    for thing, name in shared:
        role = Role(name)
        if thing not in roles or role.rank > roles[thing].rank:
            roles[thing] = role
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


def flows_named(flows: Sequence[str], hidden: int) -> str:
    """The flows that use something, as a deletion's question names them: up to five by name
    (those the person may see), then how many others they may not see."""
    shown = ", ".join(repr(f) for f in flows[:5]) + (" and others" if len(flows) > 5 else "")
    parts = [shown] if flows else []
    if hidden:
        parts.append(f"{hidden} flow{'s' if hidden != 1 else ''} not shared with you")
    return " and ".join(parts)

"""Flows: create, list (mine, shared with me, a team's), open, rename, copy, delete.

Every function takes the engine and the acting person first, checks what they may do through
``access.require_flow``, opens its own short transaction and returns plain frozen values, never
live ORM rows, so callers (the web app's event handlers, the REST API, the CLI) can keep results
as long as they like and share them across threads.

A flow's document changes only by saving a version (``versions.py``): creating a flow saves
version 1, renaming saves a new version, so its history is complete.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine, delete, update
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from designer.flow.document import Flow
from designer.runs.record import Status
from designer.store.access import (
    Actor,
    FlowNotFound,
    Role,
    flow_roles,
    require_flow,
    signed_in,
)
from designer.store.audit import record
from designer.store.db import StoreError, session_scope
from designer.store.tables import (
    DraftRow,
    FlowRow,
    FlowVersionRow,
    ShareRow,
    TeamMemberRow,
    TeamRow,
    UserRow,
)

#: The longest flow name, as the flow document allows.
MAX_NAME_LENGTH = 200
DEFAULT_NAME = "Untitled flow"
#: Unicode categories a name may not contain: control characters (tabs, newlines, NUL, which
#: PostgreSQL cannot even store), lone surrogates (not text), line and paragraph separators.
PLAIN_LINE = ("Cc", "Cs", "Zl", "Zp")
#: Which flows a list shows: the person's own, those shared with them, or one team's.
Scope = Literal["mine", "shared"] | str


class InvalidFlowName(StoreError, ValueError):
    """A name that cannot name a flow; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class FlowSummary:
    """One line of a flow list."""

    id: str
    name: str
    description: str
    updated_at: datetime
    #: Number of the latest version.
    version: int
    node_count: int
    last_run_status: Status | None
    last_run_at: datetime | None
    #: The owner's display name ("" for a flow from before accounts).
    owner: str
    #: The viewing person's role on it.
    role: Role


@dataclass(frozen=True)
class StoredFlow:
    """A flow as one person opens it: their draft if they have one, else the latest version."""

    id: str
    flow: Flow
    #: Number of the latest version.
    version: int
    #: The version ``flow`` started from: the draft's base, or ``version`` with no draft.
    base_version: int
    updated_at: datetime
    created_at: datetime
    #: Whether ``flow`` is exactly the latest version (no unsaved edits).
    saved: bool
    role: Role
    owner: str


def is_plain_line(text: str, forbidden: tuple[str, ...] = PLAIN_LINE) -> bool:
    """Whether ``text`` is one line of plain text (no control characters, NUL included)."""
    return not any(unicodedata.category(char) in forbidden for char in text)


def check_flow_name(name: str) -> str:
    """Return ``name`` if it can name a flow; otherwise raise ``InvalidFlowName`` saying why."""
    return check_name(name, "flow", InvalidFlowName)


def check_name(
    name: str,
    thing: str,
    error: type[StoreError],
    *,
    forbidden: tuple[str, ...] = PLAIN_LINE,
    chars: str = "a line break or control character",
) -> str:
    """``name`` if it can name a ``thing`` (a flow, a dataset); else ``error`` saying why.

    ``forbidden`` lists the Unicode categories a name may not hold, which ``chars`` describes.
    """
    if not name.strip():
        raise error(f"a {thing} needs a name: this one is blank")
    if len(name) > MAX_NAME_LENGTH:
        raise error(
            f"a {thing} name can be at most {MAX_NAME_LENGTH} characters: this one has {len(name)}"
        )
    for char in name:
        if not is_plain_line(char, forbidden):
            raise error(
                f"a {thing} name is one line of plain text: {char!r} ({chars}) cannot be part of it"
            )
    return name


def create_flow(engine: Engine, actor: Actor | None, flow: Flow, message: str = "") -> StoredFlow:
    """A new flow owned by ``actor``, with ``flow`` saved as its version 1."""
    owner = signed_in(actor)
    check_flow_name(flow.name)
    now = _now()
    document = flow.to_json()
    row = FlowRow(
        id=uuid.uuid4().hex,
        owner_id=owner.id,
        document=document,
        created_at=now,
        updated_at=now,
        version=1,
        **document_columns(flow),
    )
    with session_scope(engine) as session:
        session.add(row)
        session.flush()
        session.add(
            FlowVersionRow(
                flow_id=row.id,
                number=1,
                document=document,
                node_count=len(flow.nodes),
                created_at=now,
                author_id=owner.id,
                message=message or "Created",
            )
        )
    return StoredFlow(
        id=row.id,
        flow=Flow.model_validate_json(document),
        version=1,
        base_version=1,
        updated_at=now,
        created_at=now,
        saved=True,
        role=Role.OWNER,
        owner=owner.display_name,
    )


def unique_name(engine: Engine, actor: Actor | None, base: str = DEFAULT_NAME) -> str:
    """``base`` if none of the person's flows has that name, else "``base`` 2", "``base`` 3"..."""
    owner = signed_in(actor)
    check_flow_name(base)
    with session_scope(engine) as session:
        names = set(
            session.exec(
                select(FlowRow.name).where(
                    FlowRow.owner_id == owner.id,
                    (col(FlowRow.name) == base)
                    | col(FlowRow.name).startswith(f"{base} ", autoescape=True),
                )
            ).all()
        )
    if base not in names:
        return base
    number = 2
    while _numbered(base, number) in names:
        number += 1
    return _numbered(base, number)


def list_flows(engine: Engine, actor: Actor | None, scope: Scope = "mine") -> list[FlowSummary]:
    """Flows in ``scope``, most recently changed first, without loading their documents.

    ``scope`` is "mine" (owned by the person), "shared" (shared with them or a team of theirs,
    owned by someone else) or a team id (flows shared with that team; members only).
    """
    person = signed_in(actor)
    my_teams = select(TeamMemberRow.team_id).where(TeamMemberRow.user_id == person.id)
    if scope == "mine":
        where: Any = col(FlowRow.owner_id) == person.id
    elif scope == "shared":
        shared = select(ShareRow.flow_id).where(
            (col(ShareRow.user_id) == person.id) | col(ShareRow.team_id).in_(my_teams)
        )
        where = col(FlowRow.id).in_(shared) & (col(FlowRow.owner_id) != person.id)
    else:
        from designer.store.teams import TeamNotFound  # teams.py imports this module

        with session_scope(engine) as session:
            team = session.get(TeamRow, scope) if is_plain_line(scope) else None
            member = session.get(TeamMemberRow, (scope, person.id)) if team else None
        if team is None or (member is None and not person.is_admin):
            raise TeamNotFound(scope)
        where = col(FlowRow.id).in_(select(ShareRow.flow_id).where(ShareRow.team_id == scope))
    statement = (
        select(FlowRow, UserRow.display_name)
        .join(UserRow, col(UserRow.id) == col(FlowRow.owner_id), isouter=True)
        .where(where)
        .options(defer(FlowRow.document))  # type: ignore[arg-type]
        .order_by(col(FlowRow.updated_at).desc(), col(FlowRow.id))
    )
    with session_scope(engine) as session:
        rows = session.exec(statement).all()
        roles = flow_roles(session, person, [row for row, _ in rows])
        return [_summary(row, owner or "", roles.get(row.id, Role.VIEWER)) for row, owner in rows]


def get_flow(engine: Engine, actor: Actor | None, flow_id: str) -> StoredFlow:
    """The flow as ``actor`` opens it: their own draft when they have one."""
    with session_scope(engine) as session:
        row, role = require_flow(session, actor, flow_id, Role.VIEWER)
        assert actor is not None
        draft = session.get(DraftRow, (flow_id, actor.id)) if role.allows(Role.EDITOR) else None
        document = draft.document if draft is not None else row.document
        return StoredFlow(
            id=row.id,
            flow=Flow.model_validate_json(document),
            version=row.version,
            base_version=draft.base_version if draft is not None else row.version,
            updated_at=draft.updated_at if draft is not None else row.updated_at,
            created_at=row.created_at,
            saved=draft is None,
            role=role,
            owner=_owner_name(session, row),
        )


def duplicate_flow(
    engine: Engine, actor: Actor | None, flow_id: str, name: str | None = None
) -> StoredFlow:
    """A new flow of ``actor``'s with a copy of what they see of this one (not its history).

    Anyone who may view a flow may duplicate it: that is how a viewer makes a copy to change.
    Named ``name``, or "<name> (copy)" by default (the original name shortened if needed).
    """
    source = get_flow(engine, actor, flow_id).flow
    if name is None:
        suffix = " (copy)"
        name = source.name[: MAX_NAME_LENGTH - len(suffix)] + suffix
    copy = source.model_copy(update={"name": check_flow_name(name)})
    return create_flow(engine, actor, copy, message=f"Copied from {source.name}")


def delete_flow(engine: Engine, actor: Actor | None, flow_id: str) -> None:
    """Delete the flow with its versions, drafts, shares and runs (the database cascades)."""
    with session_scope(engine) as session:
        row, _ = require_flow(session, actor, flow_id, Role.OWNER)
        session.exec(delete(FlowRow).where(col(FlowRow.id) == flow_id))
        record(
            session,
            actor,
            "deleted",
            "flow",
            row.id,
            row.name,
            owner_id=row.owner_id,
            flow_id=row.id,
            detail={"versions": row.version},
        )


def document_columns(flow: Flow) -> dict[str, Any]:
    """The flow row's columns that repeat what the document says."""
    return {
        "name": flow.name,
        "description": flow.description.replace("\x00", ""),  # PostgreSQL text refuses NUL
        "node_count": len(flow.nodes),
    }


def lock_flow(session: Session, flow_id: str, now: datetime) -> None:
    """Take the flow row's write lock before reading anything to decide a write.

    Two saves of one flow at once then queue up instead of both picking the same version
    number: the row lock on PostgreSQL, the database write lock on SQLite.
    """
    result = session.exec(update(FlowRow).where(col(FlowRow.id) == flow_id).values(updated_at=now))
    if result.rowcount == 0:
        raise FlowNotFound(flow_id)


def _owner_name(session: Session, row: FlowRow) -> str:
    if row.owner_id is None:
        return ""
    owner = session.get(UserRow, row.owner_id)
    return owner.display_name if owner is not None else ""


def _summary(row: FlowRow, owner: str, role: Role) -> FlowSummary:
    return FlowSummary(
        id=row.id,
        name=row.name,
        description=row.description,
        updated_at=row.updated_at,
        version=row.version,
        node_count=row.node_count,
        last_run_status=Status(row.last_run_status) if row.last_run_status else None,
        last_run_at=row.last_run_at,
        owner=owner,
        role=role,
    )


def _numbered(base: str, number: int) -> str:
    suffix = f" {number}"
    return base[: MAX_NAME_LENGTH - len(suffix)] + suffix


def _now() -> datetime:
    return datetime.now(UTC)

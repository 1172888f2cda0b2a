"""The audit log: who signed in, shared, unshared, deleted, restored, published, ran or
cancelled what, and when.

The store functions that make a change call ``record`` inside their own session, so the event
is written in the same transaction as the change (a change rolled back leaves no event), and the
web pages, the REST API and the command line all leave the same trail. Events are only ever
added; each copies the names it shows, so it still reads right after the person or the thing is
gone. Nothing secret goes in: no password, token or key, which ``record`` refuses by name.

Who may read it is decided here, in the query: a site admin reads every event; anyone else the
events on things they own (their flows, datasets, blocks, models) and on their own account (its
sign-ins, and sign-ins refused under its name).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select

from designer.store.access import Actor, signed_in
from designer.store.db import StoreError, session_scope
from designer.store.tables import AuditEventRow, FlowRow

#: What can happen, in the words the filters and the page use.
ACTIONS = (
    "signed_in",
    "sign_in_refused",
    "shared",
    "unshared",
    "deleted",
    "restored",
    "published",
    "run_started",
    "run_cancelled",
)
#: The kinds of thing an event is about ("user": a person's account).
KINDS = ("flow", "dataset", "block", "model", "run", "user")
#: The most events one page lists.
MAX_PAGE = 500
DEFAULT_PAGE = 50
#: Words a detail key must not contain: a secret never belongs in the log.
_SECRET_WORDS = ("password", "token", "secret", "key", "hash")
#: The longest detail kept, as JSON.
_MAX_DETAIL_CHARS = 2000


class InvalidAuditFilter(StoreError, ValueError):
    """A filter the log cannot apply; the message says what it takes."""


@dataclass(frozen=True)
class AuditEvent:
    """One line of the log."""

    id: int
    at: datetime
    #: Who acted; None for the command line's operator, the designer itself, or nobody signed in.
    actor_id: str | None
    actor_name: str
    action: str
    object_kind: str
    object_id: str
    object_name: str
    owner_id: str | None
    flow_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditFilter:
    """Which events to list; an empty field matches every event."""

    #: The acting person's user name.
    person: str = ""
    action: str = ""
    object_kind: str = ""
    object_id: str = ""
    #: From this time (included) ...
    since: datetime | None = None
    #: ... to this time (left out).
    until: datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    """Events newest first, from ``offset``; ``more`` says whether older ones follow."""

    events: list[AuditEvent]
    offset: int
    limit: int
    more: bool


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    kind: str,
    object_id: str,
    name: str = "",
    *,
    owner_id: str | None = None,
    flow_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an event to ``session`` (the caller's transaction, so it commits with the change).

    A wrong action, kind or a detail key that names a secret is a programming error and raises
    ``ValueError``: the log must never say something it cannot be filtered by, or hold a secret.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; expected one of {ACTIONS}")
    if kind not in KINDS:
        raise ValueError(f"unknown audit object kind {kind!r}; expected one of {KINDS}")
    session.add(
        AuditEventRow(
            at=datetime.now(UTC),
            actor_id=actor.id if actor is not None else None,
            actor_name=actor.username if actor is not None else "",
            action=action,
            object_kind=kind,
            object_id=object_id[:200],
            object_name=name[:200],
            owner_id=owner_id,
            flow_id=flow_id,
            detail=_detail_json(detail or {}),
        )
    )


def record_event(
    engine: Engine,
    actor: Actor | None,
    action: str,
    kind: str,
    object_id: str,
    name: str = "",
    *,
    owner_id: str | None = None,
    flow_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """``record`` in a transaction of its own, for a caller that changes nothing in the
    database itself (a refused sign-in, a model registered in the model folder)."""
    with session_scope(engine) as session:
        record(
            session,
            actor,
            action,
            kind,
            object_id,
            name,
            owner_id=owner_id,
            flow_id=flow_id,
            detail=detail,
        )


def list_events(
    engine: Engine,
    actor: Actor | None,
    filters: AuditFilter | None = None,
    *,
    offset: int = 0,
    limit: int = DEFAULT_PAGE,
) -> AuditPage:
    """The events ``actor`` may read that match ``filters``, newest first, one page of them."""
    person = signed_in(actor)
    wanted = filters or AuditFilter()
    conditions = _conditions(wanted)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidAuditFilter(f"a page lists 1 to {MAX_PAGE} events, not {limit}")
    if offset < 0:
        raise InvalidAuditFilter(f"a page starts at event 0 or later, not {offset}")
    with session_scope(engine) as session:
        query = select(AuditEventRow).where(*conditions)
        if not person.is_admin:
            query = query.where(_readable_by(person))
        rows = session.exec(
            query.order_by(col(AuditEventRow.at).desc(), col(AuditEventRow.id).desc())
            .offset(offset)
            .limit(limit + 1)
        ).all()
    events = [_event(row) for row in rows[:limit]]
    return AuditPage(events=events, offset=offset, limit=limit, more=len(rows) > limit)


def check_filter(filters: AuditFilter) -> AuditFilter:
    """``filters`` if the log can apply them; ``InvalidAuditFilter`` saying why otherwise."""
    _conditions(filters)
    return filters


# -- helpers ---------------------------------------------------------------------------------


def _readable_by(person: Actor) -> Any:
    """Events on what ``person`` owns: what they owned when it happened, and anything on the
    flows they own now (an admin may have handed them a flow since)."""
    their_flows = select(FlowRow.id).where(FlowRow.owner_id == person.id)
    return or_(
        col(AuditEventRow.owner_id) == person.id,
        col(AuditEventRow.flow_id).in_(their_flows),
    )


def _conditions(wanted: AuditFilter) -> list[Any]:
    found: list[Any] = []
    if wanted.person:
        name = wanted.person.strip().lower()
        if len(name) > 64:
            raise InvalidAuditFilter("a user name has at most 64 characters")
        found.append(col(AuditEventRow.actor_name) == name)
    if wanted.action:
        if wanted.action not in ACTIONS:
            raise InvalidAuditFilter(
                f"no action {wanted.action!r} in the log; choose one of {', '.join(ACTIONS)}"
            )
        found.append(col(AuditEventRow.action) == wanted.action)
    if wanted.object_kind:
        if wanted.object_kind not in KINDS:
            raise InvalidAuditFilter(
                f"no kind of thing {wanted.object_kind!r} in the log; choose one of "
                f"{', '.join(KINDS)}"
            )
        found.append(col(AuditEventRow.object_kind) == wanted.object_kind)
    if wanted.object_id:
        if len(wanted.object_id) > 200:
            raise InvalidAuditFilter("an object id has at most 200 characters")
        found.append(col(AuditEventRow.object_id) == wanted.object_id)
    for bound in (wanted.since, wanted.until):
        if bound is not None and bound.tzinfo is None:
            raise InvalidAuditFilter("give times with their time zone (2026-12-01T00:00:00Z)")
    if wanted.since is not None and wanted.until is not None and wanted.since >= wanted.until:
        raise InvalidAuditFilter("the start of the time range must come before its end")
    if wanted.since is not None:
        found.append(col(AuditEventRow.at) >= wanted.since)
    if wanted.until is not None:
        found.append(col(AuditEventRow.at) < wanted.until)
    return found


def _detail_json(detail: dict[str, Any]) -> str:
    for key in detail:
        if any(word in key.lower() for word in _SECRET_WORDS):
            raise ValueError(f"the audit log keeps no secrets; detail key {key!r} looks like one")
    text = json.dumps(detail, default=str, sort_keys=True)
    if len(text) > _MAX_DETAIL_CHARS:
        raise ValueError(f"an audit event's detail is at most {_MAX_DETAIL_CHARS} characters")
    return text


def _event(row: AuditEventRow) -> AuditEvent:
    assert row.id is not None
    try:
        detail = json.loads(row.detail)
    except ValueError:
        detail = {}
    return AuditEvent(
        id=row.id,
        at=row.at,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        action=row.action,
        object_kind=row.object_kind,
        object_id=row.object_id,
        object_name=row.object_name,
        owner_id=row.owner_id,
        flow_id=row.flow_id,
        detail=detail if isinstance(detail, dict) else {},
    )

"""Flows and their versions: create, list, autosave, save a version, rename, copy, delete.

Every function takes the engine first, opens its own short transaction and returns plain frozen
values, never live ORM rows, so callers (the web app's event handlers, the CLI) can keep results
as long as they like and share them across threads.

Writes that depend on what is stored start by updating the flow's row: that takes the row's
write lock (PostgreSQL) or the database's (SQLite) before anything is read, so two saves of the
same flow at once queue up instead of both picking the same version number.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col, select

from designer.flow.document import Flow
from designer.runs.record import Status
from designer.store.db import StoreError, session_scope
from designer.store.tables import FlowRow, FlowVersionRow

#: The longest flow name, as the flow document allows.
MAX_NAME_LENGTH = 200
DEFAULT_NAME = "Untitled flow"
#: Unicode categories a name may not contain: control characters (tabs, newlines, NUL, which
#: PostgreSQL cannot even store), lone surrogates (not text), line and paragraph separators.
_NOT_IN_NAMES = ("Cc", "Cs", "Zl", "Zp")


class InvalidFlowName(StoreError, ValueError):
    """A name that cannot name a flow; the message says why, for the person who typed it."""


class FlowNotFound(StoreError, LookupError):
    def __init__(self, flow_id: str) -> None:
        super().__init__(f"no flow with id {flow_id!r}: it may have been deleted")
        self.flow_id = flow_id


class VersionNotFound(StoreError, LookupError):
    def __init__(self, flow_id: str, number: int) -> None:
        super().__init__(f"flow {flow_id!r} has no saved version {number}")
        self.flow_id = flow_id
        self.number = number


@dataclass(frozen=True)
class FlowSummary:
    """One line of the flow list."""

    id: str
    name: str
    description: str
    updated_at: datetime
    #: Number of the latest saved version; 0 when never saved.
    version: int
    node_count: int
    last_run_status: Status | None
    last_run_at: datetime | None


@dataclass(frozen=True)
class StoredFlow:
    """A flow as stored: its current document (the draft) and where it stands."""

    id: str
    flow: Flow
    version: int
    updated_at: datetime
    created_at: datetime
    #: Whether the draft is the same document as the latest saved version.
    saved: bool


class VersionSummary(NamedTuple):
    number: int
    created_at: datetime
    note: str
    node_count: int


def check_flow_name(name: str) -> str:
    """Return ``name`` if it can name a flow; otherwise raise ``InvalidFlowName`` saying why.

    ``InvalidFlowName`` is both a ``ValueError`` (bad input) and a ``StoreError``, so callers
    that show store errors to the person show this one too.
    """
    if not name.strip():
        raise InvalidFlowName("a flow needs a name: this one is blank")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidFlowName(
            f"a flow name can be at most {MAX_NAME_LENGTH} characters: this one has {len(name)}"
        )
    for char in name:
        if unicodedata.category(char) in _NOT_IN_NAMES:
            raise InvalidFlowName(
                f"a flow name is one line of plain text: {char!r} (a line break or control "
                "character) cannot be part of it"
            )
    return name


def create_flow(engine: Engine, flow: Flow) -> StoredFlow:
    """Store a new flow with ``flow`` as its draft; it has no saved version yet."""
    check_flow_name(flow.name)
    now = _now()
    document = flow.to_json()
    row = FlowRow(
        id=uuid.uuid4().hex,
        document=document,
        created_at=now,
        updated_at=now,
        version=0,
        **_document_columns(flow),
    )
    with session_scope(engine) as session:
        session.add(row)
    return StoredFlow(
        id=row.id,
        flow=Flow.model_validate_json(document),
        version=0,
        updated_at=now,
        created_at=now,
        saved=False,
    )


def unique_name(engine: Engine, base: str = DEFAULT_NAME) -> str:
    """``base`` if no flow has that name, else the first free "``base`` 2", "``base`` 3"..."""
    check_flow_name(base)
    with session_scope(engine) as session:
        names = set(
            session.exec(
                select(FlowRow.name).where(
                    (col(FlowRow.name) == base)
                    | col(FlowRow.name).startswith(f"{base} ", autoescape=True)
                )
            ).all()
        )
    if base not in names:
        return base
    number = 2
    while _numbered(base, number) in names:
        number += 1
    return _numbered(base, number)


def list_flows(engine: Engine) -> list[FlowSummary]:
    """Every flow, most recently changed first, without loading their documents."""
    statement = select(
        FlowRow.id,
        FlowRow.name,
        FlowRow.description,
        FlowRow.updated_at,
        FlowRow.version,
        FlowRow.node_count,
        FlowRow.last_run_status,
        FlowRow.last_run_at,
    ).order_by(col(FlowRow.updated_at).desc(), col(FlowRow.id))
    with session_scope(engine) as session:
        rows = session.exec(statement).all()
    return [
        FlowSummary(
            id=flow_id,
            name=name,
            description=description,
            updated_at=updated_at,
            version=version,
            node_count=node_count,
            last_run_status=Status(status) if status else None,
            last_run_at=last_run_at,
        )
        for flow_id, name, description, updated_at, version, node_count, status, last_run_at in rows
    ]


def get_flow(engine: Engine, flow_id: str) -> StoredFlow:
    with session_scope(engine) as session:
        row = _flow_row(session, flow_id)
        latest = _version_document(session, flow_id, row.version) if row.version else None
        return StoredFlow(
            id=row.id,
            flow=Flow.model_validate_json(row.document),
            version=row.version,
            updated_at=row.updated_at,
            created_at=row.created_at,
            saved=latest is not None and _same_document(row.document, latest),
        )


def save_draft(engine: Engine, flow_id: str, flow: Flow) -> datetime:
    """Autosave: make ``flow`` the flow's current document. Returns the new ``updated_at``."""
    check_flow_name(flow.name)
    now = _now()
    with session_scope(engine) as session:
        _write_draft(session, flow_id, flow, now)
    return now


def save_version(engine: Engine, flow_id: str, flow: Flow, note: str = "") -> int:
    """Save ``flow`` as the draft and as a new version; returns the version's number.

    Saving a document identical to the latest version (same content, whatever the key order)
    creates nothing and returns that version's number, so pressing Save twice is harmless.
    """
    check_flow_name(flow.name)
    now = _now()
    document = flow.to_json()
    with session_scope(engine) as session:
        _write_draft(session, flow_id, flow, now, document)  # locks the flow first
        latest = session.exec(
            select(FlowVersionRow.number, FlowVersionRow.document)
            .where(FlowVersionRow.flow_id == flow_id)
            .order_by(col(FlowVersionRow.number).desc())
            .limit(1)
        ).first()
        if latest is not None and _same_document(latest[1], document):
            return latest[0]
        number = latest[0] + 1 if latest is not None else 1
        session.add(
            FlowVersionRow(
                flow_id=flow_id,
                number=number,
                document=document,
                node_count=len(flow.nodes),
                created_at=now,
                note=note,
            )
        )
        session.exec(update(FlowRow).where(col(FlowRow.id) == flow_id).values(version=number))
        return number


def list_versions(engine: Engine, flow_id: str) -> list[VersionSummary]:
    """The flow's saved versions, newest first."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(
                FlowVersionRow.number,
                FlowVersionRow.created_at,
                FlowVersionRow.note,
                FlowVersionRow.node_count,
            )
            .where(FlowVersionRow.flow_id == flow_id)
            .order_by(col(FlowVersionRow.number).desc())
        ).all()
        if not rows:
            _flow_row(session, flow_id)  # no versions, or no such flow?
    return [VersionSummary(*row) for row in rows]


def get_version(engine: Engine, flow_id: str, number: int) -> Flow:
    with session_scope(engine) as session:
        document = _version_document(session, flow_id, number)
        if document is None:
            _flow_row(session, flow_id)
            raise VersionNotFound(flow_id, number)
    return Flow.model_validate_json(document)


def rename_flow(engine: Engine, flow_id: str, name: str) -> None:
    """Rename the flow, in its list entry and in its document alike."""
    check_flow_name(name)
    now = _now()
    with session_scope(engine) as session:
        # Update first, so the document read below cannot be replaced by a concurrent autosave.
        _update_flow(session, flow_id, name=name, updated_at=now)
        document = session.exec(select(FlowRow.document).where(FlowRow.id == flow_id)).one()
        renamed = Flow.model_validate_json(document).model_copy(update={"name": name})
        _update_flow(session, flow_id, document=renamed.to_json())


def duplicate_flow(engine: Engine, flow_id: str, name: str | None = None) -> StoredFlow:
    """A new flow with a copy of this one's current document (not its versions or runs).

    Named ``name``, or "<name> (copy)" by default (the original name shortened if needed).
    """
    with session_scope(engine) as session:
        document = _flow_row(session, flow_id).document
    source = Flow.model_validate_json(document)
    if name is None:
        suffix = " (copy)"
        name = source.name[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return create_flow(engine, source.model_copy(update={"name": check_flow_name(name)}))


def delete_flow(engine: Engine, flow_id: str) -> None:
    """Delete the flow with its versions and runs (the database cascades)."""
    with session_scope(engine) as session:
        result = session.exec(delete(FlowRow).where(col(FlowRow.id) == flow_id))
        if result.rowcount == 0:
            raise FlowNotFound(flow_id)


def _flow_row(session: Session, flow_id: str) -> FlowRow:
    row = session.get(FlowRow, flow_id)
    if row is None:
        raise FlowNotFound(flow_id)
    return row


def _version_document(session: Session, flow_id: str, number: int) -> str | None:
    return session.exec(
        select(FlowVersionRow.document).where(
            FlowVersionRow.flow_id == flow_id, FlowVersionRow.number == number
        )
    ).first()


def _write_draft(
    session: Session, flow_id: str, flow: Flow, now: datetime, document: str | None = None
) -> None:
    _update_flow(
        session,
        flow_id,
        document=document if document is not None else flow.to_json(),
        updated_at=now,
        **_document_columns(flow),
    )


def _update_flow(session: Session, flow_id: str, **values: Any) -> None:
    result = session.exec(update(FlowRow).where(col(FlowRow.id) == flow_id).values(**values))
    if result.rowcount == 0:
        raise FlowNotFound(flow_id)


def _document_columns(flow: Flow) -> dict[str, Any]:
    """The flow row's columns that repeat what the document says."""
    return {
        "name": flow.name,
        "description": flow.description.replace("\x00", ""),  # PostgreSQL text refuses NUL
        "node_count": len(flow.nodes),
    }


def _same_document(stored: str, other: str) -> bool:
    """Whether two stored documents say the same thing (key order and spacing aside)."""
    return stored == other or _canonical(stored) == _canonical(other)


def _canonical(document: str) -> str:
    data = Flow.model_validate_json(document).model_dump(mode="json", exclude_none=True)
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _numbered(base: str, number: int) -> str:
    suffix = f" {number}"
    return base[: MAX_NAME_LENGTH - len(suffix)] + suffix


def _now() -> datetime:
    return datetime.now(UTC)

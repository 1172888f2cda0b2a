"""A flow's history: personal drafts, saving versions safely, listing, restoring, comparing.

Each person's unsaved edits are autosaved to their own draft, remembering which version they
started from. Saving checks that version is still the latest (optimistic concurrency): if a
teammate saved in between, the save is refused with ``VersionConflict`` and nothing is written,
so the person can reload or save a copy, and neither side's work is lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from designer.flow.diff import FlowDiff, diff_flows
from designer.flow.document import Flow
from designer.store.access import Actor, Role, require_flow
from designer.store.audit import record
from designer.store.db import StoreError, session_scope
from designer.store.flows import check_flow_name, document_columns, lock_flow
from designer.store.tables import DraftRow, FlowRow, FlowVersionRow, UserRow


class VersionNotFound(StoreError, LookupError):
    def __init__(self, flow_id: str, number: int) -> None:
        super().__init__(f"flow {flow_id!r} has no saved version {number}")
        self.flow_id = flow_id
        self.number = number


class VersionConflict(StoreError):
    """Someone saved a newer version since the person's edits began; nothing was saved."""

    def __init__(self, base_version: int, latest: VersionSummary) -> None:
        who = latest.author or "someone"
        super().__init__(
            f"{who} saved version {latest.number} while you were editing version "
            f"{base_version}: reload to see their changes, or save yours as a copy"
        )
        self.base_version = base_version
        self.latest = latest


@dataclass(frozen=True)
class VersionSummary:
    number: int
    created_at: datetime
    message: str
    node_count: int
    #: Display name of who saved it ("" for versions from before accounts).
    author: str


@dataclass(frozen=True)
class SavedVersion:
    number: int
    #: False when the document was already the latest version (nothing new was saved).
    created: bool


def save_draft(
    engine: Engine, actor: Actor | None, flow_id: str, flow: Flow, base_version: int
) -> datetime:
    """Autosave ``actor``'s edits of the flow, started from ``base_version``. Returns the time."""
    check_flow_name(flow.name)
    now = _now()
    with session_scope(engine) as session:
        require_flow(session, actor, flow_id, Role.EDITOR)
        assert actor is not None
        # One statement inserts or replaces: two tabs of one person autosaving the first edit
        # at once must not both try to insert the draft.
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        statement = insert(DraftRow).values(
            flow_id=flow_id,
            user_id=actor.id,
            base_version=base_version,
            document=flow.to_json(),
            updated_at=now,
        )
        session.exec(
            statement.on_conflict_do_update(
                index_elements=[DraftRow.flow_id, DraftRow.user_id],
                set_={
                    key: statement.excluded[key]
                    for key in ("base_version", "document", "updated_at")
                },
            )
        )
    return now


def discard_draft(engine: Engine, actor: Actor | None, flow_id: str) -> None:
    """Drop ``actor``'s unsaved edits of the flow (after reloading the latest version)."""
    with session_scope(engine) as session:
        require_flow(session, actor, flow_id, Role.VIEWER)
        assert actor is not None
        _drop_draft(session, flow_id, actor.id)


def save_version(
    engine: Engine,
    actor: Actor | None,
    flow_id: str,
    flow: Flow,
    *,
    base_version: int,
    message: str = "",
) -> SavedVersion:
    """Save ``flow`` as the flow's next version, if ``base_version`` is still the latest.

    Raises ``VersionConflict`` (saving nothing) when someone saved a newer version meanwhile.
    Saving a document identical to the latest version creates nothing, so pressing Save twice
    is harmless. Either way the person's draft is done with and removed.
    """
    check_flow_name(flow.name)
    now = _now()
    document = flow.to_json()
    with session_scope(engine) as session:
        row, actor = _locked_for_editing(session, actor, flow_id, now)
        if row.version != base_version:
            raise VersionConflict(base_version, _summaries(session, flow_id, limit=1)[0])
        _drop_draft(session, flow_id, actor.id)
        if same_document(row.document, document):
            return SavedVersion(number=row.version, created=False)
        number = row.version + 1
        _add_version(session, row, flow, document, number, actor, message, now)
        return SavedVersion(number=number, created=True)


def restore_version(engine: Engine, actor: Actor | None, flow_id: str, number: int) -> int:
    """Save version ``number``'s document again as the newest version; returns its number.

    Nothing is rewritten: the versions in between stay in the history.
    """
    now = _now()
    with session_scope(engine) as session:
        row, actor = _locked_for_editing(session, actor, flow_id, now)
        document = version_document(session, flow_id, number)
        restored = Flow.model_validate_json(document)
        _drop_draft(session, flow_id, actor.id)
        latest = row.version + 1
        message = f"Restored version {number}"
        _add_version(session, row, restored, document, latest, actor, message, now)
        record(
            session,
            actor,
            "restored",
            "flow",
            row.id,
            row.name,
            owner_id=row.owner_id,
            flow_id=row.id,
            detail={"version": number, "as_version": latest},
        )
        return latest


def rename_flow(engine: Engine, actor: Actor | None, flow_id: str, name: str) -> int:
    """Rename the flow by saving a version with the new name; returns its number.

    The person's own draft is renamed too, so saving it later does not undo the rename.
    """
    check_flow_name(name)
    now = _now()
    with session_scope(engine) as session:
        row, actor = _locked_for_editing(session, actor, flow_id, now)
        renamed = Flow.model_validate_json(row.document).model_copy(update={"name": name})
        number = row.version + 1
        message = f"Renamed to {name}"
        _add_version(session, row, renamed, renamed.to_json(), number, actor, message, now)
        draft = session.get(DraftRow, (flow_id, actor.id))
        if draft is not None:
            mine = Flow.model_validate_json(draft.document).model_copy(update={"name": name})
            draft.document = mine.to_json()
            if draft.base_version == number - 1:
                draft.base_version = number
        return number


def list_versions(engine: Engine, actor: Actor | None, flow_id: str) -> list[VersionSummary]:
    """The flow's versions, newest first."""
    with session_scope(engine) as session:
        require_flow(session, actor, flow_id, Role.VIEWER)
        return _summaries(session, flow_id)


def get_version(engine: Engine, actor: Actor | None, flow_id: str, number: int) -> Flow:
    with session_scope(engine) as session:
        require_flow(session, actor, flow_id, Role.VIEWER)
        return Flow.model_validate_json(version_document(session, flow_id, number))


def compare_versions(
    engine: Engine, actor: Actor | None, flow_id: str, old: int, new: int
) -> FlowDiff:
    """What changed from version ``old`` to version ``new`` of the flow."""
    with session_scope(engine) as session:
        require_flow(session, actor, flow_id, Role.VIEWER)
        before = Flow.model_validate_json(version_document(session, flow_id, old))
        after = Flow.model_validate_json(version_document(session, flow_id, new))
    return diff_flows(before, after)


def same_document(stored: str, other: str) -> bool:
    """Whether two stored documents say the same thing (key order and spacing aside)."""
    return stored == other or _canonical(stored) == _canonical(other)


def _locked_for_editing(
    session: Session, actor: Actor | None, flow_id: str, now: datetime
) -> tuple[FlowRow, Actor]:
    """The flow's row, write-locked and re-read, once ``actor`` is known to be an editor."""
    row, _ = require_flow(session, actor, flow_id, Role.EDITOR)
    assert actor is not None  # require_flow refuses nobody
    lock_flow(session, flow_id, now)
    session.refresh(row)
    return row, actor


def _add_version(
    session: Session,
    row: FlowRow,
    flow: Flow,
    document: str,
    number: int,
    author: Actor,
    message: str,
    now: datetime,
) -> None:
    session.add(
        FlowVersionRow(
            flow_id=row.id,
            number=number,
            document=document,
            node_count=len(flow.nodes),
            created_at=now,
            author_id=author.id,
            message=message,
        )
    )
    row.document = document
    row.version = number
    row.updated_at = now
    for key, value in document_columns(flow).items():
        setattr(row, key, value)


def _summaries(session: Session, flow_id: str, limit: int | None = None) -> list[VersionSummary]:
    statement = (
        select(
            FlowVersionRow.number,
            FlowVersionRow.created_at,
            FlowVersionRow.message,
            FlowVersionRow.node_count,
            UserRow.display_name,
        )
        .join(UserRow, col(UserRow.id) == col(FlowVersionRow.author_id), isouter=True)
        .where(FlowVersionRow.flow_id == flow_id)
        .order_by(col(FlowVersionRow.number).desc())
        .limit(limit)
    )
    return [
        VersionSummary(number, created_at, message, node_count, author or "")
        for number, created_at, message, node_count, author in session.exec(statement).all()
    ]


def version_document(session: Session, flow_id: str, number: int) -> str:
    """The stored document of version ``number``; VersionNotFound when there is none."""
    document = session.exec(
        select(FlowVersionRow.document).where(
            FlowVersionRow.flow_id == flow_id, FlowVersionRow.number == number
        )
    ).first()
    if document is None:
        raise VersionNotFound(flow_id, number)
    return document


def _drop_draft(session: Session, flow_id: str, user_id: str) -> None:
    session.exec(
        delete(DraftRow).where(col(DraftRow.flow_id) == flow_id, col(DraftRow.user_id) == user_id)
    )


def _canonical(document: str) -> str:
    data = Flow.model_validate_json(document).model_dump(mode="json", exclude_none=True)
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _now() -> datetime:
    return datetime.now(UTC)

"""The dataset library's records: datasets, their versions, and who may use them.

A dataset belongs to the person who uploaded it and is shared with people and teams by the
same rules as a flow (``access.owned_or_shared_roles``): viewers see, preview and use it in
flows, editors also upload new versions, the owner shares and deletes it. A stranger is told
the dataset does not exist, exactly as for a made-up id.

Each version is immutable and identified by the SHA-256 of its bytes (adding versions is in
``dataset_versions``). The bytes themselves live in object storage; this module
only records where (``object_key``) and hands back the keys no version needs any more after
a deletion, for the caller to remove.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, Literal

from sqlalchemy import Engine, delete, func, or_
from sqlmodel import Session, col, select

from designer.store.access import (
    Actor,
    NotAllowed,
    Role,
    flow_roles,
    flows_named,
    owned_or_shared_roles,
    signed_in,
)
from designer.store.audit import record
from designer.store.db import StoreError, session_scope
from designer.store.flows import MAX_NAME_LENGTH, PLAIN_LINE, check_name, is_plain_line
from designer.store.tables import (
    DatasetRow,
    DatasetShareRow,
    DatasetVersionRow,
    DraftRow,
    FlowRow,
    TeamMemberRow,
    UserRow,
)

MAX_FILENAME_LENGTH = 255
#: Which datasets a list shows: every one the person may use, their own, or others' shared.
Scope = Literal["all", "mine", "shared"]
#: A dataset's name or file name may not hold what a flow's may not, nor invisible formatting.
_NOT_IN_NAMES = (*PLAIN_LINE, "Cf")


class DatasetNotFound(StoreError, LookupError):
    """No such dataset (or version), or none the person may see: the two look the same."""

    def __init__(self, dataset_id: str, version: int | None = None) -> None:
        what = f"dataset {dataset_id!r}" + (f" version {version}" if version else "")
        super().__init__(f"no {what}: it may have been deleted, or it is not shared with you")
        self.dataset_id = dataset_id


class InvalidDataset(StoreError, ValueError):
    """A dataset name, share or request that cannot be used; the message says why."""


class DatasetInUse(StoreError):
    """Deleting a dataset that flows read; say which (those the person may see) and confirm."""

    def __init__(self, name: str, flows: list[str], hidden: int) -> None:
        super().__init__(
            f"dataset {name!r} is used by {flows_named(flows, hidden)}; those flows will fail to "
            "run without it. Delete it anyway only if you are sure (confirm the deletion)."
        )
        self.flows = flows
        self.hidden = hidden


@dataclass(frozen=True)
class DatasetSummary:
    """One line of the dataset list."""

    id: str
    name: str
    description: str
    owner: str
    role: Role
    #: Number of the newest version, and what it holds.
    version: int
    rows: int
    columns: int
    size: int
    format: str
    updated_at: datetime
    #: True when shared with anyone (people or teams).
    shared: bool


@dataclass(frozen=True)
class DatasetVersion:
    dataset_id: str
    dataset_name: str
    number: int
    sha256: str
    size: int
    format: str
    filename: str
    rows: int
    columns: tuple[str, ...]
    object_key: str
    created_at: datetime
    author: str


@dataclass(frozen=True)
class DatasetDetail:
    summary: DatasetSummary
    #: Newest first.
    versions: list[DatasetVersion]


def check_dataset_name(name: str) -> str:
    """``name`` tidied (outer spaces trimmed, NFC), or InvalidDataset saying what is wrong."""
    return check_name(
        unicodedata.normalize("NFC", name).strip(),
        "dataset",
        InvalidDataset,
        forbidden=_NOT_IN_NAMES,
        chars="a line break, control or invisible formatting character",
    )


def display_filename(filename: str) -> str:
    """The last part of an uploaded file's name, without folders or control characters."""
    base = PureWindowsPath(PurePosixPath(filename or "").name).name
    kept = "".join(c for c in base if is_plain_line(c, _NOT_IN_NAMES)).strip()
    return kept[-MAX_FILENAME_LENGTH:] or "upload"


def name_from_filename(filename: str) -> str:
    """A dataset name for a file uploaded without one: its name without the extension."""
    base = display_filename(filename)
    stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
    return check_dataset_name(stem[:MAX_NAME_LENGTH] or "dataset")


# -- reading -------------------------------------------------------------------------------


def list_datasets(
    engine: Engine, actor: Actor | None, query: str = "", scope: Scope = "all"
) -> list[DatasetSummary]:
    """Datasets the person may use, most recently changed first; ``query`` filters by name,
    file name or column name (case-insensitive)."""
    person = signed_in(actor)
    teams = select(TeamMemberRow.team_id).where(TeamMemberRow.user_id == person.id)
    shared = select(DatasetShareRow.dataset_id).where(
        (col(DatasetShareRow.user_id) == person.id) | col(DatasetShareRow.team_id).in_(teams)
    )
    mine = col(DatasetRow.owner_id) == person.id
    where: Any = {
        "all": mine | col(DatasetRow.id).in_(shared),
        "mine": mine,
        "shared": col(DatasetRow.id).in_(shared) & ~mine,
    }.get(scope)
    if where is None:
        raise InvalidDataset(f"scope must be all, mine or shared; found {scope!r}")
    statement = select(DatasetRow, DatasetVersionRow, UserRow.display_name).join(
        DatasetVersionRow,
        (col(DatasetVersionRow.dataset_id) == col(DatasetRow.id))
        & (col(DatasetVersionRow.number) == col(DatasetRow.version)),
    )
    statement = statement.join(UserRow, col(UserRow.id) == col(DatasetRow.owner_id)).where(where)
    if query.strip():
        pattern = f"%{_escape_like(query.strip().lower())}%"
        matches = select(DatasetVersionRow.dataset_id).where(
            or_(
                func.lower(DatasetVersionRow.filename).like(pattern, escape="\\"),
                func.lower(DatasetVersionRow.columns).like(pattern, escape="\\"),
            )
        )
        statement = statement.where(
            func.lower(DatasetRow.name).like(pattern, escape="\\") | col(DatasetRow.id).in_(matches)
        )
    statement = statement.order_by(col(DatasetRow.updated_at).desc(), col(DatasetRow.id))
    with session_scope(engine) as session:
        rows = session.exec(statement).all()
        roles = _roles(session, person, [row for row, _, _ in rows])
        shared_ids = _shared_ids(session, [row.id for row, _, _ in rows])
        return [
            _summary(row, latest, owner, roles.get(row.id, Role.VIEWER), row.id in shared_ids)
            for row, latest, owner in rows
        ]


def get_dataset(engine: Engine, actor: Actor | None, dataset_id: str) -> DatasetDetail:
    """The dataset and all its versions, newest first."""
    with session_scope(engine) as session:
        row, role = require_dataset(session, actor, dataset_id, Role.VIEWER)
        versions = session.exec(
            select(DatasetVersionRow, UserRow.display_name)
            .join(UserRow, col(UserRow.id) == col(DatasetVersionRow.author_id), isouter=True)
            .where(DatasetVersionRow.dataset_id == dataset_id)
            .order_by(col(DatasetVersionRow.number).desc())
        ).all()
        owner = session.get(UserRow, row.owner_id)
        latest = versions[0][0]
        shared = bool(_shared_ids(session, [row.id]))
        summary = _summary(row, latest, owner.display_name if owner else "", role, shared)
        return DatasetDetail(
            summary, [_version(v, row.name, author or "") for v, author in versions]
        )


def get_version(
    engine: Engine, actor: Actor | None, dataset_id: str, number: int = 0
) -> tuple[DatasetVersion, dict[str, Any]]:
    """One version (``number`` 0 means the newest) and its profile."""
    with session_scope(engine) as session:
        row, _ = require_dataset(session, actor, dataset_id, Role.VIEWER)
        wanted = number or row.version
        found = session.exec(
            select(DatasetVersionRow, UserRow.display_name)
            .join(UserRow, col(UserRow.id) == col(DatasetVersionRow.author_id), isouter=True)
            .where(DatasetVersionRow.dataset_id == dataset_id, DatasetVersionRow.number == wanted)
        ).first()
        if found is None:
            raise DatasetNotFound(dataset_id, wanted)
        version, author = found
        return _version(version, row.name, author or ""), json.loads(version.profile)


# -- deleting ------------------------------------------------------------------------------


def flows_using(engine: Engine, actor: Actor | None, dataset_id: str) -> tuple[list[str], int]:
    """Names of flows (the person may see) whose latest version or a draft reads the dataset,
    and how many more such flows there are that the person may not see."""
    person = signed_in(actor)
    with session_scope(engine) as session:
        require_dataset(session, person, dataset_id, Role.VIEWER)
        return _flows_using(session, person, dataset_id)


def _flows_using(session: Session, person: Actor, dataset_id: str) -> tuple[list[str], int]:
    # Dataset ids are 32 random hex digits: finding one inside a document cannot misfire.
    pattern = f'%"{dataset_id}"%'
    drafts = select(DraftRow.flow_id).where(col(DraftRow.document).like(pattern))
    flows = session.exec(
        select(FlowRow).where(col(FlowRow.document).like(pattern) | col(FlowRow.id).in_(drafts))
    ).all()
    roles = flow_roles(session, person, flows)
    visible = sorted(f.name for f in flows if f.id in roles)
    return visible, len(flows) - len(visible)


def delete_dataset(
    engine: Engine, actor: Actor | None, dataset_id: str, *, confirm: bool = False
) -> list[str]:
    """Delete the dataset and its versions (owner only); return the object keys nothing uses
    any more, for the caller to remove from storage.

    Refused with DatasetInUse while flows read it, unless ``confirm`` is set.
    """
    person = signed_in(actor)
    with session_scope(engine) as session:
        row, _ = require_dataset(session, person, dataset_id, Role.OWNER)
        if not confirm:
            visible, hidden = _flows_using(session, person, dataset_id)
            if visible or hidden:
                raise DatasetInUse(row.name, visible, hidden)
        keys = set(
            session.exec(
                select(DatasetVersionRow.object_key).where(
                    DatasetVersionRow.dataset_id == dataset_id
                )
            ).all()
        )
        session.exec(delete(DatasetShareRow).where(col(DatasetShareRow.dataset_id) == dataset_id))
        session.exec(
            delete(DatasetVersionRow).where(col(DatasetVersionRow.dataset_id) == dataset_id)
        )
        session.delete(row)
        record(
            session,
            person,
            "deleted",
            "dataset",
            row.id,
            row.name,
            owner_id=row.owner_id,
            detail={"versions": row.version},
        )
        session.flush()
        still_used = set(
            session.exec(
                select(DatasetVersionRow.object_key).where(
                    col(DatasetVersionRow.object_key).in_(keys)
                )
            ).all()
        )
        return sorted(keys - still_used)


# -- helpers -------------------------------------------------------------------------------


def require_dataset(
    session: Session, actor: Actor | None, dataset_id: str, needed: Role
) -> tuple[DatasetRow, Role]:
    """The dataset's row and ``actor``'s role on it, if that role allows ``needed``; a
    stranger gets DatasetNotFound, as for an id that never existed."""
    person = signed_in(actor)
    row = session.get(DatasetRow, dataset_id) if _plain_id(dataset_id) else None
    role = _roles(session, person, [row]).get(row.id) if row is not None else None
    if row is None or role is None:
        raise DatasetNotFound(dataset_id)
    if not role.allows(needed):
        if needed is Role.EDITOR:
            raise NotAllowed(
                "this dataset is shared with you to use only: ask its owner to make you an "
                "editor to upload new versions"
            )
        raise NotAllowed(f"only the dataset's owner can do that; you are one of its {role}s")
    return row, role


def _roles(session: Session, person: Actor, rows: list[DatasetRow]) -> dict[str, Role]:
    return owned_or_shared_roles(
        session,
        person,
        {row.id: row.owner_id for row in rows},
        DatasetShareRow,
        col(DatasetShareRow.dataset_id),
    )


def _shared_ids(session: Session, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    return set(
        session.exec(
            select(DatasetShareRow.dataset_id).where(col(DatasetShareRow.dataset_id).in_(ids))
        ).all()
    )


def _plain_id(dataset_id: str) -> bool:
    return 0 < len(dataset_id) <= 32 and dataset_id.isascii() and dataset_id.isalnum()


def _summary(
    row: DatasetRow, latest: DatasetVersionRow, owner: str, role: Role, shared: bool
) -> DatasetSummary:
    return DatasetSummary(
        id=row.id,
        name=row.name,
        description=row.description,
        owner=owner,
        role=role,
        version=row.version,
        rows=latest.rows,
        columns=len(json.loads(latest.columns)),
        size=latest.size,
        format=latest.format,
        updated_at=row.updated_at,
        shared=shared,
    )


def _version(row: DatasetVersionRow, name: str, author: str) -> DatasetVersion:
    return DatasetVersion(
        dataset_id=row.dataset_id,
        dataset_name=name,
        number=row.number,
        sha256=row.sha256,
        size=row.size,
        format=row.format,
        filename=row.filename,
        rows=row.rows,
        columns=tuple(json.loads(row.columns)),
        object_key=row.object_key,
        created_at=row.created_at,
        author=author,
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

"""The dataset library's records: datasets, their versions, and who may use them.

A dataset belongs to the person who uploaded it and is shared with people and teams by the
same rules as a flow (``access.owned_or_shared_roles``): viewers see, preview and use it in
flows, editors also upload new versions, the owner shares and deletes it. A stranger is told
the dataset does not exist, exactly as for a made-up id.

Each version is immutable and identified by the SHA-256 of its bytes: uploading a file a
dataset already holds adds nothing. The bytes themselves live in object storage; this module
only records where (``object_key``) and hands back the keys no version needs any more after
a deletion, for the caller to remove.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, Literal

from sqlalchemy import Engine, delete, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from designer.store.access import (
    SHARE_ROLES,
    Actor,
    NotAllowed,
    Role,
    flow_roles,
    owned_or_shared_roles,
    signed_in,
)
from designer.store.accounts import user_by_name
from designer.store.db import StoreError, session_scope
from designer.store.tables import (
    DatasetRow,
    DatasetShareRow,
    DatasetVersionRow,
    DraftRow,
    FlowRow,
    TeamMemberRow,
    TeamRow,
    UserRow,
)
from designer.store.teams import TeamNotFound

MAX_NAME_LENGTH = 200
MAX_FILENAME_LENGTH = 255
#: Which datasets a list shows: every one the person may use, their own, or others' shared.
Scope = Literal["all", "mine", "shared"]
_NOT_IN_NAMES = ("Cc", "Cs", "Zl", "Zp", "Cf")


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
        shown = ", ".join(repr(f) for f in flows[:5]) + (" and others" if len(flows) > 5 else "")
        parts = [shown] if flows else []
        if hidden:
            parts.append(f"{hidden} flow{'s' if hidden != 1 else ''} not shared with you")
        super().__init__(
            f"dataset {name!r} is used by {' and '.join(parts)}; those flows will fail to run "
            "without it. Delete it anyway only if you are sure (confirm the deletion)."
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


@dataclass(frozen=True)
class AddedVersion:
    """What an upload did: the dataset and version that hold the file, and whether it is new."""

    dataset_id: str
    name: str
    number: int
    created: bool


@dataclass(frozen=True)
class NewVersion:
    """Everything recorded about an uploaded file once it is checked and stored."""

    sha256: str
    size: int
    format: str
    filename: str
    rows: int
    columns: tuple[str, ...]
    profile: dict[str, Any]
    object_key: str


@dataclass(frozen=True)
class DatasetAccess:
    kind: Literal["owner", "user", "team"]
    id: str
    name: str
    role: Role


def check_dataset_name(name: str) -> str:
    """``name`` tidied (outer spaces trimmed, NFC), or InvalidDataset saying what is wrong."""
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise InvalidDataset("a dataset needs a name: this one is blank")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidDataset(
            f"a dataset name can be at most {MAX_NAME_LENGTH} characters: this one has {len(name)}"
        )
    for char in name:
        if unicodedata.category(char) in _NOT_IN_NAMES:
            raise InvalidDataset(
                f"a dataset name is one line of plain text: {char!r} (a line break, control or "
                "invisible formatting character) cannot be part of it"
            )
    return name


def display_filename(filename: str) -> str:
    """The last part of an uploaded file's name, without folders or control characters."""
    base = PureWindowsPath(PurePosixPath(filename or "").name).name
    kept = "".join(c for c in base if unicodedata.category(c) not in _NOT_IN_NAMES).strip()
    return kept[-MAX_FILENAME_LENGTH:] or "upload"


def name_from_filename(filename: str) -> str:
    """A dataset name for a file uploaded without one: its name without the extension."""
    base = display_filename(filename)
    stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
    return check_dataset_name(stem[:MAX_NAME_LENGTH] or "dataset")


# -- adding versions -----------------------------------------------------------------------


def existing_version(
    engine: Engine, actor: Actor | None, sha256: str, *, dataset_id: str = "", name: str = ""
) -> AddedVersion | None:
    """The version of the target dataset that already holds this content, if any.

    Asked before a file is profiled and stored, so re-uploading a file costs one query.
    """
    person = signed_in(actor)
    with session_scope(engine) as session:
        dataset = _target(session, person, dataset_id, name)
        if dataset is None:
            return None
        version = _version_with(session, dataset.id, sha256)
        return None if version is None else AddedVersion(dataset.id, dataset.name, version, False)


def add_version(
    engine: Engine,
    actor: Actor | None,
    new: NewVersion,
    *,
    dataset_id: str = "",
    name: str = "",
) -> AddedVersion:
    """Record an uploaded file as the next version of a dataset.

    The dataset is ``dataset_id`` (someone's dataset the person may edit) or the person's own
    dataset called ``name``, created when they have none by that name. A file the dataset
    already holds is not added again: its existing version is returned with created=False.
    """
    person = signed_in(actor)
    for _attempt in range(3):  # two uploads at once may race for a name or a number
        try:
            with session_scope(engine) as session:
                return _add_version(session, person, new, dataset_id, name)
        except IntegrityError:
            continue
    raise StoreError("the dataset kept changing while this upload was saved; try again")


def _add_version(
    session: Session, person: Actor, new: NewVersion, dataset_id: str, name: str
) -> AddedVersion:
    now = datetime.now(UTC)
    dataset = _target(session, person, dataset_id, name)
    if dataset is None:
        dataset = DatasetRow(
            id=uuid.uuid4().hex,
            owner_id=person.id,
            name=check_dataset_name(name),
            created_at=now,
            updated_at=now,
            version=0,
        )
        session.add(dataset)
        session.flush()
    elif (number := _version_with(session, dataset.id, new.sha256)) is not None:
        return AddedVersion(dataset.id, dataset.name, number, False)
    dataset.version += 1
    dataset.updated_at = now
    session.add(
        DatasetVersionRow(
            dataset_id=dataset.id,
            number=dataset.version,
            sha256=new.sha256,
            size=new.size,
            format=new.format,
            filename=display_filename(new.filename),
            rows=new.rows,
            columns=json.dumps(list(new.columns)),
            profile=json.dumps(new.profile),
            object_key=new.object_key,
            created_at=now,
            author_id=person.id,
        )
    )
    session.flush()
    return AddedVersion(dataset.id, dataset.name, dataset.version, True)


def _target(session: Session, person: Actor, dataset_id: str, name: str) -> DatasetRow | None:
    """The dataset an upload goes to; None when it is a new dataset of the person's."""
    if dataset_id:
        row, _ = _require(session, person, dataset_id, Role.EDITOR)
        return row
    return session.exec(
        select(DatasetRow).where(
            DatasetRow.owner_id == person.id, DatasetRow.name == check_dataset_name(name)
        )
    ).first()


def _version_with(session: Session, dataset_id: str, sha256: str) -> int | None:
    return session.exec(
        select(DatasetVersionRow.number).where(
            DatasetVersionRow.dataset_id == dataset_id, DatasetVersionRow.sha256 == sha256
        )
    ).first()


def content_is_referenced(engine: Engine, object_key: str) -> bool:
    """Whether any version points at ``object_key`` (so the object must stay)."""
    with session_scope(engine) as session:
        found = session.exec(
            select(DatasetVersionRow.id).where(DatasetVersionRow.object_key == object_key)
        ).first()
        return found is not None


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
        row, role = _require(session, actor, dataset_id, Role.VIEWER)
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
        row, _ = _require(session, actor, dataset_id, Role.VIEWER)
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
        _require(session, person, dataset_id, Role.VIEWER)
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
        row, _ = _require(session, person, dataset_id, Role.OWNER)
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
        session.flush()
        still_used = set(
            session.exec(
                select(DatasetVersionRow.object_key).where(
                    col(DatasetVersionRow.object_key).in_(keys)
                )
            ).all()
        )
        return sorted(keys - still_used)


# -- sharing -------------------------------------------------------------------------------


def dataset_access(engine: Engine, actor: Actor | None, dataset_id: str) -> list[DatasetAccess]:
    """Who may use the dataset: the owner, then people, then teams."""
    with session_scope(engine) as session:
        row, _ = _require(session, actor, dataset_id, Role.VIEWER)
        owner = session.get(UserRow, row.owner_id)
        owner_name = owner.display_name if owner else ""
        entries = [DatasetAccess("owner", row.owner_id, owner_name, Role.OWNER)]
        shares = session.exec(
            select(DatasetShareRow, UserRow, TeamRow)
            .join(UserRow, col(UserRow.id) == col(DatasetShareRow.user_id), isouter=True)
            .join(TeamRow, col(TeamRow.id) == col(DatasetShareRow.team_id), isouter=True)
            .where(DatasetShareRow.dataset_id == dataset_id)
        ).all()
        people = [
            DatasetAccess("user", user.id, user.display_name, Role(share.role))
            for share, user, _ in shares
            if user is not None
        ]
        teams = [
            DatasetAccess("team", team.id, team.name, Role(share.role))
            for share, _, team in shares
            if team is not None
        ]
        return [*entries, *sorted(people, key=_by_name), *sorted(teams, key=_by_name)]


def share_dataset(
    engine: Engine,
    actor: Actor | None,
    dataset_id: str,
    kind: Literal["user", "team"],
    target: str,
    role: Role | str = Role.VIEWER,
) -> DatasetAccess:
    """Share the dataset with a person (by user name) or a team of the owner's (by id)."""
    if role not in SHARE_ROLES:
        raise InvalidDataset(
            f"a dataset can be shared as {' or '.join(SHARE_ROLES)}, not as {str(role)!r}"
        )
    person = signed_in(actor)
    with session_scope(engine) as session:
        row, _ = _require(session, person, dataset_id, Role.OWNER)
        if kind == "user":
            user = user_by_name(session, target)
            if user.id == row.owner_id:
                raise NotAllowed(f"{user.display_name} owns this dataset already")
            entry = DatasetAccess("user", user.id, user.display_name, Role(role))
            match: Any = col(DatasetShareRow.user_id) == user.id
        elif kind == "team":
            team = session.get(TeamRow, target)
            member = session.get(TeamMemberRow, (target, person.id)) if team else None
            if team is None or (member is None and not person.is_admin):
                raise TeamNotFound(target)
            entry = DatasetAccess("team", team.id, team.name, Role(role))
            match = col(DatasetShareRow.team_id) == team.id
        else:
            raise InvalidDataset(f"share with a 'user' or a 'team', not {kind!r}")
        share = session.exec(
            select(DatasetShareRow).where(DatasetShareRow.dataset_id == dataset_id, match)
        ).first()
        if share is None:
            share = DatasetShareRow(
                dataset_id=dataset_id,
                user_id=entry.id if kind == "user" else None,
                team_id=entry.id if kind == "team" else None,
                created_at=datetime.now(UTC),
            )
            session.add(share)
        share.role = Role(role)
        return entry


def unshare_dataset(
    engine: Engine,
    actor: Actor | None,
    dataset_id: str,
    kind: Literal["user", "team"],
    target_id: str,
) -> None:
    column = col(DatasetShareRow.user_id) if kind == "user" else col(DatasetShareRow.team_id)
    with session_scope(engine) as session:
        _require(session, actor, dataset_id, Role.OWNER)
        session.exec(
            delete(DatasetShareRow).where(
                col(DatasetShareRow.dataset_id) == dataset_id, column == target_id
            )
        )


# -- helpers -------------------------------------------------------------------------------


def _require(
    session: Session, actor: Actor | None, dataset_id: str, needed: Role
) -> tuple[DatasetRow, Role]:
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


def _by_name(entry: DatasetAccess) -> str:
    return entry.name.lower()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

"""Adding a version to a dataset: the next number, unless the dataset already holds the file.

Each version is identified by the SHA-256 of its bytes, so uploading a file a dataset already
holds adds nothing. The bytes themselves live in object storage (``designer.datasets.library``
stores them first); this module records where, in one short transaction that two uploads at
once may race for, and retries.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from designer.store.access import Actor, Role, signed_in
from designer.store.datasets import check_dataset_name, display_filename, require_dataset
from designer.store.db import StoreError, session_scope
from designer.store.tables import DatasetRow, DatasetVersionRow


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
        row, _ = require_dataset(session, person, dataset_id, Role.EDITOR)
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

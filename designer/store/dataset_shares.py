"""Sharing a dataset with people and teams, as viewer or editor, by the rules flows follow.

Only the dataset's owner (or a site admin) changes who may use it; anyone who may see it may
see who else can (``designer.store.sharing``).
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Engine

from designer.store.access import Actor, Role, signed_in
from designer.store.datasets import InvalidDataset, require_dataset
from designer.store.db import session_scope
from designer.store.sharing import ShareEntry, ShareTable
from designer.store.tables import DatasetShareRow

#: One line of a dataset's "who has access" list.
DatasetAccess = ShareEntry
_SHARES = ShareTable(DatasetShareRow, "dataset_id", "dataset", InvalidDataset)


def dataset_access(engine: Engine, actor: Actor | None, dataset_id: str) -> list[DatasetAccess]:
    """Who may use the dataset: the owner, then people, then teams."""
    with session_scope(engine) as session:
        row, _ = require_dataset(session, actor, dataset_id, Role.VIEWER)
        return _SHARES.entries(session, row.owner_id, dataset_id)


def share_dataset(
    engine: Engine,
    actor: Actor | None,
    dataset_id: str,
    kind: Literal["user", "team"],
    target: str,
    role: Role | str = Role.VIEWER,
) -> DatasetAccess:
    """Share the dataset with a person (by user name) or a team of the owner's (by id)."""
    person = signed_in(actor)
    with session_scope(engine) as session:
        row, _ = require_dataset(session, person, dataset_id, Role.OWNER)
        return _SHARES.share(session, person, row.owner_id, dataset_id, kind, target, role)


def unshare_dataset(
    engine: Engine,
    actor: Actor | None,
    dataset_id: str,
    kind: Literal["user", "team"],
    target_id: str,
) -> None:
    person = signed_in(actor)
    with session_scope(engine) as session:
        require_dataset(session, person, dataset_id, Role.OWNER)
        _SHARES.unshare(session, dataset_id, kind, target_id, person)

"""Sharing a dataset with people and teams, as viewer or editor, by the rules flows follow.

Only the dataset's owner (or a site admin) changes who may use it; anyone who may see it may
see who else can.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine, delete
from sqlmodel import col, select

from designer.store.access import SHARE_ROLES, Actor, NotAllowed, Role, signed_in
from designer.store.accounts import user_by_name
from designer.store.datasets import InvalidDataset, require_dataset
from designer.store.db import session_scope
from designer.store.tables import DatasetShareRow, TeamMemberRow, TeamRow, UserRow
from designer.store.teams import TeamNotFound


@dataclass(frozen=True)
class DatasetAccess:
    kind: Literal["owner", "user", "team"]
    id: str
    name: str
    role: Role


def dataset_access(engine: Engine, actor: Actor | None, dataset_id: str) -> list[DatasetAccess]:
    """Who may use the dataset: the owner, then people, then teams."""
    with session_scope(engine) as session:
        row, _ = require_dataset(session, actor, dataset_id, Role.VIEWER)
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
        row, _ = require_dataset(session, person, dataset_id, Role.OWNER)
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
        require_dataset(session, actor, dataset_id, Role.OWNER)
        session.exec(
            delete(DatasetShareRow).where(
                col(DatasetShareRow.dataset_id) == dataset_id, column == target_id
            )
        )


def _by_name(entry: DatasetAccess) -> str:
    return entry.name.lower()

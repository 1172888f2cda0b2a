"""Sharing a thing people own (a dataset, a block) with people and teams, as viewer or editor.

Datasets and blocks are shared by the rules flows follow: only the owner (or a site admin)
changes who may use a thing, anyone who may see it may see who else can, a person is named by
user name and a team by id (one the owner belongs to). Each kind of thing has a share table
with ``user_id``, ``team_id``, ``role`` and a column naming the thing; ``ShareTable`` does the
reading and writing for any of them, inside the caller's session (after the caller checked
the person's role on the thing). Sharing and unsharing are written to the audit log in the
same session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import delete
from sqlmodel import Session, col, select

from designer.store.access import SHARE_ROLES, Actor, NotAllowed, Role
from designer.store.accounts import user_by_name
from designer.store.audit import record
from designer.store.block_tables import UserBlockRow
from designer.store.db import StoreError
from designer.store.tables import DatasetRow, TeamMemberRow, TeamRow, UserRow
from designer.store.teams import TeamNotFound


@dataclass(frozen=True)
class ShareEntry:
    """One line of a thing's "who has access" list."""

    kind: Literal["owner", "user", "team"]
    id: str
    name: str
    role: Role


class ShareTable:
    """The shares of one kind of thing (``thing``: "dataset", "block")."""

    def __init__(self, table: Any, thing_column: str, thing: str, invalid: type[StoreError]):
        self.table = table
        self.thing_column = thing_column
        self.thing = thing
        self.invalid = invalid

    def entries(self, session: Session, owner_id: str, thing_id: str) -> list[ShareEntry]:
        """Who may use the thing: the owner, then people, then teams (each by name)."""
        owner = session.get(UserRow, owner_id)
        found = [ShareEntry("owner", owner_id, owner.display_name if owner else "", Role.OWNER)]
        shares = session.exec(
            select(self.table, UserRow, TeamRow)
            .join(UserRow, col(UserRow.id) == col(self.table.user_id), isouter=True)
            .join(TeamRow, col(TeamRow.id) == col(self.table.team_id), isouter=True)
            .where(self._of(thing_id))
        ).all()
        people = [
            ShareEntry("user", user.id, user.display_name, Role(share.role))
            for share, user, _ in shares
            if user is not None
        ]
        teams = [
            ShareEntry("team", team.id, team.name, Role(share.role))
            for share, _, team in shares
            if team is not None
        ]
        return [*found, *sorted(people, key=_by_name), *sorted(teams, key=_by_name)]

    def share(
        self,
        session: Session,
        person: Actor,
        owner_id: str,
        thing_id: str,
        kind: Literal["user", "team"],
        target: str,
        role: Role | str,
    ) -> ShareEntry:
        """Share with a person (by user name) or a team of ``person``'s (by id)."""
        if role not in SHARE_ROLES:
            raise self.invalid(
                f"a {self.thing} can be shared as {' or '.join(SHARE_ROLES)}, not as {str(role)!r}"
            )
        if kind == "user":
            user = user_by_name(session, target)
            if user.id == owner_id:
                raise NotAllowed(f"{user.display_name} owns this {self.thing} already")
            entry = ShareEntry("user", user.id, user.display_name, Role(role))
            shown = user.username
            match: Any = col(self.table.user_id) == user.id
        elif kind == "team":
            team = session.get(TeamRow, target)
            member = session.get(TeamMemberRow, (target, person.id)) if team else None
            if team is None or (member is None and not person.is_admin):
                raise TeamNotFound(target)
            entry = ShareEntry("team", team.id, team.name, Role(role))
            shown = team.name
            match = col(self.table.team_id) == team.id
        else:
            raise self.invalid(f"share with a 'user' or a 'team', not {kind!r}")
        share = session.exec(select(self.table).where(self._of(thing_id), match)).first()
        if share is None:
            share = self.table(
                **{self.thing_column: thing_id},
                user_id=entry.id if kind == "user" else None,
                team_id=entry.id if kind == "team" else None,
                created_at=datetime.now(UTC),
            )
            session.add(share)
        share.role = Role(role)
        detail = {kind: shown, "role": str(Role(role))}
        self._event(session, person, "shared", owner_id, thing_id, detail)
        return entry

    def unshare(
        self,
        session: Session,
        thing_id: str,
        kind: Literal["user", "team"],
        target_id: str,
        person: Actor | None,
    ) -> None:
        """Stop sharing with a person or team (by id); ``person`` is who does it, for the log."""
        column = col(self.table.user_id) if kind == "user" else col(self.table.team_id)
        removed = session.exec(delete(self.table).where(self._of(thing_id), column == target_id))
        if removed.rowcount:
            whom = session.get(UserRow if kind == "user" else TeamRow, target_id)
            name = getattr(whom, "username" if kind == "user" else "name", target_id)
            self._event(session, person, "unshared", None, thing_id, {kind: name})

    def _event(
        self,
        session: Session,
        person: Actor | None,
        action: str,
        owner_id: str | None,
        thing_id: str,
        detail: dict[str, Any],
    ) -> None:
        table, name_column = _NAMED[self.thing]
        thing = session.get(table, thing_id)
        name = str(getattr(thing, name_column, "")) if thing is not None else ""
        owner = owner_id or (thing.owner_id if thing is not None else None)
        record(session, person, action, self.thing, thing_id, name, owner_id=owner, detail=detail)

    def _of(self, thing_id: str) -> Any:
        return col(getattr(self.table, self.thing_column)) == thing_id


#: Each kind of thing's table, and the column that names it in the log.
_NAMED: dict[str, tuple[Any, str]] = {
    "dataset": (DatasetRow, "name"),
    "block": (UserBlockRow, "title"),
}


def _by_name(entry: ShareEntry) -> str:
    return entry.name.lower()

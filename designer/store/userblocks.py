"""People's own blocks: saving versions, listing, resolving the version a flow pins, deleting.

A block belongs to the person who first saved it, under a machine name unique among their
blocks; its id in flows is ``owner/name@version``. It is shared with people and teams by the
rules flows and datasets follow (``access.owned_or_shared_roles``): viewers use it in flows and
read its source, editors also save new versions, the owner shares and deletes it. A stranger is
told the block does not exist.

Saving reads nothing: the caller has already read the text into a ``BlockSpec`` (parsing only,
``designer.userblocks``); this module records both. Saving text identical to the newest
version adds no version. Deleting only marks a block deleted: it leaves the palette and lists,
but every version stays readable, so a flow that pins one keeps running.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from designer.store.access import (
    Actor,
    NotAllowed,
    Role,
    flow_roles,
    flows_named,
    owned_or_shared_roles,
    require_flow,
    signed_in,
)
from designer.store.audit import record
from designer.store.block_tables import BlockShareRow, UserBlockRow, UserBlockVersionRow
from designer.store.db import StoreError, session_scope
from designer.store.flows import check_name
from designer.store.tables import DraftRow, FlowRow, TeamMemberRow, TeamRow, UserRow
from designer.userblocks.spec import BlockSpec

#: What a version was read from.
SourceKind = Literal["python", "component"]


class BlockNotFound(StoreError, LookupError):
    """No such block (or version), or none the person may use: the two look the same."""

    def __init__(self, what: str) -> None:
        super().__init__(f"no block {what}: it may have been deleted, or not shared with you")
        self.what = what


class InvalidBlock(StoreError, ValueError):
    """A block, name or request that cannot be saved; the message says why."""


class BlockInUse(StoreError):
    """Deleting a block flows use; say which (those the person may see) and confirm."""

    def __init__(self, name: str, flows: list[str], hidden: int) -> None:
        super().__init__(
            f"block {name!r} is used by {flows_named(flows, hidden)}. Deleting it takes it off the "
            "palette; those flows keep the version they use and still run. Confirm to delete."
        )
        self.flows = flows
        self.hidden = hidden


@dataclass(frozen=True)
class StoredBlock:
    """One block as a list shows it."""

    id: str
    owner: str
    owner_name: str
    name: str
    title: str
    category: str
    kind: str
    #: Number of the newest version.
    version: int
    role: Role
    updated_at: datetime
    deleted: bool = False

    @property
    def ref(self) -> str:
        """``owner/name``: the block's id in flows, without the version."""
        return f"{self.owner}/{self.name}"

    def versioned(self, version: int | None = None) -> str:
        return f"{self.ref}@{version or self.version}"


@dataclass(frozen=True)
class BlockVersion:
    """One saved version: the text it was read from, and what was read."""

    block: StoredBlock
    number: int
    source_kind: SourceKind
    text: str
    spec: BlockSpec
    message: str
    created_at: datetime
    author: str

    @property
    def id(self) -> str:
        return self.block.versioned(self.number)


def save_block(
    engine: Engine,
    actor: Actor | None,
    spec: BlockSpec,
    text: str,
    source_kind: SourceKind,
    *,
    block_id: str | None = None,
    message: str = "",
) -> BlockVersion:
    """Save ``text`` (read into ``spec``) as the newest version of a block.

    Without ``block_id``: the person's own block named ``spec.name``, made if new (or brought
    back if deleted). With it: that block, which the person must be an editor of; its name
    stays. Text identical to the newest version's saves nothing and returns that version.
    """
    person = signed_in(actor)
    check_name(spec.title, "block", InvalidBlock)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        if block_id is not None:
            row, _ = require_block(session, person, block_id, Role.EDITOR)
        else:
            row = session.exec(
                select(UserBlockRow).where(
                    UserBlockRow.owner_id == person.id, UserBlockRow.name == spec.name
                )
            ).first()
            if row is None:
                row = UserBlockRow(
                    id=uuid.uuid4().hex,
                    owner_id=person.id,
                    name=spec.name,
                    title=spec.title,
                    category=spec.category,
                    kind=spec.kind,
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
                session.flush()
        restored = row.deleted_at is not None
        newest = _version_row(session, row.id, row.version) if row.version else None
        if newest is not None and newest.text == text and row.deleted_at is None:
            return _version(session, row, newest, person)
        number = row.version + 1
        version = UserBlockVersionRow(
            block_id=row.id,
            number=number,
            source_kind=source_kind,
            text=text,
            spec=json.dumps(spec.to_json()),
            message=message,
            created_at=now,
            author_id=person.id,
        )
        session.add(version)
        row.version = number
        row.title = spec.title
        row.category = spec.category
        row.kind = spec.kind
        row.updated_at = now
        row.deleted_at = None
        session.add(row)
        session.flush()
        if restored:  # saving a deleted block's name again brings the block back
            record(
                session,
                person,
                "restored",
                "block",
                row.id,
                row.title,
                owner_id=row.owner_id,
                detail={"name": row.name, "version": number},
            )
        return _version(session, row, version, person)


def list_blocks(engine: Engine, actor: Actor | None) -> list[StoredBlock]:
    """Every block the person may use and that is not deleted: their own, then others'."""
    person = signed_in(actor)
    with session_scope(engine) as session:
        rows = session.exec(
            select(UserBlockRow).where(col(UserBlockRow.deleted_at).is_(None))
        ).all()
        roles = _roles(session, person, list(rows))
        owners = _owners(session, [r.owner_id for r in rows if r.id in roles])
        found = [_stored(r, roles[r.id], owners) for r in rows if r.id in roles]
    return sorted(found, key=lambda b: (b.owner != person.username, b.title.lower(), b.ref))


def block_teams(engine: Engine, actor: Actor | None) -> dict[str, list[str]]:
    """For each block shared with a team the person belongs to: those teams' names (the
    palette shows each team's blocks under its name)."""
    person = signed_in(actor)
    with session_scope(engine) as session:
        rows = session.exec(
            select(BlockShareRow.block_id, TeamRow.name)
            .join(TeamRow, col(TeamRow.id) == col(BlockShareRow.team_id))
            .join(TeamMemberRow, col(TeamMemberRow.team_id) == col(TeamRow.id))
            .where(TeamMemberRow.user_id == person.id)
        ).all()
    teams: dict[str, list[str]] = {}
    for block_id, name in rows:
        teams.setdefault(block_id, []).append(name)
    return {block_id: sorted(names) for block_id, names in teams.items()}


def newest_versions(engine: Engine, actor: Actor | None) -> list[BlockVersion]:
    """The newest version of every block ``list_blocks`` lists (what the palette offers), read
    in two queries whatever the number of blocks."""
    blocks = list_blocks(engine, actor)
    if not blocks:
        return []
    with session_scope(engine) as session:
        rows = session.exec(
            select(UserBlockVersionRow).where(
                col(UserBlockVersionRow.block_id).in_([b.id for b in blocks])
            )
        ).all()
        newest = {(v.block_id, v.number): v for v in rows}
        authors = _owners(session, [v.author_id for v in newest.values() if v.author_id])
    found = [(b, newest.get((b.id, b.version))) for b in blocks]
    return [_version_of(b, v, authors) for b, v in found if v is not None]


def block_version(
    engine: Engine, actor: Actor | None, owner: str, name: str, number: int | None = None
) -> BlockVersion:
    """Version ``number`` (default: the newest) of ``owner``'s block ``name``.

    A deleted block's versions are still found: flows that pin them keep running.
    """
    person = signed_in(actor)
    what = f"{owner}/{name}" + (f"@{number}" if number else "")
    with session_scope(engine) as session:
        row = session.exec(
            select(UserBlockRow)
            .join(UserRow, col(UserRow.id) == col(UserBlockRow.owner_id))
            .where(UserRow.username == owner, UserBlockRow.name == name)
        ).first()
        if row is None or row.id not in _roles(session, person, [row]):
            raise BlockNotFound(what)
        version = _version_row(session, row.id, number or row.version)
        if version is None:
            raise BlockNotFound(what)
        return _version(session, row, version, person)


def block_history(engine: Engine, actor: Actor | None, block_id: str) -> list[BlockVersion]:
    """Every version of a block, newest first."""
    person = signed_in(actor)
    with session_scope(engine) as session:
        row, _ = require_block(session, person, block_id, Role.VIEWER)
        versions = session.exec(
            select(UserBlockVersionRow)
            .where(UserBlockVersionRow.block_id == block_id)
            .order_by(col(UserBlockVersionRow.number).desc())
        ).all()
        return [_version(session, row, v, person) for v in versions]


def delete_block(
    engine: Engine, actor: Actor | None, block_id: str, *, confirm: bool = False
) -> None:
    """Take the block off the palette and lists (owner only); its versions stay readable.

    Refused with BlockInUse while flows use it, unless ``confirm`` is set.
    """
    person = signed_in(actor)
    with session_scope(engine) as session:
        row, _ = require_block(session, person, block_id, Role.OWNER)
        if not confirm:
            owner = session.get(UserRow, row.owner_id)
            visible, hidden = _flows_using(session, person, f"{owner.username}/{row.name}@")
            if visible or hidden:
                raise BlockInUse(row.title, visible, hidden)
        row.deleted_at = datetime.now(UTC)
        session.add(row)
        record(
            session,
            person,
            "deleted",
            "block",
            row.id,
            row.title,
            owner_id=row.owner_id,
            detail={"name": row.name},
        )


def flow_owner(engine: Engine, actor: Actor | None, flow_id: str) -> Actor | None:
    """The owner of a flow ``actor`` may see (whose blocks the flow may use); None if gone."""
    person = signed_in(actor)
    with session_scope(engine) as session:
        row, _ = require_flow(session, person, flow_id, Role.VIEWER)
        owner = session.get(UserRow, row.owner_id) if row.owner_id else None
        if owner is None:
            return None
        return Actor(owner.id, owner.username, owner.display_name, owner.is_admin)


def owner_of_opened_flow(engine: Engine, flow_id: str) -> Actor | None:
    """The owner of a flow the caller has already opened by other means (a share link, which
    is checked where it is opened): whose blocks its nodes are drawn with."""
    with session_scope(engine) as session:
        row = session.get(FlowRow, flow_id)
        owner = session.get(UserRow, row.owner_id) if row is not None and row.owner_id else None
        if owner is None:
            return None
        return Actor(owner.id, owner.username, owner.display_name, owner.is_admin)


def require_block(
    session: Session, actor: Actor, block_id: str, needed: Role
) -> tuple[UserBlockRow, Role]:
    """The block's row and ``actor``'s role on it, if that role allows ``needed``."""
    row = session.get(UserBlockRow, block_id) if _plain_id(block_id) else None
    role = _roles(session, actor, [row]).get(row.id) if row is not None else None
    if row is None or role is None or (row.deleted_at is not None and needed is not Role.VIEWER):
        raise BlockNotFound(repr(block_id))
    if not role.allows(needed):
        if needed is Role.EDITOR:
            raise NotAllowed(
                "this block is shared with you to use only: ask its owner to make you an "
                "editor to save new versions"
            )
        raise NotAllowed(f"only the block's owner can do that; you are one of its {role}s")
    return row, role


# -- helpers ---------------------------------------------------------------------------------


def _plain_id(block_id: str) -> bool:
    return len(block_id) == 32 and all(c in "0123456789abcdef" for c in block_id)


def _roles(session: Session, person: Actor, rows: list[UserBlockRow]) -> dict[str, Role]:
    return owned_or_shared_roles(
        session,
        person,
        {row.id: row.owner_id for row in rows},
        BlockShareRow,
        col(BlockShareRow.block_id),
    )


def _owners(session: Session, ids: list[str]) -> dict[str, UserRow]:
    if not ids:
        return {}
    rows = session.exec(select(UserRow).where(col(UserRow.id).in_(set(ids)))).all()
    return {row.id: row for row in rows}


def _stored(row: UserBlockRow, role: Role, owners: dict[str, UserRow]) -> StoredBlock:
    owner = owners.get(row.owner_id)
    return StoredBlock(
        id=row.id,
        owner=owner.username if owner else "",
        owner_name=owner.display_name if owner else "",
        name=row.name,
        title=row.title,
        category=row.category,
        kind=row.kind,
        version=row.version,
        role=role,
        updated_at=row.updated_at,
        deleted=row.deleted_at is not None,
    )


def _version_row(session: Session, block_id: str, number: int) -> UserBlockVersionRow | None:
    return session.exec(
        select(UserBlockVersionRow).where(
            UserBlockVersionRow.block_id == block_id, UserBlockVersionRow.number == number
        )
    ).first()


def _version(
    session: Session, row: UserBlockRow, version: UserBlockVersionRow, person: Actor
) -> BlockVersion:
    role = _roles(session, person, [row]).get(row.id, Role.VIEWER)
    owners = _owners(session, [row.owner_id] + ([version.author_id] if version.author_id else []))
    return _version_of(_stored(row, role, owners), version, owners)


def _version_of(
    block: StoredBlock, version: UserBlockVersionRow, people: dict[str, UserRow]
) -> BlockVersion:
    author = people.get(version.author_id or "")
    return BlockVersion(
        block=block,
        number=version.number,
        source_kind=version.source_kind,  # type: ignore[arg-type]
        text=version.text,
        spec=BlockSpec.from_json(json.loads(version.spec)),
        message=version.message,
        created_at=version.created_at,
        author=author.display_name if author else "",
    )


def _flows_using(session: Session, person: Actor, prefix: str) -> tuple[list[str], int]:
    # A block id holds no quote; its underscores (LIKE's any-one-character) are escaped.
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f'%"{escaped}%'
    drafts = select(DraftRow.flow_id).where(col(DraftRow.document).like(pattern, escape="\\"))
    flows = session.exec(
        select(FlowRow).where(
            col(FlowRow.document).like(pattern, escape="\\") | col(FlowRow.id).in_(drafts)
        )
    ).all()
    roles = flow_roles(session, person, flows)
    visible = sorted(f.name for f in flows if f.id in roles)
    return visible, len(flows) - len(visible)

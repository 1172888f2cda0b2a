"""Sharing a person's own block with people and teams, as viewer (use it in flows, read its
source) or editor (also save new versions), by the rules flows follow.

Only the block's owner (or a site admin) changes who may use it; anyone who may use it may see
who else can (``designer.store.sharing``). The palette of everyone it is shared with, and of
every member of a team it is shared with, offers it.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Engine

from designer.store.access import Actor, Role, signed_in
from designer.store.block_tables import BlockShareRow
from designer.store.db import session_scope
from designer.store.sharing import ShareEntry, ShareTable
from designer.store.userblocks import InvalidBlock, require_block

_SHARES = ShareTable(BlockShareRow, "block_id", "block", InvalidBlock)


def block_access(engine: Engine, actor: Actor | None, block_id: str) -> list[ShareEntry]:
    """Who may use the block: the owner, then people, then teams."""
    person = signed_in(actor)
    with session_scope(engine) as session:
        row, _ = require_block(session, person, block_id, Role.VIEWER)
        return _SHARES.entries(session, row.owner_id, block_id)


def share_block(
    engine: Engine,
    actor: Actor | None,
    block_id: str,
    kind: Literal["user", "team"],
    target: str,
    role: Role | str = Role.VIEWER,
) -> ShareEntry:
    """Share the block with a person (by user name) or a team of the owner's (by id)."""
    person = signed_in(actor)
    with session_scope(engine) as session:
        row, _ = require_block(session, person, block_id, Role.OWNER)
        return _SHARES.share(session, person, row.owner_id, block_id, kind, target, role)


def unshare_block(
    engine: Engine,
    actor: Actor | None,
    block_id: str,
    kind: Literal["user", "team"],
    target_id: str,
) -> None:
    person = signed_in(actor)
    with session_scope(engine) as session:
        require_block(session, person, block_id, Role.OWNER)
        _SHARES.unshare(session, block_id, kind, target_id, person)

"""The tables of people's own blocks: each block, its immutable versions, and its shares.

A block belongs to a person and has a machine name unique among theirs (``ana/clean_rows``).
Each save adds a version holding the text the block was read from (Python source or a KFP
component file) and the spec read from it, so a flow that pins version 3 runs version 3 for
ever. Deleting a block only marks it deleted: the versions flows pin stay readable.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from designer.store.tables import UtcDateTime


class UserBlockRow(SQLModel, table=True):
    """A person's own block: its name and the head of its history."""

    __tablename__ = "user_blocks"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_user_blocks_owner_name"),)

    #: uuid4 hex.
    id: str = Field(primary_key=True, max_length=32)
    owner_id: str = Field(foreign_key="users.id", ondelete="CASCADE", max_length=32)
    #: Machine name: lower-case letters, digits and underscores.
    name: str = Field(max_length=64)
    #: Of the newest version, for listing without reading versions.
    title: str = Field(max_length=200)
    category: str = Field(max_length=32)
    #: "python" or "container".
    kind: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime, index=True)
    #: Number of the newest version.
    version: int = 0
    deleted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class UserBlockVersionRow(SQLModel, table=True):
    """One saved version of a block: the text it was read from and what was read."""

    __tablename__ = "user_block_versions"
    __table_args__ = (UniqueConstraint("block_id", "number", name="uq_user_block_versions_number"),)

    id: int | None = Field(default=None, primary_key=True)
    block_id: str = Field(foreign_key="user_blocks.id", ondelete="CASCADE", max_length=32)
    number: int
    #: "python" (a source) or "component" (a KFP component file).
    source_kind: str = Field(max_length=16)
    text: str = Field(sa_type=Text)
    #: ``BlockSpec.to_json()`` as JSON.
    spec: str = Field(sa_type=Text)
    message: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(sa_type=UtcDateTime)
    author_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )


class BlockShareRow(SQLModel, table=True):
    """A block shared with one person or one team, as "viewer" (use it) or "editor"."""

    __tablename__ = "block_shares"
    __table_args__ = (
        UniqueConstraint("block_id", "user_id", name="uq_block_shares_user"),
        UniqueConstraint("block_id", "team_id", name="uq_block_shares_team"),
        CheckConstraint(
            "(user_id IS NULL) <> (team_id IS NULL)", name="ck_block_shares_user_or_team"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    block_id: str = Field(foreign_key="user_blocks.id", ondelete="CASCADE", max_length=32)
    user_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="CASCADE", index=True, max_length=32
    )
    team_id: str | None = Field(
        default=None, foreign_key="teams.id", ondelete="CASCADE", index=True, max_length=32
    )
    role: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UtcDateTime)

"""People's own blocks: each block, its versions (the text it was read from and its spec), and
who it is shared with.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "user_blocks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "owner_id",
            sa.String(32),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", TIME, nullable=True),
        sa.UniqueConstraint("owner_id", "name", name="uq_user_blocks_owner_name"),
    )
    op.create_index("ix_user_blocks_updated_at", "user_blocks", ["updated_at"])
    op.create_table(
        "user_block_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "block_id",
            sa.String(32),
            sa.ForeignKey("user_blocks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("author_id", sa.String(32), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.UniqueConstraint("block_id", "number", name="uq_user_block_versions_number"),
    )
    op.create_table(
        "block_shares",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "block_id",
            sa.String(32),
            sa.ForeignKey("user_blocks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("team_id", sa.String(32), sa.ForeignKey("teams.id", ondelete="CASCADE")),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("block_id", "user_id", name="uq_block_shares_user"),
        sa.UniqueConstraint("block_id", "team_id", name="uq_block_shares_team"),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (team_id IS NULL)", name="ck_block_shares_user_or_team"
        ),
    )
    op.create_index("ix_block_shares_user_id", "block_shares", ["user_id"])
    op.create_index("ix_block_shares_team_id", "block_shares", ["team_id"])


def downgrade() -> None:
    for table in ("block_shares", "user_block_versions", "user_blocks"):
        op.drop_table(table)

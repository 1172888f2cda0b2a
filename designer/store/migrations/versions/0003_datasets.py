"""Datasets: a library of uploaded tables, their content-addressed versions and their shares.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "owner_id",
            sa.String(32),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("owner_id", "name", name="uq_datasets_owner_name"),
    )
    op.create_index("ix_datasets_updated_at", "datasets", ["updated_at"])
    op.create_table(
        "dataset_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "dataset_id",
            sa.String(32),
            sa.ForeignKey("datasets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("object_key", sa.String(300), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("author_id", sa.String(32), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.UniqueConstraint("dataset_id", "number", name="uq_dataset_versions_number"),
        sa.UniqueConstraint("dataset_id", "sha256", name="uq_dataset_versions_content"),
    )
    op.create_index("ix_dataset_versions_sha256", "dataset_versions", ["sha256"])
    op.create_table(
        "dataset_shares",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "dataset_id",
            sa.String(32),
            sa.ForeignKey("datasets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("team_id", sa.String(32), sa.ForeignKey("teams.id", ondelete="CASCADE")),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("dataset_id", "user_id", name="uq_dataset_shares_user"),
        sa.UniqueConstraint("dataset_id", "team_id", name="uq_dataset_shares_team"),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (team_id IS NULL)", name="ck_dataset_shares_user_or_team"
        ),
    )
    op.create_index("ix_dataset_shares_user_id", "dataset_shares", ["user_id"])
    op.create_index("ix_dataset_shares_team_id", "dataset_shares", ["team_id"])


def downgrade() -> None:
    for table in ("dataset_shares", "dataset_versions", "datasets"):
        op.drop_table(table)

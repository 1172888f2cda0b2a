"""Team templates: flows a team published to its template gallery, as snapshots.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "team_templates",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "team_id",
            sa.String(32),
            sa.ForeignKey("teams.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("difficulty", sa.String(32), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("source_flow_id", sa.String(32), sa.ForeignKey("flows.id", ondelete="SET NULL")),
        sa.Column("source_version", sa.Integer(), nullable=False),
        sa.Column("published_by", sa.String(32), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("team_id", "title", name="uq_team_templates_team_title"),
    )
    op.create_index("ix_team_templates_source_flow_id", "team_templates", ["source_flow_id"])
    op.create_index("ix_team_templates_updated_at", "team_templates", ["updated_at"])


def downgrade() -> None:
    op.drop_table("team_templates")

"""Flows, their saved versions and their runs (the schema from before accounts).

Revision ID: 0001
Revises:
Create Date: 2026-11-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "flows",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("node_count", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_run_id", sa.String(200)),
        sa.Column("last_run_status", sa.String(32)),
        sa.Column("last_run_at", TIME),
    )
    op.create_index("ix_flows_updated_at", "flows", ["updated_at"])
    op.create_table(
        "flow_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "flow_id", sa.String(32), sa.ForeignKey("flows.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("node_count", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.UniqueConstraint("flow_id", "number", name="uq_flow_versions_flow_number"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column(
            "flow_id", sa.String(32), sa.ForeignKey("flows.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("flow_version", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("finished_at", TIME),
        sa.Column("duration_s", sa.Float()),
        sa.Column("headline_name", sa.String(64)),
        sa.Column("headline_value", sa.Float()),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
    )
    op.create_index("ix_runs_flow_started", "runs", ["flow_id", "started_at"])
    op.create_index("ix_runs_status", "runs", ["status"])


def downgrade() -> None:
    op.drop_table("runs")
    op.drop_table("flow_versions")
    op.drop_index("ix_flows_updated_at", "flows")
    op.drop_table("flows")

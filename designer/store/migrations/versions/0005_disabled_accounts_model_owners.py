"""Accounts an administrator disabled, and who owns each deployed model's name.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", TIME, nullable=True))
    op.create_table(
        "deployed_models",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("owner_id", sa.String(32), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("flow_id", sa.String(32), sa.ForeignKey("flows.id", ondelete="SET NULL")),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )
    op.create_index("ix_deployed_models_owner_id", "deployed_models", ["owner_id"])
    op.create_index("ix_deployed_models_flow_id", "deployed_models", ["flow_id"])


def downgrade() -> None:
    op.drop_table("deployed_models")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")

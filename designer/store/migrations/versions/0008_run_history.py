"""What the run history shows without reading each run's record: the parameter values a run
used, whether it reran from a node or ran with caching off, and how many of its nodes reused an
earlier run's result.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _columns() -> list[sa.Column]:
    """The columns added to ``runs`` (new objects each time: a column belongs to one table).

    Runs recorded before get the server defaults: no parameters, a whole run with caching on,
    nothing reused.
    """
    return [
        sa.Column("arguments", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("rerun_from", sa.String(200), nullable=False, server_default=""),
        sa.Column("cache", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("node_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("cached_nodes", sa.Integer(), nullable=False, server_default="0"),
    ]


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        for column in _columns():
            batch.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        for column in reversed(_columns()):
            batch.drop_column(column.name)

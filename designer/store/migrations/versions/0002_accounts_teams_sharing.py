"""People, teams and sharing: owners, authors, personal drafts, shares, links and sessions.

Flows from before accounts keep working: their owner stays empty until the first admin signs up
and adopts them. A flow's row now holds the head of its history, so any draft that differed from
its latest version (or a flow never saved at all) becomes a new version here: nothing is lost.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)
KEPT_DRAFT = "Unsaved edits kept when accounts were added"


def upgrade() -> None:
    _create_people()
    _create_sharing()
    _create_sign_in()
    with op.batch_alter_table("flows") as batch:
        batch.add_column(sa.Column("owner_id", sa.String(32)))
        batch.create_foreign_key(
            "fk_flows_owner_id_users", "users", ["owner_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_flows_owner_id", ["owner_id"])
    with op.batch_alter_table("flow_versions") as batch:
        batch.add_column(sa.Column("author_id", sa.String(32)))
        batch.create_foreign_key(
            "fk_flow_versions_author_id_users", "users", ["author_id"], ["id"], ondelete="SET NULL"
        )
        batch.alter_column("note", new_column_name="message")
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("user_id", sa.String(32)))
        batch.create_foreign_key(
            "fk_runs_user_id_users", "users", ["user_id"], ["id"], ondelete="SET NULL"
        )
    _keep_drafts_as_versions()


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint("fk_runs_user_id_users", type_="foreignkey")
        batch.drop_column("user_id")
    with op.batch_alter_table("flow_versions") as batch:
        batch.alter_column("message", new_column_name="note")
        batch.drop_constraint("fk_flow_versions_author_id_users", type_="foreignkey")
        batch.drop_column("author_id")
    with op.batch_alter_table("flows") as batch:
        batch.drop_index("ix_flows_owner_id")
        batch.drop_constraint("fk_flows_owner_id_users", type_="foreignkey")
        batch.drop_column("owner_id")
    for table in (
        "oidc_logins",
        "sign_in_failures",
        "sessions",
        "share_links",
        "shares",
        "drafts",
        "team_members",
        "teams",
        "users",
    ):
        op.drop_table(table)


def _create_people() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("password_hash", sa.Text()),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("oidc_issuer", sa.String(500)),
        sa.Column("oidc_subject", sa.String(255)),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_sign_in_at", TIME),
        sa.UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_users_oidc_identity"),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_table(
        "team_members",
        sa.Column(
            "team_id",
            sa.String(32),
            sa.ForeignKey("teams.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.String(32),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("added_at", TIME, nullable=False),
    )
    op.create_index("ix_team_members_user_id", "team_members", ["user_id"])


def _create_sharing() -> None:
    flow_id = sa.ForeignKey("flows.id", ondelete="CASCADE")
    op.create_table(
        "drafts",
        sa.Column("flow_id", sa.String(32), flow_id, primary_key=True),
        sa.Column(
            "user_id",
            sa.String(32),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )
    op.create_index("ix_drafts_user_id", "drafts", ["user_id"])
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "flow_id",
            sa.String(32),
            sa.ForeignKey("flows.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("team_id", sa.String(32), sa.ForeignKey("teams.id", ondelete="CASCADE")),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("flow_id", "user_id", name="uq_shares_flow_user"),
        sa.UniqueConstraint("flow_id", "team_id", name="uq_shares_flow_team"),
        sa.CheckConstraint("(user_id IS NULL) <> (team_id IS NULL)", name="ck_shares_user_or_team"),
    )
    op.create_index("ix_shares_user_id", "shares", ["user_id"])
    op.create_index("ix_shares_team_id", "shares", ["team_id"])
    op.create_table(
        "share_links",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "flow_id",
            sa.String(32),
            sa.ForeignKey("flows.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(32), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME),
        sa.Column("revoked_at", TIME),
    )
    op.create_index("ix_share_links_flow_id", "share_links", ["flow_id"])


def _create_sign_in() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "user_id",
            sa.String(32),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])
    op.create_table(
        "sign_in_failures",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", TIME, nullable=False),
    )
    op.create_table(
        "oidc_logins",
        sa.Column("state", sa.String(128), primary_key=True),
        sa.Column("pending", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )


def _keep_drafts_as_versions() -> None:
    """Give every flow a latest version equal to its document (its old autosaved draft)."""
    flows = sa.table(
        "flows",
        sa.column("id", sa.String),
        sa.column("document", sa.Text),
        sa.column("node_count", sa.Integer),
        sa.column("version", sa.Integer),
    )
    versions = sa.table(
        "flow_versions",
        sa.column("flow_id", sa.String),
        sa.column("number", sa.Integer),
        sa.column("document", sa.Text),
        sa.column("node_count", sa.Integer),
        sa.column("created_at", TIME),
        sa.column("message", sa.Text),
    )
    bind = op.get_bind()
    latest = (
        sa.select(versions.c.document)
        .where(versions.c.flow_id == flows.c.id, versions.c.number == flows.c.version)
        .scalar_subquery()
    )
    rows = bind.execute(
        sa.select(flows.c.id, flows.c.document, flows.c.node_count, flows.c.version, latest)
    ).all()
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # the store keeps UTC wall time in SQLite
    for flow_id, document, node_count, version, latest_document in rows:
        if version and document == latest_document:
            continue
        number = version + 1
        bind.execute(
            versions.insert().values(
                flow_id=flow_id,
                number=number,
                document=document,
                node_count=node_count,
                created_at=now,
                message=KEPT_DRAFT if version else "",
            )
        )
        bind.execute(flows.update().where(flows.c.id == flow_id).values(version=number))

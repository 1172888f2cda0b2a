"""The store's tables: people, teams, flows and their history, runs, sign-ins, datasets, templates.

A flow row holds the flow's head: the document of its latest version, so opening a flow reads
one row. Each person's unsaved edits live in their own draft row, so two people editing the
same flow never overwrite each other's work; a version row is an immutable snapshot. Rows are
named after what people call them, and repository functions in this package are the only code
that touches them, so the tables can change without the app noticing.

Ids of things people link to (flows, users, teams, share links) are random strings, not
counters, so they can travel in URLs and merge across databases. The schema is changed only by
the Alembic migrations in ``migrations/``; a test checks these models and the migrations agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Dialect,
    Index,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time, always returned timezone-aware in UTC.

    PostgreSQL keeps the zone (timestamptz); SQLite keeps no zone at all, so the value is
    stored as UTC wall time and marked UTC again on the way out. Naive datetimes are refused:
    guessing their zone is how timestamps silently shift by hours.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"the store keeps timezone-aware times only; got naive {value}")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class UserRow(SQLModel, table=True):
    """A person who signs in, with a local password, through OpenID Connect, or both."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_users_oidc_identity"),
    )

    id: str = Field(primary_key=True, max_length=32)
    #: Lower-case, unique; what people type to sign in and to share with someone.
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    #: An Argon2id hash; None for people who only sign in through OpenID Connect.
    password_hash: str | None = Field(default=None, sa_type=Text)
    is_admin: bool = False
    oidc_issuer: str | None = Field(default=None, max_length=500)
    oidc_subject: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_type=UtcDateTime)
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    #: When an administrator disabled the account; a disabled account cannot sign in and its
    #: sessions are ended.
    disabled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class TeamRow(SQLModel, table=True):
    __tablename__ = "teams"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=100, unique=True)
    created_at: datetime = Field(sa_type=UtcDateTime)


class TeamMemberRow(SQLModel, table=True):
    """Someone's place in a team: "member", or "admin" (may add, remove and promote members)."""

    __tablename__ = "team_members"

    team_id: str = Field(
        foreign_key="teams.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    user_id: str = Field(
        foreign_key="users.id", ondelete="CASCADE", primary_key=True, index=True, max_length=32
    )
    role: str = Field(max_length=16)
    added_at: datetime = Field(sa_type=UtcDateTime)


class FlowRow(SQLModel, table=True):
    """A flow: its head document (the latest version) and what the flow list shows."""

    __tablename__ = "flows"

    #: uuid4 hex.
    id: str = Field(primary_key=True, max_length=32)
    #: Who created it; None only for flows from before accounts, until an admin adopts them.
    owner_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", index=True, max_length=32
    )
    #: Kept equal to the document's ``name`` (and ``description``) on every write.
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_type=Text)
    #: The latest version's document, as ``Flow.to_json()`` writes it.
    document: str = Field(sa_type=Text)
    #: Number of nodes in ``document``, so the flow list need not load every document.
    node_count: int = 0
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime, index=True)
    #: Number of the latest version (every flow has at least version 1).
    version: int = 0
    last_run_id: str | None = Field(default=None, max_length=200)
    last_run_status: str | None = Field(default=None, max_length=32)
    #: When the last run started (runs are ordered by start).
    last_run_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class FlowVersionRow(SQLModel, table=True):
    """A saved version of a flow: numbered 1, 2, 3... within its flow, never changed again."""

    __tablename__ = "flow_versions"
    # The unique (flow_id, number) index also serves every lookup by flow_id.
    __table_args__ = (UniqueConstraint("flow_id", "number", name="uq_flow_versions_flow_number"),)

    id: int | None = Field(default=None, primary_key=True)
    flow_id: str = Field(foreign_key="flows.id", ondelete="CASCADE", max_length=32)
    number: int
    document: str = Field(sa_type=Text)
    node_count: int = 0
    created_at: datetime = Field(sa_type=UtcDateTime)
    #: Who saved it; None for versions saved before accounts existed.
    author_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )
    message: str = Field(default="", sa_type=Text)


class DraftRow(SQLModel, table=True):
    """One person's unsaved edits of one flow, autosaved as they work."""

    __tablename__ = "drafts"

    flow_id: str = Field(
        foreign_key="flows.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    user_id: str = Field(
        foreign_key="users.id", ondelete="CASCADE", primary_key=True, index=True, max_length=32
    )
    #: The version the edits started from: saving checks it is still the latest.
    base_version: int
    document: str = Field(sa_type=Text)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class ShareRow(SQLModel, table=True):
    """A flow shared with one person or with one team, as "viewer" or "editor"."""

    __tablename__ = "shares"
    __table_args__ = (
        UniqueConstraint("flow_id", "user_id", name="uq_shares_flow_user"),
        UniqueConstraint("flow_id", "team_id", name="uq_shares_flow_team"),
        CheckConstraint("(user_id IS NULL) <> (team_id IS NULL)", name="ck_shares_user_or_team"),
    )

    id: int | None = Field(default=None, primary_key=True)
    flow_id: str = Field(foreign_key="flows.id", ondelete="CASCADE", max_length=32)
    user_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="CASCADE", index=True, max_length=32
    )
    team_id: str | None = Field(
        default=None, foreign_key="teams.id", ondelete="CASCADE", index=True, max_length=32
    )
    role: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UtcDateTime)


class ShareLinkRow(SQLModel, table=True):
    """A link that opens a flow for whoever holds it, until it expires or is revoked.

    Only a hash of the token is kept: a copy of the database does not open anyone's flows.
    """

    __tablename__ = "share_links"

    id: str = Field(primary_key=True, max_length=32)
    flow_id: str = Field(foreign_key="flows.id", ondelete="CASCADE", index=True, max_length=32)
    token_hash: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)
    created_by: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )
    created_at: datetime = Field(sa_type=UtcDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class RunRow(SQLModel, table=True):
    """One run of one version of a flow, on either engine.

    ``record`` keeps the whole latest run record, so a run can be shown again after its folder
    (local engine) or its cluster run (Kubeflow) is gone.
    """

    __tablename__ = "runs"
    # Lists of a flow's runs come newest first; the index covers lookups by flow_id too.
    __table_args__ = (Index("ix_runs_flow_started", "flow_id", "started_at"),)

    #: The engine's own run id.
    id: str = Field(primary_key=True, max_length=200)
    flow_id: str = Field(foreign_key="flows.id", ondelete="CASCADE", max_length=32)
    flow_version: int
    #: Who started it; None for runs from before accounts existed.
    user_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )
    #: "local" or "kubeflow".
    engine: str = Field(max_length=32)
    status: str = Field(max_length=32, index=True)
    started_at: datetime = Field(sa_type=UtcDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    duration_s: float | None = None
    headline_name: str | None = Field(default=None, max_length=64)
    headline_value: float | None = None
    error: str = Field(default="", sa_type=Text)
    #: ``RunRecord.to_dict()`` as JSON.
    record: str = Field(sa_type=Text)
    #: The schedule that started it; None for runs people started. Not a foreign key: a run
    #: stays marked scheduled after its schedule is deleted.
    schedule_id: str | None = Field(default=None, max_length=32)
    #: The flow-parameter values the run used (``RunRecord.arguments``), as JSON.
    arguments: str = Field(default="{}", sa_type=Text)
    #: The node a "rerun from here" started from; "" for a whole run.
    rerun_from: str = Field(default="", max_length=200)
    #: False when the run was started with caching off (every node ran).
    cache: bool = True
    #: The run's nodes, and how many of them reused an earlier run's result.
    node_count: int = 0
    cached_nodes: int = 0


class SessionRow(SQLModel, table=True):
    """A signed-in browser (or API client). The id is a hash of the cookie's token."""

    __tablename__ = "sessions"

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="users.id", ondelete="CASCADE", index=True, max_length=32)
    created_at: datetime = Field(sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)


class SignInFailureRow(SQLModel, table=True):
    """Failed sign-ins in a row for one account name or one address, to slow guessing down."""

    __tablename__ = "sign_in_failures"

    key: str = Field(primary_key=True, max_length=300)
    failures: int = 0
    last_failure_at: datetime = Field(sa_type=UtcDateTime)


class OidcLoginRow(SQLModel, table=True):
    """An OpenID Connect sign-in between the redirect to the provider and its callback."""

    __tablename__ = "oidc_logins"

    state: str = Field(primary_key=True, max_length=128)
    pending: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UtcDateTime)


class DatasetRow(SQLModel, table=True):
    """A dataset in the library: a name its owner chose and a history of uploaded versions."""

    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_datasets_owner_name"),)

    #: uuid4 hex.
    id: str = Field(primary_key=True, max_length=32)
    owner_id: str = Field(foreign_key="users.id", ondelete="CASCADE", max_length=32)
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime, index=True)
    #: Number of the newest version (every dataset has at least version 1).
    version: int = 0


class DatasetVersionRow(SQLModel, table=True):
    """One uploaded file of a dataset: immutable, identified by the SHA-256 of its bytes.

    The bytes live in object storage under a key made of that hash (``object_key``), so two
    versions with the same content, in any datasets, share one stored object.
    """

    __tablename__ = "dataset_versions"
    __table_args__ = (
        UniqueConstraint("dataset_id", "number", name="uq_dataset_versions_number"),
        UniqueConstraint("dataset_id", "sha256", name="uq_dataset_versions_content"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: str = Field(foreign_key="datasets.id", ondelete="CASCADE", max_length=32)
    number: int
    sha256: str = Field(max_length=64, index=True)
    size: int
    #: "csv" or "parquet".
    format: str = Field(max_length=16)
    #: The uploaded file's name, as shown (never used to build a storage key).
    filename: str = Field(max_length=255)
    rows: int
    #: Column names as a pipeline will read them, as a JSON list.
    columns: str = Field(sa_type=Text)
    #: ``TableProfile.to_dict()`` as JSON: types, missing values, statistics, preview rows.
    profile: str = Field(sa_type=Text)
    object_key: str = Field(max_length=300)
    created_at: datetime = Field(sa_type=UtcDateTime)
    author_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )


class DatasetShareRow(SQLModel, table=True):
    """A dataset shared with one person or one team, as "viewer" or "editor"."""

    __tablename__ = "dataset_shares"
    __table_args__ = (
        UniqueConstraint("dataset_id", "user_id", name="uq_dataset_shares_user"),
        UniqueConstraint("dataset_id", "team_id", name="uq_dataset_shares_team"),
        CheckConstraint(
            "(user_id IS NULL) <> (team_id IS NULL)", name="ck_dataset_shares_user_or_team"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: str = Field(foreign_key="datasets.id", ondelete="CASCADE", max_length=32)
    user_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="CASCADE", index=True, max_length=32
    )
    team_id: str | None = Field(
        default=None, foreign_key="teams.id", ondelete="CASCADE", index=True, max_length=32
    )
    role: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UtcDateTime)


class TeamTemplateRow(SQLModel, table=True):
    """A flow a team published to its template gallery: a snapshot, not a link to the flow.

    The snapshot is copied from the flow's latest saved version, so later edits of the flow (or
    its deletion) leave the template as it was published; publishing the same title again to
    the same team replaces the snapshot.
    """

    __tablename__ = "team_templates"
    # The unique (team_id, title) index also serves every lookup by team_id.
    __table_args__ = (UniqueConstraint("team_id", "title", name="uq_team_templates_team_title"),)

    #: uuid4 hex.
    id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(foreign_key="teams.id", ondelete="CASCADE", max_length=32)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=Text)
    #: One of ``templates.TASKS``.
    task: str = Field(max_length=32)
    #: One of ``templates.DIFFICULTIES``.
    difficulty: str = Field(max_length=32)
    #: The published version's document, as ``Flow.to_json()`` writes it.
    document: str = Field(sa_type=Text)
    #: The flow it was published from; None once that flow is deleted.
    source_flow_id: str | None = Field(
        default=None, foreign_key="flows.id", ondelete="SET NULL", index=True, max_length=32
    )
    source_version: int
    #: Who first published it; None if that account is ever removed.
    published_by: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime, index=True)


class ScheduleRow(SQLModel, table=True):
    """A saved version of a flow run on a cron schedule, as the person who made the schedule.

    On the local engine the designer itself starts each run (``designer.runs.scheduler``) and
    ``next_at`` says when the next one is due; on Kubeflow the cluster does, as the recurring run
    ``kubeflow_id``, and ``next_at`` is only shown.
    """

    __tablename__ = "schedules"

    #: uuid4 hex.
    id: str = Field(primary_key=True, max_length=32)
    flow_id: str = Field(foreign_key="flows.id", ondelete="CASCADE", index=True, max_length=32)
    #: The saved version each run runs (later saves do not change what is scheduled).
    flow_version: int
    #: Who made it: the runs are theirs, checked against their rights at every run.
    owner_id: str = Field(foreign_key="users.id", ondelete="CASCADE", index=True, max_length=32)
    #: Five fields, normalised by ``designer.flow.cron.check_cron``.
    cron: str = Field(max_length=100)
    #: An IANA zone name; the wall clock the cron expression is read by.
    time_zone: str = Field(max_length=64)
    #: "local" or "kubeflow".
    engine: str = Field(max_length=32)
    paused: bool = False
    #: When the next run is due (UTC); None while paused.
    next_at: datetime | None = Field(default=None, sa_type=UtcDateTime, index=True)
    #: The Kubeflow recurring run's id, for schedules on Kubeflow.
    kubeflow_id: str | None = Field(default=None, max_length=200)
    #: Why the last run could not start, or why the designer paused the schedule; "" when fine.
    last_error: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class ScheduleTickRow(SQLModel, table=True):
    """One time a local schedule came round, claimed by the designer process that runs it.

    The unique (schedule, time) pair is what keeps two designer processes on one database from
    both running the same time: the second one's insert fails.
    """

    __tablename__ = "schedule_ticks"
    # The unique (schedule_id, tick_at) index also serves every lookup by schedule_id.
    __table_args__ = (
        UniqueConstraint("schedule_id", "tick_at", name="uq_schedule_ticks_schedule_tick"),
    )

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: str = Field(foreign_key="schedules.id", ondelete="CASCADE", max_length=32)
    tick_at: datetime = Field(sa_type=UtcDateTime)
    claimed_at: datetime = Field(sa_type=UtcDateTime)
    #: Which process claimed it ("host:pid"), for the operator reading the database.
    claimed_by: str = Field(max_length=200)
    #: The run it started, once started.
    run_id: str | None = Field(default=None, max_length=200)
    #: Why no run started; "" otherwise.
    error: str = Field(default="", sa_type=Text)


class AuditEventRow(SQLModel, table=True):
    """Something someone did that an administrator may need to account for later: a sign-in,
    a share, a deletion, a published model, a run started or cancelled.

    Rows are only ever added. No column is a foreign key: the event outlives the person, the
    flow or the thing it names, so names are copied in as they were then. ``owner_id`` is whose
    thing it was, and ``flow_id`` the flow it concerns, so a person can be shown the events on
    their own flows without an administrator's view.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_kind", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UtcDateTime, index=True)
    #: Who acted; None for the command line's operator or the designer itself.
    actor_id: str | None = Field(default=None, max_length=32, index=True)
    #: Their user name then ("" for nobody).
    actor_name: str = Field(default="", max_length=64)
    #: One of ``designer.store.audit.ACTIONS``.
    action: str = Field(max_length=32, index=True)
    #: "flow", "dataset", "block", "model", "run" or "user".
    object_kind: str = Field(max_length=16)
    object_id: str = Field(max_length=200)
    #: What the thing was called then.
    object_name: str = Field(default="", max_length=200)
    #: Whose thing it was then (None: nobody's, or unknown).
    owner_id: str | None = Field(default=None, max_length=32, index=True)
    #: The flow it concerns (the flow itself, a run's flow, the flow that deployed a model).
    flow_id: str | None = Field(default=None, max_length=32, index=True)
    #: A small JSON object: the role granted and to whom, a run's version...; never a secret.
    detail: str = Field(default="{}", sa_type=Text)


#: The store's tables, parents first (other SQLModel models, Reflex's say, share the metadata).
STORE_TABLE_NAMES = (
    "users",
    "teams",
    "team_members",
    "flows",
    "flow_versions",
    "drafts",
    "shares",
    "share_links",
    "runs",
    "sessions",
    "sign_in_failures",
    "oidc_logins",
    "datasets",
    "dataset_versions",
    "dataset_shares",
    "team_templates",
    "schedules",
    "schedule_ticks",
    "user_blocks",
    "user_block_versions",
    "block_shares",
    "audit_events",
)
# People's own blocks have a module of their own; importing it here registers its tables (it
# needs only UtcDateTime from above, so importing it at this point is safe).
from designer.store import block_tables  # noqa: E402,F401

STORE_TABLES: list[Table] = [SQLModel.metadata.tables[name] for name in STORE_TABLE_NAMES]


class DeployedModelRow(SQLModel, table=True):
    """Who owns a deployed model's name: only they (or an admin) may deploy under it again.

    The model's files (versions, fitted objects) live in the model folder; this row says whose
    the name is and which flow deployed it, so the model is shared as that flow is.
    """

    __tablename__ = "deployed_models"

    name: str = Field(primary_key=True, max_length=63)
    owner_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", index=True, max_length=32
    )
    flow_id: str | None = Field(
        default=None, foreign_key="flows.id", ondelete="SET NULL", index=True, max_length=32
    )
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)

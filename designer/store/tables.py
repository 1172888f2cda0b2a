"""The store's tables: flows, their saved versions, and their runs.

A flow row holds the working draft (autosaved on every edit); a version row is a snapshot the
person chose to keep; a run row remembers one run of one version. Rows are named after what
people call them, and repository functions (``flows.py``, ``runs.py``) are the only code that
touches them, so the tables can change without the app noticing.

Room for accounts and teams: flow ids are random strings, not counters, so they can be shared
in links and merged across databases; nothing is unique per database that should later be
unique per team (flow names are not unique at all). An owner and a team column can be added to
``flows`` as nullable columns without rewriting what is here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Index, Table, Text, TypeDecorator, UniqueConstraint
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


class FlowRow(SQLModel, table=True):
    """A flow: its current document (the draft) and what the flow list shows without parsing it."""

    __tablename__ = "flows"

    #: uuid4 hex.
    id: str = Field(primary_key=True, max_length=32)
    #: Kept equal to the document's ``name`` (and ``description``) on every write.
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_type=Text)
    #: The flow document as ``Flow.to_json()`` writes it.
    document: str = Field(sa_type=Text)
    #: Number of nodes in ``document``, so the flow list need not load every document.
    node_count: int = 0
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime, index=True)
    #: Number of the latest saved version; 0 before the first save.
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
    note: str = Field(default="", sa_type=Text)


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


#: The tables ``create_schema`` creates, parents first.
STORE_TABLES: list[Table] = [
    SQLModel.metadata.tables[name] for name in ("flows", "flow_versions", "runs")
]

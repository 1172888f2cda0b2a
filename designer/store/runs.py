"""Runs of flows: remember each run's record, list a flow's runs, find runs still going.

The engines (``designer/runs/``) write their records to files or read them from the cluster;
this module keeps a copy of the latest record per run in the database, so the app can list runs
with their headline metric cheaply, show an old run after its folder is gone, and re-attach to
runs that were still going when the app stopped, or settle those nobody follows any more
(``unfinished_run_records`` and ``settle_unfinished_run``, see ``designer.runs.interrupted``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from designer.flow.document import Flow
from designer.runs.record import RunRecord, Status
from designer.store import audit
from designer.store.access import (
    Actor,
    FlowNotFound,
    NotAllowed,
    Role,
    require_flow,
    signed_in,
)
from designer.store.db import StoreError, session_scope
from designer.store.tables import FlowRow, RunRow, UserRow

#: Which metric sums a run up in the run list, by preference: the first of these that any node
#: logged. Classification scores come before regression ones, higher-is-better before errors.
HEADLINE_METRICS = ("accuracy", "f1", "roc_auc", "r2", "rmse", "mae")
UNFINISHED = (Status.PENDING, Status.RUNNING)


class RunNotFound(StoreError, LookupError):
    def __init__(self, run_id: str) -> None:
        super().__init__(
            f"no run with id {run_id!r}: it was never recorded or its flow was deleted"
        )
        self.run_id = run_id


@dataclass(frozen=True)
class RunSummary:
    """One line of a flow's run list."""

    id: str
    flow_id: str
    flow_version: int
    engine: str
    status: Status
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    headline_name: str | None
    headline_value: float | None
    #: Why the run failed, in one line; empty otherwise.
    error: str
    #: The schedule that started it (``designer.store.schedules``); None when a person did.
    schedule_id: str | None = None
    #: Who started it (for a scheduled run: the schedule's owner); None for runs from before
    #: accounts, or whose person was deleted. ``started_by`` is their display name, or "".
    user_id: str | None = None
    started_by: str = ""
    #: The flow-parameter values it used, defaults included.
    arguments: dict[str, Any] = field(default_factory=dict)
    #: The node a "rerun from here" started from; "" for a whole run.
    rerun_from: str = ""
    #: False when it ran with caching off: no node could reuse an earlier result.
    cache: bool = True
    #: Its nodes, and how many of them reused an earlier run's result ("cached").
    node_count: int = 0
    cached_nodes: int = 0


@dataclass(frozen=True)
class StoredRun:
    """A run's latest stored record and the flow version it ran."""

    flow_id: str
    flow_version: int
    record: RunRecord

    def arguments_for(self, flow: Flow) -> dict[str, Any]:
        """The values this run used for the parameters ``flow`` still declares (for a rerun):
        a parameter removed since has nowhere to go, one added since keeps its default."""
        return {
            name: value
            for name, value in self.record.arguments.items()
            if flow.param(name) is not None
        }


def headline_metric(record: RunRecord) -> tuple[str, float] | None:
    """The metric that sums the run up (see ``HEADLINE_METRICS``), or None if none was logged."""
    for name in HEADLINE_METRICS:
        for node in record.nodes.values():
            value = node.metrics.get(name)
            if _is_number(value) and math.isfinite(value):
                return name, float(value)
    return None


def check_may_run(
    engine: Engine, actor: Actor | None, flow_id: str, *, viewers_can_run: bool
) -> None:
    """Raise unless ``actor`` may start runs of the flow (editors always; viewers if allowed)."""
    with session_scope(engine) as session:
        _, role = require_flow(session, actor, flow_id, Role.VIEWER)
    if not role.allows(Role.EDITOR) and not viewers_can_run:
        raise NotAllowed(
            "this flow is shared with you to view only, and this designer lets only editors "
            "run flows: duplicate it into your own flows to run it"
        )


def record_run(
    engine: Engine,
    flow_id: str,
    flow_version: int,
    record: RunRecord,
    user_id: str | None = None,
    *,
    schedule_id: str | None = None,
) -> None:
    """Store the run's latest record, inserting the run the first time it is seen.

    The engines call this as runs progress, on behalf of whoever started the run (``user_id``,
    checked by ``check_may_run`` before the run began); ``schedule_id`` marks a run that a
    schedule started.

    Also makes it the flow's last run, unless a run that started later is already recorded
    (an old run finishing late does not hide a newer one).
    """
    values = _run_values(flow_id, flow_version, record)
    values["user_id"] = user_id
    values["schedule_id"] = schedule_id
    # Who (or which schedule) started the run never changes; a record without a start time
    # keeps the first one.
    fixed = {"id", "flow_id", "user_id", "schedule_id"}
    fixed |= {"started_at"} if record.started_at is None else set()
    with session_scope(engine) as session:
        flow = session.get(FlowRow, flow_id)
        if flow is None:
            raise FlowNotFound(flow_id)
        new = session.exec(select(RunRow.id).where(RunRow.id == record.run_id)).first() is None
        _upsert_run(session, values, [key for key in values if key not in fixed])
        if new:  # the first time a run is seen is when it started
            _run_event(
                session,
                _person(session, user_id),
                "run_started",
                flow,
                record.run_id,
                {
                    "version": flow_version,
                    "engine": record.engine,
                    "schedule": schedule_id,
                    "rerun_from": record.rerun_from or None,
                },
            )
        started = select(RunRow.started_at).where(RunRow.id == record.run_id).scalar_subquery()
        session.exec(
            update(FlowRow)
            .where(
                col(FlowRow.id) == flow_id,
                or_(
                    col(FlowRow.last_run_id).is_(None),
                    col(FlowRow.last_run_id) == record.run_id,
                    col(FlowRow.last_run_at) <= started,
                ),
            )
            .values(
                last_run_id=record.run_id, last_run_status=str(record.status), last_run_at=started
            )
        )


def record_cancel(engine: Engine, actor: Actor | None, run_id: str) -> None:
    """Write to the audit log that ``actor`` stopped the run (the caller asked the engine to,
    after ``check_may_run``): the one place the web page and the REST API both note it."""
    signed_in(actor)
    with session_scope(engine) as session:
        found = session.exec(
            select(RunRow.flow_id, RunRow.flow_version).where(RunRow.id == run_id)
        ).first()
        if found is None:
            raise RunNotFound(run_id)
        try:
            flow, _ = require_flow(session, actor, found[0], Role.VIEWER)
        except FlowNotFound as exc:
            raise RunNotFound(run_id) from exc
        _run_event(session, actor, "run_cancelled", flow, run_id, {"version": found[1]})


def list_runs(
    engine: Engine, actor: Actor | None, flow_id: str, limit: int = 50
) -> list[RunSummary]:
    """The flow's runs, the most recently started first."""
    with session_scope(engine) as session:
        require_flow(session, actor, flow_id, Role.VIEWER)
        rows = session.exec(
            select(*_SUMMARY_COLUMNS, UserRow.display_name)
            .join(UserRow, col(UserRow.id) == col(RunRow.user_id), isouter=True)
            .where(RunRow.flow_id == flow_id)
            .order_by(col(RunRow.started_at).desc(), col(RunRow.id).desc())
            .limit(limit)
        ).all()
    return [_summary(row[:-1], started_by=row[-1] or "") for row in rows]


def get_run_record(engine: Engine, actor: Actor | None, run_id: str) -> RunRecord:
    """The latest record stored for the run, for someone who may see its flow."""
    return get_stored_run(engine, actor, run_id).record


def get_stored_run(engine: Engine, actor: Actor | None, run_id: str) -> StoredRun:
    """The run's latest record and the flow version it ran, for someone who may see its flow."""
    signed_in(actor)  # nobody signed in learns nothing, not even which run ids exist
    with session_scope(engine) as session:
        found = session.exec(
            select(RunRow.flow_id, RunRow.flow_version, RunRow.record).where(RunRow.id == run_id)
        ).first()
        if found is None:
            raise RunNotFound(run_id)
        try:
            require_flow(session, actor, found[0], Role.VIEWER)
        except FlowNotFound as exc:
            raise RunNotFound(run_id) from exc
    return StoredRun(found[0], found[1], RunRecord.from_dict(json.loads(found[2])))


def unfinished_runs(engine: Engine) -> list[RunSummary]:
    """Runs last recorded as pending or running, oldest first: those to re-attach to."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(*_SUMMARY_COLUMNS)
            .where(col(RunRow.status).in_([str(status) for status in UNFINISHED]))
            .order_by(col(RunRow.started_at), col(RunRow.id))
        ).all()
    return [_summary(row) for row in rows]


def known_runs(engine: Engine, run_ids: list[str]) -> set[str]:
    """Which of ``run_ids`` the database already holds."""
    if not run_ids:
        return set()
    with session_scope(engine) as session:
        return set(session.exec(select(RunRow.id).where(col(RunRow.id).in_(run_ids))).all())


def unfinished_run_records(engine: Engine, engine_name: str) -> list[StoredRun]:
    """The stored records of runs on ``engine_name`` ("local") last seen pending or running."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(RunRow.flow_id, RunRow.flow_version, RunRow.record)
            .where(
                col(RunRow.status).in_([str(status) for status in UNFINISHED]),
                RunRow.engine == engine_name,
            )
            .order_by(col(RunRow.started_at), col(RunRow.id))
        ).all()
    return [
        StoredRun(flow_id, version, RunRecord.from_dict(json.loads(record)))
        for flow_id, version, record in rows
    ]


def settle_unfinished_run(engine: Engine, record: RunRecord) -> bool:
    """Store the finished record of a run the database still shows unfinished.

    For runs nobody follows any more (their designer stopped): False, and nothing changes,
    when the run is unknown or was recorded finished in the meantime, so a late sweep never
    overwrites how a run really ended. The flow's last run status follows.
    """
    with session_scope(engine) as session:
        found = session.exec(
            select(RunRow.flow_id, RunRow.flow_version).where(RunRow.id == record.run_id)
        ).first()
        if found is None:
            return False
        flow_id, version = found
        values = _run_values(flow_id, version, record)
        changed = {key: values[key] for key in _SETTLED_COLUMNS}
        result = session.exec(
            update(RunRow)
            .where(
                col(RunRow.id) == record.run_id,
                col(RunRow.status).in_([str(status) for status in UNFINISHED]),
            )
            .values(changed)
        )
        if not result.rowcount:
            return False
        session.exec(
            update(FlowRow)
            .where(col(FlowRow.id) == flow_id, col(FlowRow.last_run_id) == record.run_id)
            .values(last_run_status=str(record.status))
        )
    return True


#: What settling a run changes: how it ended, never who ran which flow or when it started.
_SETTLED_COLUMNS = (
    "status",
    "finished_at",
    "duration_s",
    "headline_name",
    "headline_value",
    "error",
    "record",
    "node_count",
    "cached_nodes",
)

#: The columns a RunSummary is made of, in the order of its fields.
_SUMMARY_COLUMNS = (
    RunRow.id,
    RunRow.flow_id,
    RunRow.flow_version,
    RunRow.engine,
    RunRow.status,
    RunRow.started_at,
    RunRow.finished_at,
    RunRow.duration_s,
    RunRow.headline_name,
    RunRow.headline_value,
    RunRow.error,
    RunRow.schedule_id,
    RunRow.user_id,
    RunRow.arguments,
    RunRow.rerun_from,
    RunRow.cache,
    RunRow.node_count,
    RunRow.cached_nodes,
)
#: The RunSummary fields those columns fill, in order (``started_by`` comes from a join).
_SUMMARY_FIELDS = tuple(f.name for f in fields(RunSummary) if f.name != "started_by")


def _summary(row: Any, started_by: str = "") -> RunSummary:
    values = dict(zip(_SUMMARY_FIELDS, row, strict=True))
    return RunSummary(
        **{
            **values,
            "status": Status(values["status"]),
            "arguments": _arguments(values["arguments"]),
            "started_by": started_by,
        }
    )


def _arguments(stored: str | None) -> dict[str, Any]:
    """The stored parameter values; {} for anything that is not a JSON object."""
    try:
        found = json.loads(stored or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _run_values(flow_id: str, flow_version: int, record: RunRecord) -> dict[str, Any]:
    started = _time(record.started_at) or datetime.now(UTC)
    finished = _time(record.finished_at)
    duration = None
    if record.started_at is not None and record.finished_at is not None:
        duration = max(0.0, record.finished_at - record.started_at)
    headline = headline_metric(record)
    return {
        "id": record.run_id,
        "flow_id": flow_id,
        "flow_version": flow_version,
        "engine": record.engine,
        "status": str(record.status),
        "started_at": started,
        "finished_at": finished,
        "duration_s": duration,
        "headline_name": headline[0] if headline else None,
        "headline_value": headline[1] if headline else None,
        "error": _run_error(record),
        "record": json.dumps(record.to_dict()),
        "arguments": json.dumps(record.arguments, default=str),
        "rerun_from": record.rerun_from,
        "cache": record.cache,
        "node_count": len(record.nodes),
        "cached_nodes": sum(node.status is Status.CACHED for node in record.nodes.values()),
    }


def _run_error(record: RunRecord) -> str:
    """Why the run failed: its own error, else the first failed node's, naming the node."""
    if record.error:
        return record.error
    for node_id, node in record.nodes.items():
        if node.status == Status.FAILED and node.error:
            return f"{node_id}: {node.error}"
    return ""


def _upsert_run(session: Session, values: dict[str, Any], update_keys: list[str]) -> None:
    """Insert the run, or update ``update_keys`` if it exists, in one race-free statement."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        row = session.get(RunRow, values["id"])
        if row is None:
            session.add(RunRow(**values))
        else:
            for key in update_keys:
                setattr(row, key, values[key])
        return
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(RunRow).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[RunRow.id],
        set_={key: statement.excluded[key] for key in update_keys},
    )
    session.exec(statement)


def _person(session: Session, user_id: str | None) -> Actor | None:
    user = session.get(UserRow, user_id) if user_id is not None else None
    if user is None:
        return None
    return Actor(user.id, user.username, user.display_name, user.is_admin)


def _run_event(
    session: Session,
    actor: Actor | None,
    action: str,
    flow: FlowRow,
    run_id: str,
    detail: dict[str, Any],
) -> None:
    """A run's event, named after its flow and shown to the flow's owner."""
    shown = {key: value for key, value in detail.items() if value is not None}
    audit.record(
        session,
        actor,
        action,
        "run",
        run_id,
        flow.name,
        owner_id=flow.owner_id,
        flow_id=flow.id,
        detail=shown,
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _time(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)

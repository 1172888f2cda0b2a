"""Schedules: which flow version runs when, for whom, and which times have been claimed.

Rights follow running (``designer.store.runs.check_may_run``): whoever may run a flow may
schedule it, and the runs are theirs. The flow's owner and editors, and whoever made a schedule,
may pause, resume and delete it.

A local schedule's times are run by the designer itself (``designer.runs.scheduler``). Claiming
a time inserts a row whose (schedule, time) pair is unique, in the same transaction that moves
the schedule's next time on: when two designer processes share a database, the second insert
fails and only one of them starts the run, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from designer.flow.cron import Schedule
from designer.runs.record import Status
from designer.store.access import (
    Actor,
    NotAllowed,
    Role,
    flow_roles,
    require_flow,
    signed_in,
)
from designer.store.db import StoreError, session_scope
from designer.store.tables import (
    FlowRow,
    FlowVersionRow,
    RunRow,
    ScheduleRow,
    ScheduleTickRow,
    UserRow,
)

#: Schedules one flow may have: enough for any real need, few enough that nobody can flood the
#: designer with runs.
MAX_SCHEDULES_PER_FLOW = 20
#: What a schedule's ``engine`` may be.
ENGINES = ("local", "kubeflow")


class ScheduleNotFound(StoreError, LookupError):
    """No such schedule, or one on a flow the person cannot see (the two look the same)."""

    def __init__(self, schedule_id: str) -> None:
        super().__init__(
            f"no schedule with id {schedule_id!r}: it may have been deleted, or its flow is not "
            "shared with you"
        )
        self.schedule_id = schedule_id


@dataclass(frozen=True)
class ScheduleInfo:
    """A schedule as people see it in lists."""

    id: str
    flow_id: str
    flow_name: str
    flow_version: int
    #: Who made it (whose runs they are): user name.
    owner: str
    owner_id: str
    cron: str
    time_zone: str
    engine: str
    paused: bool
    #: When the next run is due (UTC); None while paused.
    next_at: datetime | None
    kubeflow_id: str | None
    #: Why the last time failed to start a run, or why the designer paused it; "" when fine.
    last_error: str
    created_at: datetime
    #: The last time it came round and the run it started then (None before the first).
    last_tick_at: datetime | None
    last_run_id: str | None
    #: Whether the person asking may pause, resume and delete it.
    can_manage: bool

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.cron, self.time_zone)


@dataclass(frozen=True)
class DueSchedule:
    """A local schedule whose next time has come, as the scheduler needs it."""

    id: str
    flow_id: str
    flow_version: int
    owner_id: str
    cron: str
    time_zone: str
    next_at: datetime

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.cron, self.time_zone)


@dataclass(frozen=True)
class ClusterSchedule:
    """A schedule Kubeflow runs, as the recurring run ``kubeflow_id``."""

    id: str
    flow_id: str
    flow_version: int
    owner_id: str
    kubeflow_id: str


def cluster_schedules(engine: Engine) -> list[ClusterSchedule]:
    """Every schedule on Kubeflow, paused or not (a paused one may have runs still going)."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(ScheduleRow).where(
                ScheduleRow.engine == "kubeflow", col(ScheduleRow.kubeflow_id).is_not(None)
            )
        ).all()
        return [
            ClusterSchedule(r.id, r.flow_id, r.flow_version, r.owner_id, r.kubeflow_id or "")
            for r in rows
        ]


def create_schedule(
    engine: Engine,
    actor: Actor | None,
    flow_id: str,
    schedule: Schedule,
    *,
    version: int | None = None,
    engine_name: str = "local",
    viewers_can_run: bool = True,
    now: datetime | None = None,
) -> ScheduleInfo:
    """Schedule a saved version of the flow (its latest by default) as ``actor``.

    ``schedule`` comes checked from ``designer.flow.cron.parse_schedule``: a bad expression
    never reaches the database.
    """
    if engine_name not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}; got {engine_name!r}")
    now = now or _now()
    with session_scope(engine) as session:
        flow, role = require_flow(session, actor, flow_id, Role.VIEWER)
        person = signed_in(actor)
        if not role.allows(Role.EDITOR) and not viewers_can_run:
            raise NotAllowed(
                "this flow is shared with you to view only, and this designer lets only editors "
                "run flows: duplicate it into your own flows to schedule it"
            )
        number = flow.version if version is None else version
        if not _version_exists(session, flow_id, number):
            raise StoreError(
                f"flow {flow.name!r} has no saved version {number}; its versions are 1 to "
                f"{flow.version}"
            )
        count = session.exec(
            select(func.count()).select_from(ScheduleRow).where(ScheduleRow.flow_id == flow_id)
        ).one()
        if count >= MAX_SCHEDULES_PER_FLOW:
            raise NotAllowed(
                f"this flow already has {count} schedules, the most one flow may have: delete "
                "one before adding another"
            )
        row = ScheduleRow(
            id=uuid.uuid4().hex,
            flow_id=flow_id,
            flow_version=number,
            owner_id=person.id,
            cron=schedule.cron,
            time_zone=schedule.time_zone,
            engine=engine_name,
            next_at=schedule.next_after(now),
            created_at=now,
            updated_at=now,
        )
        session.add(row)
    return get_schedule(engine, actor, row.id)


def list_schedules(
    engine: Engine, actor: Actor | None, flow_id: str | None = None
) -> list[ScheduleInfo]:
    """The flow's schedules (or, without a flow, those of every flow ``actor`` may see),
    oldest first."""
    person = signed_in(actor)
    with session_scope(engine) as session:
        query = select(ScheduleRow, FlowRow, UserRow.username).join(
            FlowRow, col(FlowRow.id) == ScheduleRow.flow_id
        )
        query = query.join(UserRow, col(UserRow.id) == ScheduleRow.owner_id)
        if flow_id is not None:
            require_flow(session, actor, flow_id, Role.VIEWER)
            query = query.where(ScheduleRow.flow_id == flow_id)
        rows = session.exec(query.order_by(col(ScheduleRow.created_at), col(ScheduleRow.id))).all()
        roles = flow_roles(session, person, list({flow.id: flow for _, flow, _ in rows}.values()))
        visible = [(s, f, owner) for s, f, owner in rows if f.id in roles]
        ticks = _last_ticks(session, [s.id for s, _, _ in visible])
        return [
            _info(s, f.name, owner, roles[f.id], person, ticks.get(s.id)) for s, f, owner in visible
        ]


def get_schedule(engine: Engine, actor: Actor | None, schedule_id: str) -> ScheduleInfo:
    """One schedule, for someone who may see its flow."""
    person = signed_in(actor)
    with session_scope(engine) as session:
        row, role = _require_schedule(session, person, schedule_id)
        flow = session.get(FlowRow, row.flow_id)
        owner = session.get(UserRow, row.owner_id)
        assert flow is not None and owner is not None  # foreign keys
        tick = _last_ticks(session, [row.id]).get(row.id)
        return _info(row, flow.name, owner.username, role, person, tick)


def require_manage(engine: Engine, actor: Actor | None, schedule_id: str) -> ScheduleInfo:
    """The schedule, if ``actor`` may pause, resume or delete it; else ``NotAllowed``."""
    found = get_schedule(engine, actor, schedule_id)
    if not found.can_manage:
        raise NotAllowed(
            "only the flow's owner and editors, and whoever made a schedule, may pause, resume "
            "or delete it"
        )
    return found


def set_paused(
    engine: Engine,
    actor: Actor | None,
    schedule_id: str,
    paused: bool,
    now: datetime | None = None,
) -> ScheduleInfo:
    """Pause or resume. Resuming starts from now: times missed while paused do not run."""
    require_manage(engine, actor, schedule_id)
    now = now or _now()
    with session_scope(engine) as session:
        row = session.get(ScheduleRow, schedule_id)
        if row is None:
            raise ScheduleNotFound(schedule_id)
        if row.paused != paused:
            row.paused = paused
            row.next_at = None if paused else Schedule(row.cron, row.time_zone).next_after(now)
            row.last_error = ""
            row.updated_at = now
            session.add(row)
    return get_schedule(engine, actor, schedule_id)


def delete_schedule(engine: Engine, actor: Actor | None, schedule_id: str) -> ScheduleInfo:
    """Delete the schedule (its runs stay, marked as scheduled); what was deleted."""
    found = require_manage(engine, actor, schedule_id)
    with session_scope(engine) as session:
        row = session.get(ScheduleRow, schedule_id)
        if row is not None:
            session.delete(row)
    return found


def set_kubeflow_id(engine: Engine, schedule_id: str, kubeflow_id: str) -> None:
    """Remember the Kubeflow recurring run that carries out the schedule."""
    with session_scope(engine) as session:
        session.exec(
            update(ScheduleRow)
            .where(col(ScheduleRow.id) == schedule_id)
            .values(kubeflow_id=kubeflow_id, updated_at=_now())
        )


# --- for the scheduler: no person acts, the schedule's owner is checked when its run starts ---


def due_schedules(engine: Engine, now: datetime, engine_name: str = "local") -> list[DueSchedule]:
    """Schedules on ``engine_name`` whose next time is at or before ``now``, most overdue first."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(ScheduleRow)
            .where(
                ScheduleRow.engine == engine_name,
                col(ScheduleRow.paused).is_(False),
                col(ScheduleRow.next_at) <= now,
            )
            .order_by(col(ScheduleRow.next_at), col(ScheduleRow.id))
        ).all()
        return [
            DueSchedule(
                id=row.id,
                flow_id=row.flow_id,
                flow_version=row.flow_version,
                owner_id=row.owner_id,
                cron=row.cron,
                time_zone=row.time_zone,
                next_at=row.next_at,
            )
            for row in rows
            if row.next_at is not None
        ]


def claim_tick(
    engine: Engine,
    schedule_id: str,
    tick_at: datetime,
    *,
    next_at: datetime,
    claimed_by: str,
    now: datetime | None = None,
) -> bool:
    """Claim the time ``tick_at`` of the schedule for this process: True if it is ours to run.

    The insert of the (schedule, time) row is the claim: another process that claimed the same
    time makes it fail (PostgreSQL has the second insert wait for the first to commit). The
    schedule's next time moves to ``next_at`` in the same transaction, and only if the schedule
    is still running and still due at ``tick_at``: a schedule paused or deleted meanwhile, or a
    later time already claimed, claims nothing.
    """
    now = now or _now()
    with Session(engine, expire_on_commit=False) as session:
        try:
            session.add(
                ScheduleTickRow(
                    schedule_id=schedule_id,
                    tick_at=tick_at,
                    claimed_at=now,
                    claimed_by=claimed_by[:200],
                )
            )
            session.flush()
        except IntegrityError:  # another process claimed it, or the schedule is gone
            session.rollback()
            return False
        moved = session.exec(
            update(ScheduleRow)
            .where(
                col(ScheduleRow.id) == schedule_id,
                col(ScheduleRow.paused).is_(False),
                col(ScheduleRow.next_at) <= tick_at,
            )
            .values(next_at=next_at, updated_at=now)
        )
        if not moved.rowcount:
            session.rollback()
            return False
        session.commit()
        return True


def finish_tick(
    engine: Engine,
    schedule_id: str,
    tick_at: datetime,
    *,
    run_id: str | None = None,
    error: str = "",
) -> None:
    """Say how a claimed time ended: the run it started, or why none started."""
    with session_scope(engine) as session:
        session.exec(
            update(ScheduleTickRow)
            .where(
                col(ScheduleTickRow.schedule_id) == schedule_id,
                col(ScheduleTickRow.tick_at) == tick_at,
            )
            .values(run_id=run_id, error=error)
        )
        session.exec(
            update(ScheduleRow)
            .where(col(ScheduleRow.id) == schedule_id)
            .values(last_error=error, updated_at=_now())
        )


def pause_with_reason(engine: Engine, schedule_id: str, reason: str) -> None:
    """Pause a schedule that cannot go on (its owner lost the right to run the flow), saying
    why, so the flow's people see it rather than a failure at every time."""
    with session_scope(engine) as session:
        session.exec(
            update(ScheduleRow)
            .where(col(ScheduleRow.id) == schedule_id)
            .values(paused=True, next_at=None, last_error=reason, updated_at=_now())
        )


def runs_as(engine: Engine, owner_id: str) -> Actor | None:
    """The person a schedule's runs run as, unless an administrator disabled their account."""
    with session_scope(engine) as session:
        row = session.get(UserRow, owner_id)
        if row is None or row.disabled_at is not None:
            return None
        return Actor(
            id=row.id, username=row.username, display_name=row.display_name, is_admin=row.is_admin
        )


def unfinished_run(engine: Engine, schedule_id: str) -> str | None:
    """A run the schedule started that has not finished yet, if any: its id."""
    with session_scope(engine) as session:
        return session.exec(
            select(RunRow.id)
            .where(
                RunRow.schedule_id == schedule_id,
                col(RunRow.status).in_([str(Status.PENDING), str(Status.RUNNING)]),
            )
            .limit(1)
        ).first()


# --- helpers ------------------------------------------------------------------------------


def _require_schedule(
    session: Session, person: Actor, schedule_id: str
) -> tuple[ScheduleRow, Role]:
    """The schedule and ``person``'s role on its flow; ``ScheduleNotFound`` if they have none."""
    row = session.get(ScheduleRow, schedule_id) if _plain_id(schedule_id) else None
    flow = session.get(FlowRow, row.flow_id) if row is not None else None
    role = flow_roles(session, person, [flow]).get(flow.id) if flow is not None else None
    if row is None or role is None:
        raise ScheduleNotFound(schedule_id)
    return row, role


def _plain_id(text: str) -> bool:
    return isinstance(text, str) and 0 < len(text) <= 32 and text.isascii() and text.isalnum()


def _version_exists(session: Session, flow_id: str, number: int) -> bool:
    return (
        session.exec(
            select(FlowVersionRow.id).where(
                FlowVersionRow.flow_id == flow_id, FlowVersionRow.number == number
            )
        ).first()
        is not None
    )


def _last_ticks(session: Session, schedule_ids: list[str]) -> dict[str, ScheduleTickRow]:
    """Each schedule's latest claimed time."""
    if not schedule_ids:
        return {}
    latest = (
        select(ScheduleTickRow.schedule_id, func.max(ScheduleTickRow.tick_at).label("at"))
        .where(col(ScheduleTickRow.schedule_id).in_(schedule_ids))
        .group_by(col(ScheduleTickRow.schedule_id))
        .subquery()
    )
    rows = session.exec(
        select(ScheduleTickRow).join(
            latest,
            (col(ScheduleTickRow.schedule_id) == latest.c.schedule_id)
            & (col(ScheduleTickRow.tick_at) == latest.c.at),
        )
    ).all()
    return {row.schedule_id: row for row in rows}


def _info(
    row: ScheduleRow,
    flow_name: str,
    owner: str,
    role: Role,
    person: Actor,
    tick: ScheduleTickRow | None,
) -> ScheduleInfo:
    return ScheduleInfo(
        id=row.id,
        flow_id=row.flow_id,
        flow_name=flow_name,
        flow_version=row.flow_version,
        owner=owner,
        owner_id=row.owner_id,
        cron=row.cron,
        time_zone=row.time_zone,
        engine=row.engine,
        paused=row.paused,
        next_at=row.next_at,
        kubeflow_id=row.kubeflow_id,
        last_error=row.last_error,
        created_at=row.created_at,
        last_tick_at=tick.tick_at if tick else None,
        last_run_id=tick.run_id if tick else None,
        can_manage=role.allows(Role.EDITOR) or row.owner_id == person.id,
    )


def _now() -> datetime:
    return datetime.now(UTC)

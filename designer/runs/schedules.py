"""What people do with schedules, on whichever engine runs them: the web app and the command
line both call these.

A schedule is made on the engine the designer sends runs to at the time. Locally the designer
runs it itself (``designer.runs.scheduler``); with a Kubeflow host configured it becomes a
recurring run on the cluster (``designer.runs.kubeflow_schedules``), made before this returns,
so a schedule the cluster refused is not kept. Kubeflow's scheduler keeps UTC, so a schedule
there is written in UTC. Pausing, resuming and deleting reach the cluster first and the
database second: a cluster that cannot be reached changes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from designer.datasets.library import dataset_lookup
from designer.flow.compile import compile_flow
from designer.flow.cron import (
    PREVIEW_COUNT,
    CronProblem,
    Schedule,
    common_time_zones,
    describe,
    parse_schedule,
)
from designer.models.names import model_name_check
from designer.objects.base import ObjectStoreError
from designer.objects.configured import open_store, prepare_for_cluster
from designer.runs.kfp_record import ENGINE as KUBEFLOW
from designer.runs.kubeflow import KubeflowError
from designer.runs.kubeflow_schedules import CLUSTER_TIME_ZONE, KubeflowSchedules
from designer.runs.stored_runs import check_may_start
from designer.settings import KubeflowSettings, Settings
from designer.store import schedules as store
from designer.store import versions
from designer.store.access import Actor
from designer.store.schedules import ScheduleInfo
from designer.userblocks.lookup import PersonBlocks


class ScheduleError(Exception):
    """The engine that runs the schedule refused or could not be reached; nothing changed."""


@dataclass(frozen=True)
class Preview:
    """What the dialog and ``designer schedules preview`` show for an expression."""

    schedule: Schedule
    #: The schedule in words ("every day at 06:00"), or "" when that is not cheap to say.
    words: str
    #: The next times, in the schedule's zone.
    times: list[datetime]


def engine_of(settings: Settings) -> str:
    """Where schedules made now run: "kubeflow" with a host configured, else "local"."""
    return KUBEFLOW if settings.kubeflow is not None else "local"


def time_zone_choices(settings: Settings) -> list[str]:
    """The zones a schedule may be written in here: UTC alone on Kubeflow."""
    return [CLUSTER_TIME_ZONE] if settings.kubeflow is not None else common_time_zones()


def preview(
    settings: Settings,
    cron: str,
    time_zone: str,
    *,
    now: datetime | None = None,
    count: int = PREVIEW_COUNT,
) -> Preview:
    """Check a schedule as it would be made here and list its next times; ``CronProblem``
    says what is wrong."""
    schedule = _checked(settings, cron, time_zone)
    times = schedule.next_times(now or datetime.now(UTC), count)
    return Preview(schedule, describe(schedule.cron), times)


def add_schedule(
    settings: Settings,
    database: Engine,
    actor: Actor | None,
    flow_id: str,
    cron: str,
    time_zone: str,
    *,
    version: int | None = None,
    now: datetime | None = None,
) -> ScheduleInfo:
    """Schedule a saved version of the flow (the latest by default) as ``actor``.

    ``CronProblem`` for a bad expression or zone, the store's errors for rights and versions,
    ``ScheduleError`` when Kubeflow refuses; in every case nothing is kept.
    """
    schedule = _checked(settings, cron, time_zone)
    if actor is not None:
        check_may_start(settings, database, actor, flow_id)
    made = store.create_schedule(
        database,
        actor,
        flow_id,
        schedule,
        version=version,
        engine_name=engine_of(settings),
        viewers_can_run=settings.viewers_can_run,
        now=now,
    )
    if settings.kubeflow is None:
        return made
    assert actor is not None  # create_schedule refuses nobody
    try:
        recurring = _on_cluster(settings, settings.kubeflow, database, actor, made)
    except BaseException:
        store.delete_schedule(database, actor, made.id)
        raise
    store.set_kubeflow_id(database, made.id, recurring)
    return store.get_schedule(database, actor, made.id)


def set_schedule_paused(
    settings: Settings, database: Engine, actor: Actor | None, schedule_id: str, paused: bool
) -> ScheduleInfo:
    """Pause or resume the schedule (on the cluster first, for a Kubeflow one)."""
    found = store.require_manage(database, actor, schedule_id)
    if found.kubeflow_id:
        cluster = _cluster(settings, found)
        with _engine_errors():
            cluster.set_enabled(found.kubeflow_id, not paused)
    return store.set_paused(database, actor, schedule_id, paused)


def remove_schedule(
    settings: Settings, database: Engine, actor: Actor | None, schedule_id: str
) -> ScheduleInfo:
    """Delete the schedule (its recurring run first, for a Kubeflow one); what was deleted."""
    found = store.require_manage(database, actor, schedule_id)
    if found.kubeflow_id:
        cluster = _cluster(settings, found)
        with _engine_errors():
            cluster.delete(found.kubeflow_id)
    return store.delete_schedule(database, actor, schedule_id)


def _checked(settings: Settings, cron: str, time_zone: str) -> Schedule:
    schedule = parse_schedule(cron, time_zone)
    if settings.kubeflow is not None and schedule.time_zone != CLUSTER_TIME_ZONE:
        raise CronProblem(
            f"Schedules on Kubeflow run by the cluster's clock, {CLUSTER_TIME_ZONE}: choose "
            f"{CLUSTER_TIME_ZONE} and give the times in {CLUSTER_TIME_ZONE}"
        )
    return schedule


def _on_cluster(
    settings: Settings,
    kubeflow: KubeflowSettings,
    database: Engine,
    actor: Actor,
    made: ScheduleInfo,
) -> str:
    """Compile the scheduled version for the cluster and make its recurring run; its id."""
    flow = versions.get_version(database, actor, made.flow_id, made.flow_version)
    compiled = compile_flow(
        flow,
        None,
        dataset_lookup(database, open_store(settings), actor),
        settings=settings,
        models=model_name_check(database, settings.models_dir, actor),
        engine=KUBEFLOW,
        blocks=PersonBlocks.for_flow(database, actor, made.flow_id),
    )
    name = f"{flow.name} (version {made.flow_version}, schedule {made.id[:8]})"
    try:
        prepare_for_cluster(settings)
    except (ObjectStoreError, ValueError) as exc:
        raise ScheduleError(f"the designer's storage cannot be used ({exc})") from exc
    with _engine_errors():
        return KubeflowSchedules(kubeflow).create(
            compiled, flow_name=flow.name, name=name, cron=made.cron
        )


def _cluster(settings: Settings, found: ScheduleInfo) -> KubeflowSchedules:
    if settings.kubeflow is None:
        raise ScheduleError(
            "this schedule runs on Kubeflow, but no Kubeflow host is configured now: set "
            "DESIGNER_KFP_HOST to change it"
        )
    return KubeflowSchedules(settings.kubeflow)


@contextlib.contextmanager
def _engine_errors() -> Iterator[None]:
    """``KubeflowError`` as ``ScheduleError``, with the same one-line message."""
    try:
        yield
    except KubeflowError as exc:
        raise ScheduleError(str(exc)) from exc

"""Schedules in the store: who may make and change them, and claiming each time exactly once,
by threads and by separate processes, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import Engine

from designer.flow.cron import parse_schedule
from designer.runs.record import RunRecord, Status
from designer.store import runs
from designer.store.access import FlowNotFound, NotAllowed, SignInRequired
from designer.store.db import StoreError
from designer.store.schedules import (
    MAX_SCHEDULES_PER_FLOW,
    ScheduleNotFound,
    claim_tick,
    create_schedule,
    delete_schedule,
    due_schedules,
    finish_tick,
    get_schedule,
    list_schedules,
    pause_with_reason,
    set_paused,
    unfinished_run,
)
from tests.fixtures.people import SHARED_FLOW_VERSION, Persona, World, world
from tests.fixtures.schedule_race import race
from tests.fixtures.threads import at_once

__all__ = ["world"]

T0 = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)  # a Monday, before 06:00
DAILY = parse_schedule("0 6 * * *", "UTC")
EVERY_MINUTE = parse_schedule("* * * * *", "UTC")


@pytest.mark.parametrize(
    ("persona", "refused"),
    [
        ("owner", None),
        ("editor", None),
        ("viewer", None),
        ("team_viewer", None),
        ("team_editor", None),
        ("admin", None),
        ("stranger", FlowNotFound),
        ("anonymous", SignInRequired),
    ],
)
def test_who_may_run_a_flow_may_schedule_it(
    world: World, persona: Persona, refused: type[Exception] | None
) -> None:
    flow = world.shared_flow()
    make = partial(create_schedule, world.engine, world.actor(persona), flow.id, DAILY, now=T0)
    if refused is not None:
        with pytest.raises(refused):
            make()
        return
    made = make()
    assert (made.flow_version, made.cron, made.time_zone) == (
        SHARED_FLOW_VERSION,
        "0 6 * * *",
        "UTC",
    )
    assert made.next_at == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    assert made.owner == world.actor(persona).username  # type: ignore[union-attr]
    assert made.can_manage and not made.paused


def test_viewers_may_not_schedule_when_only_editors_may_run(world: World) -> None:
    flow = world.shared_flow()
    with pytest.raises(NotAllowed, match="lets only editors run flows"):
        create_schedule(world.engine, world.viewer, flow.id, DAILY, viewers_can_run=False)


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("owner", True),
        ("editor", True),
        ("team_editor", True),
        ("admin", True),
        ("viewer", False),
        ("team_viewer", False),
    ],
)
def test_the_flows_owner_and_editors_may_pause_resume_and_delete(
    world: World, persona: Persona, allowed: bool
) -> None:
    flow = world.shared_flow()
    made = create_schedule(world.engine, world.owner, flow.id, DAILY, now=T0)
    actor = world.actor(persona)
    assert get_schedule(world.engine, actor, made.id).can_manage is allowed
    if not allowed:
        for change in (
            partial(set_paused, world.engine, actor, made.id, True),
            partial(delete_schedule, world.engine, actor, made.id),
        ):
            with pytest.raises(NotAllowed, match="owner and editors"):
                change()
        return
    paused = set_paused(world.engine, actor, made.id, True, now=T0)
    assert (paused.paused, paused.next_at) == (True, None)
    later = T0 + timedelta(days=3)
    resumed = set_paused(world.engine, actor, made.id, False, now=later)
    # Times missed while paused do not run: the next one is after the resume.
    assert (resumed.paused, resumed.next_at) == (False, datetime(2026, 3, 5, 6, 0, tzinfo=UTC))
    delete_schedule(world.engine, actor, made.id)
    assert list_schedules(world.engine, world.owner, flow.id) == []


def test_whoever_made_a_schedule_may_remove_it_even_as_a_viewer(world: World) -> None:
    flow = world.shared_flow()
    made = create_schedule(world.engine, world.viewer, flow.id, DAILY, now=T0)
    assert delete_schedule(world.engine, world.viewer, made.id).id == made.id


def test_strangers_cannot_tell_a_schedule_exists(world: World) -> None:
    flow = world.shared_flow()
    made = create_schedule(world.engine, world.owner, flow.id, DAILY, now=T0)
    for schedule_id in (made.id, "0" * 32, "../../etc", "x" * 500):
        with pytest.raises(ScheduleNotFound):
            get_schedule(world.engine, world.stranger, schedule_id)
    assert list_schedules(world.engine, world.stranger) == []
    assert [s.id for s in list_schedules(world.engine, world.viewer)] == [made.id]


@pytest.mark.parametrize(("version", "expected"), [(None, SHARED_FLOW_VERSION), (1, 1)])
def test_a_schedule_pins_a_saved_version(world: World, version: int | None, expected: int) -> None:
    flow = world.shared_flow()
    made = create_schedule(world.engine, world.owner, flow.id, DAILY, version=version)
    assert made.flow_version == expected


def test_a_version_that_does_not_exist_cannot_be_scheduled(world: World) -> None:
    flow = world.shared_flow()
    with pytest.raises(StoreError, match="has no saved version 9; its versions are 1 to 2"):
        create_schedule(world.engine, world.owner, flow.id, DAILY, version=9)
    assert list_schedules(world.engine, world.owner, flow.id) == []


def test_one_flow_has_a_bounded_number_of_schedules(world: World) -> None:
    flow = world.shared_flow()
    for _ in range(MAX_SCHEDULES_PER_FLOW):
        create_schedule(world.engine, world.owner, flow.id, DAILY, now=T0)
    with pytest.raises(NotAllowed, match="delete one before adding another"):
        create_schedule(world.engine, world.owner, flow.id, DAILY, now=T0)


def test_only_running_local_schedules_whose_time_came_are_due(world: World) -> None:
    flow = world.shared_flow()
    soon = create_schedule(world.engine, world.owner, flow.id, EVERY_MINUTE, now=T0)
    later = create_schedule(world.engine, world.owner, flow.id, DAILY, now=T0)
    paused = create_schedule(world.engine, world.owner, flow.id, EVERY_MINUTE, now=T0)
    set_paused(world.engine, world.owner, paused.id, True, now=T0)
    create_schedule(world.engine, world.owner, flow.id, EVERY_MINUTE, engine_name="kubeflow")

    assert due_schedules(world.engine, T0) == []
    at_six = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    assert [d.id for d in due_schedules(world.engine, at_six)] == [soon.id, later.id]


def test_a_time_is_claimed_once_and_moves_the_schedule_on(world: World) -> None:
    flow = world.shared_flow()
    made = create_schedule(world.engine, world.owner, flow.id, DAILY, now=T0)
    tick = made.next_at
    assert tick is not None
    following = DAILY.next_after(tick)
    claim = partial(claim_tick, world.engine, made.id, tick, next_at=following, now=tick)

    assert claim(claimed_by="one") is True
    assert claim(claimed_by="two") is False
    assert get_schedule(world.engine, world.owner, made.id).next_at == following
    finish_tick(world.engine, made.id, tick, run_id="run-1")
    shown = get_schedule(world.engine, world.owner, made.id)
    assert (shown.last_tick_at, shown.last_run_id, shown.last_error) == (tick, "run-1", "")


def test_a_paused_or_deleted_schedule_claims_nothing(world: World) -> None:
    flow = world.shared_flow()
    made = create_schedule(world.engine, world.owner, flow.id, DAILY, now=T0)
    tick = made.next_at
    assert tick is not None
    set_paused(world.engine, world.owner, made.id, True)
    assert not claim_tick(world.engine, made.id, tick, next_at=tick, claimed_by="x", now=tick)
    delete_schedule(world.engine, world.owner, made.id)
    assert not claim_tick(world.engine, made.id, tick, next_at=tick, claimed_by="x", now=tick)


def test_threads_racing_for_a_time_claim_it_once(world: World) -> None:
    flow = world.shared_flow()
    made = create_schedule(world.engine, world.owner, flow.id, EVERY_MINUTE, now=T0)
    tick = made.next_at
    assert tick is not None
    claim = partial(
        claim_tick, world.engine, made.id, tick, next_at=tick + timedelta(minutes=1), now=tick
    )
    results = at_once([partial(claim, claimed_by=f"thread-{i}") for i in range(6)])
    assert sorted(map(str, results)) == ["False"] * 5 + ["True"]


def test_processes_racing_for_times_claim_each_once(world: World, engine: Engine) -> None:
    flow = world.shared_flow()
    made = create_schedule(world.engine, world.owner, flow.id, EVERY_MINUTE, now=T0)
    first = made.next_at
    assert first is not None
    ticks = [first + timedelta(minutes=i) for i in range(5)]
    assert race(engine.url.render_as_string(hide_password=False), made.id, ticks) == [1] * 5


def test_a_schedule_that_cannot_go_on_is_paused_with_the_reason(world: World) -> None:
    flow = world.shared_flow()
    made = create_schedule(world.engine, world.viewer, flow.id, DAILY, now=T0)
    pause_with_reason(world.engine, made.id, "vera-viewer may no longer run this flow")
    shown = get_schedule(world.engine, world.owner, made.id)
    assert (shown.paused, shown.next_at, shown.last_error) == (
        True,
        None,
        "vera-viewer may no longer run this flow",
    )


def test_runs_a_schedule_started_stay_marked_after_it_is_deleted(world: World) -> None:
    flow = world.shared_flow()
    made = create_schedule(world.engine, world.owner, flow.id, DAILY, now=T0)
    going = RunRecord(run_id="sched-run", flow_name="f", engine="local", status=Status.RUNNING)
    runs.record_run(
        world.engine, flow.id, made.flow_version, going, world.owner.id, schedule_id=made.id
    )
    assert unfinished_run(world.engine, made.id) == "sched-run"
    # Following the run later (without saying which schedule) keeps the mark.
    going.status = Status.SUCCEEDED
    runs.record_run(world.engine, flow.id, made.flow_version, going)
    assert unfinished_run(world.engine, made.id) is None
    delete_schedule(world.engine, world.owner, made.id)
    marks = {r.id: r.schedule_id for r in runs.list_runs(world.engine, world.owner, flow.id)}
    assert marks == {"sched-run": made.id, flow.run_id: None}

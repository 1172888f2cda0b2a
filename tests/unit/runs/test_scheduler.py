"""The designer's own clock: a due local schedule starts exactly one real run (even with two
schedulers on one database), a restarted designer runs nothing twice, missed times run once,
and a schedule that cannot run says why instead of failing at every time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from designer.flow.cron import parse_schedule
from designer.flow.document import Flow, Node
from designer.runs.record import RunRecord, Status
from designer.runs.scheduler import Scheduler
from designer.settings import Settings, load_settings
from designer.store import accounts, flows, runs, shares
from designer.store.access import Actor, Role
from designer.store.db import dispose_engine, engine_for
from designer.store.schedules import (
    ScheduleInfo,
    create_schedule,
    get_schedule,
    list_schedules,
)
from tests.fixtures.databases import postgres_database, sqlite_url
from tests.fixtures.flow_files import fixture_flow
from tests.fixtures.threads import at_once

HOURLY = parse_schedule("0 * * * *", "UTC")
NOW = datetime.now(UTC).replace(minute=30, second=0, microsecond=0)
RUN_TIMEOUT_S = 180


@dataclass(frozen=True)
class Designer:
    """A designer's settings and database, with an owner and their flow."""

    settings: Settings
    database: Engine
    owner: Actor
    flow_id: str

    def schedule(self, *, made_at: datetime, actor: Actor | None = None) -> ScheduleInfo:
        return create_schedule(
            self.database, actor or self.owner, self.flow_id, HOURLY, now=made_at
        )


def designer_on(url: str, home: Path, document: Flow) -> Designer:
    settings = load_settings({"DESIGNER_HOME": str(home), "DESIGNER_DATABASE_URL": url})
    database = engine_for(url)
    owner = accounts.create_user(database, "olive", "Olive Owner")  # the first: an admin
    flow = flows.create_flow(database, owner, document)
    return Designer(settings, database, owner, flow.id)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
        yield url
        dispose_engine(url)
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture
def iris(tmp_path: Path) -> Iterator[Designer]:
    url = sqlite_url(tmp_path)
    yield designer_on(
        url, tmp_path / "home", Flow.model_validate(fixture_flow("iris_classification"))
    )
    dispose_engine(url)


@pytest.fixture
def broken(tmp_path: Path) -> Iterator[Designer]:
    """A designer whose flow no longer compiles (its block left the catalogue)."""
    url = sqlite_url(tmp_path)
    flow = Flow(name="Broken", nodes=[Node(id="gone", block="load.retired_block")])
    yield designer_on(url, tmp_path / "home", flow)
    dispose_engine(url)


def finish(scheduler: Scheduler, database: Engine) -> None:
    """Let ``scheduler`` follow its runs until they end, as its thread would."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while scheduler.following:
        assert time.monotonic() < deadline, "the scheduled run never finished"
        scheduler.follow(database)
        time.sleep(0.2)


def scheduled_runs(designer: Designer) -> list[runs.RunSummary]:
    listed = runs.list_runs(designer.database, designer.owner, designer.flow_id)
    return [run for run in listed if run.schedule_id is not None]


@pytest.mark.slow
def test_two_schedulers_on_one_database_start_one_real_run(
    any_database: str, tmp_path: Path
) -> None:
    designer = designer_on(
        any_database, tmp_path / "home", Flow.model_validate(fixture_flow("iris_classification"))
    )
    made = designer.schedule(made_at=NOW - timedelta(minutes=45))  # due since NOW - 30 min
    first, second = Scheduler(designer.settings), Scheduler(designer.settings)

    started = at_once([lambda: first.run_due(NOW), lambda: second.run_due(NOW)])

    assert sorted(len(ids) for ids in started) == [0, 1]  # type: ignore[arg-type]
    runner = first if first.following else second
    finish(runner, designer.database)
    [run] = scheduled_runs(designer)
    assert (run.schedule_id, run.status, run.flow_version) == (made.id, Status.SUCCEEDED, 1)
    shown = get_schedule(designer.database, designer.owner, made.id)
    assert (shown.last_run_id, shown.last_error) == (run.id, "")
    assert shown.last_tick_at == NOW.replace(minute=0)
    assert shown.next_at == NOW.replace(minute=0) + timedelta(hours=1)


@pytest.mark.slow
def test_missed_times_run_once_and_a_restarted_designer_runs_nothing_twice(
    iris: Designer,
) -> None:
    made = iris.schedule(made_at=NOW - timedelta(hours=5))  # four times missed
    before = Scheduler(iris.settings, interval=0.2)
    before.start()
    deadline = time.monotonic() + 60
    while not scheduled_runs(iris):
        assert time.monotonic() < deadline, "the scheduler's thread never started the run"
        time.sleep(0.1)
    before.stop()
    assert not before.running

    after = Scheduler(iris.settings, interval=0.2)  # the designer, restarted
    after.start()
    time.sleep(1.0)  # several passes
    after.stop()
    assert after.run_due(NOW) == []

    [run] = scheduled_runs(iris)
    shown = get_schedule(iris.database, iris.owner, made.id)
    assert shown.last_run_id == run.id
    assert shown.next_at is not None and shown.next_at > datetime.now(UTC) - timedelta(hours=1)


def test_a_time_that_comes_while_the_last_run_is_going_is_skipped(iris: Designer) -> None:
    made = iris.schedule(made_at=NOW - timedelta(minutes=45))
    going = RunRecord(run_id="still-going", flow_name="f", engine="local", status=Status.RUNNING)
    runs.record_run(iris.database, iris.flow_id, 1, going, iris.owner.id, schedule_id=made.id)

    assert Scheduler(iris.settings).run_due(NOW) == []

    shown = get_schedule(iris.database, iris.owner, made.id)
    assert shown.last_error == "skipped: the previous run (still-going) was still going"
    assert (shown.paused, shown.next_at) == (False, NOW.replace(minute=0) + timedelta(hours=1))


def test_a_flow_that_no_longer_compiles_says_so_and_stays_scheduled(broken: Designer) -> None:
    made = broken.schedule(made_at=NOW - timedelta(minutes=45))

    assert Scheduler(broken.settings).run_due(NOW) == []

    shown = get_schedule(broken.database, broken.owner, made.id)
    assert shown.last_error.startswith("the run could not start: the flow has 1 problem(s):")
    assert "load.retired_block" in shown.last_error and "\n" not in shown.last_error
    assert not shown.paused
    assert scheduled_runs(broken) == []


def test_a_schedule_whose_owner_lost_the_flow_is_paused_saying_why(iris: Designer) -> None:
    viewer = accounts.create_user(iris.database, "vera", "Vera Viewer")
    shares.share_with_user(iris.database, iris.owner, iris.flow_id, "vera", Role.VIEWER)
    made = iris.schedule(made_at=NOW - timedelta(minutes=45), actor=viewer)
    shares.remove_access(iris.database, iris.owner, iris.flow_id, "user", viewer.id)

    assert Scheduler(iris.settings).run_due(NOW) == []

    shown = get_schedule(iris.database, iris.owner, made.id)
    assert shown.paused and shown.next_at is None
    assert shown.last_error.startswith("paused: vera may no longer run this flow")


def test_a_schedule_of_a_disabled_account_is_paused(iris: Designer) -> None:
    other = accounts.create_user(iris.database, "dora", "Dora")
    shares.share_with_user(iris.database, iris.owner, iris.flow_id, "dora", Role.EDITOR)
    made = iris.schedule(made_at=NOW - timedelta(minutes=45), actor=other)
    accounts.disable_user(iris.database, "dora")

    assert Scheduler(iris.settings).run_due(NOW) == []

    shown = get_schedule(iris.database, iris.owner, made.id)
    assert shown.paused and "account of the person who made this schedule is disabled" in (
        shown.last_error
    )


def test_local_schedules_wait_on_a_designer_that_runs_on_kubeflow(iris: Designer) -> None:
    made = iris.schedule(made_at=NOW - timedelta(minutes=45))
    on_kubeflow = load_settings(
        {
            "DESIGNER_HOME": str(iris.settings.home),
            "DESIGNER_DATABASE_URL": iris.settings.database_url,
            "DESIGNER_KFP_HOST": "http://127.0.0.1:9",
        }
    )

    assert Scheduler(on_kubeflow).run_due(NOW) == []

    [shown] = list_schedules(iris.database, iris.owner, iris.flow_id)
    assert shown.id == made.id and shown.last_tick_at is None  # still due, nothing claimed

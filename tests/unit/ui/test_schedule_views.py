"""The schedules' rows in the Run tab, the times as the dialog shows them, and the scheduler
running for as long as the web app does."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from designer import designer as web
from designer.store.schedules import ScheduleInfo
from designer.ui.editor.schedule_state import schedule_rows, when
from tests.fixtures.threads import run_coroutine

MADE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def info(**changes: object) -> ScheduleInfo:
    values: dict[str, object] = {
        "id": "a" * 32,
        "flow_id": "f" * 32,
        "flow_name": "Forecast",
        "flow_version": 3,
        "owner": "ada",
        "owner_id": "u" * 32,
        "cron": "0 8 * * 1-5",
        "time_zone": "Europe/Paris",
        "engine": "local",
        "paused": False,
        "next_at": datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
        "kubeflow_id": None,
        "last_error": "",
        "created_at": MADE,
        "last_tick_at": None,
        "last_run_id": None,
        "can_manage": True,
    }
    values.update(changes)
    return ScheduleInfo(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {},
            {
                "words": "every weekday (Monday to Friday) at 08:00 (Europe/Paris)",
                "engine": "run by the designer",
                "next": "next Mon 2 Mar 2026, 08:00 CET",
                "paused": False,
            },
        ),
        ({"paused": True, "next_at": None}, {"next": "paused", "paused": True}),
        (
            {"engine": "kubeflow", "time_zone": "UTC", "cron": "0 6 1 1 *"},
            {
                "words": "0 6 1 1 * (UTC)",
                "engine": "on Kubeflow",
                "next": "next Mon 2 Mar 2026, 07:00 UTC",
            },
        ),
        (
            {"last_error": "skipped: the previous run (r1) was still going", "can_manage": False},
            {"error": "skipped: the previous run (r1) was still going", "can_manage": False},
        ),
    ],
    ids=["running", "paused", "kubeflow", "skipped"],
)
def test_schedule_rows_say_what_when_and_whose(
    changes: dict[str, object], expected: dict[str, object]
) -> None:
    [row] = schedule_rows([info(**changes)])
    assert {key: row[key] for key in expected} == expected
    assert (row["id"], row["version"], row["owner"]) == ("a" * 32, 3, "ada")


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 7, 4, 6, 0, tzinfo=ZoneInfo("Europe/Paris")), "Sat 4 Jul 2026, 06:00 CEST"),
        (datetime(2026, 12, 25, 23, 30, tzinfo=UTC), "Fri 25 Dec 2026, 23:30 UTC"),
    ],
)
def test_times_read_with_their_zone(moment: datetime, shown: str) -> None:
    assert when(moment) == shown


def test_the_scheduler_runs_while_the_app_does(
    designer_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_DATABASE_URL", f"sqlite:///{designer_home / 'designer.db'}")
    assert web.run_schedules in web.app.get_lifespan_tasks()

    async def through_the_lifespan() -> tuple[list[str], list[str]]:
        async with web.run_schedules():
            during = [thread.name for thread in threading.enumerate()]
        return during, [thread.name for thread in threading.enumerate()]

    during, after = run_coroutine(through_the_lifespan())
    assert "designer-scheduler" in during and "designer-scheduler" not in after

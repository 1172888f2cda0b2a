"""Schedules from the editor, end to end: a bad expression is explained and nothing is made, a
good one previews its next times and is created, then paused, resumed and deleted; runs a
schedule started stay marked in the history. Screenshots at 1440x900 and 1280x720."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from designer.runs.record import RunRecord, Status
from designer.settings import load_settings
from designer.store import accounts, runs
from designer.store.db import engine_for
from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import Editor

pytestmark = pytest.mark.e2e

#: The presets' buttons and the expression each one puts in the field.
PRESETS = {
    "schedule-preset-hourly": "0 * * * *",
    "schedule-preset-daily": "0 6 * * *",
    "schedule-preset-weekly": "0 6 * * 1",
    "schedule-preset-weekdays": "0 8 * * 1-5",
}


def open_dialog(page: Page) -> None:
    page.get_by_test_id("schedule-open").click()
    expect(page.get_by_test_id("schedule-dialog")).to_be_visible()
    expect(page.get_by_test_id("schedule-next")).to_have_count(5)


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1280, 720)])
def test_schedule_a_flow_from_the_editor(
    browser: Browser,
    sign_in: SignIn,
    app: tuple[str, dict[str, str]],
    screenshot_path: Path,
    width: int,
    height: int,
) -> None:
    app_url, env = app
    context = browser.new_context(viewport={"width": width, "height": height})
    sign_in(context, "ada")
    page = context.new_page()
    page.set_default_timeout(15_000)
    editor = Editor(page, app_url, screenshot_path)
    flow_url = editor.new_flow()
    flow_id = flow_url.rstrip("/").rsplit("/", 1)[-1]
    size = f"{width}x{height}"

    # A bad expression: said under the field as typed, Create stays off, nothing is made.
    open_dialog(page)
    cron = page.get_by_test_id("schedule-cron")
    cron.fill("61 * * * *")
    problem = page.get_by_test_id("schedule-problem")
    expect(problem).to_have_text("Schedule '61 * * * *': minute must be 0-59")
    expect(page.get_by_test_id("schedule-next")).to_have_count(0)
    expect(page.get_by_test_id("schedule-create")).to_be_disabled()
    editor.shot(f"schedule-bad-cron-{size}")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("schedule-dialog")).to_have_count(0)
    page.get_by_test_id("tab-run").click()
    expect(page.get_by_test_id("schedules-section")).to_be_attached()
    expect(page.get_by_test_id("schedule-row")).to_have_count(0)

    # A good one: every preset fills the field, the zone and version pickers work, the preview
    # lists the next five times by the zone's clock.
    open_dialog(page)
    for button, expression in PRESETS.items():
        page.get_by_test_id(button).click()
        expect(cron).to_have_value(expression)
    preview = page.get_by_test_id("schedule-preview")
    expect(preview).to_contain_text("Every weekday (Monday to Friday) at 08:00 (UTC)")
    page.get_by_test_id("schedule-zone").click()
    page.get_by_role("option", name="Europe/Paris", exact=True).click()
    expect(preview).to_contain_text("at 08:00 (Europe/Paris)")
    times = page.get_by_test_id("schedule-next")
    expect(times).to_have_count(5)
    expect(times.first).to_contain_text(re.compile(r"^(Mon|Tue|Wed|Thu|Fri) .* 08:00 CES?T$"))
    page.get_by_test_id("schedule-version").click()
    page.get_by_role("option", name=re.compile(r"^v1 · ")).click()
    expect(page.get_by_test_id("schedule-version")).to_contain_text("v1")
    editor.shot(f"schedule-preview-{size}")
    page.get_by_test_id("schedule-create").click()
    expect(page.get_by_text("Scheduled version 1: every weekday")).to_be_visible()
    expect(page.get_by_test_id("schedule-dialog")).to_have_count(0)

    # Listed in the Run tab with its next time; pause, resume, delete (cancelled once).
    row = page.get_by_test_id("schedule-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("every weekday (Monday to Friday) at 08:00 (Europe/Paris)")
    expect(row.get_by_test_id("schedule-next-run")).to_contain_text("v1 · ada · ")
    expect(row.get_by_test_id("schedule-next-run")).to_contain_text("next ")
    schedule_id = row.get_attribute("data-schedule-id") or ""
    editor.shot(f"schedule-listed-{size}")
    row.get_by_test_id("schedule-pause").click()
    expect(row).to_contain_text("paused")
    expect(row.get_by_test_id("schedule-resume")).to_be_visible()
    row.get_by_test_id("schedule-resume").click()
    expect(row.get_by_test_id("schedule-pause")).to_be_visible()
    expect(row.get_by_test_id("schedule-next-run")).to_contain_text("next ")
    row.get_by_test_id("schedule-delete").click()
    page.get_by_test_id("schedule-delete-confirm-cancel").click()
    expect(row).to_have_count(1)
    row.get_by_test_id("schedule-delete").click()
    page.get_by_test_id("schedule-delete-confirm").click()
    expect(page.get_by_test_id("schedule-row")).to_have_count(0)

    # A run the schedule started stays marked "scheduled" in the history after the delete.
    database = engine_for(load_settings(env).database_url)
    ada = accounts.actor_named(database, "ada")
    record = RunRecord(
        run_id=f"scheduled-{schedule_id[:8]}-{width}",
        flow_name="Untitled flow",
        engine="local",
        status=Status.SUCCEEDED,
    )
    runs.record_run(database, flow_id, 1, record, ada.id, schedule_id=schedule_id)
    editor.reload()
    page.get_by_test_id("tab-run").click()
    history = page.get_by_test_id("history-row")
    expect(history.first.get_by_test_id("history-scheduled")).to_have_text("scheduled")
    editor.shot(f"schedule-history-{size}")
    editor.assert_no_console_errors()
    context.close()

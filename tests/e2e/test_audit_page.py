"""The audit log page end to end: a person reaches it from the header, sees the events on their
own flow and their sign-in, filters by person, action, kind and dates, clears the filters and
pages through; a site admin sees other people's events too.

The events are made through the store functions the pages and the REST API call (sharing a
flow, starting a run, signing in), so the page shows what those really write.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from designer.runs.record import RunRecord, Status
from designer.settings import load_settings
from designer.store import accounts, shares
from designer.store.access import Role
from designer.store.audit import record_event
from designer.store.db import engine_for
from designer.store.flows import create_flow
from designer.store.runs import record_run
from tests.e2e.conftest import SignIn
from tests.fixtures.people import sample_flow

pytestmark = pytest.mark.e2e

#: More than one page of the table (50 events).
PADDING = 52


def choose(page: Page, testid: str, option: str) -> None:
    page.get_by_test_id(testid).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_the_audit_page_for_an_owner_and_for_an_admin(
    browser: Browser,
    sign_in: SignIn,
    app: tuple[str, dict[str, str]],
    screenshot_path: Path,
) -> None:
    url, env = app[0].rstrip("/"), app[1]
    engine = engine_for(load_settings(env).database_url)
    suffix = uuid.uuid4().hex[:8]
    owner_name, friend_name = f"auditee-{suffix}", f"friend-{suffix}"
    friend = accounts.create_user(engine, friend_name, "Friend")
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    sign_in(context, owner_name)
    owner = accounts.credentials(engine, owner_name)[0]
    flow_id = create_flow(engine, owner, sample_flow(f"Churn {suffix}")).id
    shares.share_with_user(engine, owner, flow_id, friend_name, Role.VIEWER)
    record = RunRecord(run_id=f"run-{suffix}", flow_name="Churn", engine="local")
    record.status = Status.RUNNING
    record_run(engine, flow_id, 1, record, user_id=friend.id)

    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{url}/")
    page.get_by_role("link", name="Audit", exact=True).click()
    page.wait_for_url(re.compile(r"/audit$"))
    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(3)  # signed in, shared, the friend's run
    expect(rows.nth(0)).to_contain_text("started a run")
    expect(rows.nth(0)).to_contain_text(friend_name)
    expect(rows.nth(1)).to_contain_text("shared")
    expect(rows.nth(1)).to_contain_text(f"user: {friend_name}")
    expect(rows.nth(2)).to_contain_text("signed in")
    expect(page.get_by_test_id("audit-newer")).to_be_disabled()
    expect(page.get_by_test_id("audit-older")).to_be_disabled()
    page.screenshot(path=str(screenshot_path / "audit-owner.png"), full_page=True)

    # Filters: a person, an action, a kind, and a day range.
    page.get_by_test_id("audit-person").fill(friend_name)
    page.get_by_test_id("audit-apply").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("started a run")
    page.get_by_test_id("audit-clear").click()
    expect(rows).to_have_count(3)
    choose(page, "audit-action", "shared")
    page.get_by_test_id("audit-apply").click()
    expect(rows).to_have_count(1)
    choose(page, "audit-action", "any action")
    choose(page, "audit-kind", "account")
    page.get_by_test_id("audit-apply").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("signed in")
    choose(page, "audit-kind", "anything")
    today = datetime.now(UTC).date()
    page.get_by_test_id("audit-since").fill((today + timedelta(days=1)).isoformat())
    page.get_by_test_id("audit-until").fill((today + timedelta(days=2)).isoformat())
    page.get_by_test_id("audit-apply").click()
    expect(page.get_by_test_id("audit-empty")).to_be_visible()
    page.get_by_test_id("audit-since").fill(today.isoformat())
    page.get_by_test_id("audit-until").fill("")
    page.get_by_test_id("audit-apply").click()
    expect(rows).to_have_count(3)
    page.screenshot(path=str(screenshot_path / "audit-filtered.png"), full_page=True)

    # Paging: more events than a page holds.
    for number in range(PADDING):
        record_event(
            engine,
            owner,
            "shared",
            "flow",
            flow_id,
            f"Churn {suffix}",
            owner_id=owner.id,
            flow_id=flow_id,
            detail={"n": number},
        )
    page.get_by_test_id("audit-clear").click()
    expect(rows).to_have_count(50)
    page.get_by_test_id("audit-older").click()
    expect(rows).to_have_count(PADDING + 3 - 50)
    expect(page.get_by_test_id("audit-older")).to_be_disabled()
    page.get_by_test_id("audit-newer").click()
    expect(rows).to_have_count(50)
    context.close()

    # A site admin reads everyone's events: here, the owner's filtered by their name.
    admin_name = f"auditor-{suffix}"
    admin_context = browser.new_context(viewport={"width": 1440, "height": 1000})
    sign_in(admin_context, admin_name)
    accounts.set_admin(engine, admin_name, True)
    admin_page = admin_context.new_page()
    admin_page.set_default_timeout(15_000)
    admin_page.goto(f"{url}/audit")
    expect(admin_page.get_by_text("Everything that happened on this designer")).to_be_visible()
    admin_page.get_by_test_id("audit-person").fill(owner_name)
    choose(admin_page, "audit-action", "shared")
    admin_page.get_by_test_id("audit-apply").click()
    expect(admin_page.get_by_test_id("audit-row")).to_have_count(50)
    admin_page.get_by_test_id("audit-person").fill("someone-who-never-was")
    admin_page.get_by_test_id("audit-apply").click()
    expect(admin_page.get_by_test_id("audit-empty")).to_be_visible()
    admin_page.get_by_test_id("audit-person").fill(owner_name)
    admin_page.get_by_test_id("audit-apply").click()
    admin_page.screenshot(path=str(screenshot_path / "audit-admin.png"), full_page=True)
    admin_context.close()

"""The Teams page run by two people: add a member as an admin, change their role, and leave."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SignIn

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_pages(browser: Browser, sign_in: SignIn) -> Iterator[tuple[Page, Page, str]]:
    """Olga's and Mo's pages, each signed in, and Mo's user name."""
    suffix = uuid.uuid4().hex[:6]
    pages = []
    for name in (f"olga-{suffix}", f"mo-{suffix}"):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        sign_in(context, name)
        page = context.new_page()
        page.set_default_timeout(15_000)
        pages.append(page)
    yield pages[0], pages[1], f"mo-{suffix}"
    for page in pages:
        page.context.close()


def choose(page: Page, trigger: str, label: str, within: Page | None = None) -> None:
    (within or page).get_by_test_id(trigger).click()
    page.get_by_role("option", name=label, exact=True).click()


def test_roles_are_chosen_changed_and_a_member_leaves(
    two_pages: tuple[Page, Page, str], app_url: str, screenshot_path: Path
) -> None:
    olga, mo, mo_name = two_pages
    team = f"Forecasting {uuid.uuid4().hex[:6]}"
    mo.goto(app_url)  # Mo's account exists from the first page he opens
    olga.goto(app_url.rstrip("/") + "/teams")
    olga.get_by_test_id("team-new-name").fill(team)
    olga.get_by_test_id("team-create").click()
    olga.locator(f'[data-testid="team-row"][data-name="{team}"]').click()

    # Mo joins as an admin, chosen before adding him; then Olga makes him a member.
    olga.get_by_test_id("member-add-name").fill(mo_name)
    choose(olga, "member-add-role", "Admin")
    expect(olga.get_by_test_id("member-add-role")).to_have_text("Admin")
    olga.get_by_test_id("member-add").click()
    row = olga.locator(f'[data-testid="member-row"][data-name="{mo_name}"]')
    expect(row.get_by_test_id("member-role")).to_have_text("Admin")
    row.get_by_test_id("member-role").click()
    olga.get_by_role("option", name="Member", exact=True).click()
    olga.reload()
    olga.locator(f'[data-testid="team-row"][data-name="{team}"]').click()
    expect(row.get_by_test_id("member-role")).to_have_text("Member")
    olga.screenshot(path=screenshot_path / "teams-roles.png")

    # Mo, a member, sees the team without admin controls, and leaves it.
    mo.goto(app_url.rstrip("/") + "/teams")
    mine = mo.locator(f'[data-testid="team-row"][data-name="{team}"]')
    mine.click()
    expect(mo.get_by_test_id("member-role")).to_have_count(0)
    mo.get_by_test_id("team-leave").click()
    mo.get_by_test_id("team-leave-confirm").click()
    expect(mo.get_by_text(f"You left {team}")).to_be_visible()
    expect(mine).to_have_count(0)

    olga.reload()
    olga.locator(f'[data-testid="team-row"][data-name="{team}"]').click()
    expect(olga.locator(f'[data-testid="member-row"][data-name="{mo_name}"]')).to_have_count(0)

"""Accounts in the browser: the sign-up and sign-in forms, sign-out, and teams.

The forms post to the server for real (no cookie is planted here): the session cookie the
browser ends up with is the one the designer set, HttpOnly, so page scripts cannot read it.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import Editor
from tests.e2e.known_secrets import OTHER_PASSWORD, PASSWORD, WRONG_PASSWORD

pytestmark = pytest.mark.e2e


def test_sign_up_sign_out_and_sign_in_again(
    browser: Browser, app_url: str, screenshot_path: Path
) -> None:
    name = f"grace-{uuid.uuid4().hex[:6]}"
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(app_url.rstrip("/") + "/teams")  # not signed in: sent to sign in, and back afterwards
    page.wait_for_url(re.compile(r"/signin\?next=/teams$"))
    page.get_by_test_id("to-signup").click()
    page.wait_for_url(re.compile(r"/signup"))
    page.get_by_test_id("signup-username").fill(name)
    page.get_by_test_id("signup-name").fill("Grace Hopper")
    page.get_by_test_id("signup-password").fill(PASSWORD)
    page.get_by_test_id("signup-confirm").fill(PASSWORD)
    page.get_by_test_id("signup-submit").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_test_id("signed-in-as")).to_have_text("Grace Hopper")
    cookie = next(c for c in context.cookies() if c["name"] == "designer_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("designer_session") == -1

    page.get_by_test_id("sign-out").click()
    page.wait_for_url(re.compile(r"/signin/?$"))
    page.goto(app_url)
    page.wait_for_url(re.compile(r"/signin/?$"))  # the session really ended

    page.get_by_test_id("signin-username").fill(name)
    page.get_by_test_id("signin-password").fill(WRONG_PASSWORD)
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("signin-error")).to_contain_text("wrong")
    expect(page.get_by_test_id("signin-username")).to_have_value(name)
    page.screenshot(path=screenshot_path / "sign-in-error.png")

    page.get_by_test_id("signin-password").fill(PASSWORD)
    page.get_by_test_id("signin-submit").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_test_id("signed-in-as")).to_have_text("Grace Hopper")
    context.close()


def test_a_refused_sign_up_lists_every_problem_and_keeps_what_was_typed(
    browser: Browser, app_url: str, screenshot_path: Path
) -> None:
    name = f"hedy-{uuid.uuid4().hex[:6]}"
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(app_url.rstrip("/") + "/signup")
    page.get_by_test_id("signup-username").fill(name)
    page.get_by_test_id("signup-name").fill("Hedy Lamarr")
    page.get_by_test_id("signup-password").fill("short")
    page.get_by_test_id("signup-confirm").fill("shorter")
    page.get_by_test_id("signup-submit").click()

    error = page.get_by_test_id("signin-error")
    expect(error).to_contain_text("The two passwords differ")
    expect(error).to_contain_text("A password needs at least 8 characters")
    expect(page.get_by_test_id("signup-username")).to_have_value(name)
    expect(page.get_by_test_id("signup-name")).to_have_value("Hedy Lamarr")
    page.screenshot(path=screenshot_path / "sign-up-problems.png")

    page.get_by_test_id("signup-password").fill(OTHER_PASSWORD)
    page.get_by_test_id("signup-confirm").fill(OTHER_PASSWORD)
    page.get_by_test_id("signup-submit").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_test_id("signed-in-as")).to_have_text("Hedy Lamarr")
    context.close()


def test_a_flow_shared_with_a_team_shows_under_the_team(
    browser: Browser, sign_in: SignIn, app_url: str, screenshot_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:6]
    owner, member, team = f"olga-{suffix}", f"mo-{suffix}", f"Vision {suffix}"
    pages = []
    for name in (owner, member):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        sign_in(context, name)
        page = context.new_page()
        page.set_default_timeout(15_000)
        pages.append(page)
    olga, mo = pages
    mo.goto(app_url)  # Mo exists (an account is made on first sign-in)

    olga.goto(app_url.rstrip("/") + "/teams")
    olga.get_by_test_id("team-new-name").fill(team)
    olga.get_by_test_id("team-create").click()
    olga.locator(f'[data-testid="team-row"][data-name="{team}"]').click()
    olga.get_by_test_id("member-add-name").fill(member)
    olga.get_by_test_id("member-add").click()
    expect(olga.locator(f'[data-testid="member-row"][data-name="{member}"]')).to_be_visible()
    olga.screenshot(path=screenshot_path / "teams.png")

    editor = Editor(olga, app_url, screenshot_path)
    flow_url = editor.new_flow()
    olga.get_by_test_id("share-button").click()
    dialog = olga.get_by_test_id("share-dialog")
    dialog.get_by_test_id("share-search").fill(team)
    dialog.locator(f'[data-testid="share-match"][data-name="{team}"]').click()
    dialog.get_by_test_id("share-submit").click()
    expect(dialog.locator('[data-testid="access-row"][data-kind="team"]')).to_have_count(1)

    mo.goto(app_url)
    tab = mo.get_by_role("tab", name=team)
    tab.click()
    rows = mo.get_by_test_id("flow-row")
    expect(rows).to_have_count(1)
    rows.get_by_test_id("open-flow").click()
    mo.wait_for_url(flow_url)
    expect(mo.get_by_test_id("read-only-banner")).to_be_visible()
    for page in pages:
        page.context.close()


def test_a_view_only_link_opens_for_anyone_until_revoked(
    browser: Browser, page: Page, app_url: str, screenshot_path: Path
) -> None:
    editor = Editor(page, app_url, screenshot_path)
    editor.new_flow()
    page.get_by_test_id("palette-item").filter(has_text="Sample dataset").click()
    editor.save("For the link")
    page.get_by_test_id("share-button").click()
    page.get_by_test_id("link-create").click()
    link = page.get_by_test_id("link-url")
    expect(link).to_have_value(re.compile(r"/links/[A-Za-z0-9_-]{43,}$"))
    url = link.input_value()

    stranger = browser.new_context(viewport={"width": 1280, "height": 800})  # not signed in
    visitor = stranger.new_page()
    visitor.goto(url)
    expect(visitor.get_by_test_id("read-only-banner")).to_contain_text("by link")
    expect(visitor.locator('[data-testid="canvas-node"]')).to_have_count(1)
    expect(visitor.get_by_test_id("save-button")).to_have_count(0)
    visitor.screenshot(path=screenshot_path / "link-view.png")

    page.get_by_test_id("link-revoke").first.click()
    expect(page.get_by_test_id("link-row").first).to_have_attribute("data-status", "revoked")
    visitor.goto(url)
    expect(visitor.get_by_text("revoked")).to_be_visible()
    stranger.close()

"""A beginner's way in through the template gallery: from the front page to the gallery,
filter and search, preview a template read-only, use it, run the copy and compare its models."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from designer.settings import load_settings
from designer.store import accounts, teams
from designer.store.db import engine_for
from designer.templates.use import use_template
from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import RUN_TIMEOUT_MS, Editor

pytestmark = pytest.mark.e2e


@pytest.fixture
def editor(app_url: str, page: Page, screenshot_path: Path) -> Editor:
    return Editor(page, app_url, screenshot_path)


def cards(page: Page) -> Locator:
    return page.get_by_test_id("template-card")


def test_filter_preview_use_run_and_compare_a_template(editor: Editor, app_url: str) -> None:
    page = editor.page
    page.goto(app_url)
    page.get_by_test_id("open-gallery").click()
    page.wait_for_url(re.compile(r"/gallery/?$"))
    expect(cards(page).first).to_be_visible()
    everything = cards(page).count()
    assert everything >= 8
    editor.shot("gallery")

    page.get_by_role("radio", name="Regression").click()
    expect(cards(page)).to_have_count(1)
    expect(cards(page).first).to_have_attribute("data-task", "regression")
    page.get_by_role("radio", name="All tasks").click()
    expect(cards(page)).to_have_count(everything)

    page.get_by_test_id("difficulty-filter").click()
    page.get_by_role("option", name="Advanced").click()
    expect(cards(page)).to_have_count(1)
    expect(cards(page).first).to_have_attribute("data-difficulty", "advanced")
    page.get_by_test_id("difficulty-filter").click()
    page.get_by_role("option", name="Any level").click()

    page.get_by_test_id("template-search").fill("no template says this")
    expect(page.get_by_test_id("no-templates")).to_be_visible()
    page.get_by_test_id("template-search").fill("side by side")
    expect(cards(page)).to_have_count(1)
    card = cards(page).first
    expect(card).to_have_attribute("data-template", "compare-classifiers")
    thumbnail = card.get_by_role("img")
    expect(thumbnail).to_have_attribute("src", re.compile(r"^data:image/svg\+xml;base64,"))

    card.get_by_test_id("preview-template").click()
    page.wait_for_url(re.compile(r"/gallery/compare-classifiers/?$"))
    editor.wait_ready()
    expect(editor.nodes).to_have_count(9)
    expect(page.get_by_test_id("read-only-banner")).to_contain_text("template")
    expect(page.get_by_test_id("palette-item")).to_have_count(0)  # nothing to drag in a preview
    about = page.get_by_test_id("template-about")
    expect(about).to_contain_text("Compare three models")
    expect(about).to_contain_text("What you will learn")
    expect(about).to_contain_text("runs in about")
    editor.shot("gallery-preview")

    page.get_by_test_id("read-only-banner").get_by_test_id("use-template").click()
    page.wait_for_url(re.compile(r"/flows/[0-9a-f]+$"))
    editor.wait_ready()
    expect(page.get_by_test_id("flow-name")).to_have_value(re.compile(r"^Compare three models"))
    expect(editor.nodes).to_have_count(9)
    expect(page.get_by_test_id("run-button")).to_be_enabled()

    page.get_by_test_id("run-button").click()
    expect(page.get_by_test_id("run-summary")).to_have_attribute(
        "data-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )
    table = page.get_by_test_id("compare-table")
    expect(table).to_be_visible()
    expect(table.get_by_test_id("compare-column")).to_have_count(3)
    expect(table.get_by_test_id("compare-best")).to_have_count(1)
    expect(table).to_contain_text("Accuracy")
    expect(page.get_by_test_id("metric").first).to_be_visible()
    editor.shot("gallery-template-ran")
    editor.assert_no_console_errors()


def test_a_flow_published_to_a_team_shows_in_its_members_gallery(
    browser: Browser, sign_in: SignIn, app: tuple[str, dict[str, str]], screenshot_path: Path
) -> None:
    url, env = app
    engine = engine_for(load_settings(env).database_url)
    suffix = uuid.uuid4().hex[:6]
    editors = {}
    for name in ("alice", "bob", "carol"):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        sign_in(context, f"{name}-{suffix}")
        page = context.new_page()
        page.set_default_timeout(15_000)
        editors[name] = Editor(page, url, screenshot_path)
    alice = accounts.credentials(engine, f"alice-{suffix}")[0]
    team = teams.create_team(engine, alice, f"Analysts {suffix}")
    teams.add_member(engine, alice, team.id, f"bob-{suffix}")
    flow = use_template(engine, alice, "iris-flowers")

    page = editors["alice"].page
    page.goto(f"{url.rstrip('/')}/flows/{flow.id}")
    editors["alice"].wait_ready()
    page.get_by_test_id("publish-open").click()
    dialog = page.get_by_test_id("publish-dialog")
    expect(page.get_by_test_id("publish-title")).to_have_value(re.compile("^Recognise iris"))
    expect(page.get_by_test_id("publish-task")).to_have_text("Classification")
    page.get_by_test_id("publish-title").fill("Our iris starter")
    page.get_by_test_id("publish-description").fill("The flow we start every iris project from.")
    editors["alice"].shot("publish-dialog")
    page.get_by_test_id("publish-confirm").click()
    expect(dialog).to_have_count(0)

    page = editors["bob"].page
    page.goto(f"{url.rstrip('/')}/gallery")
    page.get_by_test_id("template-search").fill("iris starter")
    card = page.get_by_test_id("template-card")
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("template-team")).to_have_text(f"Analysts {suffix}")
    expect(card).to_contain_text("The flow we start every iris project from.")
    editors["bob"].shot("gallery-team-template")
    card.get_by_test_id("use-template").click()
    page.wait_for_url(re.compile(r"/flows/[0-9a-f]+$"))
    editors["bob"].wait_ready()
    expect(page.get_by_test_id("flow-name")).to_have_value("Our iris starter")
    expect(editors["bob"].nodes).to_have_count(4)

    page = editors["carol"].page  # not in the team
    page.goto(f"{url.rstrip('/')}/gallery")
    page.get_by_test_id("template-search").fill("iris starter")
    expect(page.get_by_test_id("no-templates")).to_be_visible()
    page.get_by_test_id("clear-filters").click()
    expect(page.get_by_test_id("template-search")).to_have_value("")
    expect(page.get_by_test_id("template-card").first).to_be_visible()

    # Bob may use it but not remove it; Alice, who published it, may.
    page = editors["bob"].page
    page.goto(f"{url.rstrip('/')}/gallery")
    page.get_by_test_id("template-search").fill("iris starter")
    expect(page.get_by_test_id("template-card")).to_have_count(1)
    expect(page.get_by_test_id("remove-template")).to_have_count(0)
    page = editors["alice"].page
    page.goto(f"{url.rstrip('/')}/gallery")
    page.get_by_test_id("template-search").fill("iris starter")
    page.get_by_test_id("template-card").get_by_test_id("remove-template").click()
    page.get_by_test_id("confirm-remove-cancel").click()
    expect(page.get_by_test_id("template-card")).to_have_count(1)
    page.get_by_test_id("template-card").get_by_test_id("remove-template").click()
    page.get_by_test_id("confirm-remove").click()
    expect(page.get_by_test_id("no-templates")).to_be_visible()
    page = editors["bob"].page
    page.reload()
    page.get_by_test_id("template-search").fill("iris starter")
    expect(page.get_by_test_id("no-templates")).to_be_visible()
    for editor in editors.values():
        editor.assert_no_console_errors()
        editor.page.context.close()

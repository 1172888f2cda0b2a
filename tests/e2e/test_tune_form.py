"""The Tune block's settings in a real browser: "Where to search" is offered as a choice
(here or katib) with its help, and choosing katib keeps the flow runnable on this computer.

Screenshot: ``tune-where-to-search.png`` at 1280x720.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import Editor

pytestmark = pytest.mark.e2e
TEMPLATE = Path(__file__).resolve().parents[2] / "designer/templates/builtin/tune-forest.json"


def test_the_tune_block_offers_where_to_search(
    browser: Browser, sign_in: SignIn, app_url: str, screenshot_path: Path, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    sign_in(context, "ada")
    page = context.new_page()
    page.set_default_timeout(15_000)
    editor = Editor(page, app_url, screenshot_path)
    flow = tmp_path / "tune.json"
    flow.write_text(json.dumps(json.loads(TEMPLATE.read_text())["flow"]))
    editor.import_flow(flow)
    editor.open_properties(editor.node("tune"))

    where = page.locator('[data-testid="param-select"][data-param="search_on"]')
    where.scroll_into_view_if_needed()
    expect(page.get_by_test_id("properties").get_by_text("Where to search")).to_be_visible()
    expect(where).to_have_text("here")
    where.click()
    expect(page.get_by_role("option", name="here", exact=True)).to_be_visible()
    page.get_by_role("option", name="katib", exact=True).click()
    expect(where).to_have_text("katib")
    expect(page.get_by_text("one trial pod per setting")).to_be_visible()
    expect(page.get_by_test_id("run-button")).to_be_enabled()
    editor.shot("tune-where-to-search")
    editor.assert_no_console_errors()
    context.close()

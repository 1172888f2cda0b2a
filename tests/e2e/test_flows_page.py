"""My flows: create, rename, duplicate and delete flows; import refuses a broken file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.editor_page import Editor

pytestmark = pytest.mark.e2e


def row(page: Page, name: str) -> Locator:
    return page.get_by_test_id("flow-row").filter(
        has=page.get_by_role("link", name=name, exact=True)
    )


def test_rename_duplicate_and_delete_a_flow(
    app_url: str, page: Page, screenshot_path: Path
) -> None:
    editor = Editor(page, app_url, screenshot_path)
    url = editor.new_flow()
    flow_id = url.rsplit("/", 1)[-1]
    page.get_by_test_id("back-to-flows").click()
    mine = page.locator(f'[data-testid="flow-row"][data-flow-id="{flow_id}"]')
    expect(mine).to_be_visible()

    # A rename given up on changes nothing; a confirmed one shows at once.
    mine.get_by_test_id("flow-actions").click()
    page.get_by_role("menuitem", name="Rename").click()
    page.get_by_test_id("rename-input").fill("Not this name")
    page.get_by_test_id("rename-cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(row(page, "Not this name")).to_have_count(0)
    mine.get_by_test_id("flow-actions").click()
    page.get_by_role("menuitem", name="Rename").click()
    expect(page.get_by_test_id("rename-input")).not_to_have_value("Not this name")
    page.get_by_test_id("rename-input").fill("Churn model e2e")
    page.get_by_test_id("rename-confirm").click()
    expect(row(page, "Churn model e2e")).to_be_visible()

    row(page, "Churn model e2e").get_by_test_id("flow-actions").click()
    page.get_by_test_id("duplicate-flow").click()
    copy = row(page, "Churn model e2e (copy)")
    expect(copy).to_be_visible()
    page.screenshot(path=screenshot_path / "flows-list.png")

    # Cancel keeps the flow; the red button deletes it.
    copy.get_by_test_id("flow-actions").click()
    page.get_by_test_id("delete-flow").click()
    page.get_by_test_id("confirm-delete-cancel").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(copy).to_be_visible()
    copy.get_by_test_id("flow-actions").click()
    page.get_by_test_id("delete-flow").click()
    alert = page.get_by_role("alertdialog")
    expect(alert).to_contain_text("cannot be undone")
    page.get_by_test_id("confirm-delete").click()
    expect(copy).to_have_count(0)
    expect(row(page, "Churn model e2e")).to_be_visible()

    # The tabs: a flow of one's own is not among those shared with one, and is under Mine.
    page.get_by_test_id("scope-shared").click()
    expect(row(page, "Churn model e2e")).to_have_count(0)
    page.get_by_test_id("scope-mine").click()
    row(page, "Churn model e2e").get_by_test_id("open-flow").click()
    page.wait_for_url(re.compile(f"/flows/{flow_id}$"))
    expect(page.get_by_test_id("flow-name")).to_have_value("Churn model e2e")
    editor.assert_no_console_errors()


def test_importing_a_broken_file_is_refused_and_creates_nothing(
    app_url: str, page: Page, tmp_path: Path
) -> None:
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Flows", exact=True)).to_be_visible()
    page.wait_for_load_state("networkidle")
    before = page.get_by_test_id("flow-row").count()
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": 1, "name": "x", "nodes": [')
    page.locator("#home-import input[type=file]").set_input_files(broken)
    expect(page.get_by_text("Could not import broken.json")).to_be_visible()
    expect(page.get_by_text("not valid JSON")).to_be_visible()
    expect(page.get_by_test_id("flow-row")).to_have_count(before)

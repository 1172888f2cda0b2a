"""Editor controls no other browser test presses: a block's name and Delete, Keep editing after a
conflict, Cancel on a running flow, a share link's lifetime, and a library table in the guided
start. Each is pressed as a person would and its effect checked on the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import RUN_TIMEOUT_MS, Editor
from tests.fixtures.flow_files import FLOWS

pytestmark = pytest.mark.e2e
HOUSES = Path(__file__).parents[1] / "fixtures" / "data" / "houses.csv"


@pytest.fixture
def editor(app_url: str, page: Page, screenshot_path: Path) -> Editor:
    return Editor(page, app_url, screenshot_path)


def add_block(editor: Editor, block_id: str) -> None:
    editor.page.locator(f'[data-testid="palette-item"][data-block-id="{block_id}"]').click()
    expect(editor.node_of_block(block_id)).to_have_count(1)
    editor.settle()  # a click while the view still moves misses the node


def test_a_block_is_renamed_on_the_canvas_and_deleted(editor: Editor) -> None:
    page = editor.page
    editor.new_flow()
    add_block(editor, "split.train_test")
    node = editor.node_of_block("split.train_test")
    editor.open_properties(node)
    page.get_by_test_id("node-label").fill("Hold out a fifth")
    expect(node).to_contain_text("Hold out a fifth")
    page.get_by_test_id("delete-block").click()
    expect(editor.nodes).to_have_count(0)
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", re.compile("."))
    editor.assert_no_console_errors()


def test_keep_editing_after_a_conflict_keeps_the_draft(
    browser: Browser, sign_in: SignIn, editor: Editor, app_url: str, screenshot_path: Path
) -> None:
    flow_url = editor.new_flow()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    sign_in(context, "ada")
    other = Editor(context.new_page(), app_url, screenshot_path)
    other.page.goto(flow_url)
    other.wait_ready()

    add_block(editor, "load.sklearn_dataset")
    editor.save("first tab")
    add_block(other, "split.train_test")
    other.page.get_by_test_id("save-button").click()
    other.page.get_by_test_id("save-confirm").click()
    expect(other.page.get_by_test_id("conflict-dialog")).to_be_visible()
    other.page.get_by_test_id("conflict-keep").click()
    expect(other.page.get_by_test_id("conflict-dialog")).to_have_count(0)
    expect(other.node_of_block("split.train_test")).to_have_count(1)
    expect(other.page.get_by_test_id("save-state")).not_to_have_attribute("data-state", "saved")
    context.close()


def test_a_running_flow_is_cancelled(editor: Editor) -> None:
    page = editor.page
    editor.import_flow(FLOWS / "iris_classification.json")
    page.get_by_test_id("run-button").click()
    page.get_by_test_id("run-confirm").click()  # the flow's parameter at its default
    page.get_by_test_id("run-cancel").click()
    expect(page.get_by_test_id("run-summary")).to_have_attribute(
        "data-status", "cancelled", timeout=RUN_TIMEOUT_MS
    )
    expect(page.get_by_test_id("run-button")).to_be_enabled()


def test_a_share_link_lasts_the_chosen_time(editor: Editor) -> None:
    page = editor.page
    editor.new_flow()
    page.get_by_test_id("share-button").click()
    page.get_by_test_id("link-lifetime").click()
    page.get_by_role("option", name="1 day", exact=True).click()
    page.get_by_test_id("link-create").click()
    expect(page.get_by_test_id("link-row").first).to_contain_text("expires in 1 day")


def test_the_guided_start_takes_a_table_from_the_library(page: Page, app_url: str) -> None:
    page.goto(app_url.rstrip("/") + "/datasets")
    page.get_by_test_id("upload-input").set_input_files(HOUSES)
    page.wait_for_url(re.compile(r"/datasets/[0-9a-f]+$"))
    page.goto(app_url.rstrip("/") + "/start")
    page.get_by_test_id("start-library").click()
    page.get_by_role("option").filter(has_text="houses").first.click()
    expect(page.get_by_text("price", exact=True).first).to_be_visible()

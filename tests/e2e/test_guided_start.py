"""The guided start: upload a messy CSV, pick the column to predict, read the proposal, create
the flow and run it to a trained, tested model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.editor_page import RUN_TIMEOUT_MS, Editor

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parents[1] / "fixtures" / "data"


@pytest.fixture
def editor(app_url: str, page: Page, screenshot_path: Path) -> Editor:
    return Editor(page, app_url, screenshot_path)


def test_from_a_csv_upload_to_a_successful_run(
    editor: Editor, app_url: str, tmp_path: Path
) -> None:
    page = editor.page
    csv = tmp_path / "my pets.csv"
    csv.write_bytes((DATA / "pets.csv").read_bytes())

    page.goto(f"{app_url.rstrip('/')}/start")
    page.get_by_test_id("upload-input").set_input_files(csv)

    target = page.get_by_test_id("start-target")
    expect(target).to_contain_text("species")  # the likely target comes chosen
    expect(page.get_by_test_id("start-preview").get_by_test_id("preview-row")).to_have_count(5)
    proposal = page.get_by_test_id("proposal")
    expect(proposal.get_by_test_id("proposal-task")).to_have_text("Predict a category")
    steps = proposal.get_by_test_id("proposal-step")
    expect(steps).to_have_count(5)
    expect(steps.nth(2)).to_contain_text("drops “name”")
    expect(steps.nth(2)).to_contain_text("fills empty cells in “age”")
    editor.shot("guided-proposal")

    target.click()
    page.get_by_role("option", name=re.compile(r"^weight ")).click()
    expect(proposal.get_by_test_id("proposal-task")).to_have_text("Predict a number")
    target.click()
    page.get_by_role("option", name=re.compile(r"^name ")).click()
    expect(page.get_by_test_id("start-problem")).to_contain_text("like an id or a name")
    target.click()
    page.get_by_role("option", name=re.compile(r"^species ")).click()
    expect(page.get_by_test_id("start-problem")).to_have_count(0)

    page.get_by_test_id("create-proposal").click()
    page.wait_for_url(re.compile(r"/flows/[0-9a-f]+$"))
    editor.wait_ready()
    expect(editor.nodes).to_have_count(5)
    expect(page.get_by_test_id("flow-name")).to_have_value(re.compile(r"^Predict species"))
    expect(page.get_by_test_id("run-button")).to_be_enabled()
    page.get_by_test_id("run-button").click()
    expect(page.get_by_test_id("run-summary")).to_have_attribute(
        "data-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )
    expect(page.get_by_test_id("metric").filter(has_text="Accuracy")).to_be_visible()
    editor.shot("guided-ran")
    editor.assert_no_console_errors()


def test_a_sample_dataset_needs_no_column_choice(editor: Editor, app_url: str) -> None:
    page = editor.page
    page.goto(f"{app_url.rstrip('/')}/start")
    page.locator('[data-testid="start-sample"][data-value="sample:diabetes"]').click()
    expect(page.get_by_test_id("start-target")).to_have_count(0)
    expect(page.get_by_test_id("proposal-task")).to_have_text("Predict a number")
    page.get_by_test_id("start-back").click()
    page.locator('[data-testid="start-sample"][data-value="table:customers"]').click()
    expect(page.get_by_test_id("start-target")).to_contain_text("churned")
    expect(page.get_by_test_id("proposal-step")).to_have_count(5)
    editor.assert_no_console_errors()

"""Runs seen from the editor: a regression's residuals, a failed block's error, old runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.editor_page import RUN_TIMEOUT_MS, Editor
from tests.fixtures.flow_files import FLOWS, fixture_flow

pytestmark = pytest.mark.e2e


@pytest.fixture
def editor(app_url: str, page: Page, screenshot_path: Path) -> Editor:
    return Editor(page, app_url, screenshot_path)


def test_a_regression_run_shows_its_residuals(editor: Editor) -> None:
    page = editor.page
    editor.import_flow(FLOWS / "diabetes_regression.json")
    editor.shot("editor-regression-before")
    page.get_by_test_id("run-button").click()
    expect(page.get_by_test_id("run-summary")).to_have_attribute(
        "data-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )
    expect(editor.node("score")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("metric").filter(has_text="RMSE")).to_be_visible()
    residuals = page.get_by_test_id("residuals")
    expect(residuals).to_contain_text("Median")
    expect(residuals).to_contain_text("Spread")
    editor.shot("editor-regression-residuals")
    editor.assert_no_console_errors()


def test_a_failed_block_shows_its_error_and_the_rest_are_skipped(
    editor: Editor, tmp_path: Path
) -> None:
    page = editor.page
    doc = fixture_flow("iris_classification")
    doc["name"] = "Missing data"
    doc["nodes"][0] = {
        "id": "load",
        "block": "load.table_file",
        # A name the data folders do not hold: checked fine, missing when the run opens it.
        "params": {"uri": "missing.csv", "target": "species"},
        "position": {"x": 0, "y": 100},
    }
    path = tmp_path / "missing-data.json"
    path.write_text(json.dumps(doc))
    editor.import_flow(path)
    page.get_by_test_id("run-button").click()
    page.get_by_test_id("run-confirm").click()  # the flow's parameter at its default
    expect(editor.node("load")).to_have_attribute("data-status", "failed", timeout=RUN_TIMEOUT_MS)
    expect(page.get_by_test_id("run-summary")).to_have_attribute("data-status", "failed")
    for node_id in ("split", "train", "evaluate", "deploy"):
        expect(editor.node(node_id)).to_have_attribute("data-status", "skipped")
    editor.select(editor.node("load"))
    expect(page.get_by_test_id("node-error")).to_contain_text("missing.csv")
    editor.shot("editor-run-failed")

    # The failure is kept in the history; hiding it clears the canvas, opening it shows it again.
    page.get_by_role("button", name="Hide").click()
    expect(editor.node("load")).to_have_attribute("data-status", "")
    page.get_by_test_id("history-row").first.click()
    expect(editor.node("load")).to_have_attribute("data-status", "failed")

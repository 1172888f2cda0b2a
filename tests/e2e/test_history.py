"""The History tab end to end: compare two versions, view an old one, restore it, go back.

Every button of the tab is pressed here, the way someone auditing a flow's past would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.editor_page import Editor

pytestmark = pytest.mark.e2e


def add_block(editor: Editor, block_id: str) -> None:
    editor.page.locator(f'[data-testid="palette-item"][data-block-id="{block_id}"]').click()
    expect(editor.page.get_by_test_id("save-state")).to_have_attribute(
        "data-state", "draft", timeout=10_000
    )


def pick(page: Page, picker: str, version: int) -> None:
    page.get_by_test_id(picker).click()
    page.get_by_role("option", name=f"v{version}", exact=True).click()
    expect(page.get_by_test_id(picker)).to_have_text(f"v{version}")


def test_history_compares_views_and_restores_versions(
    page: Page, app_url: str, screenshot_path: Path
) -> None:
    editor = Editor(page, app_url, screenshot_path)
    flow_url = editor.new_flow()
    add_block(editor, "load.sklearn_dataset")
    editor.save("a dataset")
    add_block(editor, "split.train_test")
    editor.save("a split")
    add_block(editor, "train.random_forest")
    editor.save("a forest")

    page.get_by_test_id("tab-history").click()
    rows = page.get_by_test_id("version-row")
    expect(rows.first).to_contain_text("a forest")
    latest = int(rows.first.get_attribute("data-version") or 0)
    first = latest - 2

    # Compare: pressing Show before choosing says what to do; with two versions, the changes.
    page.get_by_test_id("compare-show").click()
    expect(page.get_by_test_id("version-diff")).to_contain_text("Choose a version")
    pick(page, "compare-from", first)
    pick(page, "compare-to", latest)
    page.get_by_test_id("compare-show").click()
    diff = page.get_by_test_id("version-diff")
    expect(diff).to_contain_text(f"Version {first} → version {latest}")
    expect(diff).to_contain_text("Added block")
    expect(diff).to_contain_text("split")
    editor.shot("history-compare")

    # View the first of the three: read-only, with the way back and a Restore button.
    page.locator(f'[data-testid="version-row"][data-version="{first}"]').get_by_test_id(
        "version-view"
    ).click()
    page.wait_for_url(re.compile(rf"/versions/{first}$"))
    editor.wait_ready()
    expect(page.get_by_test_id("read-only-banner")).to_contain_text(f"Version {first}")
    expect(editor.node_of_block("train.random_forest")).to_have_count(0)
    page.get_by_test_id("back-to-latest").click()
    page.wait_for_url(flow_url)
    editor.wait_ready()
    expect(editor.node_of_block("train.random_forest")).to_have_count(1)

    # Restore from the row: the old version comes back as a new latest version.
    page.get_by_test_id("tab-history").click()
    page.locator(f'[data-testid="version-row"][data-version="{first}"]').get_by_test_id(
        "version-restore"
    ).click()
    expect(page.get_by_text(f"Restored version {first} as version {latest + 1}")).to_be_visible()
    editor.wait_ready()
    expect(editor.node_of_block("train.random_forest")).to_have_count(0)
    expect(page.get_by_test_id("flow-version")).to_have_text(f"v{latest + 1}")

    # Restore from the read-only view of a version.
    page.goto(f"{flow_url}/versions/{latest}")
    editor.wait_ready()
    page.get_by_test_id("restore-viewed").click()
    expect(page.get_by_text(f"Restored version {latest} as version {latest + 2}")).to_be_visible()
    editor.wait_ready()
    expect(editor.node_of_block("train.random_forest")).to_have_count(1)
    editor.assert_no_console_errors()

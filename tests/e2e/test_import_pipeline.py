"""Importing a pipeline compiled by the KFP SDK from the flows page: it opens as a flow on the
canvas, one block per task joined as the pipeline's tasks are; one the canvas cannot hold yet
is refused with the reason, creating nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.editor_page import Editor

pytestmark = pytest.mark.e2e

PIPELINES = Path(__file__).parents[1] / "fixtures" / "pipelines_sdk"


def test_a_compiled_pipeline_opens_as_a_flow(
    app_url: str, page: Page, screenshot_path: Path
) -> None:
    editor = Editor(page, app_url, screenshot_path)
    editor.import_flow(PIPELINES / "add_numbers.yaml")
    expect(page.get_by_test_id("flow-name")).to_have_value("add-numbers")
    expect(editor.nodes).to_have_count(5)
    for node_id in ("make-numbers", "add-up", "add-up-2", "describe", "announce"):
        expect(editor.node(node_id)).to_be_visible()
    expect(editor.node("add-up-2")).to_contain_text("Add up, scaled")
    # Four data edges; the order without data (.after) is kept but not drawn yet.
    expect(editor.edges).to_have_count(4)
    page.screenshot(path=screenshot_path / "imported-pipeline.png")
    editor.assert_no_console_errors()


def test_a_pipeline_with_a_loop_is_refused_and_creates_nothing(app_url: str, page: Page) -> None:
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Flows", exact=True)).to_be_visible()
    page.wait_for_load_state("networkidle")
    before = page.get_by_test_id("flow-row").count()
    page.locator("#home-import input[type=file]").set_input_files(PIPELINES / "with_loop.yaml")
    expect(page.get_by_text("Could not import with_loop.yaml")).to_be_visible()
    expect(page.get_by_text("runs in a loop (dsl.ParallelFor)")).to_be_visible()
    expect(page.get_by_test_id("flow-row")).to_have_count(before)

"""The run history tells the truth: an old run opens on the version it ran, read-only, with its
statuses; going back finds the edited canvas as it was; "Rerun from here" runs a block and what
follows it, the blocks before it coming back "cached" from the run they reused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import RUN_TIMEOUT_MS, Editor
from tests.fixtures.flow_files import fixture_flow

pytestmark = pytest.mark.e2e

#: Signed in as nobody else's tests are: the flows page and history hold only this test's.
PERSON = "history-truth"


@pytest.fixture
def editor(
    app_url: str, browser: Browser, sign_in: SignIn, screenshot_path: Path
) -> Iterator[Editor]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    sign_in(context, PERSON)
    page: Page = context.new_page()
    page.set_default_timeout(15_000)
    yield Editor(page, app_url, screenshot_path)
    context.close()


#: The seed of this test's flow: no other test's run has split or trained with it, so the split
#: this test's first run makes is the one a rerun reuses (results are shared by content).
SEED = 4107


def quick_iris(tmp_path: Path) -> Path:
    """The iris flow from loading to evaluating: four blocks, one short run."""
    doc = fixture_flow("iris_classification")
    doc["name"] = "Iris history"
    doc["params"][0]["default"] = SEED
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] != "deploy"]
    doc["edges"] = [e for e in doc["edges"] if "deploy" not in (e["source"], e["target"])]
    path = tmp_path / "iris-history.json"
    path.write_text(json.dumps(doc))
    return path


def finished(editor: Editor) -> None:
    expect(editor.page.get_by_test_id("run-summary")).to_have_attribute(
        "data-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )


def test_an_old_run_shows_its_version_and_a_rerun_reuses_upstream(
    editor: Editor, tmp_path: Path
) -> None:
    page = editor.page
    editor.import_flow(quick_iris(tmp_path))
    editor.fit()
    page.get_by_test_id("run-button").click()
    page.get_by_test_id("run-confirm").click()  # the seed keeps its default
    finished(editor)
    first_run = page.get_by_test_id("history-row").first.get_attribute("data-run-id")

    # Edit the canvas after the run: evaluate goes.
    editor.select(editor.node("evaluate"))
    page.keyboard.press("Delete")
    expect(editor.nodes).to_have_count(3)

    # The history opens the run on the version it ran: evaluate is back, read-only, succeeded.
    page.get_by_test_id("tab-run").click()
    row = page.get_by_test_id("history-row").first
    expect(row.get_by_test_id("who")).to_have_text("History-Truth")
    expect(row.get_by_test_id("history-params")).to_have_text(f"seed={SEED}")
    row.click()
    banner = page.get_by_test_id("run-banner")
    expect(banner).to_contain_text(f"Run {first_run} of version 1")
    editor.fit()
    expect(editor.nodes).to_have_count(4)
    expect(editor.node("evaluate")).to_have_attribute("data-status", "succeeded")
    expect(page.locator(".editor-palette")).to_have_count(0)  # read-only: no palette
    editor.shot("run-history-old-version")

    # Back: the edited canvas as it was, its edit one undo away.
    page.get_by_test_id("back-to-flow").click()
    expect(banner).to_have_count(0)
    editor.fit()
    expect(editor.nodes).to_have_count(3)
    page.get_by_test_id("tool-undo").click()
    editor.fit()
    expect(editor.nodes).to_have_count(4)

    # Rerun from train: load and split reuse the first run's results.
    editor.select(editor.node("train"))
    page.get_by_test_id("tab-run").click()
    page.get_by_test_id("rerun-from-here").click()
    expect(page.get_by_test_id("history-row")).to_have_count(2, timeout=RUN_TIMEOUT_MS)
    finished(editor)
    for node_id, status in [
        ("load", "cached"),
        ("split", "cached"),
        ("train", "succeeded"),
        ("evaluate", "succeeded"),
    ]:
        expect(editor.node(node_id)).to_have_attribute("data-status", status)
    newest = page.get_by_test_id("history-row").first
    expect(newest.get_by_test_id("history-rerun")).to_have_text("from train")
    expect(newest.get_by_test_id("history-cached")).to_have_text("cached 2 of 4")
    expect(page.get_by_test_id("run-progress")).to_have_text(
        "4 of 4 blocks done (2 reused from earlier runs)"
    )
    newest.scroll_into_view_if_needed()
    newest.locator("xpath=..").screenshot(path=editor.shots / "run-history-rows.png")
    editor.select(editor.node("split"))
    expect(page.get_by_test_id("node-cached")).to_contain_text("Cached — reused from run")
    expect(page.get_by_test_id("cached-from")).to_have_text(first_run or "")
    editor.shot("run-history-rerun-cached")

    # The run a cached block came from opens from its link.
    page.get_by_test_id("cached-from").click()
    expect(banner).to_contain_text(f"Run {first_run} of version 1")
    page.get_by_test_id("back-to-flow").click()
    expect(banner).to_have_count(0)
    editor.assert_no_console_errors()

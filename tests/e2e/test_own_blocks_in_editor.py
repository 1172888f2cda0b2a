"""A person's own block in the flow editor: found in the palette under "My blocks", dropped
onto the canvas, connected, set in its form, run for real on this machine, its metrics shown
like a built-in block's; then a newer version saved elsewhere is offered and taken."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from designer.settings import load_settings
from designer.store import accounts
from designer.store.db import engine_for
from designer.userblocks.saving import save_block_text
from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import RUN_TIMEOUT_MS, Editor

pytestmark = pytest.mark.e2e

CLEAN = '''\
from blocks.runtime.tables import Table, read_table, write_table
from blocks.types import Dataset, Input, Metrics, Output


def keep_short_petals(
    data: Input[Dataset], kept: Output[Dataset], counts: Output[Metrics], limit: float = 5.0
) -> None:
    """Keep short petals

    Keeps the rows whose petal is at most as long as the limit.

    Category: preprocess

    Args:
        data: The table to clean.
        kept: The rows that stayed.
        counts: How many rows stayed.
        limit: Longest petal kept, in centimetres.
    """
    table = read_table(data.path)
    short = table.frame[table.frame["petal length (cm)"] <= limit]
    write_table(Table(short, table.target, table.task), kept.path)
    counts.log_metric("kept_rows", len(short))
    print(f"kept {len(short)} of {len(table.frame)} rows")
'''


#: Someone no other test signs in as: their palette holds only the block made here.
PERSON = "petra"


@pytest.fixture
def editor(
    browser: Browser, sign_in: SignIn, app_url: str, screenshot_path: Path
) -> Iterator[Editor]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    sign_in(context, PERSON)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Editor(page, app_url, screenshot_path)
    context.close()


def test_a_persons_block_is_used_run_and_updated_in_the_editor(
    editor: Editor, app: tuple[str, dict[str, str]]
) -> None:
    engine = engine_for(load_settings(app[1]).database_url)
    petra = accounts.actor_named(engine, PERSON)
    save_block_text(engine, petra, CLEAN, "python")
    page = editor.page
    editor.new_flow()
    mine = page.locator('[data-testid="palette-own-group"][data-group="My blocks"]')
    expect(mine.get_by_test_id("palette-item")).to_have_count(1)
    expect(mine).to_contain_text("Keep short petals")

    editor.drag_block("Sample dataset", 240, 220)
    editor.drag_block("Keep short petals", 620, 260)
    load = editor.node_of_block("load.sklearn_dataset")
    clean = editor.node_of_block(f"{PERSON}/keep_short_petals@1")
    expect(clean).to_be_visible()
    expect(clean).to_contain_text("Keep short petals")
    editor.connect(editor.handle(load, "output", "data"), editor.handle(clean, "input", "data"))
    expect(editor.edges).to_have_count(1)

    editor.open_properties(clean)
    expect(page.get_by_test_id("own-block")).to_contain_text("Version 1")
    limit = editor.param("limit")
    limit.fill("4.9")
    limit.press("Tab")
    editor.shot("own-block-in-editor")

    page.get_by_test_id("run-button").click()
    expect(page.get_by_test_id("run-summary")).to_have_attribute(
        "data-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )
    expect(clean).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("metric").filter(has_text="Kept rows")).to_be_visible()
    editor.shot("own-block-run")

    # A newer version, saved from the block's page (or the command line), is offered.
    save_block_text(engine, petra, CLEAN.replace("<= limit", "< limit"), "python")
    editor.save("before the update")
    editor.reload()
    clean = editor.node_of_block(f"{PERSON}/keep_short_petals@1")
    editor.open_properties(clean)
    page.get_by_test_id("update-block").click()
    expect(editor.node_of_block(f"{PERSON}/keep_short_petals@2")).to_be_visible()
    expect(page.get_by_test_id("own-block")).to_contain_text("Version 2")
    expect(page.get_by_test_id("update-block")).to_have_count(0)
    expect(editor.param("limit")).to_have_value("4.9")
    editor.assert_no_console_errors()

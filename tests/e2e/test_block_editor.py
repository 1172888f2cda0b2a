"""The Blocks pages in the browser: write a block in the code editor, import a component file,
share a block and open it as the person it is shared with.

One long walk, as a person would take it (the app's first build is the slow part): the code is
typed into CodeMirror itself (select all, then the text inserted as a paste would be), the
preview and the problems follow it, Save and Ctrl+S make versions; the component file goes in
through the import dialog's file input. Each run names its block with a fresh suffix, so runs
against the same app never meet.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import SignIn

pytestmark = pytest.mark.e2e

COMPONENTS = Path(__file__).parents[1] / "fixtures" / "components"
CONTAINER = COMPONENTS / "container_embed_texts.yaml"
BLOCK_URL = re.compile(r"/blocks/[0-9a-f]{32}$")
VIEWPORT = {"width": 1440, "height": 900}


def source(name: str, rows: str = "rows: int = 10") -> str:
    return f'''from blocks.types import Dataset, Input, Output


def {name}(data: Input[Dataset], kept: Output[Dataset], {rows}) -> None:
    """Keep the first rows.

    Category: preprocess

    Args:
        rows: How many rows to keep.
    """
    import shutil

    shutil.copy(data.path, kept.path)
'''


def new_page(browser: Browser, sign_in: SignIn, name: str) -> Page:
    context = browser.new_context(viewport=VIEWPORT)
    sign_in(context, name)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def type_code(page: Page, text: str) -> None:
    """Replace the editor's text, as select-all and a paste would."""
    page.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)


def port(scope: Locator, direction: str, name: str) -> Locator:
    return scope.locator(f'[data-testid="port"][data-direction="{direction}"][data-port="{name}"]')


def choose_theme(page: Page, mode: str) -> None:
    expect(page.get_by_role("menu")).to_have_count(0)
    page.get_by_test_id("theme-menu").first.click()
    page.get_by_test_id(f"theme-{mode}").click()
    expect(page.get_by_test_id("theme-menu").first).to_have_attribute("data-mode", mode)


def test_write_import_and_share_blocks(
    browser: Browser, sign_in: SignIn, app_url: str, tmp_path: Path, screenshot_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:6]
    name = f"keep_rows_{suffix}"
    owner, friend = f"ada-{suffix}", f"grace-{suffix}"
    page = new_page(browser, sign_in, owner)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(app_url + "blocks")
    expect(page.get_by_test_id("no-my-blocks")).to_contain_text("no blocks of your own yet")
    page.screenshot(path=screenshot_path / "blocks-page.png")

    # -- a new block: the starter, then a function of one's own --------------------------------
    page.get_by_test_id("new-block").click()
    page.wait_for_url(re.compile(r"/blocks/new$"))
    expect(page.locator(".cm-content")).to_be_visible()
    preview = page.get_by_test_id("block-preview")
    expect(preview.get_by_test_id("preview-title")).to_have_text("Drop rows with missing values")

    type_code(page, source(name))
    expect(preview.get_by_test_id("preview-title")).to_have_text("Keep the first rows")
    expect(port(preview, "input", "data")).to_contain_text("Dataset")
    expect(port(preview, "output", "kept")).to_contain_text("Dataset")
    expect(port(preview, "input", "data")).to_have_css("color", "rgb(37, 99, 235)")
    rows = preview.locator('[data-testid="preview-field"][data-param="rows"]')
    expect(rows).to_contain_text("Rows")
    expect(rows).to_contain_text("How many rows to keep.")
    expect(rows.locator("input")).to_have_value("10")

    # A syntax error: the problem names its line, the editor marks it, Save waits.
    type_code(page, source(name, "rows: int = "))
    problem = page.get_by_test_id("problem")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("line 4: Python cannot read this")
    expect(page.locator(".cm-lintRange-error")).to_have_count(1)
    expect(page.locator(".cm-gutter-lint .cm-lint-marker-error")).to_have_count(1)
    expect(page.get_by_test_id("save-block")).to_be_disabled()
    problem.click()
    expect(page.locator(".cm-activeLine")).to_contain_text(f"def {name}(")
    page.screenshot(path=screenshot_path / "block-editor-problem.png")

    # Fixed, then saved with Ctrl+S from inside the editor.
    type_code(page, source(name))
    expect(page.get_by_test_id("problem")).to_have_count(0)
    expect(page.get_by_test_id("save-block")).to_be_enabled()
    page.get_by_test_id("save-message").fill("First cut")
    page.locator(".cm-content").click()
    page.keyboard.press("Control+s")
    expect(page.get_by_text("Saved version 1")).to_be_visible()
    page.wait_for_url(BLOCK_URL)
    block_url = page.url
    expect(page.get_by_test_id("block-version")).to_have_text("v1")
    expect(page.locator(".cm-content")).to_contain_text(f"def {name}(")

    # Edited and saved again with the button: version 2, both in the history.
    type_code(page, source(name, "rows: int = 20"))
    expect(rows.locator("input")).to_have_value("20")
    page.get_by_test_id("block-title-field").fill("Keep some rows")
    expect(preview.get_by_test_id("preview-title")).to_have_text("Keep some rows")
    page.get_by_test_id("save-block").click()
    expect(page.get_by_text("Saved version 2")).to_be_visible()
    versions = page.get_by_test_id("version-row")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("v2")
    expect(versions.last).to_contain_text("First cut")
    page.screenshot(path=screenshot_path / "block-editor.png")

    # Version 1, read-only, then back.
    versions.last.get_by_test_id("version-view").click()
    expect(page.get_by_test_id("viewing-version")).to_contain_text("Version 1, read-only")
    expect(page.locator(".cm-content")).to_have_attribute("contenteditable", "false")
    expect(page.locator(".cm-content")).to_contain_text("rows: int = 10")
    expect(page.get_by_test_id("save-block")).to_have_count(0)
    page.get_by_test_id("show-current").click()
    expect(page.locator(".cm-content")).to_contain_text("rows: int = 20")

    choose_theme(page, "dark")
    expect(page.locator(".cm-editor")).to_have_css("background-color", "rgb(40, 44, 52)")
    expect(page.get_by_role("menu")).to_have_count(0)
    page.screenshot(path=screenshot_path / "block-editor-dark.png")
    choose_theme(page, "light")

    # -- a component file: imported, read-only, a new file makes version 2 ---------------------
    page.goto(app_url + "blocks")
    page.get_by_test_id("import-component").click()
    dialog = page.get_by_test_id("import-dialog")
    page.locator("#import-component input[type=file]").set_input_files(CONTAINER)
    imported = dialog.get_by_test_id("import-preview")
    expect(imported.get_by_test_id("kubeflow-only")).to_have_text("runs on Kubeflow only")
    expect(port(imported, "input", "texts")).to_be_visible()
    dialog.screenshot(path=screenshot_path / "block-import.png")
    dialog.get_by_test_id("import-add").click()
    page.wait_for_url(BLOCK_URL)
    expect(page.get_by_test_id("kubeflow-only")).to_have_text("runs on Kubeflow only")
    expect(page.locator(".cm-content")).to_have_attribute("contenteditable", "false")
    expect(page.locator(".cm-content")).to_contain_text("executorLabel")
    newer = tmp_path / "embed.yaml"
    newer.write_text(CONTAINER.read_text().replace("Embeds each text", "Embeds every text"))
    page.locator("#block-file input[type=file]").set_input_files(newer)
    expect(page.get_by_text("Saved version 2")).to_be_visible()
    expect(page.get_by_test_id("block-version")).to_have_text("v2")
    component_url = page.url

    # -- My blocks: both, found by the search box with the built-in ones -----------------------
    page.goto(app_url + "blocks")
    mine = page.get_by_test_id("my-block-card")
    expect(mine).to_have_count(2)
    embed = mine.filter(has_text="runs on Kubeflow only")
    expect(embed.get_by_test_id("block-kind")).to_have_text("Component")
    kept = mine.filter(has_text="Keep some rows")
    expect(kept.get_by_test_id("block-kind")).to_have_text("Python")
    expect(kept).to_contain_text("v2")
    page.screenshot(path=screenshot_path / "blocks-mine.png", full_page=True)
    page.get_by_test_id("block-search").fill(f"keep {suffix}")
    expect(mine).to_have_count(1)
    expect(page.locator('[data-testid="block-card"]:visible')).to_have_count(0)
    page.get_by_test_id("block-search").fill("split")
    expect(page.get_by_test_id("no-my-blocks")).to_contain_text("None of your blocks matches")
    expect(page.locator('[data-testid="block-card"]:visible')).to_have_count(1)
    page.get_by_test_id("block-search").fill("")
    expect(mine).to_have_count(2)

    # -- shared with a friend, who reads it and cannot change it -------------------------------
    other = new_page(browser, sign_in, friend)  # the account exists once signed in
    page.goto(block_url)
    page.get_by_test_id("share-block").click()
    share = page.get_by_test_id("block-share-dialog")
    share.get_by_test_id("block-share-user").fill(friend)
    share.get_by_test_id("block-share-submit").click()
    expect(share.get_by_test_id("block-access-row")).to_have_count(2)
    expect(page.get_by_text(f"{friend.title()} can now use this block")).to_be_visible()
    share.get_by_role("button", name="Done").click()

    other.goto(app_url + "blocks")
    theirs = other.get_by_test_id("my-block-card")
    expect(theirs).to_have_count(1)
    expect(theirs.get_by_test_id("block-owner")).to_have_text(f"by {owner.title()}")
    theirs.get_by_test_id("open-block").click()
    other.wait_for_url(BLOCK_URL)
    expect(other.get_by_test_id("block-role")).to_have_text("You can use it")
    expect(other.locator(".cm-content")).to_contain_text(f"def {name}(")
    expect(other.locator(".cm-content")).to_have_attribute("contenteditable", "false")
    expect(other.get_by_test_id("save-block")).to_have_count(0)
    expect(other.get_by_test_id("share-block")).to_have_count(0)
    other.screenshot(path=screenshot_path / "block-shared-viewer.png")
    other.context.close()

    # -- the component block is deleted (nothing uses it: one question) ------------------------
    page.goto(component_url)
    page.get_by_test_id("delete-block").click()
    page.get_by_test_id("confirm-delete-block").click()
    page.wait_for_url(re.compile(r"/blocks/?$"))
    expect(page.get_by_test_id("my-block-card")).to_have_count(1)
    assert errors == []
    page.context.close()

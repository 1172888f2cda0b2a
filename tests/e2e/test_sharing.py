"""Two people, two browsers: sharing a flow, viewer versus editor, and editing at the same time.

Alice and Bob each get their own browser context (their own cookies, their own websocket), as two
people at two desks would. Everything goes through the pages: the share dialog, the flow lists,
the editor's Save, and the conflict dialog when both save from the same version.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import Editor

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_people(
    browser: Browser, sign_in: SignIn, app_url: str, screenshot_path: Path
) -> Iterator[tuple[Editor, Editor, str]]:
    """Alice's and Bob's editors, signed in, and Bob's user name (fresh for each test)."""
    suffix = uuid.uuid4().hex[:6]
    contexts = []
    editors = []
    for name in (f"alice-{suffix}", f"bob-{suffix}"):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        sign_in(context, name)
        page = context.new_page()
        page.set_default_timeout(15_000)
        contexts.append(context)
        editors.append(Editor(page, app_url, screenshot_path))
    yield editors[0], editors[1], f"bob-{suffix}"
    for context in contexts:
        context.close()


def add_block(editor: Editor, title: str) -> None:
    editor.page.get_by_test_id("palette-item").filter(has_text=title).click()
    expect(editor.page.get_by_test_id("save-state")).to_have_attribute(
        "data-state", "draft", timeout=10_000
    )


def set_role(page: Page, name: str, role: str) -> None:
    row = page.locator(f'[data-testid="access-row"][data-name="{name}"]')
    row.get_by_test_id("access-role").click()
    page.get_by_role("option", name=role, exact=True).click()
    expect(row.get_by_test_id("access-role")).to_have_text(role)


def share_with(page: Page, user_name: str, role: str | None = None) -> None:
    """Open the share dialog, pick the person from the matches, and share with them.

    Each step waits for the page to show the one before it took effect (the pick closes the
    matches), so a slow server fails at the step that was slow, not later.
    """
    page.get_by_test_id("share-button").click()
    dialog = page.get_by_test_id("share-dialog")
    dialog.get_by_test_id("share-search").fill(user_name)
    matches = dialog.get_by_test_id("share-match")
    expect(matches.first).to_be_visible(timeout=10_000)
    matches.first.click()
    expect(matches).to_have_count(0, timeout=10_000)
    if role:
        dialog.get_by_test_id("share-role").click()
        page.get_by_role("option", name=role, exact=True).click()
        expect(dialog.get_by_test_id("share-role")).to_have_text(role)
    dialog.get_by_test_id("share-submit").click()
    expect(dialog.get_by_test_id("share-error")).to_have_count(0)
    rows = dialog.locator('[data-testid="access-row"][data-kind="user"]')
    expect(rows).to_have_count(1, timeout=15_000)


def close_dialog(page: Page) -> None:
    page.get_by_test_id("share-dialog").get_by_role("button", name="Done").click()
    expect(page.get_by_test_id("share-dialog")).to_have_count(0)


def test_share_as_viewer_then_editor_and_settle_a_conflict(
    two_people: tuple[Editor, Editor, str],
) -> None:
    alice, bob, bob_name = two_people
    flow_url = alice.new_flow()
    add_block(alice, "Sample dataset")
    alice.save("A dataset to start from")

    # Alice shares the flow with Bob, as a viewer.
    share_with(alice.page, bob_name)
    alice.shot("sharing-dialog")
    close_dialog(alice.page)

    # Bob finds it under "Shared with me", opens it, and cannot change or save it.
    bob.page.goto(bob.app_url)
    bob.page.get_by_test_id("scope-shared").click()
    shared_row = bob.page.get_by_test_id("flow-row")
    expect(shared_row).to_have_count(1)
    expect(shared_row.get_by_test_id("flow-role")).to_have_text("viewer")
    shared_row.get_by_test_id("open-flow").click()
    bob.page.wait_for_url(flow_url)
    bob.wait_ready()
    expect(bob.page.get_by_test_id("read-only-banner")).to_be_visible()
    expect(bob.page.get_by_test_id("save-button")).to_have_count(0)
    expect(bob.page.get_by_test_id("palette-item")).to_have_count(0)
    expect(bob.page.get_by_test_id("tool-delete")).to_have_count(0)
    bob.select(bob.node_of_block("load.sklearn_dataset"))
    settings = bob.page.locator("fieldset[disabled]")
    expect(settings.get_by_role("combobox").first).to_be_disabled()
    bob.page.locator("body").press("Control+s")  # a viewer's Ctrl+S saves nothing
    expect(bob.page.get_by_test_id("flow-version")).to_have_text("v2")
    expect(bob.page.get_by_test_id("duplicate-mine")).to_be_visible()
    bob.shot("sharing-viewer")

    # Alice makes Bob an editor; after a reload Bob can save a version.
    alice.page.get_by_test_id("share-button").click()
    set_role(alice.page, bob_name.title(), "Editor")
    close_dialog(alice.page)
    bob.reload()
    expect(bob.page.get_by_test_id("read-only-banner")).to_have_count(0)
    add_block(bob, "Train/test split")
    bob.save("Bob adds a split")
    expect(bob.page.get_by_text("Saved as version 3")).to_be_visible()

    # Both open version 3 and edit at once; Alice saves first, Bob's save is a conflict.
    alice.reload()
    expect(alice.page.get_by_test_id("flow-version")).to_have_text("v3")
    add_block(alice, "Gradient boosting")
    add_block(bob, "Logistic regression")
    alice.save("Alice adds boosting")
    expect(alice.page.get_by_text("Saved as version 4")).to_be_visible()
    bob.page.get_by_test_id("save-button").click()
    bob.page.get_by_test_id("save-confirm").click()
    conflict = bob.page.get_by_test_id("conflict-dialog")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("saved version 4")
    bob.shot("sharing-conflict")

    # Bob reloads Alice's version; his block is one undo away, and saving it loses nothing.
    conflict.get_by_test_id("conflict-reload").click()
    expect(bob.node_of_block("train.gradient_boosting")).to_have_count(1, timeout=10_000)
    expect(bob.node_of_block("train.logistic_regression")).to_have_count(0)
    expect(bob.page.get_by_test_id("tool-undo")).to_be_enabled()
    bob.page.get_by_test_id("tool-undo").click()
    # The undo is done once redo is possible; the block it brings back may lie outside the
    # view, where React Flow draws nothing: fit the view before looking for it.
    expect(bob.page.get_by_test_id("tool-redo")).to_be_enabled(timeout=10_000)
    bob.fit()
    expect(bob.node_of_block("train.logistic_regression")).to_have_count(1, timeout=10_000)
    bob.save("Bob's regression, on top of Alice's version")
    expect(bob.page.get_by_text("Saved as version 5")).to_be_visible()

    # Every version is in the history, with who saved it.
    alice.reload()
    alice.page.get_by_test_id("tab-history").click()
    rows = alice.page.get_by_test_id("version-row")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("Bob's regression")
    expect(alice.page.locator('[data-testid="version-row"][data-version="4"]')).to_contain_text(
        "Alice adds boosting"
    )
    alice.page.locator('[data-testid="version-row"][data-version="5"]').get_by_test_id(
        "version-changes"
    ).click()
    expect(alice.page.get_by_test_id("version-diff")).to_contain_text("Added block")
    alice.shot("sharing-history")
    alice.assert_no_console_errors()
    bob.assert_no_console_errors()


def test_a_conflicting_save_can_be_kept_as_a_copy(
    two_people: tuple[Editor, Editor, str],
) -> None:
    alice, bob, bob_name = two_people
    flow_url = alice.new_flow()
    share_with(alice.page, bob_name, role="Editor")
    close_dialog(alice.page)

    bob.page.goto(flow_url)
    bob.wait_ready()
    add_block(alice, "Sample dataset")
    add_block(bob, "Table file")
    alice.save()
    bob.page.get_by_test_id("save-button").click()
    bob.page.get_by_test_id("save-confirm").click()
    bob.page.get_by_test_id("conflict-copy").click()
    bob.page.wait_for_url(lambda url: url != flow_url and re.search(r"/flows/[0-9a-f]+$", url))
    bob.wait_ready()
    expect(bob.page.get_by_test_id("flow-name")).to_have_value(re.compile(r"\(my edits\)$"))
    expect(bob.node_of_block("load.table_file")).to_have_count(1)

    alice.reload()
    expect(alice.node_of_block("load.sklearn_dataset")).to_have_count(1)
    expect(alice.node_of_block("load.table_file")).to_have_count(0)

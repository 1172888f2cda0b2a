"""Flow parameters from the browser: one declared in the Parameters tab, the split's test share
linked to it from its form, Run asking for its value (a wrong-type value refused with a message
and kept in its box), the run using the value given; a block's caching switch saved."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from designer.settings import load_settings
from designer.store import accounts
from designer.store import runs as run_store
from designer.store.db import engine_for
from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import RUN_TIMEOUT_MS, Editor
from tests.fixtures.flow_files import fixture_flow

pytestmark = pytest.mark.e2e

#: Someone no other test signs in as.
PERSON = "paula-params"


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


def small_flow(tmp_path: Path) -> Path:
    """Iris loaded, split, a forest trained and scored: no parameters yet."""
    doc = fixture_flow("iris_classification")
    doc["name"] = "Iris with a share to choose"
    doc["params"] = []
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] != "deploy"]
    doc["edges"] = [e for e in doc["edges"] if e["target"] != "deploy"]
    for node in doc["nodes"]:
        if "seed" in node["params"]:
            node["params"]["seed"] = 7
    path = tmp_path / "iris-share.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_parameter_is_declared_linked_asked_for_and_used(
    editor: Editor, tmp_path: Path, app: tuple[str, dict[str, str]]
) -> None:
    page = editor.page
    flow_url = editor.import_flow(small_flow(tmp_path))

    # Declare it: name, type, default.
    page.get_by_test_id("tab-params").click()
    page.get_by_test_id("add-flow-param").click()
    name = page.get_by_test_id("flow-param-name")
    name.fill("test share")
    name.blur()
    expect(page.get_by_test_id("flow-param-name-error")).to_contain_text(
        "'test share' cannot be a parameter name"
    )
    expect(name).to_have_value("test share")  # what was typed stays until it is fixed
    name.fill("share")
    name.blur()
    expect(page.get_by_test_id("flow-param")).to_have_attribute("data-name", "share")
    page.get_by_test_id("flow-param-type").click()
    page.get_by_role("option", name="Number", exact=True).click()
    page.get_by_test_id("flow-param-default").fill("0.3")
    expect(page.get_by_test_id("flow-param-used-by")).to_contain_text("Not used yet")

    # Link the split's test share to it from the split's form.
    editor.fit()
    editor.open_properties(editor.node("split"))
    page.locator('[data-testid="param-link"][data-param="test_size"]').click()
    page.get_by_test_id("link-param").filter(has_text="share").click()
    linked = page.locator(".form-field").filter(has_text="Test share")
    expect(linked).to_contain_text("flow parameter share")
    expect(editor.param("test_size")).to_have_count(0)

    # The forest always runs again: its caching switch, off, is kept with the flow.
    editor.select(editor.node("train"))
    cache = page.get_by_test_id("node-cache")
    expect(cache).to_be_checked()
    cache.click()
    expect(cache).not_to_be_checked()
    editor.select(editor.node("split"))
    expect(linked).to_contain_text("flow parameter share")
    editor.shot("flow-params-linked")
    page.get_by_test_id("tab-params").click()
    expect(page.get_by_test_id("flow-param-used-by")).to_contain_text("Used by split · Test share")
    editor.shot("flow-params-tab")

    # Run asks for the value: a wrong one is refused and stays; a right one runs.
    page.get_by_test_id("run-button").click()
    dialog = page.get_by_test_id("run-dialog")
    value = dialog.locator('[data-testid="run-value"][data-param="share"]')
    expect(value).to_have_value("0.3")
    value.fill("a third")
    error = dialog.get_by_test_id("run-value-error")
    expect(error).to_have_text("parameter 'share' expects a number; found 'a third'")
    dialog.get_by_test_id("run-confirm").click()
    expect(dialog).to_be_visible()
    expect(value).to_have_value("a third")
    value.fill("1.5")
    expect(error).to_have_text("split: Test share must be a number from 0.05 to 0.95; found 1.5")
    editor.shot("flow-params-run-dialog")
    value.fill("0.4")
    expect(error).to_have_count(0)
    dialog.get_by_test_id("run-confirm").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("run-summary")).to_have_attribute(
        "data-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )
    editor.shot("flow-params-ran")

    database = engine_for(load_settings(app[1]).database_url)
    actor = accounts.credentials(database, PERSON)[0]
    flow_id = flow_url.rstrip("/").rsplit("/", 1)[-1]
    [latest, *_] = run_store.list_runs(database, actor, flow_id)
    record = run_store.get_run_record(database, actor, latest.id)
    assert record.arguments == {"share": 0.4}
    assert record.cache is True

    # Opened again, the switch is still off and the link still there.
    editor.reload()
    editor.fit()
    editor.select(editor.node("train"))
    expect(page.get_by_test_id("node-cache")).not_to_be_checked()
    editor.assert_no_console_errors()

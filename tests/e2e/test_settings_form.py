"""A block's settings in a real browser: a bad value stays, is a problem and holds Run back;
Ctrl+S saves from inside a field; a viewer's form looks as disabled as it is.

Screenshots of the form's error and of the Problems tab are taken at 1440x900 and 1280x720.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from designer.flow.document import Flow
from designer.settings import load_settings
from designer.store import accounts, flows, shares
from designer.store.access import Role
from designer.store.db import engine_for
from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import Editor
from tests.fixtures.flow_files import FLOWS, fixture_flow

pytestmark = pytest.mark.e2e

OUT_OF_RANGE = "Test share must be a number from 0.05 to 0.95; found 1.5"
EMPTY = "Test share is empty; enter a number from 0.05 to 0.95"
#: Which keydowns the page let the browser act on (Ctrl+S would open its "Save page" dialog).
RECORD_KEYS = """() => {
    window.__keys = [];
    window.addEventListener('keydown', (e) => window.__keys.push(
        {key: e.key, ctrl: e.ctrlKey, prevented: e.defaultPrevented}));
}"""


@pytest.fixture
def editor(app_url: str, page: Page, screenshot_path: Path) -> Editor:
    return Editor(page, app_url, screenshot_path)


@pytest.fixture(params=[(1440, 900), (1280, 720)], ids=["1440x900", "1280x720"])
def sized(
    request: pytest.FixtureRequest,
    browser: Browser,
    sign_in: SignIn,
    app_url: str,
    screenshot_path: Path,
) -> Iterator[tuple[Editor, str]]:
    """An editor signed in as "ada" in a window of each size screenshots are taken at."""
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    sign_in(context, "ada")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Editor(page, app_url, screenshot_path), f"{width}x{height}"
    context.close()


def problem_rows(page: Page) -> Locator:
    return page.get_by_test_id("problem")


def saved_toast(page: Page) -> Locator:
    return page.get_by_text(re.compile(r"^Saved as version \d+$"))


def test_a_bad_setting_stays_is_a_problem_and_blocks_run(sized: tuple[Editor, str]) -> None:
    editor, size = sized
    page = editor.page
    editor.import_flow(FLOWS / "iris_classification.json")
    run = page.get_by_test_id("run-button")
    expect(run).to_be_enabled()
    split = editor.node("split")
    editor.open_properties(split)

    test_size = editor.param("test_size")
    test_size.fill("1.5")
    test_size.blur()
    # The draft is written with the value as typed; the box still shows it afterwards.
    expect(page.get_by_test_id("save-state")).to_have_attribute(
        "data-state", "draft", timeout=10_000
    )
    expect(test_size).to_have_value("1.5")
    expect(page.get_by_test_id("param-error")).to_have_text(OUT_OF_RANGE)
    expect(split).to_have_attribute("data-problems", "1")
    expect(run).to_be_disabled()
    page.get_by_test_id("run-blocked").hover()
    expect(page.get_by_role("tooltip")).to_contain_text(f"Fix first: split: {OUT_OF_RANGE}")
    editor.shot(f"settings-form-error-{size}")
    # Away from Run, in steps: Radix closes a tooltip on the moves after leaving its button.
    page.mouse.move(600, 600, steps=4)
    page.mouse.move(620, 620, steps=2)
    expect(page.get_by_role("tooltip")).to_have_count(0)

    page.get_by_test_id("tab-problems").click()
    problem = problem_rows(page)
    expect(problem).to_have_count(1)
    expect(problem.get_by_test_id("problem-where")).to_have_text(
        "Train/test split (split) · Test share"
    )
    expect(problem).to_contain_text(OUT_OF_RANGE)
    editor.shot(f"settings-problems-{size}")

    # Clicking the problem goes back to the block; fixing the value lets the flow run.
    problem.click()
    expect(test_size).to_have_value("1.5")
    test_size.fill("0.25")
    expect(run).to_be_enabled()
    expect(split).to_have_attribute("data-problems", "0")
    expect(page.get_by_test_id("param-error")).to_have_count(0)

    # An emptied box is a problem too, and stays empty.
    test_size.fill("")
    test_size.blur()
    expect(page.get_by_test_id("param-error")).to_have_text(EMPTY)
    expect(test_size).to_have_value("")
    expect(run).to_be_disabled()
    page.get_by_test_id("tab-problems").click()
    expect(problem_rows(page)).to_contain_text(EMPTY)
    editor.shot(f"settings-empty-problem-{size}")
    editor.assert_no_console_errors()


def test_ctrl_s_in_a_field_saves_what_it_holds(editor: Editor) -> None:
    page = editor.page
    editor.import_flow(FLOWS / "iris_classification.json")
    page.evaluate(RECORD_KEYS)
    editor.open_properties(editor.node("split"))
    test_size = editor.param("test_size")

    # Typed and saved at once, before the box's own wait (350 ms) is over.
    test_size.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("0.4")
    page.keyboard.press("Control+s")
    expect(saved_toast(page)).to_be_visible()
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    assert page.evaluate("window.__keys.filter((k) => k.ctrl && k.key === 's')") == [
        {"key": "s", "ctrl": True, "prevented": True}
    ]
    expect(test_size).to_be_focused()  # typing goes on where it was

    # In a field, Ctrl+D and letters are the field's own: nothing is duplicated or laid out.
    page.keyboard.press("Control+d")
    page.keyboard.press("l")
    page.wait_for_timeout(500)  # what a duplicate or a layout would take to show
    expect(editor.node("split_2")).to_have_count(0)
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    page.keyboard.press("Escape")
    expect(test_size).not_to_be_focused()

    # Ctrl+S from the flow name box renames and saves; from a select, saves the choice.
    name = page.get_by_test_id("flow-name")
    name.fill("Iris, saved from a field")
    name.press("Control+s")
    expect(page.get_by_test_id("flow-version")).to_have_text("v3")
    editor.open_properties(editor.node("load"))
    select = page.locator('[data-testid="param-select"][data-param="dataset"]')
    select.click()
    page.get_by_role("option", name="wine", exact=True).click()
    expect(select).to_be_focused()
    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("flow-version")).to_have_text("v4")
    saves = page.evaluate("window.__keys.filter((k) => k.ctrl && k.key === 's')")
    assert [k["prevented"] for k in saves] == [True, True, True]
    # Ctrl+A and Ctrl+D did what they do in a box: the page left them to the browser.
    others = page.evaluate("window.__keys.filter((k) => k.ctrl && 'ad'.includes(k.key))")
    assert [(k["key"], k["prevented"]) for k in others] == [("a", False), ("d", False)]

    editor.reload()
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    expect(page.get_by_test_id("flow-name")).to_have_value("Iris, saved from a field")
    editor.open_properties(editor.node("split"))
    expect(editor.param("test_size")).to_have_value("0.4")
    editor.open_properties(editor.node("load"))
    expect(page.locator('[data-testid="param-select"][data-param="dataset"]')).to_have_text("wine")
    page.get_by_test_id("tab-history").click()
    expect(page.get_by_test_id("version-row")).to_have_count(4)
    editor.assert_no_console_errors()


@pytest.fixture
def viewer(
    app: tuple[str, dict[str, str]],
    browser: Browser,
    sign_in: SignIn,
    screenshot_path: Path,
) -> Iterator[tuple[Editor, str]]:
    """Bob's editor and a flow of Alice's that Bob may only view."""
    url, env = app
    engine = engine_for(load_settings(env).database_url)
    suffix = uuid.uuid4().hex[:6]
    alice = accounts.create_user(engine, f"alice-{suffix}", "Alice")
    bob = f"bob-{suffix}"
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    sign_in(context, bob)
    flow = Flow.model_validate(fixture_flow("iris_classification"))
    flow_id = flows.create_flow(engine, alice, flow).id
    shares.share_with_user(engine, alice, flow_id, bob, Role.VIEWER)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Editor(page, url, screenshot_path), f"{url.rstrip('/')}/flows/{flow_id}"
    context.close()


def test_a_viewer_sees_a_form_that_looks_disabled(viewer: tuple[Editor, str]) -> None:
    editor, flow_url = viewer
    page = editor.page
    page.goto(flow_url)
    editor.wait_ready()
    expect(page.get_by_test_id("read-only-banner")).to_be_visible()
    editor.open_properties(editor.node("split"))

    # Nothing to delete is offered; every control that cannot be used looks it.
    expect(page.get_by_test_id("delete-block")).to_have_count(0)
    expect(page.get_by_test_id("tool-delete")).to_have_count(0)
    test_size = editor.param("test_size")
    expect(test_size).to_be_disabled()
    switch = page.locator('[data-testid="param-switch"][data-param="stratify"]')
    expect(switch).to_be_disabled()
    expect(switch).to_have_attribute("data-disabled", "")
    for control in (test_size, switch):
        assert control.evaluate("(e) => getComputedStyle(e).cursor") == "not-allowed"
    editor.shot("settings-viewer")

    editor.open_properties(editor.node("load"))
    select = page.locator('[data-testid="param-select"][data-param="dataset"]')
    expect(select).to_be_disabled()
    assert select.evaluate("(e) => getComputedStyle(e).cursor") == "not-allowed"

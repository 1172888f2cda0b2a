"""A block's Kubeflow resources in a real browser: a bad amount stays as typed, is a problem and
holds Run back; fixed, it is saved in the flow; labels and tolerations are added as rows.

Screenshots of the section (with its problem, and filled in) and of the Problems tab are taken
at 1440x900 and 1280x720.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from designer.flow.document import Flow
from designer.settings import load_settings
from designer.store import accounts, flows, shares
from designer.store.access import Role
from designer.store.db import engine_for
from designer.store.flows import get_flow
from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import Editor
from tests.fixtures.flow_files import fixture_flow

pytestmark = pytest.mark.e2e

BAD_MEMORY = "Memory limit must be like 512Mi, 2Gi, 1G or 1e9; found '2 gigs'"
NOTE = "Used when the flow runs on Kubeflow; local runs ignore them."


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


def box(page: Page, field: str) -> Locator:
    return page.locator(f'[data-testid="resource-input"][data-field="{field}"]')


def test_resources_are_checked_shown_and_saved(
    sized: tuple[Editor, str], app: tuple[str, dict[str, str]]
) -> None:
    editor, size = sized
    page = editor.page
    page.goto(f"{editor.app_url.rstrip('/')}/gallery/iris-flowers")
    editor.wait_ready()
    page.get_by_test_id("read-only-banner").get_by_test_id("use-template").click()
    page.wait_for_url(re.compile(r"/flows/[0-9a-f]+$"))
    editor.wait_ready()
    flow_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    run = page.get_by_test_id("run-button")
    expect(run).to_be_enabled()

    split = editor.node("split")
    editor.open_properties(split)
    section = page.get_by_test_id("resources-section")
    expect(section.get_by_test_id("resources-toggle")).to_contain_text("Not set")
    expect(section.get_by_text(NOTE)).to_have_count(0)
    section.get_by_test_id("resources-toggle").click()
    expect(section.get_by_text(NOTE)).to_be_visible()

    memory = box(page, "memory_limit")
    memory.fill("2 gigs")
    memory.blur()
    expect(page.get_by_test_id("resource-error")).to_have_text(BAD_MEMORY)
    expect(memory).to_have_value("2 gigs")
    expect(split).to_have_attribute("data-problems", "1")
    expect(run).to_be_disabled()
    expect(section.get_by_test_id("resources-toggle")).to_contain_text("1 problem")
    memory.scroll_into_view_if_needed()
    editor.shot(f"resources-error-{size}")

    page.get_by_test_id("tab-problems").click()
    problem = page.get_by_test_id("problem")
    expect(problem).to_have_count(1)
    expect(problem.get_by_test_id("problem-where")).to_have_text(
        "Train/test split (split) · Resources: Memory limit"
    )
    expect(problem).to_contain_text(BAD_MEMORY)
    editor.shot(f"resources-problems-{size}")

    # Back to the block: the section is still open on the box with the problem; fix it.
    problem.click()
    expect(memory).to_have_value("2 gigs")
    memory.fill("2Gi")
    expect(run).to_be_enabled()
    expect(page.get_by_test_id("resource-error")).to_have_count(0)
    expect(split).to_have_attribute("data-problems", "0")
    box(page, "cpu_request").fill("500m")

    # A label and a toleration, each a row filled in place.
    section.get_by_test_id("resources-add-selector").click()
    expect(page.get_by_test_id("selector-error")).to_contain_text("has no key")
    page.get_by_test_id("selector-key").fill("disktype")
    page.get_by_test_id("selector-value").fill("ssd")
    expect(page.get_by_test_id("selector-error")).to_have_count(0)
    section.get_by_test_id("resources-add-toleration").click()
    page.get_by_test_id("toleration-key").fill("gpu")
    page.get_by_test_id("toleration-operator").click()
    page.get_by_role("option", name="Exists", exact=True).click()
    page.get_by_test_id("toleration-effect").click()
    page.get_by_role("option", name="NoSchedule", exact=True).click()
    expect(page.get_by_test_id("toleration-error")).to_have_count(0)
    expect(run).to_be_enabled()
    section.scroll_into_view_if_needed()
    editor.shot(f"resources-filled-{size}")

    # Saved in the flow as typed: the draft the designer autosaves for ada.
    engine = engine_for(load_settings(app[1]).database_url)
    found = accounts.credentials(engine, "ada")
    assert found is not None

    def stored() -> dict[str, Any] | None:
        node = get_flow(engine, found[0], flow_id).flow.node("split")
        assert node is not None
        return node.resources.model_dump(exclude_none=True) if node.resources else None

    expected = {
        "cpu_request": "500m",
        "memory_limit": "2Gi",
        "node_selector": {"disktype": "ssd"},
        "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
    }
    assert eventually(stored, expected) == expected
    expect(section.get_by_test_id("resources-toggle")).to_contain_text(
        "CPU 500m · memory up to 2Gi · 1 label · 1 toleration"
    )

    # Removing the rows leaves the rest; closing the section keeps the summary in sight.
    page.get_by_test_id("selector-remove").click()
    page.get_by_test_id("toleration-remove").click()
    expect(page.get_by_test_id("selector-row")).to_have_count(0)
    expect(page.get_by_test_id("toleration-row")).to_have_count(0)
    section.get_by_test_id("resources-toggle").click()
    expect(section.get_by_text(NOTE)).to_have_count(0)
    expect(section.get_by_test_id("resources-toggle")).to_contain_text(
        "CPU 500m · memory up to 2Gi"
    )
    editor.assert_no_console_errors()


def test_a_viewer_opens_the_section_and_reads_it_but_cannot_change_it(
    app: tuple[str, dict[str, str]], browser: Browser, sign_in: SignIn, screenshot_path: Path
) -> None:
    url, env = app
    engine = engine_for(load_settings(env).database_url)
    suffix = uuid.uuid4().hex[:6]
    alice = accounts.create_user(engine, f"alice-{suffix}", "Alice")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    sign_in(context, f"bob-{suffix}")
    doc = fixture_flow("iris_classification")
    doc["nodes"][2]["resources"] = {"cpu_limit": "2", "tolerations": [{"key": "gpu"}]}
    flow_id = flows.create_flow(engine, alice, Flow.model_validate(doc)).id
    shares.share_with_user(engine, alice, flow_id, f"bob-{suffix}", Role.VIEWER)
    editor = Editor(context.new_page(), url, screenshot_path)
    page = editor.page
    page.goto(f"{url.rstrip('/')}/flows/{flow_id}")
    editor.wait_ready()
    editor.open_properties(editor.node("train"))

    toggle = page.get_by_test_id("resources-toggle")
    expect(toggle).to_contain_text("CPU up to 2 · 1 toleration")
    toggle.click()
    expect(page.get_by_text(NOTE)).to_be_visible()
    expect(box(page, "cpu_limit")).to_have_value("2")
    expect(box(page, "cpu_limit")).to_be_disabled()
    expect(page.get_by_test_id("toleration-key")).to_have_value("gpu")
    expect(page.get_by_test_id("toleration-key")).to_be_disabled()
    expect(page.get_by_test_id("resources-add-toleration")).to_be_disabled()
    expect(page.get_by_test_id("toleration-remove")).to_be_disabled()
    editor.shot("resources-viewer")
    editor.assert_no_console_errors()
    context.close()


def eventually(read: Callable[[], Any], expected: Any, timeout_s: float = 15.0) -> Any:
    """What ``read`` gives once it gives ``expected``, or at the timeout (the autosave writes
    the draft a second after the last edit)."""
    deadline = time.monotonic() + timeout_s
    found = read()
    while found != expected and time.monotonic() < deadline:
        time.sleep(0.5)
        found = read()
    return found

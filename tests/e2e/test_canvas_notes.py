"""The canvas over a long working day: drops land where they are dropped, sticky notes explain
a flow to teammates (and stay text, and stay put for viewers), and template canvases open with
every block title whole and readable.

Screenshots land in tests/e2e/screenshots/ at 1440x900 and 1280x720.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import text as sql

from designer.flow.document import Flow
from designer.settings import load_settings
from designer.store import accounts
from designer.store.db import engine_for
from designer.store.flows import create_flow
from designer.store.shares import share_with_user
from designer.templates.use import use_template
from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import Editor
from tests.fixtures.flow_files import fixture_flow

pytestmark = pytest.mark.e2e

SIZES = [(1440, 900), (1280, 720)]
#: A drop puts the block's header middle under the pointer (FlowCanvas.jsx addBlockAt).
HEADER_MIDDLE_PX = 24
#: Block titles are 13 px; drawn at this zoom or more they render at 11 px or more.
READABLE_ZOOM = 0.85
TEXT = "Load the iris table here.\nAsk Ana before changing the split <b>not bold</b>"


@pytest.fixture
def editor(app_url: str, page: Page, screenshot_path: Path) -> Editor:
    return Editor(page, app_url, screenshot_path)


def zoom_of(page: Page) -> float:
    transform = page.locator(".react-flow__viewport").get_attribute("style") or ""
    found = re.search(r"scale\(([\d.]+)\)", transform)
    assert found, transform
    return float(found.group(1))


def box_of(locator: Locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return box


def person_page(browser: Browser, sign_in: SignIn, name: str, size: tuple[int, int]) -> Page:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    sign_in(context, name)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_every_drop_lands_where_it_was_dropped(editor: Editor) -> None:
    page = editor.page
    editor.new_flow()
    expect(page.get_by_test_id("canvas-empty")).to_be_visible()
    canvas = box_of(page.get_by_test_id("flow-canvas"))
    drops = [
        ("Sample dataset", "load.sklearn_dataset", (260, 200)),
        ("Train/test split", "split.train_test", (620, 420)),
    ]
    placed: dict[str, dict[str, float]] = {}
    for title, block, (x, y) in drops:
        editor.drag_block(title, x, y)
        node = editor.node_of_block(block)
        expect(node).to_be_visible()
        editor.settle()
        zoom = zoom_of(page)
        box = box_of(node)
        assert abs(box["x"] + box["width"] / 2 - (canvas["x"] + x)) <= 4, (title, box, zoom)
        assert abs(box["y"] + HEADER_MIDDLE_PX * zoom - (canvas["y"] + y)) <= 4, (title, box)
        placed[block] = box
    # The second drop moved nothing: the first block is still where it landed.
    assert box_of(editor.node_of_block("load.sklearn_dataset")) == placed["load.sklearn_dataset"]
    editor.assert_no_console_errors()


def notes(page: Page) -> Locator:
    return page.get_by_test_id("canvas-note")


def drag_by(page: Page, locator: Locator, dx: float, dy: float) -> None:
    box = box_of(locator)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=10)
    page.mouse.up()


def wait_for_draft(page: Page) -> None:
    expect(page.get_by_test_id("save-state")).to_have_attribute(
        "data-state", "draft", timeout=10_000
    )


def wait_for_draft_holding(app: tuple[str, dict[str, str]], text: str) -> None:
    """The autosaved draft in the database holds ``text``. The badge alone cannot tell: it
    still says "draft" (the one saved before) until the last edit reaches the server."""
    engine = engine_for(load_settings(app[1]).database_url)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            drafts = connection.execute(sql("SELECT document FROM drafts")).scalars().all()
        if any(text in document for document in drafts):
            return
        time.sleep(0.2)
    raise AssertionError(f"no draft holds {text!r} after 15 s")


def test_a_note_is_written_moved_resized_coloured_deleted_and_kept(
    browser: Browser,
    sign_in: SignIn,
    app: tuple[str, dict[str, str]],
    app_url: str,
    screenshot_path: Path,
) -> None:
    page = person_page(browser, sign_in, "nora", SIZES[0])
    editor = Editor(page, app_url, screenshot_path)
    editor.new_flow()
    editor.drag_block("Sample dataset", 200, 300)
    expect(editor.nodes).to_have_count(1)

    page.get_by_test_id("tool-note").click()
    box = page.get_by_test_id("note-input")
    expect(box).to_be_focused()
    box.press_sequentially(TEXT)
    page.keyboard.press("Escape")
    note = notes(page).first
    # Typed markup stays text: no element is made from it.
    expect(note.get_by_test_id("note-text")).to_have_text(TEXT)
    expect(note.locator("b")).to_have_count(0)
    wait_for_draft(page)

    before = box_of(note)
    drag_by(page, note, 160, -90)
    editor.settle()
    after = box_of(note)
    # React Flow starts a drag once the pointer has moved a little: most of the way is enough.
    assert 130 <= after["x"] - before["x"] <= 163 and -93 <= after["y"] - before["y"] <= -70

    note.click()
    page.locator('[data-testid="note-color"][data-color="blue"]').click()
    expect(note).to_have_attribute("data-color", "blue")
    corner = page.locator(".react-flow__node-note .react-flow__resize-control.handle.bottom.right")
    drag_by(page, corner, 80, 50)
    resized = box_of(note)
    assert resized["width"] > after["width"] + 60 and resized["height"] > after["height"] + 35
    block = box_of(editor.nodes.first)
    ratio = resized["width"] / block["width"]
    editor.shot("canvas-note-1440x900")
    wait_for_draft(page)

    # Double-click edits in place.
    note.dblclick()
    box = page.get_by_test_id("note-input")
    expect(box).to_be_focused()
    box.press("End")
    box.press_sequentially(" Thanks!")
    page.keyboard.press("Escape")
    expect(note.get_by_test_id("note-text")).to_have_text(TEXT + " Thanks!")
    wait_for_draft_holding(app, " Thanks!")

    editor.reload()
    note = notes(page).first
    expect(note.get_by_test_id("note-text")).to_have_text(TEXT + " Thanks!")
    expect(note).to_have_attribute("data-color", "blue")
    reloaded = box_of(note)["width"] / box_of(editor.nodes.first)["width"]
    assert abs(reloaded - ratio) < 0.03, (reloaded, ratio)

    # Delete, undo; copy and paste; the right-click menu.
    note.click()
    page.keyboard.press("Delete")
    expect(notes(page)).to_have_count(0)
    page.get_by_test_id("tool-undo").click()
    expect(notes(page)).to_have_count(1)
    expect(notes(page).first.get_by_test_id("note-text")).to_have_text(TEXT + " Thanks!")
    notes(page).first.click()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(notes(page)).to_have_count(2)
    canvas = box_of(page.get_by_test_id("flow-canvas"))
    page.mouse.click(canvas["x"] + 60, canvas["y"] + canvas["height"] - 60, button="right")
    page.get_by_test_id("menu-add-note").click()
    expect(notes(page)).to_have_count(3)
    expect(page.get_by_test_id("note-input")).to_be_focused()
    page.keyboard.press("Escape")
    wait_for_draft(page)
    editor.reload()
    editor.fit()
    expect(notes(page)).to_have_count(3)
    editor.assert_no_console_errors()
    page.context.close()


def test_a_viewer_sees_notes_but_cannot_change_them(
    browser: Browser, sign_in: SignIn, app: tuple[str, dict[str, str]], screenshot_path: Path
) -> None:
    url, env = app
    engine = engine_for(load_settings(env).database_url)
    suffix = uuid.uuid4().hex[:6]
    owner = accounts.create_user(engine, f"olga-{suffix}", "Olga")
    flow = Flow.model_validate(
        {
            **fixture_flow("iris_classification"),
            "notes": [
                {"id": "why", "text": TEXT, "position": {"x": 0, "y": -170}, "color": "pink"}
            ],
        }
    )
    stored = create_flow(engine, owner, flow)
    page = person_page(browser, sign_in, f"vic-{suffix}", SIZES[1])
    share_with_user(engine, owner, stored.id, f"vic-{suffix}", "viewer")
    editor = Editor(page, url, screenshot_path)
    page.goto(f"{url.rstrip('/')}/flows/{stored.id}")
    editor.wait_ready()
    note = notes(page).first
    expect(note.get_by_test_id("note-text")).to_have_text(TEXT)
    expect(note).to_have_attribute("data-color", "pink")
    note.dblclick()
    note.click()
    expect(page.get_by_test_id("note-input")).to_have_count(0)
    expect(page.get_by_test_id("note-color")).to_have_count(0)
    expect(page.locator(".react-flow__resize-control")).to_have_count(0)
    expect(page.get_by_test_id("tool-note")).to_have_count(0)

    def offset() -> tuple[float, float]:
        block, own = box_of(editor.node("load")), box_of(note)
        return own["x"] - block["x"], own["y"] - block["y"]

    # Dragging a note pans the view, as dragging the empty canvas does: it stays by its block.
    before = offset()
    drag_by(page, note, 120, 60)
    assert offset() == before
    canvas = box_of(page.get_by_test_id("flow-canvas"))
    page.mouse.click(canvas["x"] + 40, canvas["y"] + canvas["height"] - 40, button="right")
    expect(page.get_by_test_id("canvas-menu")).to_have_count(0)
    editor.shot("canvas-note-viewer-1280x720")
    editor.assert_no_console_errors()
    page.context.close()


TITLES_CUT = """() => [...document.querySelectorAll('.dc-node-title')]
    .filter((t) => t.scrollWidth > t.clientWidth || t.scrollHeight > t.clientHeight)
    .map((t) => t.textContent)"""


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_template_canvases_open_readable_with_whole_titles(
    browser: Browser,
    sign_in: SignIn,
    app: tuple[str, dict[str, str]],
    screenshot_path: Path,
    size: tuple[int, int],
) -> None:
    url, env = app
    engine = engine_for(load_settings(env).database_url)
    name = f"tess-{uuid.uuid4().hex[:6]}"
    page = person_page(browser, sign_in, name, size)
    actor = accounts.credentials(engine, name)[0]
    editor = Editor(page, url, screenshot_path)
    templates = sorted(p.stem for p in Path("designer/templates/builtin").glob("*.json"))
    assert len(templates) >= 8
    for template in templates:
        flow = use_template(engine, actor, template)
        page.goto(f"{url.rstrip('/')}/flows/{flow.id}")
        editor.wait_ready()
        expect(editor.nodes.first).to_be_visible()
        editor.settle()
        assert zoom_of(page) >= READABLE_ZOOM - 0.001, (template, zoom_of(page))
        assert page.evaluate(TITLES_CUT) == [], template
        if template == "compare-classifiers":
            editor.shot(f"template-canvas-{size[0]}x{size[1]}")
        # Every title whole once the whole flow is in view too.
        editor.fit()
        assert page.evaluate(TITLES_CUT) == [], template
    editor.assert_no_console_errors()
    page.context.close()

"""Dark theme and the side panel's width: both chosen in the browser and remembered there.

The appearance menu (every page's top bar) sets light, dark or "match the computer"; the
choice survives a reload, and "match the computer" follows ``prefers-color-scheme`` (Playwright's
``color_scheme``), also when it changes while the page is open. Colours are read the way the
browser paints them (a 1x1 canvas filled with the computed colour), so any colour space works.

The side panel's left edge drags (and takes arrow keys): the panel widens within its bounds,
the canvas gives up the same room, and the width survives a reload.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import Editor

pytestmark = pytest.mark.e2e

FLOWS = Path(__file__).parents[1] / "fixtures" / "flows"
IRIS = FLOWS / "iris_classification.json"

#: The painted background of an element or, if it has none, of the nearest ancestor with one.
PAINTED = """(el) => {
  let node = el;
  while (node) {
    const colour = getComputedStyle(node).backgroundColor;
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    if (a > 200) return [r, g, b];
    node = node.parentElement;
  }
  return [255, 255, 255];
}"""


def lightness(element: Locator) -> float:
    """0 (black) .. 1 (white): the relative luminance of what the element is painted on."""
    r, g, b = element.evaluate(PAINTED)

    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def is_dark(element: Locator) -> bool:
    return lightness(element) < 0.1


def is_light(element: Locator) -> bool:
    return lightness(element) > 0.7


def choose(page: Page, mode: str) -> None:
    # A menu still closing from the last choice would swallow the click that opens this one.
    expect(page.get_by_role("menu")).to_have_count(0)
    page.get_by_test_id("theme-menu").first.click()
    page.get_by_test_id(f"theme-{mode}").click()
    expect(page.get_by_test_id("theme-menu").first).to_have_attribute("data-mode", mode)


def root_mode(page: Page) -> str:
    return page.evaluate("document.documentElement.classList.contains('dark') ? 'dark' : 'light'")


def test_dark_theme_is_chosen_from_the_top_bar_and_remembered(
    page: Page, app_url: str, screenshot_path: Path
) -> None:
    page.goto(app_url)
    expect(page.get_by_test_id("theme-menu")).to_be_visible()
    body = page.locator(".app").first
    assert is_light(body)

    choose(page, "dark")
    assert root_mode(page) == "dark"
    assert is_dark(body)
    assert page.evaluate("localStorage.getItem('theme')") == "dark"

    editor = Editor(page, app_url, screenshot_path)
    editor.import_flow(IRIS)
    expect(editor.nodes.first).to_be_visible()
    for part in (page.locator(".react-flow"), editor.nodes.first):
        assert is_dark(part), part
    assert is_dark(page.locator(".editor-panel"))
    # Text on the nodes stays readable: light on dark.
    title = editor.nodes.first.locator(".dc-node-title")
    assert lightness(title) < 0.1  # painted on the dark node
    colour = title.evaluate("el => getComputedStyle(el).color")
    assert colour != "rgb(0, 0, 0)"

    page.reload()
    editor.wait_ready()
    assert root_mode(page) == "dark"
    assert is_dark(page.locator(".react-flow"))
    expect(page.get_by_test_id("theme-menu")).to_have_attribute("data-mode", "dark")

    choose(page, "light")
    assert is_light(page.locator(".react-flow"))
    page.reload()
    editor.wait_ready()
    assert root_mode(page) == "light"
    editor.assert_no_console_errors()


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_match_the_computer_follows_its_colour_scheme(
    browser: Browser, sign_in: SignIn, app_url: str, scheme: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme=scheme)
    sign_in(context, "ada")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(app_url.rstrip("/") + "/gallery")
    expect(page.get_by_test_id("theme-menu")).to_have_attribute("data-mode", "system")
    body = page.locator(".app").first
    page.wait_for_function(f"document.documentElement.classList.contains('{scheme}')")
    assert (is_dark if scheme == "dark" else is_light)(body)

    # The computer changes its mind while the page is open: the page follows.
    other = "light" if scheme == "dark" else "dark"
    page.emulate_media(color_scheme=other)
    page.wait_for_function(f"document.documentElement.classList.contains('{other}')")
    assert (is_dark if other == "dark" else is_light)(body)

    # A choice made here wins over the computer's, until "match the computer" again.
    choose(page, scheme)
    assert root_mode(page) == scheme
    choose(page, "system")
    assert root_mode(page) == other
    context.close()


def panel_width(page: Page) -> float:
    box = page.locator(".editor-panel").bounding_box()
    assert box is not None
    return box["width"]


def canvas_width(page: Page) -> float:
    box = page.locator(".react-flow").bounding_box()
    assert box is not None
    return box["width"]


def drag_handle(page: Page, by: float) -> None:
    """Drag the panel's handle ``by`` pixels to the right (negative: left, wider)."""
    box = page.get_by_test_id("panel-resizer").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + by * step / 10, y)
    page.mouse.up()


def test_the_side_panel_widens_by_dragging_and_keeps_its_width(
    page: Page, app_url: str, screenshot_path: Path
) -> None:
    editor = Editor(page, app_url, screenshot_path)
    editor.import_flow(IRIS)
    handle = page.get_by_test_id("panel-resizer")
    expect(handle).to_have_attribute("aria-valuenow", "360")
    panel, canvas = panel_width(page), canvas_width(page)
    assert panel == pytest.approx(360, abs=2)

    drag_handle(page, -200)
    expect(handle).to_have_attribute("aria-valuenow", "560")
    assert panel_width(page) == pytest.approx(560, abs=2)
    # The canvas gave up the room, and React Flow redrew at its new size.
    assert canvas_width(page) == pytest.approx(canvas - 200, abs=2)
    editor.shot("panel-widened")

    # Bounded: at most 60% of the window (1280 px), at least 300 px.
    drag_handle(page, -1000)
    expect(handle).to_have_attribute("aria-valuenow", "768")
    assert panel_width(page) == pytest.approx(768, abs=2)
    drag_handle(page, 1000)
    expect(handle).to_have_attribute("aria-valuenow", "300")

    # The keyboard: arrow left widens, right narrows; double-click puts the usual width back.
    handle.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(handle).to_have_attribute("aria-valuenow", "332")
    page.keyboard.press("Shift+ArrowLeft")
    expect(handle).to_have_attribute("aria-valuenow", "396")
    page.keyboard.press("ArrowRight")
    expect(handle).to_have_attribute("aria-valuenow", "380")
    handle.dblclick()
    expect(handle).to_have_attribute("aria-valuenow", "360")
    assert canvas_width(page) == pytest.approx(canvas, abs=2)

    drag_handle(page, -120)
    expect(handle).to_have_attribute("aria-valuenow", "480")
    assert page.evaluate("localStorage.getItem('designer.panel-width')") == "480"
    editor.reload()
    expect(page.get_by_test_id("panel-resizer")).to_have_attribute("aria-valuenow", "480")
    assert panel_width(page) == pytest.approx(480, abs=2)
    assert canvas_width(page) == pytest.approx(canvas - 120, abs=2)

    # A narrower window keeps the canvas its share: the panel shrinks to 60% of it.
    page.set_viewport_size({"width": 700, "height": 800})
    expect(page.get_by_test_id("panel-resizer")).to_have_attribute("aria-valuenow", "420")
    assert panel_width(page) == pytest.approx(420, abs=2)
    editor.assert_no_console_errors()


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)], ids=["1440x900", "1280x720"])
def test_pages_in_dark_screenshots(
    browser: Browser, sign_in: SignIn, app_url: str, screenshot_path: Path, size: tuple[int, int]
) -> None:
    """The pages people spend their time on, in dark, for a person to look at."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme="dark")
    sign_in(context, "ada")
    page = context.new_page()
    page.set_default_timeout(15_000)
    editor = Editor(page, app_url, screenshot_path)
    editor.import_flow(IRIS)
    editor.settle()
    assert root_mode(page) == "dark"
    page.screenshot(path=screenshot_path / f"dark-editor-{width}x{height}.png")
    editor.select(editor.nodes.nth(1))
    page.screenshot(path=screenshot_path / f"dark-editor-selected-{width}x{height}.png")
    page.get_by_test_id("tab-problems").click()
    page.screenshot(path=screenshot_path / f"dark-editor-problems-{width}x{height}.png")
    for route, name in (("", "flows"), ("gallery", "gallery"), ("datasets", "datasets")):
        page.goto(app_url + route)
        page.wait_for_load_state("networkidle")
        assert is_dark(page.locator(".app").first), name
        page.screenshot(path=screenshot_path / f"dark-{name}-{width}x{height}.png")
    editor.assert_no_console_errors()
    context.close()

"""Driving the editor like a person does: the palette, the canvas, the panels (a page object)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

#: A local run of five blocks takes about 8 s here; leave room for a slow, shared machine.
RUN_TIMEOUT_MS = 180_000


class Editor:
    def __init__(self, page: Page, app_url: str, shots: Path) -> None:
        self.page = page
        self.app_url = app_url
        self.shots = shots
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None
        )

    # ----- getting to a flow ----------------------------------------------------------------

    def new_flow(self) -> str:
        self.page.goto(self.app_url)
        self.page.get_by_test_id("new-flow").first.click()
        self.page.wait_for_url(re.compile(r"/flows/[0-9a-f]+$"))
        self.wait_ready()
        return self.page.url

    def import_flow(self, path: Path) -> str:
        self.page.goto(self.app_url)
        expect(self.page.get_by_role("heading", name="Flows", exact=True)).to_be_visible()
        self.page.locator("#home-import input[type=file]").set_input_files(path)
        self.page.wait_for_url(re.compile(r"/flows/[0-9a-f]+$"))
        self.wait_ready()
        return self.page.url

    def wait_ready(self) -> None:
        expect(self.page.get_by_test_id("flow-canvas")).to_be_visible()
        self.page.wait_for_load_state("networkidle")

    def save(self, message: str = "") -> None:
        """Save a version through the Save dialog."""
        self.page.get_by_test_id("save-button").click()
        self.page.get_by_test_id("save-message").fill(message)
        self.page.get_by_test_id("save-confirm").click()
        expect(self.page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")

    def reload(self) -> None:
        self.page.reload()
        self.wait_ready()

    # ----- the canvas -----------------------------------------------------------------------

    @property
    def nodes(self) -> Locator:
        return self.page.get_by_test_id("canvas-node")

    @property
    def edges(self) -> Locator:
        return self.page.locator(".react-flow__edge")

    def node(self, node_id: str) -> Locator:
        return self.page.locator(f'[data-testid="canvas-node"][data-node-id="{node_id}"]')

    def node_of_block(self, block_id: str) -> Locator:
        return self.page.locator(f'[data-testid="canvas-node"][data-block-id="{block_id}"]')

    def drag_block(self, title: str, x: float, y: float) -> None:
        """Drag a palette block onto the canvas, (x, y) from the canvas's top-left corner."""
        item = self.page.get_by_test_id("palette-item").filter(has_text=title)
        item.drag_to(self.page.get_by_test_id("flow-canvas"), target_position={"x": x, "y": y})

    def settle(self) -> None:
        """Wait until the view stops moving (fit view and focus animate)."""
        self.page.wait_for_function(
            """() => new Promise((done) => {
                const view = document.querySelector('.react-flow__viewport');
                const before = view && view.style.transform;
                setTimeout(() => done(view && view.style.transform === before), 150);
            })"""
        )

    def fit(self) -> None:
        self.page.get_by_test_id("tool-fit").click()
        self.settle()

    def handle(self, node: Locator, direction: str, port: str) -> Locator:
        return node.locator(
            f'[data-testid="port-handle"][data-direction="{direction}"][data-port="{port}"]'
        )

    def connect(self, source: Locator, target: Locator) -> None:
        """Draw an edge with the mouse, the way React Flow expects: press, move, release."""
        self.settle()
        start, end = source.bounding_box(), target.bounding_box()
        assert start and end
        mouse = self.page.mouse
        mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
        mouse.down()
        mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
        mouse.up()

    def select(self, node: Locator) -> None:
        node.click()
        expect(node).to_have_attribute("data-selected", "true")

    def open_properties(self, node: Locator) -> None:
        self.select(node)
        self.page.get_by_role("tab", name="Block").click()
        expect(self.page.get_by_test_id("properties")).to_be_visible()

    # ----- panels ---------------------------------------------------------------------------

    def param(self, name: str) -> Locator:
        return self.page.locator(f'[data-testid="param-input"][data-param="{name}"]')

    def shot(self, name: str) -> None:
        self.page.screenshot(path=self.shots / f"{name}.png")

    def assert_no_console_errors(self) -> None:
        assert self.errors == [], self.errors

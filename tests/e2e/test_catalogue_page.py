"""The catalogue page lists every block with its description and typed ports."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from blocks import CATALOGUE, get_block

pytestmark = pytest.mark.e2e


def test_sample_dataset_card(app_url: str, page: Page, screenshot_path: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    block = get_block("load.sklearn_dataset")
    assert block is not None

    page.goto(app_url + "blocks")

    expect(page.get_by_role("heading", name="Designer", exact=True)).to_be_visible()
    card = page.get_by_test_id("block-card").filter(has_text=block.title)
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", name=block.title)).to_be_visible()
    expect(card).to_contain_text(block.description)
    port = block.outputs[0]
    badge = card.locator(f'[data-direction="output"][data-port="{port.name}"]')
    expect(badge).to_be_visible()
    expect(badge).to_contain_text(port.name)
    expect(badge).to_contain_text(port.type.name)
    expect(badge).to_have_css("color", _rgb(port.type.color))
    expect(page.get_by_test_id("block-card")).to_have_count(len(CATALOGUE))

    page.wait_for_load_state("networkidle")
    page.screenshot(path=screenshot_path / "catalogue.png", full_page=True)
    assert errors == []


def _rgb(hex_color: str) -> str:
    r, g, b = (int(hex_color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"

"""A beginner's path through the dataset library: upload a CSV, look at it, pick it in a flow's
Dataset block, run the flow and download the trained model from the run panel."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.editor_page import RUN_TIMEOUT_MS, Editor

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parents[1] / "fixtures" / "data"


@pytest.fixture
def editor(app_url: str, page: Page, screenshot_path: Path) -> Editor:
    return Editor(page, app_url, screenshot_path)


def price_flow(tmp_path: Path) -> Path:
    """Five blocks wired up, the Dataset block not yet pointing at any dataset."""
    nodes = [
        ("load", "load.dataset", {}),
        ("split", "split.train_test", {"stratify": False}),
        ("prepare", "preprocess.prepare_columns", {}),
        ("fit", "train.linear_regression", {}),
        ("score", "evaluate.regression", {}),
    ]
    edges = [
        ("load", "data", "split", "data"),
        ("split", "train", "prepare", "train"),
        ("split", "test", "prepare", "test"),
        ("prepare", "prepared_train", "fit", "train"),
        ("fit", "model", "score", "model"),
        ("prepare", "prepared_test", "score", "test"),
    ]
    document = {
        "schema_version": 1,
        "name": "House prices from my data",
        "nodes": [
            {"id": i, "block": b, "params": p, "position": {"x": n * 260, "y": 120}}
            for n, (i, b, p) in enumerate(nodes)
        ],
        "edges": [
            {"source": s, "source_port": sp, "target": t, "target_port": tp}
            for s, sp, t, tp in edges
        ],
    }
    path = tmp_path / "house-prices.json"
    path.write_text(json.dumps(document))
    return path


def test_upload_preview_use_in_a_flow_run_and_download_the_model(
    editor: Editor, app_url: str, tmp_path: Path
) -> None:
    page = editor.page
    csv = tmp_path / "house prices (2024).csv"
    csv.write_bytes((DATA / "houses.csv").read_bytes())

    page.goto(f"{app_url.rstrip('/')}/datasets")
    page.get_by_test_id("upload-input").set_input_files(csv)
    page.wait_for_url(re.compile(r"/datasets/[0-9a-f]{32}/?$"))
    expect(page.get_by_text("Likely target")).to_be_visible()
    expect(page.get_by_text("price").first).to_be_visible()
    editor.shot("dataset-flow-preview")

    editor.import_flow(price_flow(tmp_path))
    load = editor.node("load")
    expect(load).not_to_have_attribute("data-problems", "0")  # no dataset chosen yet
    editor.open_properties(load)
    page.locator('[data-testid="param-library"][data-param="dataset"]').click()
    page.get_by_role("option", name="house prices (2024)").click()
    target = page.locator('[data-testid="param-library"][data-param="target"]')
    expect(target).to_contain_text("price (likely target)")
    expect(load).to_have_attribute("data-problems", "0")
    editor.shot("dataset-flow-picked")

    page.get_by_test_id("run-button").click()
    expect(page.get_by_test_id("run-summary")).to_have_attribute(
        "data-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )
    expect(page.get_by_test_id("metric").filter(has_text="R²")).to_be_visible()
    model = page.locator('[data-testid="download-artifact"][href*="/artifacts/fit/model"]')
    with page.expect_download() as download:
        model.click()
    assert download.value.suggested_filename == "fit-model.joblib"
    assert Path(download.value.path()).stat().st_size > 100
    editor.shot("dataset-flow-ran")
    editor.assert_no_console_errors()

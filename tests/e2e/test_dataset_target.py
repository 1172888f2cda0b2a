"""The dataset page's likely target: a count is a number to predict, and the page says why."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import SignIn

pytestmark = pytest.mark.e2e

KINDS = Path(__file__).parents[1] / "fixtures" / "data" / "target_kinds.csv"


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1440, 900)])
def test_the_likely_target_says_its_task_and_why(
    browser: Browser,
    sign_in: SignIn,
    app_url: str,
    screenshot_path: Path,
    tmp_path: Path,
    width: int,
    height: int,
) -> None:
    # a count of rentals, the last column (so the likely target), after a year and a rating
    table = pd.read_csv(KINDS)[["year", "rating", "digit", "rentals"]]
    csv = tmp_path / "rentals.csv"
    table.to_csv(csv, index=False)
    context = browser.new_context(viewport={"width": width, "height": height})
    sign_in(context, "ada")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    query = urlencode({"name": f"rentals-{width}", "filename": csv.name})
    answer = page.request.post(
        f"{app_url}api/v1/datasets?{query}",
        data=csv.read_bytes(),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert answer.status == 201, answer.text()

    page.goto(f"{app_url}datasets/{answer.json()['dataset_id']}")
    expect(page.get_by_test_id("likely-target")).to_have_text("Likely target: rentals (regression)")
    reason = page.get_by_test_id("likely-target-reason")
    expect(reason).to_contain_text("“rentals” holds 61 different whole numbers from 0 to 977")
    expect(reason).to_contain_text("so the model will predict a number: regression.")
    page.screenshot(path=screenshot_path / f"dataset-likely-target-{width}x{height}.png")
    assert errors == []
    context.close()

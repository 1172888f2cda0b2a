"""The guided start: upload a messy CSV, pick the column to predict, read the proposal, create
the flow and run it to a trained, tested model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import RUN_TIMEOUT_MS, Editor

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parents[1] / "fixtures" / "data"


@pytest.fixture
def editor(app_url: str, page: Page, screenshot_path: Path) -> Editor:
    return Editor(page, app_url, screenshot_path)


def test_from_a_csv_upload_to_a_successful_run(
    editor: Editor, app_url: str, tmp_path: Path
) -> None:
    page = editor.page
    csv = tmp_path / "my pets.csv"
    csv.write_bytes((DATA / "pets.csv").read_bytes())

    page.goto(f"{app_url.rstrip('/')}/start")
    page.get_by_test_id("upload-input").set_input_files(csv)

    target = page.get_by_test_id("start-target")
    expect(target).to_contain_text("species")  # the likely target comes chosen
    expect(page.get_by_test_id("start-preview").get_by_test_id("preview-row")).to_have_count(5)
    proposal = page.get_by_test_id("proposal")
    expect(proposal.get_by_test_id("proposal-task")).to_have_text("Predict a category")
    steps = proposal.get_by_test_id("proposal-step")
    expect(steps).to_have_count(5)
    expect(steps.nth(2)).to_contain_text("drops “name”")
    expect(steps.nth(2)).to_contain_text("fills empty cells in “age”")
    editor.shot("guided-proposal")

    target.click()
    page.get_by_role("option", name=re.compile(r"^weight ")).click()
    expect(proposal.get_by_test_id("proposal-task")).to_have_text("Predict a number")
    target.click()
    page.get_by_role("option", name=re.compile(r"^name ")).click()
    expect(page.get_by_test_id("start-problem")).to_contain_text("like an id or a name")
    target.click()
    page.get_by_role("option", name=re.compile(r"^species ")).click()
    expect(page.get_by_test_id("start-problem")).to_have_count(0)

    page.get_by_test_id("create-proposal").click()
    page.wait_for_url(re.compile(r"/flows/[0-9a-f]+$"))
    editor.wait_ready()
    expect(editor.nodes).to_have_count(5)
    expect(page.get_by_test_id("flow-name")).to_have_value(re.compile(r"^Predict species"))
    expect(page.get_by_test_id("run-button")).to_be_enabled()
    page.get_by_test_id("run-button").click()
    expect(page.get_by_test_id("run-summary")).to_have_attribute(
        "data-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )
    expect(page.get_by_test_id("metric").filter(has_text="Accuracy")).to_be_visible()
    editor.shot("guided-ran")
    editor.assert_no_console_errors()


def test_a_sample_dataset_needs_no_column_choice(editor: Editor, app_url: str) -> None:
    page = editor.page
    page.goto(f"{app_url.rstrip('/')}/start")
    page.locator('[data-testid="start-sample"][data-value="sample:diabetes"]').click()
    expect(page.get_by_test_id("start-target")).to_have_count(0)
    expect(page.get_by_test_id("proposal-task")).to_have_text("Predict a number")
    page.get_by_test_id("start-back").click()
    page.locator('[data-testid="start-sample"][data-value="table:customers"]').click()
    expect(page.get_by_test_id("start-target")).to_contain_text("churned")
    expect(page.get_by_test_id("proposal-step")).to_have_count(5)
    editor.assert_no_console_errors()


#: Long column names and values, so the table is wider than the page at either size.
WIDE_COLUMNS = (
    "station_name_in_full",
    "weather_description",
    "temperature_celsius",
    "wind_speed_km_per_hour",
    "humidity_percent",
    "day_of_the_week_name",
    "public_holiday_name",
    "nearest_event_description",
)


def write_wide_table(path: Path) -> None:
    """A table whose column to predict, a count of bike rentals, is the last of many."""
    lines = [",".join([*WIDE_COLUMNS, "rentals"])]
    for i in range(60):
        cells = [
            f"Station number {i % 7} by the river",
            ("light rain and wind", "sunny and warm", "cloudy with fog")[i % 3],
            f"{10 + (i * 7) % 15}.5",
            f"{(i * 13) % 40}",
            f"{40 + (i * 11) % 50}",
            ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")[i % 5],
            "none" if i % 9 else "Spring bank holiday",
            ("a concert in the park", "a football match", "nothing special")[i % 3],
            f"{((i * 37) % 50) * 7}",
        ]
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def visible_in(inner: dict[str, float] | None, outer: dict[str, float] | None) -> bool:
    assert inner is not None and outer is not None
    return (
        inner["x"] >= outer["x"] - 1
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
    )


SCROLLER = """box => {
    const all = [box, ...box.querySelectorAll('*')];
    const el = all.find(e => e.scrollWidth > e.clientWidth + 1
        && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX));
    if (!el) return null;
    el.scrollLeft = el.scrollWidth;
    return {scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, left: el.scrollLeft};
}"""


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1440, 900)])
def test_a_wide_table_keeps_the_column_to_predict_in_view(
    browser: Browser,
    sign_in: SignIn,
    app_url: str,
    screenshot_path: Path,
    tmp_path: Path,
    width: int,
    height: int,
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    sign_in(context, "ada")
    page = context.new_page()
    page.set_default_timeout(15_000)
    editor = Editor(page, app_url, screenshot_path)
    csv = tmp_path / "bike rentals.csv"
    write_wide_table(csv)

    page.goto(f"{app_url.rstrip('/')}/start")
    page.get_by_test_id("upload-input").set_input_files(csv)
    expect(page.get_by_test_id("start-target")).to_contain_text("rentals")
    # a count is a number to predict, and the page says why
    proposal = page.get_by_test_id("proposal")
    expect(proposal.get_by_test_id("proposal-task")).to_have_text("Predict a number")
    expect(proposal).to_contain_text("different whole numbers from 0 to 343, like a count")

    box = page.get_by_test_id("start-preview-box")
    headers = page.get_by_test_id("start-preview").locator("th")
    expect(headers.first).to_have_text("rentals")
    expect(headers).to_have_count(len(WIDE_COLUMNS) + 1)
    # the preview stays inside the page: it scrolls sideways in its own box
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    outer = box.bounding_box()
    assert outer is not None and outer["x"] + outer["width"] <= width
    assert visible_in(headers.first.bounding_box(), outer)
    page.get_by_test_id("start-preview").scroll_into_view_if_needed()
    editor.shot(f"guided-wide-preview-{width}x{height}")

    scrolled = box.evaluate(SCROLLER)
    assert scrolled is not None and scrolled["left"] > 0, scrolled
    # scrolled to the far right, the column to predict is still pinned in view
    assert visible_in(headers.first.bounding_box(), outer)
    assert visible_in(headers.last.bounding_box(), outer)
    editor.shot(f"guided-wide-preview-scrolled-{width}x{height}")

    target = page.get_by_test_id("start-target")
    target.click()
    page.get_by_role("option", name=re.compile(r"^temperature_celsius ")).click()
    expect(headers.first).to_have_text("temperature_celsius")
    expect(proposal.get_by_test_id("proposal-task")).to_have_text("Predict a number")
    editor.assert_no_console_errors()
    context.close()

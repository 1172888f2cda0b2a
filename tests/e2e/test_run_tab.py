"""The run tab at the window sizes people use (1440x900, 1280x720): class names in the
confusion matrix, each class's scores beside the named averages, an ROC chart that fits the
panel with its title, axis titles and every tick, every compared model reachable, history rows
on one line, the success toast clear of the results; and a share link's visitor, who sees the
owner's latest results or a sentence for someone who cannot run."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, expect
from sqlalchemy import Engine

from designer.settings import load_settings
from designer.store import accounts
from designer.store import shares as share_store
from designer.store.db import engine_for
from designer.templates.use import use_template
from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import RUN_TIMEOUT_MS, Editor

pytestmark = pytest.mark.e2e

SIZES = {"1440x900": (1440, 900), "1280x720": (1280, 720)}
IRIS = ["setosa", "versicolor", "virginica"]
#: Room for rounding between a box and the one that holds it, in CSS pixels.
SLACK = 1.0

Person = Callable[..., tuple[Editor, str]]


@pytest.fixture
def engine(app: tuple[str, dict[str, str]]) -> Engine:
    return engine_for(load_settings(app[1]).database_url)


@pytest.fixture
def person(
    browser: Browser, sign_in: SignIn, app_url: str, screenshot_path: Path
) -> Iterator[Person]:
    """A new person signed in a window of the given size: their editor and username."""
    contexts = []

    def make(width: int = 1440, height: int = 900, signed_in: bool = True) -> tuple[Editor, str]:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        username = f"runner-{uuid.uuid4().hex[:8]}"
        if signed_in:
            sign_in(context, username)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return Editor(page, app_url, screenshot_path), username

    yield make
    for context in contexts:
        context.close()


def open_template_copy(editor: Editor, engine: Engine, username: str, template: str) -> str:
    """The person's own copy of a template, open in the editor; its flow id."""
    actor = accounts.credentials(engine, username)[0]
    flow = use_template(engine, actor, template)
    editor.page.goto(f"{editor.app_url.rstrip('/')}/flows/{flow.id}")
    editor.wait_ready()
    return flow.id


def run_to_success(editor: Editor) -> None:
    page = editor.page
    page.get_by_test_id("run-button").click()
    expect(page.get_by_test_id("run-summary")).to_have_attribute(
        "data-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not on the page"
    return found


def assert_inside(inner: Locator, outer: Locator, what: str) -> None:
    a, b = box(inner), box(outer)
    assert a["x"] >= b["x"] - SLACK and a["x"] + a["width"] <= b["x"] + b["width"] + SLACK, (
        f"{what} sticks out sideways: {a} not inside {b}"
    )


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def check_the_results_fit(editor: Editor, size: str) -> None:
    """What every size must show: names, per-class rows, the averaging, a chart that fits."""
    page = editor.page
    # The run tab's content, which must fit inside the side panel (it was wider, and cut off).
    panel = page.get_by_test_id("run-panel")
    assert_inside(panel, page.locator(".editor-panel"), f"the run tab at {size}")
    matrix = page.get_by_test_id("confusion-matrix")
    expect(matrix.locator("thead th.matrix-head")).to_have_text(IRIS)
    expect(matrix.locator("tbody th.matrix-head")).to_have_text(IRIS)
    rows = page.get_by_test_id("class-row")
    expect(rows).to_have_count(3)
    assert [rows.nth(i).get_attribute("data-class") for i in range(3)] == IRIS
    expect(page.get_by_test_id("metric-average")).to_have_text(
        "Precision, recall and F1 are macro averages: each class counts the same."
    )
    for label in ("Precision", "Recall", "F1"):
        card = page.locator(f'[data-testid="metric"][data-label="{label}"]')
        expect(card).to_have_attribute("data-average", "macro average")
        expect(card).to_contain_text("macro average")

    roc = page.get_by_test_id("roc-curve")
    roc.scroll_into_view_if_needed()
    editor.shot(f"run-tab-roc-in-panel-{size}")
    expect(roc).to_contain_text("ROC curve · evaluate · AUC")
    chart = roc.locator("svg.recharts-surface").first
    expect(chart).to_be_visible()
    assert_inside(roc, panel, f"the ROC box at {size}")
    assert_inside(chart, panel, f"the ROC chart at {size}")
    for axis in ("xAxis", "yAxis"):
        ticks = roc.locator(f".recharts-{axis}-tick-labels .recharts-cartesian-axis-tick-value")
        expect(ticks).to_have_text(["0", "0.2", "0.4", "0.6", "0.8", "1"])
    expect(roc.locator(".recharts-label")).to_have_text(
        ["False positive rate", "True positive rate"]
    )
    # The axis titles are drawn inside the chart, not cut off below or beside it.
    for label in roc.locator(".recharts-label").all():
        a, b = box(label), box(chart)
        assert b["y"] - SLACK <= a["y"] and a["y"] + a["height"] <= b["y"] + b["height"] + SLACK
        assert b["x"] - SLACK <= a["x"]


@pytest.mark.parametrize("size", list(SIZES))
def test_a_classification_run_says_what_its_scores_are_and_fits_the_panel(
    person: Person, engine: Engine, size: str
) -> None:
    editor, username = person(*SIZES[size])
    page = editor.page
    open_template_copy(editor, engine, username, "iris-flowers")
    run_to_success(editor)

    toast = page.locator("[data-sonner-toast]").filter(has_text="The run succeeded")
    expect(toast).to_be_visible()
    editor.shot(f"run-tab-toast-{size}")
    assert not overlaps(box(toast), box(page.locator(".editor-panel"))), (
        "the success toast covers the run tab"
    )

    check_the_results_fit(editor, size)
    editor.shot(f"run-tab-results-{size}")
    page.get_by_test_id("roc-curve").screenshot(path=editor.shots / f"run-tab-roc-{size}.png")

    # A second run: neither of a history row's two lines wraps, the whole in their tooltip.
    run_to_success(editor)
    history = page.get_by_test_id("history-row")
    expect(history).to_have_count(2)
    for row in history.all():
        row.scroll_into_view_if_needed()
        for line in row.locator(".history-line").all():
            assert box(line)["height"] < 26, "a history row's line wraps"
        assert_inside(row, page.get_by_test_id("run-panel"), "a history row")
        assert "version" in (row.get_attribute("title") or "")
    history.first.screenshot(path=editor.shots / f"run-tab-history-{size}.png")
    editor.assert_no_console_errors()


@pytest.mark.parametrize("size", list(SIZES))
def test_every_compared_model_is_reachable(person: Person, engine: Engine, size: str) -> None:
    editor, username = person(*SIZES[size])
    page = editor.page
    open_template_copy(editor, engine, username, "compare-classifiers")
    run_to_success(editor)

    table = page.get_by_test_id("compare-table")
    columns = table.get_by_test_id("compare-column")
    expect(columns).to_have_count(3)
    expect(page.get_by_test_id("compare-hint")).to_contain_text("3 models")
    table.scroll_into_view_if_needed()
    editor.shot(f"run-tab-compare-{size}")
    third = columns.nth(2)
    third.scroll_into_view_if_needed()  # scrolls the table sideways when it is wider
    assert_inside(third, table, "the third model's column")
    assert_inside(table, page.get_by_test_id("run-panel"), "the comparison table")
    assert_inside(page.get_by_test_id("run-panel"), page.locator(".editor-panel"), "the run tab")
    # The metric names stay in view while the models scroll under them.
    assert_inside(table.locator("th.compare-metric").first, table, "the metric names")
    table.screenshot(path=editor.shots / f"run-tab-compare-scrolled-{size}.png")
    for name in ("class_0", "class_1", "class_2"):  # wine's classes, by name
        expect(page.get_by_test_id("confusion-matrix").first).to_contain_text(name)


def test_a_link_visitor_sees_the_owners_latest_results_read_only(
    person: Person, engine: Engine
) -> None:
    owner, username = person(1280, 720)
    flow_id = open_template_copy(owner, engine, username, "iris-flowers")
    actor = accounts.credentials(engine, username)[0]
    _, token = share_store.create_link(engine, actor, flow_id)
    visitor, _ = person(1280, 720, signed_in=False)
    page = visitor.page
    link = f"{visitor.app_url.rstrip('/')}/links/{token}"

    page.goto(link)
    visitor.wait_ready()
    page.get_by_test_id("tab-run").click()
    empty = page.get_by_test_id("no-run")
    expect(empty).to_contain_text("No results yet")
    expect(empty).to_contain_text("shared with you to look at")
    expect(empty).not_to_contain_text("Press Run")
    expect(page.get_by_test_id("run-button")).to_have_count(0)
    visitor.shot("run-tab-link-no-results-1280x720")

    run_to_success(owner)
    page.reload()
    visitor.wait_ready()
    page.get_by_test_id("tab-run").click()
    expect(page.get_by_test_id("run-summary")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("link-results")).to_be_visible()
    expect(page.get_by_test_id("confusion-matrix").locator("thead th.matrix-head")).to_have_text(
        IRIS
    )
    expect(page.get_by_test_id("class-row")).to_have_count(3)
    expect(page.get_by_role("button", name="Hide")).to_have_count(0)
    expect(page.get_by_test_id("download-artifact")).to_have_count(0)
    expect(page.get_by_test_id("history-row")).to_have_count(0)
    visitor.shot("run-tab-link-results-1280x720")
    visitor.assert_no_console_errors()

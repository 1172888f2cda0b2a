"""Comparing runs end to end: tick two runs in a flow's history, "Compare selected", and the
compare page shows the parameter that differs, the better accuracy marked, both confusion
matrices and the changed block marked on the canvas.

The page only reads stored run records, so the two runs are recorded through the store as the
engines record them (no engine runs here).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from designer.flow.document import Flow
from designer.runs.record import NodeRun, OutputRecord, RunRecord, Status
from designer.settings import load_settings
from designer.store import accounts
from designer.store.db import engine_for
from designer.store.flows import create_flow
from designer.store.runs import record_run
from designer.store.versions import save_version
from tests.e2e.conftest import SignIn
from tests.e2e.editor_page import Editor
from tests.fixtures.flow_files import fixture_flow

pytestmark = pytest.mark.e2e

T0 = 1_800_000_000.0
IRIS = ["setosa", "versicolor", "virginica"]


def iris(n_estimators: int) -> Flow:
    flow = Flow.model_validate(fixture_flow("iris_classification"))
    train = flow.node("train")
    assert train is not None
    train.params["n_estimators"] = n_estimators
    return flow


def finished(run_id: str, seed: int, accuracy: float, started: float) -> RunRecord:
    """A finished run as the local engine records it: arguments, metrics, confusion matrix."""
    rows = (
        [[15, 0, 0], [0, 13, 2], [0, 1, 14]]
        if accuracy > 0.9
        else [[15, 0, 0], [0, 10, 5], [0, 4, 11]]
    )
    output = OutputRecord(uri="", type="system.ClassificationMetrics")
    output.metadata = {
        "confusionMatrix": {"annotationSpecs": [{"displayName": c} for c in IRIS], "rows": rows}
    }
    nodes = {
        node: NodeRun(status=Status.SUCCEEDED, started_at=started, finished_at=started + 2)
        for node in ("load", "split", "train", "deploy")
    }
    nodes["evaluate"] = NodeRun(
        status=Status.SUCCEEDED,
        metrics={"accuracy": accuracy, "f1": accuracy - 0.01},
        outputs={"metrics": output},
    )
    return RunRecord(
        run_id=run_id,
        flow_name="Iris classification",
        engine="local",
        status=Status.SUCCEEDED,
        started_at=started,
        finished_at=started + 10,
        arguments={"seed": seed},
        nodes=nodes,
    )


def test_two_runs_compared_from_the_history(
    browser: Browser,
    sign_in: SignIn,
    app: tuple[str, dict[str, str]],
    screenshot_path: Path,
) -> None:
    url, env = app[0].rstrip("/"), app[1]
    engine = engine_for(load_settings(env).database_url)
    username = f"comparer-{uuid.uuid4().hex[:8]}"
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    sign_in(context, username)
    actor = accounts.credentials(engine, username)[0]
    flow_id = create_flow(engine, actor, iris(50)).id
    save_version(engine, actor, flow_id, iris(200), base_version=1, message="more trees")
    suffix = uuid.uuid4().hex[:8]
    old, new = f"old-{suffix}", f"new-{suffix}"
    record_run(engine, flow_id, 1, finished(old, 7, 0.82, T0), user_id=actor.id)
    record_run(engine, flow_id, 2, finished(new, 8, 0.95, T0 + 600), user_id=actor.id)

    page = context.new_page()
    page.set_default_timeout(15_000)
    editor = Editor(page, url, screenshot_path)
    page.goto(f"{url}/flows/{flow_id}")
    editor.wait_ready()
    page.get_by_test_id("tab-run").click()
    expect(page.get_by_test_id("history-row")).to_have_count(2)
    for run_id in (new, old):
        page.locator(f'[data-testid="compare-pick"][data-run-id="{run_id}"]').click()
    page.get_by_test_id("run-panel").screenshot(path=str(screenshot_path / "compare-picks.png"))
    page.get_by_test_id("compare-selected").click()
    page.wait_for_url(re.compile(r"/runs/compare\?runs="))

    # The seed differs; the better accuracy (the newer run's) is marked; so is its block.
    seed = page.locator('[data-testid="param-row"][data-name="seed"]')
    expect(seed).to_contain_text("7")
    expect(seed).to_contain_text("8")
    setting = page.locator('[data-testid="setting-row"][data-name="n_estimators"]')
    expect(setting).to_contain_text("200")
    best = page.locator('[data-testid="run-metric-cell"][data-metric="accuracy"][data-best="true"]')
    expect(best).to_have_count(1)
    expect(best).to_have_attribute("data-run", new)
    expect(best).to_contain_text("0.95")
    expect(page.get_by_test_id("run-matrix")).to_have_count(2)
    expect(page.get_by_test_id("flow-step")).to_contain_text("n_estimators: 50 → 200")
    changed = page.locator('[data-testid="canvas-node"][data-node-id="train"]')
    expect(changed).to_have_attribute("data-mark", "changed")
    expect(page.locator('[data-testid="canvas-node"][data-mark="added"]')).to_have_count(0)
    page.screenshot(path=str(screenshot_path / "compare-runs.png"), full_page=True)
    assert not [e for e in editor.errors if "Warning" not in e], editor.errors

    page.get_by_test_id("compare-back").click()
    page.wait_for_url(re.compile(rf"/flows/{flow_id}$"))
    context.close()

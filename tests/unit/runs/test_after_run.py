"""What runs after a local run, before its last record is saved (publishing models, later).

Its changes are in the record that says how the run ended, and whatever it raises ends the
run (failing the nodes it names), never leaves it "running".
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from designer.flow.compile import CompiledFlow, compile_flow
from designer.flow.validate import check_data
from designer.runs.launcher import Launcher
from designer.runs.local import RECORD_FILE, AfterRunError, LocalEngine
from designer.runs.record import RunRecord, Status
from designer.settings import load_settings

pytestmark = pytest.mark.slow

ONE_NODE = {
    "schema_version": 1,
    "name": "Iris only",
    "nodes": [{"id": "load", "block": "load.sklearn_dataset", "params": {"dataset": "iris"}}],
    "edges": [],
}


def compiled() -> CompiledFlow:
    check = check_data(ONE_NODE)
    assert check.flow is not None, check.diagnostics
    return compile_flow(check.flow, check)


def test_the_launcher_hands_who_ran_which_flow_to_the_hook(tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []

    def publish(
        record: RunRecord, run_dir: Path, *, owner_id: str | None, flow_id: str | None
    ) -> None:
        calls.append(
            {"status": record.status, "run_dir": run_dir, "owner": owner_id, "flow": flow_id}
        )
        record.nodes["load"].outputs["data"].metadata["published"] = "yes"

    settings = load_settings({"DESIGNER_HOME": str(tmp_path)})
    launcher = Launcher(settings, after_run=publish)
    first = launcher.start(compiled(), flow_name="Iris only", owner_id="u1", flow_id="f1")
    seen = [first]
    deadline = time.monotonic() + 120
    while not seen[-1].status.finished:
        assert time.monotonic() < deadline
        time.sleep(0.05)
        seen.append(launcher.snapshot(first.run_id))
    final = seen[-1]
    run_dir = settings.runs_dir / first.run_id
    assert calls == [{"status": Status.SUCCEEDED, "run_dir": run_dir, "owner": "u1", "flow": "f1"}]
    # Nobody ever saw "succeeded" without what the hook added.
    for record in seen:
        if record.status is Status.SUCCEEDED:
            assert record.nodes["load"].outputs["data"].metadata["published"] == "yes"
    saved = RunRecord.load(run_dir / RECORD_FILE)
    assert saved == final and saved.status is Status.SUCCEEDED


def refuse_node(record: RunRecord, run_dir: Path) -> None:
    raise AfterRunError("not deployed: the name 'iris' belongs to someone else", nodes=["load"])


def crash(record: RunRecord, run_dir: Path) -> None:
    raise RuntimeError("publishing crashed")


@pytest.mark.parametrize(
    ("hook", "node_status", "node_error", "run_error"),
    [
        (
            refuse_node,
            Status.FAILED,
            "not deployed: the name 'iris' belongs to someone else",
            "",
        ),
        (
            crash,
            Status.SUCCEEDED,
            "",
            "the run finished, but what follows it failed: RuntimeError('publishing crashed')",
        ),
    ],
    ids=["refuses-a-node", "crashes"],
)
def test_a_failing_hook_fails_the_run_and_never_leaves_it_running(
    tmp_path: Path, hook: Any, node_status: Status, node_error: str, run_error: str
) -> None:
    settings = load_settings({"DESIGNER_HOME": str(tmp_path)})
    run = LocalEngine(settings.runs_dir, settings=settings, after_run=hook).start(
        compiled(), flow_name="Iris only"
    )
    final = run.wait(timeout=120)
    assert final.status is Status.FAILED
    assert (final.nodes["load"].status, final.nodes["load"].error) == (node_status, node_error)
    assert final.error == run_error
    assert RunRecord.load(run.run_dir / RECORD_FILE) == final

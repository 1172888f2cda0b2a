"""The local engine's warm worker and result cache, on real kfp.local runs.

Each pipeline here is compiled by the KFP SDK from lightweight components
(``tests.fixtures.sums_pipeline``), the layout the built-in blocks compile to, so the worker
runs them in forked children. How many tasks
really ran is counted from the run's console, where KFP's executor announces each task it loads:
a task whose result was reused never gets that far.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.runs.local import CONSOLE_FILE, LocalEngine
from designer.runs.record import RunRecord, Status
from designer.settings import load_settings
from tests.fixtures.sums_pipeline import compiled

pytestmark = pytest.mark.slow

EXECUTED = "Loading KFP component"


def engine(home: Path, **env: str) -> LocalEngine:
    settings = load_settings({"DESIGNER_HOME": str(home), **env})
    return LocalEngine(settings.runs_dir, settings=settings)


def executed(local: LocalEngine, record: RunRecord) -> int:
    return (local.runs_dir / record.run_id / CONSOLE_FILE).read_text().count(EXECUTED)


def statuses(record: RunRecord) -> dict[str, str]:
    return {node: str(run.status) for node, run in record.nodes.items()}


@pytest.mark.parametrize(
    ("crash", "error"),
    [
        ("raise", "ValueError: no total today"),
        ("exit", ""),
        ("os_exit", ""),
        ("segfault", ""),
    ],
)
def test_a_crash_in_a_block_fails_that_node_only(tmp_path: Path, crash: str, error: str) -> None:
    local = engine(tmp_path)
    record = local.run(compiled(crash=crash), flow_name="sums")
    assert record.status is Status.FAILED
    assert statuses(record) == {"make": "succeeded", "add": "failed", "report": "skipped"}
    assert error in record.nodes["add"].error
    # The worker outlived its child: the run ended as a run, not as a lost engine.
    assert "lost track" not in record.error
    assert record.nodes["make"].outputs["table"].uri


def test_tasks_do_not_see_each_others_changes_and_metrics_come_back(tmp_path: Path) -> None:
    local = engine(tmp_path)
    record = local.run(compiled(), flow_name="sums")
    assert record.status is Status.SUCCEEDED, record.nodes["report"].log
    assert record.nodes["report"].metrics == {"total": 10.0}
    assert executed(local, record) == 3


def test_an_unchanged_flow_reuses_every_result_and_runs_nothing(tmp_path: Path) -> None:
    local = engine(tmp_path)
    first = local.run(compiled(), flow_name="sums")
    again = local.run(compiled(), flow_name="sums")
    assert executed(local, first) == 3 and executed(local, again) == 0
    assert statuses(again) == dict.fromkeys(["make", "add", "report"], "cached")
    assert {run.cached_from for run in again.nodes.values()} == {first.run_id}
    assert again.nodes["report"].metrics == {"total": 10.0}
    assert "reused the result of run " + first.run_id in again.nodes["add"].log
    assert again.summary()["nodes"]["add"] == {
        "status": "cached",
        "metrics": {},
        "error": "",
        "cached_from": first.run_id,
    }


def test_inputs_count_by_content_not_by_which_run_made_them(tmp_path: Path) -> None:
    local = engine(tmp_path)
    local.run(compiled(), flow_name="sums")
    # A setting the first block does not use: it runs again, writes the same table, and what
    # is downstream of it is reused.
    noted = local.run(compiled(note="same numbers"), flow_name="sums")
    assert statuses(noted) == {"make": "succeeded", "add": "cached", "report": "cached"}
    assert executed(local, noted) == 1
    # A setting that changes the table: everything downstream runs again.
    more = local.run(compiled(count=6), flow_name="sums")
    assert statuses(more) == dict.fromkeys(["make", "add", "report"], "succeeded")
    assert more.nodes["report"].metrics == {"total": 15.0}


def test_caching_off_for_a_run_or_a_node_runs_it(tmp_path: Path) -> None:
    local = engine(tmp_path)
    local.run(compiled(cache_report=False), flow_name="sums")
    node_off = local.run(compiled(cache_report=False), flow_name="sums")
    assert statuses(node_off) == {"make": "cached", "add": "cached", "report": "succeeded"}
    run_off = local.run(compiled(), flow_name="sums", cache=False)
    assert not run_off.cache
    assert statuses(run_off) == dict.fromkeys(["make", "add", "report"], "succeeded")
    assert executed(local, run_off) == 3


def test_an_unusable_cache_folder_lets_the_run_go_on_and_says_so(tmp_path: Path) -> None:
    tmp_path.joinpath("cache").write_text("a file where the cache folder should be")
    local = engine(tmp_path)
    record = local.run(compiled(), flow_name="sums")
    assert record.status is Status.SUCCEEDED
    assert len(record.notes) == 1 and "result cache could not be used" in record.notes[0]
    again = local.run(compiled(), flow_name="sums")
    assert executed(local, again) == 3


def test_a_full_cache_keeps_nothing_too_big_and_runs_again(tmp_path: Path) -> None:
    local = engine(tmp_path, DESIGNER_CACHE_MB="0.000005")  # five bytes
    local.run(compiled(count=50), flow_name="sums")
    again = local.run(compiled(count=50), flow_name="sums")
    # The table (140 bytes) does not fit; the 4-byte total does, and metrics are only metadata.
    assert statuses(again) == {"make": "succeeded", "add": "cached", "report": "cached"}
    assert executed(local, again) == 1
    assert not again.notes


def test_a_worker_started_before_compiling_runs_the_flow(tmp_path: Path) -> None:
    from designer.runs.prestart import Prestarted

    local = engine(tmp_path)
    waiting = Prestarted(local.settings)
    record = local.start(compiled(), flow_name="sums", prestarted=waiting).wait()
    assert record.run_id == waiting.run_id
    assert record.status is Status.SUCCEEDED and executed(local, record) == 3


@pytest.mark.parametrize(
    "change", ["reads", "network", "settings"], ids=["reads a file", "needs the network", "other"]
)
def test_a_worker_started_otherwise_than_the_run_needs_is_stopped(
    tmp_path: Path, change: str
) -> None:
    from dataclasses import replace

    from designer.runs.prestart import Prestarted

    local = engine(tmp_path)
    waiting = Prestarted(local.settings)
    flow = compiled()
    if change == "reads":
        data = tmp_path / "data.csv"
        data.write_text("a\n1\n")
        flow = replace(flow, reads=(str(data),))
    elif change == "network":
        flow = replace(flow, needs_network=True)
    else:
        local = engine(tmp_path, DESIGNER_CACHE_MB="10")
    record = local.start(flow, flow_name="sums", prestarted=waiting).wait()
    assert record.status is Status.SUCCEEDED and record.run_id != waiting.run_id
    assert waiting.process.poll() is not None and not waiting.run_dir.exists()


def test_a_run_command_that_stops_early_leaves_no_worker_behind(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DESIGNER_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "designer.cli", "run", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    runs = tmp_path / "runs"
    assert not runs.exists() or not any(runs.iterdir())

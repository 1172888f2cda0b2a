"""The web app's spare worker: started beside a local run, taken by the next run that fits.

Real runs through ``Launcher`` (as the web app starts them) of the three-task pipeline in
``tests.fixtures.sums_pipeline``; each test has a ``SpareWorker`` of its own.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from designer.runs import launcher as launcher_module
from designer.runs.launcher import Launcher
from designer.runs.prestart import Prestarted
from designer.runs.record import RunRecord, Status
from designer.runs.spare_worker import SpareWorker
from designer.settings import Settings, load_settings
from tests.fixtures.sums_pipeline import compiled

pytestmark = pytest.mark.slow


@pytest.fixture
def spares(monkeypatch: pytest.MonkeyPatch) -> Iterator[SpareWorker]:
    own = SpareWorker()
    monkeypatch.setattr(launcher_module, "spares", own)
    yield own
    own.close()


def settings_for(home: Path, **env: str) -> Settings:
    return load_settings({"DESIGNER_HOME": str(home), "DESIGNER_SPARE_WORKER": "1", **env})


def waiting(spares: SpareWorker, timeout: float = 60) -> Prestarted:
    """The spare once it is there (it starts in the background)."""
    deadline = time.monotonic() + timeout
    while (spare := spares.peek()) is None:
        assert time.monotonic() < deadline, "no spare worker was started"
        time.sleep(0.05)
    return spare


def finished(launcher: Launcher, run_id: str, timeout: float = 120) -> RunRecord:
    deadline = time.monotonic() + timeout
    while not (record := launcher.snapshot(run_id)).status.finished:
        assert time.monotonic() < deadline, f"run never finished: {record.summary()}"
        time.sleep(0.05)
    return record


def stopped(spare: Prestarted) -> bool:
    return spare.process.poll() is not None and not spare.run_dir.exists()


def test_a_rerun_takes_the_spare_started_beside_the_first_run(
    tmp_path: Path, spares: SpareWorker
) -> None:
    launcher = Launcher(settings_for(tmp_path))
    first = launcher.start(compiled(), flow_name="sums")
    spare = waiting(spares)
    assert spare.run_id != first.run_id
    assert finished(launcher, first.run_id).status is Status.SUCCEEDED

    second = launcher.start(compiled(note="changed"), flow_name="sums")
    assert second.run_id == spare.run_id  # the waiting worker ran it
    record = finished(launcher, second.run_id)
    assert record.status is Status.SUCCEEDED, record.summary()
    assert record.nodes["make"].status is Status.SUCCEEDED  # its setting changed: ran again
    assert record.nodes["report"].status is Status.CACHED
    nxt = waiting(spares)
    assert nxt.run_id not in (first.run_id, second.run_id)  # each spare serves one run


def test_a_crash_on_the_spare_fails_that_node_and_the_next_spare_is_fresh(
    tmp_path: Path, spares: SpareWorker
) -> None:
    launcher = Launcher(settings_for(tmp_path))
    finished(launcher, launcher.start(compiled(), flow_name="sums").run_id)
    spare = waiting(spares)
    crashed = launcher.start(compiled(crash="os_exit"), flow_name="sums")
    assert crashed.run_id == spare.run_id
    record = finished(launcher, crashed.run_id)
    assert record.status is Status.FAILED
    assert record.nodes["add"].status is Status.FAILED
    assert record.nodes["make"].status in (Status.SUCCEEDED, Status.CACHED)
    following = launcher.start(compiled(), flow_name="sums")
    assert finished(launcher, following.run_id).status is Status.SUCCEEDED


def test_a_run_granted_other_files_stops_the_spare_and_starts_its_own(
    tmp_path: Path, spares: SpareWorker
) -> None:
    launcher = Launcher(settings_for(tmp_path))
    launcher.start(compiled(), flow_name="sums")
    spare = waiting(spares)
    granted = tmp_path / "table.csv"
    granted.write_text("a\n1\n")
    flow = dataclasses.replace(compiled(note="reads a file"), reads=(str(granted),))
    run = launcher.start(flow, flow_name="sums")
    assert run.run_id != spare.run_id
    assert stopped(spare)
    assert finished(launcher, run.run_id).status is Status.SUCCEEDED
    assert waiting(spares).reads == (str(granted),)  # ready for a rerun of that flow


def test_a_spare_made_under_other_settings_is_not_used(tmp_path: Path, spares: SpareWorker) -> None:
    Launcher(settings_for(tmp_path / "one")).start(compiled(), flow_name="sums")
    spare = waiting(spares)
    other = Launcher(settings_for(tmp_path / "two"))
    run = other.start(compiled(), flow_name="sums")
    assert run.run_id != spare.run_id
    assert stopped(spare)
    assert finished(other, run.run_id).status is Status.SUCCEEDED


def test_an_old_spare_is_stopped_rather_than_used(tmp_path: Path) -> None:
    spares = SpareWorker(max_age=0)
    try:
        spares.prepare(settings_for(tmp_path), ())
        spare = waiting(spares)
        assert spares.take() is None
        assert stopped(spare)
    finally:
        spares.close()


def test_close_stops_the_waiting_worker_and_prepares_no_more(tmp_path: Path) -> None:
    spares = SpareWorker()
    spares.prepare(settings_for(tmp_path), ())
    spare = waiting(spares)
    spares.close()
    assert stopped(spare)
    assert spares.take() is None
    spares.prepare(settings_for(tmp_path), ())
    time.sleep(3)  # long enough for a worker to start, were one started
    assert spares.peek() is None
    assert not [p for p in (tmp_path / "runs").iterdir() if p.name != spare.run_id]


def test_turned_off_no_spare_is_prepared(
    tmp_path: Path, spares: SpareWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, ...]] = []
    monkeypatch.setattr(spares, "prepare", lambda _settings, reads: asked.append(reads))
    launcher = Launcher(settings_for(tmp_path, DESIGNER_SPARE_WORKER="0"))
    run = launcher.start(compiled(), flow_name="sums")
    assert finished(launcher, run.run_id).status is Status.SUCCEEDED
    assert asked == []
    on = Launcher(settings_for(tmp_path / "on"))
    finished(on, on.start(compiled(), flow_name="sums").run_id)
    assert asked == [()]

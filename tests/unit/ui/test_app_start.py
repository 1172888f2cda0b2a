"""What the web app does as it starts, however it is started (``designer serve``, Reflex)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer import designer as web
from designer.runs.record import NodeRun, RunRecord, Status
from tests.fixtures.threads import run_coroutine


def test_runs_a_stopped_server_left_running_end_as_interrupted(
    designer_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_DATABASE_URL", f"sqlite:///{designer_home / 'designer.db'}")
    folder = designer_home / "runs" / "r1"
    folder.mkdir(parents=True)
    record = RunRecord(
        run_id="r1",
        flow_name="left behind",
        engine="local",
        status=Status.RUNNING,
        started_at=1.0,
        nodes={"load": NodeRun(task="load", status=Status.RUNNING)},
        supervisor="a process that is long gone",
    )
    record.save(folder / "record.json")

    assert web.settle_interrupted_runs in web.app.get_lifespan_tasks()
    run_coroutine(web.settle_interrupted_runs())

    saved = json.loads((folder / "record.json").read_text())
    assert saved["status"] == "failed" and "interrupted" in saved["error"]

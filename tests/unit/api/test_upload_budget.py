"""Uploads in progress share one budget of disk (``DESIGNER_MAX_SPOOL_MB``).

Each upload has its own limit, but many at once could each spool almost that much: four 600 MB
uploads once spooled 1.7 GB before any was refused. These tests run uploads at the same time,
measure the spool folder's size as they arrive, and check it never passes the budget, that the
uploads that do not fit are told why, and that the budget is given back whatever happened.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from designer.datasets.library import SPOOL_BUDGET, Spool, SpoolBudget, UploadsBusy
from designer.settings import load_settings
from tests.fixtures.threads import at_once
from tests.unit.api import Scene, error_of, scene, template

__all__ = ["scene", "template"]

BUDGET = 1_000_000
LIMIT = 600_000


@pytest.fixture
def small_budget(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> Scene:
    monkeypatch.setenv("DESIGNER_MAX_SPOOL_MB", str(BUDGET / 1_000_000))
    monkeypatch.setenv("DESIGNER_MAX_UPLOAD_MB", str(LIMIT / 1_000_000))
    assert SPOOL_BUDGET.used == 0
    return scene


def table(rows: int, seed: int = 0) -> bytes:
    lines = ["a,b,label"] + [f"{i},{(i * 7 + seed) % 13},{i % 2}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def body_of(size: int, seed: int) -> bytes:
    data = table(size // 10, seed)
    return data[: data.rindex(b"\n", 0, size) + 1]


def slowly(data: bytes, pieces: int = 20, pause_s: float = 0.02) -> Iterator[bytes]:
    """The body in pieces with pauses, as a slow network delivers it (sent chunked)."""
    step = len(data) // pieces + 1
    for start in range(0, len(data), step):
        time.sleep(pause_s)
        yield data[start : start + step]


def upload(scene: Scene, content: Any, name: str) -> Any:
    return scene.api.post(
        "/api/v1/datasets",
        params={"filename": f"{name}.csv"},
        content=content,
        headers=scene.headers("owner"),
    )


def spool_folder() -> Path:
    return load_settings().home / "uploads"


class DiskWatch:
    """The most bytes the spool folder held at once, sampled every few milliseconds."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> DiskWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.002):
            total = 0
            for path in self.folder.glob("*.part") if self.folder.exists() else []:
                with contextlib.suppress(FileNotFoundError):
                    total += path.stat().st_size
            self.peak = max(self.peak, total)


def test_four_uploads_at_once_never_spool_more_than_the_budget(small_budget: Scene) -> None:
    bodies = [body_of(LIMIT - 1000, seed) for seed in range(4)]

    with DiskWatch(spool_folder()) as watch:
        answers = at_once(
            [
                lambda body=body, i=i: upload(small_budget, slowly(body), f"part{i}")
                for i, body in enumerate(bodies)
            ]
        )

    statuses = sorted(answer.status_code for answer in answers)
    assert watch.peak <= BUDGET, watch.peak
    assert 201 in statuses and 503 in statuses, statuses  # not all four fit at once
    busy = next(answer for answer in answers if answer.status_code == 503)
    error = error_of(busy)
    assert error["code"] == "uploads_busy"
    assert "DESIGNER_MAX_SPOOL_MB" in error["message"] and "try again" in error["message"]
    assert int(busy.headers["retry-after"]) > 0
    assert SPOOL_BUDGET.used == 0
    assert list(spool_folder().glob("*.part")) == []


def test_a_declared_size_that_does_not_fit_is_refused_before_reading(small_budget: Scene) -> None:
    held = Spool(
        spool_folder(), "other.csv", LIMIT, budget=SPOOL_BUDGET, budget_limit=BUDGET, expected=LIMIT
    )
    with held:
        refused = upload(small_budget, body_of(LIMIT - 1000, 1), "late")
        assert (refused.status_code, error_of(refused)["code"]) == (503, "uploads_busy")
        assert len(list(spool_folder().glob("*.part"))) == 1  # only the one in progress
    assert SPOOL_BUDGET.used == 0

    assert upload(small_budget, body_of(LIMIT - 1000, 1), "late").status_code == 201
    assert SPOOL_BUDGET.used == 0


def test_the_budget_is_given_back_after_any_ending(small_budget: Scene) -> None:
    too_large = upload(small_budget, slowly(b"x" * (LIMIT + 10)), "big")
    not_a_table = upload(small_budget, b"\x89PNG\r\n\x1a\n" + b"\0" * 1000, "image")

    assert too_large.status_code == 413
    assert not_a_table.status_code == 422
    assert SPOOL_BUDGET.used == 0


def test_reservations_in_parallel_never_pass_the_limit() -> None:
    budget = SpoolBudget()
    peak = 0
    lock = threading.Lock()

    def spool_some(folder: Path) -> str:
        nonlocal peak
        try:
            with Spool(folder, "t.csv", 300_000, budget=budget, budget_limit=BUDGET) as spool:
                for _ in range(30):
                    spool.write(b"x" * 10_000)
                    # Arriving over a network: the spools overlap, even on a busy machine.
                    time.sleep(0.01)
                    with lock:
                        peak = max(peak, budget.used)
            return "done"
        except UploadsBusy:
            return "busy"

    folder = load_settings().home / "spools"
    results = at_once([lambda: spool_some(folder) for _ in range(8)])

    assert peak <= BUDGET
    assert results.count("done") >= 3 and "busy" in results, results
    assert budget.used == 0

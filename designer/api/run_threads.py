"""Where runs started through the REST API start, and who records them until they end.

A sandboxed local run dies with the thread that started it (bubblewrap's ``--die-with-parent``
follows the thread, not the process), and the request threadpool's threads come and go. So
runs start on one thread that lives as long as the process, as the scheduler's do.

A script that starts a run may never ask about it again, yet the run history must tell the
truth: one follower thread records each started run's progress in the database, as the editor
does while it shows a run, until the run ends. ``GET /runs/{id}`` also brings an unfinished
run's record up to date when it is asked (``refresh``), so an answer is never staler than the
engine.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine

from designer.runs.launcher import Launcher, LaunchError, UnknownRun
from designer.runs.record import RunRecord
from designer.store import runs as run_store
from designer.store.db import StoreError

#: Seconds between two looks at the runs being followed (a local record is a file read).
POLL_S = 0.5

T = TypeVar("T")
log = logging.getLogger(__name__)

_starter: ThreadPoolExecutor | None = None
_lock = threading.Lock()


async def on_lasting_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)`` on the thread runs start from, awaited."""
    global _starter
    with _lock:
        if _starter is None:
            _starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rest-runs")
        future = _starter.submit(function, *args, **kwargs)
    return await asyncio.wrap_future(future)


def refresh(database: Engine, launcher: Launcher, stored: run_store.StoredRun) -> RunRecord:
    """The run as it is now: its stored record, brought up to date (and stored) while the run
    is unfinished and the engine still knows it."""
    record = stored.record
    if record.status.finished:
        return record
    try:
        current = launcher.snapshot(record.run_id)
    except UnknownRun:  # started elsewhere (another machine's designer): the store's word
        return record
    if current.to_dict() != record.to_dict():
        run_store.record_run(database, stored.flow_id, stored.flow_version, current)
    return current


@dataclass
class _Followed:
    database: Engine
    launcher: Launcher
    flow_id: str
    version: int
    last: dict[str, Any] = field(default_factory=dict)


_followed: dict[str, _Followed] = {}
_follower: threading.Thread | None = None


def follow(
    database: Engine, launcher: Launcher, flow_id: str, version: int, record: RunRecord
) -> None:
    """Record the run's progress in ``database`` until it finishes (on the follower thread)."""
    global _follower
    with _lock:
        _followed[record.run_id] = _Followed(database, launcher, flow_id, version, record.to_dict())
        if _follower is None or not _follower.is_alive():
            _follower = threading.Thread(target=_follow_all, name="rest-run-follower", daemon=True)
            _follower.start()


def following() -> list[str]:
    """The ids of the runs the follower still records."""
    with _lock:
        return list(_followed)


def _follow_all() -> None:
    """Look at every followed run until none is left, then end (``follow`` starts it again)."""
    global _follower
    while True:
        with _lock:
            if not _followed:
                _follower = None
                return
            runs = list(_followed.items())
        for run_id, followed in runs:
            if _look(run_id, followed):
                with _lock:
                    _followed.pop(run_id, None)
        time.sleep(POLL_S)


def _look(run_id: str, followed: _Followed) -> bool:
    """Record what changed in the run; True once there is nothing more to follow."""
    try:
        record = followed.launcher.snapshot(run_id)
    except UnknownRun:
        return True
    except LaunchError as exc:  # a cluster that does not answer just now: ask again later
        log.warning("cannot follow run %s: %s", run_id, exc)
        return False
    current = record.to_dict()
    try:
        if current != followed.last:
            run_store.record_run(followed.database, followed.flow_id, followed.version, record)
            followed.last = current
    except StoreError as exc:  # the database restarting: the next look records it
        log.warning("cannot record the progress of run %s: %s", run_id, exc)
    except Exception:  # one run's trouble must not stop the others
        log.exception("cannot record the progress of run %s", run_id)
        return True
    return record.status.finished and current == followed.last

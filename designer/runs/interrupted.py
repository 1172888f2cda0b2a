"""Settle the local runs nobody follows any more, when the designer starts.

A local run's record changes only while the process that started it reads its worker. If that
process died (the server crashed or was restarted, a ``designer run`` was killed), the record,
its nodes and the editor would say "running" forever, with Run disabled. At start the designer
calls ``mark_interrupted_runs``: every unfinished local run whose supervisor is gone
(``designer.runs.supervisor``) is marked failed, "interrupted", in its folder and in the
database. Runs another live process still follows are left alone, and so are Kubeflow runs: the
cluster still runs them. (``Launcher.snapshot`` does the same lazily for a run read later.)
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from sqlalchemy import Engine

from designer.runs import supervisor
from designer.runs.local import RECORD_FILE, LocalEngine
from designer.runs.record import RunRecord
from designer.settings import Settings
from designer.store.db import StoreError, engine_for
from designer.store.runs import settle_unfinished_run, unfinished_run_records

log = logging.getLogger(__name__)


def mark_interrupted_runs(settings: Settings, engine: Engine | None) -> list[str]:
    """Mark every unfinished local run whose designer process is gone as failed; their ids.

    Looks in the runs folder (``record.json`` of each run) and, given a database ``engine``,
    at the runs it stores. A run the database still shows unfinished but whose folder says it
    finished (the server stopped before recording the end) gets the folder's record.
    """
    now = time.time()
    marked = _mark_folders(settings.runs_dir, now)
    if engine is not None:
        marked |= _mark_database(settings.runs_dir, engine, now)
    if marked:
        log.warning(
            "%d local run(s) were marked failed: the designer stopped while they were going (%s)",
            len(marked),
            ", ".join(sorted(marked)),
        )
    return sorted(marked)


def settle_at_start(settings: Settings) -> list[str]:
    """``mark_interrupted_runs`` for the configured database, as the web app starts; a
    database that cannot be reached yet only leaves its rows for the next start (or for
    ``Launcher.snapshot``, which settles a run when someone reads it)."""
    try:
        engine: Engine | None = engine_for(settings.database_url)
    except StoreError as exc:
        log.warning("cannot look for interrupted runs in the database: %s", exc)
        engine = None
    return mark_interrupted_runs(settings, engine)


def _mark_folders(runs_dir: Path, now: float) -> set[str]:
    marked = set()
    for path in sorted(runs_dir.glob(f"*/{RECORD_FILE}")):
        record = _load(path)
        if record is None or not _abandoned(record):
            continue
        record.interrupt(now)
        try:
            record.save(path)
        except OSError as exc:
            log.warning("cannot mark run %s interrupted in %s: %s", record.run_id, path, exc)
            continue
        marked.add(record.run_id)
    return marked


def _mark_database(runs_dir: Path, engine: Engine, now: float) -> set[str]:
    marked = set()
    try:
        stored = unfinished_run_records(engine, LocalEngine.name)
    except StoreError as exc:
        log.warning("cannot look for interrupted runs in the database: %s", exc)
        return marked
    for run in stored:
        # The run's folder is the first-hand record; the database copy may lag behind it.
        run_id = run.record.run_id
        on_disk = _load(runs_dir / run_id / RECORD_FILE) if _plain_name(run_id) else None
        record = on_disk or run.record
        if not record.status.finished:
            if not _abandoned(record):
                continue
            record.interrupt(now)
        try:
            if settle_unfinished_run(engine, record):
                marked.add(record.run_id)
        except StoreError as exc:
            log.warning("cannot mark run %s interrupted: %s", record.run_id, exc)
    return marked


def _abandoned(record: RunRecord) -> bool:
    """An unfinished local run whose supervisor is gone."""
    return (
        record.engine == LocalEngine.name
        and not record.status.finished
        and not supervisor.is_alive(record.supervisor)
    )


def _plain_name(run_id: str) -> bool:
    """Whether a run id from the database names a folder right under the runs folder."""
    return bool(run_id) and Path(run_id).name == run_id and run_id not in (".", "..")


def _load(path: Path) -> RunRecord | None:
    if not path.is_file():
        return None
    try:
        return RunRecord.load(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("skipping the unreadable run record %s: %s", path, exc)
        return None

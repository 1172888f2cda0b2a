"""Runs to compare, loaded in one go: each run's record and the flow version it ran.

Whoever may open a run may compare it (``designer.store.runs.get_run_record``): a run of a
flow the person cannot see is reported as not found, like a run that does not exist, so run
ids of other people's flows cannot be probed. The ids come from a URL or a REST query: they
are counted before the database is asked anything.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from designer.flow.document import Flow
from designer.runs.record import RunRecord
from designer.runs.run_compare import RunSide, check_run_count
from designer.store.access import Actor, FlowNotFound, Role, require_flow, signed_in
from designer.store.db import session_scope
from designer.store.runs import RunNotFound
from designer.store.tables import FlowRow, RunRow
from designer.store.versions import version_document


def load_run_sides(engine: Engine, actor: Actor | None, run_ids: Sequence[str]) -> list[RunSide]:
    """The runs ``run_ids`` names (each once), oldest first, for ``actor`` to compare.

    Raises ``CompareRunsError`` (a ValueError) for fewer than two or more than eight runs,
    ``SignInRequired`` for nobody, ``RunNotFound`` for a run that is unknown or whose flow the
    person may not see.
    """
    wanted = list(dict.fromkeys(run_ids))
    check_run_count(len(wanted))
    signed_in(actor)
    with session_scope(engine) as session:
        rows = session.exec(
            select(
                RunRow.id, RunRow.flow_id, RunRow.flow_version, RunRow.started_at, RunRow.record
            ).where(col(RunRow.id).in_(wanted))
        ).all()
        found = {row[0]: row for row in rows}
        for run_id in wanted:
            if run_id not in found:
                raise RunNotFound(run_id)
            try:
                require_flow(session, actor, found[run_id][1], Role.VIEWER)
            except FlowNotFound as exc:
                raise RunNotFound(run_id) from exc
        ordered = sorted((found[run_id] for run_id in wanted), key=lambda row: (row[3], row[0]))
        flows = {
            (flow_id, number): _version(session, flow_id, number)
            for flow_id, number in dict.fromkeys((row[1], row[2]) for row in ordered)
        }
        names = {
            flow_id: name
            for flow_id, name in session.exec(
                select(FlowRow.id, FlowRow.name).where(col(FlowRow.id).in_({r[1] for r in rows}))
            ).all()
        }
    labels = run_labels([(names[row[1]], row[2], row[3], row[0]) for row in ordered])
    return [
        RunSide(
            RunRecord.from_dict(json.loads(row[4])), flows[row[1], row[2]], label, row[1], row[2]
        )
        for row, label in zip(ordered, labels, strict=True)
    ]


def run_labels(runs: Sequence[tuple[str, int, datetime, str]]) -> list[str]:
    """What each column is called: "v3 · 22 Nov 14:05", the flow's name first when the runs
    are of several flows, and the run's id after when two would still read alike."""
    several = len({name for name, *_ in runs}) > 1
    labels = [
        (f"{name} · " if several else "")
        + f"v{version} · {time.strftime('%d %b %H:%M', time.localtime(started.timestamp()))}"
        for name, version, started, _ in runs
    ]
    counts = Counter(labels)
    return [
        f"{label} · {run_id[-8:]}" if counts[label] > 1 else label
        for label, (*_, run_id) in zip(labels, runs, strict=True)
    ]


def _version(session: Session, flow_id: str, number: int) -> Flow:
    return Flow.model_validate_json(version_document(session, flow_id, number))

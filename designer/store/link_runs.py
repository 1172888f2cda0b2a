"""The run results a share link shows: the latest run of the flow its owner saw succeed.

A link lets anyone holding it look at a flow, signed in or not, but not run it, list its runs or
download its files. So the link answers for one run only, the one whose results the owner would
show: their own latest run that succeeded (any person's, for a flow from before accounts).
"""

from __future__ import annotations

import json

from sqlalchemy import Engine
from sqlmodel import col, select

from designer.runs.record import RunRecord, Status
from designer.store.db import session_scope
from designer.store.runs import StoredRun
from designer.store.shares import flow_for_link
from designer.store.tables import FlowRow, RunRow


def latest_link_run(engine: Engine, token: str) -> StoredRun | None:
    """The owner's latest succeeded run of the flow ``token`` opens; None when there is none.

    Raises ``LinkNotValid`` (from ``flow_for_link``) for a link that is unknown, revoked or
    expired, exactly as opening the flow through it does.
    """
    linked = flow_for_link(engine, token)
    with session_scope(engine) as session:
        flow = session.get(FlowRow, linked.id)
        query = select(RunRow.flow_version, RunRow.record).where(
            RunRow.flow_id == linked.id, RunRow.status == str(Status.SUCCEEDED)
        )
        if flow is not None and flow.owner_id is not None:
            query = query.where(RunRow.user_id == flow.owner_id)
        found = session.exec(
            query.order_by(col(RunRow.started_at).desc(), col(RunRow.id).desc()).limit(1)
        ).first()
    if found is None:
        return None
    version, record = found
    return StoredRun(linked.id, version, RunRecord.from_dict(json.loads(record)))

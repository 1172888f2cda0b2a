"""Start a run of a saved version of a stored flow, as a person.

What pressing Run does once the canvas is saved, as one core function: check the person may run
the flow here, read the version, find the datasets and model names it uses as that person,
compile it, hand it to the launcher and record the run. The scheduler starts every scheduled
run through it, as the schedule's owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from designer.datasets.library import dataset_lookup
from designer.flow.arguments import BadArguments, check_arguments
from designer.flow.compile import CompiledFlow, compile_flow
from designer.flow.document import Flow
from designer.models.names import model_name_check
from designer.objects.configured import open_store
from designer.runs.launcher import Launcher
from designer.runs.local_policy import may_run_locally
from designer.runs.record import RunRecord
from designer.runs.rerun import rerun_flow
from designer.settings import Settings
from designer.store import accounts, versions
from designer.store import runs as run_store
from designer.store.access import Actor, NotAllowed
from designer.userblocks.lookup import PersonBlocks

__all__ = ["BadArguments", "StartedRun", "check_arguments", "start_saved_version"]


@dataclass(frozen=True)
class StartedRun:
    record: RunRecord
    flow: Flow
    version: int


def check_may_start(settings: Settings, database: Engine, actor: Actor, flow_id: str) -> None:
    """Raise unless ``actor`` may run the flow on this designer's engine now: their role on the
    flow, and who may run on this server (``DESIGNER_LOCAL_RUNS``)."""
    run_store.check_may_run(database, actor, flow_id, viewers_can_run=settings.viewers_can_run)
    refused = may_run_locally(settings, actor.is_admin, accounts.count_accounts(database))
    if refused:
        raise NotAllowed(refused)


def start_saved_version(
    settings: Settings,
    database: Engine,
    launcher: Launcher,
    actor: Actor,
    flow_id: str,
    version: int,
    *,
    schedule_id: str | None = None,
    arguments: Mapping[str, Any] | None = None,
    cache: bool = True,
    rerun_from: str | None = None,
) -> StartedRun:
    """Start version ``version`` of the flow for ``actor`` and record the run (marked as the
    schedule's when ``schedule_id`` is given); the run goes on in the background.

    ``arguments``: flow-parameter values, as JSON values or text (BadArguments when one does not
    fit). ``cache=False`` runs every node; ``rerun_from`` names a node that, with everything
    downstream of it, runs again while the rest may reuse earlier results (UnknownNode when the
    version has no such node).
    """
    check_may_start(settings, database, actor, flow_id)
    flow, compiled = compile_saved_version(
        settings, database, actor, flow_id, version, engine=launcher.engine, rerun_from=rerun_from
    )
    values = check_arguments(flow, arguments or {})
    record = launcher.start(
        compiled,
        flow_name=flow.name,
        arguments=values,
        owner_id=actor.id,
        flow_id=flow_id,
        cache=cache,
        rerun_from=rerun_from or "",
    )
    run_store.record_run(database, flow_id, version, record, actor.id, schedule_id=schedule_id)
    return StartedRun(record, flow, version)


def compile_saved_version(
    settings: Settings,
    database: Engine,
    actor: Actor,
    flow_id: str,
    version: int,
    *,
    engine: str,
    rerun_from: str | None = None,
) -> tuple[Flow, CompiledFlow]:
    """Version ``version`` of the flow, compiled for ``engine`` as ``actor`` runs it (with
    ``rerun_from`` and what is downstream of it never reusing earlier results)."""
    flow = versions.get_version(database, actor, flow_id, version)
    compiled_flow = rerun_flow(flow, rerun_from) if rerun_from else flow
    datasets = dataset_lookup(database, open_store(settings), actor)
    models = model_name_check(database, settings.models_dir, actor)
    blocks = PersonBlocks.for_flow(database, actor, flow_id)
    compiled = compile_flow(
        compiled_flow,
        None,
        datasets,
        settings=settings,
        models=models,
        engine=engine,
        blocks=blocks,
    )
    return flow, compiled

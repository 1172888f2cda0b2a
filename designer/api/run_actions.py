"""What the REST run endpoints do, as plain functions of a person: check, compile, start,
rerun, cancel and look at runs of stored flows.

Each goes through the same core and store functions as the editor's Run button
(``designer.runs.stored_runs``, ``designer.store.runs``), so the API can allow neither more nor
less than the page. They are synchronous; ``designer.api.rest_runs`` calls them off the event
loop, and starts runs on the lasting thread of ``designer.api.run_threads``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine

from designer.api.errors import ApiError
from designer.api.run_threads import follow, refresh
from designer.datasets.library import dataset_lookup
from designer.flow.cluster import ClusterSetupError
from designer.flow.compile import CompiledFlow, FlowInvalid, MissingArguments
from designer.flow.document import Flow
from designer.flow.validate import FlowCheck, check_flow
from designer.models.names import model_name_check
from designer.models.publishing import publishing_launcher
from designer.objects.configured import open_store
from designer.runs.artifacts import API_PREFIX
from designer.runs.launcher import Launcher, LaunchError
from designer.runs.report import run_report
from designer.runs.rerun import UnknownNode
from designer.runs.run_compare import compare_runs
from designer.runs.stored_runs import (
    BadArguments,
    check_arguments,
    check_may_start,
    compile_saved_version,
    start_saved_version,
)
from designer.settings import Settings
from designer.store import runs as run_store
from designer.store import versions
from designer.store.access import Actor
from designer.store.db import engine_for
from designer.store.run_compare import load_run_sides
from designer.userblocks.lookup import PersonBlocks


@dataclass(frozen=True)
class RunRequest:
    """How to start a run: which version (None: the latest), with which parameter values
    (as JSON values or form text), reusing cached results or not, rerunning from a node."""

    version: int | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    cache: bool = True
    rerun_from: str = ""


def database_of(settings: Settings) -> Engine:
    return engine_for(settings.database_url)


def launcher_of(settings: Settings) -> Launcher:
    """The launcher the editor starts runs with: models a run deploys are published for the
    person who started it."""
    return publishing_launcher(settings)


def latest_version(database: Engine, actor: Actor | None, flow_id: str) -> int:
    """The number of the flow's latest saved version (a person's unsaved draft never runs)."""
    return versions.list_versions(database, actor, flow_id)[0].number


def check_version(
    settings: Settings, actor: Actor, flow_id: str, version: int | None
) -> tuple[int, FlowCheck]:
    """A saved version checked as ``designer validate`` checks a file, as ``actor`` would run
    it: their datasets, model names and blocks."""
    database = database_of(settings)
    number = version or latest_version(database, actor, flow_id)
    flow = versions.get_version(database, actor, flow_id, number)
    check = check_flow(
        flow,
        dataset_lookup(database, open_store(settings), actor),
        model_name_check(database, settings.models_dir, actor),
        blocks=PersonBlocks.for_flow(database, actor, flow_id),
    )
    return number, check


def compile_version(
    settings: Settings, actor: Actor, flow_id: str, version: int | None
) -> tuple[int, CompiledFlow]:
    """A saved version compiled for this designer's engine, as ``actor`` would run it."""
    database = database_of(settings)
    number = version or latest_version(database, actor, flow_id)
    engine = launcher_of(settings).engine
    try:
        _, compiled = compile_saved_version(
            settings, database, actor, flow_id, number, engine=engine
        )
    except (FlowInvalid, ClusterSetupError) as exc:
        raise compile_error(exc) from exc
    return number, compiled


def start_run(
    settings: Settings, actor: Actor, flow_id: str, request: RunRequest
) -> run_store.StoredRun:
    """Start a run of a saved version for ``actor``, recorded and followed to its end.

    Refused before anything starts when ``actor`` may not run the flow here, a parameter value
    is of the wrong type, names no parameter or is missing, or ``rerun_from`` names no node.
    """
    database = database_of(settings)
    check_may_start(settings, database, actor, flow_id)
    number = request.version or latest_version(database, actor, flow_id)
    flow = versions.get_version(database, actor, flow_id, number)
    arguments = checked_arguments(flow, request.parameters)
    if request.rerun_from:
        require_node(flow, request.rerun_from, number)
    launcher = launcher_of(settings)
    try:
        started = start_saved_version(
            settings,
            database,
            launcher,
            actor,
            flow_id,
            number,
            arguments=arguments,
            cache=request.cache,
            rerun_from=request.rerun_from or None,
        )
    except BadArguments as exc:
        raise bad_parameters(str(exc), exc.problems) from exc
    except MissingArguments as exc:
        raise bad_parameters(str(exc)) from exc
    except UnknownNode as exc:
        raise ApiError(400, "unknown_node", str(exc)) from exc
    except (FlowInvalid, ClusterSetupError) as exc:
        raise compile_error(exc) from exc
    except LaunchError as exc:
        raise ApiError(409, "run_not_started", f"the run could not start: {exc}") from exc
    follow(database, launcher, flow_id, started.version, started.record)
    return run_store.StoredRun(flow_id, started.version, started.record)


def rerun(
    settings: Settings,
    actor: Actor,
    run_id: str,
    node_id: str,
    parameters: dict[str, Any] | None,
) -> run_store.StoredRun:
    """Run again the flow version ``run_id`` ran, from ``node_id`` on (upstream results are
    reused), with that run's parameter values unless ``parameters`` gives others."""
    stored = run_store.get_stored_run(database_of(settings), actor, run_id)
    given = stored.record.arguments if parameters is None else parameters
    request = RunRequest(stored.flow_version, dict(given), cache=True, rerun_from=node_id)
    return start_run(settings, actor, stored.flow_id, request)


def current_run(settings: Settings, actor: Actor | None, run_id: str) -> run_store.StoredRun:
    """The run as it is now, for someone who may see its flow."""
    database = database_of(settings)
    stored = run_store.get_stored_run(database, actor, run_id)
    record = refresh(database, launcher_of(settings), stored)
    return run_store.StoredRun(stored.flow_id, stored.flow_version, record)


def cancel_run(
    settings: Settings, actor: Actor | None, run_id: str
) -> tuple[str, run_store.StoredRun]:
    """Stop a run that is still going, for someone who may run its flow: what to tell them,
    and the record as it is now. A run that already ended is a 409 and stays as it was."""
    database = database_of(settings)
    stored = run_store.get_stored_run(database, actor, run_id)
    run_store.check_may_run(
        database, actor, stored.flow_id, viewers_can_run=settings.viewers_can_run
    )
    launcher = launcher_of(settings)
    record = refresh(database, launcher, stored)
    if record.status.finished:
        why = f": {record.error}" if record.error else ""
        raise ApiError(
            409,
            "run_finished",
            f"the run already finished ({record.status}{why}); there is nothing to stop",
            run_status=str(record.status),
        )
    try:
        said = launcher.cancel(run_id)
    except LaunchError as exc:
        raise ApiError(409, "cannot_cancel", str(exc)) from exc
    run_store.record_cancel(database, actor, run_id)
    now = run_store.StoredRun(stored.flow_id, stored.flow_version, record)
    return said, run_store.StoredRun(
        now.flow_id, now.flow_version, refresh(database, launcher, now)
    )


def checked_arguments(flow: Flow, given: dict[str, Any]) -> dict[str, Any]:
    """The parameter values a run of ``flow`` gets: ``given`` checked against the flow's
    parameter types; 400 naming the parameter when one is of the wrong type, names no
    parameter, or has no default and no value."""
    try:
        arguments = check_arguments(flow, given)
    except BadArguments as exc:
        raise bad_parameters(str(exc), exc.problems) from exc
    missing = [p.name for p in flow.params if p.default is None and p.name not in arguments]
    if missing:
        names = ", ".join(repr(name) for name in missing)
        raise bad_parameters(
            f"flow parameter {names} has no default: give it a value in 'parameters'",
            {name: "has no default and no value" for name in missing},
        )
    return arguments


def compile_error(exc: FlowInvalid | ClusterSetupError) -> ApiError:
    """Why a version does not compile: its errors (422, each in ``problems``), or a designer not
    set up for its cluster (409)."""
    if isinstance(exc, ClusterSetupError):
        return ApiError(409, "engine_not_ready", str(exc))
    problems = [d.to_dict() for d in exc.diagnostics]
    first = exc.diagnostics[0].message if exc.diagnostics else "it has errors"
    return ApiError(
        422, "flow_has_errors", f"the flow cannot be compiled: {first}", problems=problems
    )


def require_node(flow: Flow, node_id: str, version: int) -> None:
    ids = [node.id for node in flow.nodes]
    if node_id not in ids:
        listed = ", ".join(repr(i) for i in ids[:20]) + (", ..." if len(ids) > 20 else "")
        raise ApiError(
            400,
            "unknown_node",
            f"version {version} of the flow has no node {node_id!r} to rerun from; its nodes "
            f"are {listed}",
        )


def bad_parameters(message: str, problems: dict[str, str] | None = None) -> ApiError:
    """400 ``bad_parameters``; ``problems`` says what is wrong with each parameter named."""
    return ApiError(400, "bad_parameters", message, problems=problems or {})


def run_view(stored: run_store.StoredRun) -> dict[str, Any]:
    """A run as the API answers it: its record, the flow version it ran, and where to read each
    node's log and download each output."""
    record = stored.record
    base = f"{API_PREFIX}/runs/{quote(record.run_id, safe='')}"
    artifacts = [
        artifact
        for node in run_report(record)["nodes"]
        for artifact in node["artifacts"]
        if artifact["downloadable"]
    ]
    return {
        **record.to_dict(),
        "flow_id": stored.flow_id,
        "flow_version": stored.flow_version,
        "links": {
            "self": base,
            "logs": {node: f"{base}/nodes/{quote(node, safe='')}/log" for node in record.nodes},
            "artifacts": [
                {"node": a["node"], "port": a["port"], "href": a["href"], "size": a["size"]}
                for a in artifacts
            ],
        },
    }


def compare(settings: Settings, actor: Actor | None, run_ids: list[str]) -> dict[str, Any]:
    """Two to eight runs side by side (``designer.runs.run_compare``), for someone who may open
    each of them."""
    return compare_runs(load_run_sides(database_of(settings), actor, run_ids)).to_dict()

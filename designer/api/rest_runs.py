"""REST endpoints for runs: check and compile a stored flow, start, follow, cancel and rerun its
runs, read a node's log, list a flow's runs and compare runs.

The handlers read the request and hand it to ``designer.api.run_actions``, which goes through
the same core and store functions as the editor; see docs/api.md for the reference.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from designer.api.errors import ApiError, invalid
from designer.api.rest_base import call, endpoint, reply, resource, signed_in_actor
from designer.api.rest_input import MAX_PARAM_CHARS, Body, number_param, path_param, read_body
from designer.api.run_actions import (
    RunRequest,
    cancel_run,
    check_version,
    compare,
    compile_version,
    current_run,
    rerun,
    run_view,
    start_run,
)
from designer.api.run_threads import on_lasting_thread
from designer.api.session import request_actor
from designer.runs.run_compare import CompareRunsError
from designer.settings import load_settings
from designer.store import runs
from designer.store.access import FlowNotFound
from designer.store.runs import RunNotFound, StoredRun

#: Most runs one request lists.
MAX_RUNS = 500
#: Most parameter values one run takes (a flow has a handful).
MAX_PARAMETERS = 200
#: The longest node id a request may name.
MAX_NODE_ID = 200
#: The longest list of runs to compare (eight long run ids and their commas).
MAX_COMPARE_CHARS = 2000


def flow_id(request: Request) -> str:
    return path_param(request, "flow_id", FlowNotFound)


def run_id(request: Request) -> str:
    return path_param(request, "run_id", RunNotFound)


@endpoint
async def validate_flow(request: Request) -> Response:
    """``{"version"?: n}`` → the version checked as ``designer validate --json`` checks a file."""
    actor = await signed_in_actor(request)
    version = _version(await read_body(request, required=False))
    settings = load_settings()
    number, check = await run_in_threadpool(
        check_version, settings, actor, flow_id(request), version
    )
    return reply({"flow_id": flow_id(request), "version": number, **check.to_dict()})


@endpoint
async def compile_flow(request: Request) -> Response:
    """``{"version"?: n}`` → the KFP pipeline (IR YAML) the version compiles to, for this
    designer's engine, as the person would run it."""
    actor = await signed_in_actor(request)
    version = _version(await read_body(request, required=False))
    number, compiled = await run_in_threadpool(
        compile_version, load_settings(), actor, flow_id(request), version
    )
    return reply(
        {
            "flow_id": flow_id(request),
            "version": number,
            "engine": compiled.engine,
            "pipeline_name": compiled.pipeline_name,
            "pipeline_yaml": compiled.ir_yaml,
            "parameters": compiled.parameters,
            "required": list(compiled.required),
            "notes": list(compiled.notes),
        }
    )


@endpoint
async def start(request: Request) -> Response:
    """``{"version"?, "parameters"?, "cache"?, "rerun_from"?}`` → 201 and the run."""
    actor = await signed_in_actor(request)
    body = await read_body(request, required=False)
    _only(body, {"version", "parameters", "cache", "rerun_from"})
    run = RunRequest(
        version=_version(body),
        parameters=_parameters(body),
        cache=_flag(body, "cache", True),
        rerun_from=body.text("rerun_from", limit=MAX_NODE_ID) if body.has("rerun_from") else "",
    )
    started = await on_lasting_thread(start_run, load_settings(), actor, flow_id(request), run)
    return _started(started)


@endpoint
async def rerun_run(request: Request) -> Response:
    """``{"from": node, "parameters"?}`` → 201 and the new run: the same flow version, from
    ``from`` on, with the old run's parameter values unless others are given."""
    actor = await signed_in_actor(request)
    body = await read_body(request)
    _only(body, {"from", "parameters"})
    node = body.text("from", limit=MAX_NODE_ID)
    given = _parameters(body) if body.has("parameters") else None
    settings, old = load_settings(), run_id(request)
    started = await on_lasting_thread(rerun, settings, actor, old, node, given)
    return _started(started)


@endpoint
async def get_run(request: Request) -> Response:
    actor = await request_actor(request)
    stored = await run_in_threadpool(current_run, load_settings(), actor, run_id(request))
    return reply(run_view(stored))


@endpoint
async def cancel(request: Request) -> Response:
    actor = await request_actor(request)
    said, now = await run_in_threadpool(cancel_run, load_settings(), actor, run_id(request))
    return reply({"message": said, "run": run_view(now)})


@endpoint
async def node_log(request: Request) -> Response:
    node = path_param(request, "node_id", _no_node)
    actor = await request_actor(request)
    stored = await run_in_threadpool(current_run, load_settings(), actor, run_id(request))
    found = stored.record.nodes.get(node)
    if found is None:
        raise _no_node(node)
    return reply(
        {"run_id": stored.record.run_id, "node_id": node, "status": found.status, "log": found.log}
    )


@endpoint
async def compare_runs(request: Request) -> Response:
    """``?runs=a,b[,c...]`` → two to eight runs side by side (oldest first)."""
    actor = await request_actor(request)
    wanted = _run_ids(request.query_params.get("runs", ""))
    try:
        compared = await run_in_threadpool(compare, load_settings(), actor, wanted)
    except CompareRunsError as exc:
        raise invalid(str(exc), "bad_comparison") from exc
    return reply(compared)


@endpoint
async def list_runs(request: Request) -> Response:
    limit = number_param(request.query_params.get("limit"), "limit", 50)
    if not 1 <= limit <= MAX_RUNS:
        raise invalid(f"'limit' must be from 1 to {MAX_RUNS}; found {limit}")
    found = await call(runs.list_runs, await request_actor(request), flow_id(request), limit)
    return reply({"runs": found})


def _started(stored: StoredRun) -> Response:
    view = run_view(stored)
    return reply(view, 201, {"Location": view["links"]["self"]})


def _version(body: Body) -> int | None:
    if not body.has("version"):
        return None
    number = body.integer("version")
    if number < 1:
        raise invalid(f"'version' must be 1 or more; found {number}")
    return number


def _parameters(body: Body) -> dict[str, Any]:
    value = body.data.get("parameters")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid("'parameters' must be an object of parameter names and values")
    if len(value) > MAX_PARAMETERS:
        raise invalid(f"'parameters' can name at most {MAX_PARAMETERS} parameters")
    return value


def _flag(body: Body, name: str, default: bool) -> bool:
    value = body.data.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(f"'{name}' must be true or false")
    return value


def _only(body: Body, names: set[str]) -> None:
    if unknown := sorted(set(body.data) - names):
        raise invalid(
            f"unknown field {unknown[0]!r}; this endpoint takes {', '.join(sorted(names))}"
        )


def _run_ids(text: str) -> list[str]:
    """The run ids of a comma-separated list; a list no run ids can make is a 422."""
    if len(text) > MAX_COMPARE_CHARS or not text.isprintable():
        raise invalid(f"'runs' must be at most {MAX_COMPARE_CHARS} characters of run ids")
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    if any(len(run_id) > MAX_PARAM_CHARS for run_id in wanted):
        raise invalid(f"'runs' names a run id longer than {MAX_PARAM_CHARS} characters")
    return wanted


def _no_node(value: str) -> ApiError:
    return ApiError(404, "node_not_found", f"this run has no node {value!r}")


ROUTES = [
    resource("/flows/{flow_id}/validate", post=validate_flow),
    resource("/flows/{flow_id}/compile", post=compile_flow),
    resource("/flows/{flow_id}/runs", get=list_runs, post=start),
    # Before /runs/{run_id}, which would take "compare" for a run id.
    resource("/runs/compare", get=compare_runs),
    resource("/runs/{run_id}", get=get_run),
    resource("/runs/{run_id}/cancel", post=cancel),
    resource("/runs/{run_id}/rerun", post=rerun_run),
    resource("/runs/{run_id}/nodes/{node_id:path}/log", get=node_log),
]

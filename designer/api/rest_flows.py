"""REST endpoints for flows: list, create, open, save, rename, copy, delete and history.

Each handler reads who is asking, calls one store function and answers with its result; the
store decides what that person may do. Runs are in ``designer.api.rest_runs``; see docs/api.md
for the reference.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from designer.api.errors import invalid
from designer.api.rest_base import (
    call,
    endpoint,
    no_content,
    reply,
    resource,
    signed_in_actor,
)
from designer.api.rest_input import (
    MAX_FLOW_BODY_BYTES,
    Body,
    flow_document,
    number_param,
    path_param,
    query_text,
    read_body,
)
from designer.api.session import request_actor
from designer.flow.document import Flow
from designer.store import flows, versions
from designer.store.access import FlowNotFound


def flow_id(request: Request) -> str:
    return path_param(request, "flow_id", FlowNotFound)


@endpoint
async def list_flows(request: Request) -> Response:
    scope = query_text(request, "scope", "mine") or "mine"
    found = await call(flows.list_flows, await request_actor(request), scope)
    return reply({"flows": found})


@endpoint
async def create_flow(request: Request) -> Response:
    """The body is a whole flow document, or ``{"name": ..., "description": ...}``."""
    actor = await signed_in_actor(request)
    flow = new_flow(await read_body(request, limit=MAX_FLOW_BODY_BYTES, required=False))
    created = await call(flows.create_flow, actor, flow)
    return reply(created, 201, {"Location": f"/api/v1/flows/{created.id}"})


@endpoint
async def get_flow(request: Request) -> Response:
    return reply(await call(flows.get_flow, await request_actor(request), flow_id(request)))


@endpoint
async def save_flow(request: Request) -> Response:
    """``{"flow": <document>, "base_version": n, "message": "..."}`` → the new version."""
    actor = await signed_in_actor(request)
    body = await read_body(request, limit=MAX_FLOW_BODY_BYTES)
    flow, base = body.flow("flow"), body.integer("base_version")
    saved = await call(
        versions.save_version,
        actor,
        flow_id(request),
        flow,
        base_version=base,
        message=body.text("message", "", limit=1000),
    )
    return reply({"version": saved.number, "created": saved.created})


@endpoint
async def rename_flow(request: Request) -> Response:
    actor = await signed_in_actor(request)
    name = (await read_body(request)).text("name", limit=1000)
    number = await call(versions.rename_flow, actor, flow_id(request), name)
    return reply({"version": number, "name": name})


@endpoint
async def delete_flow(request: Request) -> Response:
    await call(flows.delete_flow, await request_actor(request), flow_id(request))
    return no_content()


@endpoint
async def duplicate_flow(request: Request) -> Response:
    actor = await signed_in_actor(request)
    body = await read_body(request, required=False)
    name = body.text("name", limit=1000) if body.has("name") else None
    copy = await call(flows.duplicate_flow, actor, flow_id(request), name)
    return reply(copy, 201, {"Location": f"/api/v1/flows/{copy.id}"})


@endpoint
async def list_versions(request: Request) -> Response:
    found = await call(versions.list_versions, await request_actor(request), flow_id(request))
    return reply({"versions": found})


@endpoint
async def get_version(request: Request) -> Response:
    number = number_param(request.path_params["number"], "number")
    flow: Flow = await call(
        versions.get_version, await request_actor(request), flow_id(request), number
    )
    return reply({"number": number, "flow": flow})


@endpoint
async def restore_version(request: Request) -> Response:
    number = number_param(request.path_params["number"], "number")
    latest = await call(
        versions.restore_version, await request_actor(request), flow_id(request), number
    )
    return reply({"version": latest, "restored": number})


@endpoint
async def diff_versions(request: Request) -> Response:
    old = number_param(request.query_params.get("from"), "from")
    new = number_param(request.query_params.get("to"), "to")
    diff = await call(
        versions.compare_versions, await request_actor(request), flow_id(request), old, new
    )
    return reply({"from": old, "to": new, **diff.to_dict()})


def new_flow(body: Body) -> Flow:
    """The flow a ``POST /flows`` body describes: a document, or a name for an empty flow."""
    if "schema_version" in body.data or "nodes" in body.data:
        return flow_document(body.data)
    if unknown := sorted(set(body.data) - {"name", "description"}):
        raise invalid(f"send a flow document, or just 'name' and 'description'; not {unknown[0]!r}")
    name = body.text("name", flows.DEFAULT_NAME, limit=1000)
    description = body.text("description", "")
    return flow_document({"schema_version": 1, "name": name, "description": description})


ROUTES = [
    resource("/flows", get=list_flows, post=create_flow),
    resource(
        "/flows/{flow_id}", get=get_flow, put=save_flow, patch=rename_flow, delete=delete_flow
    ),
    resource("/flows/{flow_id}/duplicate", post=duplicate_flow),
    resource("/flows/{flow_id}/versions", get=list_versions),
    resource("/flows/{flow_id}/versions/{number}", get=get_version),
    resource("/flows/{flow_id}/versions/{number}/restore", post=restore_version),
    resource("/flows/{flow_id}/diff", get=diff_versions),
]

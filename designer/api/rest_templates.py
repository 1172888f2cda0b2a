"""REST endpoints for team templates: publish a flow to a team's gallery, list, open, unpublish.

The store decides who may do what (``designer.store.templates``): members of a team see its
templates, anyone who can view a flow and is in a team may publish it there, and its publisher
or a team admin may replace or unpublish it. A bad value is a 422 whose ``field`` names it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from designer.api.errors import ApiError, invalid
from designer.api.rest_base import (
    call,
    endpoint,
    no_content,
    plain,
    reply,
    resource,
    signed_in_actor,
)
from designer.api.rest_flows import flow_id
from designer.api.rest_input import MAX_PARAM_CHARS, Body, path_param, read_body
from designer.api.session import request_actor
from designer.store import templates
from designer.store.templates import InvalidTemplate, TeamTemplate, TeamTemplateNotFound

#: What a publish request says about the template, and how long each field may be before the
#: store looks at it (the store then says precisely what is wrong with a value it refuses).
DETAILS = {"title": 1000, "description": 10_000, "task": 100, "difficulty": 100}


def template_id(request: Request) -> str:
    return path_param(request, "template_id", TeamTemplateNotFound)


@endpoint
async def list_templates(request: Request) -> Response:
    found = await call(templates.list_team_templates, await request_actor(request))
    return reply({"templates": [summary(template) for template in found]})


@endpoint
async def get_template(request: Request) -> Response:
    found = await call(
        templates.get_team_template, await request_actor(request), template_id(request)
    )
    return reply(found)


@endpoint
async def publish(request: Request) -> Response:
    """``{"team", "title", "description", "task", "difficulty"}`` → the template.

    201 when the team had no template with that title, 200 when publishing replaced one.
    """
    actor = await signed_in_actor(request)
    body = await read_body(request)
    team = field(body, "team", MAX_PARAM_CHARS)
    details = {name: field(body, name, limit) for name, limit in DETAILS.items()}
    try:
        published: TeamTemplate = await call(
            templates.publish_template, actor, flow_id(request), team, **details
        )
    except InvalidTemplate as exc:
        raise invalid(str(exc), "invalid_template", field=exc.field) from None
    # A template published for the first time has not been updated since it was created.
    created = published.updated_at == published.created_at
    location = {"Location": f"/api/v1/team-templates/{published.id}"}
    return reply(published, 201 if created else 200, location)


@endpoint
async def unpublish(request: Request) -> Response:
    await call(templates.unpublish_template, await request_actor(request), template_id(request))
    return no_content()


def field(body: Body, name: str, limit: int) -> str:
    """The text field ``name`` of ``body``; a missing or wrong value is a 422 naming it."""
    try:
        return body.text(name, "" if name == "description" else None, limit=limit)
    except ApiError as exc:
        exc.extra.setdefault("field", name)
        raise


def summary(template: TeamTemplate) -> dict[str, Any]:
    """A template as the list shows it: everything but the flow, and the flow's size."""
    shown: dict[str, Any] = plain(template)
    del shown["flow"]
    shown["node_count"] = len(template.flow.nodes)
    return shown


ROUTES = [
    resource("/team-templates", get=list_templates),
    resource("/team-templates/{template_id}", get=get_template, delete=unpublish),
    resource("/flows/{flow_id}/publish", post=publish),
]

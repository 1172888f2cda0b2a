"""REST endpoints for the template gallery: the built-in templates and those of the person's
teams, one template with its flow, and "use this template" (a copy in the person's flows)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from designer.api.rest_base import call, endpoint, reply, resource, signed_in_actor
from designer.api.rest_input import path_param
from designer.api.session import request_actor
from designer.store.templates import TeamTemplateNotFound
from designer.templates.gallery import card
from designer.templates.use import all_templates, find_template, use_template


def template_id(request: Request) -> str:
    return path_param(request, "template_id", TeamTemplateNotFound)


@endpoint
async def list_templates(request: Request) -> Response:
    actor = await signed_in_actor(request)
    found = await call(all_templates, actor)
    return reply({"templates": [card(template) for template in found]})


@endpoint
async def get_template(request: Request) -> Response:
    found = await call(find_template, await signed_in_actor(request), template_id(request))
    return reply({**card(found), "flow": found.flow})


@endpoint
async def use(request: Request) -> Response:
    """A copy of the template in the person's flows: 201 with the new flow."""
    actor = await request_actor(request)
    created = await call(use_template, actor, template_id(request))
    return reply(created, 201, {"Location": f"/api/v1/flows/{created.id}"})


ROUTES = [
    resource("/templates", get=list_templates),
    resource("/templates/{template_id}", get=get_template),
    resource("/templates/{template_id}/use", post=use),
]

"""REST endpoints for sharing a flow: with people and teams, and through view-only links.

Only the flow's owner (or a site admin) may change who has access or make links; the store
decides. A link's token is in the answer that makes it, and nowhere else ever again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from designer.api.errors import ApiError, invalid
from designer.api.rest_base import (
    call,
    endpoint,
    no_content,
    public_base,
    reply,
    resource,
    signed_in_actor,
)
from designer.api.rest_flows import flow_id
from designer.api.rest_input import (
    path_param,
    read_body,
)
from designer.api.session import request_actor
from designer.store import shares
from designer.store.access import SHARE_ROLES, Role
from designer.store.shares import LinkNotValid

#: Where a link's token opens the flow in the browser (the editor, read-only, no sign-in);
#: ``GET /api/v1/links/<token>`` gives the same flow as JSON.
LINK_PATH = "/links/"
ROLE_NAMES = tuple(str(role) for role in SHARE_ROLES)


@endpoint
async def list_access(request: Request) -> Response:
    entries = await call(shares.list_access, await request_actor(request), flow_id(request))
    return reply({"access": entries})


async def share_request(
    request: Request, default_role: Role | None = None
) -> tuple[Literal["user", "team"], str, Role]:
    """Who to share with and how, from a body of ``{"user": "<user name>", "role": ...}`` or
    ``{"team": "<team id>", "role": ...}`` (flows and datasets are shared alike)."""
    body = await read_body(request)
    role = Role(body.choice("role", ROLE_NAMES, default_role and str(default_role)))
    if body.has("user") == body.has("team"):
        raise invalid("say who to share with: either 'user' (a user name) or 'team' (a team id)")
    kind: Literal["user", "team"] = "user" if body.has("user") else "team"
    return kind, body.text(kind, limit=200), role


def access_target(request: Request) -> tuple[Literal["user", "team"], str]:
    """The person or team named by an ``.../access/{kind}/{target}`` path."""
    kind = request.path_params["kind"]
    if kind not in ("user", "team"):
        raise ApiError(404, "no_such_endpoint", f"there is no endpoint at {request.url.path}")
    return kind, path_param(request, "target", lambda _: invalid("no such user or team"))


@endpoint
async def share(request: Request) -> Response:
    actor = await signed_in_actor(request)
    kind, target, role = await share_request(request)
    sharing = shares.share_with_user if kind == "user" else shares.share_with_team
    return reply(await call(sharing, actor, flow_id(request), target, role))


@endpoint
async def remove_access(request: Request) -> Response:
    kind, target = access_target(request)
    await call(shares.remove_access, await request_actor(request), flow_id(request), kind, target)
    return no_content()


@endpoint
async def create_link(request: Request) -> Response:
    """``{"days": n}`` (optional; 7 by default, at most 365) → the link and its token."""
    actor = await signed_in_actor(request)
    body = await read_body(request, required=False)
    lifetime = shares.DEFAULT_LINK_LIFETIME
    if body.has("days"):
        days = body.number("days")
        if not 0 < days <= shares.MAX_LINK_LIFETIME.days:
            raise invalid(f"'days' must be more than 0 and at most {shares.MAX_LINK_LIFETIME.days}")
        lifetime = timedelta(days=days)
    link, token = await call(shares.create_link, actor, flow_id(request), lifetime)
    url = public_base(request) + LINK_PATH + token
    return reply({"link": _link(link), "token": token, "url": url}, 201)


@endpoint
async def list_links(request: Request) -> Response:
    links = await call(shares.list_links, await request_actor(request), flow_id(request))
    return reply({"links": [_link(link) for link in links]})


@endpoint
async def revoke_link(request: Request) -> Response:
    link_id = path_param(request, "link_id", lambda _: LinkNotValid("this flow has no such link"))
    await call(shares.revoke_link, await request_actor(request), flow_id(request), link_id)
    return no_content()


@endpoint
async def open_link(request: Request) -> Response:
    """The flow a link's token opens, for anyone holding it (no sign-in needed)."""
    token = path_param(request, "token", lambda _: LinkNotValid("this is not a link to any flow"))
    return reply(await call(shares.flow_for_link, token))


def _link(link: shares.LinkSummary) -> dict[str, object]:
    return {
        "id": link.id,
        "role": link.role,
        "created_at": link.created_at,
        "expires_at": link.expires_at,
        "revoked_at": link.revoked_at,
        "created_by": link.created_by,
        "active": link.active(),
    }


ROUTES = [
    resource("/flows/{flow_id}/access", get=list_access, put=share),
    resource("/flows/{flow_id}/access/{kind}/{target}", delete=remove_access),
    resource("/flows/{flow_id}/links", get=list_links, post=create_link),
    resource("/flows/{flow_id}/links/{link_id}", delete=revoke_link),
    resource("/links/{token}", get=open_link),
]

"""REST endpoints for people: signing in and out, who am I, teams and their members, search.

``POST /session`` is how a script signs in: the answer carries the session token to send as
``Authorization: Bearer <token>`` (and sets the browser's cookie too, for tools that keep one).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from designer.api.client import client_address
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
    number_param,
    path_param,
    query_text,
    read_body,
)
from designer.api.session import (
    clear_session_cookie,
    request_actor,
    request_token,
    set_session_cookie,
)
from designer.auth import signin
from designer.ops import metrics
from designer.settings import load_settings
from designer.store import accounts, teams
from designer.store.access import signed_in
from designer.store.teams import TeamNotFound, TeamRole

TEAM_ROLES = tuple(str(role) for role in TeamRole)
MAX_SEARCH_RESULTS = 50


@endpoint
async def sign_in(request: Request) -> Response:
    """``{"username": ..., "password": ...}`` → ``{"token": ..., "user": ...}``."""
    body = await read_body(request)
    username, password = body.text("username", limit=200), body.text("password", limit=2000)
    current = load_settings()
    address = client_address(request, current)
    try:
        done = await call(signin.sign_in, current, username, password, address)
    except Exception as exc:
        metrics.sign_in("password", exc)
        raise
    metrics.sign_in("password")
    response = reply({"token": done.token, "user": done.actor})
    set_session_cookie(response, request, done.token, current)
    return response


@endpoint
async def sign_out(request: Request) -> Response:
    """End the session the request carries (by cookie or bearer token); harmless without one."""
    await call(signin.sign_out, request_token(request))
    response = no_content()
    clear_session_cookie(response, request, load_settings())
    return response


@endpoint
async def me(request: Request) -> Response:
    actor = signed_in(await request_actor(request))
    return reply(actor)


@endpoint
async def list_teams(request: Request) -> Response:
    return reply({"teams": await call(teams.list_teams, await request_actor(request))})


@endpoint
async def create_team(request: Request) -> Response:
    actor = await signed_in_actor(request)
    name = (await read_body(request)).text("name", limit=1000)
    team = await call(teams.create_team, actor, name)
    return reply(team, 201, {"Location": f"/api/v1/teams/{team.id}/members"})


@endpoint
async def list_members(request: Request) -> Response:
    found = await call(teams.team_members, await request_actor(request), team_id(request))
    return reply({"members": found})


@endpoint
async def add_member(request: Request) -> Response:
    """``{"username": ..., "role": "member" | "admin"}`` (member by default)."""
    actor = await signed_in_actor(request)
    body = await read_body(request)
    username = body.text("username", limit=200)
    role = TeamRole(body.choice("role", TEAM_ROLES, default=TeamRole.MEMBER))
    member = await call(teams.add_member, actor, team_id(request), username, role)
    return reply(member, 201)


@endpoint
async def set_member_role(request: Request) -> Response:
    actor = await signed_in_actor(request)
    role = TeamRole((await read_body(request)).choice("role", TEAM_ROLES))
    await call(teams.set_member_role, actor, team_id(request), member_id(request), role)
    return no_content()


@endpoint
async def remove_member(request: Request) -> Response:
    actor = await request_actor(request)
    await call(teams.remove_member, actor, team_id(request), member_id(request))
    return no_content()


@endpoint
async def find_users(request: Request) -> Response:
    query = query_text(request, "q")
    limit = number_param(request.query_params.get("limit"), "limit", 8)
    if not 1 <= limit <= MAX_SEARCH_RESULTS:
        raise invalid(f"'limit' must be from 1 to {MAX_SEARCH_RESULTS}; found {limit}")
    found = await call(accounts.find_users, await request_actor(request), query, limit)
    return reply({"users": found})


def team_id(request: Request) -> str:
    return path_param(request, "team_id", TeamNotFound)


def member_id(request: Request) -> str:
    return path_param(request, "user_id", lambda _: invalid("that person is not in this team"))


ROUTES = [
    resource("/session", post=sign_in, delete=sign_out),
    resource("/me", get=me),
    resource("/teams", get=list_teams, post=create_team),
    resource("/teams/{team_id}/members", get=list_members, post=add_member),
    resource("/teams/{team_id}/members/{user_id}", patch=set_member_role, delete=remove_member),
    resource("/users", get=find_users),
]

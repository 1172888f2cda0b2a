"""The REST API for scripts and automation, under ``/api/v1``; docs/api.md is its reference.

JSON in and out. Clients sign in with ``POST /api/v1/session`` and send the token they get as
``Authorization: Bearer <token>``; the browser's session cookie works too. Every handler calls
one store function, and the store decides who may do what, exactly as for the pages.

The endpoints are mounted with a router of their own, so a path under ``/api/v1`` that names no
endpoint (or a method an endpoint does not take) is answered with a JSON error instead of
falling through to the pages. That router does not redirect a path with a trailing slash (or an
encoded one, ``..%2F``) to the path without: every answer under ``/api/v1`` is JSON, and
``/api/v1`` itself is a JSON 404.
"""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, Router

from designer.api import (
    openapi,
    rest_artifacts,
    rest_audit,
    rest_datasets,
    rest_flows,
    rest_gallery,
    rest_models,
    rest_people,
    rest_runs,
    rest_sharing,
    rest_templates,
)
from designer.api.errors import http_exception

PREFIX = "/api/v1"


def api_router() -> Router:
    return Router(
        redirect_slashes=False,
        routes=[
            *openapi.ROUTES,
            *rest_people.ROUTES,
            *rest_flows.ROUTES,
            *rest_runs.ROUTES,
            *rest_sharing.ROUTES,
            *rest_artifacts.ROUTES,
            *rest_datasets.ROUTES,
            *rest_models.ROUTES,
            *rest_templates.ROUTES,
            *rest_gallery.ROUTES,
            *rest_audit.ROUTES,
        ],
    )


def api_mount() -> Mount:
    mount = Mount(
        PREFIX, app=ExceptionMiddleware(api_router(), handlers={HTTPException: http_exception})
    )
    # Starlette matches paths with "." that stops at a line feed, so a path holding an encoded
    # one ("%0A") would miss the mount and reach the pages; DOTALL keeps every path under the
    # prefix in the API, which answers it as JSON like any other unknown path.
    mount.path_regex = re.compile(mount.path_regex.pattern, re.DOTALL)
    return mount


async def api_root(request: Request) -> Response:
    """``/api/v1`` itself names no endpoint; without this it would reach the pages."""
    return await http_exception(request, HTTPException(404))


ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
ROUTES = [Route(PREFIX, api_root, methods=ALL_METHODS), api_mount()]

"""The REST API for scripts and automation, under ``/api/v1``; docs/api.md is its reference.

JSON in and out. Clients sign in with ``POST /api/v1/session`` and send the token they get as
``Authorization: Bearer <token>``; the browser's session cookie works too. Every handler calls
one store function, and the store decides who may do what, exactly as for the pages.

The endpoints are mounted with a router of their own, so a path under ``/api/v1`` that names no
endpoint (or a method an endpoint does not take) is answered with a JSON error instead of
falling through to the pages.
"""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import Mount, Router

from designer.api import (
    rest_artifacts,
    rest_datasets,
    rest_flows,
    rest_gallery,
    rest_models,
    rest_people,
    rest_sharing,
    rest_templates,
)
from designer.api.errors import http_exception

PREFIX = "/api/v1"


def api_router() -> Router:
    return Router(
        routes=[
            *rest_people.ROUTES,
            *rest_flows.ROUTES,
            *rest_sharing.ROUTES,
            *rest_artifacts.ROUTES,
            *rest_datasets.ROUTES,
            *rest_models.ROUTES,
            *rest_templates.ROUTES,
            *rest_gallery.ROUTES,
        ]
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


ROUTES = [api_mount()]

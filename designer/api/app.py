"""The Starlette app wrapped around Reflex's: sign-in endpoints and the REST API.

Reflex mounts its own app (pages, websocket, uploads) under this one, so the routes here are
matched first and everything else reaches Reflex unchanged, once the origin guard has let it
through (``designer.api.origin_guard``: other origins' pages may not use the websocket or post).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from designer.api import auth, rest
from designer.api.origin_guard import OriginGuard


def build_app() -> Starlette:
    return Starlette(routes=[*auth.ROUTES, *rest.ROUTES], middleware=[Middleware(OriginGuard)])

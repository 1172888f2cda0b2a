"""The Starlette app wrapped around Reflex's: the operator's endpoints, sign-in endpoints and
the REST API.

Reflex mounts its own app (pages, websocket, uploads) under this one, so the routes here are
matched first and everything else reaches Reflex unchanged, once the origin guard has let it
through (``designer.api.origin_guard``: other origins' pages may not use the websocket or post).
In front of everything, the request observer gives each request its id and counts it
(``designer.api.operations``). Building the app also sets up the server's log
(``designer.ops.logs``) and turns metrics on (``designer.ops.metrics``).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from designer.api import auth, operations, rest
from designer.api.origin_guard import OriginGuard
from designer.ops import logs, metrics
from designer.settings import load_settings


def build_app() -> Starlette:
    logs.configure(load_settings())
    metrics.enable()
    return Starlette(
        routes=[*operations.ROUTES, *auth.ROUTES, *rest.ROUTES],
        middleware=[Middleware(operations.RequestObserver), Middleware(OriginGuard)],
    )

"""The Starlette app wrapped around Reflex's: sign-in endpoints and the REST API.

Reflex mounts its own app (pages, websocket, uploads) under this one, so the routes here are
matched first and everything else reaches Reflex unchanged.
"""

from __future__ import annotations

from starlette.applications import Starlette

from designer.api import auth, rest


def build_app() -> Starlette:
    return Starlette(routes=[*auth.ROUTES, *rest.ROUTES])

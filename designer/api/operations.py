"""The operator's endpoints and the request observer in front of every request.

- ``GET /healthz``: the process answers (liveness); touches nothing else.
- ``GET /readyz``: the database, its schema and object storage answer
  (``designer.ops.health``); 503 with the part that is down, said in the JSON body.
- ``GET /metrics``: Prometheus' text format (``designer.ops.metrics``), only for a request
  bearing ``DESIGNER_METRICS_TOKEN``; without that setting there are no metrics (404).

``RequestObserver`` gives each request its id (``designer.ops.request_context``), answers it
in ``X-Request-ID``, counts and times HTTP requests by route template, and logs API and
sign-in requests (others at debug level).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from designer.ops import health, metrics
from designer.ops.request_context import new_request_id, request_id
from designer.settings import load_settings

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "x-request-id"
#: Requests logged at info level; the rest (pages, scripts, the event channel) at debug.
_LOGGED_PREFIXES = ("/api/", "/auth/")
#: Where a path with no route template of ours is counted, by its first segment.
_REFLEX_PATHS = ("/_event", "/_upload", "/_health", "/ping")


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers={"cache-control": "no-store"})


async def readyz(_request: Request) -> Response:
    found = await asyncio.to_thread(health.readiness, load_settings())
    return JSONResponse(
        found.to_dict(),
        status_code=200 if found.ready else 503,
        headers={"cache-control": "no-store"},
    )


async def metrics_endpoint(request: Request) -> Response:
    token = load_settings().metrics_token
    if token is None:
        return JSONResponse({"error": "metrics are off (set DESIGNER_METRICS_TOKEN)"}, 404)
    offered = request.headers.get("authorization", "")
    scheme, _, value = offered.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.encode(), token.encode()):
        metrics.refusal("metrics_token")
        return JSONResponse(
            {"error": "send the metrics token as 'Authorization: Bearer <token>'"},
            401,
            headers={"www-authenticate": "Bearer"},
        )
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


ROUTES = [
    Route("/healthz", healthz, methods=["GET", "HEAD"]),
    Route("/readyz", readyz, methods=["GET", "HEAD"]),
    Route("/metrics", metrics_endpoint, methods=["GET"]),
]


class RequestObserver:
    """ASGI middleware: request ids, HTTP metrics and the request log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = new_request_id(_header(scope, REQUEST_ID_HEADER))
        token = request_id.set(rid)
        try:
            if scope["type"] == "websocket":
                await self.app(scope, receive, send)
            else:
                await self._http(scope, receive, send, rid)
        finally:
            request_id.reset(token)

    async def _http(self, scope: Scope, receive: Receive, send: Send, rid: str) -> None:
        base = scope.get("root_path", "")
        started = time.perf_counter()
        status = 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            seconds = time.perf_counter() - started
            route, method = route_label(scope, base), scope.get("method", "GET")
            metrics.http_request(route, method, status, seconds)
            path = scope.get("path", "")
            level = logging.INFO if path.startswith(_LOGGED_PREFIXES) else logging.DEBUG
            log.log(level, "%s %s %d %.3fs", method, route, status, seconds)


def route_label(scope: MutableMapping[str, Any], base: str = "") -> str:
    """The route template a request matched (never its raw path: ids and names stay out)."""
    route = scope.get("route")
    if isinstance(route, Route):
        return f"{scope.get('root_path', '')}{route.path}"
    if isinstance(route, Mount) and route.path:  # under a mount of ours, but no route of it
        return f"{base}{route.path}/(unknown)"
    path: str = scope.get("path", "")
    for prefix in _REFLEX_PATHS:
        if path == prefix or path.startswith(prefix + "/"):
            return prefix
    return "(pages)"


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None

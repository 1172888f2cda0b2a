"""The origin check in front of what Reflex serves: the pages' event channel and uploads.

Reflex's websocket (``/_event``) carries every page action, signed in by the session cookie the
browser sends with the handshake; a page on another origin of the same site could open it with
the victim's cookie and act as them (delete a flow, change sharing). Reflex's own Socket.IO
server would accept any origin, and with the polling transport it checks none, so the check is
made here, before any Reflex code sees the request, for:

- every websocket handshake, whatever its path;
- every HTTP request under ``/_event`` (Socket.IO's long-polling transport, should it be on);
- every request that is not a plain read (``POST /_upload`` and whatever Reflex adds later),
  except under ``/api/`` and ``/auth/``, which check origins themselves and answer in their own
  formats (JSON errors, pages).

A refused websocket handshake is closed before it is accepted (the browser sees a 403); a
refused HTTP request is a 403 saying why. See ``designer.api.origins`` for the rule itself.
"""

from __future__ import annotations

import json
import logging

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from designer.api.origins import foreign_origin, refusal
from designer.ops import metrics
from designer.settings import load_settings

log = logging.getLogger(__name__)

#: Methods that only read, which browsers also let other origins send (but not read the answer).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Paths whose handlers check origins themselves.
SELF_CHECKED = ("/api/", "/auth/")
#: Reflex's event channel (websocket, or Socket.IO long polling).
EVENT_PATH = "/_event"
#: The close code for a policy violation (RFC 6455); sent before accepting, it is an HTTP 403.
POLICY_VIOLATION = 1008


class OriginGuard:
    """ASGI middleware refusing requests that other origins' pages send to Reflex."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not _guarded(scope):
            await self.app(scope, receive, send)
            return
        origin = foreign_origin(HTTPConnection(scope), load_settings())
        if origin is None:
            await self.app(scope, receive, send)
            return
        log.warning("refused %s %s from another origin: %s", scope["type"], scope["path"], origin)
        metrics.refusal("origin")
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": POLICY_VIOLATION})
            return
        body = json.dumps(
            {"error": {"code": "cross_origin", "message": refusal(origin, "this request")}}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _guarded(scope: Scope) -> bool:
    if scope["type"] == "websocket":
        return True
    path: str = scope.get("path", "")
    if path == EVENT_PATH or path.startswith(EVENT_PATH + "/"):
        return True
    if scope.get("method", "GET") in SAFE_METHODS:
        return False
    return not path.startswith(SELF_CHECKED)

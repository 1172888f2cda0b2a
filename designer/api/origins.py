"""Which web pages may drive the designer: only its own.

A browser sends the session cookie with every request to the designer's host, whichever page
started it: SameSite=Lax only keeps it off requests from other *sites*, and a page on another
port of the same host, or another app under the same domain, is the same site. Every request
that could change something therefore has its ``Origin`` (the page that sent it) compared with
the designer's own origin:

- ``DESIGNER_PUBLIC_URL``'s scheme, host and port when it is set (the address people use);
- otherwise the address this request was sent to: its ``Host`` header and scheme, or
  ``X-Forwarded-Host`` and ``X-Forwarded-Proto`` from a trusted proxy (``designer.api.client``).

A request without ``Origin`` is judged by its ``Referer``; one with neither is let through:
browsers send ``Origin`` with every cross-origin form post, ``fetch`` and websocket handshake, so
such a request comes from a script or a tool, which has no browser cookie to abuse. ``Origin:
null`` (a sandboxed frame, a ``data:`` page) is refused.

``designer.api.origin_guard`` applies this to Reflex's websocket and uploads, ``rest_base`` to the
REST API and ``auth`` to the sign-in forms; ``rxconfig.py`` hands ``configured_origins`` to
Reflex's CORS middleware, so other origins cannot read answers either.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from designer.api.client import is_https, request_host
from designer.settings import Settings

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, lower case and without a default port;
    None for anything else (``null``, ``file:``, nonsense)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme in ("ws", "wss"):
        scheme = "http" if scheme == "ws" else "https"
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # an IPv6 literal keeps its brackets in an origin
        host = f"[{host}]"
    return (
        f"{scheme}://{host}"
        if port in (None, _DEFAULT_PORTS[scheme])
        else (f"{scheme}://{host}:{port}")
    )


def configured_origins(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The origins other pages may be from and still read the designer's answers (CORS).

    Only the designer's public address (and, in Reflex's dev mode, the separate frontend
    server's); none at all by default: the designer's own pages are same-origin and need no CORS.
    """
    env = os.environ if env is None else env
    found = []
    public = origin_of(env.get("DESIGNER_PUBLIC_URL", ""))
    if public is not None:
        found.append(public)
    port = dev_frontend_port(env)
    if port is not None:
        found += [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]
    return tuple(found)


def dev_frontend_port(env: Mapping[str, str] | None = None) -> int | None:
    """In Reflex's dev mode the pages come from a server of their own on this port."""
    env = os.environ if env is None else env
    if env.get("REFLEX_ENV_MODE", "").lower() != "dev":
        return None
    port = env.get("REFLEX_FRONTEND_PORT", "")
    return int(port) if port.isdigit() else None


def own_origins(connection: HTTPConnection, settings: Settings) -> frozenset[str]:
    """The origins the designer's own pages have, for this request."""
    if settings.public_url is not None:
        public = origin_of(settings.public_url)
        return frozenset({public} if public is not None else ())
    scheme = "https" if is_https(connection, settings) else "http"
    mine = origin_of(f"{scheme}://{request_host(connection, settings)}")
    found = {mine} if mine is not None else set()
    port = dev_frontend_port()
    if mine is not None and port is not None:
        found.add(f"{scheme}://{urlsplit(mine).hostname}:{port}")
    return frozenset(found)


def sender_origin(connection: HTTPConnection) -> str | None:
    """The origin of the page that sent the request, from ``Origin`` or else ``Referer``.

    ``""`` when the request names no page at all; ``"null"`` when it names one that has no
    origin (or one that cannot be read), which is never the designer's.
    """
    origin = connection.headers.get("origin")
    if origin is not None:
        return origin_of(origin) or "null"
    referer = connection.headers.get("referer")
    if referer:
        return origin_of(referer) or "null"
    return ""


def foreign_origin(connection: HTTPConnection, settings: Settings) -> str | None:
    """The sender's origin when it is not the designer's own; None when it is, or is unknown."""
    sender = sender_origin(connection)
    if not sender or sender in own_origins(connection, settings):
        return None
    return sender


def refusal(origin: str, what: str) -> str:
    """What to tell the person when ``what`` ("this change") was refused for its origin."""
    return (
        f"{what} came from a page at {origin}, not from the designer's own pages, and was "
        "refused (another site may not act with your session); nothing was changed. Open the "
        "designer at its usual address and try again. If that is what you did, the designer "
        "expects another address: an administrator can set DESIGNER_PUBLIC_URL to the address "
        "people use"
    )

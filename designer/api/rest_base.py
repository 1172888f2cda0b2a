"""What every REST handler shares: calling the store, answering in JSON, turning errors into JSON.

A handler reads who is asking (``request_actor``), reads its input with ``designer.api.rest_input``,
calls one store function through ``call`` (in the threadpool: the store is synchronous), and
answers with ``reply``. It never opens a database session or checks a permission: the store does
both. ``endpoint`` turns every error into the JSON error body of ``designer.api.errors``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import Enum
from functools import wraps
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from designer.api.errors import ApiError, error_response
from designer.api.origins import foreign_origin, refusal
from designer.api.session import SESSION_COOKIE, public_url, request_actor
from designer.settings import load_settings
from designer.store.access import Actor, signed_in
from designer.store.db import engine_for

Handler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


def endpoint(handler: Handler) -> Handler:
    """Answer every error ``handler`` raises as a JSON error, and refuse cross-site writes."""

    @wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            _check_origin(request)
            return await handler(request)
        except Exception as exc:  # every error becomes a JSON body; unexpected ones are logged
            return error_response(exc)

    return wrapped


def resource(path: str, **handlers: Handler) -> Route:
    """One route for ``path`` with a handler per method (``get=..., put=...``).

    One route per path, not one per method, so a wrong method is answered 405 with an ``Allow``
    header naming every method the path takes.
    """
    by_method = {method.upper(): handler for method, handler in handlers.items()}

    async def dispatch(request: Request) -> Response:
        return await by_method["GET" if request.method == "HEAD" else request.method](request)

    return Route(path, dispatch, methods=list(by_method), name=path)


async def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(engine, *args, **kwargs)`` in the threadpool, with the configured engine."""

    def run() -> T:
        return function(engine_for(load_settings().database_url), *args, **kwargs)

    return await run_in_threadpool(run)


async def signed_in_actor(request: Request) -> Actor:
    """Who is asking; ``SignInRequired`` (401) before reading a body when it is nobody."""
    return signed_in(await request_actor(request))


def reply(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(plain(value), status_code=status, headers=headers)


def no_content() -> Response:
    return Response(status_code=204)


def plain(value: Any) -> Any:
    """``value`` as JSON data: dataclasses and models as objects, times in ISO 8601 (UTC)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, BaseModel):
        return plain(value.model_dump(mode="json", exclude_none=True))
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # a run's metric may be NaN; JSON has no NaN
    return value


def public_base(request: Request) -> str:
    """The address people reach the designer at, for links in answers."""
    return public_url(request, load_settings())


def _check_origin(request: Request) -> None:
    """Refuse a change sent by another origin's page (see ``designer.api.origins``).

    Checked whenever the browser's session cookie comes along, whatever else the request
    carries: an ``Authorization`` header does not exempt it, since a page can add one (an
    invalid token, say) while the cookie still signs the request in. Only a request with a
    bearer token and no cookie, which is a script or a tool and not a browser acting for
    someone, is left alone.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if SESSION_COOKIE not in request.cookies and request.headers.get("authorization"):
        return
    origin = foreign_origin(request, load_settings())
    if origin is not None:
        raise ApiError(403, "cross_origin", refusal(origin, "this change"))

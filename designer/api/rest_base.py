"""What every REST handler shares: reading requests safely, calling the store, answering in JSON.

A handler reads who is asking (``request_actor``), calls one store function through ``call``
(in the threadpool: the store is synchronous), and answers with ``reply``. It never opens a
database session or checks a permission: the store does both. ``endpoint`` turns every error
into the JSON error body of ``designer.api.errors``.

Input is read defensively, because it comes from anyone: bodies are size-limited and must be
JSON; NaN, infinities, lone surrogates, NUL characters and absurd nesting are refused here so
that nothing the store writes can later fail to load or to serialise.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import Enum
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from designer.api.errors import ApiError, bad_request, error_response, invalid
from designer.api.session import SESSION_COOKIE, public_url, request_actor
from designer.flow.diagnostics import has_errors
from designer.flow.document import MAX_FLOW_BYTES, Flow, parse_flow
from designer.settings import load_settings
from designer.store.access import Actor, signed_in
from designer.store.db import engine_for

#: The largest body of a request that carries no flow document.
MAX_BODY_BYTES = 64 * 1024
#: The largest body carrying a flow document: the largest flow file, plus room for the envelope.
MAX_FLOW_BODY_BYTES = MAX_FLOW_BYTES + MAX_BODY_BYTES
#: How deeply JSON may nest (a flow is about 5 deep; node parameters add a few levels).
MAX_DEPTH = 64
#: The longest id, name or search text accepted in a path or query string.
MAX_PARAM_CHARS = 256

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


# --- reading requests ---------------------------------------------------------------------------


class Body:
    """A JSON object from a request, with typed getters that answer 422 for a wrong type."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def text(self, name: str, default: str | None = None, *, limit: int = 10_000) -> str:
        value = self._get(name, default)
        if not isinstance(value, str):
            raise invalid(f"'{name}' must be a string; found {_kind(value)}")
        if len(value) > limit:
            raise invalid(f"'{name}' can be at most {limit} characters; found {len(value)}")
        return value

    def integer(self, name: str, default: int | None = None) -> int:
        value = self._get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(f"'{name}' must be a whole number; found {_kind(value)}")
        return value

    def number(self, name: str, default: float | None = None) -> float:
        value = self._get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid(f"'{name}' must be a number; found {_kind(value)}")
        return float(value)

    def choice(self, name: str, choices: tuple[str, ...], default: str | None = None) -> str:
        value = self.text(name, default, limit=100)
        if value not in choices:
            raise invalid(f"'{name}' must be one of {', '.join(choices)}; found {value!r}")
        return value

    def flow(self, name: str | None = None) -> Flow:
        """A flow document: the field ``name``, or the whole body when ``name`` is None."""
        return flow_document(self.data if name is None else self._get(name, None))

    def _get(self, name: str, default: Any) -> Any:
        value = self.data.get(name)
        if value is None:
            if default is None:
                raise invalid(f"'{name}' is required")
            return default
        return value


async def read_body(
    request: Request, *, limit: int = MAX_BODY_BYTES, required: bool = True
) -> Body:
    """The request's JSON object; an empty body is ``{}`` unless ``required``."""
    raw = await _read_bytes(request, limit)
    if not raw.strip():
        if required:
            raise bad_request("this endpoint needs a JSON object in the request body", "no_body")
        return Body({})
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise ApiError(
            415,
            "unsupported_media_type",
            f"send JSON (Content-Type: application/json), not {content_type}",
        )
    data = decode_json(raw)
    if not isinstance(data, dict):
        raise bad_request(f"the request body must be a JSON object; found {_kind(data)}")
    return Body(data)


def decode_json(raw: bytes) -> Any:
    """Strict JSON: UTF-8, finite numbers, real Unicode text without NUL, sensibly nested."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise bad_request(
            f"the body is not UTF-8 text (bad byte at position {exc.start})", "malformed_json"
        ) from None
    try:
        data = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        message = f"the body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise bad_request(message, "malformed_json") from None
    except (RecursionError, ValueError) as exc:
        raise bad_request(f"the body is not valid JSON: {exc}", "malformed_json") from None
    _check_values(data)
    return data


def flow_document(data: Any) -> Flow:
    """The flow in ``data``, or 422 listing every problem (nothing is silently dropped)."""
    flow, diagnostics = parse_flow(data)
    if flow is None or has_errors(diagnostics):
        problems = [d.to_dict() for d in diagnostics]
        first = diagnostics[0].message if diagnostics else "not a flow document"
        raise invalid(f"the flow document has problems: {first}", "invalid_flow", problems=problems)
    return flow


def path_param(request: Request, name: str, not_found: Callable[[str], Exception]) -> str:
    """A path parameter; a value no id can have raises ``not_found(value)`` (a 404)."""
    value = request.path_params[name]
    if len(value) > MAX_PARAM_CHARS or not _plain_text(value):
        raise not_found(value[:MAX_PARAM_CHARS])
    return value


def number_param(value: str | None, name: str, default: int | None = None) -> int:
    """A whole number from the path or query string; 422 if it is not one."""
    if value is None or value == "":
        if default is None:
            raise invalid(f"'{name}' is required")
        return default
    if not value.isascii() or not value.lstrip("-").isdigit() or len(value) > 18:
        raise invalid(f"'{name}' must be a whole number; found {value[:40]!r}")
    return int(value)


def query_text(request: Request, name: str, default: str = "") -> str:
    value = request.query_params.get(name, default)
    if len(value) > MAX_PARAM_CHARS or not _plain_text(value):
        raise invalid(f"'{name}' must be at most {MAX_PARAM_CHARS} characters of plain text")
    return value


def public_base(request: Request) -> str:
    """The address people reach the designer at, for links in answers."""
    return public_url(request, load_settings())


async def _read_bytes(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413, "too_large", f"the request body is larger than this endpoint accepts ({limit} bytes)"
    )


def _check_origin(request: Request) -> None:
    """Refuse a change sent by another site's page with the browser's session cookie.

    The cookie is SameSite=Lax, which already keeps it off other sites' posts; this also covers
    sibling sites (other subdomains) and older browsers. API clients that send a bearer token
    are not affected: no browser adds that header for another site.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if SESSION_COOKIE not in request.cookies or request.headers.get("authorization"):
        return
    origin = request.headers.get("origin")
    if origin is None:
        return
    public = load_settings().public_url
    expected = urlsplit(public).netloc if public else request.headers.get("host", "")
    if urlsplit(origin).netloc.lower() != expected.lower():
        raise ApiError(
            403, "cross_origin", "this request came from another site's page and was refused"
        )


def _check_values(data: Any) -> None:
    """Refuse strings no database or serialiser can keep, and absurdly deep nesting."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise bad_request(f"the JSON nests deeper than {MAX_DEPTH} levels", "malformed_json")
        if isinstance(value, str):
            if not _plain_text(value, allow_controls=True):
                raise bad_request(
                    "the JSON has text that cannot be stored: a NUL character or a lone "
                    "surrogate (an unpaired \\ud800-\\udfff escape)",
                    "malformed_json",
                )
        elif isinstance(value, dict):
            stack.extend((key, depth + 1) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def _plain_text(value: str, *, allow_controls: bool = False) -> bool:
    if "\x00" in value:
        return False
    if not allow_controls and any(ord(c) < 32 or ord(c) == 127 for c in value):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large")
    return value


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)

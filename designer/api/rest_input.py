"""Reading REST requests defensively: bodies, path parameters and query strings.

Input comes from anyone, so bodies are size-limited and must be JSON objects; NaN, infinities,
lone surrogates, NUL characters and absurd nesting are refused here, so nothing the store writes
can later fail to load or to serialise, on SQLite or PostgreSQL. A value of the wrong type is a
422 that names the field; a body that cannot be read at all is a 400.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from designer.api.errors import ApiError, bad_request, invalid
from designer.flow.diagnostics import has_errors
from designer.flow.document import MAX_FLOW_BYTES, Flow, parse_flow

#: The largest body of a request that carries no flow document.
MAX_BODY_BYTES = 64 * 1024
#: The largest body carrying a flow document: the largest flow file, plus room for the envelope.
MAX_FLOW_BODY_BYTES = MAX_FLOW_BYTES + MAX_BODY_BYTES
#: How deeply JSON may nest (a flow is about 5 deep; node parameters add a few levels).
MAX_DEPTH = 64
#: The longest id, name or search text accepted in a path or query string.
MAX_PARAM_CHARS = 256


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
    if not re.fullmatch(r"-?[0-9]{1,18}", value):
        raise invalid(f"'{name}' must be a whole number; found {value[:40]!r}")
    return int(value)


def query_text(request: Request, name: str, default: str = "") -> str:
    value = request.query_params.get(name, default)
    if len(value) > MAX_PARAM_CHARS or not _plain_text(value):
        raise invalid(f"'{name}' must be at most {MAX_PARAM_CHARS} characters of plain text")
    return value


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

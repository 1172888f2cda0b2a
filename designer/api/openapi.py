"""The OpenAPI 3.0 document of the REST API, served at ``GET /api/v1/openapi.json``.

Built from the operation table (``designer.api.openapi_paths``) and the schemas it names
(``designer.api.openapi_schemas``); docs/api.md says in words what each operation does. Anyone
may read it: it describes the API, not anyone's data.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from designer import __version__
from designer.api.openapi_paths import ALWAYS, OPERATIONS, WITH_BODY, Operation
from designer.api.openapi_schemas import SCHEMAS
from designer.api.rest_base import endpoint, reply, resource
from designer.api.session import SESSION_COOKIE

PREFIX = "/api/v1"
#: What each error status means, in the words of docs/api.md.
ERROR_MEANINGS = {
    400: "The body cannot be read, or a value in it cannot start anything (the message says)",
    401: "Nobody is signed in (send Authorization: Bearer <token>)",
    403: "Not allowed: the message says what you lack",
    404: "No such thing, or not shared with you (the two are indistinguishable)",
    409: "It conflicts with the current state (the message says how)",
    413: "The body is too large",
    415: "The body is not JSON",
    422: "A value cannot be used; the message names it",
    429: "Too many failed sign-ins from here: wait Retry-After seconds",
    503: "The database or the file storage cannot be reached just now (Retry-After)",
}
_PATH_PARAM = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)}")


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The whole document (built once; it is the same for everyone)."""
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Pipeline designer REST API",
            "version": __version__,
            "description": (
                "Flows, versions, runs, sharing, datasets, deployed models and templates, "
                "for scripts. Sign in with POST /session and send the token as "
                "`Authorization: Bearer <token>`. Every error is "
                '`{"error": {"code", "message"}}`.'
            ),
        },
        "servers": [{"url": PREFIX}],
        "tags": [{"name": tag} for tag in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
            },
        },
    }


def _operation(operation: Operation) -> dict[str, Any]:
    method = operation.method.lower()
    path_name = re.sub(r"[^A-Za-z0-9]+", "_", operation.path).strip("_")
    spec: dict[str, Any] = {
        "operationId": f"{method}_{path_name}" if path_name else method,
        "summary": operation.summary,
        "tags": [operation.tag],
        "security": [{"bearer": []}, {"cookie": []}] if operation.signed_in else [],
        "responses": _responses(operation),
    }
    if operation.description:
        spec["description"] = operation.description
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAM.findall(operation.path)
    ] + [
        {
            "name": query.name,
            "in": "query",
            "required": query.required,
            "description": query.description,
            "schema": query.schema,
        }
        for query in operation.query
    ]
    if parameters:
        spec["parameters"] = parameters
    if operation.body is not None:
        spec["requestBody"] = _request_body(operation)
    return spec


def _request_body(operation: Operation) -> dict[str, Any]:
    if operation.body == "file":
        content = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    else:
        content = {"application/json": {"schema": _schema(operation.body)}}
    return {"required": not operation.body_optional, "content": content}


def _responses(operation: Operation) -> dict[str, Any]:
    status, schema = operation.answer
    responses: dict[str, Any] = {}
    for success in (status, *operation.also):
        answer: dict[str, Any] = {"description": "Done" if schema or operation.download else ""}
        if operation.download:
            media = {"schema": {"type": "string", "format": "binary"}}
            answer["content"] = {operation.download: media}
        elif schema is not None:
            answer["content"] = {"application/json": {"schema": _schema(schema)}}
        else:
            answer["description"] = "Done; no body"
        responses[str(success)] = answer
    errors = set(ALWAYS) | set(operation.errors)
    if operation.body is not None:
        errors |= set(WITH_BODY)
    for code in sorted(errors):
        responses[str(code)] = {
            "description": ERROR_MEANINGS[code],
            "content": {"application/json": {"schema": _schema("Error")}},
        }
    return responses


def _schema(name: str | None) -> dict[str, Any]:
    assert name in SCHEMAS, f"no schema named {name!r}"
    return {"$ref": f"#/components/schemas/{name}"}


@endpoint
async def serve_document(request: Request) -> Response:
    return reply(openapi_document(), headers={"Cache-Control": "public, max-age=300"})


ROUTES = [resource("/openapi.json", get=serve_document)]

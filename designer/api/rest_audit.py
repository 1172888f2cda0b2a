"""REST endpoint for the audit log: ``GET /api/v1/audit``.

Filters come as query parameters (``person``, ``action``, ``kind``, ``object``, ``since``,
``until`` as ISO 8601 times with a zone, ``offset`` and ``limit`` for paging); the store
decides which events the person may read (a site admin all, anyone else those on what they
own), exactly as for the page.
"""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from designer.api.errors import invalid
from designer.api.rest_base import call, endpoint, reply, resource, signed_in_actor
from designer.api.rest_input import number_param, query_text
from designer.store import audit


@endpoint
async def list_events(request: Request) -> Response:
    """The matching events, newest first, one page of them, and whether more follow."""
    actor = await signed_in_actor(request)
    filters = audit.AuditFilter(
        person=query_text(request, "person"),
        action=_choice(request, "action", audit.ACTIONS),
        object_kind=_choice(request, "kind", audit.KINDS),
        object_id=query_text(request, "object"),
        since=_time(request, "since"),
        until=_time(request, "until"),
    )
    offset = number_param(request.query_params.get("offset"), "offset", 0)
    limit = number_param(request.query_params.get("limit"), "limit", audit.DEFAULT_PAGE)
    page = await call(audit.list_events, actor, filters, offset=offset, limit=limit)
    return reply(page)


def _choice(request: Request, name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``, or "" when not given; 422 for anything else (an empty value too)."""
    if name not in request.query_params:
        return ""
    text = query_text(request, name)
    if text not in choices:
        raise invalid(f"'{name}' must be one of {', '.join(choices)}; found {text[:40]!r}")
    return text


def _time(request: Request, name: str) -> datetime | None:
    """An ISO 8601 time with its zone, or None when not given; 422 otherwise."""
    if name not in request.query_params:
        return None
    text = query_text(request, name)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise invalid(
            f"'{name}' must be an ISO 8601 time with its zone, like 2026-12-01T00:00:00Z; "
            f"found {text[:40]!r}"
        )
    return when


ROUTES = [resource("/audit", get=list_events)]

"""The request a piece of work belongs to, so a log line can say so.

Each HTTP request gets an id (the caller's ``X-Request-ID`` when it is a plausible id, else a
new one); it is kept in a context variable, sent back in the response's ``X-Request-ID``, and
put on every log record made while the request is handled. A run started by a request keeps the
id: ``in_current_context`` starts the thread that follows the run inside the request's context,
so the run's log lines carry the id of the request that started it.
"""

from __future__ import annotations

import contextvars
import re
import threading
import uuid
from collections.abc import Callable
from typing import Any

#: The request being handled ("" outside of one).
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
#: The run a log line is about ("" when none).
run_id: contextvars.ContextVar[str] = contextvars.ContextVar("run_id", default="")

#: What a caller may hand us as a request id: short, plain characters (it ends up in logs).
_PLAUSIBLE = re.compile(r"[A-Za-z0-9._-]{8,64}")


def new_request_id(offered: str | None = None) -> str:
    """``offered`` when it is a plausible id (a proxy's, say), else a new random one."""
    if offered and _PLAUSIBLE.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def in_current_context(target: Callable[..., Any], *, name: str) -> threading.Thread:
    """A daemon thread running ``target`` in a copy of the current context (request id and
    all); not started."""
    context = contextvars.copy_context()
    return threading.Thread(target=context.run, args=(target,), name=name, daemon=True)

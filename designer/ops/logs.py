"""The server's log: lines for people by default, one JSON object a line for a collector.

``configure(settings)`` sets up the root logger once per process (again replaces, never adds):
``DESIGNER_LOG_FORMAT`` "text" or "json", ``DESIGNER_LOG_LEVEL``. The web server's own loggers
(granian, uvicorn, reflex) are routed through the same handler, so a JSON log stays JSON.

Every record carries the request it was made in and the run it is about, when there is one
(``designer.ops.request_context``). And whatever a message says, the secrets the designer
knows (storage keys, tokens, the OpenID client secret, the database password) are masked
before it is written: a safety net under the rule that no code logs a secret.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from designer.ops.request_context import request_id, run_id
from designer.settings import Settings

#: Loggers of the web server and framework that get no handler of their own.
SERVER_LOGGERS = ("granian", "granian.access", "uvicorn", "uvicorn.error", "uvicorn.access")
#: Libraries that say too much below warnings, some of it secret (SQL parameters, request
#: headers): they log warnings and errors only, whatever ``DESIGNER_LOG_LEVEL`` says.
QUIET_LOGGERS = (
    "sqlalchemy",
    "alembic",
    "urllib3",
    "httpx",
    "httpcore",
    "asyncio",
    "multipart",
    "python_multipart",
    "kubernetes",
    "minio",
    "authlib",
    "kfp",
    "werkzeug",
    "filelock",
)
MASK = "[secret]"
#: Shorter values are not masked: they would mask ordinary words.
_MIN_SECRET = 6
_HANDLER_MARK = "_designer_handler"


class ContextFilter(logging.Filter):
    """Puts the request and run ids on each record, and masks the known secrets in it."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        # Longest first: a secret holding a shorter one is masked whole.
        self.secrets = tuple(
            sorted({s for s in secrets if len(s) >= _MIN_SECRET}, key=len, reverse=True)
        )

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", "") or request_id.get()
        record.run_id = getattr(record, "run_id", "") or run_id.get()
        if self.secrets:
            message = record.getMessage()
            masked = self.mask(message)
            if masked != message:
                record.msg, record.args = masked, None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self.mask(record.exc_text)
        return True

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the request and
    run ids when set, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "run_id"):
            value = getattr(record, key, "")
            if value:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``2026-12-06 08:00:00,123 INFO designer.runs.launcher: message [request abc run xyz]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        tags = [
            f"{label} {value}"
            for label, value in (
                ("request", getattr(record, "request_id", "")),
                ("run", getattr(record, "run_id", "")),
            )
            if value
        ]
        if not tags:
            return line
        first, newline, rest = line.partition("\n")
        return f"{first} [{' '.join(tags)}]{newline}{rest}"


def configure(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Set up the process's log from ``settings``; returns the handler it installed."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(ContextFilter(known_secrets(settings)))
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.propagate = True
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def known_secrets(settings: Settings) -> tuple[str, ...]:
    """Every secret value the settings hold."""
    found: list[str | None] = [settings.metrics_token]
    if settings.storage is not None:
        found.append(settings.storage.secret_key)
    if settings.oidc is not None:
        found.append(settings.oidc.client_secret)
    if settings.kubeflow is not None:
        found.append(settings.kubeflow.token)
    if settings.kubernetes is not None:
        found.append(settings.kubernetes.token)
    found.append(_database_password(settings.database_url))
    return tuple(s for s in found if s)


def _database_password(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password  # type: ignore[return-value]
    except ArgumentError:
        return None

"""The REST API's errors: one table from what went wrong to an HTTP status and a JSON body.

Every error body has the same shape, ``{"error": {"code": ..., "message": ...}}``, sometimes with
more fields (a version conflict says who saved the latest version and when). The store's errors
are mapped by their kind: a lookup that found nothing is 404, a permission problem 403, a value
that cannot be used 422, a database that cannot be reached 503 (saying only that: where the
database is goes to the log). Anything else is a bug: it is logged and answered with a JSON 500
that says nothing about the server's insides.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from designer.auth.passwords import WeakPassword
from designer.auth.signin import SignInFailed, TooManyAttempts
from designer.datasets.library import UploadsBusy, UploadTooLarge
from designer.datasets.sniff import DatasetProblem
from designer.objects.base import ObjectNotFound, StorageUnavailable
from designer.ops import metrics
from designer.store.access import FlowNotFound, SignInRequired
from designer.store.accounts import AccountDisabled, UsernameTaken
from designer.store.datasets import DatasetInUse
from designer.store.db import StoreError, StoreUnavailable, public_message
from designer.store.runs import RunNotFound
from designer.store.versions import VersionConflict

log = logging.getLogger(__name__)

#: Said for every flow (and run) someone may not see, real or made up, so the answer for a
#: real flow id is byte for byte the answer for an invented one.
FLOW_NOT_FOUND = "no such flow: it may have been deleted, or it is not shared with you"
RUN_NOT_FOUND = (
    "no such run: it was never recorded, it was deleted with its flow, or its flow is not "
    "shared with you"
)
#: What a client is told when object storage fails (the details are logged).
STORAGE_UNREACHABLE = (
    "cannot reach the file storage just now: try again in a moment, and if it lasts, tell an "
    "administrator (the designer's log says what is wrong)"
)
#: Seconds an API client should wait before retrying when the database is unreachable.
UNAVAILABLE_RETRY_S = 5
#: Seconds before retrying an upload refused because others fill the spool budget.
UPLOADS_BUSY_RETRY_S = 30


class ApiError(Exception):
    """An error the API answers as it is: status, code, message, extra body fields, headers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extra = extra


def bad_request(message: str, code: str = "bad_request") -> ApiError:
    """The request cannot be read (malformed JSON, wrong content type...)."""
    return ApiError(400, code, message)


def invalid(message: str, code: str = "invalid_request", **extra: Any) -> ApiError:
    """The request was read but a value in it cannot be used."""
    return ApiError(422, code, message, **extra)


def api_error(exc: BaseException) -> ApiError:
    """What ``exc`` means for an API client."""
    match exc:
        case ApiError():
            return exc
        case SignInRequired():
            return ApiError(401, "sign_in_required", str(exc), headers=_BEARER)
        case SignInFailed():
            return ApiError(401, "sign_in_failed", str(exc), headers=_BEARER)
        case TooManyAttempts():
            retry = {"Retry-After": str(exc.retry_after_s)}
            return ApiError(429, "too_many_attempts", str(exc), headers=retry)
        case FlowNotFound():
            return ApiError(404, "flow_not_found", FLOW_NOT_FOUND)
        case RunNotFound():
            return ApiError(404, "run_not_found", RUN_NOT_FOUND)
        case VersionConflict():
            latest = exc.latest
            return ApiError(
                409,
                "version_conflict",
                str(exc),
                base_version=exc.base_version,
                latest={
                    "number": latest.number,
                    "author": latest.author,
                    "created_at": latest.created_at.isoformat(),
                    "message": latest.message,
                },
            )
        case DatasetProblem():  # an upload that is not a usable table
            return ApiError(422, f"file_{exc.code}", str(exc))
        case UploadTooLarge():
            return ApiError(413, "upload_too_large", str(exc), limit_bytes=exc.limit)
        case UploadsBusy():
            retry = {"Retry-After": str(UPLOADS_BUSY_RETRY_S)}
            return ApiError(503, "uploads_busy", str(exc), headers=retry)
        case DatasetInUse():
            return ApiError(409, "dataset_in_use", str(exc), flows=exc.flows, hidden=exc.hidden)
        case AccountDisabled():
            return ApiError(403, "account_disabled", str(exc))
        case UsernameTaken():
            return ApiError(409, "username_taken", str(exc))
        case WeakPassword():
            return ApiError(422, "weak_password", str(exc))
        case StoreUnavailable():  # also a database URL that cannot be used at all
            # The message names the database's host, port, user and name: the log only.
            log.warning("the REST API cannot reach the database: %s", exc)
            retry = {"Retry-After": str(UNAVAILABLE_RETRY_S)}
            return ApiError(503, "store_unavailable", public_message(exc), headers=retry)
        case StorageUnavailable():  # object storage (S3, MinIO, the objects folder)
            # Its message names the endpoint, bucket or folder: the log only, as for the database.
            log.warning("the REST API cannot reach the object storage: %s", exc)
            retry = {"Retry-After": str(UNAVAILABLE_RETRY_S)}
            return ApiError(503, "storage_unavailable", STORAGE_UNREACHABLE, headers=retry)
        case ObjectNotFound():
            return ApiError(404, "object_not_found", str(exc))
        # The store's other errors say what they are by the builtin they also derive from.
        case StoreError() if isinstance(exc, PermissionError):  # NotAllowed
            return ApiError(403, "not_allowed", str(exc))
        case StoreError() if isinstance(exc, LookupError):
            return ApiError(404, _code(exc), str(exc))
        case StoreError() if isinstance(exc, ValueError):
            return ApiError(422, _code(exc), str(exc))
        case StoreError():  # e.g. a dataset that kept changing while an upload was saved
            return ApiError(503, "store_unavailable", str(exc))
    log.exception("the REST API failed on an unexpected error", exc_info=exc)
    return ApiError(500, "internal_error", "something went wrong in the designer; it was logged")


#: Refusals counted in ``designer_refusals``, by the status that says them.
_REFUSALS = {401: "sign_in_required", 403: "not_allowed", 429: "throttled"}


def error_response(exc: BaseException) -> Response:
    error = api_error(exc)
    if error.status in _REFUSALS:
        metrics.refusal(_REFUSALS[error.status])
    body = {"error": {"code": error.code, "message": error.message, **error.extra}}
    return JSONResponse(body, status_code=error.status, headers=error.headers)


async def http_exception(request: Request, exc: Exception) -> Response:
    """The router's own 404 (no such endpoint) and 405 (wrong method), as JSON errors."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        error = ApiError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed here; this endpoint takes {allowed}",
            headers=dict(exc.headers or {}),
        )
    elif exc.status_code == 404:
        path = request.url.path
        hint = " (paths here never end with a slash)" if path.endswith("/") else ""
        error = ApiError(404, "no_such_endpoint", f"there is no endpoint at {path}{hint}")
    else:
        error = ApiError(exc.status_code, "http_error", str(exc.detail), headers=exc.headers)
    return error_response(error)


_BEARER = {"WWW-Authenticate": "Bearer"}


def _code(exc: BaseException) -> str:
    """``TeamNotFound`` → ``team_not_found``."""
    name = type(exc).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")

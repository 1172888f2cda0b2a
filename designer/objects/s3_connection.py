"""Reaching an S3-compatible service: checking the settings, building the client, and saying
in a person's words why a request failed (server down, keys refused, not S3 at all).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from minio import Minio
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.helpers import check_bucket_name
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from designer.objects.base import ObjectNotFound, ObjectStoreError, StorageUnavailable
from designer.settings import StorageSettings

#: Seconds to wait for a connection: a server that is down fails fast.
CONNECT_TIMEOUT_S = 5.0
#: Seconds to wait for the server's answer once a request is sent (completing a large
#: multipart upload can take the server a while).
READ_TIMEOUT_S = 60.0

#: S3 error codes meaning the server does not accept our credentials.
_REFUSED_CODES = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken"}
)


@dataclass(frozen=True)
class Connection:
    client: Minio
    #: ``host:port``.
    endpoint: str
    secure: bool


def connect(settings: StorageSettings) -> Connection:
    """A client for the configured service; ValueError saying which setting is wrong."""
    netloc, secure = _endpoint(settings)
    try:
        check_bucket_name(settings.bucket, strict=True)  # as for making a bucket
    except ValueError:
        raise ValueError(
            f"DESIGNER_S3_BUCKET {settings.bucket!r} is not a bucket name: bucket names are "
            "3 to 63 lowercase letters, digits, '.' and '-', starting and ending with a "
            "letter or digit"
        ) from None
    if bool(settings.access_key) != bool(settings.secret_key):
        have, missing = (
            ("DESIGNER_S3_ACCESS_KEY", "DESIGNER_S3_SECRET_KEY")
            if settings.access_key
            else ("DESIGNER_S3_SECRET_KEY", "DESIGNER_S3_ACCESS_KEY")
        )
        raise ValueError(f"{have} is set but {missing} is not: set both, or neither")
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S),
        retries=urllib3.Retry(
            total=2,
            connect=1,
            read=1,
            status=2,
            backoff_factor=0.2,
            status_forcelist=(500, 502, 503, 504),
            # Let the last answer through, so its S3 error code reaches the message.
            raise_on_status=False,
        ),
        maxsize=10,
        cert_reqs="CERT_REQUIRED" if settings.verify_tls else "CERT_NONE",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
    )
    client = Minio(
        netloc,
        access_key=settings.access_key or None,
        secret_key=settings.secret_key or None,
        secure=secure,
        region=settings.region or None,
        http_client=http,
        cert_check=settings.verify_tls,
    )
    return Connection(client, netloc, secure)


def storage_error(
    exc: Exception, endpoint: str, bucket: str, key: str | None, *, anonymous: bool
) -> ObjectStoreError | None:
    """Our exception for one the SDK or urllib3 raised; None for any other exception."""
    where = f"S3 storage at {endpoint}"
    if isinstance(exc, S3Error):
        if exc.code == "NoSuchKey" and key is not None:
            return ObjectNotFound(key)
        if exc.code in _REFUSED_CODES:
            if anonymous:
                return StorageUnavailable(
                    f"{where} refused anonymous access to bucket {bucket} ({exc.code}): "
                    "set DESIGNER_S3_ACCESS_KEY and DESIGNER_S3_SECRET_KEY"
                )
            return StorageUnavailable(
                f"{where} refused our keys for bucket {bucket} ({exc.code}): check "
                "DESIGNER_S3_ACCESS_KEY and DESIGNER_S3_SECRET_KEY, and that this user may "
                "use the bucket"
            )
        status = getattr(exc.response, "status", None) or 0
        kind = StorageUnavailable if status >= 500 else ObjectStoreError
        return kind(f"{where} failed on bucket {bucket} with {exc.code}: {exc.message}")
    if isinstance(exc, ServerError):
        return StorageUnavailable(
            f"{where} failed with HTTP status {exc.status_code}: try again shortly"
        )
    if isinstance(exc, InvalidResponseError):
        return StorageUnavailable(
            f"the server at {endpoint} does not answer like S3 storage: is "
            f"DESIGNER_S3_ENDPOINT right? ({_first_line(str(exc))})"
        )
    if isinstance(exc, HTTPError):
        return StorageUnavailable(f"cannot reach {where}: {_reason(exc)}")
    return None


def _endpoint(settings: StorageSettings) -> tuple[str, bool]:
    """``host:port`` and whether to use TLS, from ``host:port`` or an http(s) URL."""
    raw = settings.endpoint.strip()
    if "://" not in raw:
        if not raw or "/" in raw or "?" in raw or "#" in raw:
            raise ValueError(
                f"DESIGNER_S3_ENDPOINT must be host:port or an http(s):// URL; found {raw!r}"
            )
        return raw, settings.secure
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https"):
        raise ValueError(
            f"DESIGNER_S3_ENDPOINT must be host:port or an http:// or https:// URL; found {raw!r}"
        )
    if not parts.netloc or parts.username or parts.password:
        raise ValueError(
            f"DESIGNER_S3_ENDPOINT must name a host (and no user or password); found {raw!r}"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            f"DESIGNER_S3_ENDPOINT cannot have a path ({parts.path!r} in {raw!r}): S3 storage is "
            "reached at the root of its server; give the bucket in DESIGNER_S3_BUCKET"
        )
    return parts.netloc, parts.scheme == "https"


def _reason(exc: HTTPError) -> str:
    """Why a request did not get through, in a few words."""
    if isinstance(exc, MaxRetryError) and exc.reason is not None:
        exc = exc.reason  # type: ignore[assignment]
    # NewConnectionError is a ConnectTimeoutError to urllib3: look for it (and for its own
    # kind, NameResolutionError) first.
    if isinstance(exc, NameResolutionError):
        return "the host name is unknown"
    if isinstance(exc, NewConnectionError):
        cause = _os_error(exc)
        return (cause.strerror or str(cause)).lower() if cause else _first_line(str(exc))
    if isinstance(exc, ConnectTimeoutError):
        return f"no answer within {CONNECT_TIMEOUT_S:g} seconds (is the server up and reachable?)"
    if isinstance(exc, ReadTimeoutError):
        return f"the server stopped answering for {READ_TIMEOUT_S:g} seconds"
    if isinstance(exc, SSLError):
        return (
            f"TLS failed ({_first_line(str(exc))}): check DESIGNER_S3_SECURE, or "
            "DESIGNER_S3_VERIFY_TLS for a self-signed certificate"
        )
    if isinstance(exc, ProtocolError):
        return f"the connection broke ({_first_line(str(exc))})"
    return _first_line(str(exc))


def _os_error(exc: BaseException) -> OSError | None:
    """The socket error behind a failed connection, if urllib3 kept it."""
    seen = exc.__cause__ or exc.__context__
    for _ in range(10):
        if seen is None or (isinstance(seen, OSError) and seen.strerror):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "no details"
    return line if len(line) <= 300 else line[:297] + "..."

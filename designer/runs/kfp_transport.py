"""HTTP details of talking to Kubeflow Pipelines: timeouts kfp.Client lacks, readable errors."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import socket
import warnings
from collections.abc import Iterator
from typing import Any

import kfp_server_api
import urllib3
from kfp.client import Client
from kfp_server_api.rest import RESTClientObject

log = logging.getLogger(__name__)


class TimedRESTClient(RESTClientObject):
    """kfp_server_api's REST client with a default (connect, read) timeout on every request.

    kfp.Client never passes ``_request_timeout``, and urllib3 then waits forever on a host that
    accepts the connection but does not answer.
    """

    def __init__(self, configuration: kfp_server_api.Configuration, timeout: tuple[float, float]):
        super().__init__(configuration)
        self._timeout = timeout

    def request(self, *args: Any, _request_timeout: Any = None, **kwargs: Any) -> Any:
        return super().request(*args, _request_timeout=_request_timeout or self._timeout, **kwargs)


def bound_requests(client: Client, timeout: tuple[float, float]) -> None:
    """Give every generated API object of the client a timed REST client.

    The API objects are reachable only as private attributes of kfp.Client (all share one
    ApiClient); the pool's retries are also cut so a dead host is not retried three times.
    """
    api_clients = {
        id(api.api_client): api.api_client
        for api in vars(client).values()
        if isinstance(getattr(api, "api_client", None), kfp_server_api.ApiClient)
    }
    if not api_clients:
        raise RuntimeError("kfp.Client layout changed: no kfp_server_api.ApiClient found")
    for api_client in api_clients.values():
        api_client.configuration.retries = urllib3.Retry(total=3, connect=0, read=0, redirect=3)
        api_client.rest_client = TimedRESTClient(api_client.configuration, timeout)


@contextlib.contextmanager
def quiet_kfp() -> Iterator[None]:
    """Keep kfp.Client's prints and FutureWarning out of the CLI's (possibly JSON) output."""
    captured = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(captured):
        warnings.simplefilter("ignore", FutureWarning)
        try:
            yield
        finally:
            if text := captured.getvalue().strip():
                log.debug("kfp: %s", text)


def server_message(body: bytes | str | None, fallback: str | None) -> str:
    """The human part of an error body: grpc-gateway's ``message``, else the text itself."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else (body or "")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "error_message", "error"):
            if isinstance(data.get(key), str) and data[key].strip():
                return one_line(data[key])
    return one_line(text)[:300] or (fallback or "")


def describe_failure(reason: object, connect_timeout: float, read_timeout: float) -> str:
    """A short reason for a failed connection, without urllib3's object reprs.

    The order matters: urllib3 files refused connections and DNS failures under its
    ConnectTimeoutError.
    """
    if isinstance(reason, urllib3.exceptions.MaxRetryError) and reason.reason is not None:
        return describe_failure(reason.reason, connect_timeout, read_timeout)
    if isinstance(reason, socket.gaierror | urllib3.exceptions.NameResolutionError):
        return f"host name not found ({_strip_repr(reason)})"
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return _strip_repr(reason)
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
        return f"no connection within {connect_timeout:g} s"
    if isinstance(reason, TimeoutError | urllib3.exceptions.TimeoutError):
        return f"no answer within {read_timeout:g} s"
    return _strip_repr(reason) or type(reason).__name__


#: What urllib3 puts before the OS's own words: the connection's repr and a fixed phrase.
_URLLIB3_NOISE = re.compile(
    r"<[^<>]* object at 0x[0-9a-f]+>:?\s*"
    r"|\b\w+Connection\(host=[^)]*\):\s*"
    r"|Failed to establish a new connection:\s*"
)


def _strip_repr(reason: object) -> str:
    return _URLLIB3_NOISE.sub("", one_line(str(reason)))


def one_line(text: str) -> str:
    return " ".join(text.split())

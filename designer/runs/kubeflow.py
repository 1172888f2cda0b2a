"""Submit compiled flows to a Kubeflow Pipelines cluster and follow them in the shared RunRecord.

The local engine and this one fill the same record, so the CLI and canvas need not care where a
run went. Everything the user can fix (wrong host, cluster down, missing or refused token, a
server-side error) surfaces as a one-line ``KubeflowError`` instead of a kfp or urllib3 traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import certifi
import kfp
import kfp_server_api
import urllib3
import yaml
from google.protobuf import json_format
from kfp_server_api.rest import RESTClientObject

from designer.runs.record import NodeRun, RunRecord, Status
from designer.settings import KubeflowSettings

log = logging.getLogger(__name__)

ENGINE = "kubeflow"
HEALTHZ_PATH = "/apis/v2beta1/healthz"
#: A connect attempt longer than this means the host is not there, whatever ``timeout`` says.
MAX_CONNECT_TIMEOUT = 10.0
TOKEN_VIA = "the DESIGNER_KFP_TOKEN environment variable or --token"

#: KFP runtime states (V2beta1RuntimeState) as the designer shows them. CANCELING and PAUSED
#: are not over yet, so they count as running and ``wait`` keeps polling.
KFP_STATES: dict[str, Status] = {
    "RUNTIME_STATE_UNSPECIFIED": Status.PENDING,
    "PENDING": Status.PENDING,
    "RUNNING": Status.RUNNING,
    "PAUSED": Status.RUNNING,
    "CANCELING": Status.RUNNING,
    "SUCCEEDED": Status.SUCCEEDED,
    "SKIPPED": Status.SKIPPED,
    "FAILED": Status.FAILED,
    "CANCELED": Status.CANCELLED,
}

#: When several task details map to one node (loop iterations), the one that says most wins.
_STATUS_WEIGHT = {
    Status.FAILED: 5,
    Status.RUNNING: 4,
    Status.PENDING: 3,
    Status.CANCELLED: 2,
    Status.SUCCEEDED: 1,
    Status.SKIPPED: 0,
}
#: Entries KFP lists for its own root DAG and executor pods, never a flow's task.
_SYSTEM_TASKS = frozenset({"root", "root-driver", "executor"})


class KubeflowError(Exception):
    """A problem talking to Kubeflow Pipelines that the user can act on; the message says how."""


def kfp_status(state: str | None) -> Status:
    """The designer status for a KFP runtime state; unknown or missing states read as pending."""
    return KFP_STATES.get(state or "", Status.PENDING)


def normalize_host(host: str) -> str:
    """The host as kfp.Client will use it, so links and pre-checks hit the same place."""
    host = host.strip()
    if not host.startswith(("http://", "https://")):
        host = f"https://{host}"
    return host.rstrip("/")


class KubeflowEngine:
    """Runs compiled flows on Kubeflow Pipelines through ``kfp.Client``.

    The client is built on first use, after a quick health check, because ``kfp.Client()``
    itself calls the server (with retries and sleeps) and has no timeout of its own.
    """

    def __init__(self, settings: KubeflowSettings, *, timeout: float = 30) -> None:
        self.settings = settings
        self.host = normalize_host(settings.host)
        self.timeout = float(timeout)
        self.connect_timeout = min(self.timeout, MAX_CONNECT_TIMEOUT)
        self._client: kfp.Client | None = None

    # -- public API ------------------------------------------------------------------------

    def submit(
        self,
        package_path: Path,
        *,
        flow_name: str,
        arguments: Mapping[str, Any],
        task_to_node: Mapping[str, str],
    ) -> RunRecord:
        """Start a run of the compiled flow in the flow's own experiment (created on first use)."""
        if not package_path.is_file():
            raise KubeflowError(f"pipeline package not found: {package_path}")
        client = self.client()
        with self._errors(), _kfp_chatter():
            try:
                result = client.create_run_from_pipeline_package(
                    str(package_path),
                    arguments=dict(arguments),
                    run_name=run_name(flow_name),
                    experiment_name=flow_name,
                    namespace=self.settings.namespace or None,
                )
            except (ValueError, json_format.ParseError, yaml.YAMLError) as exc:
                raise KubeflowError(f"cannot submit {package_path.name}: {exc}") from exc
        return self._record(result.run_info, flow_name, task_to_node)

    def status(self, run_id: str, *, flow_name: str, task_to_node: Mapping[str, str]) -> RunRecord:
        """The run as Kubeflow sees it now, one NodeRun per node of the flow."""
        client = self.client()
        with self._errors():
            run = client.get_run(run_id)
        return self._record(run, flow_name, task_to_node)

    def wait(
        self,
        run_id: str,
        *,
        flow_name: str,
        task_to_node: Mapping[str, str],
        poll_interval: float = 5.0,
        timeout: float | None = None,
        on_update: Callable[[RunRecord], None] | None = None,
    ) -> RunRecord:
        """Poll until the run finishes or ``timeout`` seconds pass.

        On timeout the last record is returned unfinished (check ``record.status.finished``):
        the run keeps going on the cluster, so giving up waiting is not an error.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            record = self.status(run_id, flow_name=flow_name, task_to_node=task_to_node)
            if on_update is not None:
                on_update(record)
            remaining = None if deadline is None else deadline - time.monotonic()
            if record.status.finished or (remaining is not None and remaining <= 0):
                return record
            time.sleep(poll_interval if remaining is None else min(poll_interval, remaining))

    def run_url(self, run_id: str) -> str:
        return f"{self.host}/#/runs/details/{run_id}"

    def client(self) -> kfp.Client:
        """The kfp.Client, built once the server has answered its health check."""
        if self._client is None:
            self.check_health()
            with self._errors(), _kfp_chatter():
                client = kfp.Client(
                    host=self.host,
                    namespace=self.settings.namespace or "kubeflow",
                    existing_token=self.settings.token or None,
                )
            _bound_requests(client, (self.connect_timeout, self.timeout))
            self._client = client
        return self._client

    def check_health(self) -> None:
        """GET the healthz endpoint with a timeout; raise KubeflowError if the answer is not KFP's.

        urllib rather than kfp: kfp.Client retries healthz five times with 5 s sleeps and no
        timeout, so a dead or wrong host would hang for minutes before saying anything.
        """
        request = urllib.request.Request(self.host + HEALTHZ_PATH, headers=self._auth_header())
        opener = urllib.request.build_opener(
            # Same routing as kfp_server_api, which ignores *_proxy environment variables.
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=certifi.where())),
        )
        try:
            with opener.open(request, timeout=self.connect_timeout) as response:
                content_type = response.headers.get_content_type()
                final_url = response.geturl()
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc.code, _server_message(exc.read(), exc.reason)) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise self._unreachable(getattr(exc, "reason", exc), health_check=True) from exc
        if content_type != "application/json":
            raise KubeflowError(
                f"{final_url} answered with {content_type}, not the Kubeflow Pipelines API: "
                "check the host (it may need a path such as /pipeline) and the token "
                f"(set with {TOKEN_VIA})"
            )

    # -- errors ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn kfp_server_api and urllib3 failures into KubeflowError with a usable message."""
        try:
            yield
        except kfp_server_api.ApiException as exc:
            if not exc.status:  # raised for TLS failures, before any HTTP answer
                raise self._unreachable(exc.reason) from exc
            raise self._http_error(exc.status, _server_message(exc.body, exc.reason)) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._unreachable(exc) from exc

    def _unreachable(self, reason: object, *, health_check: bool = False) -> KubeflowError:
        # The health check runs with the connect timeout for both phases.
        read_timeout = self.connect_timeout if health_check else self.timeout
        why = _describe(reason, self.connect_timeout, read_timeout)
        return KubeflowError(f"cannot reach Kubeflow Pipelines at {self.host}: {why}")

    def _http_error(self, status: int, message: str) -> KubeflowError:
        detail = f"HTTP {status}: {message}" if message else f"HTTP {status}"
        if status in (401, 403):
            if self.settings.token:
                return KubeflowError(
                    f"Kubeflow Pipelines at {self.host} refused the token ({detail}); "
                    f"set a valid one with {TOKEN_VIA}"
                )
            return KubeflowError(
                f"Kubeflow Pipelines at {self.host} refused the request: it needs a token "
                f"({detail}); set it with {TOKEN_VIA}"
            )
        return KubeflowError(f"Kubeflow Pipelines at {self.host} answered {detail}")

    def _auth_header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.token}"} if self.settings.token else {}

    def _record(
        self, run: kfp_server_api.V2beta1Run, flow_name: str, task_to_node: Mapping[str, str]
    ) -> RunRecord:
        return record_from_kfp_run(
            run, flow_name=flow_name, task_to_node=task_to_node, url=self.run_url(run.run_id)
        )


# -- building the record -------------------------------------------------------------------


def run_name(flow_name: str, now: datetime | None = None) -> str:
    """Flow name plus a UTC timestamp, so runs of one flow sort and read well in the KFP UI."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{flow_name} {moment:%Y-%m-%d %H:%M:%S} UTC"


def record_from_kfp_run(
    run: kfp_server_api.V2beta1Run,
    *,
    flow_name: str,
    task_to_node: Mapping[str, str],
    url: str = "",
) -> RunRecord:
    """The designer's record of a KFP run; nodes without a task detail yet stay pending."""
    status = kfp_status(run.state)
    details = list(run.run_details.task_details or []) if run.run_details else []
    nodes = {node_id: NodeRun(task=task) for task, node_id in task_to_node.items()}
    for task, node_id in task_to_node.items():
        mine = [d for d in details if d.display_name == task and not _is_system(d, task_to_node)]
        if mine:
            nodes[node_id] = _node_from_details(task, mine, details)
        elif status.finished:
            nodes[node_id].status = Status.SKIPPED
    runtime = run.runtime_config
    return RunRecord(
        run_id=run.run_id or "",
        flow_name=flow_name,
        engine=ENGINE,
        status=status,
        nodes=nodes,
        started_at=_epoch(run.created_at),
        finished_at=_epoch(run.finished_at) if status.finished else None,
        artifacts_root=(runtime.pipeline_root or "") if runtime else "",
        error=_rpc_message(run.error),
        url=url,
    )


def _is_system(detail: kfp_server_api.V2beta1PipelineTaskDetail, tasks: Iterable[str]) -> bool:
    """Whether a detail is KFP's own bookkeeping (root DAG, drivers, executor pods)."""
    name = detail.display_name or ""
    if name in _SYSTEM_TASKS:
        return True
    return name.endswith("-driver") and name.removesuffix("-driver") in set(tasks)


def _node_from_details(
    task: str,
    mine: list[kfp_server_api.V2beta1PipelineTaskDetail],
    everything: list[kfp_server_api.V2beta1PipelineTaskDetail],
) -> NodeRun:
    """Fold one task's details (several for loop iterations) into a NodeRun."""
    worst = max(mine, key=lambda d: _STATUS_WEIGHT[kfp_status(d.state)])
    status = kfp_status(worst.state)
    starts = [t for d in mine if (t := _epoch(d.start_time)) is not None]
    ends = [t for d in mine if (t := _epoch(d.end_time)) is not None]
    return NodeRun(
        status=status,
        task=task,
        started_at=min(starts, default=None),
        finished_at=max(ends, default=None) if status.finished else None,
        error=_task_error(mine, everything) if status is Status.FAILED else "",
    )


def _task_error(
    mine: list[kfp_server_api.V2beta1PipelineTaskDetail],
    everything: list[kfp_server_api.V2beta1PipelineTaskDetail],
) -> str:
    """The task's own error, else one reported on its executor pod (listed as a child)."""
    for detail in mine:
        if message := _rpc_message(detail.error):
            return message
    ids = {d.task_id for d in mine if d.task_id}
    for detail in everything:
        if detail.parent_task_id in ids and (message := _rpc_message(detail.error)):
            return message
    return ""


def _rpc_message(status: kfp_server_api.GoogleRpcStatus | None) -> str:
    return _one_line(status.message or "") if status is not None else ""


def _epoch(moment: datetime | None) -> float | None:
    """Seconds since the epoch; the API writes 1970-01-01 for times that have not happened."""
    if moment is None:
        return None
    stamp = moment.timestamp()
    return stamp if stamp > 0 else None


# -- transport details ---------------------------------------------------------------------


class _TimedRESTClient(RESTClientObject):
    """kfp_server_api's REST client with a default (connect, read) timeout on every request.

    kfp.Client never passes ``_request_timeout``, and urllib3 then waits forever on a host that
    accepts the connection but does not answer.
    """

    def __init__(self, configuration: kfp_server_api.Configuration, timeout: tuple[float, float]):
        super().__init__(configuration)
        self._timeout = timeout

    def request(self, *args: Any, _request_timeout: Any = None, **kwargs: Any) -> Any:
        return super().request(*args, _request_timeout=_request_timeout or self._timeout, **kwargs)


def _bound_requests(client: kfp.Client, timeout: tuple[float, float]) -> None:
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
        api_client.rest_client = _TimedRESTClient(api_client.configuration, timeout)


@contextlib.contextmanager
def _kfp_chatter() -> Iterator[None]:
    """Keep kfp.Client's prints and FutureWarning out of the CLI's (possibly JSON) output."""
    captured = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(captured):
        warnings.simplefilter("ignore", FutureWarning)
        try:
            yield
        finally:
            if text := captured.getvalue().strip():
                log.debug("kfp: %s", text)


def _server_message(body: bytes | str | None, fallback: str | None) -> str:
    """The human part of an error body: grpc-gateway's ``message``, else the text itself."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else (body or "")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "error_message", "error"):
            if isinstance(data.get(key), str) and data[key].strip():
                return _one_line(data[key])
    return _one_line(text)[:300] or (fallback or "")


def _describe(reason: object, connect_timeout: float, read_timeout: float) -> str:
    """A short reason for a failed connection, without urllib3's object reprs.

    The order matters: urllib3 files refused connections and DNS failures under its
    ConnectTimeoutError.
    """
    if isinstance(reason, urllib3.exceptions.MaxRetryError) and reason.reason is not None:
        return _describe(reason.reason, connect_timeout, read_timeout)
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
    return _URLLIB3_NOISE.sub("", _one_line(str(reason)))


def _one_line(text: str) -> str:
    return " ".join(text.split())

"""Submit compiled flows to a Kubeflow Pipelines cluster and follow them in the shared RunRecord.

The local engine and this one fill the same record, so the CLI and canvas need not care where a
run went. Everything the user can fix (wrong host, cluster down, missing or refused token, a
server-side error) surfaces as a one-line ``KubeflowError`` instead of a kfp or urllib3 traceback.
"""

from __future__ import annotations

import contextlib
import ssl
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import certifi
import kfp_server_api
import urllib3
import yaml
from google.protobuf import json_format
from kfp.client import Client

from designer.flow.compile import CompiledFlow
from designer.runs.kfp_record import record_from_kfp_run, run_name
from designer.runs.kfp_transport import (
    bound_requests,
    describe_failure,
    quiet_kfp,
    server_message,
)
from designer.runs.record import RunRecord
from designer.settings import KubeflowSettings

HEALTHZ_PATH = "/apis/v2beta1/healthz"
#: A connect attempt longer than this means the host is not there, whatever ``timeout`` says.
MAX_CONNECT_TIMEOUT = 10.0
TOKEN_VIA = "the DESIGNER_KFP_TOKEN environment variable or --token"


class KubeflowError(Exception):
    """A problem talking to Kubeflow Pipelines that the user can act on; the message says how."""


class RunLost(KubeflowError, LookupError):
    """Kubeflow Pipelines answers, but no longer knows the run (deleted, or its database lost)."""


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
        self._client: Client | None = None

    # -- public API ------------------------------------------------------------------------

    def submit(
        self,
        package_path: Path,
        *,
        flow_name: str,
        arguments: Mapping[str, Any],
        task_to_node: Mapping[str, str],
        pipeline_root: str = "",
        enable_caching: bool = True,
    ) -> RunRecord:
        """Start a run of the compiled flow in the flow's own experiment (created on first use);
        ``enable_caching=False`` lets no task reuse an earlier result, whatever the flow says."""
        if not package_path.is_file():
            raise KubeflowError(f"pipeline package not found: {package_path}")
        client = self.client()
        with self._errors(), quiet_kfp():
            try:
                result = client.create_run_from_pipeline_package(
                    str(package_path),
                    arguments=dict(arguments),
                    run_name=run_name(flow_name),
                    experiment_name=flow_name,
                    namespace=self.settings.namespace or None,
                    pipeline_root=pipeline_root or None,
                    # None keeps each task's own caching option, as compiled.
                    enable_caching=None if enable_caching else False,
                )
            except (ValueError, json_format.ParseError, yaml.YAMLError) as exc:
                raise KubeflowError(f"cannot submit {package_path.name}: {exc}") from exc
        return self._record(result.run_info, flow_name, task_to_node)

    def submit_compiled(
        self,
        compiled: CompiledFlow,
        *,
        flow_name: str,
        arguments: Mapping[str, Any],
        enable_caching: bool = True,
    ) -> RunRecord:
        """``submit`` a compiled flow: the client takes a package file, so write one to a
        temporary folder first."""
        with tempfile.TemporaryDirectory() as folder:
            package = Path(folder) / f"{compiled.pipeline_name}.yaml"
            compiled.write(package)
            return self.submit(
                package,
                flow_name=flow_name,
                arguments=arguments,
                task_to_node=compiled.task_to_node,
                pipeline_root=compiled.pipeline_root,
                enable_caching=enable_caching,
            )

    def status(self, run_id: str, *, flow_name: str, task_to_node: Mapping[str, str]) -> RunRecord:
        """The run as Kubeflow sees it now, one NodeRun per node of the flow."""
        client = self.client()
        try:
            with self._errors():
                run = client.get_run(run_id)
        except KubeflowError as exc:
            if " answered HTTP 404" in str(exc):
                raise RunLost(
                    f"Kubeflow Pipelines at {self.host} no longer knows run {run_id}: it was "
                    "deleted there, or the cluster lost it"
                ) from exc
            raise
        return self._record(run, flow_name, task_to_node)

    def terminate(self, run_id: str) -> None:
        """Ask Kubeflow to stop the run (it turns "canceled" once its pods have stopped)."""
        client = self.client()
        with self._errors(), quiet_kfp():
            client.terminate_run(run_id)

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

    def client(self) -> Client:
        """The kfp.Client, built once the server has answered its health check."""
        if self._client is None:
            self.check_health()
            with self._errors(), quiet_kfp():
                client = Client(
                    host=self.host,
                    namespace=self.settings.namespace or "kubeflow",
                    existing_token=self.settings.token or None,
                )
            bound_requests(client, (self.connect_timeout, self.timeout))
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
            raise self._http_error(exc.code, server_message(exc.read(), exc.reason)) from exc
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
            raise self._http_error(exc.status, server_message(exc.body, exc.reason)) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._unreachable(exc) from exc

    def _unreachable(self, reason: object, *, health_check: bool = False) -> KubeflowError:
        # The health check runs with the connect timeout for both phases.
        read_timeout = self.connect_timeout if health_check else self.timeout
        why = describe_failure(reason, self.connect_timeout, read_timeout)
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

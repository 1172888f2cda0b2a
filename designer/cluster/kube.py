"""The Kubernetes API through the ``kubernetes`` client, with every failure said in one line.

``KubernetesSettings`` names how to reach the API: the pod's own service account
(``in_cluster``), a host and a bearer token (with a CA file for a private certificate
authority), or a kubeconfig file. Every call has a timeout and at most one retry, so an API
server that is down fails a page in seconds, and every failure becomes a ``ClusterError`` that
says what to set or grant: nothing configured, an address that cannot be reached, credentials
refused (401), a permission missing (403, naming the verb and resource), a thing that does not
exist (404, ``ClusterNotFound``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from designer.settings import KubernetesSettings, Settings

#: Seconds to connect and to wait for an answer, on every request.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
REQUEST_TIMEOUT = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
#: Most characters of the API server's own message quoted in ours.
MAX_QUOTED = 300
NOT_CONFIGURED = (
    "the designer has no Kubernetes API to talk to: set DESIGNER_K8S_HOST and "
    "DESIGNER_K8S_TOKEN, or DESIGNER_K8S_IN_CLUSTER=true"
)

T = TypeVar("T")


class ClusterError(Exception):
    """The cluster could not do what was asked; the message (one line) says what to do."""


class ClusterNotFound(ClusterError, LookupError):
    """The API server answered 404: the thing asked for does not exist."""


def api_client(settings: Settings) -> Any:
    """A ``kubernetes.client.ApiClient`` for ``settings.kubernetes`` (close it when done).

    Raises ``ClusterError`` when nothing is configured or the configuration cannot be read.
    """
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    kube = settings.kubernetes
    if kube is None:
        raise ClusterError(NOT_CONFIGURED)
    configuration = client.Configuration()
    if kube.in_cluster:
        try:
            config.load_incluster_config(client_configuration=configuration)
        except ConfigException as exc:
            raise ClusterError(
                "DESIGNER_K8S_IN_CLUSTER is set but the designer is not running in a Kubernetes "
                f"pod with a service account ({_first_line(str(exc))}); unset it and set "
                "DESIGNER_K8S_HOST and DESIGNER_K8S_TOKEN instead"
            ) from None
    elif kube.host:
        _with_host(configuration, kube)
    elif kube.kubeconfig:
        try:
            api = config.new_client_from_config(
                config_file=str(Path(kube.kubeconfig).expanduser()),
                persist_config=False,  # never write refreshed tokens into someone's file
            )
        except (ConfigException, OSError, ValueError) as exc:
            raise ClusterError(
                f"cannot use the kubeconfig file DESIGNER_KUBECONFIG={kube.kubeconfig!r} "
                f"({_first_line(str(exc))}); point it at a readable kubeconfig"
            ) from None
        api.configuration.retries = 1
        return api
    else:
        raise ClusterError(NOT_CONFIGURED)
    configuration.retries = 1
    return client.ApiClient(configuration)


def _with_host(configuration: Any, kube: KubernetesSettings) -> None:
    configuration.host = kube.host
    if kube.token:
        configuration.api_key = {"authorization": kube.token}
        configuration.api_key_prefix = {"authorization": "Bearer"}
    configuration.verify_ssl = kube.verify_tls
    if kube.ca_file:
        if not Path(kube.ca_file).expanduser().is_file():
            raise ClusterError(
                f"DESIGNER_K8S_CA_FILE={kube.ca_file!r} is not a readable file; point it at "
                "the cluster's CA certificate (PEM)"
            )
        configuration.ssl_ca_cert = str(Path(kube.ca_file).expanduser())


@contextmanager
def kube_api(settings: Settings) -> Iterator[Any]:
    """An ``ApiClient`` for the length of a ``with`` block."""
    api = api_client(settings)
    try:
        yield api
    finally:
        api.close()


def kube_call(
    settings: Settings,
    call: Callable[[Any], T],
    *,
    verb: str,
    resource: str,
    namespace: str,
    name: str = "",
) -> T:
    """``call(api_client)``, its failures as ``ClusterError`` naming ``verb`` on ``resource``.

    ``verb`` and ``resource`` are the RBAC words (``get``, ``pods/log``) a 403 message tells
    the administrator to grant.
    """
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    with kube_api(settings) as api:
        host = str(api.configuration.host)
        try:
            return call(api)
        except ApiException as exc:
            raise api_error(exc, host, verb, resource, namespace, name) from None
        except (HTTPError, OSError) as exc:
            raise ClusterError(
                f"the Kubernetes API at {host} cannot be reached ({_reason(exc)}); check "
                "DESIGNER_K8S_HOST and that the cluster is up"
            ) from None


def api_error(
    exc: Any, host: str, verb: str, resource: str, namespace: str, name: str = ""
) -> ClusterError:
    """Our error for an ``ApiException``: what went wrong and what to change, in one line."""
    status = int(getattr(exc, "status", 0) or 0)
    message = status_message(getattr(exc, "body", None)) or str(getattr(exc, "reason", ""))
    what = f"{resource} {name!r}" if name else resource
    if status == 0:
        return ClusterError(
            f"the Kubernetes API at {host} cannot be reached ({_first_line(message)}); check "
            "DESIGNER_K8S_HOST and that the cluster is up"
        )
    if status == 401:
        return ClusterError(
            f"the Kubernetes API at {host} refused the designer's credentials (401 "
            "Unauthorized); set DESIGNER_K8S_TOKEN to a valid service account token, or fix "
            "the kubeconfig"
        )
    if status == 403 and "denied the request" in message:  # an admission webhook said no
        return ClusterError(f"the cluster refused to {verb} {what}: {_quoted(message)}")
    if status == 403:
        return ClusterError(
            f"the designer's Kubernetes account may not {verb} {resource} in namespace "
            f"{namespace!r} (403 Forbidden); give it a Role there that allows {verb!r} on "
            f"{resource!r}"
        )
    if status == 404:
        return ClusterNotFound(f"{what} does not exist in namespace {namespace!r}")
    return ClusterError(
        f"the Kubernetes API refused to {verb} {what} in namespace {namespace!r} ({status}): "
        f"{_quoted(message)}"
    )


def status_message(body: Any) -> str:
    """The ``message`` of a Kubernetes ``Status`` body, or "" when the body is not one."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        found = json.loads(body) if isinstance(body, str) else body
    except ValueError:
        return _first_line(body) if isinstance(body, str) else ""
    if isinstance(found, dict) and isinstance(found.get("message"), str):
        return str(found["message"])
    return ""


def pod_log(
    settings: Settings,
    namespace: str,
    pod: str,
    *,
    container: str = "main",
    tail_lines: int | None = None,
) -> str:
    """The log of ``container`` in ``pod`` as it is now (never followed), decoded as UTF-8.

    Raises ``ClusterNotFound`` for a pod that does not exist (Kubeflow removes finished pods
    after a while) and ``ClusterError`` otherwise.
    """
    from kubernetes import client

    def read(api: Any) -> str:
        # Raw bytes: the client would otherwise parse a log that happens to be JSON.
        response = client.CoreV1Api(api).read_namespaced_pod_log(
            pod,
            namespace,
            container=container,
            tail_lines=tail_lines,
            follow=False,
            _preload_content=False,
            _request_timeout=REQUEST_TIMEOUT,
        )
        return bytes(response.data).decode("utf-8", "replace")

    try:
        return kube_call(
            settings, read, verb="get", resource="pods/log", namespace=namespace, name=pod
        )
    except ClusterNotFound:
        raise ClusterNotFound(
            f"the pod {pod!r} does not exist in namespace {namespace!r}: the cluster has "
            "removed it, so its log is gone"
        ) from None


def secret_keys(settings: Settings, namespace: str, name: str) -> set[str]:
    """The keys the Secret ``name`` holds (never their values)."""
    from kubernetes import client

    def read(api: Any) -> set[str]:
        secret = client.CoreV1Api(api).read_namespaced_secret(
            name, namespace, _request_timeout=REQUEST_TIMEOUT
        )
        return set(secret.data or {}) | set(secret.string_data or {})

    try:
        return kube_call(
            settings, read, verb="get", resource="secrets", namespace=namespace, name=name
        )
    except ClusterNotFound:
        raise ClusterNotFound(
            f"the Secret {name!r} does not exist in namespace {namespace!r}; create it with "
            f"kubectl create secret generic {name} --from-literal=access_key=... "
            "--from-literal=secret_key=..."
        ) from None


def _reason(exc: BaseException) -> str:
    """The innermost cause of a connection failure, in a few words."""
    inner = getattr(exc, "reason", None) or exc
    text = str(inner)
    if "Connection refused" in text:
        return "connection refused"
    if "timed out" in text.lower():
        return "timed out"
    return _first_line(f"{type(inner).__name__}: {text}")


def _quoted(message: str) -> str:
    line = _first_line(message)
    return line if len(line) <= MAX_QUOTED else line[: MAX_QUOTED - 3] + "..."


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""

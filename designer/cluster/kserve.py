"""KServe InferenceServices for models deployed from cluster runs, and predictions from them.

What the real runtime reads, checked in kserve/kserve (``python/sklearnserver``): the
scikit-learn server downloads the ``storageUri`` folder and loads the one file in it ending in
``.joblib``, ``.pkl`` or ``.pickle`` (more than one is an error), with ``joblib.load``. It calls
that object's ``predict`` (``predict_proba`` when the container's ``PREDICT_PROBA`` is
``true``) on what ``kserve.utils.get_predict_input`` makes of the request:

- v1 (``POST /v1/models/<name>:predict``): ``{"instances": [...]}``; instances that are
  objects become a pandas DataFrame (``pd.DataFrame(instance)`` each, concatenated), so one
  instance ``{column: [value, ...]}`` is a table of named columns.
- v2 (``POST /v2/models/<name>/infer``): with the request parameter ``content_type: "pd"``,
  every input becomes one column named after it (``InferRequest.as_dataframe``).

The designer's models take named columns (a Prepare columns preprocessor, or the train block's
feature columns), so the folder holds one scikit-learn ``Pipeline`` (preprocessor, column
order, model) as ``model.joblib`` (``designer.models.serving_layout``), and requests carry
named columns: one instance of column lists (v1), or one input per column with
``content_type: "pd"`` (v2). Classifiers are served with ``PREDICT_PROBA=true`` so the answer
carries the class probabilities; the designer, which knows the classes, names the likeliest.
The model's name on the server is the InferenceService's (``--model_name={{.Name}}`` in the
runtime), so requests go to ``/v1/models/<isvc>:predict`` or ``/v2/models/<isvc>/infer``.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from designer.cluster.kube import REQUEST_TIMEOUT, ClusterError, ClusterNotFound, kube_call
from designer.settings import Settings

GROUP = "serving.kserve.io"
VERSION = "v1beta1"
PLURAL = "inferenceservices"
RESOURCE = f"{PLURAL}.{GROUP}"
API_VERSION = f"{GROUP}/{VERSION}"
#: Who made an InferenceService, and which of the designer's models (and version) it serves:
#: the designer never changes one it did not make for that model.
MANAGED_BY = {"app.kubernetes.io/managed-by": "designer"}
MODEL_ANNOTATION = "designer/model"
VERSION_ANNOTATION = "designer/model-version"
#: The sklearn server answers ``predict_proba`` instead of ``predict`` when this is "true".
PREDICT_PROBA = "PREDICT_PROBA"
PROTOCOLS = ("v1", "v2")
#: KServe's rule for an InferenceService's name (``IsvcNameFmt`` in its validating webhook).
NAME_RULE = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
#: Longest name used as it is: Knative adds "-predictor" and the namespace to it in host names,
#: which must stay within 63 characters.
MAX_NAME = 40
#: Seconds between two looks at a deployment being rolled out.
POLL_S = 1.0
#: Seconds a prediction may take, connecting included.
PREDICT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
#: KServe's reasons for a deployment that will not become ready by itself.
FAILED_TRANSITIONS = ("BlockedByFailedLoad", "InvalidSpec")
FAILED_REASONS = ("RevisionFailed", "RevisionMissing", "ModelLoadFailed", "InvalidSpec")


class ServingUnavailable(ClusterError):
    """The model's InferenceService cannot answer now (not ready, unreachable, gone)."""


class ModelRefused(ValueError):
    """The model server answered, refusing the rows (KServe's 400 or 500 ``{"error"}``)."""


@dataclass(frozen=True)
class ServingStatus:
    """What KServe says of an InferenceService."""

    name: str
    ready: bool
    #: Where people reach it (``status.url``), and where the cluster itself does
    #: (``status.address.url``); None until KServe has set them.
    url: str | None
    address: str | None
    #: Why it is not ready, quoting KServe; "" when ready.
    reason: str
    #: True when KServe gave up (a model that cannot load, a bad spec): waiting will not help.
    failed: bool = False
    #: The designer's model and version it serves (its annotations); None if not the designer's.
    model: str | None = None
    version: int | None = None

    def endpoint(self, in_cluster: bool) -> str | None:
        """Where the designer sends predictions: the cluster-local address from inside the
        cluster (no ingress, no sign-in in front), else the public URL."""
        return (self.address or self.url) if in_cluster else (self.url or self.address)


def isvc_name(model: str) -> str:
    """The InferenceService name for a model name: the name itself when KServe and Knative
    take it, else a short name ending in a hash of it (a model name may start with a digit).

    >>> isvc_name("iris")
    'iris'
    >>> isvc_name("2024-churn")
    'm-2024-churn-7e7e24d3'
    """
    if NAME_RULE.fullmatch(model) and len(model) <= MAX_NAME:
        return model
    digest = hashlib.sha256(model.encode()).hexdigest()[:8]
    return f"m-{model[: MAX_NAME - 11].strip('-')}-{digest}"


def inference_service(
    name: str,
    *,
    model: str,
    version: int,
    storage_uri: str,
    service_account: str,
    protocol: str,
    probabilities: bool,
    runtime: str | None = None,
) -> dict[str, Any]:
    """The InferenceService serving version ``version`` of ``model`` from ``storage_uri``.

    ``predictor.model`` with the ``sklearn`` model format lets KServe pick its scikit-learn
    runtime (or the ServingRuntime ``runtime`` names); the service account carries the
    storage Secret KServe's storage initializer reads the model with.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}; found {protocol!r}")
    predictor_model: dict[str, Any] = {
        "modelFormat": {"name": "sklearn"},
        "protocolVersion": protocol,
        "storageUri": storage_uri,
        "env": [{"name": PREDICT_PROBA, "value": "true"}] if probabilities else [],
    }
    if runtime:
        predictor_model["runtime"] = runtime
    return {
        "apiVersion": API_VERSION,
        "kind": "InferenceService",
        "metadata": {
            "name": name,
            "labels": dict(MANAGED_BY),
            "annotations": {MODEL_ANNOTATION: model, VERSION_ANNOTATION: str(version)},
        },
        "spec": {
            "predictor": {
                "serviceAccountName": service_account,
                "model": predictor_model,
            }
        },
    }


def apply_inference_service(
    settings: Settings, namespace: str, body: dict[str, Any]
) -> ServingStatus:
    """Create the InferenceService ``body`` describes, or update the one the designer made
    for the same model (a JSON merge patch); refuses one that serves anything else."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    name = str(body["metadata"]["name"])
    model = str(body["metadata"]["annotations"][MODEL_ANNOTATION])

    def apply(api: Any) -> dict[str, Any]:
        custom = client.CustomObjectsApi(api)
        where = (GROUP, VERSION, namespace, PLURAL)
        try:
            existing = custom.get_namespaced_custom_object(
                *where, name, _request_timeout=REQUEST_TIMEOUT
            )
        except ApiException as exc:
            if exc.status != 404:
                raise
            return dict(
                custom.create_namespaced_custom_object(
                    *where, body, field_validation="Strict", _request_timeout=REQUEST_TIMEOUT
                )
            )
        serves = (existing.get("metadata", {}).get("annotations") or {}).get(MODEL_ANNOTATION)
        if serves != model:
            raise ClusterError(
                f"the cluster already has an InferenceService named {name!r} in namespace "
                f"{namespace!r} that the designer did not make for the model {model!r}; "
                "remove it, or deploy under another model name"
            )
        return dict(
            custom.patch_namespaced_custom_object(
                *where,
                name,
                _merge_patch(body),
                field_validation="Strict",
                _request_timeout=REQUEST_TIMEOUT,
            )
        )

    found = kube_call(
        settings, apply, verb="create", resource=RESOURCE, namespace=namespace, name=name
    )
    return status_of(found)


def _merge_patch(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` as a JSON merge patch: a runtime no longer asked for is removed (null)."""
    patch = {
        "metadata": body["metadata"],
        "spec": {"predictor": {**body["spec"]["predictor"]}},
    }
    model = dict(patch["spec"]["predictor"]["model"])
    model.setdefault("runtime", None)
    patch["spec"]["predictor"]["model"] = model
    return patch


def read_status(settings: Settings, namespace: str, name: str) -> ServingStatus:
    """What KServe says of the InferenceService ``name`` (``ClusterNotFound`` if it is gone)."""
    from kubernetes import client

    def read(api: Any) -> dict[str, Any]:
        return dict(
            client.CustomObjectsApi(api).get_namespaced_custom_object(
                GROUP, VERSION, namespace, PLURAL, name, _request_timeout=REQUEST_TIMEOUT
            )
        )

    found = kube_call(settings, read, verb="get", resource=RESOURCE, namespace=namespace, name=name)
    return status_of(found)


def list_statuses(settings: Settings, namespace: str) -> dict[str, ServingStatus]:
    """Every InferenceService the designer made in ``namespace``, by name: one request for a
    whole page of models."""
    from kubernetes import client

    selector = ",".join(f"{key}={value}" for key, value in MANAGED_BY.items())

    def read(api: Any) -> dict[str, Any]:
        return dict(
            client.CustomObjectsApi(api).list_namespaced_custom_object(
                GROUP,
                VERSION,
                namespace,
                PLURAL,
                label_selector=selector,
                _request_timeout=REQUEST_TIMEOUT,
            )
        )

    found = kube_call(settings, read, verb="list", resource=RESOURCE, namespace=namespace)
    statuses = [status_of(item) for item in found.get("items") or []]
    return {status.name: status for status in statuses}


def delete_inference_service(settings: Settings, namespace: str, name: str) -> bool:
    """Remove the InferenceService ``name``; False when there was none."""
    from kubernetes import client

    def delete(api: Any) -> None:
        client.CustomObjectsApi(api).delete_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, name, _request_timeout=REQUEST_TIMEOUT
        )

    try:
        kube_call(
            settings, delete, verb="delete", resource=RESOURCE, namespace=namespace, name=name
        )
    except ClusterNotFound:
        return False
    return True


def wait_until_ready(
    settings: Settings,
    namespace: str,
    name: str,
    timeout: float,
    *,
    poll_s: float = POLL_S,
) -> ServingStatus:
    """The status once KServe says the InferenceService is ready with its latest spec.

    Raises ``ServingUnavailable`` quoting KServe when it gives up, or when ``timeout`` seconds
    pass first, and ``ClusterError`` when the cluster cannot be asked.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = read_status(settings, namespace, name)
        except ClusterNotFound:
            raise ServingUnavailable(
                f"the InferenceService {name!r} no longer exists in namespace {namespace!r}; "
                "run the flow again to deploy the model"
            ) from None
        if status.ready:
            return status
        if status.failed:
            raise ServingUnavailable(
                f"KServe could not start the model {name!r}: {status.reason}; fix the model "
                "or the cluster, then run the flow again"
            )
        if time.monotonic() + poll_s > deadline:
            raise ServingUnavailable(
                f"the model {name!r} did not become ready within {timeout:g} s; KServe says: "
                f"{status.reason}"
            )
        time.sleep(poll_s)


def status_of(found: dict[str, Any]) -> ServingStatus:
    """A ``ServingStatus`` from an InferenceService object as the API server returns it.

    Ready means the ``Ready`` condition is True for the latest generation of the spec: right
    after an update, KServe still reports the previous rollout until it has seen the change.
    """
    metadata = found.get("metadata") or {}
    status = found.get("status") or {}
    annotations = metadata.get("annotations") or {}
    conditions = [c for c in status.get("conditions") or [] if isinstance(c, dict)]
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    generation, observed = metadata.get("generation"), status.get("observedGeneration")
    current = generation is None or (observed is not None and observed >= generation)
    is_ready = current and ready is not None and ready.get("status") == "True"
    transition = (status.get("modelStatus") or {}).get("transitionStatus")
    failed_conditions = [c for c in conditions if c.get("status") == "False"]
    failed = not is_ready and (
        transition in FAILED_TRANSITIONS
        or any(c.get("reason") in FAILED_REASONS for c in failed_conditions)
    )
    version = annotations.get(VERSION_ANNOTATION)
    return ServingStatus(
        name=str(metadata.get("name", "")),
        ready=is_ready,
        url=(status.get("url") or None),
        address=((status.get("address") or {}).get("url") or None),
        reason="" if is_ready else _why_not_ready(status, conditions, ready, current),
        failed=failed,
        model=annotations.get(MODEL_ANNOTATION),
        version=int(version) if isinstance(version, str) and version.isdigit() else None,
    )


def _why_not_ready(
    status: dict[str, Any],
    conditions: list[dict[str, Any]],
    ready: dict[str, Any] | None,
    current: bool,
) -> str:
    """KServe's own words for why a service is not ready: a failed condition's message (the
    predictor's first), the last model load failure, or that it is still being rolled out."""
    failing = sorted(
        (c for c in conditions if c.get("status") == "False" and c.get("message")),
        key=lambda c: (c.get("type") != "PredictorReady", c.get("type") == "Ready"),
    )
    if failing:
        return str(failing[0]["message"])
    failure = ((status.get("modelStatus") or {}).get("lastFailureInfo") or {}).get("message")
    if failure:
        return str(failure)
    if not current:
        return "KServe has not rolled out the latest version yet"
    if ready is not None and ready.get("message"):
        return str(ready["message"])
    if ready is not None and ready.get("reason"):
        return f"waiting for KServe ({ready['reason']})"
    return "waiting for KServe to start the model"


# -- predictions ----------------------------------------------------------------------------


def request_body(
    protocol: str, name: str, columns: Sequence[tuple[str, str, list[Any]]]
) -> tuple[str, dict[str, Any]]:
    """The path and JSON body asking model ``name`` about rows given as named columns:
    ``(column, "number" | "text", values)``, values None where missing."""
    if protocol == "v1":
        return f"/v1/models/{name}:predict", {
            "instances": [{column: _values(kind, values) for column, kind, values in columns}]
        }
    if protocol == "v2":
        inputs = [
            {
                "name": column,
                "shape": [len(values)],
                "datatype": "FP64" if kind == "number" else "BYTES",
                "data": _values(kind, values),
            }
            for column, kind, values in columns
        ]
        return f"/v2/models/{name}/infer", {
            "parameters": {"content_type": "pd"},
            "inputs": inputs,
        }
    raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}; found {protocol!r}")


def _values(kind: str, values: list[Any]) -> list[Any]:
    """JSON-safe values: a missing number is null (JSON has no NaN), text is text."""
    if kind == "number":
        return [None if _missing(v) else float(v) for v in values]
    return [None if _missing(v) else str(v) for v in values]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def decode_answer(protocol: str, payload: Any) -> list[Any]:
    """The model's answer, one entry per row (a list per row for probabilities)."""
    if protocol == "v1":
        predictions = payload.get("predictions") if isinstance(payload, dict) else None
        if not isinstance(predictions, list):
            raise ModelRefused("the model server's answer has no 'predictions' list")
        return predictions
    outputs = payload.get("outputs") if isinstance(payload, dict) else None
    if not isinstance(outputs, list) or not outputs or not isinstance(outputs[0], dict):
        raise ModelRefused("the model server's answer has no 'outputs'")
    first = outputs[0]
    data, shape = first.get("data"), first.get("shape")
    if not isinstance(data, list) or not isinstance(shape, list) or not shape:
        raise ModelRefused("the model server's answer has an output without data or shape")
    if len(shape) == 1:
        return data
    width = math.prod(int(n) for n in shape[1:])
    return [data[i : i + width] for i in range(0, len(data), width)]


def predict(
    endpoint: str,
    name: str,
    protocol: str,
    columns: Sequence[tuple[str, str, list[Any]]],
    *,
    client: httpx.Client | None = None,
) -> list[Any]:
    """Ask the model server at ``endpoint`` about the rows in ``columns``: one answer per row.

    Raises ``ModelRefused`` when the server refuses the rows, ``ServingUnavailable`` when it
    cannot be reached or does not serve ``name``.
    """
    path, body = request_body(protocol, name, columns)
    url = endpoint.rstrip("/") + path
    try:
        if client is None:
            response = httpx.post(url, json=body, timeout=PREDICT_TIMEOUT)
        else:
            response = client.post(url, json=body)
    except httpx.TimeoutException:
        raise ServingUnavailable(
            f"the model {name!r} at {endpoint} did not answer in time; try again in a moment"
        ) from None
    except httpx.HTTPError as exc:
        raise ServingUnavailable(
            f"the model {name!r} at {endpoint} cannot be reached ({type(exc).__name__}); check "
            "that the designer can reach the cluster's InferenceServices"
        ) from None
    error = _error_of(response)
    if response.status_code == 200:
        try:
            return decode_answer(protocol, response.json())
        except ValueError as exc:  # not JSON, or not KServe's shape
            raise ModelRefused(f"the model server's answer cannot be read ({exc})") from None
    if response.status_code in (400, 422, 500):
        raise ModelRefused(error)
    if response.status_code == 404:
        raise ServingUnavailable(f"KServe at {endpoint} does not serve {name!r}: {error}")
    raise ServingUnavailable(
        f"the model {name!r} at {endpoint} is not answering ({response.status_code}): {error}"
    )


def _error_of(response: httpx.Response) -> str:
    """KServe's ``{"error": ...}`` (FastAPI's ``{"detail": ...}``), else the body's start."""
    try:
        payload = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(payload, dict):
        for key in ("error", "detail"):
            if payload.get(key):
                return str(payload[key])[:1000]
    return str(payload)[:300]

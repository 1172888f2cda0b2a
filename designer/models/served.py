"""Models served by KServe on the cluster: where each answers, whether it is ready, and
predictions from it in the same shape as a local model's.

A version registered from a Kubeflow run carries ``serving`` facts in its ``model.json``
(``designer.models.cluster_publish``). Its rows are checked and converted here exactly as for a
local model (``model_inputs.rows_frame``), and values never seen in training are noted from the
registered preprocessor, so the answer is the same; only the model's call goes to KServe.
One InferenceService serves a model's latest version: an older version is refused, saying so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from blocks.runtime import model_registry as registry
from blocks.runtime.model_inputs import describe_features, rows_frame, unseen_values
from designer.cluster.kserve import (
    ModelRefused,
    ServingStatus,
    ServingUnavailable,
    list_statuses,
    predict,
    read_status,
    wait_until_ready,
)
from designer.cluster.kube import ClusterError, ClusterNotFound
from designer.settings import Settings

#: The facts of a served version people see (never the storage address).
SHOWN = ("engine", "namespace", "inference_service", "protocol")


def serving_of(info: Mapping[str, Any]) -> dict[str, Any] | None:
    """A registered version's serving facts; None for a model this process serves."""
    serving = info.get("serving")
    return dict(serving) if isinstance(serving, dict) else None


def status_facts(
    serving: Mapping[str, Any], status: ServingStatus | None, problem: str = ""
) -> dict[str, Any]:
    """What people are told of a served model: where it answers and whether it is ready."""
    facts = {key: serving.get(key) for key in SHOWN}
    if status is None:
        return facts | {
            "url": None,
            "ready": False,
            "reason": problem or "KServe has no InferenceService for it (it was removed)",
            "served_version": None,
        }
    return facts | {
        "url": status.url,
        "ready": status.ready,
        "reason": status.reason,
        "served_version": status.version,
    }


def statuses(
    settings: Settings | None, servings: Iterable[Mapping[str, Any]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Each served model's status, by (namespace, InferenceService): one request per
    namespace; a cluster that cannot be asked makes every one "not ready", saying why."""
    wanted: dict[str, set[str]] = {}
    for serving in servings:
        wanted.setdefault(str(serving["namespace"]), set()).add(str(serving["inference_service"]))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for namespace, names in wanted.items():
        try:
            if settings is None:
                raise ClusterError("the designer has no Kubernetes API configured")
            listed = list_statuses(settings, namespace)
            problem = ""
        except ClusterError as exc:
            listed, problem = {}, f"the cluster cannot be asked: {exc}"
        for name in names:
            found[(namespace, name)] = {"status": listed.get(name), "problem": problem}
    return found


def status_for(settings: Settings | None, serving: Mapping[str, Any]) -> dict[str, Any]:
    """One served model's facts and status, asked of the cluster now."""
    try:
        if settings is None:
            raise ClusterError("the designer has no Kubernetes API configured")
        status = read_status(settings, str(serving["namespace"]), str(serving["inference_service"]))
    except ClusterNotFound:
        return status_facts(serving, None)
    except ClusterError as exc:
        return status_facts(serving, None, f"the cluster cannot be asked: {exc}")
    return status_facts(serving, status)


def predict_served(
    settings: Settings | None,
    loaded: registry.RegisteredModel,
    rows: list[dict[str, Any]],
) -> registry.Prediction:
    """``model_registry.predict_rows``'s answer for a version KServe serves.

    Waits up to ``KServeSettings.ready_timeout`` for a deployment still being rolled out.
    Raises ``RowsProblem`` as the local path does, ``PredictionFailed`` when the model server
    refuses the rows, and ``ServingUnavailable``/``ClusterError`` when it cannot answer.
    """
    serving = serving_of(loaded.info) or {}
    name = str(loaded.info["name"])
    number = int(loaded.info["version"])
    if settings is None or settings.kubernetes is None:
        raise ServingUnavailable(
            f"model {name!r} is served by KServe on the cluster, and the designer has no "
            "Kubernetes API to reach it: set DESIGNER_K8S_HOST and DESIGNER_K8S_TOKEN, or "
            "DESIGNER_K8S_IN_CLUSTER=true"
        )
    features = loaded.info.get("features")
    if not isinstance(features, list):
        features = describe_features(
            loaded.model, loaded.preprocessor, loaded.info.get("feature_columns", [])
        )
    frame = rows_frame(features, rows, f"model {name!r} version {number}")
    unseen = unseen_values(features, frame, loaded.preprocessor)
    namespace, isvc = str(serving["namespace"]), str(serving["inference_service"])
    try:
        status = read_status(settings, namespace, isvc)
    except ClusterNotFound:  # removed on the cluster behind the designer's back
        raise ServingUnavailable(
            f"model {name!r} is no longer served: KServe has no InferenceService {isvc!r} in "
            f"namespace {namespace!r}; run its flow again to deploy it"
        ) from None
    if not status.ready:
        status = wait_until_ready(settings, namespace, isvc, settings.kserve.ready_timeout)
    if status.version is not None and status.version != number:
        raise ServingUnavailable(
            f"version {number} of model {name!r} is no longer served: the cluster serves "
            f"version {status.version}; ask for that version, or leave the version out"
        )
    endpoint = status.endpoint(settings.kubernetes.in_cluster)
    if endpoint is None:
        raise ServingUnavailable(f"KServe has not given model {name!r} an address yet")
    kinds = {str(f["name"]): str(f.get("type", "unknown")) for f in features}
    columns = [
        (
            str(column),
            _kind(kinds.get(str(column), "unknown"), frame[column].tolist()),
            frame[column].tolist(),
        )
        for column in frame.columns
    ]
    try:
        answers = predict(endpoint, isvc, str(serving.get("protocol", "v2")), columns)
    except ModelRefused as exc:
        raise registry.PredictionFailed(
            f"model {name!r} version {number} could not predict: {exc}"
        ) from exc
    return _prediction(name, number, serving, answers, unseen, len(frame))


def _kind(kind: str, values: list[Any]) -> str:
    """ "number" or "text" as the request's data type; an unknown kind is guessed from values."""
    if kind in ("number", "text"):
        return kind
    plain = [v for v in values if v is not None]
    return "number" if all(isinstance(v, int | float) for v in plain) else "text"


def _prediction(
    name: str,
    version: int,
    serving: Mapping[str, Any],
    answers: list[Any],
    unseen: list[dict[str, Any]],
    rows: int,
) -> registry.Prediction:
    """The answer in ``Prediction``'s shape: with probabilities, the likeliest class is the
    prediction (as scikit-learn's classifiers predict it)."""
    if len(answers) != rows:
        raise registry.PredictionFailed(
            f"model {name!r} version {version} answered {len(answers)} rows for {rows} asked"
        )
    classes = list(serving.get("classes") or [])
    if not (serving.get("probabilities") and classes):
        return registry.Prediction(name, version, answers, [], [], unseen)
    for row in answers:
        if not isinstance(row, list) or len(row) != len(classes):
            raise registry.PredictionFailed(
                f"model {name!r} version {version} answered {row!r}, not one probability per "
                f"class ({len(classes)})"
            )
    predictions = [classes[max(range(len(row)), key=row.__getitem__)] for row in answers]
    rounded = [[round(float(p), 6) for p in row] for row in answers]
    return registry.Prediction(name, version, predictions, classes, rounded, unseen)

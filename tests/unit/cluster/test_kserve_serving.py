"""Serving a model with KServe, end to end through the stand-in: the designer writes the layout
the scikit-learn runtime reads, creates the InferenceService, waits for it and asks it, in both
protocols; updates it to a new version, deletes it, and reports a model that never becomes
ready or cannot load, quoting KServe."""

from __future__ import annotations

from pathlib import Path

import joblib
import pandas as pd
import pytest

from blocks.runtime.model_inputs import describe_features, rows_frame
from designer.cluster.kserve import (
    ServingUnavailable,
    apply_inference_service,
    delete_inference_service,
    inference_service,
    list_statuses,
    predict,
    read_status,
    wait_until_ready,
)
from designer.cluster.kube import ClusterNotFound
from designer.models.serving_layout import served_pipeline, write_serving_layout
from designer.objects.configured import open_store
from designer.settings import Settings
from tests.fixtures.k8s_server import FakeKubernetesServer
from tests.unit.cluster import ACCOUNT, IRIS_ROW, NAMESPACE, PETS_ROW, Trained

#: Seconds to wait for a rollout: a model server process starts in one or two.
READY_S = 30.0


def serve(
    settings: Settings,
    trained: Trained,
    name: str,
    version: int = 1,
    *,
    protocol: str = "v2",
    probabilities: bool = True,
    staging: Path,
) -> dict[str, object]:
    """Write ``trained`` in the serving layout and apply its InferenceService; its body."""
    model = joblib.load(trained.model)
    preprocessor = joblib.load(trained.preprocessor) if trained.preprocessor else None
    columns = trained.feature_columns or [str(c) for c in preprocessor.feature_names_in_]
    uri = write_serving_layout(
        open_store(settings),
        name,
        version,
        served_pipeline(model, preprocessor, columns),
        staging,
    )
    body = inference_service(
        name,
        model=name,
        version=version,
        storage_uri=uri,
        service_account=ACCOUNT,
        protocol=protocol,
        probabilities=probabilities,
    )
    apply_inference_service(settings, NAMESPACE, body)
    return body


def ask(
    settings: Settings, trained: Trained, name: str, rows: list[dict[str, object]], protocol: str
) -> list[object]:
    """Ready the service, then send it ``rows`` the way the designer does."""
    status = wait_until_ready(settings, NAMESPACE, name, READY_S, poll_s=0.1)
    model = joblib.load(trained.model)
    preprocessor = joblib.load(trained.preprocessor) if trained.preprocessor else None
    columns = trained.feature_columns or [str(c) for c in preprocessor.feature_names_in_]
    features = describe_features(model, preprocessor, columns)
    frame = rows_frame(features, rows, name)
    kinds = {f["name"]: f["type"] for f in features}
    sent = [(c, kinds[c], frame[c].tolist()) for c in frame.columns]
    endpoint = status.endpoint(in_cluster=False)
    assert endpoint is not None
    return predict(endpoint, name, protocol, sent)


@pytest.mark.parametrize("protocol", ["v1", "v2"])
def test_a_classifier_answers_with_its_probabilities_in_either_protocol(
    settings: Settings, trained: dict[str, Trained], tmp_path: Path, protocol: str
) -> None:
    serve(settings, trained["iris"], "iris", protocol=protocol, staging=tmp_path)

    answers = ask(settings, trained["iris"], "iris", [IRIS_ROW, IRIS_ROW], protocol)

    local = joblib.load(trained["iris"].model).predict_proba(pd.DataFrame([IRIS_ROW] * 2))
    assert len(answers) == 2
    assert [p for row in answers for p in row] == pytest.approx(local.ravel().tolist())
    status = read_status(settings, NAMESPACE, "iris")
    assert status.ready and status.url and status.version == 1 and status.model == "iris"


def test_named_columns_reach_the_preprocessor_on_the_runtime(
    settings: Settings, trained: dict[str, Trained], tmp_path: Path
) -> None:
    """Text and missing values go through the one served Pipeline as they do locally."""
    pets = trained["pets"]
    serve(settings, pets, "pets", probabilities=False, staging=tmp_path)
    rows = [PETS_ROW, {**PETS_ROW, "age": "", "color": "tartan"}]

    answers = ask(settings, pets, "pets", rows, "v2")

    model, preprocessor = joblib.load(pets.model), joblib.load(pets.preprocessor)
    prepared = preprocessor.transform(
        pd.DataFrame(
            [[3.0, 4.1, "black", True], [float("nan"), 4.1, "tartan", True]],
            columns=["age", "weight", "color", "indoor"],
        )
    )
    assert answers == model.predict(prepared[list(model.feature_names_in_)]).tolist()


def test_a_new_version_replaces_the_old_one_once_it_is_ready(
    settings: Settings,
    trained: dict[str, Trained],
    tmp_path: Path,
    cluster: FakeKubernetesServer,
) -> None:
    serve(settings, trained["iris"], "iris", 1, staging=tmp_path)
    first = wait_until_ready(settings, NAMESPACE, "iris", READY_S, poll_s=0.1)

    serve(settings, trained["iris"], "iris", 2, protocol="v1", staging=tmp_path)
    second = wait_until_ready(settings, NAMESPACE, "iris", READY_S, poll_s=0.1)

    assert (first.version, second.version) == (1, 2)
    found = cluster.inference_service(NAMESPACE, "iris")
    assert found is not None and found["metadata"]["generation"] == 2
    model = found["spec"]["predictor"]["model"]
    assert model["storageUri"].endswith("/models/iris/v2/") and model["protocolVersion"] == "v1"
    patch = cluster.received[-1]
    assert patch["spec"]["predictor"]["model"]["runtime"] is None  # a merge patch's removal
    assert ask(settings, trained["iris"], "iris", [IRIS_ROW], "v1")


def test_delete_stops_serving(
    settings: Settings, trained: dict[str, Trained], tmp_path: Path
) -> None:
    serve(settings, trained["iris"], "iris", staging=tmp_path)
    endpoint = wait_until_ready(settings, NAMESPACE, "iris", READY_S, poll_s=0.1).url
    assert endpoint is not None

    assert delete_inference_service(settings, NAMESPACE, "iris") is True

    assert delete_inference_service(settings, NAMESPACE, "iris") is False
    with pytest.raises(ClusterNotFound):
        read_status(settings, NAMESPACE, "iris")
    assert list_statuses(settings, NAMESPACE) == {}
    with pytest.raises(ServingUnavailable, match="cannot be reached"):
        predict(endpoint, "iris", "v2", [("sepal length (cm)", "number", [1.0])])


def test_a_model_that_never_becomes_ready_times_out_quoting_kserve(
    settings: Settings,
    trained: dict[str, Trained],
    tmp_path: Path,
    cluster: FakeKubernetesServer,
) -> None:
    cluster.stall("0/3 nodes are available: 3 Insufficient cpu")
    serve(settings, trained["iris"], "iris", staging=tmp_path)

    with pytest.raises(ServingUnavailable) as caught:
        wait_until_ready(settings, NAMESPACE, "iris", 0.5, poll_s=0.1)

    message = str(caught.value)
    assert "did not become ready within 0.5 s" in message
    assert "3 Insufficient cpu" in message and "\n" not in message


@pytest.mark.parametrize(
    ("breakage", "quoted"),
    [
        # What a model needing the designer's own code would do on the stock runtime.
        ("needs other code", "No module named 'designer_private_code'"),
        ("second file", "More than one model file is detected"),
        ("no account", 'serviceaccounts "nobody" not found'),
    ],
)
def test_a_model_kserve_cannot_start_fails_fast_with_the_reason(
    settings: Settings,
    trained: dict[str, Trained],
    tmp_path: Path,
    breakage: str,
    quoted: str,
) -> None:
    store = open_store(settings)
    body = serve(settings, trained["iris"], "iris", staging=tmp_path)
    delete_inference_service(settings, NAMESPACE, "iris")
    if breakage == "needs other code":
        store.put_bytes("models/iris/v1/model.joblib", b"cdesigner_private_code\nModel\n.")
    elif breakage == "second file":
        store.put_bytes("models/iris/v1/extra.pkl", b"x")
    else:
        body["spec"]["predictor"]["serviceAccountName"] = "nobody"  # type: ignore[index]
    apply_inference_service(settings, NAMESPACE, body)

    with pytest.raises(ServingUnavailable) as caught:
        wait_until_ready(settings, NAMESPACE, "iris", READY_S, poll_s=0.1)

    assert "KServe could not start the model 'iris'" in str(caught.value)
    assert quoted in str(caught.value)
    status = read_status(settings, NAMESPACE, "iris")
    assert not status.ready and status.failed and quoted in status.reason

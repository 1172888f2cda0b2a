"""The InferenceService the designer sends, checked against KServe's own CRD schema, and what
the cluster answers when a body or a permission is wrong; names and statuses read as KServe
writes them."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft7Validator

from designer.cluster.kserve import (
    NAME_RULE,
    apply_inference_service,
    inference_service,
    isvc_name,
    status_of,
)
from designer.cluster.kube import ClusterError
from designer.settings import Settings
from tests.fixtures.k8s_api import crd_schema
from tests.fixtures.k8s_server import FakeKubernetesServer
from tests.unit.cluster import NAMESPACE

URI = "s3://designer/models/iris/v1/"


def body(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "model": "iris",
        "version": 1,
        "storage_uri": URI,
        "service_account": "designer-models",
        "protocol": "v2",
        "probabilities": True,
    }
    return inference_service("iris", **(values | changes))


@pytest.mark.parametrize(
    "changes",
    [{}, {"protocol": "v1", "probabilities": False}, {"runtime": "designer-sklearn"}],
    ids=["v2 classifier", "v1 regressor", "named runtime"],
)
def test_the_body_is_valid_by_kserves_crd_schema(changes: dict[str, Any]) -> None:
    errors = list(Draft7Validator(crd_schema()).iter_errors(body(**changes)))

    assert errors == []
    predictor = body(**changes)["spec"]["predictor"]
    assert predictor["serviceAccountName"] == "designer-models"
    assert predictor["model"]["modelFormat"] == {"name": "sklearn"}
    assert predictor["model"]["storageUri"] == URI


def test_the_schema_check_is_not_a_formality() -> None:
    """The same validator finds what a wrong body would get wrong."""
    wrong = body()
    wrong["spec"]["predictor"]["model"]["modelFormat"] = {"version": 1}
    wrong["spec"]["predictor"]["minReplicas"] = "one"

    messages = [e.message for e in Draft7Validator(crd_schema()).iter_errors(wrong)]

    assert len(messages) == 3, messages  # name missing, version not text, replicas not a number


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("iris", "iris"),
        ("churn-2024", "churn-2024"),
        ("2024-churn", "m-2024-churn-7e7e24d3"),
        ("ends-with-dash-", None),
        ("a" * 63, None),
    ],
)
def test_every_model_name_gets_a_name_kserve_takes(model: str, expected: str | None) -> None:
    name = isvc_name(model)

    assert NAME_RULE.fullmatch(name) and len(name) <= 40
    if expected is not None:
        assert name == expected
    assert isvc_name(model) == name and isvc_name(model + "x") != name


@pytest.mark.parametrize(
    ("status", "generation", "ready", "failed", "reason"),
    [
        (
            {"observedGeneration": 2, "url": "http://iris.team-ml.example.com",
             "conditions": [{"type": "Ready", "status": "True"}]},
            2, True, False, "",
        ),
        (  # an update KServe has not seen yet: the old rollout's Ready says nothing of it
            {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "True"}]},
            2, False, False, "KServe has not rolled out the latest version yet",
        ),
        (
            {"observedGeneration": 1, "conditions": [
                {"type": "PredictorReady", "status": "False", "reason": "RevisionFailed",
                 "message": 'Revision "iris-predictor-00001" failed with message: OOMKilled.'},
                {"type": "Ready", "status": "False", "reason": "RevisionFailed",
                 "message": "the predictor is not ready"}]},
            1, False, True, 'Revision "iris-predictor-00001" failed with message: OOMKilled.',
        ),
        (
            {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "False"}],
             "modelStatus": {"transitionStatus": "BlockedByFailedLoad",
                             "lastFailureInfo": {"message": "model file missing"}}},
            1, False, True, "model file missing",
        ),
        ({}, 1, False, False, "KServe has not rolled out the latest version yet"),
        (
            {"observedGeneration": 1,
             "conditions": [{"type": "Ready", "status": "Unknown", "reason": "RevisionMissing"}]},
            1, False, False, "waiting for KServe (RevisionMissing)",
        ),
    ],
    ids=["ready", "update unseen", "revision failed", "load failed", "no status", "rolling out"],
)  # fmt: skip
def test_status_is_read_as_kserve_writes_it(
    status: dict[str, Any], generation: int, ready: bool, failed: bool, reason: str
) -> None:
    found = copy.deepcopy(body())
    found["metadata"]["generation"] = generation
    found["status"] = status

    read = status_of(found)

    assert (read.ready, read.failed, read.reason) == (ready, failed, reason)
    assert (read.model, read.version) == ("iris", 1)


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        (
            lambda b: b["spec"]["predictor"]["model"].update(storageUri=7),
            'InferenceService.serving.kserve.io "iris" is invalid: '
            "spec.predictor.model.storageUri: Invalid value: 7: must be of type string",
        ),
        (
            lambda b: b["spec"]["predictor"]["model"].update(modelFormatt={"name": "sklearn"}),
            'strict decoding error: unknown field "spec.predictor.model.modelFormatt"',
        ),
        (
            lambda b: b["spec"]["predictor"].update(sklearn={"storageUri": URI}),
            "exactly one of [model, sklearn, xgboost",
        ),
    ],
    ids=["wrong type", "unknown field", "two predictors"],
)
def test_the_cluster_refuses_a_bad_body_in_one_line(
    settings: Settings, cluster: FakeKubernetesServer, spoil: Any, expected: str
) -> None:
    bad = body()
    spoil(bad)

    with pytest.raises(ClusterError) as caught:
        apply_inference_service(settings, NAMESPACE, bad)

    assert expected in str(caught.value) and "\n" not in str(caught.value)
    assert cluster.inference_service(NAMESPACE, "iris") is None


def test_a_missing_permission_names_the_verb_and_resource(
    settings: Settings, cluster: FakeKubernetesServer
) -> None:
    cluster.fail_requests(
        "POST",
        "/apis/serving.kserve.io/",
        403,
        'inferenceservices.serving.kserve.io is forbidden: User "system:serviceaccount:x:y" '
        'cannot create resource "inferenceservices" in API group "serving.kserve.io"',
    )

    with pytest.raises(ClusterError) as caught:
        apply_inference_service(settings, NAMESPACE, body())

    assert str(caught.value) == (
        "the designer's Kubernetes account may not create inferenceservices.serving.kserve.io "
        "in namespace 'team-ml' (403 Forbidden); give it a Role there that allows 'create' on "
        "'inferenceservices.serving.kserve.io'"
    )


def test_an_inference_service_the_designer_did_not_make_is_left_alone(
    settings: Settings, cluster: FakeKubernetesServer
) -> None:
    theirs = body(model="someone-elses")
    apply_inference_service(settings, NAMESPACE, theirs)

    with pytest.raises(ClusterError) as caught:
        apply_inference_service(settings, NAMESPACE, body())

    assert "already has an InferenceService named 'iris'" in str(caught.value)
    found = cluster.inference_service(NAMESPACE, "iris")
    assert found is not None
    assert found["metadata"]["annotations"]["designer/model"] == "someone-elses"

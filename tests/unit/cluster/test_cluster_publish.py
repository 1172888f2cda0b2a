"""Publishing a Kubeflow run's models: the bundle is read from storage, registered under the
name rules of a local run, written in KServe's layout and served; predictions come back from
KServe in the same shape as a local model's."""

from __future__ import annotations

import dataclasses

import joblib
import pandas as pd
import pytest
from sqlalchemy import Engine

from blocks.runtime import model_registry as registry
from designer.cluster.kserve import ServingUnavailable, delete_inference_service, wait_until_ready
from designer.models import deployed
from designer.models.cluster_publish import publish_cluster_deployments
from designer.objects.configured import open_store
from designer.runs.record import Status
from designer.settings import Settings
from tests.fixtures.k8s_server import FakeKubernetesServer
from tests.fixtures.object_stores import closed_port
from tests.fixtures.people import World
from tests.unit.cluster import (
    IRIS_ROW,
    NAMESPACE,
    PETS_ROW,
    Trained,
    bundle_output,
    cluster_record,
    facts,
)


def publish(
    engine: Engine, settings: Settings, world: World, trained: Trained, name: str, run: str
) -> tuple[list[object], object]:
    record = cluster_record(bundle_output(open_store(settings), trained, name, run=run), run_id=run)
    done = publish_cluster_deployments(
        engine, settings, record, owner_id=world.owner.id, flow_id=None
    )
    return done, record


def test_a_published_model_is_served_by_kserve_and_answers_like_a_local_one(
    engine: Engine,
    settings: Settings,
    world: World,
    trained: dict[str, Trained],
    cluster: FakeKubernetesServer,
) -> None:
    done, record = publish(engine, settings, world, trained["iris"], "iris", "run-1")

    assert [(p.name, p.version, p.refused) for p in done] == [("iris", 1, "")]
    assert record.status is Status.SUCCEEDED
    node = record.nodes["deploy0"]
    assert "InferenceService 'iris' in namespace 'team-ml'" in node.log
    assert node.outputs["deployment"].metadata["serving"] == {
        "namespace": NAMESPACE,
        "inference_service": "iris",
    }
    serving = facts(settings.models_dir, "iris", 1)["serving"]
    assert serving == {
        "engine": "kserve",
        "namespace": NAMESPACE,
        "inference_service": "iris",
        "protocol": "v2",
        "probabilities": True,
        "classes": ["setosa", "versicolor", "virginica"],
    }
    served = [o.key for o in open_store(settings).list("models/")]
    assert served == ["models/iris/v1/model.joblib"]  # the one file KServe's runtime loads
    found = cluster.inference_service(NAMESPACE, "iris")
    assert found is not None
    assert found["spec"]["predictor"]["model"]["storageUri"] == (
        f"s3://{settings.storage.bucket}/models/iris/v1/"  # type: ignore[union-attr]
    )

    answer = deployed.predict_rows(
        engine, settings.models_dir, world.owner, "iris", [IRIS_ROW], settings=settings
    )

    local = joblib.load(trained["iris"].model)
    row = pd.DataFrame([IRIS_ROW])
    assert (answer.name, answer.version) == ("iris", 1)
    assert answer.predictions == local.predict(row).tolist()
    assert answer.classes == local.classes_.tolist()
    assert answer.probabilities == local.predict_proba(row).round(6).tolist()


def test_a_value_never_seen_in_training_is_noted_as_it_is_locally(
    engine: Engine, settings: Settings, world: World, trained: dict[str, Trained]
) -> None:
    publish(engine, settings, world, trained["pets"], "pets", "run-1")
    rows = [PETS_ROW, {**PETS_ROW, "color": "tartan", "age": ""}]

    answer = deployed.predict_rows(
        engine, settings.models_dir, world.owner, "pets", rows, settings=settings
    )

    here = registry.predict_rows(settings.models_dir, "pets", rows)
    assert answer.predictions == here.predictions
    assert answer.probabilities == here.probabilities
    assert [u["note"] for u in answer.unseen] == [u["note"] for u in here.unseen]
    assert "'tartan' was not seen in training" in answer.unseen[0]["note"]


def test_a_second_run_updates_the_service_and_the_old_version_is_refused(
    engine: Engine,
    settings: Settings,
    world: World,
    trained: dict[str, Trained],
    cluster: FakeKubernetesServer,
) -> None:
    publish(engine, settings, world, trained["diabetes"], "sugar", "run-1")
    done, _ = publish(engine, settings, world, trained["diabetes"], "sugar", "run-2")
    assert [p.version for p in done] == [2]
    wait_until_ready(settings, NAMESPACE, "sugar", 30, poll_s=0.1)

    row = dict.fromkeys(["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"], 0.01)

    latest = deployed.predict_rows(
        engine, settings.models_dir, world.owner, "sugar", [row], settings=settings
    )

    assert latest.version == 2 and latest.classes == [] and len(latest.predictions) == 1
    assert latest.predictions == pytest.approx(
        joblib.load(trained["diabetes"].model).predict(pd.DataFrame([row])).tolist()
    )
    with pytest.raises(ServingUnavailable) as caught:
        deployed.predict_rows(
            engine, settings.models_dir, world.owner, "sugar", [row], version=1, settings=settings
        )
    assert str(caught.value) == (
        "version 1 of model 'sugar' is no longer served: the cluster serves version 2; ask for "
        "that version, or leave the version out"
    )
    found = cluster.inference_service(NAMESPACE, "sugar")
    assert found is not None and found["metadata"]["annotations"]["designer/model-version"] == "2"


def test_someone_elses_name_is_refused_and_nothing_reaches_the_cluster(
    engine: Engine,
    settings: Settings,
    world: World,
    trained: dict[str, Trained],
    cluster: FakeKubernetesServer,
) -> None:
    publish(engine, settings, world, trained["iris"], "iris", "run-1")
    record = cluster_record(bundle_output(open_store(settings), trained["iris"], "iris", run="r2"))
    before = len(cluster.received)

    done = publish_cluster_deployments(
        engine, settings, record, owner_id=world.stranger.id, flow_id=None
    )

    assert done[0].refused == (
        "not deployed: the model name 'iris' belongs to Olive Owner; choose another name for "
        "your model, or ask Olive Owner or a site admin to deploy it"
    )
    assert record.status is Status.FAILED
    assert len(cluster.received) == before
    assert [m["version"] for m in registry.list_models(settings.models_dir)] == [1]


def test_a_cluster_that_cannot_be_reached_fails_the_node_and_keeps_nothing(
    engine: Engine, settings: Settings, world: World, trained: dict[str, Trained]
) -> None:
    assert settings.kubernetes is not None
    down = dataclasses.replace(
        settings,
        kubernetes=dataclasses.replace(
            settings.kubernetes, host=f"http://127.0.0.1:{closed_port()}"
        ),
    )

    done, record = publish(engine, down, world, trained["iris"], "iris", "run-1")

    assert done[0].refused.startswith("not deployed: the Kubernetes API at http://127.0.0.1:")
    assert "cannot be reached (connection refused)" in done[0].refused
    assert record.status is Status.FAILED  # type: ignore[attr-defined]
    assert registry.list_models(settings.models_dir) == []
    assert list(open_store(settings).list("models/")) == []


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("s3://other-bucket/kfp/run-1/deploy/deployment", "not in the designer's bucket"),
        ("s3://{bucket}/datasets/x", "not among the run outputs in storage"),
        ("s3://{bucket}/kfp/../models/x", "has an unsafe part '..'"),
        ("s3://{bucket}/kfp/run-9/deploy/deployment", "the block's output has no bundle.json"),
    ],
    ids=["other bucket", "outside the run outputs", "dot-dot", "nothing there"],
)
def test_a_bundle_address_the_designer_cannot_trust_is_refused(
    engine: Engine, settings: Settings, world: World, uri: str, expected: str
) -> None:
    assert settings.storage is not None
    record = cluster_record(bundle_output(open_store(settings), _unused(), "never"))
    record.nodes["deploy0"].outputs["deployment"].uri = uri.format(bucket=settings.storage.bucket)

    done = publish_cluster_deployments(
        engine, settings, record, owner_id=world.owner.id, flow_id=None
    )

    assert expected in done[0].refused and record.status is Status.FAILED


def test_without_s3_storage_a_cluster_deployment_says_what_to_set(
    engine: Engine, settings: Settings, world: World, trained: dict[str, Trained]
) -> None:
    output = bundle_output(open_store(settings), trained["iris"], "iris")
    local = dataclasses.replace(settings, storage=None)

    done = publish_cluster_deployments(
        engine, local, cluster_record(output), owner_id=world.owner.id, flow_id=None
    )

    assert done[0].refused == (
        "not deployed: KServe reads models from S3 storage, and none is configured; set "
        "DESIGNER_S3_ENDPOINT (and its keys) and run the flow again"
    )


def _unused() -> Trained:
    """Files for a bundle whose address the test then spoils (any model will do)."""
    import tempfile
    from pathlib import Path

    from tests.unit.cluster import train_diabetes

    return train_diabetes(Path(tempfile.mkdtemp()))


@pytest.mark.parametrize("runtime", ["designer-sklearn", "missing-runtime"])
def test_the_runtime_the_settings_name_serves_the_model(
    engine: Engine,
    settings: Settings,
    world: World,
    trained: dict[str, Trained],
    cluster: FakeKubernetesServer,
    runtime: str,
) -> None:
    """A platform's own ServingRuntime (one with the block image's scikit-learn); one the
    cluster does not have leaves the model not ready, saying so."""
    cluster.add_runtime("designer-sklearn")
    named = dataclasses.replace(
        settings, kserve=dataclasses.replace(settings.kserve, runtime=runtime)
    )

    publish(engine, named, world, trained["iris"], "iris", "run-1")

    found = cluster.inference_service(NAMESPACE, "iris")
    assert found is not None and found["spec"]["predictor"]["model"]["runtime"] == runtime
    if runtime == "designer-sklearn":
        assert wait_until_ready(named, NAMESPACE, "iris", 30, poll_s=0.1).ready
    else:
        with pytest.raises(ServingUnavailable, match="specified runtime missing-runtime does not"):
            wait_until_ready(named, NAMESPACE, "iris", 30, poll_s=0.1)


def test_an_inference_service_removed_on_the_cluster_is_said_plainly(
    engine: Engine, settings: Settings, world: World, trained: dict[str, Trained]
) -> None:
    publish(engine, settings, world, trained["iris"], "iris", "run-1")
    delete_inference_service(settings, NAMESPACE, "iris")  # by someone with kubectl

    [model] = deployed.list_models(engine, settings.models_dir, world.owner, settings)
    with pytest.raises(ServingUnavailable) as caught:
        deployed.predict_rows(
            engine, settings.models_dir, world.owner, "iris", [IRIS_ROW], settings=settings
        )

    assert model["serving"]["ready"] is False
    assert model["serving"]["reason"] == "KServe has no InferenceService for it (it was removed)"
    assert str(caught.value) == (
        "model 'iris' is no longer served: KServe has no InferenceService 'iris' in namespace "
        "'team-ml'; run its flow again to deploy it"
    )

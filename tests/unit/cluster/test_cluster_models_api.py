"""Models served by KServe, through the REST API and the command line: where each answers and
whether it is ready, predictions sent to KServe, and removal taking the InferenceService away,
for the owner only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.cli import main
from designer.cluster.kserve import wait_until_ready
from designer.models.cluster_publish import publish_cluster_deployments
from designer.objects.configured import open_store
from designer.settings import Settings, load_settings
from tests.fixtures.k8s_server import FakeKubernetesServer
from tests.fixtures.object_stores import closed_port
from tests.unit.api import Scene, error_of, scene, template
from tests.unit.cluster import IRIS_ROW, NAMESPACE, Trained, bundle_output, cluster_record

__all__ = ["scene", "template"]

API = "/api/v1"


@pytest.fixture
def served(
    scene: Scene, settings: Settings, trained: dict[str, Trained], cluster: FakeKubernetesServer
) -> Settings:
    """The owner's iris model, deployed by a cluster run of the shared flow and ready."""
    record = cluster_record(bundle_output(open_store(settings), trained["iris"], "iris"))
    done = publish_cluster_deployments(
        scene.world.engine, settings, record, owner_id=scene.world.owner.id, flow_id=scene.shared.id
    )
    assert [p.refused for p in done] == [""]
    wait_until_ready(settings, NAMESPACE, "iris", 30, poll_s=0.1)
    return settings


def test_the_list_says_where_each_model_answers_and_that_it_is_ready(
    scene: Scene, served: Settings, cluster: FakeKubernetesServer
) -> None:
    answer = scene.api.get(f"{API}/models", headers=scene.headers("viewer"))

    assert answer.status_code == 200, answer.text
    [model] = answer.json()["models"]
    url = cluster.inference_service(NAMESPACE, "iris")["status"]["url"]  # type: ignore[index]
    assert model["serving"] == {
        "engine": "kserve",
        "namespace": NAMESPACE,
        "inference_service": "iris",
        "protocol": "v2",
        "url": url,
        "ready": True,
        "reason": "",
        "served_version": 1,
    }
    one = scene.api.get(f"{API}/models/iris", headers=scene.headers("viewer")).json()
    assert one["serving"]["ready"] is True and one["serving"]["url"] == url
    assert "storage" not in answer.text and "s3://" not in answer.text


def test_a_prediction_is_answered_by_kserve_in_the_usual_shape(
    scene: Scene, served: Settings, cluster: FakeKubernetesServer
) -> None:
    before = len(cluster.requests)

    answer = scene.api.post(
        f"{API}/models/iris/predict", json={"rows": [IRIS_ROW]}, headers=scene.headers("viewer")
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["model"] == "iris" and body["version"] == 1
    assert body["predictions"] == ["versicolor"]
    assert body["classes"] == ["setosa", "versicolor", "virginica"]
    assert sum(body["probabilities"][0]) == pytest.approx(1.0, abs=1e-5)
    assert (
        "GET",
        f"/apis/serving.kserve.io/v1beta1/namespaces/{NAMESPACE}/inferenceservices/iris",
    ) in cluster.requests[before:]


def test_a_model_that_is_not_ready_says_why_and_a_prediction_waits_then_gives_up(
    scene: Scene,
    settings: Settings,
    trained: dict[str, Trained],
    cluster: FakeKubernetesServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESIGNER_KSERVE_READY_TIMEOUT", "0.5")
    cluster.stall("0/3 nodes are available: 3 Insufficient memory")
    record = cluster_record(bundle_output(open_store(settings), trained["iris"], "iris"))
    publish_cluster_deployments(
        scene.world.engine, settings, record, owner_id=scene.world.owner.id, flow_id=None
    )

    [model] = scene.api.get(f"{API}/models", headers=scene.headers("owner")).json()["models"]
    answer = scene.api.post(
        f"{API}/models/iris/predict", json={"rows": [IRIS_ROW]}, headers=scene.headers("owner")
    )

    assert model["serving"]["ready"] is False
    assert "3 Insufficient memory" in model["serving"]["reason"]
    assert answer.status_code == 503
    error = error_of(answer)
    assert error["code"] == "model_not_ready"
    assert error["message"].startswith("the model 'iris' did not become ready within 0.5 s")
    assert "3 Insufficient memory" in error["message"]


def test_only_the_owner_removes_a_model_and_its_inference_service_goes_with_it(
    scene: Scene, served: Settings, cluster: FakeKubernetesServer
) -> None:
    refused = scene.api.delete(f"{API}/models/iris", headers=scene.headers("viewer"))
    hidden = scene.api.delete(f"{API}/models/iris", headers=scene.headers("stranger"))
    assert (refused.status_code, error_of(refused)["code"]) == (403, "not_model_owner")
    assert error_of(refused)["message"] == (
        "only Olive Owner, who owns the model 'iris', or a site admin can remove it"
    )
    assert hidden.status_code == 404
    assert cluster.inference_service(NAMESPACE, "iris") is not None

    removed = scene.api.delete(f"{API}/models/iris", headers=scene.headers("owner"))

    assert removed.status_code == 200, removed.text
    assert removed.json() == {
        "name": "iris",
        "versions": 1,
        "inference_services": [f"{NAMESPACE}/iris"],
    }
    assert cluster.inference_service(NAMESPACE, "iris") is None
    assert list(open_store(served).list("models/")) == []
    listed = scene.api.get(f"{API}/models", headers=scene.headers("owner")).json()
    assert listed == {"models": []}


def test_a_removal_the_cluster_cannot_do_removes_nothing(
    scene: Scene, served: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESIGNER_K8S_HOST", f"http://127.0.0.1:{closed_port()}")

    answer = scene.api.delete(f"{API}/models/iris", headers=scene.headers("owner"))

    assert answer.status_code == 503
    assert error_of(answer)["code"] == "cluster_unavailable"
    assert "cannot be reached (connection refused)" in error_of(answer)["message"]
    assert (served.models_dir / "iris" / "1" / "model.json").is_file()


def test_the_command_line_lists_predicts_and_removes(
    scene: Scene,
    served: Settings,
    cluster: FakeKubernetesServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = cluster.inference_service(NAMESPACE, "iris")["status"]["url"]  # type: ignore[index]
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps([IRIS_ROW]))

    assert main(["models"]) == 0
    listed = capsys.readouterr().out
    assert main(["predict", "iris", str(rows)]) == 0
    predicted = json.loads(capsys.readouterr().out)
    assert main(["models", "remove", "iris", "--as", "viewer"]) == 1
    refused = capsys.readouterr().err
    assert main(["models", "remove", "iris"]) == 0
    removed = capsys.readouterr().out

    assert f"KServe {NAMESPACE}/iris at {url} (ready)" in listed
    assert predicted["predictions"] == ["versicolor"] and len(predicted["probabilities"]) == 1
    assert predicted["served_by"] == {
        "namespace": NAMESPACE,
        "inference_service": "iris",
        "url": url,
        "ready": True,
    }
    assert "only Olive Owner, who owns the model 'iris', or a site admin can remove it" in refused
    assert removed.strip() == (
        f"removed model 'iris' (1 version(s)) and its InferenceService {NAMESPACE}/iris"
    )
    assert cluster.inference_service(NAMESPACE, "iris") is None
    assert load_settings().models_dir == served.models_dir

"""The Kubernetes API client: pod logs and Secrets through the real ``kubernetes`` client, and
every way it can fail said in one line that says what to set or grant."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from designer.cluster.kube import ClusterError, ClusterNotFound, pod_log, secret_keys
from designer.settings import KubernetesSettings, Settings
from tests.fixtures.k8s_server import FakeKubernetesServer
from tests.fixtures.object_stores import closed_port
from tests.unit.cluster import NAMESPACE, TOKEN


def with_kubernetes(settings: Settings, **changes: object) -> Settings:
    assert settings.kubernetes is not None
    return dataclasses.replace(
        settings, kubernetes=dataclasses.replace(settings.kubernetes, **changes)
    )


def test_a_pod_log_is_read_as_it_is_now(settings: Settings, cluster: FakeKubernetesServer) -> None:
    cluster.set_pod_log(NAMESPACE, "train-pod", '{"looks": "like JSON"}\n')
    cluster.append_pod_log(NAMESPACE, "train-pod", "accuracy 0.97\ndone\n")

    assert pod_log(settings, NAMESPACE, "train-pod") == (
        '{"looks": "like JSON"}\naccuracy 0.97\ndone\n'
    )
    assert pod_log(settings, NAMESPACE, "train-pod", tail_lines=1) == "done\n"
    assert ("GET", f"/api/v1/namespaces/{NAMESPACE}/pods/train-pod/log") in cluster.requests


def test_a_secret_says_which_keys_it_holds_never_their_values(
    settings: Settings, cluster: FakeKubernetesServer
) -> None:
    cluster.add_secret(NAMESPACE, "designer-storage", {"access_key": "a", "secret_key": "b"})

    assert secret_keys(settings, NAMESPACE, "designer-storage") == {"access_key", "secret_key"}
    assert cluster.secret_values(NAMESPACE, "designer-storage") == {
        "access_key": "a",
        "secret_key": "b",
    }


@pytest.mark.parametrize(
    ("arrange", "call", "expected"),
    [
        (
            None,
            "secret",
            "the Secret 'designer-storage' does not exist in namespace 'team-ml'; create it "
            "with kubectl create secret generic designer-storage "
            "--from-literal=access_key=... --from-literal=secret_key=...",
        ),
        (
            None,
            "log",
            "the pod 'gone-pod' does not exist in namespace 'team-ml': the cluster has removed "
            "it, so its log is gone",
        ),
        (
            (
                403,
                'secrets "designer-storage" is forbidden: User "system:serviceaccount:x" '
                'cannot get resource "secrets"',
            ),
            "secret",
            "the designer's Kubernetes account may not get secrets in namespace 'team-ml' (403 "
            "Forbidden); give it a Role there that allows 'get' on 'secrets'",
        ),
        (
            (403, 'pods "gone-pod" is forbidden'),
            "log",
            "the designer's Kubernetes account may not get pods/log in namespace 'team-ml' (403 "
            "Forbidden); give it a Role there that allows 'get' on 'pods/log'",
        ),
        (
            (500, "etcdserver: request timed out"),
            "secret",
            "the Kubernetes API refused to get secrets 'designer-storage' in namespace 'team-ml' "
            "(500): etcdserver: request timed out",
        ),
    ],
    ids=["missing secret", "missing pod", "403 secret", "403 log", "500"],
)
def test_what_the_api_refuses_is_said_plainly(
    settings: Settings,
    cluster: FakeKubernetesServer,
    arrange: tuple[int, str] | None,
    call: str,
    expected: str,
) -> None:
    if arrange is not None:
        cluster.fail_requests("GET", "/api/v1/", *arrange)

    with pytest.raises(ClusterError) as caught:
        if call == "secret":
            secret_keys(settings, NAMESPACE, "designer-storage")
        else:
            pod_log(settings, NAMESPACE, "gone-pod")

    assert str(caught.value) == expected
    assert isinstance(caught.value, ClusterNotFound) == (arrange is None)


def test_a_wrong_token_is_a_401_that_says_what_to_set(
    settings: Settings, cluster: FakeKubernetesServer
) -> None:
    with pytest.raises(ClusterError) as caught:
        secret_keys(with_kubernetes(settings, token="stale"), NAMESPACE, "anything")

    assert str(caught.value) == (
        f"the Kubernetes API at {cluster.url} refused the designer's credentials (401 "
        "Unauthorized); set DESIGNER_K8S_TOKEN to a valid service account token, or fix the "
        "kubeconfig"
    )
    assert TOKEN not in str(caught.value)


def test_an_unreachable_api_fails_fast_saying_where(settings: Settings) -> None:
    down = f"http://127.0.0.1:{closed_port()}"

    with pytest.raises(ClusterError) as caught:
        pod_log(with_kubernetes(settings, host=down), NAMESPACE, "any-pod")

    assert str(caught.value) == (
        f"the Kubernetes API at {down} cannot be reached (connection refused); check "
        "DESIGNER_K8S_HOST and that the cluster is up"
    )


@pytest.mark.parametrize(
    ("kubernetes", "expected"),
    [
        (
            None,
            "the designer has no Kubernetes API to talk to: set DESIGNER_K8S_HOST and "
            "DESIGNER_K8S_TOKEN, or DESIGNER_K8S_IN_CLUSTER=true",
        ),
        (
            KubernetesSettings(in_cluster=True),
            "DESIGNER_K8S_IN_CLUSTER is set but the designer is not running in a Kubernetes pod",
        ),
        (
            KubernetesSettings(kubeconfig="/nowhere/kubeconfig"),
            "cannot use the kubeconfig file DESIGNER_KUBECONFIG='/nowhere/kubeconfig'",
        ),
        (
            KubernetesSettings(host="https://k8s.example", token="t", ca_file="/nowhere/ca.pem"),
            "DESIGNER_K8S_CA_FILE='/nowhere/ca.pem' is not a readable file",
        ),
    ],
    ids=["nothing set", "not in a pod", "no kubeconfig", "no CA file"],
)
def test_a_configuration_that_cannot_work_is_refused_before_any_request(
    tmp_path: Path, kubernetes: KubernetesSettings | None, expected: str
) -> None:
    settings = Settings(
        home=tmp_path, kubeflow=None, database_url="sqlite://", kubernetes=kubernetes
    )

    with pytest.raises(ClusterError) as caught:
        secret_keys(settings, NAMESPACE, "designer-storage")

    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_a_kubeconfig_file_reaches_the_api(cluster: FakeKubernetesServer, tmp_path: Path) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
        f"clusters: [{{name: test, cluster: {{server: '{cluster.url}'}}}}]\n"
        f"users: [{{name: designer, user: {{token: {TOKEN}}}}}]\n"
        "contexts: [{name: test, context: {cluster: test, user: designer}}]\n"
    )
    cluster.add_secret(NAMESPACE, "designer-storage", {"access_key": "a"})
    from_file = Settings(
        home=tmp_path,
        kubeflow=None,
        database_url="sqlite://",
        kubernetes=KubernetesSettings(kubeconfig=str(config)),
    )

    assert secret_keys(from_file, NAMESPACE, "designer-storage") == {"access_key"}

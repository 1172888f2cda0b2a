"""The block's side of a Katib search, through the real ``kubernetes`` client over HTTPS to the
Kubernetes stand-in: refusals said in one line, progress logged, and an Experiment that does
not finish (or a block told to stop) deleted rather than left running."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from blocks.runtime import pod_storage
from blocks.runtime.katib_experiment import SearchSpec, TrialSetup, experiment_body
from blocks.runtime.katib_search import (
    Experiments,
    KatibError,
    PodSetup,
    Stopped,
    _deleted_unless_done,
    follow,
)
from tests.fixtures.k8s_server import FakeKubernetesServer
from tests.fixtures.tls_certs import LoopbackTls

NAMESPACE = "team-a"
TOKEN = "pod-token"
PATH = f"/apis/kubeflow.org/v1beta1/namespaces/{NAMESPACE}/experiments"
SETUP = TrialSetup(
    image="designer-blocks:0.1.0",
    table_uri="s3://designer/run/tune/katib/train.parquet",
    results_uri="s3://designer/run/tune/katib/trials",
    secret="designer-storage",
    secret_keys=dict(pod_storage.SECRET_KEYS),
)


@pytest.fixture
def kube(tmp_path: Path) -> Iterator[tuple[FakeKubernetesServer, Any]]:
    """The stand-in over HTTPS, and a client that trusts its CA (as a pod's does)."""
    tls = LoopbackTls.make(tmp_path / "tls")
    with FakeKubernetesServer(token=TOKEN, tls=tls) as server:
        configuration = client.Configuration()
        configuration.host = server.url
        configuration.ssl_ca_cert = str(tls.ca_file)
        configuration.api_key = {"authorization": f"bearer {TOKEN}"}
        yield server, client.ApiClient(configuration)


def body(name: str = "tune-0123456789ab") -> dict[str, Any]:
    spec = SearchSpec("logistic_regression", "grid", 1, "accuracy", 3, 0)
    return experiment_body(name, spec, SETUP)


def test_an_experiment_that_never_finishes_is_deleted(
    kube: tuple[FakeKubernetesServer, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    server, api = kube
    katib = server.install_katib(runner=None)  # no node runs pods: trials wait for ever
    experiments = Experiments(NAMESPACE, api)
    experiments.create(body())
    experiments.create(body())  # a retried task follows the Experiment it made
    assert "exists already (the task was retried); following it" in capsys.readouterr().out
    now = [0.0]
    waiting = pytest.raises(KatibError, match="did not finish within 20 seconds")
    with waiting, _deleted_unless_done(experiments, "tune-0123456789ab"):
        follow(
            experiments,
            "tune-0123456789ab",
            timeout_s=20,
            clock=lambda: now[0],
            sleep=lambda s: now.__setitem__(0, now[0] + s),
        )
    out = capsys.readouterr().out
    assert "Katib trials: 3 running" in out or "Katib trials: 3 pending" in out
    assert "deleted Experiment tune-0123456789ab" in out
    assert not katib.experiments and not katib.trials
    assert ("DELETE", f"{PATH}/tune-0123456789ab") in server.requests


def test_a_block_told_to_stop_deletes_its_experiment(
    kube: tuple[FakeKubernetesServer, Any],
) -> None:
    server, api = kube
    katib = server.install_katib(runner=None)
    experiments = Experiments(NAMESPACE, api)
    experiments.create(body())

    def stop(seconds: float) -> None:
        signal.raise_signal(signal.SIGTERM)  # as Kubernetes stops a cancelled run's pod

    with pytest.raises(Stopped), _deleted_unless_done(experiments, "tune-0123456789ab"):
        follow(experiments, "tune-0123456789ab", timeout_s=60, sleep=stop)
    assert not katib.experiments
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back


@pytest.mark.parametrize(
    ("katib", "refusal", "words"),
    [
        (False, None, "Katib is not installed on this cluster"),
        (
            True,
            (403, 'experiments.kubeflow.org is forbidden: User "system:serviceaccount:team-a:'
             'pipeline-runner" cannot create resource "experiments"'),
            "the pipeline's service account may not create Katib Experiments in namespace "
            "team-a (experiments.kubeflow.org is forbidden",
        ),
        (True, (401, "Unauthorized"), "refused the pod's service account token"),
    ],
)  # fmt: skip
def test_refusals_say_what_to_do(
    kube: tuple[FakeKubernetesServer, Any],
    katib: bool,
    refusal: tuple[int, str] | None,
    words: str,
) -> None:
    server, api = kube
    if katib:
        server.install_katib(runner=None)
    if refusal is not None:
        server.fail_requests("POST", PATH, *refusal)
    with pytest.raises(KatibError) as raised:
        Experiments(NAMESPACE, api).create(body())
    assert words in str(raised.value)
    assert "\n" not in str(raised.value)


def test_katibs_webhook_refusal_is_quoted(kube: tuple[FakeKubernetesServer, Any]) -> None:
    server, api = kube
    server.install_katib(runner=None)
    with pytest.raises(KatibError, match=r'validator\.experiment\.katib\.kubeflow\.org" denied'):
        Experiments(NAMESPACE, api).create(body("tune-" + "x" * 40))


@pytest.mark.parametrize(
    ("env", "account", "words"),
    [
        ({"DESIGNER_KFP_STORAGE_SECRET": "s"}, True, "was not given DESIGNER_BLOCK_IMAGE"),
        (
            {"DESIGNER_BLOCK_IMAGE": "designer-blocks:1", "DESIGNER_KFP_STORAGE_SECRET": "s"},
            False,
            "needs the pod's service account",
        ),
    ],
)
def test_a_pod_without_what_katib_needs_says_so(
    tmp_path: Path, env: dict[str, str], account: bool, words: str
) -> None:
    folder = tmp_path / "serviceaccount"
    if account:
        folder.mkdir()
        (folder / "namespace").write_text(NAMESPACE)
    with pytest.raises(KatibError, match=words):
        PodSetup.from_pod(env, folder)


def test_the_pod_setup_is_read_from_the_pod(tmp_path: Path) -> None:
    (tmp_path / "namespace").write_text("team-b\n")
    env = {
        "DESIGNER_BLOCK_IMAGE": "designer-blocks:2",
        "DESIGNER_KFP_STORAGE_SECRET": "keys",
        "DESIGNER_S3_ENDPOINT": "minio:9000",
        "DESIGNER_S3_ACCESS_KEY": "never passed on",
        "HOME": "/tmp",
    }
    setup = PodSetup.from_pod(env, tmp_path)
    assert (setup.namespace, setup.image, setup.secret) == ("team-b", "designer-blocks:2", "keys")
    assert setup.storage_env == {"DESIGNER_S3_ENDPOINT": "minio:9000"}

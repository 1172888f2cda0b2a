"""A designer configured for a Kubeflow cluster, used from the browser.

The cluster is the loopback stand-ins of ``tests.fixtures.cluster_stack``: Kubeflow Pipelines
executing each task from an installed build of the project, the Kubernetes API with KServe,
and the S3 server. The designer is a second app process started with that configuration.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from minio import Minio
from playwright.sync_api import Browser, expect

from designer.devtools import AppDidNotStart, running_app
from designer.settings import StorageSettings, load_settings
from designer.store import accounts
from designer.store.db import engine_for
from tests.e2e.conftest import sign_in_to
from tests.e2e.editor_page import RUN_TIMEOUT_MS, Editor
from tests.fixtures.cluster_stack import (
    K8S_TOKEN,
    KFP_TOKEN,
    NAMESPACE,
    SECRET,
    ClusterStack,
    block_image,
    needs_bwrap,
)
from tests.fixtures.flow_files import FLOWS
from tests.fixtures.k8s_server import FakeKubernetesServer
from tests.fixtures.kfp_cluster import BlockImage, TaskCluster
from tests.fixtures.kfp_server import FakeKfpServer
from tests.fixtures.object_stores import ACCESS_KEY, SECRET_KEY, remove_bucket, s3_server

__all__ = ["block_image", "s3_server"]

pytestmark = [pytest.mark.e2e, needs_bwrap]


@pytest.fixture(scope="module")
def stack(
    block_image: BlockImage, s3_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ClusterStack]:
    storage = StorageSettings(
        endpoint=s3_server,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        bucket=f"designer-e2e-{uuid.uuid4().hex[:16]}",
    )
    Minio(s3_server, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False).make_bucket(
        storage.bucket
    )
    with FakeKubernetesServer(token=K8S_TOKEN) as kube:
        kube.add_secret(NAMESPACE, SECRET, {"access_key": ACCESS_KEY, "secret_key": SECRET_KEY})
        kube.add_storage_secret(NAMESPACE, "designer-models", storage)
        tasks = TaskCluster(
            image=block_image,
            s3_endpoint=f"http://{s3_server}",
            s3_keys=(ACCESS_KEY, SECRET_KEY),
            platform=kube,
            namespace=NAMESPACE,
        )
        with FakeKfpServer(token=KFP_TOKEN, cluster=tasks) as kfp:
            home = tmp_path_factory.mktemp("cluster-designer")
            yield ClusterStack(kfp, kube, tasks, storage, home)
    remove_bucket(storage)


@pytest.fixture(scope="module")
def cluster_app(
    stack: ClusterStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    env = stack.env(DESIGNER_KSERVE_READY_TIMEOUT="60")
    env.pop("DESIGNER_HOME")  # the app's own, under its work folder
    env.pop("DESIGNER_DATABASE_URL")
    try:
        with running_app(tmp_path_factory.mktemp("cluster-app"), env) as (url, app_env):
            database = engine_for(load_settings(app_env).database_url)
            accounts.create_user(database, "site-admin", "Site admin")
            yield url, app_env
    except AppDidNotStart as exc:
        pytest.fail(str(exc))


@pytest.fixture
def editor(
    cluster_app: tuple[str, dict[str, str]], browser: Browser, screenshot_path: Path
) -> Iterator[Editor]:
    url, env = cluster_app
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    sign_in_to(url, engine_for(load_settings(env).database_url), context, "grace")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Editor(page, url, screenshot_path)
    context.close()


def test_a_template_runs_on_kubeflow_and_its_results_come_back(
    editor: Editor, stack: ClusterStack
) -> None:
    page = editor.page
    page.goto(f"{editor.app_url.rstrip('/')}/gallery")
    page.get_by_test_id("template-search").fill("Train and deploy")
    card = page.get_by_test_id("template-card").filter(has_text="Train and deploy a model")
    expect(card).to_have_count(1)
    card.get_by_test_id("use-template").click()
    page.wait_for_url(re.compile(r"/flows/[0-9a-f]+$"))
    editor.wait_ready()
    page.get_by_test_id("run-button").click()
    summary = page.get_by_test_id("run-summary")
    expect(summary).to_have_attribute("data-status", "running", timeout=60_000)
    expect(page.get_by_text("Open in Kubeflow")).to_be_visible()
    expect(page.get_by_test_id("run-engine")).to_have_text("on Kubeflow")
    editor.shot("cluster-run-going")
    expect(summary).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
    editor.fit()  # every block in view: the canvas draws only what is in view
    for node_id in ("load", "split", "prepare", "train", "evaluate", "deploy"):
        expect(editor.node(node_id)).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("metric").filter(has_text="Accuracy").first).to_be_visible()
    expect(page.get_by_test_id("confusion-matrix").first).to_be_visible()
    editor.shot("cluster-run-results")

    # The pod's log, read through the Kubernetes API.
    editor.select(editor.node("train"))
    expect(page.get_by_test_id("node-log").first).to_contain_text("trained RandomForestClassifier")
    editor.shot("cluster-run-log")
    assert [run.state for run in stack.tasks.runs.values()] == ["SUCCEEDED"]

    # The Deploy block's model is served by KServe, and answers from the Models page.
    page.goto(editor.app_url + "models")
    row = page.locator('[data-testid="model-row"][data-model="iris-species"]')
    # Listed at once; "ready" once KServe has rolled it out, without opening the page again.
    expect(row.get_by_test_id("model-serving")).to_contain_text("KServe")
    expect(row.get_by_test_id("model-serving")).to_have_text("KServe · ready", timeout=60_000)
    row.click()
    expect(page.get_by_test_id("serving-ready")).to_contain_text("http://")
    page.get_by_test_id("predict-button").click()
    answer = page.get_by_test_id("prediction")
    expect(answer).to_contain_text("Predicted class:")
    expect(answer.get_by_test_id("probability")).to_have_count(3)
    editor.shot("cluster-model-served")
    service = stack.kube.inference_service(NAMESPACE, "iris-species")
    assert service is not None and service["spec"]["predictor"]


def test_a_second_cluster_run_is_cancelled_from_the_editor(
    editor: Editor, stack: ClusterStack
) -> None:
    page = editor.page
    editor.import_flow(FLOWS / "iris_classification.json")
    page.get_by_test_id("run-button").click()
    page.get_by_test_id("run-confirm").click()  # the flow's parameter at its default
    summary = page.get_by_test_id("run-summary")
    expect(summary).to_have_attribute("data-status", "running", timeout=60_000)
    page.get_by_test_id("run-cancel").click()
    expect(summary).to_have_attribute("data-status", "cancelled", timeout=RUN_TIMEOUT_MS)
    expect(editor.node("deploy")).not_to_have_attribute("data-status", "succeeded")
    editor.shot("cluster-run-cancelled")

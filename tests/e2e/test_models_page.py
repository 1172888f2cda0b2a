"""The models page: a model deployed by a real run is listed, and answers a row typed in."""

from __future__ import annotations

import uuid
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from blocks.runtime.model_registry import predict_rows
from designer.flow.compile import compile_flow
from designer.flow.document import Flow
from designer.models.publish import publish_deployments
from designer.runs.local import LocalEngine
from designer.runs.record import Status
from designer.settings import load_settings
from designer.store import engine_for
from designer.store.accounts import actor_named
from designer.templates.gallery import get_builtin, with_sample_paths
from tests.fixtures.flow_files import fixture_flow

pytestmark = pytest.mark.e2e

#: A setosa from the iris table, as a person would type it.
SETOSA = {
    "sepal length (cm)": "5.1",
    "sepal width (cm)": "3.5",
    "petal length (cm)": "1.4",
    "petal width (cm)": "0.2",
}


def deploy_iris(env: dict[str, str], username: str) -> str:
    """Run the iris fixture flow (train, evaluate, deploy) for ``username`` and publish its
    model into the app's home, as the app does when a run ends; the model's name.

    The name is fresh, so models other tests deploy in the same app never get in the way.
    """
    document = fixture_flow("iris_classification")
    name = f"iris-{uuid.uuid4().hex[:6]}"
    deploy = next(node for node in document["nodes"] if node["id"] == "deploy")
    deploy["params"] = {"model_name": name, "description": "Which iris a flower is"}
    return deploy_flow(env, username, document, name)


def deploy_churn(env: dict[str, str], username: str) -> str:
    """The customers template (prepared columns, one-hot plans and regions) with a deploy block
    taking its model and preprocessor; run and published as ``deploy_iris`` does."""
    template = get_builtin("messy-customers")
    assert template is not None
    document = with_sample_paths(template.flow).model_dump(mode="json")
    name = f"churn-{uuid.uuid4().hex[:6]}"
    document["nodes"].append(
        {
            "id": "deploy",
            "block": "deploy.local_model",
            "params": {"model_name": name},
            "position": {"x": 900, "y": 300},
        }
    )
    document["edges"] += [
        {"source": "train", "source_port": "model", "target": "deploy", "target_port": "model"},
        {
            "source": "prepare",
            "source_port": "preprocessor",
            "target": "deploy",
            "target_port": "preprocessor",
        },
    ]
    return deploy_flow(env, username, document, name)


def deploy_flow(env: dict[str, str], username: str, document: dict, name: str) -> str:
    settings = load_settings(env)
    database = engine_for(settings.database_url)
    flow = Flow.model_validate(document)
    publish = partial(
        publish_deployments,
        database,
        settings.models_dir,
        owner_id=actor_named(database, username).id,
        flow_id=None,
    )
    engine = LocalEngine(
        settings.runs_dir, settings=settings, env={"DESIGNER_HOME": str(settings.home)}
    )
    record = engine.start(compile_flow(flow), flow_name=flow.name, after_run=publish).wait()
    failed = {k: n.error for k, n in record.nodes.items() if n.error}
    assert record.status is Status.SUCCEEDED, record.error or failed
    return name


def field(page: Page, column: str) -> Locator:
    return page.locator(f'[data-testid="try-input"][data-column="{column}"]')


def test_try_a_deployed_model(
    app: tuple[str, dict[str, str]], page: Page, screenshot_path: Path
) -> None:
    url, env = app
    home = Path(env["DESIGNER_HOME"])
    name = deploy_iris(env, "ada")  # the person the page is signed in as
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(url + "models")

    expect(page.get_by_role("heading", name="Models", exact=True)).to_be_visible()
    row = page.locator(f'[data-testid="model-row"][data-model="{name}"]')
    expect(row).to_contain_text("classification")
    expect(row.get_by_test_id("model-owner")).to_have_text("you")
    expect(row).to_contain_text("species")  # what it predicts, named after what it is
    row.click()
    expect(row).to_have_attribute("aria-selected", "true")
    inputs = page.get_by_test_id("try-input")
    expect(inputs).to_have_count(len(SETOSA))
    for column in SETOSA:  # pre-filled with values the model has seen
        expect(field(page, column)).not_to_have_value("")

    for column, value in SETOSA.items():
        field(page, column).fill(value)
    page.get_by_test_id("predict-button").click()

    expected = predict_rows(home / "models", name, [SETOSA]).predictions[0]
    assert expected == "setosa"  # the class by name, as the sample data holds it
    answer = page.get_by_test_id("prediction")
    expect(answer).to_contain_text(f"Predicted class: {expected}")
    expect(answer.get_by_test_id("probability")).to_have_count(3)  # iris has three classes
    expect(answer.get_by_test_id("probability").first).to_contain_text(str(expected))
    page.wait_for_load_state("networkidle")
    page.screenshot(path=screenshot_path / "models.png", full_page=True)

    # A value the model cannot take is said next to the form, and the answer goes.
    field(page, "petal length (cm)").fill("1e300")
    page.get_by_test_id("predict-button").click()
    expect(page.get_by_test_id("predict-error")).to_contain_text("could not predict")
    expect(answer).to_have_count(0)
    page.screenshot(path=screenshot_path / "models-error.png", full_page=True)
    assert errors == []


def test_a_value_never_seen_in_training_is_answered_with_a_note(
    app: tuple[str, dict[str, str]], page: Page, screenshot_path: Path
) -> None:
    url, env = app
    name = deploy_churn(env, "ada")
    page.goto(url + "models")
    page.locator(f'[data-testid="model-row"][data-model="{name}"]').click()
    expect(field(page, "plan")).not_to_have_value("")
    page.get_by_test_id("predict-button").click()
    expect(page.get_by_test_id("prediction")).to_be_visible()
    expect(page.get_by_test_id("unseen-note")).to_have_count(0)  # a row like the training rows

    field(page, "plan").fill("platinum")
    page.get_by_test_id("predict-button").click()
    note = page.get_by_test_id("unseen-note")
    expect(note).to_contain_text("plan")
    expect(note).to_contain_text("platinum")
    expect(note).to_contain_text("basic")  # the plans it does know
    expect(page.get_by_test_id("prediction")).to_be_visible()  # still answered
    page.screenshot(path=screenshot_path / "models-unseen.png", full_page=True)


def test_the_owner_removes_a_model_after_a_yes(
    app: tuple[str, dict[str, str]], page: Page, screenshot_path: Path
) -> None:
    url, env = app
    home = Path(env["DESIGNER_HOME"])
    name = deploy_iris(env, "ada")
    page.goto(url + "models")
    row = page.locator(f'[data-testid="model-row"][data-model="{name}"]')
    expect(row.get_by_test_id("model-serving")).to_have_count(0)  # answers on this computer
    row.click()
    expect(page.get_by_test_id("serving-ready")).to_have_count(0)  # served here, not by KServe

    page.get_by_test_id("model-remove").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"Every version of “{name}” will be removed")
    page.screenshot(path=screenshot_path / "models-remove.png", full_page=True)
    page.get_by_test_id("confirm-remove-model-cancel").click()
    expect(dialog).to_have_count(0)
    expect(row).to_be_visible()  # nothing happened

    page.get_by_test_id("model-remove").click()
    page.get_by_test_id("confirm-remove-model").click()

    expect(row).to_have_count(0)
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    assert not (home / "models" / name).exists()


def test_a_model_kserve_serves_says_whether_it_is_ready(
    app: tuple[str, dict[str, str]], page: Page, screenshot_path: Path, tmp_path: Path
) -> None:
    """This app has no Kubernetes API configured: a model a cluster run deployed is listed as
    KServe's, not ready, saying why, and a prediction says what to set. (Ready models, with a
    cluster, are the Kubeflow end-to-end test's.)"""
    import joblib

    from blocks.runtime.model_registry import register
    from blocks.runtime.sklearn_data import load_sample
    from blocks.runtime.training import fit
    from designer.store.models import claim_model_name

    url, env = app
    settings = load_settings(env)
    database = engine_for(settings.database_url)
    name = f"iris-{uuid.uuid4().hex[:6]}"
    model, facts = fit(load_sample("iris"), "logistic_regression", {"C": 1.0, "max_iter": 500})
    joblib.dump(model, tmp_path / "model.joblib")
    claim_model_name(database, actor_named(database, "ada"), name)
    serving = {"engine": "kserve", "namespace": "team-ml", "inference_service": name}
    register(
        settings.models_dir,
        name,
        tmp_path / "model.joblib",
        target="species",
        feature_columns=facts["feature_columns"],
        serving=serving | {"protocol": "v2", "probabilities": True, "classes": [0, 1, 2]},
    )

    page.goto(url + "models")
    row = page.locator(f'[data-testid="model-row"][data-model="{name}"]')
    expect(row.get_by_test_id("model-serving")).to_have_text("KServe · not ready")
    row.click()
    note = page.get_by_test_id("serving-not-ready")
    expect(note).to_contain_text("the cluster cannot be asked")
    expect(note).to_contain_text("set DESIGNER_K8S_HOST and DESIGNER_K8S_TOKEN")
    page.get_by_test_id("predict-button").click()
    expect(page.get_by_test_id("predict-error")).to_contain_text(
        "is served by KServe on the cluster, and the designer has no Kubernetes API to reach it"
    )
    page.screenshot(path=screenshot_path / "models-kserve-not-ready.png", full_page=True)

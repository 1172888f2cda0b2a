"""Tests of the cluster path: the Kubernetes API client, KServe serving and cluster publishing,
against the Kubernetes stand-in (``tests/fixtures/k8s_server.py``) and the S3 server on
loopback. Models are trained for real in the tests (a fraction of a second each).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import joblib

from blocks.runtime.model_bundle import BUNDLE_KIND, write_bundle
from blocks.runtime.preparation import prepare_tables
from blocks.runtime.sklearn_data import load_sample
from blocks.runtime.splitting import split_table
from blocks.runtime.table_file import read_table_file
from blocks.runtime.training import fit
from designer.objects.base import ObjectStore
from designer.runs.record import NodeRun, OutputRecord, RunRecord, Status

#: The namespace runs and models are in, the token the stand-in wants, and the service
#: account InferenceServices run as (the settings' default).
NAMESPACE = "team-ml"
TOKEN = "cluster-token"
ACCOUNT = "designer-models"
PETS = Path(__file__).parents[2] / "fixtures" / "data" / "pets.csv"
IRIS_ROW = {
    "sepal length (cm)": 6.1,
    "sepal width (cm)": 2.8,
    "petal length (cm)": 4.7,
    "petal width (cm)": 1.2,
}
PETS_ROW = {"age": 3, "weight": 4.1, "color": "black", "indoor": True}


@dataclass(frozen=True)
class Trained:
    """Model files as train blocks leave them, with what their Deploy block would say."""

    model: Path
    preprocessor: Path | None
    task: str
    target: str
    feature_columns: list[str] | None


def train_iris(folder: Path) -> Trained:
    """A logistic regression on iris's four number columns."""
    model, facts = fit(load_sample("iris"), "logistic_regression", {"C": 1.0, "max_iter": 500})
    joblib.dump(model, folder / "iris.joblib")
    return Trained(
        folder / "iris.joblib", None, "classification", "target", facts["feature_columns"]
    )


def train_pets(folder: Path) -> Trained:
    """A random forest behind a Prepare columns preprocessor (medians, one-hot colours)."""
    pets = read_table_file(str(PETS), "auto", "species")
    prepared = prepare_tables(*split_table(pets, 0.25, 0, True), ["name"], "median", "none", True)
    joblib.dump(prepared.preprocessor, folder / "pets-preprocessor.joblib")
    model, _ = fit(prepared.train, "random_forest", {"n_estimators": 10, "max_depth": 0, "seed": 0})
    joblib.dump(model, folder / "pets.joblib")
    return Trained(
        folder / "pets.joblib",
        folder / "pets-preprocessor.joblib",
        "classification",
        "species",
        None,
    )


def train_diabetes(folder: Path) -> Trained:
    model, facts = fit(load_sample("diabetes"), "linear_regression", {"alpha": 0.0})
    joblib.dump(model, folder / "diabetes.joblib")
    return Trained(
        folder / "diabetes.joblib", None, "regression", "target", facts["feature_columns"]
    )


def bundle_output(
    store: ObjectStore, trained: Trained, name: str, *, run: str = "run-1", node: str = "deploy"
) -> OutputRecord:
    """A Deploy node's output on the cluster: its bundle in storage under the run outputs, as
    Kubeflow leaves it (``kfp/<run>/<node>/deployment/``)."""
    prefix = f"kfp/{run}/{node}/deployment"
    with tempfile.TemporaryDirectory() as folder:
        write_bundle(
            folder,
            trained.model,
            name=name,
            preprocessor_path=trained.preprocessor,
            task=trained.task,
            target=trained.target,
            feature_columns=trained.feature_columns,
            description=f"{name} from a cluster run",
            source_uri=f"s3://bucket/{prefix}/model",
        )
        for path in sorted(Path(folder).iterdir()):
            store.put_file(f"{prefix}/{path.name}", path)
    return OutputRecord(
        store.location(f"{prefix}/bundle.json").removesuffix("/bundle.json"),
        "system.Artifact",
        {"kind": BUNDLE_KIND, "name": name},
    )


def cluster_record(*outputs: OutputRecord, run_id: str = "run-1") -> RunRecord:
    """A finished Kubeflow run whose node ``deploy<i>`` packed the ``i``-th output."""
    return RunRecord(
        run_id=run_id,
        flow_name="test",
        engine="kubeflow",
        status=Status.SUCCEEDED,
        nodes={
            f"deploy{i}": NodeRun(status=Status.SUCCEEDED, outputs={"deployment": output})
            for i, output in enumerate(outputs)
        },
    )


def facts(models: Path, name: str, version: int) -> dict[str, object]:
    return dict(json.loads((models / name / str(version) / "model.json").read_text()))

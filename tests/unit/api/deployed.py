"""Models deployed in a designer home, for the tests of the model endpoints.

Trained for real on scikit-learn's iris and diabetes tables (a few hundred milliseconds), and
registered as the designer publishes a "Deploy locally" block's model, so the endpoints read
real model folders. In each test's database the owner persona owns them, deployed from the
standard shared flow: everyone that flow is shared with may use them, strangers may not.
"""

from __future__ import annotations

from pathlib import Path

import joblib
import pytest

from blocks.runtime.model_registry import register
from blocks.runtime.preparation import prepare_tables
from blocks.runtime.sklearn_data import load_sample
from blocks.runtime.splitting import split_table
from blocks.runtime.table_file import read_table_file
from blocks.runtime.training import fit
from designer.store.models import claim_model_name
from tests.unit.api import Scene

PETS = Path(__file__).parents[2] / "fixtures" / "data" / "pets.csv"
IRIS_ROW = {
    "sepal length (cm)": 6.1,
    "sepal width (cm)": 2.8,
    "petal length (cm)": 4.7,
    "petal width (cm)": 1.2,
}
PETS_ROW = {"age": 3, "weight": 4.1, "color": "black", "indoor": True}
DIABETES_ROW = dict.fromkeys(["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"], 0.0)


def deploy_samples(home: Path) -> Path:
    """``home`` with iris (two versions), pets (behind a preprocessor) and diabetes deployed."""
    models = home / "models"
    files = home / "trained"
    files.mkdir(parents=True)
    iris = fit(load_sample("iris"), "logistic_regression", {"C": 1.0, "max_iter": 500})[0]
    joblib.dump(iris, files / "iris")
    diabetes = fit(load_sample("diabetes"), "linear_regression", {"alpha": 0.0})[0]
    joblib.dump(diabetes, files / "diabetes")
    pets = read_table_file(str(PETS), "auto", "species")
    prepared = prepare_tables(*split_table(pets, 0.25, 0, True), ["name"], "median", "none", True)
    joblib.dump(prepared.preprocessor, files / "preprocessor")
    params = {"n_estimators": 10, "max_depth": 0, "seed": 0}
    joblib.dump(fit(prepared.train, "random_forest", params)[0], files / "pets")

    register(models, "iris", files / "iris", target="target", description="first try")
    register(models, "iris", files / "iris", target="target", description="Which iris it is")
    register(models, "pets", files / "pets", preprocessor_path=files / "preprocessor")
    register(models, "diabetes", files / "diabetes", target="target")
    return home


@pytest.fixture(scope="module")
def models_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A designer home with the sample models, shared by a module's tests (they only read it)."""
    return deploy_samples(tmp_path_factory.mktemp("home"))


#: The sample models, each owned by the owner persona.
SAMPLE_MODELS = ("iris", "pets", "diabetes")


@pytest.fixture
def deployed(scene: Scene, models_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's settings pointing at ``models_home``; the scene's owner owns its models,
    deployed from the scene's shared flow."""
    monkeypatch.setenv("DESIGNER_HOME", str(models_home))
    for name in SAMPLE_MODELS:
        claim_model_name(scene.world.engine, scene.world.owner, name, flow_id=scene.shared.id)
    return models_home

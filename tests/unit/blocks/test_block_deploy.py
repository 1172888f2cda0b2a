"""Local deployment: numbered versions, safe under races, and predictions that round-trip."""

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import joblib
import pandas as pd
import pytest
from kfp import dsl

from blocks.deploy.local_model import deploy_local_model
from blocks.runtime.model_bundle import BUNDLE_FILE, BUNDLE_KIND
from blocks.runtime.model_registry import list_models, load_model, predict, register
from blocks.runtime.preparation import prepare_tables
from blocks.runtime.splitting import split_table
from blocks.runtime.table_file import read_table_file
from blocks.runtime.tables import Table
from blocks.runtime.training import fit
from tests.fixtures.models import publish_bundles


@pytest.fixture(scope="module")
def iris_files(iris_split: tuple[Table, Table], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A trained iris classifier as the train block leaves it: a joblib file."""
    folder = tmp_path_factory.mktemp("iris")
    joblib.dump(
        fit(iris_split[0], "logistic_regression", {"C": 1.0, "max_iter": 500})[0], folder / "model"
    )
    return folder


@pytest.fixture(scope="module")
def pets_files(fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pets classifier behind its Prepare columns preprocessor, as two joblib files."""
    folder = tmp_path_factory.mktemp("pets")
    table = read_table_file(str(fixtures_dir / "pets.csv"), "auto", "species")
    prepared = prepare_tables(*split_table(table, 0.25, 0, True), ["name"], "median", "none", True)
    joblib.dump(prepared.preprocessor, folder / "preprocessor")
    params = {"n_estimators": 20, "max_depth": 0, "seed": 0}
    joblib.dump(fit(prepared.train, "random_forest", params)[0], folder / "model")
    return folder


def test_versions_count_up_and_latest_wins(iris_files: Path, tmp_path: Path) -> None:
    first = register(tmp_path, "iris", iris_files / "model", description="first")
    second = register(tmp_path, "iris", iris_files / "model", target="target")
    register(tmp_path, "other", iris_files / "model")
    assert (first["version"], second["version"]) == (1, 2)
    assert [(m["name"], m["version"]) for m in list_models(tmp_path)] == [
        ("iris", 1),
        ("iris", 2),
        ("other", 1),
    ]
    assert load_model(tmp_path, "iris").info["version"] == 2
    assert load_model(tmp_path, "iris", 1).info["description"] == "first"
    info = json.loads((tmp_path / "iris" / "2" / "model.json").read_text())
    assert info["task"] == "classification" and info["feature_columns"][0] == "sepal length (cm)"


def test_concurrent_registrations_get_distinct_versions(iris_files: Path, tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        infos = list(pool.map(lambda _: register(tmp_path, "race", iris_files / "model"), range(8)))
    assert sorted(i["version"] for i in infos) == list(range(1, 9))


def test_predict_round_trip(
    iris_files: Path, iris_split: tuple[Table, Table], tmp_path: Path
) -> None:
    register(tmp_path, "iris", iris_files / "model")
    rows = iris_split[1].features
    expected = joblib.load(iris_files / "model").predict(rows).tolist()
    assert predict(tmp_path, "iris", rows) == expected


def test_predict_applies_the_preprocessor(pets_files: Path, tmp_path: Path) -> None:
    info = register(
        tmp_path, "pets", pets_files / "model", preprocessor_path=pets_files / "preprocessor"
    )
    assert info["feature_columns"] == ["age", "weight", "color", "indoor"]
    rows = pd.DataFrame(
        {"age": [3.0, None], "weight": [4.1, 31.0], "color": ["black", "pink"], "indoor": [1, 0]}
    )
    assert predict(tmp_path, "pets", rows) == ["cat", "dog"]


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        ("missing_column", ValueError, "needs column\\(s\\) 'petal width \\(cm\\)'"),
        ("unknown_model", LookupError, "no model named 'nope' in .*; registered models: iris"),
        ("unknown_version", LookupError, "has no version 7; versions: 1"),
        ("bad_name", ValueError, "lowercase letters, digits and dashes"),
    ],
)
def test_clear_errors(
    iris_files: Path,
    iris_split: tuple[Table, Table],
    tmp_path: Path,
    call: str,
    error: type[Exception],
    words: str,
) -> None:
    register(tmp_path, "iris", iris_files / "model")
    rows = iris_split[1].features
    calls = {
        "missing_column": lambda: predict(
            tmp_path, "iris", rows.drop(columns=["petal width (cm)"])
        ),
        "unknown_model": lambda: predict(tmp_path, "nope", rows),
        "unknown_version": lambda: load_model(tmp_path, "iris", 7),
        "bad_name": lambda: register(tmp_path, "My Model", iris_files / "model"),
    }
    with pytest.raises(error, match=words):
        calls[call]()


@pytest.mark.parametrize("with_preprocessor", [False, True])
def test_component_packs_a_bundle_the_designer_publishes(
    pets_files: Path,
    artifact: Callable[..., dsl.Artifact],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    with_preprocessor: bool,
) -> None:
    monkeypatch.setenv("DESIGNER_HOME", str(tmp_path / "home"))
    facts = {"task": "classification", "target": "species", "feature_columns": ["x"]}
    model = dsl.Model(name="model", uri=str(pets_files / "model"), metadata=facts)
    preprocessor = dsl.Model(uri=str(pets_files / "preprocessor")) if with_preprocessor else None
    deployment = artifact(dsl.Artifact, "deployment")

    deploy_local_model(model, deployment, "pets", "cats or dogs", preprocessor)

    # The run registers nothing itself: it cannot write the designer's home.
    assert not (tmp_path / "home" / "models").exists()
    assert deployment.metadata == {"kind": BUNDLE_KIND, "name": "pets", "task": "classification"}
    bundle = Path(deployment.path)
    assert (bundle / "preprocessor.joblib").exists() == with_preprocessor
    packed = json.loads((bundle / BUNDLE_FILE).read_text())
    assert (packed["name"], packed["target"]) == ("pets", "species")

    models = tmp_path / "home" / "models"
    [published] = publish_bundles(models, tmp_path)
    assert (published.name, published.version) == ("pets", 1)
    info = json.loads((models / "pets" / "1" / "model.json").read_text())
    assert info["source_uri"] == str(pets_files / "model") and info["target"] == "species"
    assert info["description"] == "cats or dogs"
    expected = ["age", "weight", "color", "indoor"] if with_preprocessor else ["x"]
    assert info["feature_columns"] == expected


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:You may be attemping to run a task:RuntimeWarning")
@pytest.mark.parametrize("connect_preprocessor", [True, False])
def test_optional_preprocessor_in_kfp_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, connect_preprocessor: bool
) -> None:
    """The preprocessor input may be left unconnected: kfp.local passes None to the block."""
    from kfp import local

    from blocks.catalogue import get_block

    monkeypatch.setenv("DESIGNER_HOME", str(tmp_path / "home"))
    load, split, prepare, train, deploy = (
        get_block(i).component()  # type: ignore[union-attr]
        for i in (
            "load.sklearn_dataset",
            "split.train_test",
            "preprocess.prepare_columns",
            "train.logistic_regression",
            "deploy.local_model",
        )
    )

    @dsl.pipeline(name="deploy-optional-input")
    def pipeline() -> None:
        data = load(dataset="iris").outputs["data"]
        if not connect_preprocessor:
            model = train(train=data, C=1.0, max_iter=500)
            deploy(model=model.outputs["model"], model_name="iris", description="")
            return
        parts = split(data=data, test_size=0.2, seed=0, stratify=True)
        prepared = prepare(
            train=parts.outputs["train"],
            test=parts.outputs["test"],
            drop_columns=[],
            impute="median",
            scale="standard",
            one_hot=True,
        )
        model = train(train=prepared.outputs["prepared_train"], C=1.0, max_iter=500)
        deploy(
            model=model.outputs["model"],
            preprocessor=prepared.outputs["preprocessor"],
            model_name="iris",
            description="",
        )

    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path / "root"))
    pipeline()
    publish_bundles(tmp_path / "home" / "models", tmp_path / "root")
    [info] = list_models(tmp_path / "home" / "models")
    assert info["has_preprocessor"] is connect_preprocessor
    rows = pd.DataFrame([[5.1, 3.5, 1.4, 0.2]], columns=info["feature_columns"])
    assert predict(tmp_path / "home" / "models", "iris", rows) == ["setosa"]


# --- what a deployed model takes, and predictions from rows as people send them ----------------


@pytest.fixture(scope="module")
def models_dir(
    iris_files: Path,
    pets_files: Path,
    iris_split: tuple[Table, Table],
    diabetes_split: tuple[Table, Table],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """iris (a logistic regression, two versions), iris-forest, pets (behind its preprocessor)
    and diabetes (a regression)."""
    folder = tmp_path_factory.mktemp("models")
    forest = fit(iris_split[0], "random_forest", {"n_estimators": 10, "max_depth": 0, "seed": 0})
    joblib.dump(forest[0], folder / "forest")
    joblib.dump(fit(diabetes_split[0], "linear_regression", {"alpha": 0.0})[0], folder / "lin")
    register(folder, "iris", iris_files / "model", description="first")
    register(folder, "iris", iris_files / "model", target="target", description="second")
    register(folder, "iris-forest", folder / "forest")
    register(folder, "pets", pets_files / "model", preprocessor_path=pets_files / "preprocessor")
    register(folder, "diabetes", folder / "lin", target="target")
    return folder


def features_by_name(models_dir: Path, name: str) -> dict[str, dict]:
    return {f["name"]: f for f in load_model(models_dir, name).info["features"]}


def test_a_preprocessor_tells_the_kinds_and_typical_values(models_dir: Path) -> None:
    pets = features_by_name(models_dir, "pets")

    assert {name: f["type"] for name, f in pets.items()} == {
        "age": "number",
        "weight": "number",
        "color": "text",
        "indoor": "number",
    }
    assert pets["color"]["choices"] == ["black", "brown", "grey", "white"]
    assert pets["color"]["example"] in pets["color"]["choices"]
    assert isinstance(pets["age"]["example"], float)  # the imputer's median


def test_a_tree_model_suggests_values_inside_the_data(
    models_dir: Path, iris_split: tuple[Table, Table]
) -> None:
    features = iris_split[0].features
    for name, feature in features_by_name(models_dir, "iris-forest").items():
        assert feature["type"] == "number"
        assert features[name].min() <= feature["example"] <= features[name].max()
    # A linear model keeps no values of its inputs: its columns have no example.
    assert {f["example"] for f in features_by_name(models_dir, "iris").values()} == {None}


def test_deployed_models_lists_each_name_once_with_its_versions(models_dir: Path) -> None:
    from blocks.runtime.model_registry import deployed_model, deployed_models

    listed = {m["name"]: m for m in deployed_models(models_dir)}

    assert list(listed) == ["diabetes", "iris", "iris-forest", "pets"]
    iris = listed["iris"]
    assert (iris["version"], iris["description"], iris["target"]) == (2, "second", "target")
    assert [v["version"] for v in iris["versions"]] == [2, 1]
    assert "path" not in iris and "source_uri" not in iris
    assert listed["diabetes"]["task"] == "regression"
    one = deployed_model(models_dir, "iris")
    assert one["versions"][1]["description"] == "first"
    assert one["versions"][1]["features"][0]["name"] == "sepal length (cm)"


PETS_ROW = {"age": 3, "weight": 4.1, "color": "black", "indoor": True}
IRIS_COLUMNS = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
DIABETES_COLUMNS = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]


@pytest.mark.parametrize(
    ("name", "rows", "version", "expected", "classes"),
    [
        ("pets", [PETS_ROW, {**PETS_ROW, "age": None, "weight": "31"}], None, ["cat", "dog"], 2),
        ("pets", [{**PETS_ROW, "color": "pink", "indoor": 0}], None, ["cat"], 2),
        ("iris", [dict.fromkeys(IRIS_COLUMNS, 1.0)], 1, ["setosa"], 3),
        ("diabetes", [dict.fromkeys(DIABETES_COLUMNS, 0.0)], None, None, 0),
    ],
)
def test_predict_rows(
    models_dir: Path,
    name: str,
    rows: list[dict],
    version: int | None,
    expected: list | None,
    classes: int,
) -> None:
    from blocks.runtime.model_registry import predict_rows

    answer = predict_rows(models_dir, name, rows, version)

    assert answer.version == (version or load_model(models_dir, name).info["version"])
    assert len(answer.predictions) == len(rows)
    if expected is not None:
        assert answer.predictions == expected
    assert len(answer.classes) == classes
    for probabilities in answer.probabilities:
        assert len(probabilities) == classes and sum(probabilities) == pytest.approx(1, abs=1e-5)


@pytest.mark.parametrize(
    ("rows", "error", "words"),
    [
        ([{"age": 3}], "RowsProblem", "missing column\\(s\\) 'weight', 'color', 'indoor'"),
        ([{**PETS_ROW, "colour": "x"}], "RowsProblem", "unknown column\\(s\\) 'colour'"),
        ([PETS_ROW, {"age": 1}], "RowsProblem", "'indoor' \\(row 2 is the first without"),
        ([{**PETS_ROW, "age": "old"}], "RowsProblem", "row 1, column 'age': expected a number"),
        ([PETS_ROW, {**PETS_ROW, "weight": [1]}], "RowsProblem", "row 2, column 'weight'"),
        ([{**PETS_ROW, "age": "inf"}], "RowsProblem", "expected a finite number"),
        ([{**PETS_ROW, "age": 10**400}], "RowsProblem", "expected a number"),
        ([{**PETS_ROW, "weight": 1e300}], "PredictionFailed", "could not predict"),
        ([], "ValueError", "at least one row"),
        ([PETS_ROW] * 10_001, "ValueError", "at most 10000 rows"),
    ],
)
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_rows_that_do_not_fit_are_refused_by_name(
    models_dir: Path, rows: list[dict], error: str, words: str
) -> None:
    from blocks.runtime.model_registry import predict_rows

    with pytest.raises(ValueError, match=words) as raised:
        predict_rows(models_dir, "pets", rows)

    assert type(raised.value).__name__ == error
    if error == "RowsProblem":
        assert "it expects the columns age, weight, color, indoor" in str(raised.value)


def test_a_registration_older_than_feature_descriptions_still_loads(
    pets_files: Path, tmp_path: Path
) -> None:
    from blocks.runtime.model_registry import deployed_models, predict_rows

    register(tmp_path, "pets", pets_files / "model", preprocessor_path=pets_files / "preprocessor")
    info_file = tmp_path / "pets" / "1" / "model.json"
    old = json.loads(info_file.read_text())
    del old["features"]
    info_file.write_text(json.dumps(old))

    [listed] = deployed_models(tmp_path)
    assert [f["type"] for f in listed["features"]] == ["unknown"] * 4
    # Predicting reads the kinds from the fitted preprocessor instead.
    assert predict_rows(tmp_path, "pets", [{**PETS_ROW, "age": "3"}]).predictions == ["cat"]

"""The tuning blocks: searches that finish, scores that make sense, the trainers' errors."""

from collections.abc import Callable
from math import prod
from pathlib import Path
from typing import NamedTuple

import joblib
import pandas as pd
import pytest
from kfp import dsl

from blocks.base import TableSchema
from blocks.catalogue import get_block
from blocks.evaluate.classification import evaluate_classification
from blocks.runtime.evaluation import classification_result
from blocks.runtime.model_registry import predict, register
from blocks.runtime.table_file import read_table_file
from blocks.runtime.tables import Table
from blocks.runtime.training import ESTIMATORS
from blocks.runtime.tuning import (
    BASE_PARAMS,
    GRIDS,
    SCORINGS,
    base_estimator,
    block_value,
    ranges,
    summary_lines,
    tune,
)

SEARCHES = [
    # (estimator, data, search, folds, candidates, scoring, estimator class, lowest sane score)
    ("random_forest", "iris", "random", 3, 4, "accuracy", "RandomForestClassifier", 0.85),
    ("gradient_boosting", "iris", "random", 3, 2, "f1", "GradientBoostingClassifier", 0.85),
    ("logistic_regression", "iris", "grid", 5, 1, "balanced_accuracy", "LogisticRegression", 0.9),
    ("linear_regression", "diabetes", "grid", 5, 1, "r2", "Ridge", 0.4),
    ("random_forest_regressor", "diabetes", "random", 3, 2, "mae", "RandomForestRegressor", 0),
]


@pytest.mark.parametrize(
    ("estimator", "data", "search", "folds", "candidates", "scoring", "cls", "lowest"), SEARCHES
)
def test_search_finds_a_sane_model(
    request: pytest.FixtureRequest,
    estimator: str,
    data: str,
    search: str,
    folds: int,
    candidates: int,
    scoring: str,
    cls: str,
    lowest: float,
) -> None:
    table: Table = request.getfixturevalue(data)
    result = tune(table, estimator, search, folds, candidates, scoring, 0)
    tried = prod(map(len, GRIDS[estimator].values())) if search == "grid" else candidates
    assert result.metrics["candidates_tried"] == len(result.ranking) == tried
    assert result.metrics["best_cv_score"] > lowest
    if scoring == "mae":  # errors are shown positive: the best is the smallest
        assert result.metrics["best_cv_score"] < 60
        assert [c.score for c in result.ranking] == sorted(c.score for c in result.ranking)
    facts = result.metadata
    assert facts["estimator"] == cls == type(result.model).__name__
    assert facts["feature_columns"] == list(table.features.columns)
    assert (facts["target"], facts["task"]) == (table.target, table.task)
    assert facts["training_rows"] == len(table.frame)
    fitted = result.model.get_params()
    assert facts["best_params"] == {k: block_value(fitted[k]) for k in GRIDS[estimator]}
    for name, value in facts["best_params"].items():
        assert result.metrics[f"best_{name}"] == value
    assert len(result.model.predict(table.features.head(3))) == 3


def test_search_spaces_fit_their_estimators() -> None:
    """Every tuned setting is a real parameter of the trainer's estimator, in both searches."""
    assert set(GRIDS) == set(BASE_PARAMS) == set(ESTIMATORS)
    for estimator in ESTIMATORS:
        model = base_estimator(estimator, 0)
        assert set(GRIDS[estimator]) == set(ranges(estimator))
        assert set(GRIDS[estimator]) <= set(model.get_params())


@pytest.mark.parametrize(
    ("block_id", "task"),
    [("train.tune_classifier", "classification"), ("train.tune_regressor", "regression")],
)
def test_block_choices_match_the_runtime(block_id: str, task: str) -> None:
    block = get_block(block_id)
    assert block is not None
    properties = block.params_schema()["properties"]
    models = {name for name, spec in ESTIMATORS.items() if spec[0] == task}
    assert set(properties["algorithm"]["enum"]) == models
    assert set(properties["scoring"]["enum"]) == {n for n, s in SCORINGS.items() if s[0] == task}


@pytest.mark.parametrize(
    ("estimator", "scoring", "best_of"),
    [("logistic_regression", "f1", max), ("linear_regression", "rmse", min)],
)
def test_summary_leads_with_the_best(
    request: pytest.FixtureRequest, estimator: str, scoring: str, best_of: Callable
) -> None:
    table: Table = request.getfixturevalue("iris" if scoring == "f1" else "diabetes")
    result = tune(table, estimator, "grid", 3, 1, scoring, 42)
    best = result.ranking[0]
    assert best.score == best_of(c.score for c in result.ranking)
    assert result.metrics["best_cv_score"] == best.score
    lines = summary_lines(result, top=3)
    lower = " (lower is better)" if scoring == "rmse" else ""
    assert lines[0].startswith(f"best {scoring}{lower}: {best.score:.4f} ± ")
    assert f"tried {len(result.ranking)} candidate(s)" in lines[1] and "Top 3:" in lines[1]
    assert [line[:5] for line in lines[2:]] == ["  1. ", "  2. ", "  3. "]


@pytest.fixture(scope="module")
def raw_pets(fixtures_dir: Path) -> Table:
    return read_table_file(str(fixtures_dir / "pets.csv"), "auto", "species")


@pytest.mark.parametrize(
    ("estimator", "data", "folds", "scoring", "words"),
    [
        ("random_forest", "raw_pets", 2, "accuracy", "'name', 'color' hold text; add a \"Prep"),
        (
            "random_forest",
            "pets_numbers",
            2,
            "accuracy",
            "empty cells, found in column\\(s\\) 'age",
        ),
        ("linear_regression", "no_target", 5, "r2", "Tune a regressor needs a target column"),
        ("logistic_regression", "diabetes", 5, "accuracy", "such as Tune a regressor instead"),
        ("random_forest_regressor", "iris", 5, "r2", "such as Tune a classifier instead"),
        ("random_forest", "small_classes", 5, "accuracy", "5 folds need at least 5 rows of each"),
        ("linear_regression", "few_rows", 5, "r2", "5 folds need at least 5 rows; the training t"),
        ("logistic_regression", "iris", 5, "rmse", "cannot score by 'rmse'; choose one of: acc"),
    ],
)
def test_clear_errors(
    request: pytest.FixtureRequest,
    raw_pets: Table,
    estimator: str,
    data: str,
    folds: int,
    scoring: str,
    words: str,
) -> None:
    diabetes: Table = request.getfixturevalue("diabetes")
    small = pd.DataFrame({"x": range(12), "y": ["a"] * 9 + ["b"] * 3})
    tables = {
        "pets_numbers": Table(raw_pets.frame[["age", "weight", "species"]], "species"),
        "no_target": Table(diabetes.features),
        "small_classes": Table(small, "y", "classification"),
        "few_rows": Table(diabetes.frame.head(3), diabetes.target, "regression"),
    }
    table = tables.get(data) or request.getfixturevalue(data)
    with pytest.raises(ValueError, match=words):
        tune(table, estimator, "grid", folds, 1, scoring, 0)


def test_small_class_is_named(iris: Table) -> None:
    rare = iris.labels == "virginica"
    frame = pd.concat([iris.frame[~rare], iris.frame[rare].head(2)])
    with pytest.raises(ValueError, match="class\\(es\\) 'virginica' \\(2\\): lower Folds"):
        tune(
            Table(frame, iris.target, "classification"),
            "logistic_regression",
            "grid",
            3,
            1,
            "f1",
            0,
        )


CLASSES = TableSchema(("a", "y"), "y", "classification")
NUMBERS = TableSchema(("a", "y"), "y", "regression")


@pytest.mark.parametrize(
    ("block_id", "schema", "words"),
    [
        ("train.tune_classifier", CLASSES, None),
        ("train.tune_classifier", NUMBERS, "such as Tune a regressor"),
        ("train.tune_classifier", None, None),
        ("train.tune_regressor", NUMBERS, None),
        ("train.tune_regressor", CLASSES, "such as Tune a classifier"),
        ("train.tune_regressor", TableSchema(("a", "y")), "needs a target column"),
    ],
)
def test_infer(block_id: str, schema: TableSchema | None, words: str | None) -> None:
    block = get_block(block_id)
    assert block is not None and block.infer is not None
    result = block.infer(block.params(), {"train": schema})
    assert [p.param for p in result.problems] == ([""] if words else [])
    if words:
        assert words in result.problems[0].message


def test_component_model_evaluates_and_deploys_like_a_trained_one(
    iris_split: tuple[Table, Table],
    dataset: Callable[[Table, str], dsl.Dataset],
    artifact: Callable[..., dsl.Artifact],
    tmp_path: Path,
) -> None:
    block = get_block("train.tune_classifier")
    assert block is not None
    train, test = iris_split
    model, search = artifact(dsl.Model, "model"), artifact(dsl.Metrics, "search")
    params = block.params(algorithm="logistic_regression", folds=4).model_dump()
    block.function(train=dataset(train, "train"), model=model, search=search, **params)
    assert set(search.metadata) == {"best_cv_score", "cv_score_std", "candidates_tried", "best_C"}
    assert model.metadata["best_params"]["C"] == search.metadata["best_C"]
    assert classification_result(joblib.load(model.path), test).scores["accuracy"] > 0.85
    metrics = artifact(dsl.Metrics, "metrics")
    report = artifact(dsl.ClassificationMetrics, "report")
    evaluate_classification(model, dataset(test, "test"), metrics, report)
    assert metrics.metadata["accuracy"] > 0.85
    register(tmp_path, "tuned", model.path, task=model.metadata["task"])
    expected = joblib.load(model.path).predict(test.features).tolist()
    assert predict(tmp_path, "tuned", test.features) == expected


class Outputs(NamedTuple):
    search: dsl.Metrics
    metrics: dsl.Metrics


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:You may be attemping to run a task:RuntimeWarning")
@pytest.mark.parametrize(
    ("tuner", "dataset", "algorithm", "scoring", "evaluator", "score", "lowest"),
    [
        (
            "tune_classifier",
            "iris",
            "random_forest",
            "accuracy",
            "classification",
            "accuracy",
            0.85,
        ),
        ("tune_regressor", "diabetes", "linear_regression", "rmse", "regression", "r2", 0.3),
    ],
)
def test_tuning_in_kfp_local(
    local_root: Path,
    tuner: str,
    dataset: str,
    algorithm: str,
    scoring: str,
    evaluator: str,
    score: str,
    lowest: float,
) -> None:
    load, split, tune_task, evaluate = (
        get_block(i).component()  # type: ignore[union-attr]
        for i in (
            "load.sklearn_dataset",
            "split.train_test",
            f"train.{tuner}",
            f"evaluate.{evaluator}",
        )
    )

    @dsl.pipeline(name=f"{tuner.replace('_', '-')}-local")
    def pipeline() -> Outputs:
        data = load(dataset=dataset).outputs["data"]
        parts = split(data=data, test_size=0.3, seed=0, stratify=evaluator == "classification")
        tuned = tune_task(
            train=parts.outputs["train"],
            algorithm=algorithm,
            search_method="grid",
            folds=3,
            candidates=10,
            scoring=scoring,
            seed=0,
        )
        scored = evaluate(model=tuned.outputs["model"], test=parts.outputs["test"])
        return Outputs(search=tuned.outputs["search"], metrics=scored.outputs["metrics"])

    outputs = pipeline().outputs
    assert outputs["search"].metadata["candidates_tried"] == prod(
        map(len, GRIDS[algorithm].values())
    )
    assert outputs["metrics"].metadata[score] > lowest

"""The five trainers: each fits real data through its component, and all fail the same way."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
import pytest
from kfp import dsl

from blocks.base import TableSchema
from blocks.catalogue import get_block
from blocks.runtime.table_file import read_table_file
from blocks.runtime.tables import Table
from blocks.runtime.training import fit

TRAINERS = [
    ("train.logistic_regression", {"C": 1.0, "max_iter": 1000}, "iris", "LogisticRegression"),
    ("train.random_forest", {"n_estimators": 20, "max_depth": 0, "seed": 1}, "iris", None),
    (
        "train.gradient_boosting",
        {"n_estimators": 20, "learning_rate": 0.1, "max_depth": 2, "seed": 1},
        "iris",
        "GradientBoostingClassifier",
    ),
    ("train.linear_regression", {"alpha": 0.0}, "diabetes", "LinearRegression"),
    ("train.linear_regression", {"alpha": 2.0}, "diabetes", "Ridge"),
    (
        "train.random_forest_regressor",
        {"n_estimators": 20, "max_depth": 5, "seed": 1},
        "diabetes",
        None,
    ),
]


@pytest.mark.parametrize(("block_id", "params", "data", "estimator"), TRAINERS)
def test_component_fits_and_predicts(
    request: pytest.FixtureRequest,
    dataset: Callable[[Table, str], dsl.Dataset],
    artifact: Callable[..., dsl.Artifact],
    block_id: str,
    params: dict[str, Any],
    data: str,
    estimator: str | None,
) -> None:
    block = get_block(block_id)
    assert block is not None
    table: Table = request.getfixturevalue(data)
    model = artifact(dsl.Model, "model")
    block.function(
        train=dataset(table, "train"), model=model, **block.params(**params).model_dump()
    )
    fitted = joblib.load(model.path)
    predictions = fitted.predict(table.features.head(5))
    assert len(predictions) == 5
    facts = model.metadata
    assert facts["feature_columns"] == list(table.features.columns)
    assert (facts["target"], facts["training_rows"]) == (table.target, len(table.frame))
    assert facts["task"] == table.task
    assert facts["estimator"] == (estimator or type(fitted).__name__)


@pytest.fixture(scope="module")
def raw_pets(fixtures_dir: Path) -> Table:
    return read_table_file(str(fixtures_dir / "pets.csv"), "auto", "species")


@pytest.mark.parametrize(
    ("estimator", "data", "words"),
    [
        ("logistic_regression", "diabetes", "target 'progression' holds numbers \\(regression\\)"),
        ("random_forest_regressor", "iris", "holds categories \\(classification\\)"),
        ("random_forest", "raw_pets", "'name', 'color' hold text; add a \"Prepare columns\""),
        (
            "random_forest",
            "pets_numbers",
            "empty cells, found in column\\(s\\) 'age' \\(3 empty\\)",
        ),
        ("linear_regression", "no_target", "needs a target column"),
        ("gradient_boosting", "one_class", "at least 2 classes"),
    ],
)
def test_clear_errors(
    request: pytest.FixtureRequest, raw_pets: Table, estimator: str, data: str, words: str
) -> None:
    diabetes: Table = request.getfixturevalue("diabetes")
    tables = {
        "pets_numbers": Table(raw_pets.frame[["age", "weight", "species"]], "species"),
        "no_target": Table(diabetes.features),
        "one_class": Table(pd.DataFrame({"x": [1, 2, 3], "y": ["a", "a", "a"]}), "y"),
    }
    table = tables.get(data) or request.getfixturevalue(data)
    params = {"linear_regression": {"alpha": 0.0}}.get(estimator, {})
    defaults = get_block(f"train.{estimator}").params().model_dump()  # type: ignore[union-attr]
    with pytest.raises(ValueError, match=words):
        fit(table, estimator, params or defaults)


CLASSES = TableSchema(("a", "y"), "y", "classification")
NUMBERS = TableSchema(("a", "y"), "y", "regression")


@pytest.mark.parametrize(
    ("block_id", "schema", "words"),
    [
        ("train.logistic_regression", CLASSES, None),
        ("train.logistic_regression", NUMBERS, "use a regression block such as Linear regression"),
        ("train.gradient_boosting", None, None),
        ("train.linear_regression", NUMBERS, None),
        ("train.random_forest_regressor", CLASSES, "such as Logistic regression"),
        ("train.random_forest", TableSchema(("a", "y")), "needs a target column"),
        ("train.random_forest", TableSchema(("y",), "y", None, columns_known=False), None),
    ],
)
def test_infer(block_id: str, schema: TableSchema | None, words: str | None) -> None:
    block = get_block(block_id)
    assert block is not None and block.infer is not None
    result = block.infer(block.params(), {"train": schema})
    if words is None:
        assert not result.problems
    else:
        [problem] = result.problems
        assert problem.param == "" and words in problem.message

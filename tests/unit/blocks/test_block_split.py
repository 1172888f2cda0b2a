"""Train/test split: ratios, class proportions, reproducibility and its checks."""

import math
from collections.abc import Callable

import pytest
from kfp import dsl

from blocks.base import TableSchema
from blocks.runtime.splitting import split_table
from blocks.runtime.tables import Table, read_table
from blocks.split.train_test import Params, infer, split_train_test

IRIS_SCHEMA = TableSchema(("a", "target"), "target", "classification")
DIABETES_SCHEMA = TableSchema(("a", "target"), "target", "regression")


@pytest.mark.parametrize("test_size", [0.05, 0.2, 0.5, 0.95])
@pytest.mark.parametrize("stratify", [True, False])
def test_ratio(iris: Table, test_size: float, stratify: bool) -> None:
    train, test = split_table(iris, test_size, 1, stratify)
    assert len(test.frame) == math.ceil(150 * test_size)
    assert len(train.frame) + len(test.frame) == 150
    assert (train.target, train.task, test.target, test.task) == (
        "species",
        "classification",
        "species",
        "classification",
    )


def test_stratify_keeps_class_proportions(iris: Table) -> None:
    _, test = split_table(iris, 0.2, 3, True)
    counts = test.frame["species"].value_counts().to_dict()
    assert counts == {"setosa": 10, "versicolor": 10, "virginica": 10}


def test_same_seed_same_split(diabetes: Table) -> None:
    first = split_table(diabetes, 0.3, 7, False)[1].frame
    again = split_table(diabetes, 0.3, 7, False)[1].frame
    other = split_table(diabetes, 0.3, 8, False)[1].frame
    assert first.equals(again) and not first.equals(other)


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ("diabetes", "holds numbers \\(regression\\)"),
        ("no_target", "needs a target column"),
        ("rare_class", "class\\(es\\) 'c' of 'label' have only 1"),
    ],
)
def test_stratify_errors(
    request: pytest.FixtureRequest, diabetes: Table, table: str, words: str
) -> None:
    import pandas as pd

    tables = {
        "diabetes": diabetes,
        "no_target": Table(diabetes.frame),
        "rare_class": Table(
            pd.DataFrame({"x": range(7), "label": list("aaabbbc")}), "label", "classification"
        ),
    }
    with pytest.raises(ValueError, match=words):
        split_table(tables[table], 0.3, 0, True)


@pytest.mark.parametrize(
    ("schema", "stratify", "problem"),
    [
        (IRIS_SCHEMA, True, None),
        (DIABETES_SCHEMA, False, None),
        (DIABETES_SCHEMA, True, "holds numbers"),
        (TableSchema(("a", "b")), True, "needs a target column"),
        (None, True, None),
    ],
)
def test_infer(schema: TableSchema | None, stratify: bool, problem: str | None) -> None:
    result = infer(Params(stratify=stratify), {"data": schema})
    assert result.outputs == {"train": schema, "test": schema}
    if problem is None:
        assert not result.problems
    else:
        [found] = result.problems
        assert found.param == "stratify" and problem in found.message


def test_component(
    iris: Table,
    dataset: Callable[[Table, str], dsl.Dataset],
    artifact: Callable[..., dsl.Artifact],
) -> None:
    train, test = artifact(dsl.Dataset, "train"), artifact(dsl.Dataset, "test")
    split_train_test(dataset(iris, "data"), train, test, 0.2, 42, True)
    assert len(read_table(train.path).frame) == 120 == train.metadata["rows"]
    assert read_table(test.path).task == "classification"

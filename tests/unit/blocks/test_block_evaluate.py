"""Evaluation on real data: scores are sane, charts are well formed, mismatches are explained."""

from collections.abc import Callable

import joblib
import numpy as np
import pytest
from kfp import dsl
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.svm import LinearSVC

from blocks.base import TableSchema
from blocks.evaluate.classification import evaluate_classification
from blocks.evaluate.classification import infer as infer_classification
from blocks.evaluate.regression import evaluate_regression
from blocks.evaluate.regression import infer as infer_regression
from blocks.runtime.evaluation import (
    MAX_ROC_POINTS,
    classification_result,
    downsample_curve,
    regression_scores,
)
from blocks.runtime.sklearn_data import load_sample
from blocks.runtime.splitting import split_table
from blocks.runtime.tables import Table
from blocks.runtime.training import fit


@pytest.fixture(scope="module")
def iris_model(iris_split: tuple[Table, Table]) -> LogisticRegression:
    return fit(iris_split[0], "logistic_regression", {"C": 1.0, "max_iter": 1000})[0]


def test_iris_scores(iris_model: LogisticRegression, iris_split: tuple[Table, Table]) -> None:
    result = classification_result(iris_model, iris_split[1])
    assert set(result.scores) == {"accuracy", "precision", "recall", "f1", "roc_auc"}
    assert result.scores["accuracy"] > 0.8 and result.scores["roc_auc"] > 0.9
    assert result.categories == ["0", "1", "2"]
    assert np.array(result.matrix).sum() == len(iris_split[1].frame)
    assert result.roc is None  # three classes: no single ROC curve


def test_binary_roc_curve() -> None:
    train, test = split_table(load_sample("breast_cancer"), 0.3, 0, True)
    model = fit(train, "random_forest", {"n_estimators": 30, "max_depth": 0, "seed": 0})[0]
    result = classification_result(model, test)
    assert result.scores["roc_auc"] > 0.9
    assert result.roc is not None
    fpr, tpr, thresholds = result.roc
    assert len(fpr) == len(tpr) == len(thresholds) <= MAX_ROC_POINTS
    assert (fpr[0], tpr[-1]) == (0.0, 1.0) and all(np.isfinite(thresholds))


def test_downsample_keeps_ends() -> None:
    n = 1000
    fpr, tpr, thr = downsample_curve(
        np.linspace(0, 1, n), np.linspace(0, 1, n) ** 0.5, np.r_[np.inf, np.linspace(1, 0, n - 1)]
    )
    assert len(fpr) == MAX_ROC_POINTS and (fpr[0], fpr[-1], tpr[-1]) == (0.0, 1.0, 1.0)
    assert thr[0] == 1.0


def test_no_probabilities_skips_roc_auc(iris_split: tuple[Table, Table]) -> None:
    train, test = iris_split
    model = LinearSVC().fit(train.features, train.labels)
    result = classification_result(model, test)
    assert "roc_auc" not in result.scores and "no class probabilities" in result.notes[0]


def test_diabetes_scores(diabetes_split: tuple[Table, Table]) -> None:
    model = fit(diabetes_split[0], "linear_regression", {"alpha": 0.0})[0]
    scores = regression_scores(model, diabetes_split[1])
    assert 0 < scores["mae"] < scores["rmse"] < 70
    assert scores["r2"] > 0.3


def test_missing_features_are_listed(
    iris_model: LogisticRegression, iris_split: tuple[Table, Table]
) -> None:
    test = iris_split[1]
    short = Table(test.frame.drop(columns=["petal width (cm)"]), "target", "classification")
    with pytest.raises(ValueError, match="lacks column\\(s\\) the model was trained on: 'petal w"):
        classification_result(iris_model, short)


@pytest.mark.parametrize(
    ("scorer", "model", "words"),
    [
        (regression_scores, "classifier", "use Evaluate classification"),
        (classification_result, "regressor", "use Evaluate regression"),
    ],
)
def test_wrong_kind_of_model(
    iris_split: tuple[Table, Table],
    iris_model: LogisticRegression,
    scorer: Callable,
    model: str,
    words: str,
) -> None:
    train, test = iris_split
    models = {
        "classifier": iris_model,
        "regressor": LinearRegression().fit(train.features, train.labels),
    }
    with pytest.raises(ValueError, match=words):
        scorer(models[model], test)


def test_components(
    iris_model: LogisticRegression,
    iris_split: tuple[Table, Table],
    diabetes_split: tuple[Table, Table],
    dataset: Callable[[Table, str], dsl.Dataset],
    artifact: Callable[..., dsl.Artifact],
) -> None:
    model = artifact(dsl.Model, "classifier")
    joblib.dump(iris_model, model.path)
    metrics, report = (
        artifact(dsl.Metrics, "metrics"),
        artifact(dsl.ClassificationMetrics, "report"),
    )
    evaluate_classification(model, dataset(iris_split[1], "iris_test"), metrics, report)
    assert metrics.metadata["accuracy"] > 0.8
    assert report.metadata["confusionMatrix"]["annotationSpecs"][0]["displayName"] == "0"

    regressor = artifact(dsl.Model, "regressor")
    joblib.dump(fit(diabetes_split[0], "linear_regression", {"alpha": 0.0})[0], regressor.path)
    scores = artifact(dsl.Metrics, "scores")
    evaluate_regression(regressor, dataset(diabetes_split[1], "diabetes_test"), scores)
    assert set(scores.metadata) == {"rmse", "mae", "r2"}


@pytest.mark.parametrize(
    ("infer", "schema", "words"),
    [
        (infer_classification, TableSchema(("a", "y"), "y", "classification"), None),
        (infer_classification, TableSchema(("a", "y"), "y", "regression"), "Evaluate regression"),
        (infer_regression, TableSchema(("a", "y"), "y", "classification"), "Evaluate classif"),
        (infer_regression, TableSchema(("a", "y")), "needs a target column"),
        (infer_regression, None, None),
    ],
)
def test_infer(infer: Callable, schema: TableSchema | None, words: str | None) -> None:
    result = infer(None, {"test": schema, "model": None})
    assert [p.param for p in result.problems] == ([""] if words else [])
    if words:
        assert words in result.problems[0].message

"""Evaluation on real data: scores are sane, charts are well formed, mismatches are explained."""

import json
from collections.abc import Callable
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from kfp import dsl
from sklearn.base import ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import label_binarize
from sklearn.svm import LinearSVC

from blocks.base import TableSchema
from blocks.evaluate.classification import evaluate_classification
from blocks.evaluate.classification import infer as infer_classification
from blocks.evaluate.regression import evaluate_regression
from blocks.evaluate.regression import infer as infer_regression
from blocks.runtime.evaluation import (
    MAX_ROC_POINTS,
    RESIDUAL_SUMMARIES,
    classification_result,
    downsample_curve,
    regression_scores,
)
from blocks.runtime.sklearn_data import load_sample
from blocks.runtime.splitting import split_table
from blocks.runtime.tables import Table
from blocks.runtime.training import fit

FOREST = {"n_estimators": 30, "max_depth": 0, "seed": 0}
IRIS_CLASSES = ["setosa", "versicolor", "virginica"]
IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


@pytest.fixture(scope="module")
def iris_model(iris_split: tuple[Table, Table]) -> LogisticRegression:
    return fit(iris_split[0], "logistic_regression", {"C": 1.0, "max_iter": 1000})[0]


@pytest.fixture(scope="module")
def cancer_split() -> tuple[Table, Table]:
    return split_table(load_sample("breast_cancer"), 0.3, 0, True)


def _features(model: ClassifierMixin, test: Table) -> pd.DataFrame:
    return test.frame[list(model.feature_names_in_)]


def test_iris_scores(iris_model: LogisticRegression, iris_split: tuple[Table, Table]) -> None:
    result = classification_result(iris_model, iris_split[1])
    assert set(result.scores) == {"accuracy", "precision", "recall", "f1", "roc_auc"}
    assert result.scores["accuracy"] > 0.8 and result.scores["roc_auc"] > 0.9
    assert result.categories == ["setosa", "versicolor", "virginica"]
    assert np.array(result.matrix).sum() == len(iris_split[1].frame)


@pytest.mark.parametrize(
    ("dataset", "categories"),
    [
        ("breast_cancer", ["benign", "malignant"]),
        ("iris", ["setosa", "versicolor", "virginica"]),
        ("wine", ["class_0", "class_1", "class_2"]),
    ],
)
def test_each_class_has_its_scores_and_the_summary_is_their_plain_mean(
    dataset: str, categories: list[str]
) -> None:
    train, test = split_table(load_sample(dataset), 0.3, 0, True)
    result = classification_result(fit(train, "random_forest", FOREST)[0], test)
    assert result.categories == categories
    assert [row["category"] for row in result.per_class] == categories
    assert sum(row["support"] for row in result.per_class) == len(test.frame)
    assert [row["support"] for row in result.per_class] == [sum(r) for r in result.matrix]
    for name in ("precision", "recall", "f1"):  # macro: each class counts the same
        mean = np.mean([row[name] for row in result.per_class])
        assert result.scores[name] == pytest.approx(mean)


def test_a_class_never_predicted_scores_zero_not_undefined(iris_split: tuple[Table, Table]) -> None:
    train, test = iris_split
    lazy = DummyClassifier(strategy="most_frequent").fit(train.frame[IRIS_FEATURES], train.labels)
    result = classification_result(lazy, test)
    never = [row for row in result.per_class if row["recall"] == 0]
    assert len(never) == 2 and all(row["precision"] == 0 and row["f1"] == 0 for row in never)
    assert result.scores["precision"] == pytest.approx(
        sum(r["precision"] for r in result.per_class) / 3
    )


@pytest.mark.parametrize(
    ("dataset", "estimator", "params"),
    [
        ("breast_cancer", "random_forest", FOREST),
        ("iris", "logistic_regression", {"C": 1.0, "max_iter": 1000}),
        ("wine", "random_forest", FOREST),
    ],
    ids=["two-classes", "three-classes", "wine-three-classes"],
)
def test_every_probabilistic_classifier_gets_a_roc_curve(
    dataset: str, estimator: str, params: dict[str, Any]
) -> None:
    train, test = split_table(load_sample(dataset), 0.3, 0, True)
    model = fit(train, estimator, params)[0]
    result = classification_result(model, test)
    assert result.roc is not None and result.notes == []
    fpr, tpr, thresholds = result.roc
    assert len(fpr) == len(tpr) == len(thresholds) <= MAX_ROC_POINTS
    assert (fpr[0], fpr[-1], tpr[-1]) == (0.0, 1.0, 1.0) and all(np.isfinite(thresholds))
    assert fpr == sorted(fpr) and tpr == sorted(tpr)
    area = float(np.trapezoid(tpr, fpr))
    if len(model.classes_) == 2:
        assert area == pytest.approx(result.scores["roc_auc"])
    else:  # the curve is the micro average; the roc_auc score stays the macro average
        truth = label_binarize(test.labels, classes=model.classes_)
        micro = roc_auc_score(truth, model.predict_proba(_features(model, test)), average="micro")
        assert area == pytest.approx(micro)


def test_micro_averaged_curve_is_thinned() -> None:
    """A model guessing on noise scores many rows differently: the curve still fits the cap."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(900, 3)), columns=["a", "b", "c"])
    frame["y"] = rng.integers(0, 3, len(frame))
    model = LogisticRegression().fit(frame[["a", "b", "c"]][:300], frame["y"][:300])
    result = classification_result(model, Table(frame[300:], "y", "classification"))
    assert result.roc is not None and len(result.roc[0]) == MAX_ROC_POINTS
    assert (result.roc[0][0], result.roc[0][-1]) == (0.0, 1.0)


def test_downsample_keeps_ends() -> None:
    n = 1000
    fpr, tpr, thr = downsample_curve(
        np.linspace(0, 1, n), np.linspace(0, 1, n) ** 0.5, np.r_[np.inf, np.linspace(1, 0, n - 1)]
    )
    assert len(fpr) == MAX_ROC_POINTS and (fpr[0], fpr[-1], tpr[-1]) == (0.0, 1.0, 1.0)
    assert thr[0] == 1.0


@pytest.mark.parametrize(
    ("case", "notes"),
    [
        ("no-probabilities", ["roc_auc skipped: the model gives no class probabilities"]),
        (
            "one-class-in-test",
            [
                "roc_auc skipped: the test rows hold only one class",
                "ROC curve skipped: the test rows hold too few of the model's classes",
            ],
        ),
    ],
)
def test_roc_skipped_with_a_note(
    cancer_split: tuple[Table, Table], case: str, notes: list[str]
) -> None:
    train, test = cancer_split
    if case == "no-probabilities":
        model = LinearSVC().fit(train.features, train.labels)
    else:
        model = fit(train, "random_forest", FOREST)[0]
        test = Table(test.frame[test.labels == "malignant"], test.target, "classification")
    result = classification_result(model, test)
    assert result.roc is None and "roc_auc" not in result.scores
    assert len(result.notes) == len(notes)
    assert all(got.startswith(want) for got, want in zip(result.notes, notes, strict=True))


@pytest.mark.parametrize(
    ("estimator", "params", "min_r2"),
    [
        ("linear_regression", {"alpha": 0.0}, 0.3),
        ("random_forest_regressor", {"n_estimators": 20, "max_depth": 0, "seed": 0}, 0.1),
    ],
)
def test_regression_scores_and_residuals(
    diabetes_split: tuple[Table, Table], estimator: str, params: dict[str, Any], min_r2: float
) -> None:
    train, test = diabetes_split
    model = fit(train, estimator, params)[0]
    scores = regression_scores(model, test)
    assert list(scores) == ["rmse", "mae", "r2", *RESIDUAL_SUMMARIES]
    assert 0 < scores["mae"] < scores["rmse"] < 70 and scores["r2"] > min_r2
    box = [scores[f"residual_{q}"] for q in ("min", "p25", "median", "p75", "max")]
    assert box == sorted(box) and box[0] < 0 < box[-1]
    # Mean squared error is bias squared plus spread squared when residual = truth - prediction.
    assert scores["rmse"] ** 2 == pytest.approx(
        scores["residual_mean"] ** 2 + scores["residual_std"] ** 2
    )
    predicted = model.predict(test.frame[list(model.feature_names_in_)])
    assert scores["residual_mean"] == pytest.approx(float(np.mean(test.labels - predicted)))


def test_missing_features_are_listed(
    iris_model: LogisticRegression, iris_split: tuple[Table, Table]
) -> None:
    test = iris_split[1]
    short = Table(test.frame.drop(columns=["petal width (cm)"]), test.target, "classification")
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
        "regressor": LinearRegression().fit(train.features, train.labels.factorize()[0]),
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
    matrix = report.metadata["confusionMatrix"]
    assert [spec["displayName"] for spec in matrix["annotationSpecs"]] == IRIS_CLASSES
    classes = report.metadata["classScores"]
    assert [row["category"] for row in classes] == IRIS_CLASSES
    assert set(classes[0]) == {"category", "precision", "recall", "f1", "support"}
    assert report.metadata["average"] == "macro"
    json.dumps(report.metadata, allow_nan=False)  # metadata kfp can store as it is
    assert sum(sum(row["row"]) for row in matrix["rows"]) == len(iris_split[1].frame)
    curve = report.metadata["confidenceMetrics"]  # three classes: the micro-averaged curve
    assert set(curve[0]) == {"falsePositiveRate", "recall", "confidenceThreshold"}
    assert (curve[-1]["falsePositiveRate"], curve[-1]["recall"]) == (1.0, 1.0)

    regressor = artifact(dsl.Model, "regressor")
    joblib.dump(fit(diabetes_split[0], "linear_regression", {"alpha": 0.0})[0], regressor.path)
    scores = artifact(dsl.Metrics, "scores")
    evaluate_regression(regressor, dataset(diabetes_split[1], "diabetes_test"), scores)
    assert set(scores.metadata) == {"rmse", "mae", "r2", *RESIDUAL_SUMMARIES}


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

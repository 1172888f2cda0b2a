"""Scoring a model on test rows, in the numbers and charts KFP knows how to show."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from blocks.runtime.tables import Table
from blocks.runtime.training import feature_matrix

#: The ROC curve is thinned to at most this many points: enough to draw, small as metadata.
MAX_ROC_POINTS = 200
#: How precision, recall and F1 are summed up over classes: each class counts the same, however
#: many test rows it has (a rare class done badly pulls the score down).
AVERAGE = "macro"
#: Metadata keys of the ClassificationMetrics artifact beside kfp's own (``confusionMatrix``,
#: ``confidenceMetrics``): the per-class figures and the averaging of the summary scores.
CLASS_SCORES_KEY = "classScores"
AVERAGE_KEY = "average"
#: Classes listed one by one; a flow predicting more categories gets the first ones.
MAX_CLASS_ROWS = 100


@dataclass(frozen=True)
class ClassificationResult:
    scores: dict[str, float]
    categories: list[str]
    matrix: list[list[int]]
    #: Per class, in ``categories`` order: ``{"category", "precision", "recall", "f1",
    #: "support"}``, support being the test rows truly in that class.
    per_class: list[dict[str, Any]]
    #: (false positive rates, true positive rates, thresholds): the positive class's curve for
    #: two classes, the micro-averaged one-vs-rest curve for more; None without probabilities.
    roc: tuple[list[float], list[float], list[float]] | None
    notes: list[str]


def model_features(model: Any, metadata: dict[str, Any] | None = None) -> list[str]:
    """The columns the model was trained on, as it recorded them."""
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    return list((metadata or {}).get("feature_columns", []))


def scoring_data(model: Any, table: Table, who: str) -> tuple[pd.DataFrame, pd.Series]:
    """The test rows in the model's column order, with their true answers."""
    if not table.target:
        raise ValueError(
            f"{who} needs the true answers, but the test table has no target column; "
            "choose one in the block that loads the data"
        )
    columns = model_features(model)
    missing = [c for c in columns if c not in table.frame.columns]
    if missing:
        raise ValueError(
            f"the test table lacks column(s) the model was trained on: "
            f"{', '.join(map(repr, missing))}; the test table has: "
            f"{', '.join(map(str, table.frame.columns))}. Prepare test rows the same way as "
            "training rows (feed both through the same Prepare columns block)"
        )
    return feature_matrix(table.frame, columns, who), table.labels


def classification_result(model: Any, table: Table) -> ClassificationResult:
    from sklearn import metrics
    from sklearn.base import is_classifier

    if not is_classifier(model):
        raise ValueError("this model predicts numbers, not categories: use Evaluate regression")
    features, truth = scoring_data(model, table, "Evaluate classification")
    predicted = model.predict(features)
    scores = {
        "accuracy": metrics.accuracy_score(truth, predicted),
        "precision": metrics.precision_score(truth, predicted, average=AVERAGE, zero_division=0),
        "recall": metrics.recall_score(truth, predicted, average=AVERAGE, zero_division=0),
        "f1": metrics.f1_score(truth, predicted, average=AVERAGE, zero_division=0),
    }
    classes = list(model.classes_)
    labels = classes + [c for c in pd.unique(truth) if c not in classes]
    matrix = metrics.confusion_matrix(truth, predicted, labels=labels)
    per_class = class_scores(truth, predicted, labels)
    notes: list[str] = []
    roc = None
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(features)
        try:
            auc = _roc_auc(truth, proba, classes)
        except ValueError as exc:
            notes.append(f"roc_auc skipped: {exc}")
        else:
            if np.isfinite(auc):
                scores["roc_auc"] = auc
            else:  # newer scikit-learn warns and answers NaN, which JSON metadata cannot hold
                notes.append("roc_auc skipped: the test rows hold only one class")
        roc = roc_points(truth, proba, classes)
        if roc is None:
            notes.append("ROC curve skipped: the test rows hold too few of the model's classes")
    else:
        notes.append("roc_auc skipped: the model gives no class probabilities")
    return ClassificationResult(
        scores={k: float(v) for k, v in scores.items()},
        categories=[str(c) for c in labels],
        matrix=matrix.tolist(),
        per_class=per_class,
        roc=roc,
        notes=notes,
    )


def class_scores(truth: pd.Series, predicted: Any, labels: list[Any]) -> list[dict[str, Any]]:
    """Precision, recall, F1 and support of each class: what the macro averages average.

    A class the model never predicts has precision 0 (not undefined): nothing it said was right.
    """
    from sklearn import metrics

    labels = labels[:MAX_CLASS_ROWS]
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    return [
        {
            "category": str(label),
            "precision": float(p),
            "recall": float(r),
            "f1": float(f),
            "support": int(n),
        }
        for label, p, r, f, n in zip(labels, precision, recall, f1, support, strict=True)
    ]


def log_classification(result: ClassificationResult, metrics: Any, report: Any) -> None:
    """Write a result into the block's Metrics and ClassificationMetrics artifacts."""
    for name, value in result.scores.items():
        metrics.log_metric(name, value)
    report.log_confusion_matrix(result.categories, result.matrix)
    if result.roc is not None:
        report.log_roc_curve(*result.roc)
    report.metadata[CLASS_SCORES_KEY] = result.per_class
    report.metadata[AVERAGE_KEY] = AVERAGE


def _roc_auc(truth: pd.Series, proba: np.ndarray, classes: list[Any]) -> float:
    """Area under the ROC curve: the positive class's for two classes, else the macro average."""
    from sklearn import metrics
    from sklearn.exceptions import UndefinedMetricWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        if len(classes) == 2:
            return float(metrics.roc_auc_score(truth == classes[1], proba[:, 1]))
        return float(
            metrics.roc_auc_score(truth, proba, multi_class="ovr", average="macro", labels=classes)
        )


def roc_points(
    truth: pd.Series, proba: np.ndarray, classes: list[Any]
) -> tuple[list[float], list[float], list[float]] | None:
    """The ROC curve to draw, thinned; None when the test rows leave it undefined.

    Two classes have one curve, for the second class (scikit-learn's positive class). With more,
    every (row, class) pair becomes one yes/no question scored by that class's probability: the
    micro-averaged one-vs-rest curve, so a three-class model gets a single curve too.
    """
    from sklearn import metrics
    from sklearn.preprocessing import label_binarize

    if len(classes) == 2:
        answers, scores = np.asarray(truth == classes[1]), proba[:, 1]
    else:
        answers, scores = label_binarize(truth, classes=classes).ravel(), proba.ravel()
    if answers.all() or not answers.any():
        return None  # with only positives (or only negatives) one of the rates is 0/0
    fpr, tpr, thresholds = metrics.roc_curve(answers, scores)
    return downsample_curve(fpr, tpr, thresholds)


def downsample_curve(
    fpr: np.ndarray, tpr: np.ndarray, thresholds: np.ndarray, limit: int = MAX_ROC_POINTS
) -> tuple[list[float], list[float], list[float]]:
    """At most ``limit`` evenly spread points, keeping both ends; no infinite thresholds."""
    if len(fpr) > limit:
        keep = np.unique(np.linspace(0, len(fpr) - 1, limit).round().astype(int))
        fpr, tpr, thresholds = fpr[keep], tpr[keep], thresholds[keep]
    # roc_curve starts at threshold +inf, which JSON metadata cannot hold; 1.0 means the same.
    finite = np.where(np.isfinite(thresholds), thresholds, 1.0)
    return fpr.tolist(), tpr.tolist(), finite.tolist()


#: Residual (truth minus prediction) summaries, in the order the run panel draws them: where the
#: errors centre, how widely they spread (population standard deviation), and the five numbers
#: of a box plot. A mean far from 0 means the model is biased, not just noisy.
RESIDUAL_SUMMARIES: dict[str, Callable[[np.ndarray], Any]] = {
    "residual_mean": np.mean,
    "residual_std": np.std,
    "residual_min": np.min,
    "residual_p25": lambda r: np.percentile(r, 25),
    "residual_median": np.median,
    "residual_p75": lambda r: np.percentile(r, 75),
    "residual_max": np.max,
}


def regression_scores(model: Any, table: Table) -> dict[str, float]:
    from sklearn import metrics
    from sklearn.base import is_regressor

    if not is_regressor(model):
        raise ValueError("this model predicts categories, not numbers: use Evaluate classification")
    features, truth = scoring_data(model, table, "Evaluate regression")
    predicted = model.predict(features)
    residuals = np.asarray(truth, dtype=float) - np.asarray(predicted, dtype=float)
    return {
        "rmse": float(np.sqrt(metrics.mean_squared_error(truth, predicted))),
        "mae": float(metrics.mean_absolute_error(truth, predicted)),
        "r2": float(metrics.r2_score(truth, predicted)),
        **{name: float(summary(residuals)) for name, summary in RESIDUAL_SUMMARIES.items()},
    }

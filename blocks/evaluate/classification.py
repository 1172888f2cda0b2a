"""Score a classifier on test rows: accuracy and friends, a confusion matrix, an ROC curve.

With more than two classes the ROC curve is the micro-averaged one-vs-rest curve, so every
classifier that gives probabilities gets one curve the run panel can draw.
"""

from collections.abc import Mapping

from kfp.dsl import ClassificationMetrics, Dataset, Input, Metrics, Model, Output
from pydantic import BaseModel, ConfigDict

from blocks.base import (
    CLASSIFICATION_METRICS,
    CLASSIFIER,
    DATASET,
    METRICS,
    Block,
    Inference,
    Port,
    TableSchema,
)
from blocks.checks import target_and_task


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Evaluate classification")


def evaluate_classification(
    model: Input[Model],
    test: Input[Dataset],
    metrics: Output[Metrics],
    report: Output[ClassificationMetrics],
) -> None:
    import joblib

    from blocks.runtime.evaluation import classification_result
    from blocks.runtime.tables import read_table

    result = classification_result(joblib.load(model.path), read_table(test.path))
    for name, value in result.scores.items():
        metrics.log_metric(name, value)
    report.log_confusion_matrix(result.categories, result.matrix)
    if result.roc is not None:
        report.log_roc_curve(*result.roc)
    for note in result.notes:
        print(note)
    print(", ".join(f"{name} {value:.4f}" for name, value in result.scores.items()))


def infer(params: Params, inputs: Mapping[str, TableSchema | None]) -> Inference:
    problems = target_and_task(
        inputs.get("test"),
        "classification",
        "Evaluate classification",
        "test",
        "Evaluate regression",
    )
    return Inference(problems=tuple(problems))


BLOCK = Block(
    id="evaluate.classification",
    version="1",
    category="evaluate",
    title="Evaluate classification",
    description="See how often a classifier is right on test rows: accuracy, precision, "
    "recall, F1, ROC AUC and a confusion matrix of what it mixes up.",
    icon="target",
    inputs=(
        Port("model", CLASSIFIER, "The trained classifier."),
        Port("test", DATASET, "Test rows, prepared like the training rows."),
    ),
    outputs=(
        Port("metrics", METRICS, "Accuracy, precision, recall, F1 and ROC AUC."),
        Port(
            "report",
            CLASSIFICATION_METRICS,
            "Confusion matrix and ROC curve (micro-averaged over classes when more than two).",
        ),
    ),
    params=Params,
    function=evaluate_classification,
    infer=infer,
)

"""Score a classifier on test rows: accuracy and friends, a confusion matrix, an ROC curve.

Precision, recall and F1 are macro averages (each class counts the same); the figures of each
class are kept beside them in the report's metadata, so the run panel can show what they average.

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

    from blocks.runtime.evaluation import classification_result, log_classification
    from blocks.runtime.tables import read_table

    result = classification_result(joblib.load(model.path), read_table(test.path))
    log_classification(result, metrics, report)
    for note in result.notes:
        print(note)
    print(", ".join(f"{name} {value:.4f}" for name, value in result.scores.items()))
    print("precision, recall and F1 are macro averages: each class counts the same")


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
    "recall and F1 (per class, and averaged with each class counting the same), ROC AUC and a "
    "confusion matrix of what it mixes up.",
    icon="target",
    inputs=(
        Port("model", CLASSIFIER, "The trained classifier."),
        Port("test", DATASET, "Test rows, prepared like the training rows."),
    ),
    outputs=(
        Port(
            "metrics",
            METRICS,
            "Accuracy, ROC AUC, and precision, recall and F1 as macro averages.",
        ),
        Port(
            "report",
            CLASSIFICATION_METRICS,
            "Confusion matrix, each class's precision, recall and F1, and the ROC curve "
            "(micro-averaged over classes when more than two).",
        ),
    ),
    params=Params,
    function=evaluate_classification,
    infer=infer,
)

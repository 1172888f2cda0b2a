"""Tune a classifier: try several settings with cross-validation and keep the best model."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from blocks.base import CLASSIFIER, METRICS, Block, Port
from blocks.train.common import TRAIN_INPUT, infer_for, seed_field
from blocks.train.tuning import (
    SearchOn,
    candidates_field,
    folds_field,
    search_method_field,
    search_on_field,
    tune_model,
)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Tune a classifier")

    algorithm: Literal["random_forest", "gradient_boosting", "logistic_regression"] = Field(
        "random_forest",
        title="Model to tune",
        description="random_forest: many trees that vote; gradient_boosting: small trees "
        "built one after another (slower); logistic_regression: simple and fast.",
    )
    search_method: Literal["grid", "random"] = search_method_field()
    search_on: SearchOn = search_on_field()
    folds: int = folds_field()
    candidates: int = candidates_field()
    scoring: Literal["accuracy", "f1", "balanced_accuracy"] = Field(
        "accuracy",
        title="Score to maximise",
        description="accuracy: share of rows predicted right. f1: balances missed and wrong "
        "answers, averaged over classes. balanced_accuracy: accuracy averaged over classes, "
        "fairer when some classes are rare.",
    )
    seed: int = seed_field()


BLOCK = Block(
    id="train.tune_classifier",
    version="1",
    category="train",
    title="Tune a classifier",
    description="Find good settings for a classifier automatically: try several, score each "
    "on slices of the training rows, and keep the best model.",
    icon="gauge",
    inputs=(TRAIN_INPUT,),
    outputs=(
        Port("model", CLASSIFIER, "The best classifier, retrained on all training rows."),
        Port(
            "search",
            METRICS,
            "The best cross-validated score, its spread, how many settings were tried and "
            "the best settings.",
        ),
    ),
    params=Params,
    function=tune_model,
    infer=infer_for("classification", "Tune a classifier", "Tune a regressor"),
)

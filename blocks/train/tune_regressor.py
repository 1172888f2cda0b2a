"""Tune a regressor: try several settings with cross-validation and keep the best model."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from blocks.base import METRICS, REGRESSOR, Block, Port
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
    model_config = ConfigDict(extra="forbid", title="Tune a regressor")

    algorithm: Literal["random_forest_regressor", "linear_regression"] = Field(
        "random_forest_regressor",
        title="Model to tune",
        description="random_forest_regressor: many trees whose answers are averaged; "
        "linear_regression: a weighted sum of the columns, tuning how strongly the weights "
        "are kept small (ridge alpha).",
    )
    search_method: Literal["grid", "random"] = search_method_field()
    search_on: SearchOn = search_on_field()
    folds: int = folds_field()
    candidates: int = candidates_field()
    scoring: Literal["r2", "rmse", "mae"] = Field(
        "r2",
        title="Score to optimise",
        description="r2: how much of the target's variation the model explains (1 is "
        "perfect, higher is better). rmse: typical error in the target's units, large "
        "misses count extra (lower is better). mae: average size of the error (lower is "
        "better).",
    )
    seed: int = seed_field()


BLOCK = Block(
    id="train.tune_regressor",
    version="1",
    category="train",
    title="Tune a regressor",
    description="Find good settings for a model that predicts a number: try several, score "
    "each on slices of the training rows, and keep the best model.",
    icon="gauge",
    inputs=(TRAIN_INPUT,),
    outputs=(
        Port("model", REGRESSOR, "The best regressor, retrained on all training rows."),
        Port(
            "search",
            METRICS,
            "The best cross-validated score (errors shown as positive numbers), its spread, "
            "how many settings were tried and the best settings.",
        ),
    ),
    params=Params,
    function=tune_model,
    infer=infer_for("regression", "Tune a regressor", "Tune a classifier"),
)

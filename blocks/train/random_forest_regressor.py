"""Random forest regressor: many decision trees averaging their predicted numbers."""

from kfp.dsl import Dataset, Input, Model, Output
from pydantic import BaseModel, ConfigDict

from blocks.base import REGRESSOR, Block, Port
from blocks.train.common import (
    TRAIN_INPUT,
    infer_for,
    max_depth_field,
    n_estimators_field,
    seed_field,
)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Random forest regressor")

    n_estimators: int = n_estimators_field()
    max_depth: int = max_depth_field()
    seed: int = seed_field()


def train_random_forest_regressor(
    train: Input[Dataset], model: Output[Model], n_estimators: int, max_depth: int, seed: int
) -> None:
    from blocks.runtime.training import train_block

    params = {"n_estimators": n_estimators, "max_depth": max_depth, "seed": seed}
    metadata = train_block(train.path, model.path, "random_forest_regressor", params)
    model.metadata.update(metadata)
    print(f"trained {metadata['estimator']} on {metadata['training_rows']} rows")


BLOCK = Block(
    id="train.random_forest_regressor",
    version="1",
    category="train",
    title="Random forest regressor",
    description="Learn to predict a number with many decision trees whose answers are "
    "averaged. Copes with curved relations and needs little tuning.",
    icon="trees",
    inputs=(TRAIN_INPUT,),
    outputs=(Port("model", REGRESSOR, "The trained regressor."),),
    params=Params,
    function=train_random_forest_regressor,
    infer=infer_for("regression", "Random forest regressor"),
)

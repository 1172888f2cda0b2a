"""Random forest classifier: many decision trees voting; robust with little tuning."""

from kfp.dsl import Dataset, Input, Model, Output
from pydantic import BaseModel, ConfigDict

from blocks.base import CLASSIFIER, Block, Port
from blocks.train.common import (
    TRAIN_INPUT,
    infer_for,
    max_depth_field,
    n_estimators_field,
    seed_field,
)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Random forest")

    n_estimators: int = n_estimators_field()
    max_depth: int = max_depth_field()
    seed: int = seed_field()


def train_random_forest(
    train: Input[Dataset], model: Output[Model], n_estimators: int, max_depth: int, seed: int
) -> None:
    from blocks.runtime.training import train_block

    params = {"n_estimators": n_estimators, "max_depth": max_depth, "seed": seed}
    metadata = train_block(train.path, model.path, "random_forest", params)
    model.metadata.update(metadata)
    print(f"trained {metadata['estimator']} on {metadata['training_rows']} rows")


BLOCK = Block(
    id="train.random_forest",
    version="1",
    category="train",
    title="Random forest",
    description="Learn to predict a category with many decision trees that vote. Works well "
    "out of the box and does not need scaled numbers.",
    icon="trees",
    inputs=(TRAIN_INPUT,),
    outputs=(Port("model", CLASSIFIER, "The trained classifier."),),
    params=Params,
    function=train_random_forest,
    infer=infer_for("classification", "Random forest"),
)

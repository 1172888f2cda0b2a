"""Gradient boosting classifier: small trees added one by one, each fixing earlier mistakes."""

from kfp.dsl import Dataset, Input, Model, Output
from pydantic import BaseModel, ConfigDict, Field

from blocks.base import CLASSIFIER, Block, Port
from blocks.train.common import TRAIN_INPUT, infer_for, n_estimators_field, seed_field


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Gradient boosting")

    n_estimators: int = n_estimators_field()
    learning_rate: float = Field(
        0.1,
        ge=0.001,
        le=1.0,
        title="Learning rate",
        description="How much each new tree corrects the previous ones. Smaller values learn "
        "more carefully but need more trees.",
    )
    max_depth: int = Field(
        3,
        ge=1,
        le=50,
        title="Maximum depth",
        description="How many questions deep each small tree may grow; 2 to 5 is typical.",
    )
    seed: int = seed_field()


def train_gradient_boosting(
    train: Input[Dataset],
    model: Output[Model],
    n_estimators: int,
    learning_rate: float,
    max_depth: int,
    seed: int,
) -> None:
    from blocks.runtime.training import train_block

    params = {
        "n_estimators": n_estimators,
        "learning_rate": learning_rate,
        "max_depth": max_depth,
        "seed": seed,
    }
    metadata = train_block(train.path, model.path, "gradient_boosting", params)
    model.metadata.update(metadata)
    print(f"trained {metadata['estimator']} on {metadata['training_rows']} rows")


BLOCK = Block(
    id="train.gradient_boosting",
    version="1",
    category="train",
    title="Gradient boosting",
    description="Learn to predict a category with small trees built one after another, each "
    "fixing the mistakes of the last. Often the most accurate; slower to train.",
    icon="trending-up",
    inputs=(TRAIN_INPUT,),
    outputs=(Port("model", CLASSIFIER, "The trained classifier."),),
    params=Params,
    function=train_gradient_boosting,
    infer=infer_for("classification", "Gradient boosting"),
)

"""Logistic regression: a fast, simple classifier that is a good first try."""

from kfp.dsl import Dataset, Input, Model, Output
from pydantic import BaseModel, ConfigDict, Field

from blocks.base import CLASSIFIER, Block, Port
from blocks.train.common import TRAIN_INPUT, infer_for


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Logistic regression")

    C: float = Field(
        1.0,
        gt=0,
        le=1_000_000,
        title="Regularisation C",
        description="Smaller values keep the model simpler and less likely to memorise the "
        "training rows; larger values let it fit them more closely.",
    )
    max_iter: int = Field(
        1000,
        ge=50,
        le=10000,
        title="Maximum iterations",
        description="How long the solver may work. Raise it if training warns that it did "
        "not converge.",
    )


def train_logistic_regression(
    train: Input[Dataset],
    model: Output[Model],
    C: float,
    max_iter: int,
) -> None:
    from blocks.runtime.training import train_block

    metadata = train_block(
        train.path, model.path, "logistic_regression", {"C": C, "max_iter": max_iter}
    )
    model.metadata.update(metadata)
    print(f"trained {metadata['estimator']} on {metadata['training_rows']} rows")


BLOCK = Block(
    id="train.logistic_regression",
    version="1",
    category="train",
    title="Logistic regression",
    description="Learn to predict a category with a simple, fast linear model. A good first "
    "model to try; works best on numbers of similar scale.",
    icon="brain",
    inputs=(TRAIN_INPUT,),
    outputs=(Port("model", CLASSIFIER, "The trained classifier."),),
    params=Params,
    function=train_logistic_regression,
    infer=infer_for("classification", "Logistic regression"),
)

"""Linear regression: predicts a number as a weighted sum of the features (ridge when alpha > 0)."""

from kfp.dsl import Dataset, Input, Model, Output
from pydantic import BaseModel, ConfigDict, Field

from blocks.base import REGRESSOR, Block, Port
from blocks.train.common import TRAIN_INPUT, infer_for


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Linear regression")

    alpha: float = Field(
        0.0,
        ge=0,
        le=1_000_000,
        title="Regularisation alpha",
        description="0 fits the plain least-squares line. Larger values (ridge regression) "
        "keep the weights small, which helps when columns are related or rows are few.",
    )


def train_linear_regression(train: Input[Dataset], model: Output[Model], alpha: float) -> None:
    from blocks.runtime.training import train_block

    metadata = train_block(train.path, model.path, "linear_regression", {"alpha": alpha})
    model.metadata.update(metadata)
    print(f"trained {metadata['estimator']} on {metadata['training_rows']} rows")


BLOCK = Block(
    id="train.linear_regression",
    version="1",
    category="train",
    title="Linear regression",
    description="Learn to predict a number as a weighted sum of the other columns. Simple, "
    "fast and easy to explain.",
    icon="line-chart",
    inputs=(TRAIN_INPUT,),
    outputs=(Port("model", REGRESSOR, "The trained regressor."),),
    params=Params,
    function=train_linear_regression,
    infer=infer_for("regression", "Linear regression"),
)

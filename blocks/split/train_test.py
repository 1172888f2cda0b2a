"""Split a table into training rows and held-out test rows."""

from collections.abc import Mapping

from kfp.dsl import Dataset, Input, Output
from pydantic import BaseModel, ConfigDict, Field

from blocks.base import DATASET, Block, Inference, ParamProblem, Port, TableSchema


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Train/test split")

    test_size: float = Field(
        0.2,
        ge=0.05,
        le=0.95,
        title="Test share",
        description="The share of rows kept aside to test the model (0.2 = 20%). The model "
        "never sees these rows while it learns.",
    )
    seed: int = Field(
        42,
        ge=0,
        le=2**32 - 1,
        title="Random seed",
        description="Any whole number; the same number gives the same split every run.",
    )
    stratify: bool = Field(
        True,
        title="Keep class proportions",
        description="Keep the same mix of categories in both parts. Only for classification; "
        "turn it off when predicting numbers.",
    )


def split_train_test(
    data: Input[Dataset],
    train: Output[Dataset],
    test: Output[Dataset],
    test_size: float,
    seed: int,
    stratify: bool,
) -> None:
    from blocks.runtime.splitting import split_table
    from blocks.runtime.tables import read_table, write_table

    train_table, test_table = split_table(read_table(data.path), test_size, seed, stratify)
    for table, artifact in ((train_table, train), (test_table, test)):
        write_table(table, artifact.path)
        artifact.metadata.update(table.summary())
    print(f"split into {len(train_table.frame)} training and {len(test_table.frame)} test rows")


def infer(params: Params, inputs: Mapping[str, TableSchema | None]) -> Inference:
    schema = inputs.get("data")
    problems: list[ParamProblem] = []
    if schema is not None and params.stratify:
        if not schema.target:
            problems.append(
                ParamProblem(
                    "stratify",
                    "Keep class proportions needs a target column and the table has none: "
                    "turn it off or choose a target where the data is loaded.",
                )
            )
        elif schema.task == "regression":
            problems.append(
                ParamProblem(
                    "stratify",
                    f"Keep class proportions only works for categories, but the target "
                    f"{schema.target!r} holds numbers (regression): turn it off.",
                )
            )
    return Inference(outputs={"train": schema, "test": schema}, problems=tuple(problems))


BLOCK = Block(
    id="split.train_test",
    version="1",
    category="split",
    title="Train/test split",
    description="Keep some rows aside so you can test the model on data it has never seen.",
    icon="split",
    inputs=(Port("data", DATASET, "The table to split."),),
    outputs=(
        Port("train", DATASET, "Rows for the model to learn from."),
        Port("test", DATASET, "Rows kept aside to test the model."),
    ),
    params=Params,
    function=split_train_test,
    infer=infer,
)

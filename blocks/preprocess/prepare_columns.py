"""Drop, fill, scale and one-hot encode columns, learning from the training rows only."""

from collections.abc import Mapping
from typing import Literal

from kfp.dsl import Dataset, Input, Model, Output
from pydantic import BaseModel, ConfigDict, Field

from blocks.base import DATASET, PREPROCESSOR, Block, Inference, ParamProblem, Port, TableSchema
from blocks.checks import missing_columns


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Prepare columns")

    drop_columns: list[str] = Field(
        default=[],
        title="Columns to drop",
        description="Columns the model should not use, such as ids or names. The target "
        "column cannot be dropped.",
    )
    impute: Literal["none", "mean", "median", "most_frequent"] = Field(
        "median",
        title="Fill missing values",
        description="How to fill empty cells in number columns: with the column's mean, its "
        "median (middle value) or its most frequent value. Empty text cells get the most "
        "frequent value. none leaves them empty.",
    )
    scale: Literal["none", "standard", "minmax"] = Field(
        "none",
        title="Scale numbers",
        description="standard rescales each number column to mean 0 and spread 1; minmax "
        "squeezes it between 0 and 1. Helps models such as logistic regression.",
    )
    one_hot: bool = Field(
        True,
        title="Turn text into numbers",
        description="Replace each text column with one 0/1 column per value (one-hot). Values "
        "not seen in training become all zeros.",
    )


def prepare_columns(
    train: Input[Dataset],
    test: Input[Dataset],
    prepared_train: Output[Dataset],
    prepared_test: Output[Dataset],
    preprocessor: Output[Model],
    drop_columns: list[str],
    impute: str,
    scale: str,
    one_hot: bool,
) -> None:
    import joblib

    from blocks.runtime.preparation import prepare_tables
    from blocks.runtime.tables import read_table, write_table

    prepared = prepare_tables(
        read_table(train.path), read_table(test.path), drop_columns, impute, scale, one_hot
    )
    for table, artifact in ((prepared.train, prepared_train), (prepared.test, prepared_test)):
        write_table(table, artifact.path)
        artifact.metadata.update(table.summary())
    joblib.dump(prepared.preprocessor, preprocessor.path)
    preprocessor.metadata.update(
        {"input_columns": prepared.input_columns, "output_columns": prepared.output_columns}
    )
    print(f"prepared {len(prepared.input_columns)} columns into {len(prepared.output_columns)}")


def infer(params: Params, inputs: Mapping[str, TableSchema | None]) -> Inference:
    schema = inputs.get("train")
    problems = missing_columns("drop_columns", "Columns to drop", params.drop_columns, schema)
    if schema is not None and schema.target and schema.target in params.drop_columns:
        problems.append(
            ParamProblem(
                "drop_columns",
                f"{schema.target!r} is the target column and cannot be dropped; remove it "
                "from Columns to drop.",
            )
        )
    return Inference(
        outputs={
            "prepared_train": _output(schema, params),
            "prepared_test": _output(inputs.get("test"), params),
        },
        problems=tuple(problems),
    )


def _output(schema: TableSchema | None, params: Params) -> TableSchema | None:
    if schema is None:
        return None
    kept = tuple(c for c in schema.columns if c not in params.drop_columns or c == schema.target)
    # One-hot encoding names its columns after the values it meets, unknown until run time.
    known = schema.columns_known and not params.one_hot
    return TableSchema(
        kept, schema.target, schema.task, columns_known=known, task_reason=schema.task_reason
    )


BLOCK = Block(
    id="preprocess.prepare_columns",
    version="1",
    category="preprocess",
    title="Prepare columns",
    description="Get columns ready for a model: drop the ones to ignore, fill empty cells, "
    "scale numbers and turn text into numbers. Learns from the training rows only.",
    icon="sliders-horizontal",
    inputs=(
        Port("train", DATASET, "Training rows: the preparation is learned from these."),
        Port("test", DATASET, "Test rows: prepared the same way, without learning from them."),
    ),
    outputs=(
        Port("prepared_train", DATASET, "Prepared training rows."),
        Port("prepared_test", DATASET, "Prepared test rows."),
        Port("preprocessor", PREPROCESSOR, "The learned preparation, to apply to new data."),
    ),
    params=Params,
    function=prepare_columns,
    infer=infer,
)

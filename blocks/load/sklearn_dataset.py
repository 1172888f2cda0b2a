"""Load one of the small datasets that scikit-learn ships (no download needed)."""

import functools
from collections.abc import Mapping
from typing import Literal

from kfp.dsl import Dataset, Output
from pydantic import BaseModel, ConfigDict, Field

from blocks.base import DATASET, Block, Inference, Port, TableSchema

SklearnName = Literal["iris", "wine", "breast_cancer", "diabetes", "digits"]
_REGRESSION = {"diabetes"}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Sample dataset")

    dataset: SklearnName = Field(
        "iris",
        title="Dataset",
        description="iris, wine, breast_cancer and digits are for classification; "
        "diabetes is for regression.",
    )


def load_sklearn_dataset(dataset: str, data: Output[Dataset]) -> None:
    from blocks.runtime.sklearn_data import load_sample
    from blocks.runtime.tables import write_table

    table = load_sample(dataset)
    write_table(table, data.path)
    data.metadata.update(table.summary())
    print(f"loaded {dataset}: {len(table.frame)} rows, target {table.target!r}")


@functools.cache
def sample_schema(name: str) -> TableSchema:
    """The sample's columns as written down (``sample_columns``): checking a flow never loads
    the data, nor imports scikit-learn."""
    from blocks.runtime.sample_columns import COLUMNS
    from blocks.runtime.sklearn_data import SAMPLES

    sample = SAMPLES[name]
    return TableSchema(COLUMNS[name], sample.target, sample.task)


def infer(params: Params, inputs: Mapping[str, TableSchema | None]) -> Inference:
    return Inference(outputs={"data": sample_schema(params.dataset)})


BLOCK = Block(
    id="load.sklearn_dataset",
    version="1",
    category="load",
    title="Sample dataset",
    description="Start from a small, ready-made dataset such as iris flowers or wine quality.",
    icon="database",
    inputs=(),
    outputs=(Port("data", DATASET, "The whole dataset, with its target column."),),
    params=Params,
    function=load_sklearn_dataset,
    infer=infer,
)

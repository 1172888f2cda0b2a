"""K-means clustering: put rows into a chosen number of groups of similar rows.

It needs no target: a target column, if the table has one, is left out of the grouping and
kept in the output, so the groups can be compared with it later (Evaluate clustering).
"""

from collections.abc import Mapping

from kfp.dsl import Dataset, Input, Model, Output
from pydantic import BaseModel, ConfigDict, Field

from blocks.base import (
    CLUSTERER,
    DATASET,
    Block,
    Inference,
    ParamProblem,
    Port,
    TableSchema,
)
from blocks.train.common import seed_field

#: The column the block adds; blocks.runtime.clustering holds the same name (a test checks),
#: kept here too so drawing a flow does not import scikit-learn.
CLUSTER_COLUMN = "cluster"


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="K-means clustering")

    n_clusters: int = Field(
        3,
        ge=2,
        le=50,
        title="Number of groups",
        description="How many groups to split the rows into. Try a few values and compare "
        "them with Evaluate clustering.",
    )
    scale: bool = Field(
        True,
        title="Put columns on the same scale",
        description="On: every column counts equally, whatever its units. Off: columns with "
        "large numbers (such as prices) decide the groups almost alone.",
    )
    seed: int = seed_field()


def train_kmeans(
    data: Input[Dataset],
    model: Output[Model],
    clustered: Output[Dataset],
    n_clusters: int,
    scale: bool,
    seed: int,
) -> None:
    import joblib

    from blocks.runtime.clustering import assign_clusters, fit_kmeans, sizes_line
    from blocks.runtime.tables import read_table, write_table

    table = read_table(data.path)
    fitted, metadata = fit_kmeans(table, n_clusters, scale, seed)
    joblib.dump(fitted, model.path)
    model.metadata.update(metadata)
    grouped = assign_clusters(fitted, table)
    write_table(grouped, clustered.path)
    clustered.metadata.update(grouped.summary())
    print(sizes_line(grouped, metadata["feature_columns"]))


def infer(params: Params, inputs: Mapping[str, TableSchema | None]) -> Inference:
    schema = inputs.get("data")
    if schema is None:
        return Inference(outputs={"clustered": None})
    problems: list[ParamProblem] = []
    if schema.columns_known and not schema.features:
        problems.append(
            ParamProblem(
                "",
                "K-means clustering needs at least one column besides the target to group "
                "rows by, and the table has none.",
            )
        )
    if CLUSTER_COLUMN in schema.columns:
        problems.append(
            ParamProblem(
                "",
                f"K-means clustering adds a {CLUSTER_COLUMN!r} column, and the table already "
                "has one; drop it first with a Prepare columns block.",
            )
        )
    output = TableSchema(
        (*schema.columns, CLUSTER_COLUMN), schema.target, schema.task, schema.columns_known
    )
    return Inference(outputs={"clustered": output}, problems=tuple(problems))


BLOCK = Block(
    id="train.kmeans",
    version="1",
    category="train",
    title="K-means clustering",
    description="Put rows into groups of similar rows, without a target to learn from: for "
    "finding kinds of customers, products or measurements.",
    icon="chart-scatter",
    inputs=(Port("data", DATASET, "The rows to group, all numbers; a target column is ignored."),),
    outputs=(
        Port("model", CLUSTERER, "The grouping, to put new rows into the same groups."),
        Port("clustered", DATASET, "The input rows with a new 'cluster' column (0, 1, ...)."),
    ),
    params=Params,
    function=train_kmeans,
    infer=infer,
)

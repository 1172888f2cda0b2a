"""Score a grouping: how well separated the groups are, and how they match a target if any.

The silhouette is measured where k-means measured distances (after its scaling), on at most
5000 rows sampled with a fixed seed so reruns give the same number.
"""

from collections.abc import Mapping

from kfp.dsl import Dataset, Input, Metrics, Model, Output
from pydantic import BaseModel, ConfigDict

from blocks.base import CLUSTERER, DATASET, METRICS, Block, Inference, Port, TableSchema


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Evaluate clustering")


def evaluate_clustering(
    model: Input[Model], data: Input[Dataset], metrics: Output[Metrics]
) -> None:
    import joblib

    from blocks.runtime.clustering import clustering_scores, summary_line
    from blocks.runtime.tables import read_table

    scores = clustering_scores(joblib.load(model.path), read_table(data.path))
    for name, value in scores.items():
        metrics.log_metric(name, value)
    print(summary_line(scores))


def infer(params: Params, inputs: Mapping[str, TableSchema | None]) -> Inference:
    # Which columns the model needs is only known once it is trained; nothing to check yet.
    return Inference()


BLOCK = Block(
    id="evaluate.clustering",
    version="1",
    category="evaluate",
    title="Evaluate clustering",
    description="See how clearly rows fall into groups: silhouette (1 is best, near 0 means "
    "groups overlap), group sizes, and, when the table has a target, how well the groups "
    "match it.",
    icon="layers",
    inputs=(
        Port("model", CLUSTERER, "The trained grouping."),
        Port("data", DATASET, "Rows to score, with the columns the model grouped by."),
    ),
    outputs=(
        Port(
            "metrics",
            METRICS,
            "Silhouette, number of groups, smallest and largest group, inertia and (with a "
            "target) adjusted Rand agreement.",
        ),
    ),
    params=Params,
    function=evaluate_clustering,
    infer=infer,
)

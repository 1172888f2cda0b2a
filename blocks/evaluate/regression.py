"""Score a regressor on test rows: how far its numbers are from the true ones.

Besides RMSE, MAE and R² it logs a summary of the residuals (truth minus prediction), so the run
panel can show whether the errors are centred on zero and how widely they spread.
"""

from collections.abc import Mapping

from kfp.dsl import Dataset, Input, Metrics, Model, Output
from pydantic import BaseModel, ConfigDict

from blocks.base import DATASET, METRICS, REGRESSOR, Block, Inference, Port, TableSchema
from blocks.checks import target_and_task


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Evaluate regression")


def evaluate_regression(
    model: Input[Model], test: Input[Dataset], metrics: Output[Metrics]
) -> None:
    import joblib

    from blocks.runtime.evaluation import regression_scores
    from blocks.runtime.tables import read_table

    scores = regression_scores(joblib.load(model.path), read_table(test.path))
    for name, value in scores.items():
        metrics.log_metric(name, value)
    print(", ".join(f"{name} {value:.4f}" for name, value in scores.items()))


def infer(params: Params, inputs: Mapping[str, TableSchema | None]) -> Inference:
    problems = target_and_task(
        inputs.get("test"), "regression", "Evaluate regression", "test", "Evaluate classification"
    )
    return Inference(problems=tuple(problems))


BLOCK = Block(
    id="evaluate.regression",
    version="1",
    category="evaluate",
    title="Evaluate regression",
    description="See how close a regressor's numbers are to the true ones on test rows: "
    "RMSE and MAE (typical error, in the target's units), R² (1 is perfect) and how the "
    "errors spread.",
    icon="ruler",
    inputs=(
        Port("model", REGRESSOR, "The trained regressor."),
        Port("test", DATASET, "Test rows, prepared like the training rows."),
    ),
    outputs=(Port("metrics", METRICS, "RMSE, MAE, R² and a summary of the residuals."),),
    params=Params,
    function=evaluate_regression,
    infer=infer,
)

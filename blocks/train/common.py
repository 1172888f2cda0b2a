"""What every train block shares at design time: the input port and the task check."""

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from blocks.base import DATASET, Inference, InferFn, Port, TableSchema
from blocks.checks import target_and_task

TRAIN_INPUT = Port("train", DATASET, "Training rows with a target column, all numbers.")


def seed_field() -> Any:
    return Field(
        42,
        ge=0,
        le=2**32 - 1,
        title="Random seed",
        description="Any whole number; the same number gives the same model every run.",
    )


def n_estimators_field(default: int = 100) -> Any:
    return Field(
        default,
        ge=1,
        le=2000,
        title="Number of trees",
        description="More trees give steadier predictions but take longer to train.",
    )


def max_depth_field() -> Any:
    return Field(
        0,
        ge=0,
        le=200,
        title="Maximum depth",
        description="How many questions deep each tree may grow; 0 means no limit. Smaller "
        "trees are less likely to memorise the training rows.",
    )


def infer_for(task: str, title: str, alternative: str | None = None) -> InferFn:
    """An ``infer`` that reports a missing target or a task this model cannot do.

    ``alternative`` names the block to suggest for the other task (a default one otherwise).
    """

    def infer(params: Any, inputs: Mapping[str, TableSchema | None]) -> Inference:
        problems = target_and_task(inputs.get("train"), task, title, "training", alternative)
        return Inference(problems=tuple(problems))

    return infer

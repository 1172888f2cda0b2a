"""What the blocks that load a table share: choosing its target column and the task."""

from typing import Any, Literal

from pydantic import Field

Task = Literal["auto", "classification", "regression"]


def target_field(**extra: Any) -> Any:
    """The "Target column" setting (empty: the table has no target)."""
    return Field(
        "",
        title="Target column",
        description="The column a model should learn to predict. Leave empty when the table "
        "has no such column.",
        **extra,
    )


def task_field() -> Any:
    """The "Task" setting: what kind of model the target calls for."""
    return Field(
        "auto",
        title="Task",
        description="classification predicts a category, regression predicts a number. auto "
        "picks regression for numbers with fractions and for whole numbers with more than 20 "
        "different values (counts, amounts, years); text, true/false values and a few whole "
        "numbers (a rating 1-5, class codes) are categories.",
    )

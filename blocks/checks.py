"""Design-time checks shared by the blocks' ``infer`` functions.

They run while the user draws, on schemas only (no data), so each returns problems instead of
raising: the canvas shows them next to the parameter that needs fixing.
"""

from collections.abc import Iterable

from blocks.base import ParamProblem, TableSchema

TASK_WORDS = {
    "classification": "categories (classification)",
    "regression": "numbers (regression)",
}


def missing_columns(
    param: str, label: str, given: Iterable[str], schema: TableSchema | None
) -> list[ParamProblem]:
    """A problem when a column named in a parameter is not in the incoming table."""
    if schema is None or not schema.columns_known:
        return []
    missing = [name for name in given if name not in schema.columns]
    if not missing:
        return []
    return [
        ParamProblem(
            param,
            f"{label}: column(s) {', '.join(map(repr, missing))} not found; "
            f"the table has: {', '.join(schema.columns)}",
        )
    ]


def target_and_task(
    schema: TableSchema | None,
    block_task: str,
    block_title: str,
    role: str,
    alternative: str | None = None,
) -> list[ParamProblem]:
    """Problems when a block that needs a target gets a table without one or of the other task."""
    if schema is None:
        return []
    if not schema.target:
        return [
            ParamProblem(
                "",
                f"{block_title} needs a target column, but the {role} table has none; "
                "choose a target in the block that loads the data.",
            )
        ]
    if schema.task and schema.task != block_task:
        message = task_mismatch(
            block_title, block_task, schema.task, schema.target, alternative, schema.task_reason
        )
        return [ParamProblem("", message)]
    return []


def task_mismatch(
    block_title: str,
    block_task: str,
    table_task: str,
    target: str,
    alternative: str | None = None,
    holds: str | None = None,
) -> str:
    """The message for a block of one task fed data of the other, with the way out.

    ``holds`` is what the target holds that made Task auto pick ``table_task`` (the rule's
    words, ``blocks.runtime.target_kind``), so the person sees why and can overrule it.
    """
    if alternative is None:
        alternative = "Linear regression" if table_task == "regression" else "Logistic regression"
    kind = "a regression" if table_task == "regression" else "a classification"
    hint = f"use {kind} block such as {alternative} instead"
    why = f": {holds}" if holds else ""
    other = "regression" if block_task == "regression" else "classification"
    overrule = (
        f"or set Task to {other} in the block that loads the data if that is what you mean"
        if holds
        else "or set Task in the block that loads the data"
    )
    return (
        f"{block_title} works with {TASK_WORDS.get(block_task, block_task)}, but the target "
        f"{target!r} holds {TASK_WORDS.get(table_task, table_task)}{why}; {hint}, {overrule}."
    )

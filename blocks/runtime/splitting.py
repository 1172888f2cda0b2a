"""Dividing a table into training and test rows, optionally keeping class proportions."""

from __future__ import annotations

import pandas as pd

from blocks.runtime.tables import Table


def split_table(table: Table, test_size: float, seed: int, stratify: bool) -> tuple[Table, Table]:
    """Train and test tables; both keep the target and task of the input."""
    from sklearn.model_selection import train_test_split

    if not 0.0 < test_size < 1.0:
        raise ValueError(
            f"Test size must be between 0 and 1 (a share of the rows); got {test_size}"
        )
    frame = table.frame
    if len(frame) < 2:
        raise ValueError(f"cannot split a table of {len(frame)} row(s); it needs at least 2")
    labels = _stratify_labels(table) if stratify else None
    try:
        train, test = train_test_split(
            frame, test_size=test_size, random_state=seed, stratify=labels
        )
    except ValueError as exc:
        raise ValueError(
            f"could not split {len(frame)} rows with test size {test_size}: {exc}"
        ) from exc
    return (
        Table(train.reset_index(drop=True), table.target, table.task),
        Table(test.reset_index(drop=True), table.target, table.task),
    )


def _stratify_labels(table: Table) -> pd.Series:
    if not table.target:
        raise ValueError(
            "Keep class proportions needs a target column and this table has none: turn it off "
            "or choose a target in the block that loads the data"
        )
    if table.task == "regression":
        raise ValueError(
            f"Keep class proportions only works for categories, but the target {table.target!r} "
            "holds numbers (regression): turn Keep class proportions off for this data"
        )
    labels = table.frame[table.target]
    counts = labels.value_counts(dropna=False)
    rare = [str(label) for label, count in counts.items() if count < 2]
    if rare:
        raise ValueError(
            f"Keep class proportions needs at least 2 rows of every class, but class(es) "
            f"{', '.join(map(repr, rare))} of {table.target!r} have only 1: turn it off or "
            "use more data"
        )
    return labels

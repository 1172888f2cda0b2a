"""Fitting any of the catalogue's estimators, with the checks every trainer needs.

All trainers share this code so they fail the same way, in the same words, on the same
problems: no target, text or empty cells in the features, or a task the model cannot do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from sklearn.base import BaseEstimator

from blocks.runtime.tables import Table, guess_kind, require_columns, text_columns

PREPARE_HINT = 'add a "Prepare columns" block before this one'


def _logistic_regression(C: float, max_iter: int) -> BaseEstimator:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=max_iter)


def _random_forest(n_estimators: int, max_depth: int, seed: int) -> BaseEstimator:
    from sklearn.ensemble import RandomForestClassifier

    depth = max_depth or None
    return RandomForestClassifier(n_estimators=n_estimators, max_depth=depth, random_state=seed)


def _gradient_boosting(
    n_estimators: int, learning_rate: float, max_depth: int, seed: int
) -> BaseEstimator:
    from sklearn.ensemble import GradientBoostingClassifier

    return GradientBoostingClassifier(
        n_estimators=n_estimators,
        learning_rate=learning_rate,
        max_depth=max_depth,
        random_state=seed,
    )


def _linear_regression(alpha: float) -> BaseEstimator:
    from sklearn.linear_model import LinearRegression, Ridge

    return Ridge(alpha=alpha) if alpha > 0 else LinearRegression()


def _random_forest_regressor(n_estimators: int, max_depth: int, seed: int) -> BaseEstimator:
    from sklearn.ensemble import RandomForestRegressor

    depth = max_depth or None
    return RandomForestRegressor(n_estimators=n_estimators, max_depth=depth, random_state=seed)


#: estimator key -> (task, title shown in messages, factory taking the block's parameters)
ESTIMATORS: dict[str, tuple[str, str, Callable[..., BaseEstimator]]] = {
    "logistic_regression": ("classification", "Logistic regression", _logistic_regression),
    "random_forest": ("classification", "Random forest", _random_forest),
    "gradient_boosting": ("classification", "Gradient boosting", _gradient_boosting),
    "linear_regression": ("regression", "Linear regression", _linear_regression),
    "random_forest_regressor": ("regression", "Random forest regressor", _random_forest_regressor),
}


def feature_matrix(frame: pd.DataFrame, columns: list[str], who: str) -> pd.DataFrame:
    """The feature columns as a model can take them, or a clear error saying what to fix."""
    require_columns(frame, columns, f"{who} needs its feature columns")
    features = frame[columns]
    text = text_columns(features)
    if text:
        raise ValueError(
            f"{who} needs numbers, but column(s) {', '.join(map(repr, text))} hold text; "
            f"{PREPARE_HINT} with Turn text into numbers (one-hot encoding) on, or drop them"
        )
    empty = features.isna().sum()
    empty = empty[empty > 0]
    if len(empty):
        listed = ", ".join(f"{name!r} ({count} empty)" for name, count in empty.items())
        raise ValueError(
            f"{who} cannot learn from empty cells, found in column(s) {listed}; "
            f"{PREPARE_HINT} with Fill missing values set to median"
        )
    return features


def training_data(
    table: Table, task: str, who: str, alternative: str | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Features and labels of a training table, after checking it suits a ``task`` model.

    ``alternative`` names the block to suggest when the table is of the other task.
    """
    from blocks.checks import task_mismatch

    if not table.target:
        raise ValueError(
            f"{who} needs a target column to learn to predict, and this table has none; "
            "choose one in the block that loads the data"
        )
    labels = table.labels
    if labels.empty:
        raise ValueError(f"{who} got a training table with no rows")
    guessed = guess_kind(labels)
    table_task = table.task or guessed.task
    if table_task != task:
        # The rule's words explain a task it chose; a task set in the load block needs none.
        holds = guessed.holds if guessed.task == table_task else None
        raise ValueError(task_mismatch(who, task, table_task, table.target, alternative, holds))
    if labels.isna().any():
        raise ValueError(
            f"the target {table.target!r} is empty in {int(labels.isna().sum())} row(s); "
            "remove those rows from the data: a model cannot learn from a missing answer"
        )
    if task == "regression" and text_columns(labels.to_frame()):
        raise ValueError(f"{who} predicts numbers, but the target {table.target!r} holds text")
    if task == "classification" and labels.nunique() < 2:
        raise ValueError(
            f"{who} needs at least 2 classes in the target {table.target!r}; "
            f"the training rows only hold {labels.iloc[0]!r}"
        )
    columns = [str(c) for c in table.features.columns]
    if not columns:
        raise ValueError(f"{who} needs at least one feature column besides the target")
    return feature_matrix(table.frame, columns, who), labels


def fit(table: Table, estimator: str, params: dict[str, Any]) -> tuple[BaseEstimator, dict]:
    """The fitted estimator and the facts about it worth keeping next to the model file."""
    task, who, factory = ESTIMATORS[estimator]
    features, labels = training_data(table, task, who)
    model = factory(**params)
    model.fit(features, labels)
    metadata = {
        "estimator": type(model).__name__,
        "feature_columns": list(features.columns),
        "target": table.target,
        "task": task,
        "training_rows": len(features),
    }
    return model, metadata


def train_block(table_path: str, model_path: str, estimator: str, params: dict[str, Any]) -> dict:
    """What each train component does: read, fit, save; returns the model's metadata."""
    import joblib

    from blocks.runtime.tables import read_table

    model, metadata = fit(read_table(table_path), estimator, params)
    joblib.dump(model, model_path)
    return metadata

"""Column preparation fitted on the training rows only, then applied unchanged to any rows.

Fitting on training rows alone keeps test rows unseen (no leakage): the fill values, scales and
category lists come from training data, exactly as they will when the model meets new data.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler

from blocks.runtime.tables import Table, require_columns, text_columns

IMPUTE = ("none", "mean", "median", "most_frequent")
SCALE = ("none", "standard", "minmax")


@dataclass(frozen=True)
class Prepared:
    train: Table
    test: Table
    preprocessor: ColumnTransformer
    input_columns: list[str]
    output_columns: list[str]


def build_preprocessor(
    features: pd.DataFrame, impute: str, scale: str, one_hot: bool
) -> ColumnTransformer:
    """An unfitted transformer for these feature columns: numbers and text are handled apart."""
    _check_choice("Fill missing values", impute, IMPUTE)
    _check_choice("Scale numbers", scale, SCALE)
    text = text_columns(features)
    numbers = [str(c) for c in features.columns if c not in text]
    number_steps: list[tuple[str, object]] = []
    if impute != "none":
        number_steps.append(("impute", SimpleImputer(strategy=impute)))
    if scale == "standard":
        number_steps.append(("scale", StandardScaler()))
    elif scale == "minmax":
        number_steps.append(("scale", MinMaxScaler()))
    text_steps: list[tuple[str, object]] = []
    if impute != "none":
        text_steps.append(("impute", SimpleImputer(strategy="most_frequent")))
    if one_hot:
        encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        text_steps.append(("one_hot", encoder))
    transformer = ColumnTransformer(
        [
            ("numbers", Pipeline(number_steps) if number_steps else "passthrough", numbers),
            ("text", Pipeline(text_steps) if text_steps else "passthrough", text),
        ],
        remainder="drop",
        verbose_feature_names_out=False,
    )
    return transformer.set_output(transform="pandas")


def prepare_tables(
    train: Table,
    test: Table,
    drop_columns: list[str],
    impute: str,
    scale: str,
    one_hot: bool,
) -> Prepared:
    """Fit on ``train`` features, then transform both tables; the target passes untouched."""
    require_columns(train.frame, list(drop_columns), "Columns to drop")
    target = train.target
    if target and target in drop_columns:
        raise ValueError(
            f"cannot drop {target!r}: it is the target column the model learns to predict; "
            "remove it from Columns to drop"
        )
    features = [str(c) for c in train.frame.columns if c != target and c not in drop_columns]
    if not features:
        raise ValueError("no columns left to prepare: every feature column is in Columns to drop")
    missing = [c for c in features if c not in test.frame.columns]
    if missing:
        raise ValueError(
            f"the test table lacks column(s) {', '.join(map(repr, missing))} that the training "
            f"table has; the test table has: {', '.join(map(str, test.frame.columns))}"
        )
    preprocessor = build_preprocessor(train.frame[features], impute, scale, one_hot)
    preprocessor.fit(train.frame[features])
    train_out = _apply(preprocessor, train, features, target)
    test_out = _apply(preprocessor, test, features, target)
    output_columns = [str(c) for c in preprocessor.get_feature_names_out()]
    return Prepared(train_out, test_out, preprocessor, features, output_columns)


def _apply(
    preprocessor: ColumnTransformer, table: Table, features: list[str], target: str | None
) -> Table:
    frame = preprocessor.transform(table.frame[features]).reset_index(drop=True)
    if target and target in table.frame.columns:
        frame[target] = table.frame[target].reset_index(drop=True)
        return Table(frame, target, table.task)
    return Table(frame, None, table.task)


def _check_choice(label: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{label}: unknown choice {value!r}; choose one of: {', '.join(choices)}")

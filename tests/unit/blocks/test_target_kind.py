"""The target rule alone (any summary gets a task and a reason; edges of the thresholds), and the
user's case end to end: a count target with Task auto trains a random forest regressor."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kfp import dsl

from blocks.catalogue import get_block
from blocks.runtime.tables import Table, guess_kind, read_table
from blocks.runtime.target_kind import (
    DISTINCT_CAP,
    KINDS,
    MAX_CLASSES,
    MAX_NAMED_CLASSES,
    TASKS,
    ColumnSummary,
    summarize,
    target_kind,
)
from blocks.runtime.training import fit
from designer.flow.document import Edge, Flow, Node
from designer.flow.validate import check_flow

numbers = st.one_of(st.none(), st.floats(allow_nan=False), st.integers(-(10**12), 10**12))
summaries = st.builds(
    ColumnSummary,
    name=st.text(max_size=30),
    kind=st.one_of(st.sampled_from(KINDS), st.text(max_size=8)),
    distinct=st.one_of(st.none(), st.integers(0, DISTINCT_CAP)),
    low=numbers,
    high=numbers,
    whole=st.one_of(st.none(), st.booleans()),
)


@given(summaries)
def test_any_summary_gets_one_of_the_two_tasks_and_a_reason(summary: ColumnSummary) -> None:
    kind = target_kind(summary)
    assert kind.task in TASKS
    assert kind.holds.strip() and kind.reason.strip()
    assert kind.reason.endswith(f": {kind.task}.")


def whole(name: str, distinct: int | None, low: float = 0, high: float = 100) -> ColumnSummary:
    return ColumnSummary(name, "integer", distinct, low, high, True)


@pytest.mark.parametrize(
    ("summary", "task", "words"),
    [
        (whole("y", MAX_CLASSES, 1, 20), "classification", "20 whole numbers from 1 to 20"),
        (whole("y", MAX_CLASSES + 1, 1, 21), "regression", "21 different whole numbers"),
        (whole("y", None), "regression", "more than 10,000 different whole numbers"),
        (whole("y", 2, -1, 1), "classification", "two whole numbers, -1 and 1"),
        (whole("ZoneCode", MAX_NAMED_CLASSES), "classification", "its name says they are codes"),
        (whole("zone code", MAX_NAMED_CLASSES + 1), "regression", "like a count"),
        (whole("age_years", 12, 18, 29), "regression", "its name says it is a count"),
        (whole("age_group", 5, 1, 5), "classification", "its name says they are codes"),
        (whole("sales", 600, 12_000, 250_000), "regression", "from 12,000 to 250,000"),
        (ColumnSummary("grade", "number", 5, 1.0, 5.0, None), "classification", "five numbers"),
        (ColumnSummary("grade", "number", 5, 1.0, 4.5, None), "regression", "with fractions"),
        (ColumnSummary("half", "number", 3, 0.5, 1.5, False), "regression", "with fractions"),
        (ColumnSummary("when", "datetime", 40), "classification", "dates"),
        (ColumnSummary("gaps", "number", 0), "classification", "no values at all"),
        (ColumnSummary("same", "integer", 1, 7, 7, True), "classification", "one number only"),
    ],
)
def test_thresholds(summary: ColumnSummary, task: str, words: str) -> None:
    kind = target_kind(summary)
    assert kind.task == task
    assert words in kind.reason


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pd.Series([1, 2, 3], name="n"), ColumnSummary("n", "integer", 3, 1.0, 3.0, True)),
        (
            pd.Series([1.0, np.nan, 3.0, np.inf], name="f"),
            ColumnSummary("f", "number", 3, 1.0, 3.0, True),
        ),
        (pd.Series([0.5, 2.0], name="p"), ColumnSummary("p", "number", 2, 0.5, 2.0, False)),
        (
            pd.Series([1, None, 3], dtype="Int64", name="i"),
            ColumnSummary("i", "integer", 2, 1, 3, True),
        ),
        (pd.Series([np.nan, np.nan], name="e"), ColumnSummary("e", "number", 0)),
        (pd.Series(["a", "b", "a"], name="t"), ColumnSummary("t", "text", 2)),
        (pd.Series([True, False], name="b"), ColumnSummary("b", "boolean", 2)),
    ],
)
def test_a_series_is_summarized_as_the_profile_would_be(
    values: pd.Series, expected: ColumnSummary
) -> None:
    assert summarize(values) == expected


def test_a_mismatch_says_why_the_task_was_picked() -> None:
    ratings = pd.DataFrame({"x": range(60), "rating": [1 + i % 5 for i in range(60)]})
    table = Table(ratings, "rating", guess_kind(ratings["rating"]).task)
    with pytest.raises(ValueError) as caught:
        fit(table, "random_forest_regressor", {"n_estimators": 5, "max_depth": 0, "seed": 0})
    message = str(caught.value)
    assert "holds categories (classification): five whole numbers from 1 to 5" in message
    assert "set Task to regression in the block that loads the data" in message


# --- the user's case: a count to predict, Task auto, a random forest regressor ---------------

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "data" / "target_kinds.csv"
FOREST = {"n_estimators": 20, "max_depth": 0, "seed": 1}


def forest_flow(target: str) -> Flow:
    nodes = [
        Node(
            id="load",
            block="load.table_file",
            params={"uri": str(FIXTURE), "target": target, "task": "auto"},
        ),
        Node(
            id="split",
            block="split.train_test",
            params={"test_size": 0.25, "seed": 0, "stratify": False},
        ),
        Node(id="prepare", block="preprocess.prepare_columns", params={}),
        Node(id="train", block="train.random_forest_regressor", params=FOREST),
    ]
    edges = [
        Edge(source="load", source_port="data", target="split", target_port="data"),
        Edge(source="split", source_port="train", target="prepare", target_port="train"),
        Edge(source="split", source_port="test", target="prepare", target_port="test"),
        Edge(source="prepare", source_port="prepared_train", target="train", target_port="train"),
    ]
    return Flow(name=f"Predict {target}", nodes=nodes, edges=edges)


@pytest.mark.parametrize(
    ("target", "errors"),
    [
        ("rentals", []),
        # the other way round, the check says why (through Prepare columns, which keeps it)
        ("rating", ["holds categories (classification): five whole numbers from 1 to 5"]),
    ],
)
def test_the_check_while_the_flow_is_drawn(target: str, errors: list[str]) -> None:
    check = check_flow(forest_flow(target))
    found = [str(d) for d in check.diagnostics if d.severity == "error"]
    assert len(found) == len(errors)
    for message, words in zip(found, errors, strict=True):
        assert "node train" in message and words in message


def test_a_count_target_trains_a_random_forest_regressor(
    artifact: Callable[..., dsl.Artifact],
) -> None:
    def run(block_id: str, **kwargs: object) -> None:
        block = get_block(block_id)
        assert block is not None
        block.function(**kwargs)

    data, train, test = (artifact(dsl.Dataset, n) for n in ("data", "train", "test"))
    prepared_train, prepared_test = (artifact(dsl.Dataset, n) for n in ("p_train", "p_test"))
    run(
        "load.table_file", uri=str(FIXTURE), format="auto", target="rentals", task="auto", data=data
    )
    assert read_table(data.path).task == "regression"
    run(
        "split.train_test",
        data=data,
        train=train,
        test=test,
        test_size=0.25,
        seed=0,
        stratify=False,
    )
    run(
        "preprocess.prepare_columns",
        train=train,
        test=test,
        prepared_train=prepared_train,
        prepared_test=prepared_test,
        preprocessor=artifact(dsl.Model, "preprocessor"),
        drop_columns=[],
        impute="median",
        scale="none",
        one_hot=True,
    )
    model = artifact(dsl.Model, "model")
    run("train.random_forest_regressor", train=prepared_train, model=model, **FOREST)
    assert model.metadata["estimator"] == "RandomForestRegressor"
    assert model.metadata["task"] == "regression"

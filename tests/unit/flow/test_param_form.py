"""Parameter schemas as form fields, and reading typed values back."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blocks.catalogue import CATALOGUE, get_block
from designer.flow.param_form import BadValue, FormField, form_fields, read_value


def field_of(block_id: str, name: str) -> FormField:
    return next(f for f in form_fields(get_block(block_id).params_schema()) if f.name == name)


@pytest.mark.parametrize(
    ("block", "name", "kind", "minimum", "maximum", "options"),
    [
        ("split.train_test", "test_size", "number", 0.05, 0.95, ()),
        ("split.train_test", "seed", "integer", 0, 2**32 - 1, ()),
        ("split.train_test", "stratify", "switch", None, None, ()),
        (
            "load.sklearn_dataset",
            "dataset",
            "select",
            None,
            None,
            ("iris", "wine", "breast_cancer", "diabetes", "digits"),
        ),
        ("preprocess.prepare_columns", "drop_columns", "list", None, None, ()),
        ("deploy.local_model", "model_name", "text", None, None, ()),
        ("train.logistic_regression", "C", "number", 0, 1000000, ()),
    ],
)
def test_fields_follow_the_schema(
    block: str, name: str, kind: str, minimum: Any, maximum: Any, options: tuple[str, ...]
) -> None:
    field = field_of(block, name)
    assert (field.kind, field.minimum, field.maximum, field.options) == (
        kind,
        minimum,
        maximum,
        options,
    )
    assert field.title and field.help


def test_every_block_param_gets_a_field() -> None:
    for block in CATALOGUE:
        fields = form_fields(block.params_schema())
        assert [f.name for f in fields] == list(block.params_schema()["properties"])


@pytest.mark.parametrize(
    ("block", "name", "raw", "value"),
    [
        ("split.train_test", "test_size", "0.3", 0.3),
        ("split.train_test", "test_size", " 0.25 ", 0.25),
        ("split.train_test", "seed", "7", 7),
        ("split.train_test", "seed", "7.0", 7),
        ("split.train_test", "stratify", False, False),
        ("split.train_test", "stratify", "on", True),
        ("load.sklearn_dataset", "dataset", "wine", "wine"),
        ("preprocess.prepare_columns", "drop_columns", "a, b,,c", ["a", "b", "c"]),
        ("deploy.local_model", "model_name", " iris ", "iris"),
        ("split.train_test", "seed", {"$param": "seed"}, {"$param": "seed"}),
    ],
)
def test_read_value(block: str, name: str, raw: Any, value: Any) -> None:
    assert read_value(field_of(block, name), raw) == value


@pytest.mark.parametrize(
    ("block", "name", "raw", "message"),
    [
        ("split.train_test", "test_size", "abc", "must be a number; found 'abc'"),
        ("split.train_test", "test_size", "0.99", "at most 0.95"),
        ("split.train_test", "test_size", "0.01", "at least 0.05"),
        ("split.train_test", "test_size", "inf", "finite"),
        ("split.train_test", "seed", "1.5", "whole number"),
        ("split.train_test", "seed", "-1", "at least 0"),
        ("split.train_test", "stratify", "maybe", "on or off"),
        ("load.sklearn_dataset", "dataset", "mnist", "must be one of iris"),
        ("load.table_file", "uri", "", "File is empty"),
        ("split.train_test", "seed", "", "Random seed is empty"),
        ("split.train_test", "test_size", "  ", "Test share is empty"),
    ],
)
def test_bad_values_say_what_is_wrong(block: str, name: str, raw: Any, message: str) -> None:
    with pytest.raises(BadValue, match=message):
        read_value(field_of(block, name), raw)


@given(raw=st.text(max_size=30) | st.floats() | st.integers() | st.booleans() | st.none())
def test_reading_never_fails_other_than_with_bad_value(raw: Any) -> None:
    for block in ("split.train_test", "train.random_forest", "load.sklearn_dataset"):
        for field in form_fields(get_block(block).params_schema()):
            try:
                read_value(field, raw)
            except BadValue as exc:
                assert str(exc)

"""The sample datasets' columns as written down still match what scikit-learn loads."""

from __future__ import annotations

import pytest

from blocks.load.sklearn_dataset import sample_schema
from blocks.runtime.sample_columns import COLUMNS
from blocks.runtime.sklearn_data import SAMPLES, load_sample


def test_every_sample_has_its_columns_written_down() -> None:
    assert set(COLUMNS) == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_columns_written_down_are_the_ones_loaded(name: str) -> None:
    table = load_sample(name)
    assert COLUMNS[name] == tuple(map(str, table.frame.columns))
    schema = sample_schema(name)
    assert (schema.target, schema.task) == (table.target, table.task)
    assert schema.columns == COLUMNS[name]

"""A bundle's facts come from the run: whatever ``bundle.json`` holds, reading it either gives
well-typed facts or refuses with ``BundleDamaged``, never another error (fuzzed)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import joblib
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression

from blocks.runtime.model_bundle import BUNDLE_FILE, write_bundle
from blocks.runtime.model_registry import MODEL_FILE, NAME_PATTERN
from designer.models.bundles import Bundle, BundleDamaged, unpacked_bundle

VALID = {
    "format": 1,
    "name": "churn",
    "task": "classification",
    "target": "left",
    "feature_columns": ["age", "plan"],
    "description": "who leaves",
    "source_uri": "/runs/x/model",
    "has_preprocessor": False,
    "features": [
        {"name": "age", "type": "number", "example": 41.5},
        {"name": "plan", "type": "text", "example": "basic", "choices": ["basic", "pro"]},
    ],
}

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
#: Valid facts with some fields replaced or dropped, or any JSON at all.
facts = (
    st.fixed_dictionaries(
        {},
        optional={key: st.just(value) | json_values for key, value in VALID.items()},
    )
    | json_values
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    model = folder / "model"
    joblib.dump(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]), model)
    bundle = folder / "deploy" / "deployment"
    write_bundle(bundle, model, name="churn", task="regression")
    (bundle / MODEL_FILE).write_bytes(b"a model's bytes")  # never opened as a model here
    return folder


def read(run_dir: Path, content: bytes) -> Bundle | BundleDamaged:
    bundle = run_dir / "deploy" / "deployment"
    (bundle / BUNDLE_FILE).write_bytes(content)
    try:
        with unpacked_bundle(str(bundle), run_dir, run_dir / ".staging") as found:
            assert found.model_path.read_bytes() == b"a model's bytes"
            return found
    except BundleDamaged as exc:
        return exc


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(content=facts.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=64))
def test_any_facts_are_read_typed_or_refused(run_dir: Path, content: bytes) -> None:
    found = read(run_dir, content)

    event(type(found).__name__)
    if isinstance(found, BundleDamaged):
        assert str(found).startswith("the b")  # "the block's ..." or "the bundle's ..."
        return
    assert re.fullmatch(NAME_PATTERN, found.name)
    assert found.task in ("", "classification", "regression", "clustering")
    assert all(isinstance(v, str) for v in (found.target, found.description, found.source_uri))
    assert found.feature_columns is None or all(isinstance(c, str) for c in found.feature_columns)
    assert found.preprocessor_path is None  # the bundle holds none
    assert found.features is None or len(found.features) == len(found.feature_columns or [])


def test_the_block_s_own_facts_are_read_back(run_dir: Path) -> None:
    found = read(run_dir, json.dumps(VALID).encode())

    assert isinstance(found, Bundle)
    assert (found.name, found.task, found.feature_columns) == (
        "churn",
        "classification",
        ["age", "plan"],
    )
    assert found.features == VALID["features"]
    assert not found.model_path.exists()  # the private copy went with the block


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"description": "x" * 2001}, "at most 2000 characters"),
        ({"feature_columns": ["a", 1]}, "list of column names"),
        ({"name": "Churn"}, "not a valid model name"),
        ({"format": "1"}, "format 1"),
        ({"features": VALID["features"][:1]}, "features do not describe"),
        (
            {"features": [{"name": "plan", "type": "number"}, {"name": "age", "type": "number"}]},
            "features do not describe",
        ),
        (
            {"features": [{"name": "age", "type": "code"}, {"name": "plan", "type": "text"}]},
            "features do not describe",
        ),
        (
            {
                "features": [
                    {"name": "age", "type": "number", "onload": "x"},
                    {"name": "plan", "type": "text"},
                ]
            },
            "features do not describe",
        ),
        (
            {
                "features": [
                    {"name": "age", "type": "number", "example": {"a": 1}},
                    {"name": "plan", "type": "text"},
                ]
            },
            "features do not describe",
        ),
        (
            {
                "features": [
                    {"name": "age", "type": "number"},
                    {"name": "plan", "type": "text", "choices": ["x"] * 51},
                ]
            },
            "features do not describe",
        ),
    ],
)
def test_facts_out_of_bounds_are_refused_by_name(
    run_dir: Path, changes: dict[str, Any], words: str
) -> None:
    found = read(run_dir, json.dumps({**VALID, **changes}).encode())

    assert isinstance(found, BundleDamaged) and words in str(found)

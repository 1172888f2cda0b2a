"""The Run dialog's values: each box read as its parameter's type, empty boxes named, and a
value a bound setting refuses reported on its parameter, as the settings form reports it."""

from __future__ import annotations

from typing import Any

import pytest

from designer.flow.document import Flow
from designer.flow.param_values import check_run_values, form_text
from tests.fixtures.flow_files import fixture_flow

SPLIT_SHARE = "split: Test share must be a number from 0.05 to 0.95; found 1.5"


@pytest.fixture
def flow() -> Flow:
    """Iris with ``seed`` (integer, default 7), ``share`` (number, bound to split's test
    share, no default) and ``note`` (text, default "")."""
    doc = fixture_flow("iris_classification")
    doc["params"] += [
        {"name": "share", "type": "number"},
        {"name": "note", "type": "string", "default": ""},
        {"name": "stratify", "type": "boolean", "default": True},
    ]
    doc["nodes"][1]["params"]["test_size"] = {"$param": "share"}
    return Flow.model_validate(doc)


def test_the_boxes_start_with_the_defaults(flow: Flow) -> None:
    assert [form_text(p) for p in flow.params] == ["7", "", "", "true"]


@pytest.mark.parametrize(
    ("raw", "values", "problems"),
    [
        (
            {"seed": "3", "share": "0.25", "note": "", "stratify": "false"},
            {"seed": 3, "share": 0.25, "note": "", "stratify": False},
            {},
        ),
        (
            {"seed": "three", "share": "", "note": "hi", "stratify": "true"},
            {"note": "hi", "stratify": True},
            {
                "seed": "parameter 'seed' expects a whole number; found 'three'",
                "share": "share has no default: enter a number for this run",
            },
        ),
        (
            {"seed": " ", "share": "1.5", "note": "x", "stratify": True},
            {"share": 1.5, "note": "x", "stratify": True},
            {"seed": "seed is empty; enter a whole number", "share": SPLIT_SHARE},
        ),
        (
            {"share": "0.3", "stratify": "perhaps"},
            {"share": 0.3},
            {
                "seed": "seed is empty; enter a whole number",
                "note": "note is empty; enter text",
                "stratify": "parameter 'stratify' expects true or false; found 'perhaps'",
            },
        ),
    ],
)
def test_every_box_gets_its_own_message(
    flow: Flow, raw: dict[str, Any], values: dict[str, Any], problems: dict[str, str]
) -> None:
    assert check_run_values(flow, raw) == (values, problems)


def test_a_value_too_long_is_refused(flow: Flow) -> None:
    raw = {"seed": "1", "share": "0.3", "note": "x" * 10_001, "stratify": "true"}
    values, problems = check_run_values(flow, raw)
    assert list(problems) == ["note"] and "note" not in values
    assert problems["note"].startswith("parameter 'note' expects text of at most 10000")

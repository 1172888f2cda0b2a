"""A model name that is not allowed is explained in words, with a valid name made from what was
typed, both by the rule itself and on the Deploy node's setting (never as a regular
expression)."""

from __future__ import annotations

import re

import pytest

from blocks.deploy.local_model import Params
from blocks.runtime.model_registry import NAME_PATTERN
from designer.flow.validate import check_data
from designer.models.name_rules import (
    MODEL_NAME_PATTERN,
    is_model_name,
    model_name_problem,
    suggest_model_name,
)
from tests.fixtures.flow_files import fixture_flow

RULE_WORDS = "only lower-case letters, digits and dashes, start with a letter or a digit"


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("Churn Model", "churn-model"),
        ("churn_model_v2", "churn-model-v2"),
        ("  --House prices!--  ", "house-prices"),
        ("Modèle prédictif", "modele-predictif"),
        ("2024 Forecast", "2024-forecast"),
        ("x" * 80, "x" * 63),
        ("a" * 62 + " b", "a" * 62),  # cut at 63, and no dash left at the end
        ("", "my-model"),
        ("!!!", "my-model"),
        ("日本語", "my-model"),
    ],
)
def test_a_bad_name_gets_a_valid_one_made_from_it(typed: str, suggested: str) -> None:
    assert suggest_model_name(typed) == suggested
    assert is_model_name(suggested)
    problem = model_name_problem(typed)
    assert problem is not None
    assert RULE_WORDS in problem and "at most 63 characters" in problem
    assert problem.endswith(f"try {suggested!r}")


@pytest.mark.parametrize("name", ["churn", "my-model", "7-day-forecast", "a" * 63])
def test_a_good_name_has_no_problem(name: str) -> None:
    assert model_name_problem(name) is None


def test_the_rule_is_the_registrys_and_the_deploy_blocks() -> None:
    schema = Params.model_json_schema()["properties"]["model_name"]
    assert MODEL_NAME_PATTERN == NAME_PATTERN == schema["pattern"]


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("Churn Model", "churn-model"), ("", "my-model"), ("-sales-", "sales")],
)
def test_the_deploy_node_says_the_rule_in_words(typed: str, suggested: str) -> None:
    doc = fixture_flow("iris_classification")
    next(n for n in doc["nodes"] if n["id"] == "deploy")["params"] = {"model_name": typed}

    [problem] = [d for d in check_data(doc).diagnostics if d.node == "deploy"]

    assert (problem.code, problem.param) == ("bad_param", "model_name")
    assert problem.message.startswith("Model name must use " + RULE_WORDS)
    assert problem.message.endswith(f"try {suggested!r}")
    assert not re.search(r"[\^\$\[\]\{\}]", problem.message)  # no regular expression

"""The checker marks a Deploy node whose model name someone else owns, before any run.

The ``models`` lookup stands for the store here (its real one is tested with the store in
tests/unit/models/test_model_names.py): it says why a name may not be used, or None.
"""

from __future__ import annotations

from typing import Any

import pytest

from designer.flow.validate import check_data
from tests.fixtures.flow_files import fixture_flow

TAKEN = "the model name 'churn' belongs to Alice Archer; choose another name"


def lookup(asked: list[str]) -> Any:
    def check(name: str) -> str | None:
        asked.append(name)
        if name == "boom":
            raise RuntimeError("database down")
        return TAKEN if name == "churn" else None

    return check


def iris_deploying(model_name: Any, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    doc = fixture_flow("iris_classification")
    deploy = next(n for n in doc["nodes"] if n["id"] == "deploy")
    deploy["params"] = {"model_name": model_name}
    doc["params"] = [*doc.get("params", []), *(params or [])]
    return doc


NAMED = [{"name": "model", "type": "string", "default": "churn"}]


@pytest.mark.parametrize(
    ("model_name", "params", "asked", "codes"),
    [
        ("churn", None, ["churn"], [("error", "model_name_taken")]),
        ("mine", None, ["mine"], []),
        ({"$param": "model"}, NAMED, ["churn"], [("error", "model_name_taken")]),
        ("boom", None, ["boom"], [("warning", "model_name_unchecked")]),
        ("Not A Name", None, [], [("error", "bad_param")]),
    ],
)
def test_a_deploy_node_says_whose_its_name_is(
    model_name: Any, params: list | None, asked: list[str], codes: list[tuple[str, str]]
) -> None:
    names: list[str] = []

    check = check_data(iris_deploying(model_name, params), models=lookup(names))

    found = [d for d in check.diagnostics if d.node == "deploy"]
    assert [(str(d.severity), d.code) for d in found] == codes
    assert names == asked  # asked once, and only for Deploy nodes
    if codes and codes[0][1] == "model_name_taken":
        assert found[0].message == TAKEN and found[0].param == "model_name"
        assert not check.valid
    if codes and codes[0][1] == "model_name_unchecked":
        assert "checked again when the run ends" in found[0].message and check.valid


def test_without_a_lookup_names_are_left_to_the_publish() -> None:
    check = check_data(iris_deploying("churn"))

    assert check.valid and not [d for d in check.diagnostics if d.node == "deploy"]

"""Whose a model name is, asked by the editor's checker through the store (SQLite and
PostgreSQL): bob's Deploy node says "belongs to Alice" before any run."""

from __future__ import annotations

from pathlib import Path

import joblib
import pytest
from sklearn.dummy import DummyClassifier
from sqlalchemy import Engine

from blocks.runtime.model_registry import register
from designer.flow.validate import check_data
from designer.models.names import model_name_check
from designer.store import accounts
from designer.store.models import claim_model_name
from tests.fixtures.flow_files import fixture_flow


def deploying(name: str) -> dict:
    doc = fixture_flow("iris_classification")
    next(n for n in doc["nodes"] if n["id"] == "deploy")["params"] = {"model_name": name}
    return doc


@pytest.mark.parametrize(
    ("who", "name", "expected"),
    [
        ("bob", "churn", "the model name 'churn' belongs to Alice Archer; choose another name"),
        ("alice", "churn", None),
        ("admin", "churn", None),
        ("bob", "fresh", None),
        ("bob", "legacy", "taken by a model with no owner"),
        ("admin", "legacy", None),
        (None, "legacy", None),
        (None, "churn", "run the flow as its owner (--as alice)"),
    ],
)
def test_the_deploy_node_says_whose_the_name_is(
    engine: Engine, tmp_path: Path, who: str | None, name: str, expected: str | None
) -> None:
    people = {
        "admin": accounts.create_user(engine, "site-admin", "Site Admin"),
        "alice": accounts.create_user(engine, "alice", "Alice Archer"),
        "bob": accounts.create_user(engine, "bob", "Bob Baker"),
    }
    claim_model_name(engine, people["alice"], "churn")
    model = tmp_path / "model.joblib"
    joblib.dump(DummyClassifier().fit([[0]], [0]), model)
    register(tmp_path / "models", "legacy", model)  # deployed before models had owners
    checker = model_name_check(engine, tmp_path / "models", people[who] if who else None)

    check = check_data(deploying(name), models=checker)

    found = [d for d in check.diagnostics if d.code == "model_name_taken"]
    if expected is None:
        assert found == [] and check.valid
    else:
        [problem] = found
        assert expected in problem.message
        assert (problem.node, problem.param) == ("deploy", "model_name")

"""Which deployed models each person lists and asks (``designer.models.deployed``, what the REST
API and the models page call), on SQLite and PostgreSQL with real registered models.

``owner`` deployed "churn" from the standard shared flow and "secret" from a flow of their own;
"legacy" was deployed before models had owners. A model someone may not see is answered as one
that does not exist, and its name is never offered to them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import joblib
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier

from blocks.runtime import model_registry as registry
from designer.models import deployed
from designer.store import flows
from designer.store.models import claim_model_name
from designer.ui.models_state import model_row, owner_text
from tests.fixtures.people import Persona, World, sample_flow, world

__all__ = ["world"]

ROW = {"x": 1.0}
# fmt: off
#: What each persona lists.
LISTED: dict[Persona, list[str]] = {
    "owner": ["churn", "secret"], "editor": ["churn"], "viewer": ["churn"],
    "team_viewer": ["churn"], "team_editor": ["churn"], "stranger": [],
    "admin": ["churn", "legacy", "secret"],
}
# fmt: on


@pytest.fixture
def models(world: World, tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    model = tmp_path / "model.joblib"
    joblib.dump(DummyClassifier().fit(pd.DataFrame({"x": [0.0, 1.0]}), [0, 1]), model)
    shared = world.shared_flow()
    own = flows.create_flow(world.engine, world.owner, sample_flow("Own")).id
    for name, flow_id in (("churn", shared.id), ("secret", own), ("legacy", None)):
        if flow_id is not None:
            claim_model_name(world.engine, world.owner, name, flow_id=flow_id)
        registry.register(folder, name, model, description=name)
    return folder


@pytest.mark.parametrize(("who", "listed"), LISTED.items())
def test_each_person_lists_and_asks_only_what_they_may_see(
    world: World, models: Path, who: Persona, listed: list[str]
) -> None:
    actor = world.actor(who)
    assert actor is not None

    found = deployed.list_models(world.engine, models, actor)

    assert [m["name"] for m in found] == listed
    for model in found:
        expected = None if model["name"] == "legacy" else "Olive Owner"
        assert (model["owner"] or {}).get("display_name") == expected
    for name in ("churn", "secret", "legacy", "never-deployed"):
        if name in listed:
            assert deployed.get_model(world.engine, models, actor, name)["name"] == name
            answer = deployed.predict_rows(world.engine, models, actor, name, [ROW])
            assert answer.name == name
            continue
        for ask in (
            lambda n=name: deployed.get_model(world.engine, models, actor, n),
            lambda n=name: deployed.predict_rows(world.engine, models, actor, n, [ROW]),
        ):
            with pytest.raises(registry.ModelNotFound) as hidden:
                ask()
            assert hidden.value.known == listed  # only names they may see are offered
            for other in ("churn", "secret", "legacy"):
                if other not in listed and other != name:
                    assert other not in str(hidden.value)


def test_a_claimed_name_with_no_version_yet_is_not_found(world: World, models: Path) -> None:
    claim_model_name(world.engine, world.owner, "half-done")

    with pytest.raises(registry.ModelNotFound):
        deployed.get_model(world.engine, models, world.owner, "half-done")


@pytest.mark.parametrize(
    ("owner", "viewer", "shown"),
    [
        ({"username": "olive", "display_name": "Olive Owner"}, "vera", "Olive Owner"),
        ({"username": "olive", "display_name": "Olive Owner"}, "olive", "you"),
        (None, "olive", "nobody"),
    ],
)
def test_the_models_page_says_whose_a_model_is(
    owner: dict[str, str] | None, viewer: str, shown: str
) -> None:
    summary = {"name": "churn", "version": 2, "task": "classification", "owner": owner}

    row = model_row(summary, datetime.now(UTC), viewer)

    assert owner_text(owner, viewer) == shown == row["owner"]
    assert (row["name"], row["version"]) == ("churn", "v2")

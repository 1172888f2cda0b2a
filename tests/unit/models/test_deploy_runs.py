"""A real kfp.local run of a deploy flow, then the publish the designer makes when it ends.

alice's flow trains on iris and deploys "churn"; publishing registers it as hers, shared as
her flow is. bob's copy of the flow deploying "churn" is marked before it runs and, if it runs
anyway, refused when published: alice's model stays the only one answering.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from blocks.runtime import model_registry as registry
from designer.flow.compile import compile_flow
from designer.flow.document import Flow
from designer.flow.validate import check_flow
from designer.models import deployed
from designer.models.names import model_name_check
from designer.models.publish import publish_deployments
from designer.runs.local import LocalEngine, load_record
from designer.runs.record import RunRecord, Status
from designer.store import Actor, Role, accounts, engine_for, flows, shares
from designer.store.models import model_owner
from tests.fixtures.databases import sqlite_url
from tests.fixtures.flow_files import fixture_flow

pytestmark = pytest.mark.slow

SETOSA = {
    "sepal length (cm)": 5.1,
    "sepal width (cm)": 3.5,
    "petal length (cm)": 1.4,
    "petal width (cm)": 0.2,
}


def churn_flow() -> Flow:
    doc = fixture_flow("iris_classification")
    next(n for n in doc["nodes"] if n["id"] == "deploy")["params"] = {"model_name": "churn"}
    return Flow.model_validate(doc)


@dataclass(frozen=True)
class FinishedRun:
    #: The designer home the worker was given.
    home: Path
    runs_dir: Path
    run_id: str

    def record(self) -> RunRecord:
        """A fresh copy of the record as the engine saved it, before any publish."""
        return load_record(self.runs_dir, self.run_id)

    @property
    def run_dir(self) -> Path:
        return self.runs_dir / self.run_id


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> FinishedRun:
    home = tmp_path_factory.mktemp("home")
    engine = LocalEngine(home / "runs", env={"DESIGNER_HOME": str(home)})
    record = engine.run(compile_flow(churn_flow()), flow_name="churn")
    assert record.status is Status.SUCCEEDED, record.summary()
    return FinishedRun(home, home / "runs", record.run_id)


@dataclass(frozen=True)
class Team:
    engine: Engine
    models: Path
    alice: Actor
    bob: Actor
    alices_flow: str
    bobs_flow: str


@pytest.fixture
def team(tmp_path: Path) -> Team:
    engine = engine_for(sqlite_url(tmp_path))
    accounts.create_user(engine, "site-admin", "Site Admin")
    alice = accounts.create_user(engine, "alice", "Alice Archer")
    bob = accounts.create_user(engine, "bob", "Bob Baker")
    alices = flows.create_flow(engine, alice, churn_flow()).id
    bobs = flows.create_flow(engine, bob, churn_flow()).id
    return Team(engine, tmp_path / "models", alice, bob, alices, bobs)


def publish(team: Team, finished: FinishedRun, who: Actor, flow_id: str) -> RunRecord:
    record = finished.record()
    publish_deployments(
        team.engine,
        team.models,
        record,
        finished.run_dir,
        owner_id=who.id,
        flow_id=flow_id,
    )
    return record


def test_the_run_packs_and_the_designer_publishes_for_alice(
    team: Team, finished: FinishedRun
) -> None:
    assert not (finished.home / "models").exists()  # the worker registered nothing

    record = publish(team, finished, team.alice, team.alices_flow)

    assert record.status is Status.SUCCEEDED
    shown = record.nodes["deploy"].outputs["deployment"].metadata
    assert (shown["name"], shown["version"], shown["task"]) == ("churn", 1, "classification")
    owner = model_owner(team.engine, "churn")
    assert owner is not None
    assert (owner.owner_id, owner.flow_id) == (team.alice.id, team.alices_flow)
    [listed] = deployed.list_models(team.engine, team.models, team.alice)
    assert listed["owner"] == {"username": "alice", "display_name": "Alice Archer"}
    assert deployed.predict_rows(
        team.engine, team.models, team.alice, "churn", [SETOSA]
    ).predictions == ["setosa"]
    # bob sees it once alice shares her flow with him.
    assert deployed.list_models(team.engine, team.models, team.bob) == []
    shares.share_with_user(team.engine, team.alice, team.alices_flow, "bob", Role.VIEWER)
    assert [m["name"] for m in deployed.list_models(team.engine, team.models, team.bob)] == [
        "churn"
    ]


def test_bobs_churn_is_marked_before_the_run_and_refused_after_it(
    team: Team, finished: FinishedRun
) -> None:
    publish(team, finished, team.alice, team.alices_flow)
    before = registry.load_model(team.models, "churn")

    check = check_flow(churn_flow(), models=model_name_check(team.engine, team.models, team.bob))
    [problem] = [d for d in check.diagnostics if d.code == "model_name_taken"]
    assert (problem.node, problem.param) == ("deploy", "model_name")
    assert "belongs to Alice Archer" in problem.message

    slipped = publish(team, finished, team.bob, team.bobs_flow)  # the run went ahead anyway

    assert slipped.status is Status.FAILED
    assert "belongs to Alice Archer" in slipped.nodes["deploy"].error
    assert [m["version"] for m in registry.list_models(team.models)] == [1]
    after = registry.load_model(team.models, "churn")
    assert after.info == before.info  # alice's model, alice's predictions
    answer = deployed.predict_rows(team.engine, team.models, team.alice, "churn", [SETOSA])
    assert answer.version == 1

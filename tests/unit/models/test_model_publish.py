"""Publishing a run's packed models: the name must be the runner's, the bundle must be sound.

The attack of issue 13: alice deploys "churn"; bob's flow deploys "churn" too. Bob's deploy
node fails naming alice, his run fails, and alice's predictions still come from alice's model.
Bundles are real (a trained iris model packed by ``write_bundle``), the database real (SQLite
and PostgreSQL), and each damaged bundle a run could leave is refused without the designer
reading anything outside the run's folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import joblib
import pytest
from sklearn.dummy import DummyClassifier
from sqlalchemy import Engine, create_engine

from blocks.runtime import model_registry as registry
from blocks.runtime.model_bundle import BUNDLE_FILE, write_bundle
from blocks.runtime.sklearn_data import load_sample
from blocks.runtime.training import fit
from designer.models.publish import publish_deployments
from designer.runs.record import RunRecord, Status
from designer.store import Actor, accounts, flows
from designer.store.models import model_owner
from tests.fixtures.models import bundle_record
from tests.fixtures.people import sample_flow

SETOSA = {
    "sepal length (cm)": 5.1,
    "sepal width (cm)": 3.5,
    "petal length (cm)": 1.4,
    "petal width (cm)": 0.2,
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """alice's iris model (says 0 for a setosa) and bob's, which always says 2."""
    folder = tmp_path_factory.mktemp("trained")
    iris = load_sample("iris")
    joblib.dump(fit(iris, "logistic_regression", {"C": 1.0, "max_iter": 500})[0], folder / "a")
    always_virginica = DummyClassifier(strategy="constant", constant="virginica")
    joblib.dump(always_virginica.fit(iris.features, iris.labels), folder / "b")
    return {"alice": folder / "a", "bob": folder / "b"}


@dataclass(frozen=True)
class Cast:
    engine: Engine
    admin: Actor
    alice: Actor
    bob: Actor
    models: Path
    #: Packs a model as a node of a run (a new run by default): (run folder, bundle folder).
    pack: Callable[..., tuple[Path, Path]]

    def publish(self, record: RunRecord, run_dir: Path, who: Actor | None) -> list:
        return publish_deployments(
            self.engine,
            self.models,
            record,
            run_dir,
            owner_id=who.id if who else None,
            flow_id=None,
        )

    def deploy(self, who: Actor | None, model: str, name: str = "churn") -> RunRecord:
        run_dir, bundle = self.pack(model, name)
        record = bundle_record(bundle)
        self.publish(record, run_dir, who)
        return record


@pytest.fixture
def cast(engine: Engine, tmp_path: Path, trained: dict[str, Path]) -> Cast:
    admin = accounts.create_user(engine, "site-admin", "Site Admin")  # the first: an admin
    alice = accounts.create_user(engine, "alice", "Alice Archer")
    bob = accounts.create_user(engine, "bob", "Bob Baker")
    runs = iter(range(1000))

    def pack(
        model: str, name: str = "churn", run_dir: Path | None = None, node: str = "deploy"
    ) -> tuple[Path, Path]:
        run_dir = run_dir or tmp_path / "runs" / f"run-{next(runs)}"
        bundle = run_dir / "artifacts" / node / "deployment"
        write_bundle(bundle, trained[model], name=name, target="target", description=model)
        return run_dir, bundle

    return Cast(engine, admin, alice, bob, tmp_path / "models", pack)


def answer(cast: Cast, name: str = "churn") -> object:
    return registry.predict_rows(cast.models, name, [SETOSA]).predictions[0]


def test_bob_cannot_replace_alices_model(cast: Cast) -> None:
    first = cast.deploy(cast.alice, "alice")
    assert first.status is Status.SUCCEEDED
    assert first.nodes["deploy0"].outputs["deployment"].metadata["version"] == 1
    assert answer(cast) == "setosa"

    attack = cast.deploy(cast.bob, "bob")

    node = attack.nodes["deploy0"]
    assert attack.status is Status.FAILED and node.status is Status.FAILED
    assert node.error == (
        "not deployed: the model name 'churn' belongs to Alice Archer; choose another name for "
        "your model, or ask Alice Archer or a site admin to deploy it"
    )
    assert node.error in node.log
    assert "version" not in node.outputs["deployment"].metadata
    assert [m["version"] for m in registry.list_models(cast.models)] == [1]
    assert answer(cast) == "setosa"  # still alice's model
    assert model_owner(cast.engine, "churn").owner_id == cast.alice.id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("who", "owner", "published"),
    [
        ("alice", "alice", True),
        ("admin", "alice", True),
        ("bob", "alice", False),
        (None, "alice", False),
    ],
)
def test_who_adds_a_version_to_alices_model(
    cast: Cast, who: str | None, owner: str, published: bool
) -> None:
    cast.deploy(cast.alice, "alice")

    record = cast.deploy(getattr(cast, who) if who else None, "bob")

    assert (record.status is Status.SUCCEEDED) is published
    assert len(registry.list_models(cast.models)) == (2 if published else 1)
    assert answer(cast) == ("virginica" if published else "setosa")
    assert model_owner(cast.engine, "churn").owner_id == getattr(cast, owner).id  # type: ignore[union-attr]


@pytest.mark.parametrize(("who", "published"), [("admin", True), ("alice", False), (None, True)])
def test_a_model_deployed_before_owners_is_for_admins(
    cast: Cast, trained: dict[str, Path], who: str | None, published: bool
) -> None:
    registry.register(cast.models, "churn", trained["alice"])  # by the worker, long ago

    record = cast.deploy(getattr(cast, who) if who else None, "bob")

    assert (record.status is Status.SUCCEEDED) is published
    if not published:
        assert "deployed before models had owners" in record.nodes["deploy0"].error


def test_each_deploy_node_of_a_run_is_judged_alone(cast: Cast) -> None:
    cast.deploy(cast.alice, "alice")
    run_dir, mine = cast.pack("bob", "bobs-model", node="first")
    _, taken = cast.pack("bob", "churn", run_dir, node="second")
    record = bundle_record(mine, taken)

    done = cast.publish(record, run_dir, cast.bob)

    assert [(p.node_id, p.name, p.version, bool(p.refused)) for p in done] == [
        ("deploy0", "bobs-model", 1, False),
        ("deploy1", "churn", None, True),
    ]
    assert record.status is Status.FAILED
    assert record.nodes["deploy0"].status is Status.SUCCEEDED
    shown = record.nodes["deploy0"].outputs["deployment"].metadata
    assert {k: shown[k] for k in ("name", "version", "task")} == {
        "name": "bobs-model",
        "version": 1,
        "task": "classification",
    }
    assert Path(shown["path"]) == cast.models / "bobs-model" / "1"
    assert "deployed 'bobs-model' as version 1" in record.nodes["deploy0"].log
    assert answer(cast, "bobs-model") == "virginica" and answer(cast) == "setosa"


def test_failed_nodes_and_other_outputs_are_left_alone(cast: Cast) -> None:
    run_dir, bundle = cast.pack("alice")
    record = bundle_record(bundle)
    record.nodes["deploy0"].status = Status.FAILED
    record.status = Status.FAILED
    plain = bundle_record(bundle)
    plain.nodes["deploy0"].outputs["deployment"].metadata = {}

    assert cast.publish(record, run_dir, cast.alice) == []
    assert cast.publish(plain, run_dir, cast.alice) == []
    assert registry.list_models(cast.models) == []


def test_a_run_whose_account_is_gone_publishes_nothing(cast: Cast) -> None:
    run_dir, bundle = cast.pack("alice")
    record = bundle_record(bundle)

    [refused] = publish_deployments(
        cast.engine, cast.models, record, run_dir, owner_id="0" * 32, flow_id=None
    )

    assert "no longer exists" in refused.refused and record.status is Status.FAILED
    assert registry.list_models(cast.models) == []


def test_a_database_down_fails_the_node_without_saying_where_it_is(
    cast: Cast, tmp_path: Path
) -> None:
    run_dir, bundle = cast.pack("alice")
    unreachable = create_engine("postgresql+psycopg2://designer@127.0.0.1:1/designer")

    for owner_id in (cast.alice.id, None):
        record = bundle_record(bundle)
        [refused] = publish_deployments(
            unreachable, cast.models, record, run_dir, owner_id=owner_id, flow_id=None
        )
        assert "database could not be reached" in refused.refused
        assert "127.0.0.1" not in refused.refused and record.status is Status.FAILED
    assert registry.list_models(cast.models) == []


def test_a_flow_deleted_while_it_ran_leaves_the_model_its_owners(cast: Cast) -> None:
    gone = flows.create_flow(cast.engine, cast.alice, sample_flow("Gone")).id
    flows.delete_flow(cast.engine, cast.alice, gone)
    run_dir, bundle = cast.pack("alice")
    record = bundle_record(bundle)

    [done] = publish_deployments(
        cast.engine, cast.models, record, run_dir, owner_id=cast.alice.id, flow_id=gone
    )

    assert done.version == 1
    owner = model_owner(cast.engine, "churn")
    assert owner is not None and (owner.owner_id, owner.flow_id) == (cast.alice.id, None)


def test_a_run_cancelled_keeps_its_status(cast: Cast) -> None:
    cast.deploy(cast.alice, "alice")
    run_dir, bundle = cast.pack("bob")
    record = bundle_record(bundle)
    record.status = Status.CANCELLED

    cast.publish(record, run_dir, cast.bob)

    assert record.status is Status.CANCELLED and record.nodes["deploy0"].status is Status.FAILED


# --- bundles a run could leave to fool the designer ------------------------------------------

SECRET = b"designer database password"


def _link(target: Path, link: Path) -> None:
    link.unlink(missing_ok=True)
    link.symlink_to(target)


#: How a bundle is spoiled (given the bundle and a secret file outside the run) -> the words.
DAMAGE: dict[str, tuple[Callable[[Path, Path], object], str]] = {
    "model is a link out": (lambda b, s: _link(s, b / "model.joblib"), "plain file"),
    "facts are a link out": (lambda b, s: _link(s, b / BUNDLE_FILE), "plain file"),
    "model is a pipe": (
        lambda b, s: ((b / "model.joblib").unlink(), os.mkfifo(b / "model.joblib")),
        "not a plain file",
    ),
    "model is a folder": (
        lambda b, s: ((b / "model.joblib").unlink(), (b / "model.joblib").mkdir()),
        "not a plain file",
    ),
    "no model": (lambda b, s: (b / "model.joblib").unlink(), "has no model.joblib"),
    "no facts": (lambda b, s: (b / BUNDLE_FILE).unlink(), "has no bundle.json"),
    "facts not JSON": (lambda b, s: (b / BUNDLE_FILE).write_text("{nope"), "not JSON"),
    "facts too large": (
        lambda b, s: (b / BUNDLE_FILE).write_text(" " * 1_000_001),
        "larger than",
    ),
    "another format": (lambda b, s: _facts(b, format=2), "not a bundle of format 1"),
    "a path as the name": (lambda b, s: _facts(b, name="../../etc"), "not a valid model name"),
    "an odd task": (lambda b, s: _facts(b, task="<script>"), "task"),
    "columns not a list": (lambda b, s: _facts(b, feature_columns="a,b"), "list of column"),
    "no preprocessor flag": (lambda b, s: _facts(b, has_preprocessor="yes"), "preprocessor"),
    "preprocessor missing": (
        lambda b, s: _facts(b, has_preprocessor=True),
        "has no preprocessor.joblib",
    ),
    # A bundle of before the Deploy block described the features: the designer opens the model.
    "an older bundle's model that is not one": (
        lambda b, s: (
            (b / "model.joblib").write_bytes(b"not a pickle"),
            _facts(b, features=None),
        ),
        "could not be deployed",
    ),
}


def _facts(bundle: Path, **changes: object) -> None:
    path = bundle / BUNDLE_FILE
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_bundle_is_refused_and_nothing_outside_the_run_is_read(
    cast: Cast, tmp_path: Path, damage: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    run_dir, bundle = cast.pack("alice")
    spoil, words = DAMAGE[damage]
    spoil(bundle, secret)
    record = bundle_record(bundle)

    [refused] = cast.publish(record, run_dir, cast.alice)

    assert words in refused.refused and record.status is Status.FAILED
    assert record.nodes["deploy0"].error == refused.refused
    assert registry.list_models(cast.models) == []
    copied = [p for p in cast.models.rglob("*") if p.is_file()] if cast.models.exists() else []
    assert all(SECRET not in p.read_bytes() for p in copied)
    assert not list((cast.models / ".incoming").glob("*"))  # the private copies are gone


def test_a_bundle_that_describes_its_features_is_published_without_unpickling_it(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir, bundle = cast.pack("alice")
    record = bundle_record(bundle)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the designer unpickled a model it was publishing")

    monkeypatch.setattr(joblib, "load", refuse)
    [published] = cast.publish(record, run_dir, cast.alice)

    assert not published.refused and published.version == 1
    [listed] = registry.list_models(cast.models)
    described = json.loads((bundle / BUNDLE_FILE).read_text())["features"]
    assert listed["features"] == described and described


@pytest.mark.parametrize(
    "where",
    ["the designer's home", "another run", "a link leaving the run", "nowhere"],
)
def test_an_output_address_outside_the_run_is_refused(
    cast: Cast, tmp_path: Path, where: str
) -> None:
    run_dir, bundle = cast.pack("alice")
    _, elsewhere = cast.pack("alice")
    home = tmp_path / "home-bundle"
    write_bundle(home, bundle / "model.joblib", name="churn")
    uri = {
        "the designer's home": home,
        "another run": elsewhere,
        "a link leaving the run": run_dir / "artifacts" / "out",
        "nowhere": run_dir / "artifacts" / "missing",
    }[where]
    if where == "a link leaving the run":
        uri.symlink_to(home, target_is_directory=True)
    record = bundle_record(bundle)
    record.nodes["deploy0"].outputs["deployment"].uri = str(uri)

    [refused] = cast.publish(record, run_dir, cast.alice)

    assert refused.version is None and "not deployed: the block's output" in refused.refused
    assert registry.list_models(cast.models) == []

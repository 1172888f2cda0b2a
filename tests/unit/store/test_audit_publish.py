"""Publishing a run's model writes the audit event, with the model's owner and flow; a refused
publication writes none. Real bundles (a fitted classifier packed by ``write_bundle``)."""

from __future__ import annotations

from pathlib import Path

import joblib
from sklearn.dummy import DummyClassifier

from blocks.runtime.model_bundle import write_bundle
from designer.models.publish import publish_deployments
from designer.models.removal import remove_model
from designer.settings import load_settings
from designer.store import flows
from designer.store.audit import AuditFilter, list_events
from tests.fixtures.models import bundle_record
from tests.fixtures.people import World, sample_flow, world

__all__ = ["world"]


def packed(tmp_path: Path, run: str) -> tuple[Path, Path]:
    """A run folder holding one bundle of a model named "churn"."""
    model = tmp_path / "model.joblib"
    joblib.dump(DummyClassifier(strategy="most_frequent").fit([[0], [1]], ["a", "a"]), model)
    run_dir = tmp_path / run
    bundle = run_dir / "artifacts" / "deploy" / "deployment"
    write_bundle(bundle, model, name="churn", target="target", description="test")
    return run_dir, bundle


def publish(world: World, tmp_path: Path, run: str, who: str, flow_id: str | None) -> None:
    run_dir, bundle = packed(tmp_path, run)
    person = world.actor(who)
    assert person is not None
    publish_deployments(
        world.engine,
        tmp_path / "models",
        bundle_record(bundle, run_id=run),
        run_dir,
        owner_id=person.id,
        flow_id=flow_id,
    )


def test_a_published_model_is_kept_and_its_owner_reads_it(world: World, tmp_path: Path) -> None:
    flow_id = flows.create_flow(world.engine, world.owner, sample_flow("Churn")).id
    publish(world, tmp_path, "run-1", "owner", flow_id)
    publish(world, tmp_path, "run-2", "stranger", None)  # refused: the name is the owner's

    events = list_events(world.engine, world.admin, AuditFilter(action="published")).events
    [event] = events
    assert (event.actor_name, event.object_kind, event.object_id) == ("owner", "model", "churn")
    assert event.detail == {"version": 1, "run": "run-1"}
    assert (event.owner_id, event.flow_id) == (world.owner.id, flow_id)
    assert list_events(world.engine, world.owner).events == events
    assert list_events(world.engine, world.stranger).events == []


def test_removing_a_model_is_kept(world: World, tmp_path: Path) -> None:
    flow_id = flows.create_flow(world.engine, world.owner, sample_flow("Churn")).id
    publish(world, tmp_path, "run-1", "owner", flow_id)
    settings = load_settings({"DESIGNER_HOME": str(tmp_path)})
    assert settings.models_dir == tmp_path / "models"
    removed = remove_model(world.engine, settings, world.owner, "churn")
    assert removed.versions == 1

    [event] = list_events(world.engine, world.admin, AuditFilter(action="deleted")).events
    assert (event.actor_name, event.object_kind, event.object_name) == ("owner", "model", "churn")
    assert event.detail == {"versions": 1, "inference_services": 0}
    assert (event.owner_id, event.flow_id) == (world.owner.id, flow_id)

"""Removing a deployed model: every version, and its InferenceService when KServe serves it.

Only the model's owner or a site admin may remove it (the command line without ``--as`` acts
for the machine's operator, who may). Someone who may not even see the model is told it does
not exist, as everywhere else. The InferenceService goes first: if the cluster cannot be asked,
nothing is removed and the message says why. The model's name stays its owner's, so nobody
else can start answering under a name scripts still call; deploying again brings it back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from blocks.runtime import model_registry as registry
from designer.cluster.kserve import delete_inference_service
from designer.models import served
from designer.models.deployed import get_model
from designer.models.serving_layout import SERVING_PREFIX
from designer.objects.configured import open_store
from designer.objects.keys import join_key
from designer.settings import Settings
from designer.store.access import Actor
from designer.store.audit import record_event
from designer.store.models import model_owner

log = logging.getLogger(__name__)


class NotYourModel(PermissionError):
    """The person may see the model but may not remove it."""


@dataclass(frozen=True)
class Removal:
    name: str
    #: How many versions were removed.
    versions: int
    #: The InferenceServices deleted, as ``namespace/name``.
    inference_services: list[str]


def may_remove(engine: Engine, actor: Actor | None, name: str) -> bool:
    """Whether ``actor`` may remove ``name`` (its owner, a site admin, or the operator)."""
    if actor is None or actor.is_admin:
        return True
    owner = model_owner(engine, name)
    return owner is not None and owner.owner_id == actor.id


def remove_model(engine: Engine, settings: Settings, actor: Actor | None, name: str) -> Removal:
    """Remove every version of ``name`` and its InferenceService(s).

    Raises ``ModelNotFound`` (not deployed, or not visible to ``actor``), ``NotYourModel``,
    and ``ClusterError`` when an InferenceService cannot be deleted (nothing removed then).
    """
    if actor is not None:
        model = get_model(engine, settings.models_dir, actor, name)
        if not may_remove(engine, actor, name):
            owner = owner_of_model(model)
            raise NotYourModel(
                f"only {owner}, who owns the model {name!r}, or a site admin can remove it"
            )
    else:
        registry.deployed_model(settings.models_dir, name)  # ModelNotFound, naming the models
    servings = {
        (str(s["namespace"]), str(s["inference_service"]))
        for s in (served.serving_of(v) for v in _all_versions(settings, name))
        if s is not None
    }
    deleted = []
    for namespace, isvc in sorted(servings):
        if delete_inference_service(settings, namespace, isvc):
            deleted.append(f"{namespace}/{isvc}")
    count = registry.remove_model(settings.models_dir, name)
    _record_removal(engine, actor, name, count, deleted)
    if servings and settings.storage is not None:
        try:
            open_store(settings).delete_prefix(join_key(SERVING_PREFIX, name) + "/")
        except Exception:  # the model is gone; leftover files only take space
            log.warning("could not remove the served files of model %r", name, exc_info=True)
    return Removal(name, count, deleted)


def _record_removal(
    engine: Engine, actor: Actor | None, name: str, count: int, services: list[str]
) -> None:
    """Put the removal in the audit log; the model is gone whatever happens here."""
    try:
        found = model_owner(engine, name)
        record_event(
            engine,
            actor,
            "deleted",
            "model",
            name,
            name,
            owner_id=found.owner_id if found is not None else None,
            flow_id=found.flow_id if found is not None else None,
            detail={"versions": count, "inference_services": len(services)},
        )
    except Exception:
        log.warning("could not put the removal of model %r in the audit log", name, exc_info=True)


def owner_of_model(model: dict[str, Any]) -> str:
    owner = model.get("owner") or {}
    return str(owner.get("display_name") or owner.get("username") or "its owner")


def _all_versions(settings: Settings, name: str) -> list[dict[str, Any]]:
    """Every registered version's facts in full (serving included)."""
    return [m for m in registry.list_models(settings.models_dir) if m["name"] == name]

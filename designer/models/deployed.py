"""The deployed models a person may see, and predictions from them: for the REST API and pages.

The model folder knows models; the store knows whose each is and who may see it
(``designer.store.models``). Every read goes through here, so a model someone may not see is
answered exactly as a model that does not exist: its name never leaks, not even in the list of
"deployed models" an unknown name's message offers.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine

from blocks.runtime import model_registry as registry
from designer.store.access import Actor
from designer.store.models import ModelOwner, visible_models


def list_models(
    engine: Engine, models_dir: str | os.PathLike[str], actor: Actor
) -> list[dict[str, Any]]:
    """The models ``actor`` may see, as ``model_registry.deployed_models`` lists them, each
    with its ``owner``."""
    found = registry.deployed_models(models_dir)
    owners = visible_models(engine, actor, (m["name"] for m in found))
    return [{**m, "owner": owner_of(owners[m["name"]])} for m in found if m["name"] in owners]


def get_model(
    engine: Engine, models_dir: str | os.PathLike[str], actor: Actor, name: str
) -> dict[str, Any]:
    """One model with all its versions; ``ModelNotFound`` when ``actor`` may not see it."""
    owner = _visible(engine, models_dir, actor, name)
    try:
        return {**registry.deployed_model(models_dir, name), "owner": owner_of(owner)}
    except registry.ModelNotFound:  # its name is claimed, but no version was registered
        raise _not_found(engine, models_dir, actor, name) from None


def predict_rows(
    engine: Engine,
    models_dir: str | os.PathLike[str],
    actor: Actor,
    name: str,
    rows: list[dict[str, Any]],
    version: int | None = None,
) -> registry.Prediction:
    """``model_registry.predict_rows``, for a model ``actor`` may see (else ``ModelNotFound``)."""
    _visible(engine, models_dir, actor, name)
    try:
        return registry.predict_rows(models_dir, name, rows, version)
    except registry.ModelNotFound:
        raise _not_found(engine, models_dir, actor, name) from None


def owner_of(owner: ModelOwner) -> dict[str, str] | None:
    """Who owns a model, as people are shown: None for a model nobody owns."""
    if owner.owner_id is None:
        return None
    return {"username": owner.owner_username, "display_name": owner.owner_name}


def _visible(
    engine: Engine, models_dir: str | os.PathLike[str], actor: Actor, name: str
) -> ModelOwner:
    owner = visible_models(engine, actor, [name]).get(name)
    if owner is None:
        raise _not_found(engine, models_dir, actor, name)
    return owner


def _not_found(
    engine: Engine, models_dir: str | os.PathLike[str], actor: Actor, name: str
) -> registry.ModelNotFound:
    """The error for a model ``actor`` cannot use, naming only the models they can."""
    known = [m["name"] for m in list_models(engine, models_dir, actor)]
    listed = ", ".join(known) or "none yet"
    return registry.ModelNotFound(
        f"no model named {name!r} is deployed; models you can use: {listed}", name, known
    )
